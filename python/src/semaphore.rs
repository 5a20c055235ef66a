//! `Semaphore` and `BoundedSemaphore`: threading's signatures over
//! `syncio::Semaphore` / `syncio::BoundedSemaphore`.

use std::future::Future;
use std::sync::Arc;

use pyo3::exceptions::{PyOverflowError, PyValueError};
use pyo3::prelude::*;
use pyo3::IntoPyObjectExt;
use pyo3::{PyTraverseError, PyVisit};
use syncio::{AcquireTimeoutError, Fairness, ReleaseError, MAX_PERMITS};

use crate::bridge::{
    block_thread, ready, sem_timeout, AsyncioWaiters, ForkEpoch, Keeper, Outcome, Truthy, Until,
    Waiter,
};

/// The core, shared by every view of the semaphore.
#[derive(Clone)]
enum Core {
    Plain(Arc<syncio::Semaphore>),
    Bounded(Arc<syncio::BoundedSemaphore>),
}

impl Core {
    fn sem(&self) -> &syncio::Semaphore {
        match self {
            Core::Plain(s) => s,
            Core::Bounded(b) => b,
        }
    }

    /// A `'static` wait for one permit, which it keeps (Python's `acquire`
    /// pairs with a later `release`, not with a guard).
    fn acquire_future(&self) -> impl Future<Output = Outcome> + Send + 'static {
        let core = self.clone();
        async move {
            match core.sem().acquire().await {
                Ok(permit) => {
                    permit.forget();
                    Outcome::True
                }
                Err(_) => unreachable!("syncio's Python semaphores are never closed"),
            }
        }
    }

    fn try_take(&self) -> bool {
        match self.sem().try_acquire() {
            Ok(permit) => {
                permit.forget();
                true
            }
            Err(_) => false,
        }
    }
}

fn fairness(fair: bool) -> Fairness {
    if fair {
        Fairness::Fifo
    } else {
        Fairness::BARGING
    }
}

fn initial_value(value: isize, what: &str) -> PyResult<usize> {
    let Ok(value) = usize::try_from(value) else {
        return Err(PyValueError::new_err(format!(
            "{what} initial value must be >= 0"
        )));
    };
    if value > MAX_PERMITS {
        return Err(PyOverflowError::new_err(format!(
            "{what} initial value must be at most {MAX_PERMITS}"
        )));
    }
    Ok(value)
}

/// A semaphore usable from threads and asyncio tasks at once: threading's
/// `Semaphore(value=1)` methods here; `syncio.Semaphore` adds the asyncio
/// ones. FIFO by default (`fair=False`: a running caller may take a free
/// permit ahead of sleeping waiters, whose wait is bounded).
#[pyclass(frozen, subclass, weakref, module = "syncio._syncio")]
pub(crate) struct Semaphore {
    core: Core,
    asyncio_waiters: Arc<AsyncioWaiters>,
    /// `syncio.asyncio`'s flavour: asyncio's `locked()` and messages.
    asyncio: bool,
    /// The asyncio futures its waiting tasks wait on (see `KeepAlive`).
    keep: Keeper,
    fork: ForkEpoch,
}

