//! How a future of the Rust core is waited on from Python.
//!
//! - By an asyncio task: a [`Waiter`] is awaitable, and a coroutine itself
//!   (`asyncio.create_task` takes it). Each step polls the Rust future with a
//!   waker that resolves an asyncio future of the task's loop, which the step
//!   yields to the task while the wait is pending. Woken on the loop's own
//!   thread, the waker calls `fut.set_result(None)` at once, exactly as
//!   asyncio's primitives wake their waiters; woken from any other thread, it
//!   goes through `loop.call_soon_threadsafe`. If the task is cancelled, the
//!   `throw` drops the Rust future, which gives back whatever it had been
//!   handed. No Python frame runs in between.
//! - By a thread: [`block`] polls it with the GIL released, parking between
//!   polls. On the main thread it parks in slices and checks for signals in
//!   between, so Ctrl-C interrupts a wait as it does `threading.Lock`'s.

use std::cell::RefCell;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread, ThreadId};
use std::time::{Duration, Instant};

use pyo3::exceptions::{
    PyBaseException, PyOverflowError, PyRuntimeError, PyStopIteration, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyDict, PyTuple, PyType, PyWeakrefMethods, PyWeakrefReference};
use pyo3::{intern, IntoPyObjectExt};
use pyo3::{PyTraverseError, PyVisit};

/// What a finished wait gives Python.
pub(crate) enum Outcome {
    /// `True`: acquired, set, notified.
    True,
    /// A barrier's arrival index.
    Index(usize),
    /// `BrokenBarrierError`.
    Broken,
}

impl Outcome {
    pub(crate) fn into_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self {
            Outcome::True => true.into_py_any(py),
            Outcome::Index(i) => i.into_py_any(py),
            Outcome::Broken => Err(crate::broken_barrier_error(py)),
        }
    }
}

pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = Outcome> + Send + 'static>>;

thread_local! {
    /// The exception a Barrier action raised, carried across the core's
    /// unwinding (the core breaks the barrier, then resumes the panic).
    static RAISED: std::cell::Cell<Option<PyErr>> = const { std::cell::Cell::new(None) };
}

/// The panic payload that stands for "a Python callback raised; the
/// exception is in [`RAISED`]".
pub(crate) struct Raised;

/// Called from a callback the core runs (a Barrier action): stores `err` and
/// unwinds through the core, which treats it as a panicking callback.
pub(crate) fn raise_through_core(err: PyErr) -> ! {
    RAISED.with(|r| r.set(Some(err)));
    panic::resume_unwind(Box::new(Raised))
}

/// Runs `f`, turning a [`raise_through_core`] unwind back into the exception.
/// Any other panic goes on unwinding (pyo3 turns it into `PanicException`).
pub(crate) fn catch_raised<T>(f: impl FnOnce() -> T) -> Result<T, PyErr> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => Ok(v),
        Err(payload) if payload.is::<Raised>() => Err(RAISED
            .with(|r| r.take())
            .unwrap_or_else(|| PyRuntimeError::new_err("a callback failed"))),
        Err(payload) => panic::resume_unwind(payload),
    }
}

