#!/usr/bin/env python3
"""Turns the results of `cargo bench --bench compare` into BENCHMARKS.md and
benches/report.svg.

    scripts/bench.sh 4            # four runs, saved as baselines run1..run4
    python3 scripts/bench_report.py --baselines run1,run2,run3,run4

or, for a single run, `cargo bench --bench compare` and then this script with
no arguments (it reads criterion's "new" results).

Reads criterion's target/criterion/<group>/<contender>/<baseline>/
estimates.json (median point estimate), benchmark.json (throughput:
operations per iteration) and sample.json. With several runs, every ratio is
first taken inside one run (contenders of one run share the machine's state
of the moment), then the median over the runs is reported, with the range.
Python 3 standard library only; the SVG is written by hand.
"""

import argparse
import glob
import json
import math
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
CRITERION = os.path.join(TARGET, "criterion")
MARKDOWN = os.path.join(ROOT, "BENCHMARKS.md")
SVG = os.path.join(ROOT, "benches", "report.svg")

SUBJECT = "syncio"
# syncio with `Fairness::BARGING` (opt-in), where the workload has a lock or
# semaphore; like SUBJECT, never counted as a peer.
BARGING = "syncio_barging"
FLOOR = "floor_atomic"

# Display order of contenders inside a workload.
ORDER = [
    "syncio",
    "syncio_barging",
    "tokio",
    "async_lock",
    "futures_intrusive",
    "futures_intrusive_fair",
    "futures_intrusive_unfair",
    "std",
    "parking_lot",
    "floor_atomic",
]

# What each group of benches/compare.rs measures, and what one "op" is.
WORKLOADS = {
    "1_sem_uncontended_async": (
        "Semaphore acquire().await + release, uncontended, in a task "
        "(current-thread tokio runtime)",
        "acquire + release",
    ),
    "2_sem_try_acquire": (
        "Semaphore try_acquire + release, uncontended, no runtime",
        "try_acquire + release",
    ),
    "3a_sem_contended_2_workers": (
        "64 tasks share a Semaphore(4), 1000 x (acquire, yield_now, release) "
        "each; multi-thread runtime, 2 workers",
        "acquire + yield + release",
    ),
    "3b_sem_contended_current_thread": (
        "64 tasks share a Semaphore(4), 1000 x (acquire, yield_now, release) "
        "each; current-thread runtime",
        "acquire + yield + release",
    ),
    "4_mutex_8_tasks_2_workers": (
        "async Mutex, 8 tasks x 10,000 lock / increment / unlock; "
        "multi-thread runtime, 2 workers",
        "lock + increment + unlock",
    ),
    "5a_mutex_2_threads": (
        "blocking Mutex, 2 OS threads x 100,000 lock / increment / unlock "
        "(syncio lock_blocking, tokio blocking_lock)",
        "lock + increment + unlock",
    ),
    "5b_mutex_8_threads": (
        "blocking Mutex, 8 OS threads x 100,000 lock / increment / unlock "
        "(tokio: 8 x 12,500, see benches/compare.rs)",
        "lock + increment + unlock",
    ),
    "6a_ping_pong_same_thread": (
        "ping-pong between two tasks through two one-way signals "
        "(syncio Event, tokio Notify, futures-intrusive ManualResetEvent); "
        "current-thread runtime",
        "round trip",
    ),
    "6b_ping_pong_across_threads": (
        "ping-pong as above, one side in block_on on the main thread, the "
        "other on a worker of a 2-worker runtime",
        "round trip",
    ),
    "7_barrier_8_tasks_2_workers": (
        "Barrier(8): 8 tasks x 1000 waits; multi-thread runtime, 2 workers",
        "barrier wait",
    ),
    "8_mixed_2_threads_4_tasks": (
        "one Semaphore(2): 2 OS threads (blocking acquire) + 4 tasks (async "
        "acquire) x 5000 acquire / release each; 2-worker runtime. tokio's "
        "threads use futures::executor::block_on(acquire())",
        "acquire + release",
    ),
}


