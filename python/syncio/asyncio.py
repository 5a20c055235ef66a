"""Drop-ins for the ``asyncio`` module's synchronization primitives.

Same methods, results, exceptions, wake-up order and timing as asyncio's
(a waiter woken from its own loop's thread is resumed exactly as asyncio would
resume it), but thread-safe and bound to no event loop: one object can be
awaited by tasks of several loops in several threads, and released from any
of them or from a plain thread.
"""

import sys as _sys

from . import _syncio
from ._dual import _acquire_coroutine, _async_wait, _async_wait_for, _honour_overrides, _notify
from ._errors import BrokenBarrierError

__all__ = [
    "Lock",
    "Event",
    "Condition",
    "Semaphore",
    "BoundedSemaphore",
    "Barrier",
    "BrokenBarrierError",
]

_marker = object()


def _no_loop(cls, loop):
    # asyncio's classes lost their *loop* parameter in 3.10; say so as they do.
    if loop is not _marker:
        raise TypeError(f"{cls.__name__}.__init__() got an unexpected keyword argument 'loop'")


def _no_with(self):
    # asyncio's locks refuse a plain `with` (since 3.10): where `async with`
    # was meant, it would block the loop's thread while the lock is held,
    # and the holder could never run to release it.
    raise TypeError(f"{type(self).__name__!r} object does not support the context manager protocol")


def _object_repr(obj, state):
    # asyncio's shape: state() gives the bracketed description and the
    # number of waiters, shown when there are some. An object whose
    # subclass skipped __init__ (its methods raise RuntimeError) says so.
    cls = type(obj)
    try:
        extra, waiters = state()
    except RuntimeError:
        extra, waiters = "not set up", 0
    if waiters:
        extra = f"{extra}, waiters:{waiters}"
    return f"<{cls.__module__}.{cls.__qualname__} object at {id(obj):#x} [{extra}]>"


class Lock(_syncio.Lock):
    """``asyncio.Lock()``: ``await acquire()``, ``release()``, ``locked()``,
    ``async with``. FIFO; a waiter that was handed the lock but has not run
    yet holds it (``locked()`` is true)."""

    __slots__ = ()
    __enter__ = _no_with

    acquire = _acquire_coroutine(
        _syncio.Lock.async_acquire,
        "Lock.acquire",
        """Acquire the lock, waiting (FIFO) while it is held; returns
        ``True``. A cancelled wait passes on a lock it was handed.""",
    )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _honour_overrides(cls, Lock, "acquire", threads=False)

    def __init__(self, *, loop=_marker):
        _no_loop(type(self), loop)
        self._setup(asyncio=True)

    def __repr__(self):
        return _object_repr(
            self, lambda: ("locked" if self.locked() else "unlocked", self._asyncio_waiters)
        )


class Event(_syncio.Event):
    """``asyncio.Event()``: ``await wait()``, ``set()``, ``clear()``,
    ``is_set()``. ``set()`` may be called from any thread."""

    __slots__ = ()

    def __init__(self, *, loop=_marker):
        _no_loop(type(self), loop)

    async def wait(self):
        """Wait until the flag is set; returns ``True``."""
        if self.is_set():
            return True
        return await self._waiter()

    def __repr__(self):
        return _object_repr(self, lambda: ("set" if self.is_set() else "unset", self._waiting))


class Semaphore(_syncio.Semaphore):
    """``asyncio.Semaphore(value=1)``: ``await acquire()``, ``release()``,
    ``locked()``, ``async with``. FIFO; ``locked()`` is also true while a
    task of this loop handed a permit has not run yet."""

    __slots__ = ()
    __enter__ = _no_with

    acquire = _acquire_coroutine(
        _syncio.Semaphore.async_acquire,
        "Semaphore.acquire",
        """Take a permit, waiting (FIFO) while there is none; returns
        ``True``. A cancelled wait passes on a permit it was handed.""",
    )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _honour_overrides(cls, Semaphore, "acquire", threads=False)

    def __init__(self, value=1, *, loop=_marker):
        _no_loop(type(self), loop)
        if value < 0:
            raise ValueError("Semaphore initial value must be >= 0")
        self._setup(value, asyncio=True)

    def __repr__(self):
        def state():
            extra = "locked" if self.locked() else f"unlocked, value:{self._value}"
            return extra, self._asyncio_waiters

        return _object_repr(self, state)


class BoundedSemaphore(Semaphore):
    """``asyncio.BoundedSemaphore(value=1)``: ``release()`` above the initial
    value raises ``ValueError``."""

    __slots__ = ()

    def __init__(self, value=1, *, loop=_marker):
        _no_loop(type(self), loop)
        if value < 0:
            raise ValueError("Semaphore initial value must be >= 0")
        self._setup(value, bounded=True, asyncio=True)


