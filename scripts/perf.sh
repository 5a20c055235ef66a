#!/usr/bin/env bash
# Where one benchmark workload spends its time for one contender, sampled by
# perf's cpu-clock (a software event: it works where the machine exposes no
# hardware counters). On the 2-worker workloads the time goes to cache lines
# pulled from the other core and to spinning on a contended lock, which
# callgrind's instruction counts (scripts/callgrind.sh) cannot show; here
# they appear as the instructions that wait for them.
#
#   scripts/perf.sh WORKLOAD CONTENDER            # the hottest functions
#   scripts/perf.sh WORKLOAD CONTENDER SYMBOL     # SYMBOL's hottest instructions
#   scripts/perf.sh 3a syncio syncio::semaphore::Semaphore::add_permits_slow
#
# The workload runs 20 times (SYNCIO_PROFILE in benches/compare.rs; set
# PERF_RUNS to change it: a run of 5a or 5b lasts a few milliseconds); the
# samples stay in target/perf/ for `perf report` and `perf annotate`.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/perf.sh WORKLOAD CONTENDER [SYMBOL]"
workload=${1:?$usage}
contender=${2:?$usage}
symbol=${3:-}
command -v perf >/dev/null || { echo "perf is not installed (Debian: linux-perf)" >&2; exit 2; }

bin=$(scripts/bench_bin.sh)
mkdir -p target/perf
data="target/perf/$workload.$contender.data"
SYNCIO_PROFILE="$workload/$contender/${PERF_RUNS:-20}" perf record -q -e cpu-clock -o "$data" "$bin" >/dev/null
if [ -z "$symbol" ]; then
    perf report -i "$data" --no-children --sort symbol --stdio 2>/dev/null |
        grep '%' | sed 's/ *-  *- *$//' | head -25
else
    perf annotate -i "$data" --stdio -s "$symbol" 2>/dev/null |
        grep -E '^ +[0-9]+\.[0-9]+ +:' | sort -rn | head -20
fi
