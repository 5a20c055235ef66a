"""Drop-ins for the ``threading`` module's synchronization primitives.

``Lock``, ``Event``, ``Semaphore``, ``BoundedSemaphore`` and ``Barrier`` are
syncio's own classes (the same objects can also be awaited by asyncio tasks);
``Condition`` defaults to a ``threading.RLock``, as threading's does.
Blocking waits release the GIL; on the main thread Ctrl-C interrupts them
(a ``Barrier.wait`` interrupted so takes its arrival back, as threading's
does).
"""

import threading as _threading

from . import _dual
from ._dual import Barrier, BoundedSemaphore, BrokenBarrierError, Event, Lock, Semaphore

__all__ = [
    "Lock",
    "Event",
    "Condition",
    "Semaphore",
    "BoundedSemaphore",
    "Barrier",
    "BrokenBarrierError",
]


class Condition(_dual.Condition):
    """``threading.Condition(lock=None)``: the lock defaults to a
    ``threading.RLock``, so it may be acquired again by its owner.
    Notifications are FIFO, and one received by a waiter that timed out at
    that moment passes to the next waiter instead of being lost."""

    __module__ = "syncio.threading"

    def __init__(self, lock=None):
        if lock is None:
            lock = _threading.RLock()
        super().__init__(lock)
