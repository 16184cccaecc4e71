#!/usr/bin/python3
"""Do the slice-fracture model's (M3) image embeddings carry the cracks? A linear probe, outside the pipeline.

After train-fracture, embeddings/<EXP>/fold<k>/seed0/*.emb hold the frozen M3 backbone's vector of every 3-slice
image of every study (fracture/StudyEmbedding.java). Each image is labelled 1 when one of its slices has a row in
the dataset's train_bounding_boxes.csv. Per fold k: a logistic regression (class-balanced, standardised
features) is fitted on the images of the studies M3 of fold k trained on, and scored on the studies of fold k
(which that M3 did not see): image AUC, and the study AUC of the maximum over a study's images against
patient_overall. The same features are all the study model (M4) gets; a probe near 0.5 means they do not hold
the cracks. Needs Debian's python3-torch and python3-numpy only.

    /usr/bin/python3 bench/embedding_probe.py --work W --data D --experiment EXP [--size 64]
"""
import argparse
import collections
import glob
import os
import struct

import numpy as np
import torch

from crack_learnability import auc, read_crop, read_labels


def read_embedding(path):
    """fracture/StudyEmbedding.java: big-endian magic, UTF uid, images, features; then little-endian floats."""
    b = open(path, 'rb').read()
    n = struct.unpack('>H', b[4:6])[0]
    o = 6 + n
    images, features = struct.unpack('>ii', b[o:o + 8])
    values = np.frombuffer(b[o + 8:o + 8 + images * features * 4], dtype='<f4')
    return b[6:6 + n].decode(), values.reshape(images, features)


def main():
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('--work', required=True)
    a.add_argument('--data', required=True)
    a.add_argument('--experiment', required=True, help='the config name of the train-fracture run')
    a.add_argument('--size', type=int, default=64, help='crop size (work/crops/size<N>)')
    args = a.parse_args()
    torch.manual_seed(0)

    cracks, overall, fold = read_labels(args.data, args.work)

    folders = sorted(glob.glob(os.path.join(args.work, 'embeddings', args.experiment, 'fold*', 'seed0')))
    if not folders:
        raise SystemExit(f'no embeddings of {args.experiment} in {args.work}/embeddings: run train-fracture first')
    for folder in folders:
        k = int(folder.split(os.sep)[-2][4:])
        x, y, owners = [], [], []
        for path in sorted(glob.glob(os.path.join(folder, '*.emb'))):
            uid, e = read_embedding(path)
            _, numbers, _ = read_crop(os.path.join(args.work, 'crops', f'size{args.size}', f'{uid}.crop'))
            for i in range(e.shape[0]):
                x.append(e[i])
                y.append(int(any(n in cracks[uid] for n in numbers[3 * i:3 * i + 3])))
                owners.append(uid)
        x, y, owners = np.array(x), np.array(y), np.array(owners)
        val = np.array([fold[u] == k for u in owners])
        train = ~val
        mean, std = x[train].mean(0), x[train].std(0) + 1e-6
        xt = torch.tensor((x - mean) / std, dtype=torch.float32)
        yt = torch.tensor(y, dtype=torch.float32)
        w = torch.zeros(x.shape[1], requires_grad=True)
        b = torch.zeros(1, requires_grad=True)
        opt = torch.optim.Adam([w, b], 0.01)
        share = y[train].mean()
        for _ in range(500):
            opt.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                xt[train] @ w + b, yt[train], pos_weight=torch.tensor((1 - share) / share)) + 1e-3 * (w * w).sum()
            loss.backward()
            opt.step()
        p = (xt[val] @ w + b).detach().numpy()
        best = collections.defaultdict(lambda: -np.inf)
        for uid, q in zip(owners[val], p):
            best[uid] = max(best[uid], q)
        studies = sorted(best)
        print(f'fold {k}: {val.sum()} images of {len(studies)} studies, {y[val].sum()} with a crack; image AUC '
              f'{auc(y[val], p):.3f}, study AUC {auc([overall[s] for s in studies], [best[s] for s in studies]):.3f}')


if __name__ == '__main__':
    main()
