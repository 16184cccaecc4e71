#!/usr/bin/python3
"""Can a small CNN learn the cracks of a work folder's study crops when it is told exactly where they are?

An experiment outside the pipeline, for the fracture models' learning problem (README, train-fracture): every
3-slice image of every cached crop (work/crops/size<N>/*.crop, written by train-fracture's studyCrops) is labelled
1 when one of its slices has a row in the dataset's train_bounding_boxes.csv (the exact fracture slices), else 0.
A from-scratch CNN (global max pool) is trained per fold of train_folded_v01.csv with class-balanced BCE and
evaluated on the other fold: image-level AUC, and the study-level AUC of the maximum over a study's images
against patient_overall (0.5 is chance). Needs Debian's python3-torch and python3-numpy only.

    /usr/bin/python3 bench/crack_learnability.py --work W --data D [--stride 3] [--window minmax|fixed|narrow]
        [--channels 3|1] [--stem 2|1]

--channels 1 classifies single slices (the middle slice of each image, labelled by its own box); --stem 1 gives the
network a stride-1 first layer and two full-resolution layers (a crack is 1-2 crop pixels wide).
"""
import argparse
import collections
import csv
import glob
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn


def read_crop(path):
    """The cache format of fracture/StudyCrop.java: big-endian header, then little-endian int16 HU planes."""
    b = open(path, 'rb').read()
    magic, version = struct.unpack('>ii', b[:8])
    if magic != 0x52534E43:
        raise ValueError(f'{path}: not a study crop')
    o = 8
    n = struct.unpack('>H', b[o:o + 2])[0]
    uid = b[o + 2:o + 2 + n].decode()
    o += 2 + n
    size, slices = struct.unpack('>ii', b[o:o + 8])
    o += 8
    numbers = struct.unpack(f'>{slices}i', b[o:o + 4 * slices])
    o += 4 * slices + 12  # the box: three ints
    hu = np.frombuffer(b[o:o + slices * size * size * 2], dtype='<i2').reshape(slices, size, size)
    return uid, list(numbers), hu.astype(np.float32)


def window(hu, mode):
    """WL 400 / WW 1800, then per-slice min-max (SPEC) or the fixed window range; narrow: fixed [-200, 1200]."""
    if mode == 'narrow':
        return (np.clip(hu, -200, 1200) + 200) / 1400
    x = np.clip(hu, -500, 1300)
    if mode == 'fixed':
        return (x + 500) / 1800
    lo = x.min(axis=(1, 2), keepdims=True)
    hi = x.max(axis=(1, 2), keepdims=True)
    return (x - lo) / np.maximum(hi - lo, 1e-6)


def auc(y, p):
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    ranks = np.empty(len(p))
    ranks[np.argsort(p, kind='mergesort')] = np.arange(1, len(p) + 1)
    pos = y.sum()
    neg = len(y) - pos
    if pos == 0 or neg == 0:
        return float('nan')
    return (ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg)


def read_labels(data, work):
    """Per study: the slice numbers with a fracture box, patient_overall, and the fold of train_folded_v01.csv."""
    cracks = collections.defaultdict(set)
    for r in csv.DictReader(open(os.path.join(data, 'train_bounding_boxes.csv'))):
        cracks[r['StudyInstanceUID']].add(int(float(r['slice_number'])))
    overall = {r['StudyInstanceUID']: int(r['patient_overall'])
               for r in csv.DictReader(open(os.path.join(data, 'train.csv')))}
    fold = {r['StudyInstanceUID']: int(r['fold'])
            for r in csv.DictReader(open(os.path.join(work, 'train_folded_v01.csv')))}
    return cracks, overall, fold


def network(channels, stem):
    def block(i, o, s):
        return nn.Sequential(nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU())
    if stem == 1:
        return nn.Sequential(block(channels, 16, 1), block(16, 16, 1), block(16, 32, 2), block(32, 32, 1),
                             block(32, 64, 2), block(64, 64, 1), nn.AdaptiveMaxPool2d(1), nn.Flatten(),
                             nn.Linear(64, 1))
    return nn.Sequential(block(channels, 16, 2), block(16, 16, 1), block(16, 32, 2), block(32, 64, 2),
                         block(64, 128, 2), nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(128, 1))