/// Polls `fut` once, a [`raise_through_core`] unwind becoming its exception.
pub(crate) fn poll_caught<F: Future + ?Sized>(
    fut: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<PyResult<F::Output>> {
    match catch_raised(|| fut.poll(cx)) {
        Ok(Poll::Ready(outcome)) => Poll::Ready(Ok(outcome)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(raised) => Poll::Ready(Err(raised)),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic inside a poll is caught before the guard drops (catch_raised),
    // so poisoning can only follow a bug; the data is still consistent.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One pending wait of the core, owned by the Python caller waiting on it.
/// Dropping it (by `cancel`, or when garbage-collected) gives back whatever
/// it had been handed, as dropping the Rust future does.
///
/// From asyncio it is awaitable, and a coroutine in its own right (it has
/// `send`, `throw` and `close`, so `asyncio.create_task` takes it): each step
/// polls the Rust future, returning its result (through `StopIteration`) or
/// yielding an asyncio future of the running loop that is resolved when the
/// wait should be polled again. There is no Python frame in between.
#[pyclass(frozen, module = "syncio._syncio")]
pub(crate) struct Waiter {
    fut: Mutex<Option<BoxFuture>>,
    /// Its `__qualname__` (`Semaphore.acquire`), for task reprs.
    name: &'static str,
    /// Awaiting it gives `None` rather than the outcome (`__aenter__`).
    unit: bool,
    /// A step has yielded an asyncio future: the next step is (almost
    /// always) a wake-up's, which finds the wait finished.
    woken: AtomicBool,
    /// `__await__` was called: a second `await` is an error, as for a
    /// coroutine.
    awaited: AtomicBool,
    /// Where the asyncio future it waits on is kept alive, and its entry
    /// there (token 0: none). Changed only by a step, which holds the
    /// future's slot, by `cancel_wait` and by `drop`.
    keep: Option<Arc<KeepAlive>>,
    kept_index: AtomicUsize,
    kept_token: AtomicU64,
}

/// What one step of an awaited [`Waiter`] gives.
enum AwaitStep {
    /// Pending: the asyncio future to wait on before the next step.
    Yield(Py<PyAny>),
    /// Finished with this value (`None` for a unit waiter).
    Return(Option<Py<PyAny>>),
}

impl Waiter {
    /// A waiter named `name` (its `__qualname__`) for `fut`. While a task
    /// awaits it, the asyncio future it waits on is kept in `keep`, the
    /// waited-on primitive's (`None`: a thread's wait).
    pub(crate) fn new(
        name: &'static str,
        keep: Option<&Arc<KeepAlive>>,
        fut: impl Future<Output = Outcome> + Send + 'static,
    ) -> Self {
        Waiter {
            fut: Mutex::new(Some(Box::pin(fut))),
            name,
            unit: false,
            woken: AtomicBool::new(false),
            awaited: AtomicBool::new(false),
            keep: keep.cloned(),
            kept_index: AtomicUsize::new(0),
            kept_token: AtomicU64::new(0),
        }
    }

    /// A waiter whose await gives `None` (the `__aenter__` of a lock or a
    /// semaphore; a failure still raises).
    pub(crate) fn unit(
        name: &'static str,
        keep: &Arc<KeepAlive>,
        fut: impl Future<Output = Outcome> + Send + 'static,
    ) -> Self {
        let mut waiter = Waiter::new(name, Some(keep), fut);
        waiter.unit = true;
        waiter
    }

    /// Stops keeping the asyncio future of the last step alive.
    fn release_kept(&self) {
        let token = self.kept_token.swap(0, Ordering::Relaxed);
        if let (Some(keep), true) = (&self.keep, token != 0) {
            let index = self.kept_index.load(Ordering::Relaxed);
            drop(keep.remove(Kept { index, token }));
        }
    }

    /// The future's slot. A step holds it while Python code may run (making
    /// the asyncio future, waking others); a call that finds it held, from a
    /// finalizer run meanwhile or from another thread, is refused, as
    /// stepping a running coroutine is, rather than deadlocking.
    fn slot(&self) -> PyResult<MutexGuard<'_, Option<BoxFuture>>> {
        match self.fut.try_lock() {
            Ok(slot) => Ok(slot),
            Err(std::sync::TryLockError::Poisoned(poisoned)) => Ok(poisoned.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => Err(PyValueError::new_err(format!(
                "{} is already executing",
                self.name
            ))),
        }
    }

    /// Polls once with a no-op waker: queues the wait now, fixing its place
    /// in line (a Condition's waiter, before the caller releases its lock).
    /// The first real poll registers the real waker.
    pub(crate) fn enable(&self) {
        // Just made, so nobody else holds it.
        let mut slot = lock(&self.fut);
        if let Some(fut) = slot.as_mut() {
            let mut cx = Context::from_waker(Waker::noop());
            if let Poll::Ready(outcome) = fut.as_mut().poll(&mut cx) {
                // Notified already (by another thread, between queueing and
                // this poll's check): keep the result for the real poll.
                *fut = Box::pin(std::future::ready(outcome));
            }
        }
    }

    /// Blocks the calling thread until the wait finishes (`Some`) or the
    /// deadline passes (`None`: the wait is dropped, giving back anything it
    /// was handed at the last moment).
    pub(crate) fn block(
        &self,
        py: Python<'_>,
        deadline: Option<Instant>,
    ) -> PyResult<Option<Outcome>> {
        let mut fut = self.slot()?.take().ok_or_else(finished)?;
        let result = match block(py, fut.as_mut(), deadline) {
            Blocked::Done(outcome) => outcome.map(Some),
            Blocked::Deadline => Ok(None),
            Blocked::Interrupted(err) => Err(err),
        };
        // Dropped with the GIL held (the drop may wake asyncio waiters).
        drop(fut);
        result
    }

    /// One step of an asyncio await, from the task running on this thread's
    /// loop. The Rust future is polled with a waker that does not know its
    /// asyncio future yet: most steps finish (an uncontended acquire, the
    /// step after a wake-up), and those need none. A pending one gets its
    /// future after the poll; a wake-up in between (from a thread) finds
    /// none, and this step sees it and polls again.
    fn step(&self, py: Python<'_>) -> PyResult<AwaitStep> {
        let mut slot = self.slot()?;
        let pending = slot.as_mut().ok_or_else(finished)?;
        self.release_kept();
        let mut done = Poll::Pending;
        if self.woken.load(Ordering::Relaxed) {
            // After a wake-up: a no-op waker spares making a real one.
            done = poll_caught(pending.as_mut(), &mut Context::from_waker(Waker::noop()));
        }
        loop {
            if let Poll::Ready(result) = done {
                end(slot);
                let value = result?.into_py(py)?;
                return Ok(AwaitStep::Return((!self.unit).then_some(value)));
            }
            let wake = Arc::new(LoopWake {
                fut: OnceLock::new(),
                thread: current_thread(),
                fired: AtomicBool::new(false),
            });
            let waker = Waker::from(wake.clone());
            done = poll_caught(pending.as_mut(), &mut Context::from_waker(&waker));
            match done {
                Poll::Ready(_) => continue,
                Poll::Pending => {
                    let fut = match new_future(py) {
                        Ok(fut) => fut,
                        Err(err) => {
                            end(slot);
                            return Err(err);
                        }
                    };
                    let weak = PyWeakrefReference::new(&fut)?.unbind();
                    // The GIL orders this with `wake_by_ref`, which holds it
                    // from its `fired` swap to its read of `fut`.
                    let _ = wake.fut.set(weak);
                    if wake.fired.load(Ordering::Acquire) {
                        continue; // woken before the future was set
                    }
                    fut.setattr(intern!(py, "_asyncio_future_blocking"), true)?;
                    if let Some(keep) = &self.keep {
                        let kept = keep.insert(fut.clone().unbind());
                        self.kept_index.store(kept.index, Ordering::Relaxed);
                        self.kept_token.store(kept.token, Ordering::Relaxed);
                    }
                    self.woken.store(true, Ordering::Relaxed);
                    return Ok(AwaitStep::Yield(fut.unbind()));
                }
            }
        }
    }

    fn cancel_wait(&self) -> PyResult<()> {
        end(self.slot()?);
        self.release_kept();
        Ok(())
    }
}

/// Drops the wait in `slot` (if still there) after unlocking the slot, with
/// the GIL held: the drop may pass a permit on and wake others.
fn end(mut slot: MutexGuard<'_, Option<BoxFuture>>) {
    let fut = slot.take();
    drop(slot);
    drop(fut);
}

impl Drop for Waiter {
    fn drop(&mut self) {
        self.release_kept();
    }
}

/// The asyncio futures that tasks waiting on one primitive wait on, held
/// strongly as asyncio's primitives hold theirs (in `_waiters`): a task is
/// referenced by its future's callbacks, so one that nothing else holds (a
/// fire-and-forget task) lives while it waits, instead of being collected.
/// The primitive's Python object shows them to the garbage collector
/// (`__traverse__`) and lets go of them in `__clear__` and when it dies
/// (through [`Keeper`]): a primitive that is garbage takes its waiting tasks
/// with it, as asyncio's do. (The wakers hold the futures weakly, so no
/// reference from Rust goes unseen.)
#[derive(Default)]
pub(crate) struct KeepAlive {
    slots: Mutex<KeptSlots>,
}

#[derive(Default)]
struct KeptSlots {
    entries: Vec<Option<(u64, Py<PyAny>)>>,
    free: Vec<usize>,
    next_token: u64,
}

/// A [`KeepAlive`] entry: its index and a token that tells a reused slot
/// from the original (a `clear` may come in between).
#[derive(Clone, Copy)]
pub(crate) struct Kept {
    index: usize,
    token: u64,
}

impl KeepAlive {
    fn insert(&self, fut: Py<PyAny>) -> Kept {
        let mut slots = lock(&self.slots);
        slots.next_token += 1; // from 1: 0 stands for "none"
        let token = slots.next_token;
        let index = match slots.free.pop() {
            Some(index) => {
                slots.entries[index] = Some((token, fut));
                index
            }
            None => {
                slots.entries.push(Some((token, fut)));
                slots.entries.len() - 1
            }
        };
        Kept { index, token }
    }

    /// The entry's future, if it is still there (for the caller to drop).
    fn remove(&self, kept: Kept) -> Option<Py<PyAny>> {
        let mut slots = lock(&self.slots);
        let entry = slots.entries.get_mut(kept.index)?;
        if !matches!(entry, Some((token, _)) if *token == kept.token) {
            return None;
        }
        let (_, fut) = entry.take()?;
        slots.free.push(kept.index);
        Some(fut)
    }

    /// Shows every kept future to the garbage collector. Skipped (as if
    /// they were referenced from elsewhere, which only delays a collection)
    /// if a thread is changing them right now.
    pub(crate) fn traverse(&self, visit: &PyVisit<'_>) -> Result<(), PyTraverseError> {
        let Ok(slots) = self.slots.try_lock() else {
            return Ok(());
        };
        for (_, fut) in slots.entries.iter().flatten() {
            visit.call(fut)?;
        }
        Ok(())
    }

    /// Lets go of every kept future.
    pub(crate) fn clear(&self) {
        let taken = std::mem::take(&mut *lock(&self.slots));
        // Dropped after the lock (a future's last reference may run code).
        drop(taken);
    }
}

/// A primitive's hold on its [`KeepAlive`]: lets go of the futures when the
/// primitive dies (waiters still hold the [`KeepAlive`], to remove their
/// entries).
#[derive(Default)]
pub(crate) struct Keeper(pub(crate) Arc<KeepAlive>);

impl Drop for Keeper {
    fn drop(&mut self) {
        self.0.clear();
    }
}

/// The calling thread's id, read once per thread (`thread::current()` would
/// clone and drop a handle each time).
fn current_thread() -> ThreadId {
    thread_local! {
        static ID: ThreadId = thread::current().id();
    }
    ID.with(|id| *id)
}

fn finished() -> PyErr {
    PyRuntimeError::new_err("this wait has already finished")
}

/// `asyncio.Future(loop=...)` of the running loop; `RuntimeError` if no
/// loop runs. (asyncio's primitives call `loop.create_future()`, which only
/// does this, in a Python frame.)
fn new_future(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    static FUTURE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let kwargs = PyDict::new(py);
    kwargs.set_item(intern!(py, "loop"), running_loop(py)?)?;
    FUTURE
        .import(py, "asyncio", "Future")?
        .call((), Some(&kwargs))
}

/// The event loop running on this thread; `RuntimeError` if none.
///
/// `asyncio._get_running_loop()` makes a `getpid()` system call each time
/// (to notice a fork), which is a good part of a wait's cost. So the loop it
/// returned last is kept, weakly, per thread, and reused while it says it
/// runs on this thread: asyncio's loops set `_thread_id` when they start
/// running and clear it when they stop, and only one loop runs on a thread
/// at a time. A loop without `_thread_id` is looked up the long way.
fn running_loop(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    /// The loop found last on this thread, and this thread's `get_ident()`.
    struct Last {
        event_loop: Py<PyWeakrefReference>,
        ident: u64,
    }
    thread_local! {
        static LAST: RefCell<Option<Last>> = const { RefCell::new(None) };
    }
    static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static GET_IDENT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let last = LAST.with_borrow(|last| {
        let last = last.as_ref()?;
        Some((last.event_loop.bind(py).upgrade()?, last.ident))
    });
    if let Some((event_loop, ident)) = last {
        let runs_here = event_loop
            .getattr(intern!(py, "_thread_id"))
            .and_then(|id| id.extract::<u64>())
            .is_ok_and(|id| id == ident);
        if runs_here {
            return Ok(event_loop);
        }
    }
    let running = GET_RUNNING_LOOP
        .import(py, "asyncio", "_get_running_loop")?
        .call0()?;
    if running.is_none() {
        return Err(PyRuntimeError::new_err("no running event loop"));
    }
    let ident = GET_IDENT
        .import(py, "_thread", "get_ident")?
        .call0()?
        .extract()?;
    let last = PyWeakrefReference::new(&running).ok().map(|weak| Last {
        event_loop: weak.unbind(),
        ident,
    });
    LAST.with_borrow_mut(|slot| *slot = last);
    Ok(running)
}

#[pymethods]
impl Waiter {
    /// Awaiting a waiter steps it (it is its own iterator); once only.
    fn __await__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
        if slf.get().awaited.swap(true, Ordering::Relaxed) {
            return Err(PyRuntimeError::new_err(format!(
                "{} is being awaited already",
                slf.get().name
            )));
        }
        Ok(slf)
    }

    /// One step: the asyncio future to wait on, or the end of the wait
    /// (`StopIteration` with the result).
    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        match self.step(py)? {
            AwaitStep::Yield(fut) => Ok(Some(fut)),
            // None: "exhausted" without an exception object, which the
            // interpreter reads as `StopIteration(None)`.
            AwaitStep::Return(None) => Ok(None),
            AwaitStep::Return(Some(value)) => Err(PyStopIteration::new_err(value)),
        }
    }

    /// The coroutine protocol's `send`: a step (the value is ignored; as
    /// for a coroutine, the first must be `None`).
    fn send(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if !value.is_none() && !self.woken.load(Ordering::Relaxed) && self.slot()?.is_some() {
            return Err(PyTypeError::new_err(
                "can't send non-None value to a just-started coroutine",
            ));
        }
        match self.step(py)? {
            AwaitStep::Yield(fut) => Ok(fut),
            AwaitStep::Return(None) => Err(PyStopIteration::new_err(())),
            AwaitStep::Return(Some(value)) => Err(PyStopIteration::new_err(value)),
        }
    }

    /// The coroutine protocol's `throw` (a cancelled task): abandons the
    /// wait, passing on anything it was handed, and raises the exception.
    #[pyo3(signature = (typ, val=None, tb=None))]
    fn throw(
        &self,
        typ: &Bound<'_, PyAny>,
        val: Option<&Bound<'_, PyAny>>,
        tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.cancel_wait()?;
        Err(thrown(typ, val, tb))
    }

    /// The name asyncio shows in a task's repr (`Semaphore.acquire`).
    #[getter]
    fn __qualname__(&self) -> &'static str {
        self.name
    }

    /// The last part of `__qualname__`.
    #[getter]
    fn __name__(&self) -> &'static str {
        self.name.rsplit('.').next().unwrap_or(self.name)
    }

    /// The coroutine protocol's `close`: abandons the wait, passing on
    /// anything it was handed. Idempotent.
    fn close(&self) -> PyResult<()> {
        self.cancel_wait()
    }

    /// Blocks the calling thread (GIL released) until the wait finishes, or
    /// for at most `timeout` seconds: its result, or `False` on time-out.
    #[pyo3(signature = (timeout=None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
        let until = wait_timeout(timeout)?;
        match self.block(py, until.deadline())? {
            Some(outcome) => outcome.into_py(py),
            None => false.into_py_any(py),
        }
    }
}

