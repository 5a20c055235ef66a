//! `Lock`: threading's signatures over `syncio::Lock`.

use std::future::Future;
use std::sync::Arc;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use syncio::Fairness;

use crate::bridge::{block_thread, lock_timeout, AsyncioWaiters, Outcome, Truthy, Until, Waiter};

/// A lock usable from threads and asyncio tasks at once: threading's
/// `Lock()` methods here; `syncio.Lock` adds the asyncio ones. Any thread may
/// release it, as with `threading.Lock`.
#[pyclass(frozen, subclass, weakref, module = "syncio._syncio")]
pub(crate) struct Lock {
    core: Arc<syncio::Lock>,
    asyncio_waiters: Arc<AsyncioWaiters>,
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
    #[new]
    #[pyo3(signature = (*, fair=true))]
    fn new(fair: bool) -> Self {
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
        }
    }

    /// threading's `acquire(blocking=True, timeout=-1)`. Blocking waits
    /// release the GIL.
    #[pyo3(signature = (blocking=Truthy(true), timeout=-1.0))]
    fn acquire(&self, py: Python<'_>, blocking: Truthy, timeout: f64) -> PyResult<bool> {
        let until = lock_timeout(blocking.0, timeout)?;
        if self.try_take() {
            return Ok(true);
        }
        self.acquire_slow(py, until)
    }

    /// `with lock:` acquires, waiting as long as it takes.
    fn __enter__(&self, py: Python<'_>) -> PyResult<bool> {
        if self.try_take() {
            return Ok(true);
        }
        self.acquire_slow(py, Until::Forever)
    }

    /// Releases the lock `with lock:` took.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<()> {
        self.release()
    }

    /// Releases the lock (from any thread); `RuntimeError` if it is not
    /// locked.
    fn release(&self) -> PyResult<()> {
        self.core
            .release()
            .map_err(|_| PyRuntimeError::new_err("release unlocked lock"))
    }

    /// Releases the lock; `False` (and nothing changes) if it was not locked.
    fn _release(&self) -> bool {
        self.core.release().is_ok()
    }

    /// `True` if the lock is held (or handed to a waiter that has not run
    /// yet).
    fn locked(&self) -> bool {
        self.core.locked()
    }

    /// Acquires if free and nobody is queued (asyncio's fast path).
    fn _try_acquire(&self) -> bool {
        self.try_take()
    }

    /// A pending acquire, for the asyncio side to poll.
    fn _acquire_waiter(&self) -> Waiter {
        self.asyncio_waiters.acquire(acquire_future(&self.core))
    }

    /// asyncio's fast path: acquires only if free, nobody is queued, and no
    /// asyncio waiter is still to resume (one handed the permit but not run
    /// yet goes first, as in asyncio, where it stays in `_waiters` until it
    /// runs).
    fn _asyncio_try_acquire(&self) -> bool {
        self.asyncio_waiters.count_here() == 0 && self.try_take()
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

impl Lock {
    #[inline]
    fn try_take(&self) -> bool {
        match self.core.try_acquire() {
            Some(guard) => {
                guard.forget();
                true
            }
            None => false,
        }
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
