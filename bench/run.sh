#!/usr/bin/env bash
# Runs the benchmark suite in rounds and writes RESULTS.md (see README.md).
#
#   ROUNDS     rounds to run (default 5); each round runs every subject of every
#              workload once (-count 1), so noise hits all subjects alike
#   BENCHTIME  go test -benchtime per benchmark (default 100ms)
#   BENCH      go test -bench pattern (default: all)
#   BENCH_CLUSTER=0  skips the Redis Cluster benchmarks (saves ~2 s a round)
#
# Quick check that everything works: ROUNDS=1 BENCHTIME=50ms ./run.sh
set -euo pipefail
cd "$(dirname "$0")"

ROUNDS="${ROUNDS:-5}"
BENCHTIME="${BENCHTIME:-100ms}"
BENCH="${BENCH:-.}"
GO="${GO:-go}"
RAW=out/raw.txt

mkdir -p out
# One binary for every round: the rounds differ only in noise.
"$GO" test -c -o out/bench.test .
{
	echo "benchtime: $BENCHTIME"
	echo "rounds: $ROUNDS"
} >"$RAW"

status=0
for i in $(seq 1 "$ROUNDS"); do
	echo "round: $i" >>"$RAW"
	echo "== bench: round $i of $ROUNDS (-benchtime $BENCHTIME)" >&2
	# The binary starts its own redis-server(s) on free loopback ports and stops
	# them when it ends, is interrupted or panics.
	# BENCH_ROUND rotates the order of the subjects within each workload.
	if ! BENCH_ROUND="$i" ./out/bench.test -test.run '^$' -test.bench "$BENCH" -test.benchtime "$BENCHTIME" \
		-test.count 1 -test.benchmem -test.timeout 30m 2>&1 | tee -a "$RAW"; then
		echo "== bench: round $i failed (see $RAW)" >&2
		status=1
	fi
done

"$GO" run ./cmd/report -in "$RAW" -out RESULTS.md -benchtime "$BENCHTIME"
exit "$status"
