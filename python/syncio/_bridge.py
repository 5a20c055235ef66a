"""Awaiting a wait of the Rust core from an asyncio task.

``waiter.poll(loop, fut)`` polls the Rust future; while it is pending, the
core resolves ``fut`` (a future of the running loop) when it should be polled
again: directly when woken on the loop's own thread, as asyncio's primitives
do, or through ``loop.call_soon_threadsafe`` from anywhere else. If the task
is cancelled, ``waiter.cancel()`` drops the Rust future, which gives back
whatever it had been handed (a permit, the lock, a notification).
"""

from asyncio import get_running_loop as _get_running_loop

__all__ = ["wait"]


async def wait(waiter):
    """Wait for ``waiter`` (a ``syncio._syncio.Waiter``) and return its result."""
    loop = _get_running_loop()
    while True:
        fut = loop.create_future()
        result = waiter.poll(loop, fut)
        if result is not None:
            return result
        try:
            await fut
        except BaseException:
            waiter.cancel()
            raise