/// An awaitable that is finished at once, giving `None`: what `__aenter__`
/// returns when it acquired without waiting, and `__aexit__`. One shared
/// instance; awaiting it costs one call.
#[pyclass(frozen, module = "syncio._syncio")]
pub(crate) struct Ready;

#[pymethods]
impl Ready {
    fn __await__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// Always exhausted: `StopIteration(None)`, without an exception object.
    fn __next__(&self) -> Option<Py<PyAny>> {
        None
    }

    /// The coroutine protocol's `send`: finished, `StopIteration(None)`.
    fn send(&self, _value: &Bound<'_, PyAny>) -> PyResult<()> {
        Err(PyStopIteration::new_err(()))
    }

    /// The coroutine protocol's `throw`: raises the exception.
    #[pyo3(signature = (typ, val=None, tb=None))]
    fn throw(
        &self,
        typ: &Bound<'_, PyAny>,
        val: Option<&Bound<'_, PyAny>>,
        tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        Err(thrown(typ, val, tb))
    }

    /// The coroutine protocol's `close`: nothing to do.
    fn close(&self) {}
}

/// The exception a coroutine's `throw(typ, val, tb)` raises, built as a
/// generator's `throw` builds it: an instance as it is, a class called with
/// `val` (unpacked if a tuple) unless `val` is already an instance of it,
/// and `tb` attached. A `StopIteration` becomes a `RuntimeError`, as one
/// escaping a coroutine does (it would otherwise end the `await` quietly).
fn thrown(
    typ: &Bound<'_, PyAny>,
    val: Option<&Bound<'_, PyAny>>,
    tb: Option<&Bound<'_, PyAny>>,
) -> PyErr {
    let build = || -> PyResult<Bound<'_, PyAny>> {
        let val = val.filter(|v| !v.is_none());
        let exc = if let Ok(class) = typ.cast::<PyType>() {
            if !class.is_subclass_of::<PyBaseException>()? {
                return Err(PyTypeError::new_err(
                    "exceptions must be classes or instances deriving from BaseException",
                ));
            }
            match val {
                Some(val) if val.is_instance(class)? => val.clone(),
                Some(val) => match val.cast::<PyTuple>() {
                    Ok(args) => class.call1(args.clone())?,
                    Err(_) => class.call1((val,))?,
                },
                None => class.call0()?,
            }
        } else if typ.is_instance_of::<PyBaseException>() {
            if val.is_some() {
                return Err(PyTypeError::new_err(
                    "instance exception may not have a separate value",
                ));
            }
            typ.clone()
        } else {
            return Err(PyTypeError::new_err(
                "exceptions must be classes or instances deriving from BaseException",
            ));
        };
        if let Some(tb) = tb.filter(|tb| !tb.is_none()) {
            exc.call_method1(intern!(exc.py(), "with_traceback"), (tb,))?;
        }
        Ok(exc)
    };
    match build() {
        Ok(exc) if exc.is_instance_of::<PyStopIteration>() => {
            let err = PyRuntimeError::new_err("coroutine raised StopIteration");
            err.set_cause(exc.py(), Some(PyErr::from_value(exc)));
            err
        }
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}