class Condition:
    """``asyncio.Condition(lock=None)``: ``await wait()``,
    ``await wait_for(predicate)``, ``notify(n=1)``, ``notify_all()``,
    ``async with``. The lock defaults to a new ``syncio.asyncio.Lock``.
    Notifications are FIFO; one received by a task cancelled before it could
    return passes to the next waiter."""

    def __init__(self, lock=None, *, loop=_marker):
        _no_loop(type(self), loop)
        if lock is None:
            lock = Lock()
        self._lock = lock
        self._queue = _syncio.NotifyQueue()
        self.locked = lock.locked
        # A syncio.Lock (threads and tasks) has the coroutine under this
        # name; this module's Lock has it as acquire (perhaps overridden).
        if isinstance(lock, Lock):
            self.acquire = lock.acquire
        else:
            self.acquire = getattr(lock, "async_acquire", lock.acquire)
        self.release = lock.release

    async def __aenter__(self):
        await self.acquire()

    async def __aexit__(self, exc_type, exc, tb):
        self.release()

    def __repr__(self):
        return _object_repr(
            self, lambda: ("locked" if self.locked() else "unlocked", self._queue.waiters)
        )

    async def wait(self):
        """Release the lock, wait for a notification, re-acquire the lock
        (even if cancelled meanwhile); returns ``True``."""
        return await _async_wait(self.locked(), self._queue, self.release, self.acquire)

    async def wait_for(self, predicate):
        """Wait until ``predicate()`` is true; returns its last value."""
        return await _async_wait_for(self.wait, predicate)

    def notify(self, n=1):
        """Wake up to ``n`` waiters, longest waiting first; the lock must be
        held."""
        _notify(self.locked(), self._queue, n)

    def notify_all(self):
        """Wake every waiter; the lock must be held."""
        self.notify(_sys.maxsize)


_FILLING, _DRAINING, _RESETTING, _BROKEN = "filling", "draining", "resetting", "broken"


class Barrier:
    """``asyncio.Barrier(parties)``: ``await wait()``, ``await reset()``,
    ``await abort()``, ``parties``, ``n_waiting``, ``broken``,
    ``async with barrier as index``.

    asyncio's barrier has two states that last as long as tasks take to run:
    *draining* (released tasks still leaving ``wait()``; newcomers wait for
    the next cycle) and *resetting* (waiters of a reset cycle still leaving).
    To keep them, this one is a state machine guarded by a
    ``syncio.asyncio.Condition``, which makes it thread-safe and loop-free
    like the rest. (``syncio.Barrier``, for threads and tasks at once, is
    built on the Rust core instead.)
    """

    def __init__(self, parties, *, loop=_marker):
        _no_loop(type(self), loop)
        if parties < 1:
            raise ValueError("parties must be > 0")
        self._parties = parties
        self._cond = Condition()
        self._phase = _FILLING
        self._inside = 0  # tasks between their arrival and their return

    async def wait(self):
        """Wait for all parties; returns this task's arrival index, or raises
        ``BrokenBarrierError``."""
        async with self._cond:
            # Arrivals during draining or resetting wait for the next cycle.
            await self._cond.wait_for(lambda: self._phase in (_FILLING, _BROKEN))
            if self._phase == _BROKEN:
                raise BrokenBarrierError("Barrier aborted")
            index = self._inside
            self._inside += 1
            try:
                if index + 1 == self._parties:
                    self._phase = _DRAINING
                    self._cond.notify_all()
                else:
                    await self._cond.wait_for(lambda: self._phase != _FILLING)
                    if self._phase in (_BROKEN, _RESETTING):
                        raise BrokenBarrierError("Abort or reset of barrier")
                return index
            finally:
                self._inside -= 1
                if self._inside == 0 and self._phase in (_DRAINING, _RESETTING):
                    # The last one out opens the next cycle.
                    self._phase = _FILLING
                    self._cond.notify_all()

    async def reset(self):
        """Return to the empty state; current waiters get
        ``BrokenBarrierError``."""
        async with self._cond:
            self._phase = _RESETTING if self._inside > 0 else _FILLING
            self._cond.notify_all()

    async def abort(self):
        """Break the barrier: current and later waiters get
        ``BrokenBarrierError`` until ``reset()``."""
        async with self._cond:
            self._phase = _BROKEN
            self._cond.notify_all()

    @property
    def parties(self):
        """The number of tasks needed to pass."""
        return self._parties

    @property
    def n_waiting(self):
        """The number of tasks waiting in the filling cycle."""
        return self._inside if self._phase == _FILLING else 0

    @property
    def broken(self):
        """``True`` if the barrier is broken."""
        return self._phase == _BROKEN

    async def __aenter__(self):
        return await self.wait()

    async def __aexit__(self, exc_type, exc, tb):
        pass

    def __repr__(self):
        extra = self._phase
        if self._phase != _BROKEN:
            extra = f"{extra}, waiters:{self.n_waiting}/{self._parties}"
        return _object_repr(self, lambda: (extra, 0))
