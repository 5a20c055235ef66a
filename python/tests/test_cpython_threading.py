"""CPython's own threading tests (``test.lock_tests``), run against
``syncio.threading``'s drop-ins by subclassing them with our types, as
CPython's ``test_threading`` does with its own.

Skipped, each with its reason (the only ones):
- ``test_at_fork_reinit`` (Lock, Event): calls the private
  ``_at_fork_reinit()``, CPython's internal hook for resetting a lock in a
  forked child.
"""

import unittest

from test import lock_tests

import syncio.threading as st

PRIVATE = "reads CPython's private attributes"


class LockTests(lock_tests.LockTests):
    locktype = staticmethod(st.Lock)

    @unittest.skip(f"{PRIVATE}: _at_fork_reinit")
    def test_at_fork_reinit(self):
        pass


class EventTests(lock_tests.EventTests):
    eventtype = staticmethod(st.Event)

    @unittest.skip(f"{PRIVATE}: _at_fork_reinit")
    def test_at_fork_reinit(self):
        pass


class ConditionTests(lock_tests.ConditionTests):
    condtype = staticmethod(st.Condition)


class SemaphoreTests(lock_tests.SemaphoreTests):
    semtype = staticmethod(st.Semaphore)


class BoundedSemaphoreTests(lock_tests.BoundedSemaphoreTests):
    semtype = staticmethod(st.BoundedSemaphore)


class BarrierTests(lock_tests.BarrierTests):
    barriertype = staticmethod(st.Barrier)


if __name__ == "__main__":
    unittest.main()
