//! `syncio._syncio`: the Rust core of the `syncio` Python package.
//!
//! Each class wraps one primitive of the `syncio` crate, shared through an
//! `Arc`, and offers its threading-style methods (blocking waits release the
//! GIL) plus the hooks the Python package builds its asyncio-style methods on
//! (`Waiter`s: awaitables that poll the core from an asyncio task). The Python
//! package (`python/syncio`) assembles the public classes.
#![deny(unsafe_code)]

use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

mod barrier;
mod bridge;
mod condition;
mod event;
mod lock;
mod semaphore;

/// `_thread.TIMEOUT_MAX`: the longest time-out `threading.Lock` accepts.
static TIMEOUT_MAX: OnceLock<f64> = OnceLock::new();

pub(crate) fn timeout_max() -> f64 {
    *TIMEOUT_MAX.get().unwrap_or(&f64::MAX)
}

/// `syncio.BrokenBarrierError` (a subclass of both `threading`'s and
/// `asyncio`'s), defined in Python by `syncio/_errors.py`.
pub(crate) fn broken_barrier_error(py: Python<'_>) -> PyErr {
    static ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    match ERROR.import(py, "syncio._errors", "BrokenBarrierError") {
        Ok(ty) => PyErr::from_type(ty.clone(), ()),
        Err(e) => e,
    }
}

/// `<module>.<qualname>` of `obj`'s class, for reprs.
pub(crate) fn class_name(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    let ty = obj.get_type();
    Ok(format!("{}.{}", ty.module()?, ty.qualname()?))
}

#[pymodule]
fn _syncio(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let max: f64 = m
        .py()
        .import("_thread")?
        .getattr("TIMEOUT_MAX")?
        .extract()?;
    let _ = TIMEOUT_MAX.set(max);
    m.add_function(wrap_pyfunction!(bridge::_after_fork_in_child, m)?)?;
    m.add_class::<bridge::Waiter>()?;
    m.add_class::<bridge::Ready>()?;
    m.add_class::<semaphore::Semaphore>()?;
    m.add_class::<lock::Lock>()?;
    m.add_class::<event::Event>()?;
    m.add_class::<condition::NotifyQueue>()?;
    m.add_class::<barrier::Barrier>()?;
    Ok(())
}
