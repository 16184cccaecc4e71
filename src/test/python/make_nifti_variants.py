"""Writes NIfTI-1 variants with nibabel for the Java reader tests: every supported datatype in both byte
orders, 2-D and 3-D, scaled data, qform-only and sform-only affines, and gzip.

Usage: make_nifti_variants.py OUT_DIR    (prints the paths written, one per line)
"""
import sys

import nibabel as nib
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(22)
rotation = nib.eulerangles.euler2mat(0.3, -0.2, 0.1)
oblique = np.eye(4)
oblique[:3, :3] = rotation @ np.diag([0.8, 0.9, 2.5])
oblique[:3, 3] = [-90.5, 12.25, 40.0]
written = []
for dtype in ["u1", "i1", "i2", "u2", "i4", "u4", "f4", "f8", "i8"]:
    for order in "<>":
        shape = (5, 6, 7) if order == "<" else (9, 4)
        info = np.iinfo(dtype) if dtype[0] in "iu" else None
        if info is not None:
            lo, hi = max(info.min, -30000), min(info.max, 30000)
            data = rng.integers(lo, hi, size=shape).astype(order + dtype)
        else:
            data = rng.normal(0, 100, size=shape).astype(order + dtype)
        hdr = nib.Nifti1Header(endianness=order)
        img = nib.Nifti1Image(data, oblique, header=hdr)
        img.set_data_dtype(np.dtype(order + dtype))
        name = f"{out}/v_{dtype}_{'le' if order == '<' else 'be'}.nii"
        nib.save(img, name)
        written.append(name)

data = rng.integers(-500, 500, size=(6, 5, 4)).astype("<i2")
img = nib.Nifti1Image(data, oblique)
img.header.set_slope_inter(0.5, -3.0)
nib.save(img, f"{out}/scaled.nii.gz")
written.append(f"{out}/scaled.nii.gz")

img = nib.Nifti1Image(data, None)
img.set_qform(oblique, code=1)
img.set_sform(None, code=0)
nib.save(img, f"{out}/qform_only.nii")
written.append(f"{out}/qform_only.nii")

flipped = oblique.copy()
flipped[:3, 2] *= -1  # left-handed: qfac -1
img = nib.Nifti1Image(data, None)
img.set_qform(flipped, code=2)
img.set_sform(None, code=0)
nib.save(img, f"{out}/qform_qfac.nii")
written.append(f"{out}/qform_qfac.nii")

img = nib.Nifti1Image(data, None)
img.set_qform(None, code=0)
img.set_sform(None, code=0)
img.header.set_zooms((0.7, 0.8, 3.0))
nib.save(img, f"{out}/no_affine.nii")
written.append(f"{out}/no_affine.nii")

print("\n".join(written))
