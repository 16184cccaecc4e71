"""Reference NIfTI facts for the Java tests, from nibabel (a third-party reader).

Usage: dump_nifti.py OUT_DIR FILE...

For each FILE i prints one JSON line: {"index", "kind", "shape", "affine"} and writes OUT_DIR/i.raw, the
scaled voxels (get_fdata) as little-endian float64 in file order (first axis fastest); or {"index", "error"}.
"kind" is "nifti1", "nifti2" or another class name.
"""
import json
import sys

import nibabel as nib
import numpy as np


def main():
    out_dir = sys.argv[1]
    for i, path in enumerate(sys.argv[2:]):
        try:
            img = nib.load(path)
            kind = type(img).__name__
            kind = {"Nifti1Image": "nifti1", "Nifti2Image": "nifti2"}.get(kind, kind)
            row = {"index": i, "kind": kind, "shape": [int(s) for s in img.shape]}
            if kind == "nifti1":
                row["affine"] = np.asarray(img.affine, dtype=float).tolist()
                data = np.asarray(img.get_fdata(), dtype="<f8")
                data.ravel(order="F").tofile(f"{out_dir}/{i}.raw")
            print(json.dumps(row))
        except Exception as e:
            print(json.dumps({"index": i, "error": f"{type(e).__name__}: {e}"}))


if __name__ == "__main__":
    main()