/// The shared [`Ready`].
pub(crate) fn ready(py: Python<'_>) -> PyResult<Py<PyAny>> {
    static READY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    READY
        .get_or_try_init(py, || Ok::<_, PyErr>(Py::new(py, Ready)?.into_any()))
        .map(|r| r.clone_ref(py))
}

/// Wakes an asyncio task: resolves its future on its loop.
///
/// It holds the future weakly (the task holds it while it waits): a strong
/// reference would make a cycle through Rust (task, coroutine, `Waiter`,
/// queue node, waker, future, task) that Python's garbage collector cannot
/// see, so a task abandoned on a closed loop would keep itself and its loop
/// alive. The future is set after the poll that registered the waker
/// ([`Waiter::step`]).
struct LoopWake {
    fut: OnceLock<Py<PyWeakrefReference>>,
    thread: ThreadId,
    fired: AtomicBool,
}

impl Wake for LoopWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.fired.load(Ordering::Relaxed) {
            return;
        }
        let on_loop_thread = current_thread() == self.thread;
        // `try_attach`: nothing to do once the interpreter is shutting down.
        let _ = Python::try_attach(|py| {
            if self.fired.swap(true, Ordering::AcqRel) {
                return;
            }
            let Some(fut) = self.fut.get() else {
                return; // not set yet: the step that polled sees `fired`
            };
            let Some(fut) = fut.bind(py).upgrade() else {
                return; // the task is gone
            };
            let result = if on_loop_thread {
                resolve(&fut)
            } else {
                resolver(py).and_then(|resolve| {
                    fut.call_method0(intern!(py, "get_loop"))?
                        .call_method1(intern!(py, "call_soon_threadsafe"), (resolve, &fut))
                        .map(drop)
                })
            };
            if let Err(err) = result {
                // A closed loop, say: its tasks will never run again anyway.
                err.write_unraisable(py, Some(&fut));
            }
        });
    }
}

