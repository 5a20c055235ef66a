"""What CPython's tests cannot cover: one object shared by threads and by
tasks of several event loops in several threads, with cancellations and
time-outs, checked for lost permits, exceeded holder counts and lost
notifications."""

import _thread
import asyncio
import os
import random
import signal
import threading
import time

import pytest

import syncio
import syncio.asyncio as sa

SEED = random.randrange(1 << 32)


def run_loops(n_loops, coro_factory):
    """Run ``coro_factory(i)`` on ``n_loops`` event loops, each in its own
    thread; return their results."""
    results = [None] * n_loops
    errors = []

    def run(i):
        try:
            results[i] = asyncio.run(coro_factory(i))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_loops)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


class Holders:
    """Counts how many hold a permit at once."""

    def __init__(self, limit):
        self.limit = limit
        self.now = 0
        self.peak = 0
        self.entries = 0
        self.guard = threading.Lock()

    def __enter__(self):
        with self.guard:
            self.now += 1
            self.entries += 1
            self.peak = max(self.peak, self.now)
            assert self.now <= self.limit, "more holders than permits"

    def __exit__(self, *exc):
        with self.guard:
            self.now -= 1


@pytest.mark.parametrize("fair", [True, False])
def test_semaphore_shared_by_threads_and_loops_with_cancellation(fair):
    rng = random.Random(SEED)
    permits = 3
    sem = syncio.Semaphore(permits, fair=fair)
    holders = Holders(permits)
    rounds = 300

    async def tasks(i):
        seeds = [rng.random() for _ in range(8)]

        async def worker(x):
            done = 0
            for _ in range(rounds):
                async with sem:
                    with holders:
                        if x < 0.5:
                            await asyncio.sleep(0)
                done += 1
            return done

        async def canceller():
            # Tasks cancelled while waiting, or just after being handed a
            # permit, must give it back.
            cancelled = 0
            for _ in range(rounds // 3):
                t = asyncio.ensure_future(sem.async_acquire())
                await asyncio.sleep(0)
                if t.cancel():
                    cancelled += 1
                try:
                    await t
                except asyncio.CancelledError:
                    continue
                sem.release()
            return cancelled

        done = await asyncio.gather(*(worker(x) for x in seeds), canceller())
        return sum(done[:-1])

    def thread_worker(out, i):
        n = 0
        for k in range(rounds):
            if k % 5 == 0:
                # A short timed wait that may expire.
                if not sem.acquire(timeout=0.0005):
                    continue
            else:
                sem.acquire()
            with holders:
                pass
            sem.release()
            n += 1
        out[i] = n

    out = [0] * 3
    threads = [threading.Thread(target=thread_worker, args=(out, i)) for i in range(3)]
    for t in threads:
        t.start()
    task_done = run_loops(2, tasks)
    for t in threads:
        t.join()
    assert sum(task_done) == 2 * 8 * rounds
    assert holders.now == 0
    assert holders.peak <= permits
    # No permit lost: all of them can be taken again, and no more.
    assert sem._value == permits, f"seed {SEED}"
    for _ in range(permits):
        assert sem.acquire(blocking=False)
    assert not sem.acquire(blocking=False)


def test_lock_shared_by_a_thread_and_two_loops_excludes():
    lock = syncio.Lock()
    inside = []
    counter = [0]

    async def tasks(i):
        async def one():
            for _ in range(200):
                async with lock:
                    inside.append(1)
                    assert len(inside) == 1
                    counter[0] += 1
                    await asyncio.sleep(0)
                    inside.pop()

        await asyncio.gather(*(one() for _ in range(4)))

    def thread():
        for _ in range(400):
            with lock:
                inside.append(1)
                assert len(inside) == 1
                counter[0] += 1
                inside.pop()

    t = threading.Thread(target=thread)
    t.start()
    run_loops(2, tasks)
    t.join()
    assert counter[0] == 2 * 4 * 200 + 400
    assert not lock.locked()


def test_asyncio_dropin_awaited_from_two_loops_and_released_by_a_thread():
    sem = sa.Semaphore(0)
    got = []

    async def take(i):
        await asyncio.wait_for(sem.acquire(), 10)
        got.append(i)

    def releaser():
        while len(got) < 2 and sem._asyncio_waiters < 2:
            time.sleep(0.001)
        sem.release()
        sem.release()

    t = threading.Thread(target=releaser)
    t.start()
    run_loops(2, take)
    t.join()
    assert sorted(got) == [0, 1]
    assert sem._value == 0


def test_event_set_by_a_thread_wakes_tasks_on_two_loops_and_threads():
    ev = syncio.Event()
    woken = []

    async def waiter(i):
        assert await asyncio.wait_for(ev.async_wait(), 10)
        woken.append(f"task{i}")

    def thread_waiter(i):
        assert ev.wait(10)
        woken.append(f"thread{i}")

    threads = [threading.Thread(target=thread_waiter, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    setter = threading.Timer(0.05, ev.set)
    setter.start()
    run_loops(2, waiter)
    for t in threads:
        t.join()
    assert sorted(woken) == ["task0", "task1", "thread0", "thread1"]


def test_condition_notifications_cross_from_threads_to_tasks_in_fifo_order():
    cond = syncio.Condition()
    order = []
    ready = []

    async def task_waiter():
        async with cond:
            ready.append("task")
            await cond.async_wait()
            order.append("task")

    def thread_waiter():
        with cond:
            ready.append("thread")
            assert cond.wait(10)
            order.append("thread")

    async def main():
        t = asyncio.create_task(task_waiter())
        while not ready:
            await asyncio.sleep(0.001)
        th = threading.Thread(target=thread_waiter)
        th.start()
        while len(ready) < 2:
            await asyncio.sleep(0.001)
        async with cond:
            cond.notify(1)  # the task waited longest
        await t
        async with cond:
            cond.notify(1)
        await asyncio.get_running_loop().run_in_executor(None, th.join)

    asyncio.run(main())
    assert order == ["task", "thread"]


def test_condition_notification_to_a_cancelled_task_passes_on():
    cond = syncio.Condition()
    got = []

    async def main():
        async def w(name):
            async with cond:
                await cond.async_wait()
                got.append(name)

        first = asyncio.create_task(w("first"))
        second = asyncio.create_task(w("second"))
        await asyncio.sleep(0.01)
        async with cond:
            cond.notify(1)  # to `first`...
        first.cancel()  # ...which is cancelled before it runs
        await asyncio.gather(first, return_exceptions=True)
        await asyncio.wait_for(second, 10)

    asyncio.run(main())
    assert got == ["second"]


def test_thread_timeout_racing_a_release_loses_no_permit():
    sem = syncio.Semaphore(0)
    rng = random.Random(SEED)
    for _ in range(200):
        t = threading.Thread(target=lambda: sem.acquire(timeout=0.0002) and sem.release())
        t.start()
        time.sleep(rng.random() * 0.0004)
        sem.release()
        t.join()
        assert sem.acquire(blocking=False), f"permit lost (seed {SEED})"
        assert sem._value == 0


def test_barrier_shared_by_threads_and_tasks_runs_the_action_once_per_cycle():
    calls = []
    barrier = syncio.Barrier(4, action=lambda: calls.append(1))
    indices = []

    async def tasks(i):
        out = []
        for _ in range(20):
            out.append(await asyncio.wait_for(barrier.async_wait(), 10))
        return out

    def thread():
        for _ in range(20):
            indices.append(barrier.wait(10))

    threads = [threading.Thread(target=thread) for _ in range(2)]
    for t in threads:
        t.start()
    results = run_loops(2, tasks)
    for t in threads:
        t.join()
    assert len(calls) == 20
    assert len(indices) + sum(map(len, results)) == 80
    assert not barrier.broken


def test_barrier_action_that_raises_breaks_it_and_raises_in_its_caller():
    def action():
        raise KeyError("boom")

    barrier = syncio.Barrier(2, action=action)
    errors = []

    def other():
        try:
            barrier.wait(10)
        except syncio.BrokenBarrierError as e:
            errors.append(e)

    t = threading.Thread(target=other)
    t.start()
    while barrier.n_waiting < 1:
        time.sleep(0.001)
    with pytest.raises(KeyError):
        barrier.wait(10)
    t.join()
    assert len(errors) == 1 and barrier.broken
    assert isinstance(errors[0], threading.BrokenBarrierError)
    assert isinstance(errors[0], asyncio.BrokenBarrierError)


def test_ctrl_c_interrupts_a_blocked_main_thread_and_keeps_the_permit():
    sem = syncio.Semaphore(0)
    timer = threading.Timer(0.1, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        sem.acquire(timeout=10)
    timer.join()
    sem.release()
    assert sem.acquire(blocking=False)


def _exit_code_within(pid, seconds):
    deadline = time.monotonic() + seconds
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.02)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_ctrl_c_interrupts_a_wait_in_a_child_forked_from_another_thread():
    # In the child, the thread that forked is the main thread, the one that
    # runs signal handlers: its waits must stay interruptible, although the
    # parent's main thread had already waited (and been recognised) before.
    lock = syncio.Lock()
    lock.acquire()
    assert not lock.acquire(timeout=0.01)  # a main-thread wait, first
    lock.release()
    pids = []

    def forker():
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                lock.acquire()
                threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
                lock.acquire()  # held by this thread: only Ctrl-C ends it
            except KeyboardInterrupt:
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)

    thread = threading.Thread(target=forker)
    thread.start()
    thread.join()
    assert _exit_code_within(pids[0], 10) == 0, "Ctrl-C did not end the child's wait"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize(
    "make",
    [
        lambda fair: syncio.Lock(fair=fair),
        lambda fair: syncio.Semaphore(1, fair=fair),
        lambda fair: syncio.BoundedSemaphore(1, fair=fair),
    ],
)
@pytest.mark.parametrize("fair", [True, False])
def test_a_child_forked_while_a_thread_waits_can_take_the_lock_again(make, fair):
    # threading's lock is a bare counter: in the child, released, it can be
    # taken again. Here the waiting thread is queued, and in the child it
    # does not exist: the release must not be handed to it.
    lock = make(fair)
    lock.acquire()
    waiter = threading.Thread(target=lambda: (lock.acquire(), lock.release()))
    waiter.start()
    time.sleep(0.1)  # queued
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            lock.release()
            code = 0 if lock.acquire(timeout=2) else 1
        finally:
            os._exit(code)
    assert _exit_code_within(pid, 10) == 0
    lock.release()
    waiter.join()


@pytest.mark.parametrize("timeout", [None, 10])
def test_ctrl_c_interrupts_a_barrier_wait_on_the_main_thread_and_takes_the_arrival_back(timeout):
    # As threading's: the interrupted caller leaves; the barrier stays whole.
    barrier = syncio.Barrier(3)
    results = []

    def party():
        results.append(_outcome(barrier.wait))

    other = threading.Thread(target=party)
    other.start()
    while barrier.n_waiting < 1:
        time.sleep(0.001)
    timer = threading.Timer(0.1, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        barrier.wait(timeout)
    timer.join()
    assert not barrier.broken
    assert barrier.n_waiting == 1
    late = [threading.Thread(target=party) for _ in range(2)]
    for t in late:
        t.start()
    for t in [other, *late]:
        t.join()
    assert sorted(results) == [0, 1, 2]


def test_a_main_thread_barrier_time_out_breaks_it_and_a_release_first_stands():
    barrier = syncio.Barrier(2)
    with pytest.raises(threading.BrokenBarrierError):
        barrier.wait(0.05)
    assert barrier.broken
    barrier.reset()
    other = threading.Thread(target=lambda: (time.sleep(0.05), barrier.wait()))
    other.start()
    assert barrier.wait(10) in (0, 1)
    other.join()
    assert not barrier.broken


@pytest.mark.parametrize("on_main_thread", [True, False])
def test_a_barrier_time_out_during_the_action_of_its_tripped_cycle_passes(on_main_thread):
    # As threading's: the last arrival runs the action holding the lock, so
    # a member whose time-out comes meanwhile gets the lock back after it
    # and finds the cycle released. It passes, and nothing is broken.
    for make in (threading.Barrier, syncio.Barrier):
        barrier = make(2, action=lambda: time.sleep(0.3))
        results = {}

        def member():
            results["member"] = _outcome(lambda: barrier.wait(0.1))

        def last():
            time.sleep(0.05)
            results["last"] = _outcome(barrier.wait)

        if on_main_thread:
            other = threading.Thread(target=last)
            other.start()
            member()
        else:
            other = threading.Thread(target=member)
            other.start()
            last()
        other.join()
        assert results == {"member": 0, "last": 1}, (make, results)
        assert not barrier.broken


def _outcome(wait):
    try:
        return wait()
    except threading.BrokenBarrierError:
        return "broken"


@pytest.mark.parametrize("name", ["Lock", "Semaphore", "BoundedSemaphore"])
def test_asyncio_dropins_refuse_a_plain_with_as_asyncio_does(name):
    # A plain `with` where `async with` was meant would block the loop's
    # thread while the lock is held; asyncio refuses it, and so do these.
    messages = []
    for module in (asyncio, sa):
        lock = getattr(module, name)()
        with pytest.raises(TypeError) as info:
            with lock:
                pass
        messages.append(str(info.value))
        assert not lock.locked()
    assert messages[0] == messages[1]


def test_errors_match_threading_and_asyncio():
    with pytest.raises(ValueError, match="must be >= 0"):
        syncio.Semaphore(-1)
    with pytest.raises(ValueError, match="released too many times"):
        syncio.BoundedSemaphore(1).release()
    with pytest.raises(ValueError, match="released too many times"):
        sa.BoundedSemaphore(1).release()
    with pytest.raises(RuntimeError, match="Lock is not acquired"):
        sa.Lock().release()
    with pytest.raises(RuntimeError, match="release unlocked lock"):
        syncio.Lock().release()
    with pytest.raises(ValueError, match="parties must be > 0"):
        syncio.Barrier(0)
    with pytest.raises(ValueError):
        syncio.Lock().acquire(timeout=float("nan"))
    with pytest.raises(RuntimeError, match="un-acquired"):
        syncio.Condition().notify()



def _timed_waits(module):
    """Each thread-side wait that takes a time-out, as ``name -> (call,
    check)``: ``call(timeout)`` waits on a fresh object where it has to wait;
    ``check()`` asserts afterwards that the call left that object as it was."""

    def semaphore(cls):
        sem = cls(1)
        assert sem.acquire()

        def check():
            assert not sem.acquire(blocking=False)
            sem.release()
            assert sem.acquire(blocking=False)

        return (lambda t: sem.acquire(timeout=t)), check

    def lock():
        lock = module.Lock()
        assert lock.acquire()

        def check():
            assert lock.locked()
            lock.release()
            assert lock.acquire(blocking=False)

        return (lambda t: lock.acquire(timeout=t)), check

    def event():
        ev = module.Event()

        def check():
            assert not ev.is_set()
            ev.set()
            assert ev.wait(0)

        return ev.wait, check

    def condition(method):
        cond = module.Condition()
        pred = [False]

        def call(t):
            with cond:
                if method == "wait":
                    return cond.wait(t)
                return cond.wait_for(lambda: pred[0], t)

        def check():
            # The lock is free again, and no waiter was left behind to
            # swallow the next notification.
            waiting, woke = threading.Event(), []

            def waiter():
                with cond:
                    waiting.set()
                    woke.append(cond.wait(5))

            thread = threading.Thread(target=waiter)
            thread.start()
            assert waiting.wait(5)
            with cond:  # free once the waiter waits
                cond.notify(1)
            thread.join()
            assert woke == [True]

        return call, check

    def barrier(by_default):
        def make(t):
            return module.Barrier(2, timeout=t) if by_default else module.Barrier(2)

        made = []

        def call(t):
            made.append(make(t))
            return made[-1].wait() if by_default else made[-1].wait(t)

        def check():
            # Refused before arriving: the barrier is neither broken nor
            # holding an arrival. (A default time-out of the wrong type is
            # refused by syncio's constructor already, by threading's wait.)
            if made:
                assert not made[-1].broken and made[-1].n_waiting == 0
            else:
                assert by_default and module is syncio.threading

        return call, check

    return {
        "Semaphore.acquire": lambda: semaphore(module.Semaphore),
        "BoundedSemaphore.acquire": lambda: semaphore(module.BoundedSemaphore),
        "Lock.acquire": lock,
        "Event.wait": event,
        "Condition.wait": lambda: condition("wait"),
        "Condition.wait_for": lambda: condition("wait_for"),
        "Barrier.wait": lambda: barrier(False),
        "Barrier(timeout=).wait": lambda: barrier(True),
    }


def _within(seconds, call, *args):
    """``call(*args)``'s result or exception, from a thread given
    ``seconds``: a wait that does not end fails the test instead of hanging
    it."""
    outcome = []

    def run():
        try:
            outcome.append(("returned", call(*args)))
        except Exception as e:
            outcome.append(("raised", e))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"{call} did not return within {seconds} s"
    return outcome[0]


@pytest.mark.parametrize("name", sorted(_timed_waits(threading)))
@pytest.mark.parametrize("timeout", [float("inf"), 1e100, _thread.TIMEOUT_MAX * 2])
def test_a_time_out_past_timeout_max_is_an_overflow_error_as_in_threading(name, timeout):
    # threading's primitives all refuse such a time-out (`None` is how to
    # wait forever); a drop-in must not wait forever instead.
    for module in (threading, syncio.threading):
        call, check = _timed_waits(module)[name]()
        kind, value = _within(5, call, timeout)
        assert kind == "raised" and isinstance(value, OverflowError), (module, kind, value)
        check()


@pytest.mark.parametrize("name", sorted(_timed_waits(threading)))
def test_a_nan_time_out_returns_false_where_threading_does_and_is_refused_where_it_hangs(
    name,
):
    # threading's Event.wait and Condition.wait return False at once (their
    # test is `timeout > 0`); its Lock refuses NaN with a ValueError; its
    # Semaphore, Condition.wait_for and Barrier spin forever, and here they
    # refuse NaN as the Lock does.
    call, check = _timed_waits(syncio.threading)[name]()
    kind, value = _within(5, call, float("nan"))
    if name in ("Event.wait", "Condition.wait"):
        assert (kind, value) == ("returned", False)
        std_call, _ = _timed_waits(threading)[name]()
        assert std_call(float("nan")) is False
    else:
        assert kind == "raised" and isinstance(value, ValueError), (kind, value)
        assert "NaN" in str(value)
    check()



@pytest.mark.parametrize("name", sorted(_timed_waits(threading)))
def test_a_time_out_of_the_wrong_type_is_a_type_error_and_leaves_nothing_behind(name):
    # Regression: Condition.wait queued its waiter before the time-out was
    # refused, and the exception's traceback kept that waiter alive: it
    # swallowed the next notification.
    for module in (threading, syncio.threading):
        call, check = _timed_waits(module)[name]()
        kept = []
        try:
            call("soon")
        except TypeError as e:
            kept.append(e)
        assert len(kept) == 1, module
        check()

def test_lock_time_out_checks_run_in_threading_s_order():
    # The C lock converts the time-out first: out of range either way is an
    # OverflowError even when not blocking, or negative.
    for module in (threading, syncio.threading):
        lock = module.Lock()
        for args, kwargs in [((False,), {"timeout": float("inf")}), ((), {"timeout": -1e100})]:
            with pytest.raises(OverflowError):
                lock.acquire(*args, **kwargs)
        with pytest.raises(ValueError, match="non-blocking"):
            lock.acquire(False, timeout=1)
        with pytest.raises(ValueError, match="must be positive"):
            lock.acquire(timeout=-2)
        assert not lock.locked()


def test_wait_for_consults_the_predicate_before_the_time_out():
    # As threading's: a predicate already true is the answer, whatever the
    # time-out (even one that would be refused).
    for module in (threading, syncio.threading):
        cond = module.Condition()
        with cond:
            assert cond.wait_for(lambda: "yes", float("nan")) == "yes"
            assert cond.wait_for(lambda: "yes", float("inf")) == "yes"

async def _one_handed_and_one_free(sem):
    """On a fresh ``Semaphore(1)``: takes the permit, queues a task, hands it
    the permit (the task has not run yet) and frees one more. Returns the
    task."""
    assert sem.acquire()
    task = asyncio.create_task(sem.async_acquire())
    await asyncio.sleep(0)  # the task queued
    sem.release()  # handed to the task, which has not run yet
    sem.release()  # and one permit free
    return task


async def _step_through(wait, pending):
    """Drives an acquire whose first step has been taken (``pending`` is
    what it yielded) to its end; returns its result."""
    while True:
        await asyncio.wait_for(pending, 5)
        try:
            pending = wait.send(None)
        except StopIteration as done:
            return done.value


def test_a_task_deferred_behind_an_unresumed_one_is_not_stranded_by_a_thread():
    # asyncio's rule: while a task handed a permit has not resumed, a free
    # permit is not a newcomer's. Regression: if a thread took that free
    # permit before the resumption, the newcomer was never woken again.
    sem = syncio.Semaphore(1)

    async def main():
        t1 = await _one_handed_and_one_free(sem)
        newcomer = sem.async_acquire()
        pending = newcomer.send(None)  # its first step
        assert isinstance(pending, asyncio.Future), "deferred behind t1, as in asyncio"
        assert sem.acquire(blocking=False)  # a thread-style caller takes it
        assert await t1
        sem.release()  # t1's permit: for the newcomer, now queued
        assert await _step_through(newcomer, pending) is True
        sem.release()
        sem.release()

    asyncio.run(main())
    assert sem._value == 2  # the initial permit and the extra release


def test_a_task_deferred_behind_an_unresumed_one_keeps_its_place_in_its_loop():
    # A newcomer held back by an unresumed task of its loop is queued, as in
    # asyncio: a later newcomer of that loop does not go before it, even when
    # the free permit that held the first back has gone in between.
    sem = syncio.Semaphore(1)
    order = []

    async def finish(name, wait, pending):
        assert await _step_through(wait, pending) is True
        order.append(name)

    async def main():
        b1 = await _one_handed_and_one_free(sem)
        b2 = sem.async_acquire()
        b2_pending = b2.send(None)  # held back behind B1, as in asyncio
        assert sem.acquire(blocking=False)  # a thread-style caller takes the permit
        d = sem.async_acquire()
        d_pending = d.send(None)  # no permit free: queued, after B2
        assert await b1
        waits = [
            asyncio.create_task(finish("B2", b2, b2_pending)),
            asyncio.create_task(finish("D", d, d_pending)),
        ]
        for _ in range(2):
            await asyncio.sleep(0.01)
            sem.release()
        await asyncio.wait_for(asyncio.gather(*waits), 5)

    asyncio.run(main())
    assert order == ["B2", "D"]


def test_a_newcomer_held_behind_a_cancelled_one_is_not_stranded():
    # A newcomer held back only because an earlier one of its loop is held
    # moves on when that one is cancelled while held.
    sem = syncio.Semaphore(1)

    async def main():
        b1 = await _one_handed_and_one_free(sem)
        b2 = sem.async_acquire()
        b2.send(None)  # held back behind B1
        assert sem.acquire(blocking=False)  # a thread-style caller takes the permit
        d = sem.async_acquire()
        d_pending = d.send(None)  # held back behind B2
        b2.close()  # B2 cancelled while held back
        assert await b1
        sem.release()  # B1's permit
        sem.release()  # the thread-style caller's
        assert await _step_through(d, d_pending) is True
        sem.release()

    asyncio.run(main())
    assert sem._value == 2  # the initial permit and the extra release


def test_a_loop_left_with_a_held_back_task_does_not_hold_back_the_next_loop_of_its_thread():
    # Found in review: the held-back count was kept per thread, so a loop
    # stopped (not closed) with a task held back in it held back every task
    # of the next loop run on that thread, even with no permit free, and a
    # release from elsewhere never reached them.
    sem = syncio.Semaphore(1)
    stopped = asyncio.new_event_loop()

    async def leave_one_held_back():
        assert sem.acquire()
        asyncio.create_task(sem.async_acquire())
        await asyncio.sleep(0)  # queued
        # Starts before the first resumes (scheduled ahead of its wake-up).
        asyncio.create_task(sem.async_acquire())
        sem.release()  # handed to the first, which has not run yet
        sem.release()  # and one free: the second is held back
        loop = asyncio.get_running_loop()
        loop.call_soon(loop.stop)  # the first resumes, the second never runs again

    stopped.create_task(leave_one_held_back())
    stopped.run_forever()  # stops with that task held back, never to run
    try:
        assert sem.acquire(blocking=False)  # the free permit: none left

        async def main():
            releaser = threading.Timer(0.05, sem.release)
            releaser.start()
            got = await asyncio.wait_for(sem.async_acquire(), 5)
            releaser.join()
            return got

        assert asyncio.run(main()) is True
    finally:
        stopped.close()


def test_a_loop_dropped_unclosed_with_a_waiting_task_is_collected():
    # Found in review: the per-loop count held its loop strongly, out of the
    # garbage collector's sight, so a loop never closed whose timer refers to
    # a task waiting on the semaphore (as asyncio.timeout and wait_for add)
    # lived for good.
    import gc
    import weakref

    def leave_a_waiter():
        sem = syncio.Semaphore(0)
        loop = asyncio.new_event_loop()
        task = loop.create_task(sem.async_acquire())
        loop.call_later(1000, task.cancel)  # the loop refers to the task
        loop.call_soon(loop.stop)
        loop.run_forever()  # stops with the task waiting; never closed
        task._log_destroy_pending = False  # "destroyed but pending" is the point
        return weakref.ref(loop), weakref.ref(task)

    refs = leave_a_waiter()
    gc.collect()
    assert [r() for r in refs] == [None, None]


def test_a_task_is_not_held_back_by_an_unresumed_task_of_another_loop():
    # asyncio's "unresumed waiters go first" rule is per loop: a task handed a
    # permit on an idle loop must not keep a task of another loop from a
    # free permit.
    sem = syncio.Semaphore(0)
    idle = asyncio.new_event_loop()
    try:
        parked = idle.create_task(sem.async_acquire())
        idle.run_until_complete(asyncio.sleep(0.01))  # `parked` queued
        sem.release(2)  # one handed to `parked` (its loop is not running), one free

        async def other():
            return await asyncio.wait_for(sem.async_acquire(), 5)

        results = run_loops(1, lambda i: other())
        assert results == [True]
        assert idle.run_until_complete(parked)
    finally:
        idle.close()


def test_an_abandoned_task_lives_as_long_as_what_it_waits_on_and_no_longer():
    # As with asyncio's primitives: the primitive holds its waiters' futures,
    # whose callbacks hold the tasks; nothing from Rust hides a reference.
    import gc
    import weakref

    ev = syncio.Event()
    loop = asyncio.new_event_loop()
    task = loop.create_task(ev.async_wait())
    loop.run_until_complete(asyncio.sleep(0.01))
    refs = weakref.ref(loop), weakref.ref(task)
    loop.close()  # the task is left pending, never to run again
    del loop, task
    gc.collect()
    assert refs[1]() is not None, "the Event it waits on holds it, as asyncio's would"
    refs[1]()._log_destroy_pending = False  # "destroyed but pending" is the point
    del ev
    gc.collect()
    assert refs[0]() is None and refs[1]() is None, "a reference through Rust kept them"


@pytest.mark.parametrize("make", [sa.Lock, syncio.Semaphore, sa.Event])
def test_a_fire_and_forget_task_waiting_on_a_primitive_is_not_collected(make):
    import gc

    ran = []

    async def main():
        prim = make()
        if isinstance(prim, sa.Event):
            wait, wake = prim.wait, prim.set
        else:
            await (prim.acquire() if isinstance(prim, sa.Lock) else prim.async_acquire())
            wait, wake = (prim.acquire if isinstance(prim, sa.Lock) else prim.async_acquire), prim.release

        async def worker():
            await wait()
            ran.append(True)

        asyncio.get_running_loop().create_task(worker())  # no reference kept
        await asyncio.sleep(0)
        gc.collect()
        wake()
        for _ in range(5):
            await asyncio.sleep(0)

    asyncio.run(main())
    assert ran == [True]


def test_asyncio_condition_over_a_shared_lock_acquires_asynchronously():
    lock = syncio.Lock()
    cond = sa.Condition(lock)

    async def main():
        async with cond:
            assert lock.locked()
            cond.notify()
        assert not lock.locked()

    asyncio.run(main())


def test_blocking_takes_any_truth_value_as_threading_does():
    for prim in (syncio.Lock(), syncio.Semaphore(1)):
        assert prim.acquire(1)
        assert not prim.acquire(0)
        assert not prim.acquire(None)
        assert not prim.acquire([])
        prim.release()


# The awaitables `acquire()`, `async_acquire()` and `__aenter__()` return are
# Rust objects speaking the coroutine protocol (no Python frame in between).


@pytest.mark.parametrize("make", [sa.Semaphore, syncio.Semaphore, sa.Lock, syncio.Lock])
def test_acquire_starts_when_first_stepped_not_when_called(make):
    sem = make()
    acquire = sem.acquire if isinstance(sem, (sa.Semaphore, sa.Lock)) else sem.async_acquire

    async def main():
        pending = acquire()  # a coroutine: nothing happens until it runs
        assert not sem.locked()
        task = asyncio.create_task(pending)  # create_task takes it
        assert not sem.locked()
        assert await task is True
        assert sem.locked()
        sem.release()

    asyncio.run(main())
    abandoned = acquire()
    abandoned.close()  # never started: nothing to give back
    assert not sem.locked()


def test_a_waiter_thrown_into_gives_back_what_it_was_handed():
    sem = syncio.Semaphore(0)

    # The Rust wait object itself (async_acquire is a coroutine around it).
    async def main():
        waiter = syncio._syncio.Semaphore.async_acquire(sem)
        pending = waiter.send(None)
        assert isinstance(pending, asyncio.Future) and pending._asyncio_future_blocking
        sem.release()  # handed to the waiter, which has not run yet
        assert sem._value == 0
        with pytest.raises(asyncio.CancelledError):
            waiter.throw(asyncio.CancelledError())
        assert sem._value == 1  # passed on, not lost
        with pytest.raises(RuntimeError, match="already finished"):
            waiter.send(None)
        with pytest.raises(ValueError, match="boom"):
            syncio._syncio.Semaphore.async_acquire(sem).throw(ValueError, "boom")

    asyncio.run(main())


def test_awaiting_without_a_running_loop_is_an_error_and_loses_nothing():
    sem = syncio.Semaphore(0)

    async def wait_on_a_loop():
        # The bridge remembers this thread's loop: it must notice it stopped.
        task = asyncio.create_task(sem.async_acquire())
        await asyncio.sleep(0)
        sem.release()
        assert await task

    asyncio.run(wait_on_a_loop())
    asyncio.run(wait_on_a_loop())  # a second loop on the same thread
    waiter = sem.async_acquire()
    with pytest.raises(RuntimeError, match="no running event loop"):
        waiter.send(None)
    sem.release()
    assert sem.acquire(blocking=False)  # the failed waiter is not queued
    with pytest.raises(StopIteration) as done:
        sem.__aexit__(None, None, None).send(None)
    assert done.value.value is None
    assert sem._value == 1


def test_async_with_on_a_released_lock_raises_each_flavours_message():
    async def main():
        with pytest.raises(RuntimeError, match="Lock is not acquired"):
            await sa.Lock().__aexit__(None, None, None)
        with pytest.raises(RuntimeError, match="release unlocked lock"):
            await syncio.Lock().__aexit__(None, None, None)
        with pytest.raises(ValueError, match="BoundedSemaphore released too many times"):
            await sa.BoundedSemaphore(1).__aexit__(None, None, None)
        with pytest.raises(ValueError, match="^Semaphore released too many times"):
            await syncio.BoundedSemaphore(1).__aexit__(None, None, None)
        async with sa.Lock() as entered:
            assert entered is None  # as asyncio's

    asyncio.run(main())


def test_a_waiter_follows_the_coroutine_protocol_rules():
    sem = syncio.Semaphore(0)

    async def main():
        # The Rust wait object itself (syncio.Semaphore.async_acquire is a
        # coroutine around it).
        waiter = syncio._syncio.Semaphore.async_acquire(sem)
        assert "Semaphore.acquire" in repr(
            asyncio.ensure_future(syncio._syncio.Semaphore.async_acquire(sem))
        )
        with pytest.raises(TypeError, match="just-started"):
            waiter.send(1)

        async def await_it():
            return await waiter

        first = asyncio.create_task(await_it())
        second = asyncio.create_task(await_it())
        await asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="awaited already"):
            await second
        sem.release()
        sem.release()  # one for the ensure_future'd acquire above
        assert await first is True
        # throw() builds its exception as a generator's does.
        for args, expected in [
            ((ValueError,), ValueError()),
            ((ValueError, (1, 2)), ValueError(1, 2)),
            ((ValueError, KeyError("k")), ValueError(KeyError("k"))),
            ((KeyError("k"),), KeyError("k")),
        ]:
            with pytest.raises(type(expected)) as raised:
                syncio._syncio.Semaphore.async_acquire(sem).throw(*args)
            assert repr(raised.value) == repr(expected)
        with pytest.raises(TypeError, match="separate value"):
            syncio._syncio.Semaphore.async_acquire(sem).throw(KeyError("k"), 1)
        with pytest.raises(RuntimeError, match="raised StopIteration"):
            syncio._syncio.Semaphore.async_acquire(sem).throw(StopIteration)

    asyncio.run(main())


def test_a_waiter_stepped_reentrantly_refuses_instead_of_deadlocking():
    # A step runs Python code while it holds the wait (here the loop's
    # get_debug(), which making the asyncio future calls): touching the same
    # waiter from there is refused, as for a running coroutine.
    lock = syncio.Lock()
    lock.acquire()
    waiter = syncio._syncio.Lock.async_acquire(lock)  # the Rust wait object
    armed, seen = [False], []

    class Loop(asyncio.SelectorEventLoop):
        def get_debug(self):
            if armed[0]:
                armed[0] = False
                try:
                    waiter.close()
                except ValueError as e:
                    seen.append(str(e))
            return super().get_debug()

    async def main():
        # Armed by the callback that runs just before the task's first step
        # (scheduling calls get_debug() too).
        asyncio.get_running_loop().call_soon(armed.__setitem__, 0, True)
        task = asyncio.ensure_future(waiter)
        await asyncio.sleep(0)  # the task's first step makes its future
        lock.release()
        assert await task is True

    loop = Loop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    assert seen == ["Lock.acquire is already executing"]


def test_asyncio_reprs_show_the_waiter_count_as_asyncio_s():
    # Found in review: Lock, Event and Semaphore never showed `waiters:N`.
    def state(obj):
        return repr(obj).rsplit(" [", 1)[1]

    async def scenario(module):
        seen = []
        lock, sem, ev, cond = module.Lock(), module.Semaphore(0), module.Event(), module.Condition()

        async def in_cond():
            async with cond:
                await cond.wait()

        await lock.acquire()
        seen += [state(lock), state(sem), state(ev), state(cond)]  # none waiting
        tasks = [asyncio.create_task(lock.acquire()) for _ in range(2)]
        tasks += [asyncio.create_task(sem.acquire()) for _ in range(3)]
        tasks += [asyncio.create_task(ev.wait()) for _ in range(4)]
        tasks += [asyncio.create_task(in_cond()) for _ in range(1)]
        await asyncio.sleep(0)
        seen += [state(lock), state(sem), state(ev), state(cond)]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        lock.release()
        seen += [state(lock), state(sem), state(ev), state(cond)]  # none again
        return seen

    expected = asyncio.run(scenario(asyncio))
    assert expected[4:8] == [
        "locked, waiters:2]>",
        "locked, waiters:3]>",
        "unset, waiters:4]>",
        "unlocked, waiters:1]>",
    ]
    assert asyncio.run(scenario(sa)) == expected


def _logging_subclass(base, acquire):
    """A subclass of *base* whose *acquire* (a coroutine, or threading's
    method) and ``release`` log their calls before deferring to *base*."""
    log = []

    def release(self):
        log.append("release")
        return base.release(self)

    if acquire == "sync":

        def acq(self, *args, **kwargs):
            log.append("acquire")
            return base.acquire(self, *args, **kwargs)

        name = "acquire"
    else:

        async def acq(self):
            log.append(acquire)
            return await getattr(base, acquire)(self)

        name = acquire
    return type("Logged" + base.__name__, (base,), {name: acq, "release": release}), log


@pytest.mark.parametrize("name", ["Lock", "Semaphore", "BoundedSemaphore"])
def test_async_with_calls_a_subclass_s_acquire_and_release_as_asyncio_s(name):
    # Found in review: `async with` went straight to the core, skipping a
    # subclass's overrides (tracing, instrumentation).
    logs = []
    for module in (asyncio, sa):
        cls, log = _logging_subclass(getattr(module, name), "acquire")

        async def main():
            obj = cls()
            async with obj:
                log.append("body")

        asyncio.run(main())
        logs.append(log)
    assert logs[0] == logs[1] == ["acquire", "body", "release"]


@pytest.mark.parametrize("name", ["Semaphore", "BoundedSemaphore"])
def test_with_calls_a_subclass_s_release_as_threading_s(name):
    # threading's `with` calls the class's own acquire (`__enter__ =
    # acquire`) but the subclass's release.
    logs = []
    for module in (threading, syncio.threading):
        cls, log = _logging_subclass(getattr(module, name), "sync")
        with cls():
            log.append("body")
        logs.append(log)
    assert logs[0] == logs[1] == ["body", "release"]


@pytest.mark.parametrize("name", ["Lock", "Semaphore", "BoundedSemaphore"])
def test_dual_objects_use_a_subclass_s_overrides_on_both_sides(name):
    cls, log = _logging_subclass(getattr(syncio, name), "async_acquire")
    obj = cls()
    with obj:
        log.append("thread")

    async def main():
        async with obj:
            log.append("task")

    asyncio.run(main())
    assert log == ["thread", "release", "async_acquire", "task", "release"]
    # The base classes keep their built-in context managers.
    assert getattr(syncio, name).__aenter__ is getattr(syncio._syncio, name.replace("Bounded", "")).__aenter__


def _named(base):
    """A subclass of *base* whose constructor takes a name first, passing
    the rest to the base class's ``__init__``."""

    class Named(base):
        def __init__(self, name, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.name = name

    return Named


async def _async_uses(module, name):
    obj = _named(getattr(module, name))("n", *{"Semaphore": (2,), "BoundedSemaphore": (1,)}.get(name, ()))
    seen = [obj.name]
    if name == "Event":
        obj.set()
        seen.append(await obj.wait())
    else:
        seen.append(await obj.acquire())
        seen.append(obj.locked())
        obj.release()
        if name == "BoundedSemaphore":
            with pytest.raises(ValueError):
                obj.release()
    return seen


def _thread_uses(module, name):
    args = {"Semaphore": (2,), "BoundedSemaphore": (1,), "Barrier": (1,)}.get(name, ())
    obj = _named(getattr(module, name))("n", *args)
    seen = [obj.name]
    if name == "Event":
        obj.set()
        seen.append(obj.wait(0))
    elif name == "Barrier":
        seen += [obj.wait(), obj.parties]
    else:
        seen += [obj.acquire(), obj.acquire(blocking=False), obj.acquire(blocking=False)]
        obj.release()
        if name == "BoundedSemaphore":
            with pytest.raises(ValueError):
                obj.release()
    return seen


@pytest.mark.parametrize("name", ["Semaphore", "BoundedSemaphore", "Event", "Barrier"])
def test_a_threading_subclass_may_take_its_own_constructor_arguments(name):
    # Found in review: the classes took their arguments in `__new__`, so a
    # subclass's own arguments were refused there (TypeError).
    expected = _thread_uses(threading, name)
    assert _thread_uses(syncio.threading, name) == expected


@pytest.mark.parametrize("name", ["Lock", "Semaphore", "BoundedSemaphore", "Event"])
def test_an_asyncio_subclass_may_take_its_own_constructor_arguments(name):
    expected = asyncio.run(_async_uses(asyncio, name))
    assert asyncio.run(_async_uses(sa, name)) == expected


def test_dual_subclasses_pass_their_share_of_the_arguments_on():
    lock = _named(syncio.Lock)("l", fair=False)
    sem = _named(syncio.Semaphore)("s", 3, fair=False)
    assert (lock.name, sem.name, sem._value) == ("l", "s", 3)
    assert lock.acquire() and not lock.acquire(blocking=False)
    # A subclass that does not call the base __init__ gets a clear error on
    # first use, not a crash or a silently unusable object.
    class Forgetful(syncio.Semaphore):
        def __init__(self, value):
            self.value = value

    f = Forgetful(2)
    with pytest.raises(RuntimeError, match=r"super\(\).__init__"):
        f.acquire()
    assert "not set up" in repr(f)
    # The base classes still check their own arguments, and set up once.
    with pytest.raises(TypeError):
        syncio.Semaphore(1, 2)
    with pytest.raises(TypeError):
        syncio.Event(1)
    with pytest.raises(TypeError):
        sa.Lock(loop=None)
    with pytest.raises(ValueError):
        syncio.Barrier(0)
    s = syncio.Semaphore(1)
    with pytest.raises(RuntimeError, match="only once"):
        s.__init__(5)
    assert s._value == 1


@pytest.mark.parametrize("timeout", [float("inf"), 1e300, float("nan")])
def test_a_call_that_need_not_wait_takes_any_time_out_as_in_threading(timeout):
    # Found in review: threading converts (and refuses) a time-out only once
    # the call has to wait; the checks added for waits refused these.
    for module in (threading, syncio.threading):
        assert module.Semaphore(1).acquire(timeout=timeout) is True
        ev = module.Event()
        ev.set()
        assert ev.wait(timeout) is True
        assert module.Barrier(1).wait(timeout) == 0
        assert module.Barrier(1, timeout=timeout).wait() == 0
        cond = module.Condition()
        with cond:
            assert cond.wait_for(lambda: 1, timeout) == 1


def test_a_barrier_arrival_that_would_wait_past_timeout_max_is_taken_back():
    # As threading's: the error, and the barrier whole, its arrival gone.
    for module in (threading, syncio.threading):
        b = module.Barrier(2)
        with pytest.raises(OverflowError):
            b.wait(float("inf"))
        assert (b.broken, b.n_waiting) == (False, 0)
        other = threading.Thread(target=b.wait)
        other.start()
        assert b.wait(5) in (0, 1)
        other.join()


def test_honoured_overrides_keep_a_mixin_s_or_an_intermediate_class_s_context_manager():
    # Found in review: the installed __aexit__/__aenter__/__exit__ shadowed
    # ones inherited from a user's own classes.
    def async_run(module):
        log = []

        class A(module.Lock):
            async def __aexit__(self, *exc):
                log.append("A.__aexit__")
                self.release()

        class B(A):
            def release(self):
                log.append("B.release")
                super().release()

        class Mixin:
            async def __aenter__(self):
                log.append("Mixin.__aenter__")
                await self.acquire()

        class C(Mixin, module.Lock):
            async def acquire(self):
                log.append("C.acquire")
                return await super().acquire()

        async def main():
            async with B():
                pass
            async with C():
                pass

        asyncio.run(main())
        return log

    expected = async_run(asyncio)
    assert expected == ["A.__aexit__", "B.release", "Mixin.__aenter__", "C.acquire"]
    assert async_run(sa) == expected

    def thread_run(module):
        log = []

        class A(module.Semaphore):
            def __exit__(self, *exc):
                log.append("A.__exit__")
                self.release()

        class B(A):
            def release(self, n=1):
                log.append("B.release")
                super().release(n)

        with B():
            pass
        return log

    assert thread_run(syncio.threading) == thread_run(threading) == ["A.__exit__", "B.release"]


def test_an_asyncio_condition_uses_its_lock_s_overridden_acquire():
    def run(module):
        log = []

        class L(module.Lock):
            async def acquire(self):
                log.append("acquire")
                return await super().acquire()

        cond = module.Condition(L())

        async def waiter():
            async with cond:
                await cond.wait()

        async def main():
            waiting = asyncio.create_task(waiter())
            await asyncio.sleep(0)
            async with cond:
                cond.notify()
            await waiting

        asyncio.run(main())
        return log

    expected = run(asyncio)
    assert expected == ["acquire"] * 3  # the waiter's, the notifier's, the re-acquire
    assert run(sa) == expected


def test_reprs_of_objects_a_subclass_did_not_set_up_do_not_raise():
    for cls in (sa.Lock, sa.Semaphore, sa.BoundedSemaphore, syncio.Lock, syncio.Barrier):

        class Skips(cls):
            def __init__(self):
                pass

        obj = Skips()
        assert "not set up" in repr(obj)
    class SkipsLock(sa.Lock):
        def __init__(self):
            pass

    assert "not set up" in repr(sa.Condition(SkipsLock()))


@pytest.mark.parametrize("name", ["Lock", "Semaphore", "BoundedSemaphore"])
def test_asyncio_acquire_is_a_coroutine_as_asyncio_s(name):
    # Found in review: acquire was a Rust awaitable. Frameworks that ask
    # inspect.iscoroutinefunction took it for a plain function, and a
    # forgotten `await` went unreported.
    import gc
    import inspect
    import warnings

    for module in (asyncio, sa):
        cls = getattr(module, name)
        assert inspect.iscoroutinefunction(cls.acquire), module
        obj = cls()
        coro = obj.acquire()
        assert inspect.iscoroutine(coro)
        coro.close()
        assert not obj.locked(), "an acquire never started takes nothing"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            obj.acquire()  # forgotten await
            gc.collect()
        assert any("was never awaited" in str(w.message) for w in caught), module

    async def main():
        obj = getattr(sa, name)()
        assert await obj.acquire() is True  # free: taken at once
        task = asyncio.create_task(obj.acquire())  # held: waits
        await asyncio.sleep(0)
        assert f"{name.replace('Bounded', '')}.acquire()" in repr(task)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        obj.release()
        assert not obj.locked(), "the cancelled waiter left nothing behind"

    asyncio.run(main())


def test_dual_async_acquire_is_a_coroutine_too():
    import inspect

    for cls in (syncio.Lock, syncio.Semaphore, syncio.BoundedSemaphore):
        assert inspect.iscoroutinefunction(cls.async_acquire)
        obj = cls()

        async def main():
            assert await obj.async_acquire() is True  # free: at once
            waiting = asyncio.create_task(obj.async_acquire())
            await asyncio.sleep(0)
            obj.release()  # handed to the waiting task
            assert await waiting is True
            obj.release()

        asyncio.run(main())
        assert obj.acquire(blocking=False)


def test_a_bounded_semaphore_of_zero_waits_as_python_s_instead_of_panicking():
    # Found in review: the core refuses a request above the bound at once,
    # and the binding took that for "closed" (a Rust panic reached Python).
    for module in (threading, syncio.threading):
        sem = module.BoundedSemaphore(0)
        assert sem.acquire(blocking=False) is False
        assert sem.acquire(timeout=0.05) is False

    async def main(module, acquire):
        sem = module.BoundedSemaphore(0)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(acquire(sem), 0.05)
        assert sem._value == 0

    asyncio.run(main(asyncio, lambda s: s.acquire()))
    asyncio.run(main(sa, lambda s: s.acquire()))
    asyncio.run(main(syncio, lambda s: s.async_acquire()))
