//! `Barrier`: threading's signatures over `syncio::Barrier`.

use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use crate::bridge::{
    block, catch_raised, is_main_thread, poll_caught, raise_through_core, Blocked, Keeper, Outcome,
    Setup, Timeout, Waiter,
};

/// A barrier usable from threads and asyncio tasks at once: threading's
/// `Barrier(parties, action=None, timeout=None)` methods here;
/// `syncio.Barrier` adds the asyncio ones. Configured by `_setup`, which the
/// Python class's `__init__` calls (see [`Setup`]).
#[pyclass(frozen, subclass, weakref, module = "syncio._syncio")]
pub(crate) struct Barrier {
    setup: Setup<Config>,
    /// The asyncio futures its waiting tasks wait on (see `KeepAlive`).
    keep: Keeper,
}

/// What `_setup` decides.
struct Config {
    core: Arc<syncio::Barrier>,
    timeout: Option<f64>,
}

fn outcome(result: Result<syncio::BarrierWaitResult, syncio::BrokenBarrierError>) -> Outcome {
    match result {
        Ok(r) => Outcome::Index(r.index()),
        Err(_) => Outcome::Broken,
    }
}

#[pymethods]
impl Barrier {
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
        Barrier {
            setup: Setup::new(),
            keep: Keeper::default(),
        }
    }

    /// Sets the barrier up, once: threading's `Barrier(parties,
    /// action=None, timeout=None)`.
    #[pyo3(signature = (parties, action=None, timeout=None))]
    fn _setup(
        &self,
        parties: isize,
        action: Option<Py<PyAny>>,
        timeout: Option<f64>,
    ) -> PyResult<()> {
        let parties = match usize::try_from(parties) {
            Ok(p) if (1..=syncio::MAX_PARTIES).contains(&p) => p,
            _ => return Err(PyValueError::new_err("parties must be > 0")),
        };
        let core = match action {
            None => syncio::Barrier::new(parties),
            Some(action) => syncio::Barrier::with_action(parties, move || {
                // Run by the last arrival, thread or task. An exception
                // breaks the barrier (the core's rule for a panicking
                // action) and is raised in that caller.
                Python::attach(|py| {
                    if let Err(err) = action.call0(py) {
                        raise_through_core(err);
                    }
                });
            }),
        }
        .map_err(|_| PyValueError::new_err("parties must be > 0"))?;
        self.setup.set(
            "Barrier",
            Config {
                core: Arc::new(core),
                timeout,
            },
        )
    }

    /// threading's `wait(timeout=None)`: this caller's arrival index once all
    /// parties are here; `BrokenBarrierError` if the barrier is (or gets)
    /// broken, or if the time-out (by default the one given to the
    /// constructor) expires, which breaks it. Releases the GIL while waiting.
    /// On the main thread Ctrl-C interrupts it; as in threading, the
    /// caller's arrival is taken back and the barrier is not broken.
    #[pyo3(signature = (timeout=None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
        let config = self.config()?;
        let core = config.core.clone();
        let until = match Timeout::from(timeout.or(config.timeout)).until() {
            Ok(until) => until,
            Err(refused) => {
                // As threading's, which converts the time-out only once it
                // has to wait: the last arrival passes, any other takes its
                // arrival back (the barrier stays whole) and gets the error.
                let mut wait = std::pin::pin!(core.wait());
                let noop = &mut Context::from_waker(Waker::noop());
                return match poll_caught(wait.as_mut(), noop) {
                    Poll::Ready(result) => outcome(result?).into_py(py),
                    Poll::Pending => Err(refused),
                };
            }
        };
        if is_main_thread(py)? {
            let mut wait = std::pin::pin!(core.wait());
            let mut deadline = until.deadline();
            let result = loop {
                match block(py, wait.as_mut(), deadline) {
                    Blocked::Done(result) => break result?,
                    Blocked::Deadline => match catch_raised(|| wait.as_mut().break_off())? {
                        Poll::Ready(result) => break result,
                        // The cycle tripped before the time-out and its
                        // action is still running: the arrival stands, as
                        // in threading; wait on for the release.
                        Poll::Pending => deadline = None,
                    },
                    Blocked::Interrupted(err) => {
                        // As in threading, the caller leaves with the
                        // exception and the barrier stays whole: dropping the
                        // wait takes the arrival back while the barrier
                        // fills (once its cycle has tripped, it has passed,
                        // and a role of releasing the cycle passes on).
                        return Err(err);
                    }
                }
            };
            return outcome(result).into_py(py);
        }
        let result = py.detach(move || {
            catch_raised(|| match until.deadline() {
                None => core.wait_blocking(),
                Some(deadline) => core.wait_deadline(deadline),
            })
        })?;
        outcome(result).into_py(py)
    }

    /// Returns the barrier to its empty state; current waiters get
    /// `BrokenBarrierError`.
    fn reset(&self) -> PyResult<()> {
        self.config()?.core.reset();
        Ok(())
    }

    /// Breaks the barrier: current and future waiters get
    /// `BrokenBarrierError` until `reset`.
    fn abort(&self) -> PyResult<()> {
        self.config()?.core.abort();
        Ok(())
    }

    /// The number of parties needed to pass.
    #[getter]
    fn parties(&self) -> PyResult<usize> {
        Ok(self.config()?.core.parties())
    }

    /// The number of callers waiting in the current cycle.
    #[getter]
    fn n_waiting(&self) -> PyResult<usize> {
        Ok(self.config()?.core.n_waiting())
    }

    /// `True` if the barrier is broken.
    #[getter]
    fn broken(&self) -> PyResult<bool> {
        Ok(self.config()?.core.is_broken())
    }

    /// A pending wait, for a task to await.
    fn _waiter(&self) -> PyResult<Waiter> {
        let core = self.config()?.core.clone();
        Ok(Waiter::new(
            "Barrier.wait",
            Some(&self.keep.0),
            async move { outcome(core.wait().await) },
        ))
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let name = crate::class_name(slf.as_any())?;
        let addr = slf.as_ptr() as usize;
        let Some(Config { core, .. }) = slf.get().setup.try_get() else {
            return Ok(format!("<{name} at {addr:#x}: not set up>"));
        };
        Ok(if core.is_broken() {
            format!("<{name} at {addr:#x}: broken>")
        } else {
            format!(
                "<{name} at {addr:#x}: waiters={}/{}>",
                core.n_waiting(),
                core.parties()
            )
        })
    }
}

impl Barrier {
    #[inline]
    fn config(&self) -> PyResult<&Config> {
        self.setup.get("Barrier")
    }
}