/// `fut.set_result(None)` unless `fut` is done (cancelled meanwhile).
fn resolve(fut: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = fut.py();
    if !fut.call_method0(intern!(py, "done"))?.is_truthy()? {
        fut.call_method1(intern!(py, "set_result"), (py.None(),))?;
    }
    Ok(())
}

fn resolver(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static RESOLVER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    RESOLVER
        .get_or_try_init(py, || {
            PyCFunction::new_closure(py, Some(c"_resolve"), None, |args, _kwargs| {
                resolve(&args.get_item(0)?)
            })
            .map(|f| f.into_any().unbind())
        })
        .map(|f| f.bind(py))
}

/// Wakes a thread parked in [`block`].
struct ThreadWake {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for ThreadWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.woken.swap(true, Ordering::Release) {
            self.thread.unpark();
        }
    }
}

/// How long the main thread parks before it looks for signals.
const SIGNAL_SLICE: Duration = Duration::from_millis(50);

/// How a [`block`] ended.
pub(crate) enum Blocked<T> {
    /// The future finished (or raised).
    Done(PyResult<T>),
    /// The deadline passed first; the future is still pending.
    Deadline,
    /// A signal handler raised (Ctrl-C); the future is still pending.
    Interrupted(PyErr),
}

enum Step<T> {
    Done(PyResult<T>),
    Deadline,
    Slice,
}

