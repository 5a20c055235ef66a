"""syncio's Python primitives against threading, asyncio and aiologic, in one
run on one machine.

    python python/benches/bench.py [--repeat N] [--out FILE]

Workloads (each contender runs the same loop):
- uncontended acquire + release from a thread (``with sem:``);
- 8 threads x 20 000 acquire + release on one Semaphore(2);
- uncontended ``async with sem:`` in a task;
- uncontended ``await sem.acquire()`` + ``sem.release()`` in a task
  (``async_acquire()`` for syncio's dual classes and aiologic's);
- 8 tasks x 5 000 (``async with sem: await asyncio.sleep(0)``) on one
  Semaphore(2), or one Lock, one event loop.

Every workload is repeated ``--repeat`` times, round-robin over the
contenders. The table gives the median time per operation and the ratio to
the reference of the same kind (threading.Semaphore or threading.Lock for the
thread workloads, asyncio.Semaphore or asyncio.Lock for the task ones): the
median over the rounds of each round's ratio, so that a slow moment of the
machine, which hits one round, cancels out. Ratios, not absolute times, are
what carry over between runs on a shared, noisy machine.
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


# name: (kind, factory). The first contender of each kind is its reference.
def sync_contenders():
    c = {
        "threading.Semaphore": ("Semaphore", lambda: threading.Semaphore(2)),
        "syncio.Semaphore": ("Semaphore", lambda: syncio.Semaphore(2)),
        "syncio.Semaphore(fair=False)": ("Semaphore", lambda: syncio.Semaphore(2, fair=False)),
        "threading.Lock": ("Lock", threading.Lock),
        "syncio.Lock": ("Lock", syncio.Lock),
    }
    if aiologic:
        c["aiologic.Semaphore"] = ("Semaphore", lambda: aiologic.Semaphore(2))
        c["aiologic.Lock"] = ("Lock", aiologic.Lock)
    return c


def async_contenders():
    c = {
        "asyncio.Semaphore": ("Semaphore", lambda: asyncio.Semaphore(2)),
        "syncio.asyncio.Semaphore": ("Semaphore", lambda: sa.Semaphore(2)),
        "syncio.Semaphore (shared)": ("Semaphore", lambda: syncio.Semaphore(2)),
        "asyncio.Lock": ("Lock", asyncio.Lock),
        "syncio.asyncio.Lock": ("Lock", sa.Lock),
        "syncio.Lock (shared)": ("Lock", syncio.Lock),
    }
    if aiologic:
        c["aiologic.Semaphore"] = ("Semaphore", lambda: aiologic.Semaphore(2))
        c["aiologic.Lock"] = ("Lock", aiologic.Lock)
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


def _acquire_release(sem):
    # asyncio's classes and syncio.asyncio's call the coroutine acquire;
    # syncio's dual classes and aiologic's, async_acquire (aiologic's Lock
    # releases with async_release, a plain method despite its name).
    if isinstance(sem, (asyncio.Lock, asyncio.Semaphore, sa.Lock, sa.Semaphore)):
        return sem.acquire, sem.release
    return sem.async_acquire, getattr(sem, "release", None) or sem.async_release


def uncontended_task_acquire(make, n=100_000):
    async def main():
        sem = make()
        acquire, release = _acquire_release(sem)
        t = time.perf_counter()
        for _ in range(n):
            await acquire()
            release()
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


# title, contenders, workload, kinds it runs
WORKLOADS = [
    ("uncontended, thread (`with sem:`)", sync_contenders, uncontended_thread, ("Semaphore", "Lock")),
    ("8 threads x 20 000 on Semaphore(2)", sync_contenders, contended_threads, ("Semaphore",)),
    ("uncontended, task (`async with sem:`)", async_contenders, uncontended_task, ("Semaphore", "Lock")),
    (
        "uncontended, task (`await acquire()`, `release()`)",
        async_contenders,
        uncontended_task_acquire,
        ("Semaphore", "Lock"),
    ),
    (
        "8 tasks x 5 000 with sleep(0), Semaphore(2) or Lock",
        async_contenders,
        contended_tasks,
        ("Semaphore", "Lock"),
    ),
]


def fmt(seconds):
    ns = seconds * 1e9
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", help="also write the markdown report here")
    parser.add_argument("--only", help="run only the workloads whose title contains this")
    args = parser.parse_args()

    lines = [
        "| workload | contender | median / op | reference | vs reference |",
        "| --- | --- | ---: | --- | ---: |",
    ]
    for title, contenders, run, kinds in WORKLOADS:
        if args.only and args.only not in title:
            continue
        makers = {name: kf for name, kf in contenders().items() if kf[0] in kinds}
        references = {}
        for name, (kind, _) in makers.items():
            references.setdefault(kind, name)
        samples = {name: [] for name in makers}
        # Round-robin, so that a noisy moment hits every contender alike.
        for _ in range(args.repeat):
            for name, (_, make) in makers.items():
                samples[name].append(run(make))
        for name, (kind, _) in makers.items():
            ref = samples[references[kind]]
            ratio = statistics.median(m / r for m, r in zip(samples[name], ref))
            median = statistics.median(samples[name])
            print(f"{title:48} {name:30} {fmt(median)} {ratio:.2f}x", file=sys.stderr)
            lines.append(f"| {title} | {name} | {fmt(median)} | {references[kind]} | {ratio:.2f}× |")
    header = (
        f"Python {sys.version.split()[0]}, {args.repeat} rounds; vs reference = the median "
        "over the rounds of (time / the same round's time of the reference of that kind: "
        "threading.Semaphore or threading.Lock for threads, asyncio.Semaphore or "
        "asyncio.Lock for tasks); below 1 is faster.\n\n"
    )
    report = header + "\n".join(lines) + "\n"
    print(report)
    if args.out:
        with open(args.out, "w") as f:
            f.write(report)


if __name__ == "__main__":
    main()
