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

import os as _os

from . import _syncio, asyncio, threading
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

# In a child process forked while other threads waited on a lock or a
# semaphore, those threads do not exist: each object forgets its waiters on
# its first use there, instead of handing them its permits for good.
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_syncio._after_fork_in_child)