/// Polls `fut` to completion with the GIL released, parking in between,
/// unless `deadline` passes first (after one last poll, so that something
/// handed over at the deadline is taken, not passed on). On the main thread
/// it wakes every [`SIGNAL_SLICE`] to run signal handlers: one that raises
/// (`KeyboardInterrupt`) ends the wait with that exception.
pub(crate) fn block<F>(
    py: Python<'_>,
    mut fut: Pin<&mut F>,
    deadline: Option<Instant>,
) -> Blocked<F::Output>
where
    F: Future + Send + ?Sized,
    F::Output: Send,
{
    let main = match is_main_thread(py) {
        Ok(main) => main,
        Err(err) => return Blocked::Interrupted(err),
    };
    let wake = Arc::new(ThreadWake {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(wake.clone());
    loop {
        let step = py.detach(|| {
            let mut cx = Context::from_waker(&waker);
            let slice_end = main.then(|| Instant::now() + SIGNAL_SLICE);
            loop {
                wake.woken.store(false, Ordering::Relaxed);
                if let Poll::Ready(result) = poll_caught(fut.as_mut(), &mut cx) {
                    return Step::Done(result);
                }
                loop {
                    let now = Instant::now();
                    if deadline.is_some_and(|d| now >= d) {
                        return match poll_caught(fut.as_mut(), &mut cx) {
                            Poll::Ready(result) => Step::Done(result),
                            Poll::Pending => Step::Deadline,
                        };
                    }
                    if slice_end.is_some_and(|s| now >= s) {
                        return Step::Slice;
                    }
                    if wake.woken.load(Ordering::Acquire) {
                        break;
                    }
                    match [deadline, slice_end].into_iter().flatten().min() {
                        Some(end) => thread::park_timeout(end - now),
                        None => thread::park(),
                    }
                }
            }
        });
        match step {
            Step::Done(result) => return Blocked::Done(result),
            Step::Deadline => return Blocked::Deadline,
            Step::Slice => {
                if let Err(err) = py.check_signals() {
                    return Blocked::Interrupted(err);
                }
            }
        }
    }
}

/// Bumped in a child process just after `fork()` (`os.register_at_fork`,
/// set up by the package's `__init__`).
static FORK_EPOCH: AtomicU64 = AtomicU64::new(0);

/// Called in the child after `os.fork()`: objects learn of it on their next
/// use (see [`ForkEpoch`]).
#[pyfunction]
pub(crate) fn _after_fork_in_child() {
    FORK_EPOCH.fetch_add(1, Ordering::Relaxed);
}

/// The fork epoch a lock or semaphore last saw. In a child forked while
/// other threads waited on it, those threads do not exist, and a FIFO
/// release would hand them the permit for good (threading's lock, a bare
/// counter, has no such queue). So on its first use in the child, the
/// object forgets its waiters (`Semaphore::forget_waiters`): those that
/// still run start over.
pub(crate) struct ForkEpoch(AtomicU64);

impl ForkEpoch {
    pub(crate) fn new() -> Self {
        ForkEpoch(AtomicU64::new(FORK_EPOCH.load(Ordering::Relaxed)))
    }

    /// Runs `forget` on the first use after a fork (once per fork).
    #[inline]
    pub(crate) fn check(&self, forget: impl FnOnce()) {
        let now = FORK_EPOCH.load(Ordering::Relaxed);
        if self.0.load(Ordering::Relaxed) != now && self.0.swap(now, Ordering::Relaxed) != now {
            forget();
        }
    }
}

/// A primitive's configuration, set by the Python class's `__init__` (through
/// `_setup`) rather than by `__new__`: `__new__` accepts and ignores any
/// arguments, so that a subclass's `__init__` may take its own and pass the
/// base class its share (`super().__init__(value)`), as with threading's and
/// asyncio's pure-Python classes.
pub(crate) struct Setup<T>(OnceLock<T>);

impl<T> Setup<T> {
    pub(crate) fn new() -> Self {
        Setup(OnceLock::new())
    }

    /// Sets it up; `RuntimeError` if it already was.
    pub(crate) fn set(&self, class: &str, value: T) -> PyResult<()> {
        self.0.set(value).map_err(|_| {
            PyRuntimeError::new_err(format!("{class}.__init__() may be called only once"))
        })
    }

    /// The configuration; `RuntimeError` if `__init__` has not run (a
    /// subclass's `__init__` that does not call the base class's).
    #[inline]
    pub(crate) fn get(&self, class: &str) -> PyResult<&T> {
        self.0.get().ok_or_else(|| not_set_up(class))
    }

    /// The configuration, if set up.
    pub(crate) fn try_get(&self) -> Option<&T> {
        self.0.get()
    }
}

#[cold]
fn not_set_up(class: &str) -> PyErr {
    PyRuntimeError::new_err(format!(
        "{class}.__init__() was not called (a subclass's __init__ must call super().__init__())"
    ))
}

/// Whether the caller is Python's main thread, the one that runs signal
/// handlers. Asked each time, not cached: in a child forked from another
/// thread, the forking thread is the main thread (threading updates its
/// record after the fork), and its waits must stay interruptible.
pub(crate) fn is_main_thread(py: Python<'_>) -> PyResult<bool> {
    static MAIN_THREAD: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static GET_IDENT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let main = MAIN_THREAD
        .import(py, "threading", "main_thread")?
        .call0()?
        .getattr("ident")?;
    let get_ident = GET_IDENT.import(py, "_thread", "get_ident")?;
    get_ident.call0()?.eq(main)
}

/// A thread's wait, `true` if it finished before `until`. On the main
/// thread it goes through `wait` (a future of the core, polled in slices so
/// that Ctrl-C gets through, keeping its place in line); on any other thread
/// through `blocking`, the core's own blocking form (which spins before it
/// parks), with the GIL released.
pub(crate) fn block_thread<F>(
    py: Python<'_>,
    until: Until,
    wait: impl FnOnce() -> F,
    blocking: impl FnOnce(Option<Instant>) -> bool + Send,
) -> PyResult<bool>
where
    F: Future<Output = Outcome> + Send + 'static,
{
    if let Until::Now = until {
        return Ok(false);
    }
    if is_main_thread(py)? {
        let waiter = Waiter::new("wait", None, wait());
        return Ok(waiter.block(py, until.deadline())?.is_some());
    }
    Ok(py.detach(move || blocking(until.deadline())))
}

/// The asyncio waiters of one primitive that have not resumed yet, per
/// event loop: what each loop's asyncio `_waiters` would hold. Each one's
/// end (resumed, or dropped) is announced on `resumed`, and so is each
/// held-back newcomer's move into the core's queue.
pub(crate) struct AsyncioWaiters {
    /// All loops together: lets the common case (none) skip the map.
    total: AtomicUsize,
    per_loop: Mutex<Vec<LoopWaiters>>,
    resumed: syncio::Condition,
    /// Whether the primitive could be acquired right now (a permit free, the
    /// lock unlocked).
    free: Box<dyn Fn() -> bool + Send + Sync>,
}

/// One event loop's share of [`AsyncioWaiters`]. The loop, not the
/// thread: a loop stopped with waiters held back on it (never to run
/// again) must not hold back the next loop run on that thread.
struct LoopWaiters {
    /// Names the share for its waiters (see [`InFlight`]).
    id: u64,
    /// The loop's address, 0 for waits polled with no loop running (wait
    /// objects stepped by hand), which share per thread.
    address: usize,
    thread: ThreadId,
    /// The loop, weakly: a strong reference from here, which the garbage
    /// collector cannot see, would keep a loop dropped unclosed with a
    /// waiting task alive for good. A share whose loop is gone matches no
    /// new loop at the same address. (`None` for a loop that takes no weak
    /// references: the address alone.)
    event_loop: Option<Py<PyWeakrefReference>>,
    /// Its waiters from their start until they resume or are dropped.
    in_flight: usize,
    /// Those of them held back outside the core's queue (see
    /// [`AsyncioWaiters::acquire`]).
    held: usize,
}

impl AsyncioWaiters {
    pub(crate) fn new(free: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        AsyncioWaiters {
            total: AtomicUsize::new(0),
            per_loop: Mutex::new(Vec::new()),
            resumed: syncio::Condition::new(),
            free: Box::new(free),
        }
    }

    /// An asyncio acquire, counted from now until it resumes. As in asyncio,
    /// while an earlier waiter of the same loop has not resumed, a free
    /// permit is not a newcomer's: it is held back until one resumes (and
    /// then passes on what it does not need, as asyncio's `_wake_up_next`
    /// after a resume). A newcomer of a loop that has waiters held back is
    /// held back too, behind them, so that it queues in the core after them
    /// as asyncio's would in its `_waiters`, even if the free permit that
    /// held them back has gone meanwhile. Waiters of other loops do not
    /// hold it back: their loops may be idle.
    pub(crate) fn acquire(
        self: &Arc<Self>,
        acquire: impl Future<Output = Outcome> + Send + 'static,
    ) -> impl Future<Output = Outcome> + Send + 'static {
        let waiters = self.clone();
        async move {
            let (in_flight, first_look) = InFlight::enter(waiters);
            let waiters = &*in_flight.waiters;
            // Checked (on the counts taken as this waiter was counted),
            // then, once listening, checked again and counted as held under
            // the `per_loop` mutex: a resumption or a held waiter's
            // leaving in between is not missed (both sides go through that
            // mutex, which orders them).
            if waiters.must_hold(first_look) {
                let mut resumed = std::pin::pin!(waiters.resumed.notified());
                resumed.as_mut().enable();
                if let Some(_held) = in_flight.hold() {
                    resumed.await;
                }
            }
            let outcome = acquire.await;
            drop(in_flight);
            outcome
        }
    }

    /// Whether a newcomer that sees its loop's share `(in_flight, held)`
    /// (itself counted in flight) must be held back: an earlier waiter of
    /// its loop has not resumed and a permit is free, or one is held back
    /// already.
    fn must_hold(&self, (in_flight, held): (usize, usize)) -> bool {
        held > 0 || (in_flight > 1 && (self.free)())
    }

    /// asyncio's fast path: whether nothing holds a newcomer of this
    /// thread's loop back (no unresumed asyncio waiter of that loop) and
    /// `try_take` took what it asked for.
    pub(crate) fn try_now(&self, try_take: impl FnOnce() -> bool) -> bool {
        self.count_here() == 0 && try_take()
    }

    /// asyncio's `acquire()`, from its first step on (not from the call, as
    /// for a coroutine): [`try_now`](Self::try_now), else
    /// [`acquire`](Self::acquire).
    pub(crate) fn acquire_lazily(
        self: &Arc<Self>,
        try_take: impl FnOnce() -> bool + Send + 'static,
        acquire: impl Future<Output = Outcome> + Send + 'static,
    ) -> impl Future<Output = Outcome> + Send + 'static {
        let waiters = self.clone();
        async move {
            if waiters.try_now(try_take) {
                return Outcome::True;
            }
            waiters.acquire(acquire).await
        }
    }

    /// Unresumed asyncio waiters of the running loop.
    pub(crate) fn count_here(&self) -> usize {
        if self.total() == 0 {
            return 0;
        }
        Python::attach(|py| {
            let here = Here::current(py);
            lock(&self.per_loop)
                .iter()
                .find(|w| here.is(w))
                .map_or(0, |w| w.in_flight)
        })
    }

    /// Unresumed asyncio waiters of every loop.
    pub(crate) fn total(&self) -> usize {
        self.total.load(Ordering::Acquire)
    }

    /// Runs `f` on share `id`, which exists while one of its waiters is in
    /// flight.
    fn on_loop<R>(&self, id: u64, f: impl FnOnce(&mut LoopWaiters) -> R) -> R {
        let mut per_loop = lock(&self.per_loop);
        let here = per_loop
            .iter_mut()
            .find(|w| w.id == id)
            .expect("a loop's share lives while one of its waiters is in flight");
        f(here)
    }

    /// Wakes the held-back newcomers. All of them, since a newcomer of
    /// another loop may be the oldest; once woken, each queues in the core
    /// like anyone else.
    fn wake_held(&self) {
        if self.resumed.waiters() > 0 {
            self.resumed.notify_all();
        }
    }
}

