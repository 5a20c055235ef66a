"""Exceptions shared by syncio's threading and asyncio drop-ins."""

import asyncio as _asyncio
import threading as _threading

__all__ = ["BrokenBarrierError"]


class BrokenBarrierError(_threading.BrokenBarrierError, _asyncio.BrokenBarrierError):
    """Raised by a Barrier wait when the barrier is broken, or breaks.

    A subclass of both ``threading.BrokenBarrierError`` and
    ``asyncio.BrokenBarrierError``, so code written against either catches it.
    """

    __module__ = "syncio"
