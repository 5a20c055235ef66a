"""syncio's own classes: one object for threads and asyncio tasks at once.

Each is a drop-in for the ``threading`` class of its name (``acquire``,
``wait``, ``with``: blocking calls that release the GIL), and is also awaitable
from asyncio tasks on any event loop, in any thread (``async with``,
``async_acquire()``, ``async_wait()``). A thread and a coroutine can wait on
the same object; neither ``threading`` nor ``asyncio`` can do that.
"""

import sys as _sys
from time import monotonic as _monotonic
from asyncio import CancelledError as _CancelledError

from . import _syncio
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


def _acquire_coroutine(wait, qualname, doc):
    """An acquire as a coroutine, as asyncio's: its first step takes a free
    lock or permit at once (``_try_now``: not ahead of a task of this loop
    handed one that has not resumed), else it awaits ``wait(self)``, the
    Rust wait object."""

    async def acquire(self):
        if self._try_now():
            return True
        return await wait(self)

    acquire.__name__ = qualname.rsplit(".", 1)[1]
    acquire.__qualname__ = qualname
    acquire.__doc__ = doc
    return acquire


def _honour_overrides(cls, base, acquire, threads):
    """Make a subclass's own ``release`` (and its coroutine named *acquire*)
    the ones ``async with`` calls, and ``release`` the one ``with`` calls if
    *threads*: as in asyncio's classes (whose ``async with`` calls
    ``acquire()`` and ``release()``) and threading's (whose ``with`` calls
    ``release()``). The built-in context managers go straight to the core;
    a class that overrides nothing keeps them, and one that inherits or
    defines its own context manager (a mixin's, an intermediate class's)
    keeps that."""

    def builtin(name):
        return getattr(cls, name) is getattr(base, name)

    if not builtin("release"):
        if threads and builtin("__exit__"):

            def __exit__(self, exc_type, exc, tb):
                self.release()

            cls.__exit__ = __exit__
        if builtin("__aexit__"):

            async def __aexit__(self, exc_type, exc, tb):
                self.release()

            cls.__aexit__ = __aexit__
    if not builtin(acquire) and builtin("__aenter__"):

        async def __aenter__(self):
            await getattr(self, acquire)()

        cls.__aenter__ = __aenter__


class Lock(_syncio.Lock):
    """A lock for threads and tasks at once; FIFO unless ``fair=False``.

    Threads: ``acquire(blocking=True, timeout=-1)``, ``release()``,
    ``locked()``, ``with lock:``, as ``threading.Lock``. Tasks:
    ``await lock.async_acquire()``, ``async with lock:``. Any thread or task
    may release it.
    """

    __module__ = "syncio"
    __slots__ = ()

    def __init__(self, *, fair=True):
        self._setup(fair=fair)

    async_acquire = _acquire_coroutine(
        _syncio.Lock.async_acquire,
        "Lock.async_acquire",
        """Acquire the lock from a coroutine, on any loop; returns ``True``.
        A task handed the lock that has not run yet goes before a newcomer
        of its loop, as in asyncio; cancelling the task gives back the lock
        if it was handed.""",
    )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _honour_overrides(cls, Lock, "async_acquire", threads=True)


class Semaphore(_syncio.Semaphore):
    """A semaphore for threads and tasks at once; FIFO unless ``fair=False``.

    Threads: ``acquire(blocking=True, timeout=None)``, ``release(n=1)``,
    ``with sem:``, as ``threading.Semaphore``. Tasks:
    ``await sem.async_acquire()``, ``async with sem:``. ``locked()`` as
    asyncio's.
    """

    __module__ = "syncio"
    __slots__ = ()

    def __init__(self, value=1, *, fair=True):
        self._setup(value, fair=fair)

    async_acquire = _acquire_coroutine(
        _syncio.Semaphore.async_acquire,
        "Semaphore.async_acquire",
        """Take a permit from a coroutine, on any loop; returns ``True``. A
        task handed a permit that has not run yet goes before a newcomer of
        its loop, as in asyncio; cancelling the task gives back a permit it
        was handed.""",
    )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _honour_overrides(cls, Semaphore, "async_acquire", threads=True)


class BoundedSemaphore(Semaphore):
    """A Semaphore whose ``release`` refuses to go above the initial value
    (``ValueError``), as ``threading.BoundedSemaphore``."""

    __module__ = "syncio"
    __slots__ = ()

    def __init__(self, value=1, *, fair=True):
        self._setup(value, fair=fair, bounded=True)


class Event(_syncio.Event):
    """An event for threads and tasks at once.

    Threads: ``wait(timeout=None)``, ``set()``, ``clear()``, ``is_set()``, as
    ``threading.Event``. Tasks: ``await event.async_wait()``.
    """

    __module__ = "syncio"
    __slots__ = ()

    def __init__(self):
        pass

    def isSet(self):
        """Deprecated alias of ``is_set()``, as threading's."""
        import warnings

        warnings.warn(
            "isSet() is deprecated, use is_set() instead", DeprecationWarning, stacklevel=2
        )
        return self.is_set()

    async def async_wait(self):
        """Wait from a coroutine until the flag is set; returns ``True``."""
        if self.is_set():
            return True
        return await self._waiter()


class Barrier(_syncio.Barrier):
    """A barrier for threads and tasks at once.

    Threads: ``wait(timeout=None)``, ``reset()``, ``abort()``, ``parties``,
    ``n_waiting``, ``broken``, as ``threading.Barrier(parties, action=None,
    timeout=None)``. Tasks: ``await barrier.async_wait()``,
    ``async with barrier as index:``. The action runs in the last arrival,
    thread or task; if it raises, the barrier breaks and that caller gets the
    exception.
    """

    __module__ = "syncio"
    __slots__ = ()

    def __init__(self, parties, action=None, timeout=None):
        self._setup(parties, action, timeout)

    async def async_wait(self):
        """Wait from a coroutine; returns this caller's arrival index, or
        raises ``BrokenBarrierError``."""
        return await self._waiter()

    async def __aenter__(self):
        return await self._waiter()

    async def __aexit__(self, exc_type, exc, tb):
        pass