/// The calling thread and its running loop, to find their share of
/// [`AsyncioWaiters`].
struct Here<'py> {
    thread: ThreadId,
    event_loop: Option<Bound<'py, PyAny>>,
}

impl<'py> Here<'py> {
    fn current(py: Python<'py>) -> Self {
        Here {
            thread: current_thread(),
            event_loop: running_loop(py).ok(),
        }
    }

    fn address(&self) -> usize {
        self.event_loop.as_ref().map_or(0, |l| l.as_ptr() as usize)
    }

    /// Whether `share` is this loop's. Runs no Python code (a weak
    /// reference's lookup), so it may run under the `per_loop` mutex.
    fn is(&self, share: &LoopWaiters) -> bool {
        match (&self.event_loop, &share.event_loop) {
            _ if share.address != self.address() => false,
            (None, _) => share.thread == self.thread,
            (Some(_), None) => true,
            (Some(l), Some(weak)) => weak.bind(l.py()).upgrade().is_some_and(|o| o.is(l)),
        }
    }
}

/// Counts one asyncio waiter in [`AsyncioWaiters`] from its start until it
/// resumes or is dropped.
struct InFlight {
    waiters: Arc<AsyncioWaiters>,
    /// Its loop's share.
    share: u64,
}

impl InFlight {
    /// Also returns its loop's share `(in_flight, held)` as it was once
    /// this waiter was counted.
    fn enter(waiters: Arc<AsyncioWaiters>) -> (Self, (usize, usize)) {
        static NEXT_SHARE: AtomicU64 = AtomicU64::new(1);
        Python::attach(|py| {
            let here = Here::current(py);
            // Made before the lock: it allocates (asyncio's loops already
            // have a plain weak reference, which it reuses).
            let weak = here
                .event_loop
                .as_ref()
                .and_then(|l| PyWeakrefReference::new(l).ok())
                .map(Bound::unbind);
            waiters.total.fetch_add(1, Ordering::AcqRel);
            let mut per_loop = lock(&waiters.per_loop);
            let (share, counts) = match per_loop.iter_mut().find(|w| here.is(w)) {
                Some(w) => {
                    w.in_flight += 1;
                    (w.id, (w.in_flight, w.held))
                }
                None => {
                    let id = NEXT_SHARE.fetch_add(1, Ordering::Relaxed);
                    per_loop.push(LoopWaiters {
                        id,
                        address: here.address(),
                        thread: here.thread,
                        event_loop: weak,
                        in_flight: 1,
                        held: 0,
                    });
                    (id, (1, 0))
                }
            };
            drop(per_loop);
            (InFlight { waiters, share }, counts)
        })
    }

