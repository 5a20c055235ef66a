"""syncio's Python primitives against threading, asyncio and aiologic, in one
run on one machine.

    python python/benches/bench.py [--repeat N] [--out FILE]

Workloads (each contender runs the same loop):
- uncontended acquire + release from a thread (``with sem:``);
- 8 threads x 20 000 acquire + release on one Semaphore(2);
- uncontended ``async with sem:`` in a task;
- 8 tasks x 5 000 (``async with sem: await asyncio.sleep(0)``) on one
  Semaphore(2), one event loop.

Every workload is repeated ``--repeat`` times; the table gives the median time
per operation and its ratio to the reference (threading.Semaphore for the
thread workloads, asyncio.Semaphore for the task ones). Ratios, not absolute
times, are what carry over between runs on a shared, noisy machine.
"""

import argparse
import asyncio
import statistics
import sys
import threading
import time

import syncio
import syncio.asyncio as sa

try:
    import aiologic
except ImportError:  # optional peer
    aiologic = None


def sync_contenders():
    c = {
        "threading.Semaphore": lambda: threading.Semaphore(2),
        "threading.Lock": threading.Lock,
        "syncio.Semaphore": lambda: syncio.Semaphore(2),
        "syncio.Semaphore(fair=False)": lambda: syncio.Semaphore(2, fair=False),
        "syncio.Lock": syncio.Lock,
    }
    if aiologic:
        c["aiologic.Semaphore"] = lambda: aiologic.Semaphore(2)
        c["aiologic.Lock"] = aiologic.Lock
    return c


def async_contenders():
    c = {
        "asyncio.Semaphore": lambda: asyncio.Semaphore(2),
        "asyncio.Lock": asyncio.Lock,
        "syncio.asyncio.Semaphore": lambda: sa.Semaphore(2),
        "syncio.asyncio.Lock": sa.Lock,
        "syncio.Semaphore (shared)": lambda: syncio.Semaphore(2),
    }
    if aiologic:
        c["aiologic.Semaphore"] = lambda: aiologic.Semaphore(2)
    return c


def uncontended_thread(make, n=200_000):
    sem = make()
    t = time.perf_counter()
    for _ in range(n):
        with sem:
            pass
    return (time.perf_counter() - t) / n


def contended_threads(make, threads=8, per_thread=20_000):
    sem = make()
    start = threading.Barrier(threads + 1)

    def work():
        start.wait()
        for _ in range(per_thread):
            with sem:
                pass

    ts = [threading.Thread(target=work) for _ in range(threads)]
    for th in ts:
        th.start()
    start.wait()
    t = time.perf_counter()
    for th in ts:
        th.join()
    return (time.perf_counter() - t) / (threads * per_thread)


def uncontended_task(make, n=100_000):
    async def main():
        sem = make()
        t = time.perf_counter()
        for _ in range(n):
            async with sem:
                pass
        return (time.perf_counter() - t) / n

    return asyncio.run(main())


def contended_tasks(make, tasks=8, per_task=5_000):
    async def main():
        sem = make()

        async def work():
            for _ in range(per_task):
                async with sem:
                    await asyncio.sleep(0)

        t = time.perf_counter()
        await asyncio.gather(*(work() for _ in range(tasks)))
        return (time.perf_counter() - t) / (tasks * per_task)

    return asyncio.run(main())


WORKLOADS = [
    ("uncontended, thread (`with sem:`)", sync_contenders, uncontended_thread, "threading.Semaphore"),
    ("8 threads x 20 000 on Semaphore(2)", sync_contenders, contended_threads, "threading.Semaphore"),
    ("uncontended, task (`async with sem:`)", async_contenders, uncontended_task, "asyncio.Semaphore"),
    ("8 tasks x 5 000 with sleep(0) on Semaphore(2)", async_contenders, contended_tasks, "asyncio.Semaphore"),
]


def fmt(seconds):
    ns = seconds * 1e9
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", help="also write the markdown report here")
    parser.add_argument("--only", help="run only the workloads whose title contains this")
    args = parser.parse_args()

    lines = [
        "| workload | contender | median / op | vs reference |",
        "| --- | --- | ---: | ---: |",
    ]
    for title, contenders, run, reference in WORKLOADS:
        if args.only and args.only not in title:
            continue
        makers = {
            name: make
            for name, make in contenders().items()
            if not (run is contended_threads and "Lock" in name)  # a Semaphore(2) workload
        }
        samples = {name: [] for name in makers}
        # Round-robin, so that a noisy moment hits every contender alike.
        for _ in range(args.repeat):
            for name, make in makers.items():
                samples[name].append(run(make))
        medians = {name: statistics.median(s) for name, s in samples.items()}
        for name, m in medians.items():
            print(f"{title:48} {name:30} {fmt(m)}", file=sys.stderr)
        ref = medians[reference]
        for name, m in medians.items():
            ratio = m / ref
            lines.append(f"| {title} | {name} | {fmt(m)} | {ratio:.2f}× |")
    header = (
        f"Python {sys.version.split()[0]}, median of {args.repeat} runs; "
        "ratio = time / reference time (threading.Semaphore for threads, "
        "asyncio.Semaphore for tasks); below 1 is faster.\n\n"
    )
    report = header + "\n".join(lines) + "\n"
    print(report)
    if args.out:
        with open(args.out, "w") as f:
            f.write(report)


if __name__ == "__main__":
    main()