#[pymethods]
impl Semaphore {
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.keep.0.traverse(&visit)
    }

    fn __clear__(&self) {
        self.keep.0.clear();
    }

    /// `_bounded=True` makes a `BoundedSemaphore`: a `release` that would
    /// raise the count above the initial value raises `ValueError` and
    /// changes nothing. `_asyncio=True` is `syncio.asyncio`'s flavour
    /// (asyncio's `locked()` and messages).
    #[new]
    #[pyo3(signature = (value=1, *, fair=true, _bounded=false, _asyncio=false))]
    fn new(value: isize, fair: bool, _bounded: bool, _asyncio: bool) -> PyResult<Self> {
        let value = initial_value(value, "semaphore")?;
        let fairness = fairness(fair);
        let core = if _bounded {
            Core::Bounded(Arc::new(syncio::BoundedSemaphore::with_fairness(
                value, fairness,
            )))
        } else {
            Core::Plain(Arc::new(syncio::Semaphore::with_fairness(value, fairness)))
        };
        let sem = core.clone();
        Ok(Semaphore {
            core,
            asyncio_waiters: Arc::new(AsyncioWaiters::new(move || {
                sem.sem().available_permits() > 0
            })),
            asyncio: _asyncio,
            keep: Keeper::default(),
            fork: ForkEpoch::new(),
        })
    }

    /// threading's `acquire(blocking=True, timeout=None)`: `True` once a
    /// permit is taken, `False` if `blocking` is false or the time-out
    /// expired first. Blocking waits release the GIL.
    #[pyo3(signature = (blocking=Truthy(true), timeout=None))]
    fn acquire(&self, py: Python<'_>, blocking: Truthy, timeout: Option<f64>) -> PyResult<bool> {
        let until = sem_timeout(blocking.0, timeout)?;
        self.after_fork();
        if self.try_take() {
            return Ok(true);
        }
        self.acquire_slow(py, until)
    }

    /// `with sem:` takes a permit, waiting as long as it takes.
    fn __enter__(&self, py: Python<'_>) -> PyResult<bool> {
        self.after_fork();
        if self.try_take() {
            return Ok(true);
        }
        self.acquire_slow(py, Until::Forever)
    }

    /// Releases the permit `with sem:` took.
    #[pyo3(signature = (_exc_type=None, _exc=None, _tb=None))]
    fn __exit__(
        &self,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.release(1)
    }

    /// threading's `release(n=1)`: adds `n` permits, waking waiters in FIFO
    /// order.
    #[pyo3(signature = (n=1))]
    fn release(&self, n: isize) -> PyResult<()> {
        let Ok(n) = usize::try_from(n) else {
            return Err(PyValueError::new_err("n must be one or more"));
        };
        if n == 0 {
            return Err(PyValueError::new_err("n must be one or more"));
        }
        self.after_fork();
        match self.core.sem().release(n) {
            Ok(()) => Ok(()),
            Err(ReleaseError::AboveBound { .. }) => Err(PyValueError::new_err(if self.asyncio {
                "BoundedSemaphore released too many times"
            } else {
                "Semaphore released too many times"
            })),
            Err(_) => Err(PyOverflowError::new_err(
                "semaphore value would exceed its maximum",
            )),
        }
    }

    /// asyncio's `locked()`: `True` if an acquire could not succeed at once
    /// (no permit free, or others queued first; for the asyncio flavour, or
    /// a task of this loop handed a permit has not run yet).
    fn locked(&self) -> bool {
        (self.asyncio && self.asyncio_waiters.count_here() > 0) || self.core.sem().locked()
    }

    /// The number of free permits.
    #[getter]
    fn _value(&self) -> usize {
        self.core.sem().available_permits()
    }

    /// asyncio's `acquire()` from a task on any loop: awaitable (a
    /// coroutine), giving `True` once a permit is taken. As in asyncio, a
    /// task handed a permit that has not run yet goes before a newcomer of
    /// its loop. Cancelling the task gives back a permit it was handed.
    fn async_acquire(&self) -> Waiter {
        let core = self.core.clone();
        Waiter::new(
            "Semaphore.acquire",
            Some(&self.keep.0),
            self.asyncio_waiters
                .acquire_lazily(move || core.try_take(), self.core.acquire_future()),
        )
    }

    /// `async with sem:` takes a permit, as `async_acquire`.
    fn __aenter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if self.asyncio_waiters.try_now(|| self.core.try_take()) {
            return ready(py);
        }
        let wait = self.asyncio_waiters.acquire(self.core.acquire_future());
        Waiter::unit("Semaphore.__aenter__", &self.keep.0, wait).into_py_any(py)
    }

    /// Releases the permit `async with sem:` took.
    fn __aexit__(
        &self,
        py: Python<'_>,
        _exc_type: &Bound<'_, PyAny>,
        _exc: &Bound<'_, PyAny>,
        _tb: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        self.release(1)?;
        ready(py)
    }

    /// asyncio waiters (of every loop) queued or handed the permit but not
    /// resumed yet.
    #[getter]
    fn _asyncio_waiters(&self) -> usize {
        self.asyncio_waiters.total()
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let this = slf.get();
        let value = this.core.sem().available_permits();
        let name = crate::class_name(slf.as_any())?;
        let addr = slf.as_ptr() as usize;
        Ok(match &this.core {
            Core::Plain(_) => format!("<{name} at {addr:#x}: value={value}>"),
            Core::Bounded(b) => format!("<{name} at {addr:#x}: value={value}/{}>", b.bound()),
        })
    }
}

impl Semaphore {
    /// See [`ForkEpoch`].
    #[inline]
    fn after_fork(&self) {
        self.fork.check(|| self.core.sem().forget_waiters());
    }

    #[inline]
    fn try_take(&self) -> bool {
        self.core.try_take()
    }

    fn acquire_slow(&self, py: Python<'_>, until: Until) -> PyResult<bool> {
        let core = self.core.clone();
        block_thread(
            py,
            until,
            || self.core.acquire_future(),
            move |deadline| {
                let sem = core.sem();
                let result = match deadline {
                    None => sem
                        .acquire_blocking()
                        .map_err(|_| AcquireTimeoutError::Closed),
                    Some(deadline) => sem.acquire_deadline(deadline),
                };
                match result {
                    Ok(permit) => {
                        permit.forget();
                        true
                    }
                    Err(AcquireTimeoutError::Timeout) => false,
                    Err(_) => unreachable!("syncio's Python semaphores are never closed"),
                }
            },
        )
    }
}
