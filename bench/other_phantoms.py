#!/usr/bin/python3
"""Neck-CT phantoms made by other code, with other quirks, in the competition layout.

The pipeline's own generator (`generate-demo`, demo/NeckPhantom.java) is what the models were developed on; a
quality figure measured only there may be tuned to it. This script draws a second, independent kind of phantom
with numpy and writes it with pydicom and nibabel, so that a figure can be checked on data our Java code did not
write. Its differences on purpose:

- anatomy: rounded-rectangle vertebral bodies with a per-study cortical and cancellous density, bifid spinous
  processes, transverse foramina, a skull base (bright bone above C1, label 0), carotid arteries, a CT table
  under the neck, no shoulders;
- image model: 2x2 supersampled pixels (partial volume), spatially correlated noise, the segmentation taken from
  the pixel centres (so it disagrees with the image at edges, as a hand segmentation does);
- fractures: a displaced crack -- the bone on one side of a plane is shifted by 1-2 mm and a soft-tissue gap
  opens along the plane -- instead of a low-density slab;
- files: implicit VR little endian, explicit VR little endian and RLE lossless in turn; signed storage, unsigned
  with intercept -1024, or unsigned with intercept -2048 and 13 stored bits; z running either way; slice
  thickness 1.4-2.0 mm; some non-square images.

Labels: train.csv at the competition's prevalence, train_bounding_boxes.csv from the crack pixels,
segmentations/<UID>.nii for three studies in four (the competition's NIfTI convention: array (columns, rows,
slices), rows flipped, slices from the lowest z, with the matching affine). Needs Debian's python3-pydicom,
python3-nibabel and python3-numpy only.

    /usr/bin/python3 bench/other_phantoms.py --out D [--studies 48] [--size 96] [--seed 7]
"""
import argparse
import csv
import os

import nibabel as nib
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless

PREVALENCE = [0.072, 0.141, 0.036, 0.054, 0.080, 0.137, 0.195]
SOFT = 40.0


def rounded_rect(x, y, hx, hy, r):
    """Inside a rectangle of half sizes hx, hy with corners rounded by r (all mm)."""
    qx = np.maximum(np.abs(x) - (hx - r), 0)
    qy = np.maximum(np.abs(y) - (hy - r), 0)
    return qx * qx + qy * qy <= r * r


