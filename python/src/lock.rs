//! `Lock`: threading's signatures over `syncio::Lock`.

use std::future::Future;
use std::sync::Arc;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3::IntoPyObjectExt;
use pyo3::{PyTraverseError, PyVisit};
use syncio::Fairness;

use crate::bridge::{
    block_thread, lock_timeout, ready, AsyncioWaiters, ForkEpoch, Keeper, Outcome, Setup, Truthy,
    Until, Waiter,
};

/// A lock usable from threads and asyncio tasks at once: threading's
/// `Lock()` methods here; `syncio.Lock` adds the asyncio ones. Any thread may
/// release it, as with `threading.Lock`. Configured by `_setup`, which the
/// Python classes' `__init__` calls (see [`Setup`]).
#[pyclass(frozen, subclass, weakref, module = "syncio._syncio")]
pub(crate) struct Lock {
    setup: Setup<Config>,
    /// The asyncio futures its waiting tasks wait on (see `KeepAlive`).
    keep: Keeper,
    fork: ForkEpoch,
}

/// What `_setup` decides.
struct Config {
    core: Arc<syncio::Lock>,
    asyncio_waiters: Arc<AsyncioWaiters>,
    /// `syncio.asyncio`'s flavour: asyncio's messages.
    asyncio: bool,
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

    /// Any arguments: they are `__init__`'s (see [`Setup`]).
    #[new]
    #[pyo3(signature = (*_args, **_kwargs))]
    fn new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> Self {
        Lock {
            setup: Setup::new(),
            keep: Keeper::default(),
            fork: ForkEpoch::new(),
        }
    }

    /// Sets the lock up, once. `asyncio=True` is `syncio.asyncio`'s
    /// flavour (asyncio's messages).
    #[pyo3(signature = (*, fair=true, asyncio=false))]
    fn _setup(&self, fair: bool, asyncio: bool) -> PyResult<()> {
        let fairness = if fair {
            Fairness::Fifo
        } else {
            Fairness::BARGING
        };
        let core = Arc::new(syncio::Lock::with_fairness(fairness));
        let lock = core.clone();
        self.setup.set(
            "Lock",
            Config {
                core,
                asyncio_waiters: Arc::new(AsyncioWaiters::new(move || !lock.locked())),
                asyncio,
            },
        )
    }

    /// threading's `acquire(blocking=True, timeout=-1)`. Blocking waits
    /// release the GIL.
    #[pyo3(signature = (blocking=Truthy(true), timeout=-1.0))]
    fn acquire(&self, py: Python<'_>, blocking: Truthy, timeout: f64) -> PyResult<bool> {
        let until = lock_timeout(blocking.0, timeout)?;
        let config = self.config()?;
        self.after_fork(config);
        if take(&config.core) {
            return Ok(true);
        }
        acquire_slow(config, py, until)
    }

    /// `with lock:` acquires, waiting as long as it takes.
    fn __enter__(&self, py: Python<'_>) -> PyResult<bool> {
        let config = self.config()?;
        self.after_fork(config);
        if take(&config.core) {
            return Ok(true);
        }
        acquire_slow(config, py, Until::Forever)
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
        let config = self.config()?;
        self.after_fork(config);
        config.core.release().map_err(|_| {
            PyRuntimeError::new_err(if config.asyncio {
                "Lock is not acquired."
            } else {
                "release unlocked lock"
            })
        })
    }

    /// `True` if the lock is held (or handed to a waiter that has not run
    /// yet).
    fn locked(&self) -> PyResult<bool> {
        Ok(self.config()?.core.locked())
    }

    /// asyncio's `acquire()` from a task on any loop: the wait object (it
    /// follows the coroutine protocol) behind the Python classes'
    /// coroutines, which try `_try_now` first. It gives `True` once the
    /// lock is taken. As in asyncio, a
    /// task handed the lock that has not run yet goes before a newcomer of
    /// its loop. Cancelling the task gives back the lock if it was handed.
    fn async_acquire(&self) -> PyResult<Waiter> {
        let config = self.config()?;
        let core = config.core.clone();
        Ok(Waiter::new(
            "Lock.acquire",
            Some(&self.keep.0),
            config
                .asyncio_waiters
                .acquire_lazily(move || take(&core), acquire_future(&config.core)),
        ))
    }

    /// An asyncio acquire's first step, for `syncio.asyncio.Lock.acquire`:
    /// `True` if the lock was taken now (as `async with` takes it: not
    /// ahead of a task of this loop handed it that has not run yet).
    fn _try_now(&self) -> PyResult<bool> {
        let config = self.config()?;
        Ok(config.asyncio_waiters.try_now(|| take(&config.core)))
    }

    /// `async with lock:` acquires, as `async_acquire`.
    fn __aenter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let config = self.config()?;
        if config.asyncio_waiters.try_now(|| take(&config.core)) {
            return ready(py);
        }
        let wait = config.asyncio_waiters.acquire(acquire_future(&config.core));
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
    fn _asyncio_waiters(&self) -> PyResult<usize> {
        Ok(self.config()?.asyncio_waiters.total())
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let state = match slf.get().setup.try_get() {
            None => "not set up",
            Some(config) if config.core.locked() => "locked",
            Some(_) => "unlocked",
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
    #[inline]
    fn config(&self) -> PyResult<&Config> {
        self.setup.get("Lock")
    }

    /// See [`ForkEpoch`].
    #[inline]
    fn after_fork(&self, config: &Config) {
        self.fork.check(|| config.core.forget_waiters());
    }
}

fn acquire_slow(config: &Config, py: Python<'_>, until: Until) -> PyResult<bool> {
    let lock = config.core.clone();
    block_thread(
        py,
        until,
        || acquire_future(&config.core),
        move |deadline| {
            let guard = match deadline {
                None => Some(lock.acquire_blocking()),
                Some(deadline) => lock.acquire_deadline(deadline),
            };
            guard.map(syncio::LockGuard::forget).is_some()
        },
    )
}
