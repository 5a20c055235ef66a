//! `NotifyQueue`: the notification queue behind syncio's Python Conditions,
//! over `syncio::Condition::notified`. The Python classes hold the lock (any
//! lock: an RLock, a `syncio.Lock`) and release it around the wait.

use std::sync::Arc;

use pyo3::prelude::*;

use crate::bridge::{Outcome, Waiter};

/// FIFO notifications for a Python-level Condition.
#[pyclass(frozen, module = "syncio._syncio")]
pub(crate) struct NotifyQueue {
    core: Arc<syncio::Condition>,
}

#[pymethods]
impl NotifyQueue {
    #[new]
    fn new() -> Self {
        NotifyQueue {
            core: Arc::new(syncio::Condition::new()),
        }
    }

    /// Queues a waiter now (call it while holding the lock, before releasing
    /// it) and returns it, to be waited on by a thread (`wait`) or a task
    /// (`await`). Dropping or cancelling it passes on a notification it had
    /// received.
    fn enter(&self) -> Waiter {
        let core = self.core.clone();
        let waiter = Waiter::new("Condition.wait", async move {
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
