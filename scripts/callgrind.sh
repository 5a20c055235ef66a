#!/usr/bin/env bash
# Instructions per operation of one benchmark workload for one or more
# contenders, counted by valgrind's callgrind: repeatable on a noisy machine,
# where wall-clock times are not. Profile with this before optimizing.
#
#   scripts/callgrind.sh WORKLOAD CONTENDER...
#   scripts/callgrind.sh 3b syncio tokio futures_intrusive
#
# WORKLOAD is a workload number as in the group names (3a, 3b, 4, 5a, 5b, 6a,
# 6b, 7), CONTENDER a bench id. Each contender runs the workload once and
# three times (SYNCIO_PROFILE in benches/compare.rs); the difference, divided
# by the operations in two runs, is the cost of one operation without the
# set-up.
# Under valgrind threads take turns, so for 3a, 4, 5a, 5b, 6b and 7 this
# counts work done, not the cost of contention.
# The per-function profiles stay in target/callgrind/ for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."
workload=${1:?usage: scripts/callgrind.sh WORKLOAD CONTENDER...}
shift
[ $# -gt 0 ] || { echo "usage: scripts/callgrind.sh WORKLOAD CONTENDER..." >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }

bin=$(scripts/bench_bin.sh)
out=target/callgrind
mkdir -p "$out"

total() { # runs -> total instructions
    local file="$out/$workload.$contender.$1.out"
    SYNCIO_PROFILE="$workload/$contender/$1" valgrind --tool=callgrind \
        --callgrind-out-file="$file" "$bin" >"$out/stdout" 2>/dev/null
    sed -n 's/^summary: //p; s/^totals: //p' "$file" | head -1
}

for contender in "$@"; do
    one=$(total 1)
    three=$(total 3)
    ops=$(sed -n 's/^ops per run: //p' "$out/stdout")
    echo "$workload $contender: $(( (three - one) / (2 * ops) )) instructions per op"
done
