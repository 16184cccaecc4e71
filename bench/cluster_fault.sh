#!/bin/bash
# A cluster fault by hand, against this machine's PostgreSQL and RabbitMQ (Debian's, as .ci/run starts them):
# prepare over N tiny studies, one per partition, on two worker JVMs of the packaged jar; while a step's partitions
# run, the broker is stopped for SECONDS (rabbitmqctl stop_app / start_app) or PostgreSQL is restarted
# (pg_ctlcluster VERSION main restart); a failed job gets one plain restart; the outputs are compared with a
# single-process prepare's. Prints "same FILE" or "DIFF FILE" per output; exit code 1 on any difference.
#
#   bench/cluster_fault.sh broker|postgres [--seconds S] [--step sliceMetadata|bboxLabels] [--delay S] [--studies N]
#
# Everything goes to data/cluster-fault/ (git-ignored); the database rsna22_cluster_fault is dropped and made anew.
set -u
cd "$(dirname "$0")/.."
FAULT=${1:?broker or postgres}; shift
SECONDS_DOWN=30; STEP=sliceMetadata; DELAY=1; STUDIES=300
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) SECONDS_DOWN=$2; shift 2;;
    --step) STEP=$2; shift 2;;
    --delay) DELAY=$2; shift 2;;
    --studies) STUDIES=$2; shift 2;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
JAR=data/cluster-fault/rsna22.jar
OUT=data/cluster-fault/$FAULT-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
cp target/rsna22.jar "$JAR" # a build during the run must not change the workers' classes
DATA=data/cluster-fault/data-$STUDIES
[ -f "$DATA/train.csv" ] || java -jar "$JAR" generate-demo --out "$DATA" --studies "$STUDIES" --size 16 --slices 8 >/dev/null
DB=rsna22_cluster_fault
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" postgres
SHARED="--spring.profiles.active=postgres --rsna22.db.url=jdbc:postgresql://127.0.0.1:5432/$DB --rsna22.db.user=postgres
 --spring.rabbitmq.host=127.0.0.1 --spring.rabbitmq.port=5672 --spring.rabbitmq.username=guest
 --spring.rabbitmq.password=guest --rsna22.remote-queue=rsna22.cluster-fault.$$"
printf 'prepare:\n  studies_per_partition: 1\n' > "$OUT/one-study-per-partition.yaml"
java -jar "$JAR" worker $SHARED > "$OUT/worker1.log" 2>&1 & W1=$!
java -jar "$JAR" worker $SHARED > "$OUT/worker2.log" 2>&1 & W2=$!
trap 'kill $W1 $W2 2>/dev/null' EXIT
for _ in $(seq 120); do grep -q ready "$OUT/worker1.log" && grep -q ready "$OUT/worker2.log" && break; sleep 1; done
java -jar "$JAR" run prepare data="$DATA" work="$OUT/work" config="$OUT/one-study-per-partition.yaml" $SHARED \
  --rsna22.remote=true --no-web > "$OUT/manager.log" 2>&1 & M=$!
for _ in $(seq 1200); do grep -q "$STEP: sent" "$OUT/manager.log" && break; sleep 0.1; done
sleep "$DELAY"
if [ "$FAULT" = broker ]; then
  rabbitmqctl stop_app >/dev/null; echo "broker stopped for $SECONDS_DOWN s"; sleep "$SECONDS_DOWN"; rabbitmqctl start_app >/dev/null
else
  VERSION=$(pg_lsclusters --no-header | awk '$2 == "main" {print $1; exit}')
  pg_ctlcluster --skip-systemctl-redirect "$VERSION" main restart; echo "PostgreSQL $VERSION restarted"
fi
wait $M; FIRST=$?; echo "prepare exit $FIRST"
if [ $FIRST -ne 0 ]; then
  grep "^prepare FAILED" "$OUT/manager.log"
  java -jar "$JAR" restart prepare $SHARED --rsna22.remote=true --no-web > "$OUT/restart.log" 2>&1
  echo "restart exit $?"
fi
LOCAL=data/cluster-fault/local-$STUDIES
[ -f "$LOCAL/train_all_slices_v01.csv.gz" ] || java -jar "$JAR" run prepare data="$DATA" work="$LOCAL" \
  config="$OUT/one-study-per-partition.yaml" --no-web --rsna22.db-dir="$LOCAL-db" > "$LOCAL.log" 2>&1
RC=0
for f in slice_meta_v01.csv.gz train_bbox_v01.csv.gz train_all_slices_v01.csv.gz train_folded_v01.csv skipped.csv; do
  if cmp -s "$OUT/work/$f" "$LOCAL/$f"; then echo "same $f"; else echo "DIFF $f"; RC=1; fi
done
psql -q -h 127.0.0.1 -U postgres -t -c "SELECT 'left running or UNKNOWN: ' || COUNT(*) FROM BATCH_STEP_EXECUTION
  WHERE STATUS IN ('STARTING', 'STARTED', 'STOPPING', 'UNKNOWN')" $DB
grep -h "cannot take partition requests\|is back after\|goes back to the queue" "$OUT"/worker*.log | cut -c1-160
exit $RC
