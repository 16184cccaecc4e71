#!/bin/bash
# Does config=demo learn? One `run pipeline config=demo` on each of three generated datasets of N studies (144 by
# default), and one table row per dataset: the out-of-fold competition metric, the constant prevalence prediction's
# on the same studies, their ratio, the out-of-fold AUC of patient_overall and of each vertebra, and the pipeline's
# wall time; under it each AUC's 95 % bootstrap interval and the fractured studies behind it. The datasets:
#   ours      generate-demo (full labels: 3 in 4 studies segmented, crack boxes for every fractured study)
#   scarce    generate-demo --seg-fraction 0.25 --box-fraction 0.25 (labels about as scarce as the competition's)
#   other     bench/other_phantoms.py (phantoms made by other code: other anatomy, noise, DICOM syntaxes)
# and, only with --only, one scarcity at a time (which of the two labels does "scarce" lack?):
#   segs      generate-demo --seg-fraction 0.25 (segmentations for a quarter of the studies, every crack boxed)
#   boxes     generate-demo --box-fraction 0.25 (crack boxes for a quarter of the fractured studies)
#
#   bench/learning.sh [--studies N] [--only ours|scarce|other|segs|boxes] [--config NAME]
#
# Needs the packaged jar; `other` needs Debian's python3 with numpy and pydicom (apt-get install python3-pydicom).
# Runs with jemalloc preloaded where installed, as ./rsna22 does. Everything goes to data/learning/ (git-ignored);
# the datasets are kept for reruns, each run's work folder and log are replaced.
set -eu
cd "$(dirname "$0")/.."
STUDIES=144; ONLY=""; CONFIG=demo
while [ $# -gt 0 ]; do
  case $1 in
    --studies) STUDIES=$2; shift 2;;
    --only) ONLY=$2; shift 2;;
    --config) CONFIG=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
case ${ONLY:-ours} in
  ours|scarce|other|segs|boxes) ;;
  *) echo "unknown dataset $ONLY (ours, scarce, other, segs or boxes)" >&2; exit 2;;
esac
D=data/learning
mkdir -p "$D"
cp target/rsna22.jar "$D/rsna22.jar" # a build during the run must not change the classes
JAR="$D/rsna22.jar"
JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
if [ -f "$JEMALLOC" ] && [ -z "${LD_PRELOAD:-}" ]; then
  export LD_PRELOAD="$JEMALLOC" MALLOC_CONF="${MALLOC_CONF:-dirty_decay_ms:-1,muzzy_decay_ms:-1}"
fi

dataset() { # name -> generates $D/<name>-<N> unless present
  local out="$D/$1-$STUDIES"
  [ -f "$out/train.csv" ] && return 0
  rm -rf "$out"
  case $1 in
    ours) LD_PRELOAD= java -jar "$JAR" generate-demo --out "$out" --studies "$STUDIES" > "$out.log" 2>&1;;
    scarce) LD_PRELOAD= java -jar "$JAR" generate-demo --out "$out" --studies "$STUDIES" --seg-fraction 0.25 \
      --box-fraction 0.25 > "$out.log" 2>&1;;
    segs) LD_PRELOAD= java -jar "$JAR" generate-demo --out "$out" --studies "$STUDIES" --seg-fraction 0.25 \
      > "$out.log" 2>&1;;
    boxes) LD_PRELOAD= java -jar "$JAR" generate-demo --out "$out" --studies "$STUDIES" --box-fraction 0.25 \
      > "$out.log" 2>&1;;
    other) LD_PRELOAD= /usr/bin/python3 bench/other_phantoms.py --out "$out" --studies "$STUDIES" --size 96 \
      > "$out.log" 2>&1;;
  esac
}

printf '%-7s %7s %8s %9s %6s  %-44s %s\n' data studies OOF constant ratio "AUC overall C1 C2 C3 C4 C5 C6 C7" wall
for name in ours scarce other segs boxes; do
  [ -z "$ONLY" ] && [ "$name" = segs -o "$name" = boxes ] && continue
  [ -n "$ONLY" ] && [ "$ONLY" != "$name" ] && continue
  dataset "$name"
  work="$D/$name-$STUDIES-work"
  rm -rf "$work" "$D/$name-db"
  start=$(date +%s)
  if ! java -jar "$JAR" run pipeline data="$D/$name-$STUDIES" work="$work" config="$CONFIG" \
      --rsna22.db-dir="$D/$name-db" --no-web > "$D/$name-$STUDIES-pipeline.log" 2>&1; then
    echo "$name: the pipeline failed; see $D/$name-$STUDIES-pipeline.log" >&2
    continue
  fi
  wall=$(( $(date +%s) - start ))
  /usr/bin/python3 - "$work/cv_score.json" "$name" "$STUDIES" "$wall" <<'EOF'
import json, sys
cv = json.load(open(sys.argv[1]))
labels = ["patient_overall"] + ["C%d" % i for i in range(1, 8)]
aucs = " ".join("%.2f" % cv["auc"][k] if cv["auc"].get(k) is not None else "-" for k in labels)
wall = int(sys.argv[4])
print("%-7s %7s %8.4f %9.4f %6.2f  %-44s %d:%02d" % (sys.argv[2], sys.argv[3], cv["metric"],
      cv["prevalence_constant"]["metric"], cv["metric"] / cv["prevalence_constant"]["metric"], aucs, wall // 60,
      wall % 60))
if "auc_interval" in cv:  # the 95 % bootstrap interval of each AUC and the fractured studies behind it
    print("        AUC intervals: " + " ".join("%s %.2f-%.2f (%d)" % (k, cv["auc_interval"][k][0], cv["auc_interval"][k][1],
          cv["fractured"][k]) if cv["auc_interval"].get(k) else "%s -" % k for k in labels))
EOF
done
