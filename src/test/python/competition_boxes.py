#!/usr/bin/python3
"""The original recipe's per-slice vertebra boxes (SPEC section 3), computed with nibabel and pydicom alone.

    /usr/bin/python3 competition_boxes.py DATASET  ->  StudyInstanceUID,slice_number,x0,y0,x1,y1,has_box lines

For every segmentations/<UID>.nii: slices ordered by file number, zdir from ImagePositionPatient, the original's
flips (M[:, ::-1, ::-1] when z falls with the file number, else M[:, ::-1]), labels above 7 dropped, the inclusive
box of the C1-C7 voxels, or the image centre with has_box 0.
"""
import glob
import os
import sys

import nibabel as nib
import numpy as np
import pydicom

data = sys.argv[1]
for nii in sorted(glob.glob(os.path.join(data, 'segmentations', '*.nii'))):
    uid = os.path.basename(nii)[:-4]
    files = sorted(glob.glob(os.path.join(data, 'train_images', uid, '*.dcm')),
                   key=lambda p: int(os.path.basename(p)[:-4]))
    z = [float(pydicom.dcmread(f, stop_before_pixels=True).ImagePositionPatient[2]) for f in files]
    m = np.asarray(nib.load(nii).dataobj)
    seg = (m[:, ::-1, ::-1] if np.mean(np.diff(z)) < 0 else m[:, ::-1]).transpose(2, 1, 0)
    seg = np.where(seg > 7, 0, seg)
    rows, cols = seg.shape[1], seg.shape[2]
    for s in range(seg.shape[0]):
        r, c = np.nonzero(seg[s])
        if len(r):
            print(f'{uid},{s + 1},{c.min()},{r.min()},{c.max()},{r.max()},1')
        else:
            print(f'{uid},{s + 1},{cols // 2},{rows // 2},{cols // 2},{rows // 2},0')
