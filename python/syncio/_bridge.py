"""Awaiting a wait of the Rust core from an asyncio task.

``waiter.poll(loop)`` polls the Rust future; while it is pending, it returns
a future of the running loop, which the core resolves when it should be
polled again: directly when woken on the loop's own thread, as asyncio's primitives
do, or through ``loop.call_soon_threadsafe`` from anywhere else. If the task
is cancelled, ``waiter.cancel()`` drops the Rust future, which gives back
whatever it had been handed (a permit, the lock, a notification).
"""

from asyncio import Future as _Future
from asyncio import get_running_loop as _get_running_loop

__all__ = ["wait"]


async def wait(waiter):
    """Wait for ``waiter`` (a ``syncio._syncio.Waiter``) and return its
    result: ``True``, or a barrier's arrival index."""
    loop = _get_running_loop()
    result = waiter.poll(loop, True)
    while isinstance(result, _Future):
        try:
            await result
        except BaseException:
            waiter.cancel()
            raise
        result = waiter.poll(loop)
    return result
