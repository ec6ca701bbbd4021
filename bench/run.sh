#!/usr/bin/env bash
# Runs the benchmark suite in rounds and writes RESULTS.md (see README.md).
#
#   ROUNDS     rounds to run (default 15); each round is a fresh process running
#              every subject of every workload once (-count 1), so noise hits all
#              subjects of a round alike; the report takes the median over rounds
#              of per-round ratios
#   BENCHTIME  go test -benchtime per benchmark (default 20ms: a round is ~1 min on
#              2 cores, so the default run is ~15 min)
#   BENCH      go test -bench pattern (default: all)
#   RESULTS    the report to write (default RESULTS.md; a smoke run should write
#              elsewhere, e.g. RESULTS=out/RESULTS.md)
#   BENCH_CLUSTER=0  skips the Redis Cluster benchmarks (saves ~2 s a round)
#
# Quick check that everything works: ROUNDS=2 BENCHTIME=20ms RESULTS=out/RESULTS.md ./run.sh
set -euo pipefail
cd "$(dirname "$0")"

ROUNDS="${ROUNDS:-15}"
BENCHTIME="${BENCHTIME:-20ms}"
BENCH="${BENCH:-.}"
RESULTS="${RESULTS:-RESULTS.md}"
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
	echo "== bench: round $i of $ROUNDS (-benchtime $BENCHTIME), $SECONDS s so far" >&2
	# The binary starts its own redis-server(s) on free loopback ports and stops
	# them when it ends, is interrupted or panics.
	# BENCH_ROUND rotates the order of the subjects within each workload.
	if ! BENCH_ROUND="$i" ./out/bench.test -test.run '^$' -test.bench "$BENCH" -test.benchtime "$BENCHTIME" \
		-test.count 1 -test.benchmem -test.timeout 30m 2>&1 | tee -a "$RAW"; then
		echo "== bench: round $i failed (see $RAW)" >&2
		status=1
	fi
done

echo "== bench: $ROUNDS rounds in $SECONDS s" >&2
"$GO" run ./cmd/report -in "$RAW" -out "$RESULTS" -benchtime "$BENCHTIME"
exit "$status"