def load(baseline="new"):
    """{group: {contender: {...}}} from one criterion run (a baseline)."""
    results = {}
    pattern = os.path.join(CRITERION, "*", "*", baseline, "estimates.json")
    for path in sorted(glob.glob(pattern)):
        new = os.path.dirname(path)
        with open(path) as f:
            estimates = json.load(f)
        with open(os.path.join(new, "benchmark.json")) as f:
            bench = json.load(f)
        group, contender = bench["group_id"], bench["function_id"]
        if group not in WORKLOADS:
            continue
        throughput = bench.get("throughput") or {}
        ops = throughput.get("Elements", 1)
        median = estimates["median"]["point_estimate"]
        # Each sample's mean time per iteration: shows a bimodal contender.
        with open(os.path.join(new, "sample.json")) as f:
            sample = json.load(f)
        per_iter = [t / n for t, n in zip(sample["times"], sample["iters"])]
        results.setdefault(group, {})[contender] = {
            "iter_ns": median,
            "op_ns": median / ops,
            "lo_ns": min(per_iter) / ops,
            "hi_ns": max(per_iter) / ops,
            "samples": len(per_iter),
            "ops": ops,
            "mtime": os.path.getmtime(path),
        }
    if not results:
        sys.exit(
            f"no results for {baseline!r} under {CRITERION}: "
            "run `cargo bench --bench compare` (or scripts/bench.sh) first"
        )
    # Drop leftovers of older runs (e.g. a renamed contender).
    newest = max(r["mtime"] for g in results.values() for r in g.values())
    for group in results.values():
        for name in [n for n, r in group.items() if newest - r["mtime"] > 3 * 3600]:
            print(f"skipping stale result {name} (over 3 h older than the run)", file=sys.stderr)
            del group[name]
    return results


def order_key(name):
    return (ORDER.index(name) if name in ORDER else len(ORDER), name)


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def within_run(runs, name, ref):
    """`name`'s time over `ref`'s, one ratio per run (both from that run)."""
    return [rows[name]["op_ns"] / rows[ref]["op_ns"] for rows in runs]


def analyse(runs):
    """Per group: rows with ratios to the best peer (and to the floor).

    `runs` is a list of load() results. The best peer of a workload is the
    peer with the lowest median time over the runs; each ratio is taken
    within a run and its median (and range) over the runs is reported.
    """
    table = []
    groups = sorted({g for run in runs for g in run})
    for group in groups:
        # Only the runs that measured this workload, and in each only the
        # contenders every one of those runs has.
        present = [run[group] for run in runs if group in run]
        names = set.intersection(*(set(rows) for rows in present))
        peers = [n for n in names if n not in (SUBJECT, BARGING, FLOOR)]
        if not peers:
            continue
        best_peer = min(peers, key=lambda n: median([rows[n]["op_ns"] for rows in present]))
        has_floor = FLOOR in names
        out = []
        for name in sorted(names, key=order_key):
            per_run = [rows[name] for rows in present]
            vs_peer = within_run(present, name, best_peer)
            vs_floor = within_run(present, name, FLOOR) if has_floor else None
            out.append(
                {
                    "name": name,
                    "op_ns": median([r["op_ns"] for r in per_run]),
                    "iter_ns": median([r["iter_ns"] for r in per_run]),
                    "lo_ns": min(r["lo_ns"] for r in per_run),
                    "hi_ns": max(r["hi_ns"] for r in per_run),
                    "samples": sum(r["samples"] for r in per_run),
                    "ops": per_run[0]["ops"],
                    "vs_peer": median(vs_peer),
                    "vs_peer_lo": min(vs_peer),
                    "vs_peer_hi": max(vs_peer),
                    "vs_floor": median(vs_floor) if vs_floor else None,
                }
            )
        floor_ns = median([rows[FLOOR]["op_ns"] for rows in present]) if has_floor else None
        table.append(
            {
                "group": group,
                "best_peer": best_peer,
                "rows": out,
                "floor": floor_ns,
                "runs": len(present),
                "per_run": present,
            }
        )
    return table


