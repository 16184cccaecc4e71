#!/bin/bash
# infer-bbox at full size under each native allocator: the same trained box localiser (config=rehearsal, 512-pixel
# triplets), the same test set of at least TRIPLETS triplets (4 generated full-size studies hard-linked again and
# again under new UIDs), one process per allocator with a 3 GB heap touched at start. Prints per allocator the
# step's wall time, triplets/s, and the peak resident memory of each tenth of the run (sampled every 2 s) with the
# last tenth against the second. Needs the packaged jar and Debian's libjemalloc2.
#
#   bench/allocator.sh [--triplets N] [--only glibc|jemalloc|jemalloc-decay|glibc-nommap] [--partitions N]
#
# --partitions 1 runs one partition at a time (infer_bbox.threads): after each study no other batch is in flight, so
# the allocator's count of live memory is the floor a leak would raise.
#
# Everything goes to data/allocator/ (git-ignored); the generated data and trained model are kept for reruns.
set -eu
cd "$(dirname "$0")/.."
TRIPLETS=3000; ONLY=""; PARTITIONS=""
while [ $# -gt 0 ]; do
  case $1 in
    --triplets) TRIPLETS=$2; shift 2;;
    --only) ONLY=$2; shift 2;;
    --partitions) PARTITIONS=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
[ -f "$JEMALLOC" ] || { echo "needs $JEMALLOC (apt-get install libjemalloc2)" >&2; exit 2; }
D=data/allocator
mkdir -p "$D"
cp target/rsna22.jar "$D/rsna22.jar" # a build during the run must not change the classes
JAR="$D/rsna22.jar"
if [ ! -d "$D/work/runs" ]; then
  echo "generating 4 full-size studies, prepare and train-bbox (config=rehearsal) in $D ..."
  rm -rf "$D/data" "$D/work" "$D/db"
  java -jar "$JAR" generate-demo --full-size --studies 4 --out "$D/data" > "$D/setup.log" 2>&1
  java -jar "$JAR" run prepare data="$D/data" work="$D/work" config=rehearsal --rsna22.db-dir="$D/db" --no-web \
    >> "$D/setup.log" 2>&1
  java -jar "$JAR" run train-bbox data="$D/data" work="$D/work" config=rehearsal --rsna22.db-dir="$D/db" --no-web \
    >> "$D/setup.log" 2>&1
fi

# the test set: the 4 studies again and again under new UIDs, until TRIPLETS
TEST="$D/test-$TRIPLETS"
if [ ! -d "$TEST/test_images" ]; then
  rm -rf "$TEST"
  n=0; copy=0
  while [ $n -lt "$TRIPLETS" ]; do
    for s in "$D"/data/train_images/*; do
      to="$TEST/test_images/1.2.826.0.1.3680043.$((900000 + copy))"; mkdir -p "$to"
      ln "$s"/* "$to"/
      n=$((n + $(ls "$s" | wc -l) - 2)); copy=$((copy + 1))
      [ $n -ge "$TRIPLETS" ] && break
    done
  done
  echo $n > "$TEST/triplets"
fi
TRIPLETS=$(cat "$TEST/triplets")
studies=$(ls "$TEST/test_images" | wc -l)
CONFIG=rehearsal
if [ -n "$PARTITIONS" ]; then
  # rehearsal.yaml's settings with the partitions at once changed (a config file is read over default.yaml; its
  # name names the experiment, whose trained models infer-bbox looks for)
  mkdir -p "$D/partitions-$PARTITIONS"
  CONFIG="$D/partitions-$PARTITIONS/rehearsal.yaml"
  unzip -p "$JAR" BOOT-INF/classes/config/rehearsal.yaml > "$CONFIG" 2>/dev/null || cp config/rehearsal.yaml "$CONFIG"
  sed -i "s/^infer_bbox:/infer_bbox:\n  threads: $PARTITIONS/" "$CONFIG"
fi

run() { # NAME, then environment assignments
  local name=$1; shift
  [ -n "$ONLY" ] && [ "$ONLY" != "$name" ] && return 0
  local log="$D/infer-$name.log" rss="$D/rss-$name.txt"
  rm -rf "$D/db-$name"; : > "$rss"
  env "$@" java -Xms3g -Xmx3g -XX:+AlwaysPreTouch -jar "$JAR" run infer-bbox data="$TEST" work="$D/work" \
    config="$CONFIG" --rsna22.db-dir="$D/db-$name" --no-web --logging.level.org.rsna22.native-memory=DEBUG \
    > "$log" 2>&1 &
  local pid=$! t0; t0=$(date +%s.%N)
  while kill -0 $pid 2>/dev/null; do
    r=$(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || true)
    [ -n "$r" ] && echo "$(date +%s.%N) $t0 $r" | awk '{printf "%.1f %s\n", $1 - $2, $3}' >> "$rss"
    sleep 2
  done
  wait $pid || { echo "$name: infer-bbox failed, see $log" >&2; return 1; }
  local step; step=$(awk '$1 == "inferBbox" && $2 == "COMPLETED" {print $NF}' "$log" | tr -d s)
  awk -v name="$name" -v step="$step" -v triplets="$TRIPLETS" '
    { t[NR] = $1; r[NR] = $2 / 1024; end = $1 }
    END {
      for (i = 1; i <= NR; i++) { k = int(t[i] / end * 10); if (k > 9) k = 9; if (r[i] > p[k]) p[k] = r[i] }
      line = ""; for (k = 0; k < 10; k++) line = line sprintf(" %5.0f", p[k])
      printf "%-15s %7.1f s %6.1f triplets/s | peak MiB per tenth:%s | last/second %.3f\n", name, step,
        triplets / step, line, p[9] / p[1]
    }' "$rss"
  # what is live (the allocator's own count, after each study) against what is resident
  grep -o 'allocated [0-9]* MiB ([a-z]*), resident [0-9]* MiB' "$log" | awk '
    { a[NR] = $2; r[NR] = $6; who = $4; gsub(/[(),]/, "", who) }
    END {
      if (NR < 10) { line = ""; for (i = 1; i <= NR; i++) line = line " " a[i]; print "  allocated MiB after each study " who ":" line; exit }
      t = int(NR / 10); for (i = t + 1; i <= 2 * t; i++) { s2 += a[i] } for (i = NR - t + 1; i <= NR; i++) { s9 += a[i] }
      printf "  allocated %s after each of %d studies: mean of the second tenth %.0f MiB, of the last %.0f MiB (%.3f)\n",
        who, NR, s2 / t, s9 / t, s9 / s2
    }'
}

echo "infer-bbox over $TRIPLETS triplets ($studies studies of 512 px), config=$CONFIG, 3 GB heap, $(nproc) cores"
run glibc RSNA22_MALLOC=glibc
run jemalloc LD_PRELOAD=$JEMALLOC MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1
run jemalloc-decay LD_PRELOAD=$JEMALLOC
run glibc-nommap MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_ARENA_MAX=2
