"""CPython's own asyncio tests (``test.test_asyncio.test_locks``), run
against ``syncio.asyncio``'s drop-ins by substituting our classes for
asyncio's while they run: the test module's ``asyncio`` global is replaced by
a copy of the real module whose Lock, Event, Condition, Semaphore,
BoundedSemaphore, Barrier and BrokenBarrierError are ours.

Every skipped test is listed in ``SKIPS`` with its reason; the only reasons
are that the test reads CPython's private attributes or that it needs the
primitive bound to a single loop.
"""

import asyncio
import types
import unittest

from test.test_asyncio import test_locks as _cpython

import syncio.asyncio as _ours

_proxy = types.ModuleType("asyncio")
_proxy.__dict__.update(asyncio.__dict__)
for _name in _ours.__all__:
    setattr(_proxy, _name, getattr(_ours, _name))
_cpython.asyncio = _proxy

PRIVATE = "reads CPython's private attributes"
ONE_LOOP = "needs the primitive bound to a single loop"

SKIPS = {
    "LockTests": {
        "test_acquire_cancel": f"{PRIVATE}: lock._waiters",
        "test_cancel_race": f"{PRIVATE}: lock._waiters",
        "test_finished_waiter_cancelled": f"{PRIVATE}: lock._waiters",
    },
    "EventTests": {
        "test_repr": f"{PRIVATE}: appends to ev._waiters",
        "test_wait_cancel": f"{PRIVATE}: ev._waiters",
        "test_clear_with_waiters": f"{PRIVATE}: ev._waiters",
    },
    "ConditionTests": {
        "test_repr": f"{PRIVATE}: appends to cond._waiters",
        "test_wait_cancel": f"{PRIVATE}: cond._waiters",
        "test_ambiguous_loops": f"{ONE_LOOP}; sets the private lock._loop and cond._loop",
    },
    "SemaphoreTests": {
        "test_repr": f"{PRIVATE}: appends to sem._waiters",
        "test_acquire": f"{PRIVATE}: sem._waiters",
        "test_acquire_cancel": f"{PRIVATE}: sem._waiters",
    },
    "BarrierTests": {
        "test_reset_barrier_when_tasks_half_draining": f"{PRIVATE}: barrier._count",
    },
}


def _with_skips(base):
    skips = SKIPS[base.__name__]
    namespace = {
        name: unittest.skip(reason)(lambda self: None) for name, reason in skips.items()
    }
    namespace["__module__"] = __name__
    namespace["__qualname__"] = base.__name__
    return type(base.__name__, (base,), namespace)


LockTests = _with_skips(_cpython.LockTests)
EventTests = _with_skips(_cpython.EventTests)
ConditionTests = _with_skips(_cpython.ConditionTests)
SemaphoreTests = _with_skips(_cpython.SemaphoreTests)
BarrierTests = _with_skips(_cpython.BarrierTests)


def tearDownModule():
    asyncio.set_event_loop_policy(None)


if __name__ == "__main__":
    unittest.main()
