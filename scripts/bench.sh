#!/usr/bin/env bash
# Runs the criterion suite (benches/compare.rs) N times, each run saved as the
# criterion baseline runK, then reports the median over the runs of every
# ratio taken within a run.
#
#   scripts/bench.sh [N] [FILTER]
#
# N defaults to 4 (even: as many runs in each order). Without FILTER it
# rewrites BENCHMARKS.md and benches/report.svg; with one (a criterion
# filter such as '^(3a|4_)') it only runs the matching workloads and prints
# their ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-4}
filter=${2:-}
cargo bench --bench compare --no-run
baselines=""
for k in $(seq 1 "$runs"); do
    echo "== run $k of $runs"
    # Odd runs measure each group's contenders in the listed order, even
    # runs in reverse (benches/compare.rs, `in_alternating_order`).
    SYNCIO_BENCH_RUN=$k cargo bench --bench compare -- --save-baseline "run$k" ${filter:+"$filter"}
    baselines+="${baselines:+,}run$k"
done
if [ -n "$filter" ]; then
    python3 scripts/bench_report.py --baselines "$baselines" --print
else
    python3 scripts/bench_report.py --baselines "$baselines"
fi
