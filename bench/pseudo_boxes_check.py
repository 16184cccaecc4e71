#!/usr/bin/env python3
"""How right are the crack slices that fracture.pseudo_boxes made up? Compares a work folder's pseudo_boxes.csv.gz
with the crack boxes of a dataset that boxes every fractured study (generate-demo without --box-fraction makes the
same phantoms as with it, so the full dataset's train_bounding_boxes.csv is the truth for the scarce one's).

    bench/pseudo_boxes_check.py WORK/pseudo_boxes.csv.gz FULL_DATA/train_bounding_boxes.csv

Prints, per fold and overall: studies located, crack slices, the share of them within one slice of a boxed slice
(precision), and the share of located studies with at least one such slice. Standard library only.
"""
import csv
import gzip
import sys
from collections import defaultdict


def main(pseudo_path, boxes_path):
    truth = defaultdict(set)
    with open(boxes_path, newline="") as f:
        for row in csv.DictReader(f):
            truth[row["StudyInstanceUID"].strip()].add(int(float(row["slice_number"])))
    found = defaultdict(lambda: defaultdict(list))
    with gzip.open(pseudo_path, "rt", newline="") as f:
        for row in csv.DictReader(f):
            found[int(row["fold"])][row["StudyInstanceUID"]].append(int(row["slice_number"]))
    print("%-8s %8s %7s %10s %14s" % ("fold", "studies", "slices", "precision", "study hit"))
    total = [0, 0, 0, 0]
    for fold in sorted(found):
        studies = found[fold]
        slices = hits = studies_hit = 0
        for uid, located in studies.items():
            boxed = truth.get(uid, set())
            good = sum(1 for s in located if any(s + d in boxed for d in (-1, 0, 1)))
            slices += len(located)
            hits += good
            studies_hit += good > 0
        print("%-8s %8d %7d %10.2f %14.2f" % (fold, len(studies), slices, hits / max(slices, 1),
                                           studies_hit / max(len(studies), 1)))
        for i, v in enumerate((len(studies), slices, hits, studies_hit)):
            total[i] += v
    print("%-8s %8d %7d %10.2f %14.2f" % ("all", total[0], total[1], total[2] / max(total[1], 1),
                                       total[3] / max(total[0], 1)))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