class Neck:
    """One study's anatomy in patient millimetres: x to the patient's left, y posterior, z up."""

    def __init__(self, rng, fractured, voxel):
        self.rng = rng
        self.cortical = rng.uniform(900, 1400)
        self.cancellous = rng.uniform(180, 360)
        self.arch = rng.uniform(600, 900)
        self.sway = rng.uniform(-3, 3)
        self.lordosis = rng.uniform(3, 9)
        self.neck = (rng.uniform(48, 60), rng.uniform(40, 50))
        heights = [8, 19, 13, 13.5, 14, 14, 15, 17, 18, 19, 20]
        s = rng.uniform(0.9, 1.12)
        self.vertebrae = []
        z = 0.0
        for i, h in enumerate(heights):
            h *= s
            v = {'label': i + 1, 'top': z, 'bottom': z - h,
                 'hx': (8.5 + 0.5 * max(0, i - 2)) * s, 'hy': (6.5 + 0.35 * max(0, i - 2)) * s,
                 'spinous': (10 + 1.2 * i if i < 7 else 16) * s, 'crack': None}
            self.vertebrae.append(v)
            z -= h + (2.0 if i == 0 else rng.uniform(3.5, 5.0) * s)
        self.bottom = z
        for i, v in enumerate(self.vertebrae[:7]):
            if fractured[i]:
                v['crack'] = self.crack(v, voxel)

    def centre(self, z):
        t = np.clip(-z / max(1.0, -self.bottom), 0, 1)
        return self.sway * np.sin(2.5 * t), -self.lordosis * np.sin(np.pi * t)

    def crack(self, v, voxel):
        rng = self.rng
        zc = v['bottom'] + (v['top'] - v['bottom']) * rng.uniform(0.2, 0.8)
        cx, cy = self.centre(zc)
        on_arch = rng.random() < (0.5 if v['label'] <= 2 else 0.35)
        px = cx + rng.uniform(-0.6, 0.6) * v['hx']
        py = cy + (rng.uniform(6, 10) if on_arch else -11 + rng.uniform(-0.5, 0.5) * v['hy'])
        n = np.array([rng.uniform(-1, 1), rng.uniform(-1, 1), rng.choice([0.3, 1.5])])
        n /= np.linalg.norm(n)
        along = np.cross(n, [0, 0, 1] if abs(n[2]) < 0.9 else [1, 0, 0])  # a step-off along the plane
        shift = along / np.linalg.norm(along) * rng.uniform(1.0, 2.0) * rng.choice([-1, 1])
        return {'p': np.array([px, py, zc]), 'n': n, 'gap': rng.uniform(0.6, 0.9) * voxel,
                'radius': rng.uniform(8, 13), 'shift': shift}

    def vertebra(self, v, x, y, z):
        """(HU, inside) of one vertebra at the points x, y (arrays) of height z; NaN where it has no bone."""
        hu = np.full(x.shape, np.nan)
        cx, cy = self.centre(z)
        dx, dy = x - cx, y - cy
        lab = v['label']
        if lab == 2 and v['top'] < z <= v['top'] + 11:  # the dens
            hu[np.hypot(dx, dy + 11) < 4.0] = self.cortical * 0.85
            return hu
        if not v['bottom'] <= z <= v['top']:
            return hu
        if lab == 1:  # the atlas: arches and lateral masses
            ring = np.hypot(dx / 13, (dy - 1) / 11)
            lateral = np.minimum(np.hypot((dx - 11) / 4.5, (dy + 2) / 6), np.hypot((dx + 11) / 4.5, (dy + 2) / 6))
            hu[(ring < 1) & (ring > 0.8)] = self.arch
            hu[lateral < 1] = self.cortical * 0.9
            hu[np.hypot(dx / 5, (dy + 13) / 2.5) < 1] = self.cortical * 0.9
            return hu
        by = dy + 11
        body = rounded_rect(dx, by, v['hx'], v['hy'], 3.0)
        shell = body & ~rounded_rect(dx, by, v['hx'] - 1.3, v['hy'] - 1.3, 2.0)
        hu[body] = self.cancellous
        hu[shell] = self.cortical
        ring = np.hypot(dx / 9, (dy - 1) / 8)
        arch = (ring < 1) & (ring > 0.7) & (dy > -4)
        sl = v['spinous']
        bifid = lab <= 6
        sx = np.where(bifid & (dy > 8 + 0.7 * sl), np.abs(dx) - 1.5, dx)
        spinous = (np.abs(sx) < 1.6) & (dy > 7) & (dy < 8 + sl)
        tx = np.abs(dx) - v['hx'] - 4.5
        transverse = (np.hypot(tx / 5, (by - 4) / 3) < 1) & (z < v['top'] - 1.5) & (z > v['bottom'] + 1.5)
        if lab <= 7:
            transverse &= np.hypot(tx, by - 4) > 1.6  # the transverse foramen
        hu[np.isnan(hu) & (arch | spinous | transverse)] = self.arch
        if lab >= 8:  # ribs
            e = np.hypot(dx / (28 + 3 * (lab - 8)), (by - 2) / 22)
            hu[np.isnan(hu) & (e > 0.92) & (e < 1) & (np.abs(dx) > v['hx'] + 3) & (by > -10)] = self.arch * 0.8
        return hu

    def render(self, x, y, z):
        """HU, vertebra label and crack flag at points x, y (arrays, mm) of height z."""
        cx, cy = self.centre(z)
        ex = ((x - cx) / self.neck[0]) ** 2 + ((y - cy + 10) / self.neck[1]) ** 2
        hu = np.where(ex > 1, -1000.0, np.where(ex > 0.8, -90.0, SOFT + 15))
        hu[np.hypot(x - cx, y - cy + 36) < 7] = -980  # trachea
        for side in (-1, 1):
            hu[np.hypot(x - cx - side * 20, y - cy + 22) < 3.5] = 45  # carotids
        hu[np.hypot(x - cx, y - cy) < 6] = 30  # cord
        table = (np.abs(y - cy - self.neck[1] - 18) < 2.5) & (np.abs(x - cx) < 70)
        hu[table] = 120
        if z > self.vertebrae[0]['top'] + 8:  # skull base: a bony plate above the atlas
            plate = (np.hypot((x - cx) / 40, (y - cy - 5) / 35) < 1) & (np.hypot((x - cx) / 34, (y - cy - 5) / 29) > 1)
            hu[plate] = self.cortical * 0.9
        label = np.zeros(x.shape, np.uint8)
        crack = np.zeros(x.shape, bool)
        for v in self.vertebrae:
            if z > v['top'] + 12 or z < v['bottom'] - 5:
                continue
            if v['bottom'] > z and v['label'] > 1:
                bx, by = self.centre(z)
                disc = rounded_rect(x - bx, y - by + 11, v['hx'], v['hy'], 3.0) & (z > v['bottom'] - 4.5)
                hu[disc] = 80
            bone = self.vertebra(v, x, y, z)
            c = v['crack']
            if c is not None:
                d = (x - c['p'][0]) * c['n'][0] + (y - c['p'][1]) * c['n'][1] + (z - c['p'][2]) * c['n'][2]
                near = (x - c['p'][0]) ** 2 + (y - c['p'][1]) ** 2 + (z - c['p'][2]) ** 2 <= c['radius'] ** 2
                moved = self.vertebra(v, x - c['shift'][0], y - c['shift'][1], z - c['shift'][2])
                bone = np.where(near & (d > c['gap']), moved, bone)
                gap = near & (np.abs(d) <= c['gap']) & ~np.isnan(bone)
                crack |= gap
                bone[gap] = SOFT
            inside = ~np.isnan(bone)
            hu[inside] = bone[inside]
            label[inside & ~crack] = v['label']
        return hu, label, crack