# The speed the project set itself (issue 5): (workload, contender, the
# contender it is measured against or BEST for the best peer, the highest
# ratio that meets it).
BEST = "best peer"
TARGETS = [
    ("1_sem_uncontended_async", SUBJECT, BEST, 0.7),
    ("2_sem_try_acquire", SUBJECT, BEST, 0.7),
    ("3a_sem_contended_2_workers", SUBJECT, "futures_intrusive", 1.0),
    ("3a_sem_contended_2_workers", SUBJECT, "tokio", 0.7),
    ("3a_sem_contended_2_workers", BARGING, BEST, 1.0),
    ("3b_sem_contended_current_thread", SUBJECT, "futures_intrusive", 1.0),
    ("3b_sem_contended_current_thread", SUBJECT, "tokio", 0.7),
    ("3b_sem_contended_current_thread", BARGING, BEST, 1.0),
    ("4_mutex_8_tasks_2_workers", SUBJECT, "futures_intrusive_fair", 1.0),
    ("4_mutex_8_tasks_2_workers", SUBJECT, "tokio", 0.7),
    ("4_mutex_8_tasks_2_workers", BARGING, BEST, 1.0),
    ("5a_mutex_2_threads", SUBJECT, "tokio", 0.1),
    ("5a_mutex_2_threads", BARGING, BEST, 1.0),
    ("5b_mutex_8_threads", SUBJECT, "tokio", 0.1),
    ("5b_mutex_8_threads", BARGING, BEST, 1.0),
    ("6a_ping_pong_same_thread", SUBJECT, "tokio", 1.0),
    ("6b_ping_pong_across_threads", SUBJECT, "tokio", 1.0),
    ("7_barrier_8_tasks_2_workers", SUBJECT, "tokio", 1.0),
]


def targets(table):
    """Each target with the median (and range) over the runs of the ratio
    taken within a run."""
    groups = {g["group"]: g for g in table}
    out = []
    for group, name, against, limit in TARGETS:
        g = groups.get(group)
        if g is None:
            continue
        ref = g["best_peer"] if against == BEST else against
        runs = [rows for rows in g["per_run"] if name in rows and ref in rows]
        if not runs:
            continue
        ratios = within_run(runs, name, ref)
        out.append(
            {
                "group": group,
                "name": name,
                "against": ref if against != BEST else f"{ref} (best peer)",
                "limit": limit,
                "vs_peer": median(ratios),
                "vs_peer_lo": min(ratios),
                "vs_peer_hi": max(ratios),
                "met": median(ratios) <= limit,
            }
        )
    return out


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_ratio(x):
    if x < 0.1:
        return f"{x:.3f}×"
    return f"{x:.2f}×" if x < 10 else f"{x:.1f}×" if x < 100 else f"{x:.0f}×"


# ---------------------------------------------------------------------------
# Machine
# ---------------------------------------------------------------------------


