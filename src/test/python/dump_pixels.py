"""Reference pixel values for the Java tests, from pydicom (a third-party reader).

Usage: dump_pixels.py OUT_DIR FILE...   (native transfer syntaxes only: decompress with dcmtk/GDCM first)

For each FILE i, writes OUT_DIR/i.raw: the stored values as little-endian int64, row-major, after
keeping BitsStored bits below HighBit and sign-extending when PixelRepresentation is 1 (PS3.5 8.1.1),
and prints one JSON line {"index", "rows", "columns"} or {"index", "error"}.
"""
import json
import sys

import numpy as np
import pydicom


def stored_values(ds):
    arr = ds.pixel_array.astype(np.int64)
    bits_allocated = int(ds.BitsAllocated)
    bits_stored = int(ds.get("BitsStored", bits_allocated))
    high_bit = int(ds.get("HighBit", bits_stored - 1))
    signed = int(ds.get("PixelRepresentation", 0)) == 1
    if bits_allocated > 1:
        raw = arr & ((1 << bits_allocated) - 1)  # undo any sign interpretation numpy applied
        raw = (raw >> (high_bit + 1 - bits_stored)) & ((1 << bits_stored) - 1)
        if signed:
            raw = np.where(raw >= (1 << (bits_stored - 1)), raw - (1 << bits_stored), raw)
        arr = raw
    return arr


def main():
    out_dir = sys.argv[1]
    for i, path in enumerate(sys.argv[2:]):
        try:
            ds = pydicom.dcmread(path, force=True)
            arr = stored_values(ds)
            arr.astype("<i8").tofile(f"{out_dir}/{i}.raw")
            print(json.dumps({"index": i, "rows": int(arr.shape[0]), "columns": int(arr.shape[1])}))
        except Exception as e:  # reported to the Java side, which decides whether it matters
            print(json.dumps({"index": i, "error": f"{type(e).__name__}: {e}"}))


if __name__ == "__main__":
    main()
