//! `Semaphore` and `BoundedSemaphore`: threading's signatures over
//! `syncio::Semaphore` / `syncio::BoundedSemaphore`.

use std::future::Future;
use std::sync::Arc;

use pyo3::exceptions::{PyOverflowError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3::IntoPyObjectExt;
use pyo3::{PyTraverseError, PyVisit};
use syncio::{AcquireTimeoutError, Fairness, ReleaseError, MAX_PERMITS};

use crate::bridge::{
    block_thread, ready, sem_timeout, AsyncioWaiters, ForkEpoch, Keeper, Outcome, Setup, Truthy,
    Until, Waiter,
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

    /// True for `BoundedSemaphore(0)`: no permit can ever be released to
    /// it, and the core refuses a request above the bound at once
    /// (`TooManyPermits`), where Python's waits (forever, or until its
    /// time-out).
    fn never_grants(&self) -> bool {
        matches!(self, Core::Bounded(b) if b.bound() == 0)
    }

    /// A `'static` wait for one permit, which it keeps (Python's `acquire`
    /// pairs with a later `release`, not with a guard).
    fn acquire_future(&self) -> impl Future<Output = Outcome> + Send + 'static {
        let core = self.clone();
        async move {
            if core.never_grants() {
                // Waits as Python's does, until cancelled or timed out.
                std::future::pending::<()>().await;
            }
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
/// permit ahead of sleeping waiters, whose wait is bounded). Configured by
/// `_setup`, which the Python classes' `__init__` calls (see [`Setup`]).
#[pyclass(frozen, subclass, weakref, module = "syncio._syncio")]
pub(crate) struct Semaphore {
    setup: Setup<Config>,
    /// The asyncio futures its waiting tasks wait on (see `KeepAlive`).
    keep: Keeper,
    fork: ForkEpoch,
}

/// What `_setup` decides.
struct Config {
    core: Core,
    asyncio_waiters: Arc<AsyncioWaiters>,
    /// `syncio.asyncio`'s flavour: asyncio's `locked()` and messages.
    asyncio: bool,
}

#[pymethods]
impl Semaphore {
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
        Semaphore {
            setup: Setup::new(),
            keep: Keeper::default(),
            fork: ForkEpoch::new(),
        }
    }

    /// Sets the semaphore up, once: `bounded=True` makes a
    /// `BoundedSemaphore` (a `release` that would raise the count above the
    /// initial value raises `ValueError` and changes nothing);
    /// `asyncio=True` is `syncio.asyncio`'s flavour (asyncio's `locked()`
    /// and messages).
    #[pyo3(signature = (value=1, *, fair=true, bounded=false, asyncio=false))]
    fn _setup(&self, value: isize, fair: bool, bounded: bool, asyncio: bool) -> PyResult<()> {
        let value = initial_value(value, "semaphore")?;
        let fairness = fairness(fair);
        let core = if bounded {
            Core::Bounded(Arc::new(syncio::BoundedSemaphore::with_fairness(
                value, fairness,
            )))
        } else {
            Core::Plain(Arc::new(syncio::Semaphore::with_fairness(value, fairness)))
        };
        let sem = core.clone();
        self.setup.set(
            "Semaphore",
            Config {
                core,
                asyncio_waiters: Arc::new(AsyncioWaiters::new(move || {
                    sem.sem().available_permits() > 0
                })),
                asyncio,
            },
        )
    }

    /// threading's `acquire(blocking=True, timeout=None)`: `True` once a
    /// permit is taken, `False` if `blocking` is false or the time-out
    /// expired first. Blocking waits release the GIL.
    #[pyo3(signature = (blocking=Truthy(true), timeout=None))]
    fn acquire(&self, py: Python<'_>, blocking: Truthy, timeout: Option<f64>) -> PyResult<bool> {
        let timeout = sem_timeout(blocking.0, timeout)?;
        let config = self.config()?;
        self.after_fork(config);
        if config.core.try_take() {
            return Ok(true);
        }
        acquire_slow(config, py, timeout.until()?)
    }

    /// `with sem:` takes a permit, waiting as long as it takes.
    fn __enter__(&self, py: Python<'_>) -> PyResult<bool> {
        let config = self.config()?;
        self.after_fork(config);
        if config.core.try_take() {
            return Ok(true);
        }
        acquire_slow(config, py, Until::Forever)
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
        let config = self.config()?;
        self.after_fork(config);
        match config.core.sem().release(n) {
            Ok(()) => Ok(()),
            Err(ReleaseError::AboveBound { .. }) => Err(PyValueError::new_err(if config.asyncio {
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
    fn locked(&self) -> PyResult<bool> {
        let config = self.config()?;
        Ok((config.asyncio && config.asyncio_waiters.count_here() > 0)
            || config.core.sem().locked())
    }

    /// The number of free permits.
    #[getter]
    fn _value(&self) -> PyResult<usize> {
        Ok(self.config()?.core.sem().available_permits())
    }

    /// asyncio's `acquire()` from a task on any loop: the wait object (it
    /// follows the coroutine protocol) behind the Python classes'
    /// coroutines, which try `_try_now` first. It gives `True` once a
    /// permit is taken. As in asyncio, a
    /// task handed a permit that has not run yet goes before a newcomer of
    /// its loop. Cancelling the task gives back a permit it was handed.
    fn async_acquire(&self) -> PyResult<Waiter> {
        let config = self.config()?;
        let core = config.core.clone();
        Ok(Waiter::new(
            "Semaphore.acquire",
            Some(&self.keep.0),
            config
                .asyncio_waiters
                .acquire_lazily(move || core.try_take(), config.core.acquire_future()),
        ))
    }

    /// An asyncio acquire's first step, for
    /// `syncio.asyncio.Semaphore.acquire`: `True` if a permit was taken now
    /// (as `async with` takes it: not ahead of a task of this loop handed
    /// one that has not run yet).
    fn _try_now(&self) -> PyResult<bool> {
        let config = self.config()?;
        Ok(config.asyncio_waiters.try_now(|| config.core.try_take()))
    }

    /// `async with sem:` takes a permit, as `async_acquire`.
    fn __aenter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let config = self.config()?;
        if config.asyncio_waiters.try_now(|| config.core.try_take()) {
            return ready(py);
        }
        let wait = config.asyncio_waiters.acquire(config.core.acquire_future());
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
    fn _asyncio_waiters(&self) -> PyResult<usize> {
        Ok(self.config()?.asyncio_waiters.total())
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let name = crate::class_name(slf.as_any())?;
        let addr = slf.as_ptr() as usize;
        let Some(config) = slf.get().setup.try_get() else {
            return Ok(format!("<{name} at {addr:#x}: not set up>"));
        };
        let value = config.core.sem().available_permits();
        Ok(match &config.core {
            Core::Plain(_) => format!("<{name} at {addr:#x}: value={value}>"),
            Core::Bounded(b) => format!("<{name} at {addr:#x}: value={value}/{}>", b.bound()),
        })
    }
}

impl Semaphore {
    #[inline]
    fn config(&self) -> PyResult<&Config> {
        self.setup.get("Semaphore")
    }

    /// See [`ForkEpoch`].
    #[inline]
    fn after_fork(&self, config: &Config) {
        self.fork.check(|| config.core.sem().forget_waiters());
    }
}

fn acquire_slow(config: &Config, py: Python<'_>, until: Until) -> PyResult<bool> {
    let core = config.core.clone();
    block_thread(
        py,
        until,
        || config.core.acquire_future(),
        move |deadline| {
            if core.never_grants() {
                wait_out(deadline);
                return false;
            }
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

/// Blocks the calling thread until `deadline`, or forever: the wait of an
/// acquire that nothing can grant (`BoundedSemaphore(0)`).
fn wait_out(deadline: Option<std::time::Instant>) {
    loop {
        match deadline {
            None => std::thread::park(),
            Some(deadline) => {
                let now = std::time::Instant::now();
                if now >= deadline {
                    return;
                }
                std::thread::park_timeout(deadline - now);
            }
        }
    }
}