class Condition:
    """A condition variable for threads and tasks at once.

    The lock defaults to a new ``syncio.Lock`` (usable from both sides). Any
    lock works for threads (``wait(timeout=None)``, ``wait_for``,
    ``notify(n=1)``, ``notify_all()``, ``with cond:``, as
    ``threading.Condition``); tasks (``await cond.async_wait()``,
    ``async_wait_for``, ``async with cond:``) need a ``syncio.Lock``.

    Notifications go to the longest waiting first, whichever side waits. A
    waiter joins the queue before it releases the lock, so no notification is
    missed; one it received but could not use (a time-out racing it, a
    cancelled task, Ctrl-C) passes to the next waiter.
    """

    __module__ = "syncio"

    def __init__(self, lock=None):
        if lock is None:
            lock = Lock()
        self._lock = lock
        self._queue = _syncio.NotifyQueue()
        self.acquire = lock.acquire
        self.release = lock.release
        # The extended lock protocol, as threading.Condition uses it (RLock).
        for name in ("_release_save", "_acquire_restore", "_is_owned"):
            method = getattr(lock, name, None)
            if method is not None:
                setattr(self, name, method)

    def __enter__(self):
        return self._lock.__enter__()

    def __exit__(self, *args):
        return self._lock.__exit__(*args)

    async def __aenter__(self):
        await self._lock.__aenter__()

    async def __aexit__(self, exc_type, exc, tb):
        self._lock.release()

    def __repr__(self):
        return f"<Condition({self._lock!r}, {self._queue.waiters})>"

    def _release_save(self):
        self._lock.release()

    def _acquire_restore(self, state):
        self._lock.acquire()

    def _is_owned(self):
        locked = getattr(self._lock, "locked", None)
        if locked is not None:
            return locked()
        if self._lock.acquire(False):
            self._lock.release()
            return False
        return True

    def wait(self, timeout=None):
        """Release the lock, wait for a notification or for ``timeout``
        seconds, re-acquire the lock. ``True`` unless the time-out expired."""
        if not self._is_owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        waiter = self._queue.enter()
        saved = self._release_save()
        try:
            return waiter.wait(timeout)
        except BaseException:
            # A refused time-out raises before the wait starts, leaving the
            # waiter queued; the traceback keeps it alive, and a queued waiter
            # nobody waits on would swallow a notification.
            waiter.close()
            raise
        finally:
            self._acquire_restore(saved)

    def wait_for(self, predicate, timeout=None):
        """Wait until ``predicate()`` is true, or for ``timeout`` seconds in
        all; returns the predicate's last value."""
        endtime = None
        waittime = timeout
        result = predicate()
        while not result:
            if waittime is not None:
                if endtime is None:
                    if waittime != waittime:
                        # threading's wait_for would loop forever on a NaN.
                        raise ValueError("Invalid value NaN (not a number)")
                    endtime = _monotonic() + waittime
                else:
                    waittime = endtime - _monotonic()
                    if waittime <= 0:
                        break
            self.wait(waittime)
            result = predicate()
        return result

    async def async_wait(self):
        """As ``wait()``, from a coroutine: returns ``True``. The lock is
        re-acquired even if the task is cancelled."""
        return await _async_wait(
            self._is_owned(), self._queue, self._lock.release, self._lock.async_acquire
        )

    async def async_wait_for(self, predicate):
        """As ``wait_for()``, from a coroutine."""
        return await _async_wait_for(self.async_wait, predicate)

    def notify(self, n=1):
        """Wake up to ``n`` waiters, longest waiting first. The lock must be
        held."""
        _notify(self._is_owned(), self._queue, n)

    def notify_all(self):
        """Wake every waiter. The lock must be held."""
        self.notify(_sys.maxsize)

    def notifyAll(self):
        """Deprecated alias of ``notify_all()``, as threading's."""
        import warnings

        warnings.warn(
            "notifyAll() is deprecated, use notify_all() instead",
            DeprecationWarning,
            stacklevel=2,
        )
        self.notify_all()


def _notify(owned, queue, n):
    """A Condition's ``notify(n)``, with the lock held (``owned``)."""
    if not owned:
        raise RuntimeError("cannot notify on un-acquired lock")
    if n > _sys.maxsize:
        n = _sys.maxsize
    if n > 0:
        queue.notify(n)


async def _async_wait(owned, queue, release, acquire):
    """A Condition's wait from a coroutine: join ``queue`` while holding the
    lock (``owned``), ``release()`` it, wait, then ``await acquire()`` it
    again even through cancellations, re-raising the cancellation afterwards
    (asyncio's rule)."""
    if not owned:
        raise RuntimeError("cannot wait on un-acquired lock")
    waiter = queue.enter()
    release()
    try:
        return await waiter
    finally:
        await _reacquire(acquire)


async def _async_wait_for(wait, predicate):
    """A Condition's ``wait_for`` from a coroutine: ``await wait()`` until
    ``predicate()`` is true; returns its last value."""
    result = predicate()
    while not result:
        await wait()
        result = predicate()
    return result


async def _reacquire(acquire):
    cancelled = False
    while True:
        try:
            await acquire()
            break
        except _CancelledError:
            cancelled = True
    if cancelled:
        raise _CancelledError
