"""The original solution's bounding-box label method (_make_bbox_part1.py), for timing only.

pydicom header reads by path for every slice of each segmented study (z direction), nibabel load,
the original's flips and transpose, labels > 7 dropped, and a per-slice min/max box with numpy.
Usage: original_bbox_part1.py DATASET [MAX_STUDIES]   prints studies/s and slices/s (one core).
"""
import glob
import os
import sys
import time

import nibabel as nib
import numpy as np
import pydicom

root = sys.argv[1]
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 10**9
segs = sorted(glob.glob(os.path.join(root, "segmentations", "*.nii")))[:limit]
t0 = time.time()
slices = 0
rows = 0
for seg_path in segs:
    uid = os.path.basename(seg_path)[:-4]
    files = glob.glob(os.path.join(root, "train_images", uid, "*.dcm"))
    files.sort(key=lambda f: int(os.path.basename(f)[:-4]))
    z = [float(pydicom.dcmread(f, stop_before_pixels=True).ImagePositionPatient[2]) for f in files]
    slices += len(files)
    zdir = np.mean(np.diff(z))
    m = nib.load(seg_path).get_fdata()
    seg = m[:, ::-1, ::-1].transpose(2, 1, 0) if zdir < 0 else m[:, ::-1].transpose(2, 1, 0)
    seg = np.where(seg > 7, 0, seg)
    for s in range(seg.shape[0]):
        ys, xs = np.where(seg[s] > 0)
        if len(xs):
            box = (xs.min(), ys.min(), xs.max(), ys.max())
        else:
            box = (seg.shape[2] // 2,) * 4
        rows += 1
dt = time.time() - t0
print(f"original method: {len(segs)} studies, {slices} slices in {dt:.1f} s: "
      f"{len(segs) / dt:.2f} studies/s, {slices / dt:.0f} slices/s")