    /// Counts this waiter as held back if it still must be (see
    /// [`AsyncioWaiters::must_hold`]), until the returned guard drops.
    fn hold(&self) -> Option<Held<'_>> {
        let waiters = &*self.waiters;
        waiters
            .on_loop(self.share, |here| {
                let hold = waiters.must_hold((here.in_flight, here.held));
                here.held += usize::from(hold);
                hold
            })
            .then_some(Held(self))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let waiters = &*self.waiters;
        let mut per_loop = lock(&waiters.per_loop);
        let gone = match per_loop.iter().position(|w| w.id == self.share) {
            Some(i) => {
                per_loop[i].in_flight -= 1;
                (per_loop[i].in_flight == 0).then(|| per_loop.swap_remove(i))
            }
            None => None,
        };
        drop(per_loop);
        // The share's weak reference, if this was its last waiter, goes
        // after the lock (pyo3 defers it if the GIL is not held).
        drop(gone);
        waiters.total.fetch_sub(1, Ordering::AcqRel);
        // Wake the held-back newcomers even if nothing is free right now: a
        // later release may come from a thread or a plain `release()`, which
        // knows nothing of them.
        waiters.wake_held();
    }
}

/// A waiter held back outside the core's queue, from the check that holds
/// it until it moves on to the queue (or is dropped): then the newcomers of
/// its loop held back behind it follow it there, in their order.
struct Held<'a>(&'a InFlight);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let waiters = &*self.0.waiters;
        waiters.on_loop(self.0.share, |here| here.held -= 1);
        waiters.wake_held();
    }
}

/// A `blocking` argument: any object, by its truth value, as threading's
/// (`lock.acquire(0)`, `sem.acquire(None)`).
#[derive(Clone, Copy)]
pub(crate) struct Truthy(pub(crate) bool);

impl<'a, 'py> FromPyObject<'a, 'py> for Truthy {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        obj.is_truthy().map(Truthy)
    }
}

/// When a timed wait ends.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Until {
    /// Do not wait (`blocking=False`, or a time-out of zero or less).
    Now,
    /// Wait as long as it takes.
    Forever,
    /// Wait until this instant.
    Deadline(Instant),
}

impl Until {
    pub(crate) fn deadline(self) -> Option<Instant> {
        match self {
            Until::Now => Some(Instant::now()),
            Until::Forever => None,
            Until::Deadline(d) => Some(d),
        }
    }
}

fn after(seconds: f64) -> Until {
    if seconds <= 0.0 {
        return Until::Now;
    }
    match Duration::try_from_secs_f64(seconds)
        .ok()
        .and_then(|d| Instant::now().checked_add(d))
    {
        Some(d) => Until::Deadline(d),
        None => Until::Forever,
    }
}

/// A NaN time-out: `ValueError`, with the message of threading's C lock.
fn reject_nan(timeout: f64) -> PyResult<f64> {
    if timeout.is_nan() {
        return Err(PyValueError::new_err("Invalid value NaN (not a number)"));
    }
    Ok(timeout)
}

/// A time-out longer than `_thread.TIMEOUT_MAX` (infinity included):
/// `OverflowError`, as every threading primitive raises for it, rather than
/// a wait that never ends.
fn reject_too_long(timeout: f64) -> PyResult<f64> {
    if timeout > crate::timeout_max() {
        return Err(PyOverflowError::new_err("timeout value is too large"));
    }
    Ok(timeout)
}

/// `threading.Lock.acquire(blocking=True, timeout=-1)`'s arguments, with the
/// C lock's checks, in its order, and its messages.
pub(crate) fn lock_timeout(blocking: bool, timeout: f64) -> PyResult<Until> {
    // The C lock converts the time-out before looking at anything else: a
    // NaN or one out of range either way is refused even when not blocking.
    reject_nan(timeout)?;
    reject_too_long(timeout.abs())?;
    if !blocking {
        if timeout != -1.0 {
            return Err(PyValueError::new_err(
                "can't specify a timeout for a non-blocking call",
            ));
        }
        return Ok(Until::Now);
    }
    if timeout == -1.0 {
        return Ok(Until::Forever);
    }
    if timeout < 0.0 {
        return Err(PyValueError::new_err("timeout value must be positive"));
    }
    Ok(after(timeout))
}

/// A time-out argument of a call that may not have to wait: threading
/// converts (and so refuses) the time-out only once the call has to wait,
/// and so does [`until`](Self::until), called then.
#[derive(Clone, Copy)]
pub(crate) enum Timeout {
    Now,
    Forever,
    Seconds(f64),
}

/// A `timeout=None` argument (`None`: no limit), not yet converted.
impl From<Option<f64>> for Timeout {
    fn from(timeout: Option<f64>) -> Self {
        match timeout {
            None => Timeout::Forever,
            Some(t) => Timeout::Seconds(t),
        }
    }
}

impl Timeout {
    /// The deadline of a wait: a time-out longer than `TIMEOUT_MAX` is an
    /// `OverflowError`, a NaN a `ValueError` (on which threading's semaphore
    /// and barrier would loop forever).
    pub(crate) fn until(self) -> PyResult<Until> {
        match self {
            Timeout::Now => Ok(Until::Now),
            Timeout::Forever => Ok(Until::Forever),
            Timeout::Seconds(t) => Ok(after(reject_too_long(reject_nan(t)?)?)),
        }
    }
}

/// `threading.Semaphore.acquire(blocking=True, timeout=None)`'s arguments,
/// with the check threading makes before anything else.
pub(crate) fn sem_timeout(blocking: bool, timeout: Option<f64>) -> PyResult<Timeout> {
    match (blocking, timeout) {
        (false, Some(_)) => Err(PyValueError::new_err(
            "can't specify timeout for non-blocking acquire",
        )),
        (false, None) => Ok(Timeout::Now),
        (true, timeout) => Ok(timeout.into()),
    }
}

/// `Event.wait(timeout=None)`'s and `Condition.wait`'s argument, for a call
/// that has to wait: `None` waits forever; zero, less, or NaN does not wait
/// (threading's test is `timeout > 0`, which NaN fails); longer than
/// `TIMEOUT_MAX` is an `OverflowError`.
pub(crate) fn wait_timeout(timeout: Option<f64>) -> PyResult<Until> {
    match timeout {
        None => Ok(Until::Forever),
        Some(t) if t.is_nan() => Ok(Until::Now),
        Some(t) => Ok(after(reject_too_long(t)?)),
    }
}
