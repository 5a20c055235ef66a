#!/usr/bin/env python3
"""Interleaved wall-clock comparison of one benchmark workload: contenders,
or two builds of the bench binary, taking turns within seconds of each other.

    scripts/paired.py 3b syncio,futures_intrusive,tokio
    scripts/paired.py 3b syncio,tokio --bins /tmp/before /tmp/after
    scripts/paired.py 6a syncio,tokio --rounds 20 --runs 5

Criterion measures one contender for several seconds, then the next, so a
change in the machine's load between the two moves their ratio; on this
shared 2-core machine that is tens of percent on workload 3b. Here every
round runs, for each binary, each contender's workload RUNS times in a fresh
process (`SYNCIO_PROFILE=<workload>/<contender>/<runs>`, the profile mode of
benches/compare.rs) and times the process. Ratios are taken within a round,
to the last contender listed, so a contender and its reference are never
more than a second or so apart; the median and quartiles over the rounds
are printed. Odd rounds run the binaries and the contenders in the listed
order, even rounds in reverse: whichever runs later in a round tends to
measure slower on 3b (0.733x against 0.753x tokio's time for two builds of
the same code over 20 rounds in one fixed order, 0.742x against 0.750x
with the order swapped), and alternating cancels that over an even number
of rounds. Use it to decide a close A/B (keep an optimization or not);
BENCHMARKS.md stays the criterion suite's report.

Without --bins it builds and uses the current bench binary
(scripts/bench_bin.sh). Copy a binary away before changing the code to
compare builds. Each process also pays its start-up and the runtime's
construction, the same for every contender, which pulls ratios slightly
towards 1; raise --runs to shrink that.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_binary():
    out = subprocess.run(
        [str(ROOT / "scripts" / "bench_bin.sh")],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.split()
    if not out:
        sys.exit("scripts/bench_bin.sh printed no binary")
    return out[-1]


def timed_run(binary, workload, contender, runs):
    env = dict(os.environ, SYNCIO_PROFILE=f"{workload}/{contender}/{runs}")
    start = time.perf_counter()
    done = subprocess.run([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{binary} {workload}/{contender}: exit {done.returncode}\n{done.stderr.strip()}")
    return elapsed


def quartiles(values):
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workload", help="as in the group names: 3a, 3b, 4, 5a, 5b, 6a, 6b, 7")
    p.add_argument("contenders", help="comma-separated bench ids; ratios are to the last")
    p.add_argument("--bins", nargs="+", help="bench binaries to compare (default: this build)")
    p.add_argument("--rounds", type=int, default=12, help="use an even number")
    p.add_argument("--runs", type=int, default=20, help="workload runs per process")
    args = p.parse_args()

    contenders = args.contenders.split(",")
    bins = args.bins or [bench_binary()]
    ref = contenders[-1]
    ratios = {(b, c): [] for b in bins for c in contenders}
    for r in range(args.rounds):
        order = 1 if r % 2 == 0 else -1
        for b in bins[::order]:
            t = {c: timed_run(b, args.workload, c, args.runs) for c in contenders[::order]}
            for c in contenders:
                ratios[(b, c)].append(t[c] / t[ref])
        print(f"round {r + 1} of {args.rounds}", file=sys.stderr, end="\r")
    print(file=sys.stderr)

    print(f"workload {args.workload}: time / {ref}'s time, within a round; "
          f"median [quartiles] over {args.rounds} rounds")
    width = max(len(c) for c in contenders)
    for b in bins:
        if len(bins) > 1:
            print(f"{b}:")
        for c in contenders[:-1]:
            v = ratios[(b, c)]
            lo, hi = quartiles(v)
            print(f"  {c:<{width}}  {statistics.median(v):.3f}  [{lo:.3f} - {hi:.3f}]")


if __name__ == "__main__":
    main()
