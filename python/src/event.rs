//! `Event`: threading's signatures over `syncio::Event`.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use crate::bridge::{block_thread, wait_timeout, Keeper, Outcome, Waiter};

/// An event usable from threads and asyncio tasks at once: threading's
/// `Event()` methods here; `syncio.Event` adds the asyncio ones.
#[pyclass(frozen, subclass, weakref, module = "syncio._syncio")]
pub(crate) struct Event {
    core: Arc<syncio::Event>,
    /// The asyncio futures its waiting tasks wait on (see `KeepAlive`).
    keep: Keeper,
}

#[pymethods]
impl Event {
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.keep.0.traverse(&visit)
    }

    fn __clear__(&self) {
        self.keep.0.clear();
    }

    /// Any arguments: they are `__init__`'s, which the Python classes define
    /// (so that a subclass's `__init__` may take its own).
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Event {
            core: Arc::new(syncio::Event::new()),
            keep: Keeper::default(),
        }
    }

    /// `True` if the flag is set.
    fn is_set(&self) -> bool {
        self.core.is_set()
    }

    /// Sets the flag and wakes every waiter.
    fn set(&self) {
        self.core.set();
    }

    /// Clears the flag. Waiters woken by an earlier `set` still return
    /// `True`.
    fn clear(&self) {
        self.core.clear();
    }

    /// threading's `wait(timeout=None)`: `True` once the flag is set (before
    /// or during the wait), `False` if the time-out expired first. Releases
    /// the GIL while waiting.
    #[pyo3(signature = (timeout=None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        if self.core.is_set() {
            return Ok(true);
        }
        // Converted only now, as threading's: a wait for a flag already up
        // takes any time-out.
        let until = wait_timeout(timeout)?;
        let core = self.core.clone();
        block_thread(
            py,
            until,
            || self.wait_future(),
            move |deadline| match deadline {
                None => {
                    core.wait_blocking();
                    true
                }
                Some(deadline) => core.wait_deadline(deadline),
            },
        )
    }

    /// Waiters (threads and tasks) queued for the flag right now.
    #[getter]
    fn _waiting(&self) -> usize {
        self.core.waiters()
    }

    /// A pending wait for the flag, for a task to await.
    fn _waiter(&self) -> Waiter {
        Waiter::new("Event.wait", Some(&self.keep.0), self.wait_future())
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let state = if slf.get().core.is_set() {
            "set"
        } else {
            "unset"
        };
        let name = crate::class_name(slf.as_any())?;
        Ok(format!("<{name} at {:#x}: {state}>", slf.as_ptr() as usize))
    }
}

impl Event {
    /// A `'static` wait for the flag.
    fn wait_future(&self) -> impl std::future::Future<Output = Outcome> + Send + 'static {
        let core = self.core.clone();
        async move {
            core.wait().await;
            Outcome::True
        }
    }
}
