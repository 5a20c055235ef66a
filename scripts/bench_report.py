#!/usr/bin/env python3
"""Turns the results of `cargo bench --bench compare` into BENCHMARKS.md and
benches/report.svg.

    cargo bench --bench compare
    python3 scripts/bench_report.py

Reads criterion's target/criterion/<group>/<contender>/new/estimates.json
(median point estimate) and benchmark.json (throughput: operations per
iteration). Python 3 standard library only; the SVG is written by hand.
"""

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


def load():
    """{group: {contender: {...}}} from criterion's newest results."""
    results = {}
    pattern = os.path.join(CRITERION, "*", "*", "new", "estimates.json")
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
        sys.exit(f"no results under {CRITERION}: run `cargo bench --bench compare` first")
    # Drop leftovers of older runs (e.g. a renamed contender).
    newest = max(r["mtime"] for g in results.values() for r in g.values())
    for group in results.values():
        for name in [n for n, r in group.items() if newest - r["mtime"] > 3 * 3600]:
            print(f"skipping stale result {name} (over 3 h older than the run)", file=sys.stderr)
            del group[name]
    return results


def order_key(name):
    return (ORDER.index(name) if name in ORDER else len(ORDER), name)


def analyse(results):
    """Per group: rows with ratios to the best peer (and to the floor)."""
    table = []
    for group in sorted(results):
        rows = results[group]
        peers = {n: r for n, r in rows.items() if n not in (SUBJECT, BARGING, FLOOR)}
        if not peers:
            continue
        best_peer = min(peers, key=lambda n: peers[n]["op_ns"])
        best_ns = peers[best_peer]["op_ns"]
        floor_ns = rows[FLOOR]["op_ns"] if FLOOR in rows else None
        out = []
        for name in sorted(rows, key=order_key):
            r = dict(rows[name], name=name)
            r["vs_peer"] = r["op_ns"] / best_ns
            r["vs_floor"] = r["op_ns"] / floor_ns if floor_ns else None
            out.append(r)
        table.append({"group": group, "best_peer": best_peer, "rows": out, "floor": floor_ns})
    return table


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_ratio(x):
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


def svg_chart(table, cores, cpu):
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
        f"non-syncio contender of that workload; right: slower. One run, median of criterion "
        f"samples.</text>",
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


def markdown(table, cores, cpu, rustc, rev):
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
        "  cargo bench --bench compare",
        "  python3 scripts/bench_report.py",
        "  ```",
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
        barging = fmt_ratio(rows[BARGING]["vs_peer"]) if BARGING in rows else "—"
        lines.append(
            f"| {g['group']} | {fmt_time(s['op_ns'])} | {g['best_peer']} | "
            f"{fmt_time(b['op_ns'])} | {fmt_ratio(s['vs_peer'])} | {barging} |"
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
            line += f" {fmt_ratio(r['vs_peer'])} |"
            if has_floor:
                line += f" {fmt_ratio(r['vs_floor'])} |"
            lines.append(line)
        lines.append("")

    samples = sorted({r["samples"] for g in table for r in g["rows"]})
    lines += [
        "## How to read it",
        "",
        "- **median / op**: the median, over criterion's samples, of the mean time per "
        "iteration, divided by the operations in one iteration. In workloads 1, 2 and 6 an "
        "iteration is one operation; in the others it is the whole workload (spawning its "
        "tasks or threads included), and the ops-per-iteration column gives the divisor. "
        "Contenders of one workload may run different counts (5b); per-op times are what is "
        "compared.",
        "- **fastest – slowest sample**: the range of the samples' mean time per op "
        f"({' or '.join(map(str, samples))} samples per contender). A wide range means the "
        "contender ran in two regimes (for example a lock that sometimes convoys and "
        "sometimes does not); the median then follows the regime most samples were in.",
        "- **vs best peer**: this contender's time per op divided by that of the fastest "
        "contender other than syncio and the floor. Below 1.00× is faster than every peer, "
        "above is slower. The chart shows the same ratio on a log scale.",
        "- **vs floor** (uncontended workloads only): divided by a bare atomic "
        "`compare_exchange_weak` decrement plus `fetch_add` on one counter, with no queue, no fairness and no closing.",
        "- One run on a shared, noisy 2-core machine: differences of a few tens of percent "
        "between close contenders can change from run to run.",
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


def main():
    results = load()
    table = analyse(results)
    cores, cpu, rustc = machine()
    with open(SVG, "w") as f:
        f.write(svg_chart(table, cores, cpu))
    text = markdown(table, cores, cpu, rustc, revision())
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
