"""syncio: asyncio and threading synchronization primitives from one Rust
core, thread-safe and bound to no event loop.

- ``syncio.Lock``, ``Event``, ``Condition``, ``Semaphore``,
  ``BoundedSemaphore``, ``Barrier``: one object for threads (``with``,
  ``acquire()``, ``wait()``, as ``threading``) and asyncio tasks on any loop
  (``async with``, ``async_acquire()``, ``async_wait()``) at the same time.
- ``syncio.threading``: drop-ins for ``threading``'s classes.
- ``syncio.asyncio``: drop-ins for ``asyncio``'s classes, usable from several
  loops and threads.

Waits are FIFO and cancellation-safe: a cancelled task or a timed-out thread
loses no permit and no notification.
"""

from . import asyncio, threading
from ._dual import (
    Barrier,
    BoundedSemaphore,
    BrokenBarrierError,
    Condition,
    Event,
    Lock,
    Semaphore,
)

__all__ = [
    "Lock",
    "Event",
    "Condition",
    "Semaphore",
    "BoundedSemaphore",
    "Barrier",
    "BrokenBarrierError",
    "asyncio",
    "threading",
]
