//! `NotifyQueue`: the notification queue behind syncio's Python Conditions,
//! over `syncio::Condition::notified`. The Python classes hold the lock (any
//! lock: an RLock, a `syncio.Lock`) and release it around the wait.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::{PyTraverseError, PyVisit};

use crate::bridge::{Keeper, Outcome, Waiter};

/// FIFO notifications for a Python-level Condition.
#[pyclass(frozen, module = "syncio._syncio")]
pub(crate) struct NotifyQueue {
    core: Arc<syncio::Condition>,
    /// The asyncio futures its waiting tasks wait on (see `KeepAlive`).
    keep: Keeper,
}

#[pymethods]
impl NotifyQueue {
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.keep.0.traverse(&visit)
    }

    fn __clear__(&self) {
        self.keep.0.clear();
    }

    #[new]
    fn new() -> Self {
        NotifyQueue {
            core: Arc::new(syncio::Condition::new()),
            keep: Keeper::default(),
        }
    }

    /// Queues a waiter now (call it while holding the lock, before releasing
    /// it) and returns it, to be waited on by a thread (`wait`) or a task
    /// (`await`). Dropping or cancelling it passes on a notification it had
    /// received.
    fn enter(&self) -> Waiter {
        let core = self.core.clone();
        let waiter = Waiter::new("Condition.wait", Some(&self.keep.0), async move {
            core.notified().await;
            Outcome::True
        });
        waiter.enable();
        waiter
    }

    /// Wakes up to `n` of the longest-waiting waiters; returns how many.
    fn notify(&self, n: usize) -> usize {
        self.core.notify(n)
    }

    /// Wakes every waiter; returns how many.
    fn notify_all(&self) -> usize {
        self.core.notify_all()
    }

    /// Waiters queued right now.
    #[getter]
    fn waiters(&self) -> usize {
        self.core.waiters()
    }
}
