//! `Lock`: threading's signatures over `syncio::Lock`.

use std::future::Future;
use std::sync::Arc;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::IntoPyObjectExt;
use pyo3::{PyTraverseError, PyVisit};
use syncio::Fairness;

use crate::bridge::{
    block_thread, lock_timeout, ready, AsyncioWaiters, ForkEpoch, Keeper, Outcome, Truthy, Until,
    Waiter,
};

/// A lock usable from threads and asyncio tasks at once: threading's
/// `Lock()` methods here; `syncio.Lock` adds the asyncio ones. Any thread may
/// release it, as with `threading.Lock`.
#[pyclass(frozen, subclass, weakref, module = "syncio._syncio")]
pub(crate) struct Lock {
    core: Arc<syncio::Lock>,
    asyncio_waiters: Arc<AsyncioWaiters>,
    /// `syncio.asyncio`'s flavour: asyncio's messages.
    asyncio: bool,
    /// The asyncio futures its waiting tasks wait on (see `KeepAlive`).
    keep: Keeper,
    fork: ForkEpoch,
}

fn acquire_future(lock: &Arc<syncio::Lock>) -> impl Future<Output = Outcome> + Send + 'static {
    let lock = lock.clone();
    async move {
        lock.acquire().await.forget();
        Outcome::True
    }
}

#[pymethods]
impl Lock {
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.keep.0.traverse(&visit)
    }

    fn __clear__(&self) {
        self.keep.0.clear();
    }

    /// `_asyncio=True` is `syncio.asyncio`'s flavour (asyncio's messages).
    #[new]
    #[pyo3(signature = (*, fair=true, _asyncio=false))]
    fn new(fair: bool, _asyncio: bool) -> Self {
        let fairness = if fair {
            Fairness::Fifo
        } else {
            Fairness::BARGING
        };
        let core = Arc::new(syncio::Lock::with_fairness(fairness));
        let lock = core.clone();
        Lock {
            core,
            asyncio_waiters: Arc::new(AsyncioWaiters::new(move || !lock.locked())),
            asyncio: _asyncio,
            keep: Keeper::default(),
            fork: ForkEpoch::new(),
        }
    }

    /// threading's `acquire(blocking=True, timeout=-1)`. Blocking waits
    /// release the GIL.
    #[pyo3(signature = (blocking=Truthy(true), timeout=-1.0))]
    fn acquire(&self, py: Python<'_>, blocking: Truthy, timeout: f64) -> PyResult<bool> {
        let until = lock_timeout(blocking.0, timeout)?;
        self.after_fork();
        if self.try_take() {
            return Ok(true);
        }
        self.acquire_slow(py, until)
    }

    /// `with lock:` acquires, waiting as long as it takes.
    fn __enter__(&self, py: Python<'_>) -> PyResult<bool> {
        self.after_fork();
        if self.try_take() {
            return Ok(true);
        }
        self.acquire_slow(py, Until::Forever)
    }

    /// Releases the lock `with lock:` took.
    #[pyo3(signature = (_exc_type=None, _exc=None, _tb=None))]
    fn __exit__(
        &self,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.release()
    }

    /// Releases the lock (from any thread); `RuntimeError` if it is not
    /// locked.
    fn release(&self) -> PyResult<()> {
        self.after_fork();
        self.core.release().map_err(|_| {
            PyRuntimeError::new_err(if self.asyncio {
                "Lock is not acquired."
            } else {
                "release unlocked lock"
            })
        })
    }

    /// `True` if the lock is held (or handed to a waiter that has not run
    /// yet).
    fn locked(&self) -> bool {
        self.core.locked()
    }

    /// asyncio's `acquire()` from a task on any loop: awaitable (a
    /// coroutine), giving `True` once the lock is taken. As in asyncio, a
    /// task handed the lock that has not run yet goes before a newcomer of
    /// its loop. Cancelling the task gives back the lock if it was handed.
    fn async_acquire(&self) -> Waiter {
        let core = self.core.clone();
        Waiter::new(
            "Lock.acquire",
            Some(&self.keep.0),
            self.asyncio_waiters
                .acquire_lazily(move || take(&core), acquire_future(&self.core)),
        )
    }

    /// `async with lock:` acquires, as `async_acquire`.
    fn __aenter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if self.asyncio_waiters.try_now(|| self.try_take()) {
            return ready(py);
        }
        let wait = self.asyncio_waiters.acquire(acquire_future(&self.core));
        Waiter::unit("Lock.__aenter__", &self.keep.0, wait).into_py_any(py)
    }

    /// Releases the lock `async with lock:` took.
    fn __aexit__(
        &self,
        py: Python<'_>,
        _exc_type: &Bound<'_, PyAny>,
        _exc: &Bound<'_, PyAny>,
        _tb: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        self.release()?;
        ready(py)
    }

    /// asyncio waiters (of every loop) queued or handed the permit but not
    /// resumed yet.
    #[getter]
    fn _asyncio_waiters(&self) -> usize {
        self.asyncio_waiters.total()
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let state = if slf.get().core.locked() {
            "locked"
        } else {
            "unlocked"
        };
        let name = crate::class_name(slf.as_any())?;
        Ok(format!(
            "<{state} {name} object at {:#x}>",
            slf.as_ptr() as usize
        ))
    }
}

/// Acquires `lock` if it is free and nobody is queued; it stays locked.
fn take(lock: &syncio::Lock) -> bool {
    match lock.try_acquire() {
        Some(guard) => {
            guard.forget();
            true
        }
        None => false,
    }
}

impl Lock {
    /// See [`ForkEpoch`].
    #[inline]
    fn after_fork(&self) {
        self.fork.check(|| self.core.forget_waiters());
    }

    #[inline]
    fn try_take(&self) -> bool {
        take(&self.core)
    }

    fn acquire_slow(&self, py: Python<'_>, until: Until) -> PyResult<bool> {
        let lock = self.core.clone();
        block_thread(
            py,
            until,
            || acquire_future(&self.core),
            move |deadline| {
                let guard = match deadline {
                    None => Some(lock.acquire_blocking()),
                    Some(deadline) => lock.acquire_deadline(deadline),
                };
                guard.map(syncio::LockGuard::forget).is_some()
            },
        )
    }
}
