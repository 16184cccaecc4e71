#!/usr/bin/env python3
"""Where the vertebra of a crack gets lost, after `run pipeline` with `fracture.study_inputs: scores`.

Reads a work folder (train_folded_v01.csv, train_image_pseu_v04_crop.csv.gz, oof_study_pred_v01.csv.gz and the
out-of-fold M3 scores in embeddings/EXP/fold*/seed0/) and the dataset's train_bounding_boxes.csv, and prints:

1. per label, the out-of-fold AUC of the study model (M4), and of two plain study scores made from M3's outputs:
   the maximum over images of M3's fracture output for that vertebra, and the maximum over images of M3's image
   crack head times M2's share of that vertebra (the pseudo-labels' C*_pred of the image's middle slice);
2. on the crack slices (train_bounding_boxes.csv) of studies with exactly one fractured vertebra, how often the
   vertebra with the largest M2 share, M3's vertebra head and M3's fracture-per-vertebra head is the true one;
3. per fold, the head*M2 AUCs among that fold's studies alone (each fold's M3 scored them: a vertebra lost in one
   fold only shows here), and on the studies without a fracture, at which vertebra (the largest M2 share of the
   image) the crack head's maximum sits: where its false alarms are.

Every score is out of fold: M2's shares, M3's scores and M4's predictions of a study come from models that did not
train on it. Needs numpy only. Usage: vertebra_attribution.py --work W --data D [--experiment demo]
"""
import argparse
import csv
import gzip
import os
import struct

import numpy as np

LABELS = ["patient_overall"] + ["C%d" % i for i in range(1, 8)]


def auc(scores, labels):
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    pos, neg = scores[labels == 1], scores[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    allv = np.concatenate([pos, neg])[order]
    # average ranks of ties
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and allv[j + 1] == allv[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return (ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def read_embedding(path):
    with open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">i", raw[:4])
    assert magic == 0x52534E32, path
    n, = struct.unpack(">H", raw[4:6])
    at = 6 + n
    images, features = struct.unpack(">ii", raw[at:at + 8])
    at += 8
    values = np.frombuffer(raw[at:at + images * features * 4], dtype="<f4")
    return values.reshape(images, features)


def rows(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return list(csv.DictReader(f))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--experiment", default="demo")
    a = ap.parse_args()
    m2_layout = False

    folded = {r["StudyInstanceUID"]: r for r in rows(os.path.join(a.work, "train_folded_v01.csv"))}
    oof = {r["StudyInstanceUID"]: r for r in rows(os.path.join(a.work, "oof_study_pred_v01.csv.gz"))}
    shares = {}
    for r in rows(os.path.join(a.work, "train_image_pseu_v04_crop.csv.gz")):
        shares.setdefault(r["StudyInstanceUID"], []).append(
            (int(r["slice_number"]), np.array([float(r["C%d_pred" % v]) for v in range(1, 8)])))
    cracks = {}
    for r in rows(os.path.join(a.data, "train_bounding_boxes.csv")):
        cracks.setdefault(r["StudyInstanceUID"], set()).add(int(r["slice_number"]))

    truth = {lab: [] for lab in LABELS}
    m4 = {lab: [] for lab in LABELS}
    m3frac = {lab: [] for lab in LABELS}
    headshare = {lab: [] for lab in LABELS}
    folds = []
    clean_max_at = {}  # fold -> counts of the clean studies' head maximum per vertebra (index 7: no share >= 0.5)
    hits = {"M2 share": 0, "M3 vertebra head": 0, "M3 fracture head": 0}
    crack_images = 0
    for uid, f in sorted(folded.items()):
        path = os.path.join(a.work, "embeddings", a.experiment, "fold" + f["fold"], "seed0", uid + ".emb")
        if uid not in oof or uid not in shares or not os.path.exists(path):
            continue
        # images x (7 vertebra, 7 fracture, any, image head); with study_shares: m2 the first 7 are M2's shares and
        # the head times each share follows (23 values)
        e = read_embedding(path)
        m2_layout = e.shape[1] == 23
        s = shares[uid]
        images = e.shape[0]
        share = np.stack([s[min(3 * i + 1, len(s) - 1)][1] for i in range(images)])  # the middle slice's shares
        head = e[:, 15] if e.shape[1] > 15 else e[:, 14]
        folds.append(f["fold"])
        if f["patient_overall"] == "0":
            at = share[int(np.argmax(head))]
            counts = clean_max_at.setdefault(f["fold"], [0] * 8)
            counts[int(np.argmax(at)) if at.max() >= 0.5 else 7] += 1
        for k, lab in enumerate(LABELS):
            truth[lab].append(int(f[lab]))
            m4[lab].append(float(oof[uid][lab]))
            if k == 0:
                m3frac[lab].append(float(e[:, 14].max()))
                headshare[lab].append(float(head.max()))
            else:
                m3frac[lab].append(float(e[:, 7 + k - 1].max()))
                headshare[lab].append(float((head * share[:, k - 1]).max()))
        fractured = [v for v in range(7) if f["C%d" % (v + 1)] == "1"]
        if len(fractured) == 1 and uid in cracks:
            v = fractured[0]
            numbers = [n for n, _ in s]
            for i in range(images):
                middle = numbers[min(3 * i + 1, len(numbers) - 1)]
                if middle in cracks[uid]:
                    crack_images += 1
                    hits["M2 share"] += int(np.argmax(share[i]) == v)
                    if not m2_layout:
                        hits["M3 vertebra head"] += int(np.argmax(e[i, 0:7]) == v)
                    hits["M3 fracture head"] += int(np.argmax(e[i, 7:14]) == v)

    n = len(truth["patient_overall"])
    print("%d studies, out of fold" % n)
    print("%-16s %6s %9s %9s %9s" % ("label", "cases", "M4", "M3 frac", "head*M2"))
    for lab in LABELS:
        print("%-16s %6d %9.3f %9.3f %9.3f" % (lab, sum(truth[lab]), auc(m4[lab], truth[lab]),
                                                auc(m3frac[lab], truth[lab]), auc(headshare[lab], truth[lab])))
    print("crack images of studies with one fractured vertebra: %d" % crack_images)
    for k, v in hits.items():
        if k == "M3 vertebra head" and m2_layout:
            print("  %-18s not among the study model's inputs (study_shares: m2)" % k)
            continue
        print("  %-18s names the true vertebra on %5.1f %%" % (k, 100.0 * v / max(1, crack_images)))
    for fold in sorted(set(folds)):
        mine = [i for i, f in enumerate(folds) if f == fold]
        print("fold %s (%d studies): head*M2 AUC %s" % (fold, len(mine), " ".join(
            "%s %.2f" % (lab.replace("patient_", ""), auc([headshare[lab][i] for i in mine],
                                                          [truth[lab][i] for i in mine])) for lab in LABELS)))
        counts = clean_max_at.get(fold, [0] * 8)
        print("  clean studies' head maximum at %s" % " ".join(
            "%s %d" % ("C%d" % (v + 1) if v < 7 else "none", c) for v, c in enumerate(counts)))


if __name__ == "__main__":
    main()