def write_study(out, uid, index, rng, size):
    fractured = rng.random(7) < np.array(PREVALENCE)
    rows = size + (size // 6 // 2 * 2 if index % 5 == 2 else 0)
    cols = size
    spacing = rng.uniform(140, 175) / size
    dz = rng.uniform(1.4, 2.0)
    voxel = max(spacing, dz)
    neck = Neck(rng, fractured, voxel)
    first = rng.uniform(12, 22)  # mm above C1: the skull base is in the first slices
    slices = int((first - neck.vertebrae[8]['bottom'] + rng.uniform(0, 10)) / dz)  # down to T2 or T3
    z_up = index % 2 == 0
    syntax = [ImplicitVRLittleEndian, ExplicitVRLittleEndian, RLELossless][index % 3]
    storage = ['signed', 'unsigned', 'shifted'][index % 4 % 3]
    x0 = -spacing * (cols - 1) / 2 + rng.uniform(-6, 6)
    y0 = -spacing * (rows - 1) / 2 + 8 + rng.uniform(-6, 6)
    sub = (np.arange(2) + 0.5) / 2 - 0.5
    gx = x0 + (np.arange(cols)[None, :, None, None] + sub[None, None, None, :]) * spacing
    gy = y0 + (np.arange(rows)[:, None, None, None] + sub[None, None, :, None]) * spacing
    gx, gy = np.broadcast_arrays(gx, gy)
    gx, gy = gx.reshape(rows, cols, 4), gy.reshape(rows, cols, 4)
    cx = x0 + np.arange(cols)[None, :] * spacing + np.zeros((rows, 1))
    cy = y0 + np.arange(rows)[:, None] * spacing + np.zeros((1, cols))
    sigma = rng.uniform(12, 28)
    folder = os.path.join(out, 'train_images', uid)
    os.makedirs(folder, exist_ok=True)
    seg = np.zeros((cols, rows, slices), np.uint8)
    boxes = []
    series = uid + '.1'
    for s in range(slices):
        number = s + 1
        k = s if z_up else slices - 1 - s  # k counts slices from the lowest z
        z = neck.vertebrae[0]['top'] + first - (slices - 1 - k) * dz
        hu, _, crack4 = neck.render(gx, gy, z)
        hu = hu.mean(axis=2)
        _, label, _ = neck.render(cx, cy, z)
        crack = crack4.mean(axis=2) >= 0.5  # most of the pixel is gap
        noise = rng.normal(0, 1, (rows + 2, cols + 2))
        noise = sum(noise[i:i + rows, j:j + cols] for i in range(3) for j in range(3)) / 3.0
        hu = np.clip(np.rint(hu + sigma * noise), -1024, 3071)
        seg[:, :, k] = label[::-1, :].T
        if crack.any():
            r, c = np.nonzero(crack)
            boxes.append((uid, c.min(), r.min(), c.max() - c.min() + 1, r.max() - r.min() + 1, number))
        write_slice(os.path.join(folder, f'{number}.dcm'), uid, series, number, rows, cols, spacing,
                    (x0, y0, round(z, 3)), hu, storage, syntax)
    return fractured, seg, boxes, (spacing, x0, y0, rows, dz, neck.vertebrae[0]['top'] + first - (slices - 1) * dz)


def write_slice(path, uid, series, number, rows, cols, spacing, position, hu, storage, syntax):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.2'
    meta.MediaStorageSOPInstanceUID = f'{series}.{number}'
    meta.TransferSyntaxUID = ExplicitVRLittleEndian if syntax == RLELossless else syntax
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = 'CT'
    ds.StudyInstanceUID = uid
    ds.SeriesInstanceUID = series
    ds.InstanceNumber = number
    ds.SliceThickness = 1.0
    ds.ImagePositionPatient = [f'{v:.3f}' for v in position]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [f'{spacing:.6f}', f'{spacing:.6f}']
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated = 16
    ds.RescaleSlope = 1
    if storage == 'signed':
        ds.BitsStored, ds.HighBit, ds.PixelRepresentation, ds.RescaleIntercept = 16, 15, 1, 0
        pixels = hu.astype(np.int16)
    elif storage == 'unsigned':
        ds.BitsStored, ds.HighBit, ds.PixelRepresentation, ds.RescaleIntercept = 12, 11, 0, -1024
        pixels = (hu + 1024).astype(np.uint16)
    else:
        ds.BitsStored, ds.HighBit, ds.PixelRepresentation, ds.RescaleIntercept = 13, 12, 0, -2048
        pixels = (hu + 2048).astype(np.uint16)
    ds.is_little_endian = True
    ds.is_implicit_VR = syntax == ImplicitVRLittleEndian
    if syntax == RLELossless:
        ds.compress(RLELossless, pixels)
    else:
        ds.PixelData = pixels.tobytes()
    ds.save_as(path, write_like_original=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', required=True)
    ap.add_argument('--studies', type=int, default=48)
    ap.add_argument('--size', type=int, default=96)
    ap.add_argument('--seed', type=int, default=7)
    a = ap.parse_args()
    os.makedirs(os.path.join(a.out, 'segmentations'), exist_ok=True)
    train, boxes = [], []
    for i in range(a.studies):
        rng = np.random.default_rng([a.seed, i])
        uid = f'1.2.826.0.1.3680043.9.{a.seed}.{1000 + i}'
        fractured, seg, study_boxes, (sp, x0, y0, rows, dz, zmin) = write_study(a.out, uid, i, rng, a.size)
        train.append([uid, int(fractured.any())] + [int(f) for f in fractured])
        boxes += study_boxes
        if i % 4 != 3:
            affine = np.array([[-sp, 0, 0, -x0], [0, sp, 0, -(y0 + (rows - 1) * sp)], [0, 0, dz, zmin], [0, 0, 0, 1]])
            nib.save(nib.Nifti1Image(seg, affine), os.path.join(a.out, 'segmentations', uid + '.nii'))
        print(f'{i + 1}/{a.studies} {uid} fractured={"".join(str(int(f)) for f in fractured)}', flush=True)
    with open(os.path.join(a.out, 'train.csv'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['StudyInstanceUID', 'patient_overall'] + [f'C{i}' for i in range(1, 8)])
        w.writerows(sorted(train))
    with open(os.path.join(a.out, 'train_bounding_boxes.csv'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['StudyInstanceUID', 'x', 'y', 'width', 'height', 'slice_number'])
        w.writerows(boxes)


if __name__ == '__main__':
    main()
