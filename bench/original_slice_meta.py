"""The original solution's slice metadata loop, for timing only: pydicom.dcmread by path for each file.

Usage: original_slice_meta.py DATASET [MAX_FILES]   prints files/s (one core).
"""
import glob
import os
import sys
import time

import pydicom

root = sys.argv[1]
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
files = sorted(glob.glob(os.path.join(root, "train_images", "*", "*.dcm")))[:limit]
t0 = time.time()
for f in files:
    d = pydicom.dcmread(f, stop_before_pixels=True)
    d.ImagePositionPatient, d.Rows, d.Columns, d.PixelSpacing
dt = time.time() - t0
print(f"original method: {len(files)} headers in {dt:.1f} s: {len(files) / dt:.0f} files/s")