def machine():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        rustc = subprocess.run(
            ["rustc", "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rustc = "rustc: unknown"
    return cores, cpu, rustc


def revision():
    """The syncio revision measured (as of when the report is written)."""
    def git(*args):
        return subprocess.run(
            ["git", "-C", ROOT, *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        rev = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "src", "Cargo.toml")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"`{rev}`" + (" with uncommitted changes in src/ or Cargo.toml" if dirty else "")


# ---------------------------------------------------------------------------
# SVG chart
# ---------------------------------------------------------------------------

COLORS = {SUBJECT: "#d9480f", BARGING: "#f59f00", FLOOR: "#adb5bd"}
PEER_COLOR = "#4c6ef5"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def runs_phrase(n):
    return "one run" if n == 1 else f"the median of {n} runs"


def svg_chart(table, cores, cpu, nruns):
    ratios = [r["vs_peer"] for g in table for r in g["rows"]]
    lo = 10 ** math.floor(math.log10(min(ratios + [1.0])))
    hi = 10 ** math.ceil(math.log10(max(ratios + [1.0])))
    if hi / lo < 100:
        hi = lo * 100

    width, label_w, right = 980, 250, 90
    x0, x1 = label_w, width - right
    row_h, head_h, gap, top = 17, 22, 10, 92

    def x(ratio):
        return x0 + (x1 - x0) * (math.log10(ratio) - math.log10(lo)) / (
            math.log10(hi) - math.log10(lo)
        )

    height = top + sum(head_h + row_h * len(g["rows"]) + gap for g in table) + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" '
        f'font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="12" y="22" font-size="16" font-weight="bold">syncio vs peers: time per '
        f"operation / best peer's (log scale)</text>",
        f'<text x="12" y="40" fill="#495057">Left of the 1.0 line: faster than the fastest '
        f"non-syncio contender of that workload; right: slower. Ratio within a run, "
        f"{runs_phrase(nruns)}.</text>",
        f'<text x="12" y="56" fill="#495057">{esc(cpu)}, {cores} cores</text>',
    ]

    # Ticks: 1, 2, 5 per decade.
    ticks = []
    decade = lo
    while decade <= hi * 1.0001:
        for m in (1, 2, 5):
            t = decade * m
            if lo * 0.9999 <= t <= hi * 1.0001:
                ticks.append(t)
        decade *= 10
    plot_bottom = height - 34
    for t in ticks:
        xt = x(t)
        major = abs(math.log10(t) - round(math.log10(t))) < 1e-9
        out.append(
            f'<line x1="{xt:.1f}" y1="{top - 8}" x2="{xt:.1f}" y2="{plot_bottom}" '
            f'stroke="{"#ced4da" if major else "#eceff1"}" stroke-width="1"/>'
        )
        label = f"{t:g}×"
        out.append(
            f'<text x="{xt:.1f}" y="{plot_bottom + 14}" text-anchor="middle" '
            f'fill="#495057" font-size="10">{label}</text>'
        )
        out.append(
            f'<text x="{xt:.1f}" y="{top - 12}" text-anchor="middle" '
            f'fill="#495057" font-size="10">{label}</text>'
        )

    y = top
    for g in table:
        out.append(
            f'<text x="8" y="{y + 15}" font-weight="bold">{esc(g["group"])}</text>'
        )
        y += head_h
        for r in g["rows"]:
            name, ratio = r["name"], r["vs_peer"]
            color = COLORS.get(name, PEER_COLOR)
            weight = ' font-weight="bold"' if name == SUBJECT else ""
            out.append(
                f'<text x="{x0 - 8}" y="{y + 12}" text-anchor="end"{weight} '
                f'fill="{color if name != FLOOR else "#6c757d"}">{esc(name)}</text>'
            )
            xa, xb = sorted((x(1.0), x(ratio)))
            w = max(xb - xa, 1.5)
            extra = ' stroke="#212529" stroke-width="1"' if name == SUBJECT else ""
            out.append(
                f'<rect x="{xa:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 5}" '
                f'fill="{color}"{extra}/>'
            )
            tx = max(x(ratio), x(1.0)) + 5
            best = " (best peer)" if name == g["best_peer"] else ""
            out.append(
                f'<text x="{tx:.1f}" y="{y + 12}" font-size="11"{weight}>'
                f"{fmt_ratio(ratio)}{best}</text>"
            )
            y += row_h
        y += gap

    xr = x(1.0)
    out.append(
        f'<line x1="{xr:.1f}" y1="{top - 8}" x2="{xr:.1f}" y2="{plot_bottom}" '
        f'stroke="#212529" stroke-width="1.5"/>'
    )
    out.append(
        f'<text x="{width - 12}" y="{height - 6}" text-anchor="end" fill="#868e96" '
        f'font-size="10">scripts/bench_report.py from cargo bench --bench compare</text>'
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def ratio_cell(r):
    """The median ratio, with its range over the runs when there were several."""
    cell = fmt_ratio(r["vs_peer"])
    if r["vs_peer_hi"] > r["vs_peer_lo"]:
        cell += f" ({fmt_ratio(r['vs_peer_lo'])} – {fmt_ratio(r['vs_peer_hi'])})"
    return cell


def markdown(table, cores, cpu, rustc, rev, baselines):
    nruns = len(baselines)
    if nruns == 1:
        command = ["  cargo bench --bench compare", "  python3 scripts/bench_report.py"]
    else:
        command = [
            f"  scripts/bench.sh {nruns}   # runs the suite {nruns} times, then this report",
        ]
    lines = [
        "# Benchmarks",
        "",
        "<!-- Generated by scripts/bench_report.py; edit the script, not this file. -->",
        "",
        "syncio side by side with tokio::sync, async-lock, futures-intrusive, std and "
        "parking_lot, all measured in the same run of one criterion suite "
        "(`benches/compare.rs`), each workload running the same generic code over every "
        "contender.",
        "",
        f"- Machine: {cores} cores (`nproc`), {cpu}",
        f"- Toolchain: {rustc}",
        f"- syncio revision: {rev}",
        "- Command:",
        "",
        "  ```sh",
        *command,
        "  ```",
        f"- Runs: {nruns} (criterion baselines {', '.join(baselines)}); every ratio is taken "
        "between contenders of the same run, and the tables give its median over the runs "
        "and, in brackets, its range."
        if nruns > 1
        else "- Runs: one.",
        "",
        "![time per operation relative to the best peer, per workload](benches/report.svg)",
        "",
        "## Summary",
        "",
        "| workload | syncio / op | best peer | best peer / op | syncio ÷ best peer "
        "| syncio_barging ÷ best peer |",
        "| --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for g in table:
        rows = {r["name"]: r for r in g["rows"]}
        if SUBJECT not in rows:
            continue
        s, b = rows[SUBJECT], rows[g["best_peer"]]
        barging = ratio_cell(rows[BARGING]) if BARGING in rows else "—"
        lines.append(
            f"| {g['group']} | {fmt_time(s['op_ns'])} | {g['best_peer']} | "
            f"{fmt_time(b['op_ns'])} | {ratio_cell(s)} | {barging} |"
        )
    goals = targets(table)
    if goals:
        met = sum(t["met"] for t in goals)
        lines += [
            "",
            "## Targets",
            "",
            f"The speeds the project set itself (issue 5), each a highest ratio to one "
            f"contender, taken within a run: {met} of {len(goals)} met by the median.",
            "",
            "| workload | contender | against | target | ratio | met |",
            "| --- | --- | --- | ---: | ---: | :---: |",
        ]
        for t in goals:
            lines.append(
                f"| {t['group']} | {t['name']} | {t['against']} | ≤ {t['limit']:g}× | "
                f"{ratio_cell(t)} | {'yes' if t['met'] else '**no**'} |"
            )
    lines += ["", "## Results by workload", ""]
    for g in table:
        desc, op = WORKLOADS[g["group"]]
        lines += [f"### {g['group']}", "", f"{desc}. One op: {op}.", ""]
        has_floor = g["floor"] is not None
        per_iter = any(r["ops"] != 1 for r in g["rows"])
        head = "| contender | median / op | fastest – slowest sample / op |"
        sep = "| --- | ---: | ---: |"
        if per_iter:
            head += " median / iteration | ops / iteration |"
            sep += " ---: | ---: |"
        head += " vs best peer |"
        sep += " ---: |"
        if has_floor:
            head += " vs floor |"
            sep += " ---: |"
        lines += [head, sep]
        for r in g["rows"]:
            name = f"**{r['name']}**" if r["name"] in (SUBJECT, BARGING) else r["name"]
            if r["name"] == g["best_peer"]:
                name += " (best peer)"
            line = (
                f"| {name} | {fmt_time(r['op_ns'])} | "
                f"{fmt_time(r['lo_ns'])} – {fmt_time(r['hi_ns'])} |"
            )
            if per_iter:
                line += f" {fmt_time(r['iter_ns'])} | {r['ops']:,} |"
            line += f" {ratio_cell(r)} |"
            if has_floor:
                line += f" {fmt_ratio(r['vs_floor'])} |"
            lines.append(line)
        lines.append("")

    samples = sorted({r["samples"] for g in table for r in g["rows"]})
    lines += [
        "## How to read it",
        "",
        "- **median / op**: the median, over criterion's samples, of the mean time per "
        "iteration, divided by the operations in one iteration (with several runs, the "
        "median of the runs' medians). In workloads 1, 2 and 6 an "
        "iteration is one operation; in the others it is the whole workload (spawning its "
        "tasks or threads included), and the ops-per-iteration column gives the divisor. "
        "Contenders of one workload may run different counts (5b); per-op times are what is "
        "compared.",
        "- **fastest – slowest sample**: the range of the samples' mean time per op "
        f"({' or '.join(map(str, samples))} samples per contender). A wide range means the "
        "contender ran in two regimes (for example a lock that sometimes convoys and "
        "sometimes does not); the median then follows the regime most samples were in.",
        "- **vs best peer**: this contender's time per op divided by that of the fastest "
        "contender other than syncio and the floor (the one with the lowest median), both "
        "from the same run. Below 1.00× is faster than every peer, above is slower. With "
        "several runs it is the median of the runs' ratios, and the range over the runs "
        "follows in brackets. The chart shows the median ratio on a log scale.",
        "- **vs floor** (uncontended workloads only): divided by a bare atomic "
        "`compare_exchange_weak` decrement plus `fetch_add` on one counter, with no queue, no fairness and no closing.",
        "- A shared, noisy 2-core machine: a single run can move a close ratio by a few tens "
        "of percent, which is why the ratios are taken within a run and their median over "
        "several runs is reported. The order in which a group's contenders are "
        "measured also matters: `scripts/bench.sh` measures them in the listed order in odd "
        "runs and in reverse in even ones (in the ten runs at 9bc506c, 3b's syncio ÷ "
        "futures-intrusive had a median of 0.80× over the five runs in listed order and "
        "1.03× over the five in reverse).",
        "- The contenders differ in guarantees: syncio's, tokio's and futures-intrusive's "
        "fair semaphore and mutex hand over in FIFO order; async-lock, std, parking_lot and "
        "futures-intrusive's unfair mutex let a running caller barge in. Under contention "
        "that trades fairness for throughput, which these workloads measure and do not judge.",
        "- Every workload's result (counts, permit limits, turn order) is checked once per "
        "contender outside the timing; a run that fails a check or hangs stops with an error.",
        "",
    ]
    return "\n".join(lines)


PYTHON_INTRO = """syncio's Python extension (`python/`) against `threading`, `asyncio` and
aiologic, in one run of `python/benches/bench.py` (round-robin over the
contenders; each ratio is the median of the rounds' ratios to the reference
of the same kind, run in the same round). Regenerate with:

```sh
python python/benches/bench.py --out python/benches/results.md  # in the venv scripts/test.sh builds
python3 scripts/bench_report.py
```
"""


def summary(table):
    """A terse table for the terminal (--print)."""
    out = []
    for g in table:
        out.append(f"{g['group']}  (best peer {g['best_peer']}, {g['runs']} run(s))")
        for r in g["rows"]:
            out.append(f"  {r['name']:<26} {fmt_time(r['op_ns']):>10}  {ratio_cell(r)}")
    goals = targets(table)
    if goals:
        out.append("targets")
    for t in goals:
        out.append(
            f"  {'ok ' if t['met'] else 'NO '} {t['group']:<32} {t['name']:<15} "
            f"vs {t['against']:<32} <= {t['limit']:<4g} {ratio_cell(t)}"
        )
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--baselines",
        default="new",
        help="comma-separated criterion baselines, one per run (default: new, the last run)",
    )
    ap.add_argument(
        "--revision",
        help="the revision the baselines measured, when re-rendering saved runs "
        "after later commits (default: HEAD)",
    )
    ap.add_argument(
        "--python-revision",
        help="the revision python/benches/results.md measured, when it is not "
        "the criterion runs' (default: the same)",
    )
    ap.add_argument(
        "--print",
        action="store_true",
        help="print the ratios and write nothing",
    )
    args = ap.parse_args()
    baselines = [b for b in args.baselines.split(",") if b]
    table = analyse([load(b) for b in baselines])
    if args.print:
        print(summary(table))
        return
    cores, cpu, rustc = machine()
    with open(SVG, "w") as f:
        f.write(svg_chart(table, cores, cpu, len(baselines)))
    rev = f"`{args.revision}`" if args.revision else revision()
    if args.python_revision:
        rev += (
            f" (the criterion runs; the Python table below is from "
            f"`{args.python_revision}`, whose Rust code is the same)"
        )
    text = markdown(table, cores, cpu, rustc, rev, baselines)
    # The Python extension's own table, from its last run of
    # `python/benches/bench.py` (a separate process: it has no criterion).
    python_results = os.path.join(ROOT, "python", "benches", "results.md")
    if os.path.exists(python_results):
        with open(python_results) as f:
            text += "\n## Python\n\n" + PYTHON_INTRO + "\n" + f.read()
    with open(MARKDOWN, "w") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(MARKDOWN, ROOT)} and {os.path.relpath(SVG, ROOT)}")


if __name__ == "__main__":
    main()