class Repeat(nn.Module):
    """Repeats the channels (one slice into the three planes of the pipeline's images)."""

    def __init__(self, times):
        super().__init__()
        self.times = times

    def forward(self, x):
        return x.repeat(1, self.times, 1, 1)


def main():
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('--work', required=True)
    a.add_argument('--data', required=True)
    a.add_argument('--size', type=int, default=64, help='crop size (work/crops/size<N>)')
    a.add_argument('--stride', type=int, default=3, help='3: the pipeline\'s images; 1: every slice start')
    a.add_argument('--window', choices=['minmax', 'fixed', 'narrow'], default='minmax')
    a.add_argument('--channels', type=int, choices=[1, 3], default=3)
    a.add_argument('--stem', type=int, choices=[1, 2], default=2)
    a.add_argument('--epochs', type=int, default=15)
    a.add_argument('--seed', type=int, default=0)
    a.add_argument('--net', choices=['plain', 'resnet'], default='plain',
                   help='plain: the six-layer CNN here; resnet: the pipeline\'s backbone (torch_peer.py, width 16, '
                        'max pool) with a linear head, its one slice repeated in three channels as image_slices 1')
    a.add_argument('--folds', type=int, nargs='*', help='only these validation folds (default: all)')
    args = a.parse_args()
    torch.manual_seed(args.seed)
    rnd = np.random.default_rng(args.seed)
    torch.set_num_threads(os.cpu_count() or 1)

    cracks, overall, fold = read_labels(args.data, args.work)

    images, labels, owners = [], [], []
    for path in sorted(glob.glob(os.path.join(args.work, 'crops', f'size{args.size}', '*.crop'))):
        uid, numbers, hu = read_crop(path)
        w = window(hu, args.window)
        for i in range(0, len(numbers) - 2, args.stride):
            if args.channels == 3:
                images.append(w[i:i + 3])
                labels.append(1.0 if any(numbers[i + k] in cracks[uid] for k in range(3)) else 0.0)
            else:
                images.append(w[i + 1:i + 2])
                labels.append(1.0 if numbers[i + 1] in cracks[uid] else 0.0)
            owners.append(uid)
    if not images:
        raise SystemExit(f'no crops in {args.work}/crops/size{args.size}: run train-fracture first')
    x = torch.from_numpy(np.stack(images))
    y = torch.tensor(labels)
    owners = np.array(owners)
    print(f'{len(set(owners))} studies, {len(y)} images, {int(y.sum())} with a crack; stride {args.stride}, '
          f'window {args.window}, {args.channels} channel(s), stem stride {args.stem}, {args.epochs} epochs', flush=True)

    started = time.time()
    predicted = collections.defaultdict(list)
    for f in sorted(set(fold[u] for u in owners)):
        if args.folds and f not in args.folds:
            continue
        train = np.array([fold[u] != f for u in owners])
        val = np.where(~train)[0]
        if args.net == 'resnet':
            import torch_peer
            repeat = 3 if args.channels == 1 else 1
            net = nn.Sequential(Repeat(repeat), torch_peer.backbone('resnet', 16, args.stem, 'max'), nn.Linear(128, 1))
        else:
            net = network(args.channels, args.stem)
        opt = torch.optim.Adam(net.parameters(), 1e-3)
        share = float(y[train].mean())
        loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - share) / share))
        order = np.where(train)[0]
        for epoch in range(args.epochs):
            net.train()
            rnd.shuffle(order)
            for b in range(0, len(order), 64):
                j = order[b:b + 64]
                xb = x[j].flip(3) if rnd.random() < 0.5 else x[j]
                opt.zero_grad()
                loss = loss_fn(net(xb).squeeze(1), y[j])
                loss.backward()
                opt.step()
        net.eval()
        with torch.no_grad():
            p = torch.cat([torch.sigmoid(net(x[val[k:k + 256]])).squeeze(1) for k in range(0, len(val), 256)]).numpy()
        print(f'fold {f}: image AUC {auc(y[val].numpy(), p):.3f} (last training loss {loss.item():.3f})', flush=True)
        for uid, q in zip(owners[val], p):
            predicted[uid].append(q)
    studies = sorted(predicted)
    print(f'out of fold: study AUC of the max over images against patient_overall '
          f'{auc([overall[s] for s in studies], [max(predicted[s]) for s in studies]):.3f} '
          f'(chance 0.5; {time.time() - started:.0f} s)')


if __name__ == '__main__':
    main()
