//! [`Semaphore`] and [`BoundedSemaphore`]: counted permits for tasks and
//! threads alike.
//!
//! # Python and Rust side by side
//!
//! ```python
//! # asyncio                                  # threading
//! sem = asyncio.Semaphore(2)                 sem = threading.Semaphore(2)
//! async with sem:                            with sem:
//!     ...                                        ...
//! await sem.acquire(); sem.release()         ok = sem.acquire(timeout=0.5)
//! sem.locked()                               sem.release(n=3)
//! bsem = asyncio.BoundedSemaphore(1)
//! bsem.release()  # ValueError: released too many times
//! ```
//!
//! ```
//! use std::time::Duration;
//! use syncio::{BoundedSemaphore, ReleaseError, Semaphore};
//!
//! # futures::executor::block_on(async {
//! let sem = Semaphore::new(2);
//! {
//!     let _permit = sem.acquire().await?; // `async with sem:`
//!     // ... the permit is released when `_permit` drops
//! }
//! // `await sem.acquire()` ... `sem.release()`: forget the guard, release by hand.
//! sem.acquire().await?.forget();
//! sem.release(1)?;
//! // The same object from a thread: `sem.acquire(timeout=0.5)`.
//! std::thread::scope(|s| {
//!     s.spawn(|| assert!(sem.acquire_timeout(Duration::from_millis(500)).is_ok()));
//! });
//! assert!(!sem.locked());
//! sem.release(3)?; // `sem.release(n=3)`
//! assert_eq!(sem.available_permits(), 5);
//!
//! let bsem = BoundedSemaphore::new(1);
//! assert!(matches!(bsem.release(1), Err(ReleaseError::AboveBound { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # Design
//!
//! The count lives in one atomic word beside two flags: *closed* and *waiters
//! queued*. An uncontended acquire is one compare-and-swap on that word; a
//! release with nobody queued is one compare-and-swap as well and never takes
//! the queue lock. Once a waiter is queued, every change to the count goes
//! through the queue lock, and a release hands its permits straight to the
//! oldest waiters whose requests it can cover. Those waiters are woken after
//! the lock is dropped.
#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::mem;
use std::ops::Deref;
use std::pin::{pin, Pin};
use std::sync::atomic::Ordering::{self, AcqRel, Relaxed, Release};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use crate::error::{AcquireError, AcquireTimeoutError, ReleaseError, TryAcquireError};
use crate::fairness::Fairness;
use crate::raw::sync::AtomicUsize;
use crate::raw::{
    self as waiters, Cancel, Guarded, QueueGuard, WaitQueue, WaitState, Waiter, WakeList,
};

/// The largest number of permits a semaphore can hold, and the most a single
/// call can ask for or release.
///
/// [`Semaphore::new`] panics above it; every other call that would exceed it
/// returns an error and changes nothing.
pub const MAX_PERMITS: usize = usize::MAX >> SHIFT;

/// State word: `permits << SHIFT | WOKEN | HANDOFF | WAITERS | CLOSED`.
const CLOSED: usize = 1;
/// Set while the wait queue is non-empty. While it is set the count only
/// changes under the queue lock, which is what lets the lock holder hand
/// permits out in FIFO order.
const WAITERS: usize = 2;
/// Barging only: the oldest waiter has waited past the starvation bound, so
/// nobody may barge until it is served (its permits accumulate for it, even
/// a request for several).
const HANDOFF: usize = 4;
/// Barging only, set and cleared under the queue lock: the oldest waiter
/// has been woken to compete and has not registered a waker since, so a
/// release has nobody to wake (see [`Semaphore::add_permits_barging`]).
/// Implies WAITERS.
const WOKEN: usize = 8;
const SHIFT: usize = 4;
/// Every flag: the bits below the count.
const FLAGS: usize = (1 << SHIFT) - 1;
/// The flags about the wait queue, all lowered when it empties.
const QUEUE_FLAGS: usize = WAITERS | HANDOFF | WOKEN;

/// Marks a semaphore without a bound.
const UNBOUNDED: usize = usize::MAX;

/// Notification codes carried by a woken waiter.
const GRANTED: usize = 0;
const CLOSED_CODE: usize = 1;

/// A counting semaphore usable from async tasks and OS threads at once:
/// Python's `asyncio.Semaphore` and `threading.Semaphore` in one object.
///
/// Permits are acquired with [`acquire`](Self::acquire) (async),
/// [`acquire_blocking`](Self::acquire_blocking) and
/// [`acquire_timeout`](Self::acquire_timeout) (threads), or
/// [`try_acquire`](Self::try_acquire) (anywhere), each returning a
/// [`SemaphorePermit`] that gives its permits back when dropped. The `_many`
/// forms take several permits at once and `_owned` forms work on an
/// `Arc<Semaphore>` and return an [`OwnedSemaphorePermit`] with no lifetime.
///
/// # Fairness
///
/// Strictly first-in, first-out. Waiters are served in the order they started
/// waiting, whatever they wait from (task or thread) and however many permits
/// they ask for: a waiter asking for 5 permits holds back a later one asking
/// for 1, even while 3 are free. A newcomer never takes a permit while anyone
/// is queued, so [`try_acquire`](Self::try_acquire) fails in that case even if
/// permits are free.
///
/// Strict FIFO costs a wake-up per hand-off under contention. Where
/// throughput matters more than order, [`with_fairness`](Self::with_fairness)
/// with [`Fairness::BARGING`] lets a running caller take free permits ahead
/// of a woken waiter, while no waiter is passed over for longer than a
/// starvation bound (as parking_lot's and async-lock's locks).
///
/// # Cancel safety
///
/// Dropping an [`Acquire`] future, or a blocking wait timing out, gives up
/// its place in the queue; if permits had already been handed to it, they go
/// back to the semaphore and on to the next waiters. No permit is ever lost.
///
/// # Memory ordering
///
/// Releasing permits (dropping a permit or calling
/// [`release`](Self::release)) happens-before the acquire that obtains them,
/// as with a mutex unlock and lock.
///
/// # Differences from asyncio and threading
///
/// - One object serves tasks and threads; asyncio's is bound to one event
///   loop and is not thread-safe, threading's blocks the event loop.
/// - Wake-up order is FIFO (threading's order is unspecified).
/// - `async with sem:` / `with sem:` is an RAII [`SemaphorePermit`].
/// - Rust additions: `acquire_many`, [`close`](Self::close), owned permits.
// `repr(C)` with `state` last: in a `Mutex` the value it guards comes right
// after it, on the same cache line (workload 5 of the benchmark, 2 threads:
// 1.68x -> 1.35x parking_lot's time). The queue's length and data sit just
// before `state`, on its line too: a contended acquire or release writes
// both under the queue lock, so one line moves instead of two. Measured
// against the alternatives, workload 3a (syncio / tokio): 32 read-mostly
// bytes between the queue and `state`, 0.65x -> 0.73x; the queue and `state`
// alone on a 64-byte aligned line, within noise on 3a but 5b 8% slower (the
// mutex's value then on another line than its lock word).
#[repr(C)]
pub struct Semaphore {
    /// Initial value of a bounded semaphore, or `UNBOUNDED`.
    bound: usize,
    /// `Some(starvation bound)` under [`Fairness::Barging`].
    barging: Option<Duration>,
    /// Bounded only: permits acquired and then forgotten, which a raw
    /// `release` may give back.
    forgotten: AtomicUsize,
    queue: WaitQueue<QueueData>,
    state: AtomicUsize,
}

/// Lock-protected data of the queue.
#[derive(Debug)]
struct QueueData {
    /// Barging only: when the current oldest waiter, first in line since
    /// then minus the starvation bound, starts starving (`None`: nobody is
    /// queued, or the bound is too large to ever be reached).
    front_deadline: Option<Instant>,
}

/// The time, read at most once per critical section of the queue lock, and
/// only if needed: one clock read costs about 50 ns on the benchmark machine,
/// and a barging release that finds the oldest waiter waiting needs one.
#[derive(Default)]
struct Now(Option<Instant>);

impl Now {
    fn get(&mut self) -> Instant {
        *self.0.get_or_insert_with(Instant::now)
    }
}

impl Semaphore {
    crate::raw::sync::const_fn! {
        /// Creates a semaphore holding `permits` permits. Usable in a `static`.
        ///
        /// # Panics
        ///
        /// If `permits` exceeds [`MAX_PERMITS`] (Python raises `ValueError` for
        /// a negative value, which `usize` rules out).
        ///
        /// # Examples
        ///
        /// ```
        /// use syncio::Semaphore;
        /// static CONNECTIONS: Semaphore = Semaphore::new(10);
        /// assert_eq!(CONNECTIONS.available_permits(), 10);
        /// ```
        #[must_use]
        pub const fn new(permits: usize) -> Self {
            Self::build(permits, UNBOUNDED, Fairness::Fifo)
        }
    }

    crate::raw::sync::const_fn! {
        /// Creates a semaphore holding `permits` permits with the given
        /// [`Fairness`] policy. Usable in a `static`.
        ///
        /// Under [`Fairness::Barging`], [`try_acquire`](Self::try_acquire) and
        /// new acquires take free permits even while others wait, and
        /// [`locked`](Self::locked) is `true` only while no permit is free,
        /// or while free permits are being saved for a waiter that has
        /// waited past the starvation bound (nobody else may take them
        /// then).
        ///
        /// # Panics
        ///
        /// If `permits` exceeds [`MAX_PERMITS`].
        ///
        /// # Examples
        ///
        /// ```
        /// use syncio::{Fairness, Semaphore};
        /// let sem = Semaphore::with_fairness(4, Fairness::BARGING);
        /// assert_eq!(sem.available_permits(), 4);
        /// ```
        #[must_use]
        pub const fn with_fairness(permits: usize, fairness: Fairness) -> Self {
            Self::build(permits, UNBOUNDED, fairness)
        }
    }

    crate::raw::sync::const_fn! {
        /// A semaphore that never holds more than `permits` (a
        /// [`BoundedSemaphore`]'s core; also the lock of `Lock` and `Mutex`).
        pub(crate) const fn new_bounded(permits: usize, fairness: Fairness) -> Self {
            Self::build(permits, permits, fairness)
        }
    }

    crate::raw::sync::const_fn! {
        const fn build(permits: usize, bound: usize, fairness: Fairness) -> Self {
            assert!(
                permits <= MAX_PERMITS,
                "a semaphore cannot hold more than MAX_PERMITS permits"
            );
            Semaphore {
                state: AtomicUsize::new(permits << SHIFT),
                bound,
                barging: match fairness {
                    Fairness::Fifo => None,
                    Fairness::Barging { starvation_bound } => Some(starvation_bound),
                },
                forgotten: AtomicUsize::new(0),
                queue: WaitQueue::new(QueueData {
                    front_deadline: None,
                }),
            }
        }
    }

    /// The fairness policy this semaphore was created with.
    #[must_use]
    pub fn fairness(&self) -> Fairness {
        match self.barging {
            None => Fairness::Fifo,
            Some(starvation_bound) => Fairness::Barging { starvation_bound },
        }
    }

    /// The most permits one call can ask for: the bound of a bounded
    /// semaphore, [`MAX_PERMITS`] otherwise.
    #[inline]
    fn max_request(&self) -> usize {
        if self.bound == UNBOUNDED {
            MAX_PERMITS
        } else {
            self.bound
        }
    }

    #[inline]
    fn check_request(&self, n: usize) -> Result<(), AcquireError> {
        let max = self.max_request();
        if n > max {
            Err(AcquireError::TooManyPermits { requested: n, max })
        } else {
            Ok(())
        }
    }

    /// Number of permits free right now.
    ///
    /// While waiters are queued this may be non-zero (permits set aside for
    /// the oldest waiter until enough are free for its request).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = syncio::Semaphore::new(3);
    /// let _p = sem.try_acquire_many(2).unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    #[inline]
    #[must_use]
    pub fn available_permits(&self) -> usize {
        self.state.load(Ordering::Acquire) >> SHIFT
    }

    /// Returns `true` if an acquire of one permit cannot succeed immediately:
    /// no permit is free, or someone is already queued (asyncio's `locked()`
    /// since Python 3.11).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = syncio::Semaphore::new(1);
    /// let p = sem.try_acquire().unwrap();
    /// assert!(sem.locked());
    /// drop(p);
    /// assert!(!sem.locked());
    /// ```
    #[inline]
    #[must_use]
    pub fn locked(&self) -> bool {
        let s = self.state.load(Ordering::Acquire);
        s >> SHIFT == 0 || (s & WAITERS != 0 && !self.may_barge(s))
    }

    /// Whether a caller may take free permits ahead of queued waiters:
    /// barging, and no starving waiter is being served first.
    #[inline]
    fn may_barge(&self, s: usize) -> bool {
        self.barging.is_some() && s & HANDOFF == 0
    }

    /// Returns `true` once [`close`](Self::close) has been called.
    #[inline]
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Closes the semaphore: every queued acquire, and every later acquire,
    /// fails with a `Closed` error. Permits already held stay valid and may
    /// still be released; closing cannot be undone.
    ///
    /// # Examples
    ///
    /// ```
    /// use syncio::{Semaphore, TryAcquireError};
    /// let sem = Semaphore::new(1);
    /// sem.close();
    /// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    /// ```
    pub fn close(&self) {
        let mut wakes = WakeList::new();
        let mut q = self.queue.lock();
        self.state.fetch_or(CLOSED, Release);
        while q.notify_front(CLOSED_CODE, &mut wakes) {}
        q.front_deadline = None;
        self.state.fetch_and(!QUEUE_FLAGS, Release);
        drop(q);
        wakes.wake_all();
    }

    /// Not part of the API: support for the Python bindings' `fork()`.
    ///
    /// Takes every waiter out of the queue without serving it. Each is left
    /// as if it had never queued and is woken: a waiter whose owner still
    /// runs polls again and queues anew, at the back. The permit count and
    /// the closed flag are unchanged.
    ///
    /// In a child process just forked from a multi-threaded one, the waiting
    /// threads do not exist: without this, a release hands the permits to
    /// one of them and they are never seen again.
    #[doc(hidden)]
    pub fn forget_waiters(&self) {
        let mut wakes = WakeList::new();
        let mut q = self.queue.lock();
        while q.reset_front(&mut wakes) {}
        q.front_deadline = None;
        self.state.fetch_and(!QUEUE_FLAGS, Release);
        drop(q);
        wakes.wake_all();
    }

    /// Takes `n` permits if they are free and nobody is queued. One CAS in
    /// the uncontended case. Returns the state word it left (a permit's
    /// release hint, see [`Held`]).
    #[inline]
    fn try_take(&self, n: usize) -> Result<usize, TryAcquireError> {
        let mut s = self.state.load(Relaxed);
        loop {
            if s & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if n == 0 {
                return Ok(s);
            }
            // FIFO: nobody overtakes a queued waiter. Barging: anyone may.
            if (s & WAITERS != 0 && !self.may_barge(s)) || s >> SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            let new = s - (n << SHIFT);
            match self
                .state
                .compare_exchange_weak(s, new, Ordering::Acquire, Relaxed)
            {
                Ok(_) => return Ok(new),
                Err(actual) => s = actual,
            }
        }
    }

    /// A one-permit lock's (`Mutex`, `Lock`) uncontended lock: one CAS on the
    /// guess "free, no flags" instead of a load and then a CAS. The load
    /// costs as much again as the CAS on this path (measured: 31 vs 19 ns for
    /// a lock + unlock); the guess is only made by locks, since for other
    /// semaphores it is usually wrong. `None` if the guess was wrong: take
    /// the general path.
    #[inline]
    pub(crate) fn try_lock_guessed(&self) -> Option<SemaphorePermit<'_>> {
        // `then`, not `then_some`: a permit built eagerly and dropped on a
        // failed guess would release a permit it never took. Its hint: the
        // lock's word is 0 now.
        let taken = self
            .state
            .compare_exchange(1 << SHIFT, 0, Ordering::Acquire, Relaxed)
            .is_ok();
        taken.then(|| SemaphorePermit {
            sem: self,
            held: Held::hinted(1, 0),
        })
    }

    /// A one-permit lock's unlock: one CAS on the guess "held, no flags"
    /// (the word a lock taken without waiting left), else the general path
    /// from the word the CAS found.
    #[inline]
    pub(crate) fn unlock_guessed(&self) {
        self.give_back_hinted(0);
    }

    /// Tries to take one permit without waiting.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] if no permit is free or someone is
    /// queued; [`TryAcquireError::Closed`] if the semaphore is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = syncio::Semaphore::new(1);
    /// let p = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_err());
    /// drop(p);
    /// assert!(sem.try_acquire().is_ok());
    /// ```
    #[inline]
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Tries to take `n` permits at once without waiting. `n == 0` succeeds
    /// at once (unless closed) with an empty permit.
    ///
    /// # Errors
    ///
    /// As [`try_acquire`](Self::try_acquire), plus
    /// [`TryAcquireError::TooManyPermits`] if `n` exceeds what the semaphore
    /// can ever hold.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = syncio::Semaphore::new(3);
    /// assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
    /// assert!(sem.try_acquire_many(4).is_err());
    /// ```
    #[inline]
    pub fn try_acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.check_request(n)?;
        let hint = self.try_take(n)?;
        Ok(SemaphorePermit {
            sem: self,
            held: Held::hinted(n, hint),
        })
    }

    /// Waits for one permit.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe. Dropping the future before it completes gives up its
    /// place in the queue; permits handed to it in the meantime are passed on.
    ///
    /// # Errors
    ///
    /// [`AcquireError::Closed`] if the semaphore is closed before the permit
    /// is handed over.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = syncio::Semaphore::new(1);
    /// let permit = sem.acquire().await.unwrap();
    /// assert_eq!(sem.available_permits(), 0);
    /// drop(permit);
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    #[inline]
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// Waits for `n` permits, taken all at once. The request keeps its place
    /// in the FIFO queue: later requests wait behind it even if they are
    /// smaller.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`acquire`](Self::acquire).
    ///
    /// # Errors
    ///
    /// [`AcquireError::Closed`] if the semaphore is closed first;
    /// [`AcquireError::TooManyPermits`] at once, changing nothing, if `n`
    /// exceeds what the semaphore can ever hold.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let sem = syncio::Semaphore::new(5);
    /// let permit = sem.acquire_many(3).await.unwrap();
    /// assert_eq!(permit.num_permits(), 3);
    /// assert_eq!(sem.available_permits(), 2);
    /// // More than a semaphore can ever hold is an error, not a hang.
    /// assert!(sem.acquire_many(syncio::MAX_PERMITS + 1).await.is_err());
    /// # });
    /// ```
    #[inline]
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        Acquire {
            inner: Guarded::new(AcquireState {
                sem: Some(self),
                permits: n,
            }),
        }
    }

    /// Blocks the current thread until one permit is free: threading's
    /// `sem.acquire()`.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread. Do not call it from an async task: use
    /// [`acquire`](Self::acquire) there.
    ///
    /// # Cancel safety
    ///
    /// A blocking call cannot be cancelled; it returns only with the permit
    /// or an error.
    ///
    /// # Errors
    ///
    /// [`AcquireError::Closed`] if the semaphore is closed first.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = syncio::Semaphore::new(1);
    /// std::thread::scope(|s| {
    ///     s.spawn(|| drop(sem.acquire_blocking().unwrap()));
    /// });
    /// ```
    #[inline]
    pub fn acquire_blocking(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        // The uncontended case, inlined (no size check needed: `try_take`
        // cannot find more than the semaphore can hold).
        if let Ok(hint) = self.try_take(1) {
            return Ok(SemaphorePermit {
                sem: self,
                held: Held::hinted(1, hint),
            });
        }
        self.acquire_many_blocking(1)
    }

    /// Blocks the current thread until `n` permits are free.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; not for use inside an async task.
    ///
    /// # Cancel safety
    ///
    /// A blocking call cannot be cancelled.
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](Self::acquire_many).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = syncio::Semaphore::new(2);
    /// assert_eq!(sem.acquire_many_blocking(2).unwrap().num_permits(), 2);
    /// ```
    pub fn acquire_many_blocking(&self, n: usize) -> Result<SemaphorePermit<'_>, AcquireError> {
        match self.block(n, None) {
            Ok(p) => Ok(p),
            Err(AcquireTimeoutError::Closed) => Err(AcquireError::Closed),
            Err(AcquireTimeoutError::TooManyPermits { requested, max }) => {
                Err(AcquireError::TooManyPermits { requested, max })
            }
            Err(AcquireTimeoutError::Timeout) => unreachable!("waited without a deadline"),
        }
    }

    /// Blocks the current thread for at most `timeout` waiting for one
    /// permit: threading's `sem.acquire(timeout=...)`.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; not for use inside an async task.
    ///
    /// # Cancel safety
    ///
    /// On time-out the caller leaves the queue; a permit handed over at the
    /// last moment is kept and returned, never lost.
    ///
    /// # Errors
    ///
    /// [`AcquireTimeoutError::Timeout`] if the time ran out,
    /// [`AcquireTimeoutError::Closed`] if the semaphore is closed first.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use syncio::{AcquireTimeoutError, Semaphore};
    /// let sem = Semaphore::new(1);
    /// let _held = sem.try_acquire().unwrap();
    /// let err = sem.acquire_timeout(Duration::from_millis(10)).unwrap_err();
    /// assert_eq!(err, AcquireTimeoutError::Timeout);
    /// ```
    pub fn acquire_timeout(
        &self,
        timeout: Duration,
    ) -> Result<SemaphorePermit<'_>, AcquireTimeoutError> {
        self.acquire_many_timeout(1, timeout)
    }

    /// Blocks for at most `timeout` waiting for `n` permits.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; not for use inside an async task.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire_timeout`](Self::acquire_timeout).
    ///
    /// # Errors
    ///
    /// As [`acquire_timeout`](Self::acquire_timeout), plus
    /// [`AcquireTimeoutError::TooManyPermits`] at once if `n` can never be
    /// satisfied.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let sem = syncio::Semaphore::new(2);
    /// assert!(sem.acquire_many_timeout(2, Duration::from_millis(10)).is_ok());
    /// ```
    pub fn acquire_many_timeout(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<SemaphorePermit<'_>, AcquireTimeoutError> {
        self.block(n, waiters::deadline_after(timeout))
    }

    /// Blocks until `deadline` at the latest waiting for one permit.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; not for use inside an async task.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire_timeout`](Self::acquire_timeout).
    ///
    /// # Errors
    ///
    /// As [`acquire_timeout`](Self::acquire_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let sem = syncio::Semaphore::new(1);
    /// let deadline = Instant::now() + Duration::from_millis(10);
    /// assert!(sem.acquire_deadline(deadline).is_ok());
    /// ```
    pub fn acquire_deadline(
        &self,
        deadline: Instant,
    ) -> Result<SemaphorePermit<'_>, AcquireTimeoutError> {
        self.block(1, Some(deadline))
    }

    /// Blocks until `deadline` at the latest waiting for `n` permits.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; not for use inside an async task.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire_timeout`](Self::acquire_timeout).
    ///
    /// # Errors
    ///
    /// As [`acquire_many_timeout`](Self::acquire_many_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let sem = syncio::Semaphore::new(1);
    /// let deadline = Instant::now() + Duration::from_millis(10);
    /// assert!(sem.acquire_many_deadline(2, deadline).is_err());
    /// ```
    pub fn acquire_many_deadline(
        &self,
        n: usize,
        deadline: Instant,
    ) -> Result<SemaphorePermit<'_>, AcquireTimeoutError> {
        self.block(n, Some(deadline))
    }

    /// The blocking forms, derived from the async poll logic.
    fn block(
        &self,
        n: usize,
        deadline: Option<Instant>,
    ) -> Result<SemaphorePermit<'_>, AcquireTimeoutError> {
        match self.try_acquire_many(n) {
            Ok(permit) => return Ok(permit),
            Err(TryAcquireError::Closed) => return Err(AcquireTimeoutError::Closed),
            Err(TryAcquireError::TooManyPermits { requested, max }) => {
                return Err(AcquireTimeoutError::TooManyPermits { requested, max })
            }
            Err(TryAcquireError::NoPermits) => {}
        }
        // Spin briefly before queueing: permits freed within a few
        // microseconds are taken without a sleep. FIFO still holds: without
        // barging, `try_acquire` never succeeds while anyone is queued.
        // Each round only reads the word until the permits look free: a CAS
        // (which `try_take` may try on a guess) would pull the cache line
        // away from the holder on every round.
        let ready = || {
            let s = self.state.load(Relaxed);
            let free = s >> SHIFT >= n && (s & WAITERS == 0 || self.may_barge(s));
            if free {
                self.try_acquire_many(n).ok()
            } else {
                None
            }
        };
        if let Some(permit) = waiters::spin_until(ready) {
            return Ok(permit);
        }
        let leave = |fut: Pin<&mut Acquire<'_>>| {
            self.leave_queue(fut.project().inner.project().1.into_ref())
        };
        // Barging: free permits are worth a retry without waiting for a wake.
        let worth_polling = || {
            let s = self.state.load(Relaxed);
            self.may_barge(s) && s >> SHIFT >= n
        };
        match waiters::block_on_hinted(pin!(self.acquire_many(n)), deadline, leave, worth_polling) {
            Some(result) => result.map_err(Into::into),
            None => Err(AcquireTimeoutError::Timeout),
        }
    }

    /// Adds `n` permits: Python's `release(n)`. Permits are handed straight
    /// to queued waiters in FIFO order.
    ///
    /// Use it to give back permits whose guard was
    /// [`forget`](SemaphorePermit::forget)-ten, or to raise the count. Works
    /// on a closed semaphore too.
    ///
    /// # Errors
    ///
    /// [`ReleaseError::Overflow`] if the count would exceed [`MAX_PERMITS`];
    /// for a [`BoundedSemaphore`], [`ReleaseError::AboveBound`] if more
    /// permits are released than were acquired and forgotten. Nothing changes
    /// on error.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = syncio::Semaphore::new(0);
    /// sem.release(2).unwrap();
    /// assert_eq!(sem.available_permits(), 2);
    /// assert!(sem.release(syncio::MAX_PERMITS).is_err());
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn release(&self, n: usize) -> Result<(), ReleaseError> {
        if self.bound == UNBOUNDED {
            return self.add_permits(n);
        }
        self.forgotten
            .fetch_update(AcqRel, Relaxed, |f| f.checked_sub(n))
            .map_err(|_| ReleaseError::AboveBound {
                released: n,
                bound: self.bound,
            })?;
        // `available + held <= bound <= MAX_PERMITS`, so this cannot overflow.
        self.add_permits(n)
    }

    /// Removes up to `n` free permits from the count without waiting,
    /// shrinking the semaphore (tokio's `forget_permits`); returns how many
    /// it removed, fewer than `n` if fewer were free. Held permits are not
    /// affected. Permits set aside for the oldest waiter (free, but fewer
    /// than it asked for) count as free: forgetting them delays that waiter
    /// until as many are released again.
    ///
    /// For a [`BoundedSemaphore`] the removed permits count as acquired and
    /// forgotten, so a later [`release`](Self::release) may give them back.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = syncio::Semaphore::new(5);
    /// let _held = sem.try_acquire_many(2).unwrap();
    /// assert_eq!(sem.forget_permits(4), 3);
    /// assert_eq!(sem.available_permits(), 0);
    ///
    /// let bounded = syncio::BoundedSemaphore::new(2);
    /// assert_eq!(bounded.forget_permits(1), 1);
    /// bounded.release(1).unwrap(); // back to its bound
    /// assert!(bounded.release(1).is_err());
    /// ```
    pub fn forget_permits(&self, n: usize) -> usize {
        let taken = match self.take_up_to(n, false) {
            Some(k) => k,
            None => {
                let _q = self.queue.lock();
                self.take_up_to(n, true)
                    .expect("the queue lock's holder may change the count")
            }
        };
        self.forgot(taken);
        taken
    }

    /// Takes up to `n` free permits, whatever the queue holds; how many.
    /// `None` if a FIFO semaphore has waiters queued and the caller does not
    /// hold the queue lock (`locked`): only its holder changes the count
    /// then ([`hand_out`](Self::hand_out) stores the word).
    fn take_up_to(&self, n: usize, locked: bool) -> Option<usize> {
        let mut s = self.state.load(Relaxed);
        loop {
            let k = n.min(s >> SHIFT);
            if k == 0 {
                return Some(0);
            }
            if !locked && self.barging.is_none() && s & WAITERS != 0 {
                return None;
            }
            match self
                .state
                .compare_exchange_weak(s, s - (k << SHIFT), Ordering::Acquire, Relaxed)
            {
                Ok(_) => return Some(k),
                Err(actual) => s = actual,
            }
        }
    }

    /// Gives back one permit, first trying one CAS on `hint`, the flag-free
    /// state word its acquire left behind (see [`Held`]). A wrong hint costs
    /// that failed CAS, which returns the word to start from.
    #[inline]
    fn give_back_hinted(&self, hint: usize) {
        debug_assert!(hint & (Held::HINTED | FLAGS) == 0);
        // The hint's count is below 2^59 (top bit clear), so one more permit
        // is far from `MAX_PERMITS`.
        let new = hint + (1 << SHIFT);
        if let Err(s) = self.state.compare_exchange(hint, new, Release, Relaxed) {
            if let Err(e) = self.add_permits_from(s, 1) {
                give_back_failed(e);
            }
        }
    }

    /// Returns permits taken from this semaphore (a dropped permit, or a
    /// cancelled waiter's grant).
    #[inline]
    pub(crate) fn give_back(&self, n: usize) {
        if let Err(e) = self.add_permits(n) {
            give_back_failed(e);
        }
    }

    /// Adds `n` permits, lock-free unless someone is queued.
    #[inline]
    fn add_permits(&self, n: usize) -> Result<(), ReleaseError> {
        if n == 0 {
            return Ok(());
        }
        self.add_permits_from(self.state.load(Relaxed), n)
    }

    /// [`add_permits`](Self::add_permits) of `n > 0` starting from `s`, a
    /// recent value of the state word: no load first.
    #[inline]
    fn add_permits_from(&self, mut s: usize, n: usize) -> Result<(), ReleaseError> {
        while s & WAITERS == 0 {
            let new = checked_add_permits(s, n)?;
            match self.state.compare_exchange_weak(s, new, Release, Relaxed) {
                Ok(_) => return Ok(()),
                Err(actual) => s = actual,
            }
        }
        self.add_permits_slow(n)
    }

    #[cold]
    fn add_permits_slow(&self, n: usize) -> Result<(), ReleaseError> {
        if self.barging.is_some() {
            return self.add_permits_barging(n);
        }
        let mut wakes = WakeList::new();
        let mut q = self.queue.lock();
        if q.is_empty() {
            // The queue emptied meanwhile: fast paths may run again, but no
            // one can set WAITERS while we hold the lock.
            return self.add_to_count(n).map(drop);
        }
        checked_add_permits(self.state.load(Ordering::Acquire), n)?;
        self.hand_out(&mut q, n, &mut wakes);
        drop(q);
        wakes.wake_all();
        Ok(())
    }

    /// Adds `n` to the count whatever the flags say (the caller knows no
    /// hand-off is due), refusing an overflow before any change. Returns
    /// the word it replaced.
    fn add_to_count(&self, n: usize) -> Result<usize, ReleaseError> {
        let mut s = self.state.load(Relaxed);
        loop {
            let new = checked_add_permits(s, n)?;
            match self.state.compare_exchange_weak(s, new, Release, Relaxed) {
                Ok(_) => return Ok(s),
                Err(actual) => s = actual,
            }
        }
    }

    /// Under the queue lock, with WAITERS set: adds `extra` permits, grants
    /// the oldest waiters whose requests are covered, and stores the new
    /// count (clearing WAITERS if the queue emptied).
    fn hand_out(&self, q: &mut QueueGuard<'_, QueueData>, extra: usize, wakes: &mut WakeList) {
        debug_assert!(self.barging.is_none());
        let s = self.state.load(Ordering::Acquire);
        debug_assert!(s & WAITERS != 0);
        let mut avail = (s >> SHIFT) + extra;
        // Every queued waiter needs at least one permit (a request for none
        // never queues), so with none left the next waiter's node, a cache
        // line another thread last wrote, is not read.
        while avail > 0 {
            let Some(need) = q.front_need() else { break };
            if need > avail {
                break;
            }
            avail -= need;
            q.notify_front(GRANTED, wakes);
        }
        let waiting = if q.is_empty() { 0 } else { WAITERS };
        // While WAITERS is set only the lock holder changes the word (the
        // fast paths refuse, `close` takes the lock), so a store is enough.
        self.state
            .store(avail << SHIFT | (s & CLOSED) | waiting, Release);
    }

    /// Barging release with waiters queued: the permits go back into the
    /// count at once (any running caller may take them), then the oldest
    /// waiter is woken to compete, or served directly if it is starving.
    ///
    /// If the oldest waiter was woken and has not run since (WOKEN), and
    /// nobody is starving, there is nobody to wake and the queue lock is not
    /// taken: under contention that is most releases (workload 4's
    /// tasks). The woken waiter takes the permits when it runs; if it finds
    /// them gone it clears WOKEN as it registers again and then looks at the
    /// count once more, and the word orders the two: either this add comes
    /// first and it sees the permits, or this release sees WOKEN clear and
    /// wakes it under the lock.
    fn add_permits_barging(&self, n: usize) -> Result<(), ReleaseError> {
        if self.add_to_count(n)? & (WOKEN | HANDOFF) == WOKEN {
            return Ok(());
        }
        let mut wakes = WakeList::new();
        let mut q = self.queue.lock();
        self.settle_barging(&mut q, &mut wakes, &mut Now::default());
        drop(q);
        wakes.wake_all();
        Ok(())
    }

    /// Barging, under the queue lock: if the free permits cover the oldest
    /// waiter's request, wake it (it stays first in line and takes them when
    /// it runs, unless someone running takes them first), or, once it has
    /// been first in line longer than the starvation bound, take the permits
    /// for it and hand them over directly.
    ///
    /// The clock is read only when the oldest waiter is waiting (its waker
    /// registered). One already woken and not yet run is left to compete
    /// when it runs; if it then finds nothing free it registers again, and
    /// the next release checks its deadline. Under contention most releases
    /// find the oldest waiter woken and not yet run: on benchmark workload 3b
    /// this cut the clock reads (see [`Now`]) from one per operation to one
    /// per four.
    fn settle_barging(
        &self,
        q: &mut QueueGuard<'_, QueueData>,
        wakes: &mut WakeList,
        now: &mut Now,
    ) {
        while let Some(need) = q.front_need() {
            // Two loads of the word, not one kept across the clock read: one
            // measured about 10 more instructions per op (callgrind, 3b).
            let starving = if self.state.load(Relaxed) & HANDOFF != 0 {
                true
            } else if !q.front_is_waiting() {
                return;
            } else {
                q.front_deadline.is_some_and(|d| now.get() >= d)
            };
            if !starving {
                if self.state.load(Ordering::Acquire) >> SHIFT >= need && q.wake_front(wakes) {
                    self.state.fetch_or(WOKEN, Relaxed);
                }
                return;
            }
            if !self.take_ignoring_queue(need) {
                // Not enough free yet: stop the barging, so that releases
                // accumulate permits for the starving waiter.
                self.state.fetch_or(HANDOFF, Release);
                return;
            }
            q.notify_front(GRANTED, wakes);
            self.front_changed(q, now);
        }
    }

    /// Takes `n` permits whatever the queue holds (barging, or a hand-off
    /// taken under the lock). `false` if fewer are free.
    fn take_ignoring_queue(&self, n: usize) -> bool {
        let mut s = self.state.load(Relaxed);
        while s >> SHIFT >= n {
            match self
                .state
                .compare_exchange_weak(s, s - (n << SHIFT), Ordering::Acquire, Relaxed)
            {
                Ok(_) => return true,
                Err(actual) => s = actual,
            }
        }
        false
    }

    /// Barging, under the queue lock, after the oldest waiter left or was
    /// served: restart the starvation clock for the new one, or clear
    /// WAITERS if nobody is left.
    fn front_changed(&self, q: &mut QueueGuard<'_, QueueData>, now: &mut Now) {
        // A new oldest waiter has its waker registered: not WOKEN.
        if q.is_empty() {
            q.front_deadline = None;
            self.state.fetch_and(!QUEUE_FLAGS, Release);
        } else {
            q.front_deadline = self.starving_from(now.get());
            self.state.fetch_and(!(HANDOFF | WOKEN), Release);
        }
    }

    /// Barging: when a waiter first in line from `since` starts starving.
    fn starving_from(&self, since: Instant) -> Option<Instant> {
        since.checked_add(self.barging.expect("barging semaphore"))
    }

    /// Barging: a queued waiter runs again (woken, or polled for any other
    /// reason). It takes the permits if they are free, whoever is ahead of
    /// it, and leaves the queue; otherwise it waits on.
    fn poll_queued_barging(
        &self,
        node: Pin<&Waiter>,
        n: usize,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), AcquireError>> {
        loop {
            if self.try_take(n).is_ok() {
                let mut wakes = WakeList::new();
                let mut stale = None;
                let mut q = self.queue.lock();
                let was_front = q.is_front(node);
                if q.remove(node, &mut stale) {
                    self.after_leave_barging(&mut q, was_front, &mut wakes);
                    drop(q);
                    self.while_holding_taken(n, || {
                        wakes.wake_all();
                        drop(stale);
                    });
                    return Poll::Ready(Ok(()));
                }
                drop(q);
                // Served by a hand-off (or closed) meanwhile: it holds the
                // permits we just took as well, so give those back.
                if node.take_notification() == Some(GRANTED) {
                    self.give_back(n);
                }
                return Poll::Ready(Ok(()));
            }
            let mut stale = None;
            let waker = cx.waker().clone();
            let mut q = self.queue.lock();
            if !q.register_waker(node, waker, &mut stale) {
                drop(q);
                return Poll::Ready(Self::finish(node));
            }
            // A release that came after our attempt may have found no waker
            // to take (an earlier wake-up had it, or WOKEN sent it away
            // without the lock): look again before sleeping. Clearing WOKEN
            // is a read-modify-write of the word, so a release either came
            // before it (its permits are in `s`) or sees WOKEN clear and
            // wakes us. (Under HANDOFF nobody takes: the starving waiter is
            // served by a release.)
            let mut s = self.state.load(Ordering::Acquire);
            if s & WOKEN != 0 && q.is_front(node) {
                s = self.state.fetch_and(!WOKEN, Ordering::AcqRel) & !WOKEN;
            }
            if s & CLOSED != 0 || s >> SHIFT < n || !self.may_barge(s) {
                return Poll::Pending;
            }
        }
    }

    /// Barging, under the queue lock, after `node` left the queue.
    fn after_leave_barging(
        &self,
        q: &mut QueueGuard<'_, QueueData>,
        was_front: bool,
        wakes: &mut WakeList,
    ) {
        let mut now = Now::default();
        if was_front || q.is_empty() {
            self.front_changed(q, &mut now);
        }
        // A wake-up meant for the leaver, or permits it did not need, may
        // serve the next waiter.
        self.settle_barging(q, wakes, &mut now);
    }

    /// The poll logic behind every acquire, async or blocking (the first
    /// poll's fast path is inlined in [`Acquire::poll`]).
    ///
    /// `tried`: the caller has just found the lock-free path closed to this
    /// request (no permits for it, or someone queued), so it is not tried
    /// again before taking the lock.
    #[inline(never)]
    fn poll_acquire(
        &self,
        mut owned: Pin<&mut Waiter>,
        n: usize,
        cx: &mut Context<'_>,
        tried: bool,
    ) -> Poll<Result<(), AcquireError>> {
        let node = owned.as_ref();
        match node.state() {
            WaitState::Idle => {}
            WaitState::Queued if self.barging.is_some() => {
                return self.poll_queued_barging(node, n, cx);
            }
            WaitState::Queued => {
                let mut stale = None;
                let waker = cx.waker().clone();
                let mut q = self.queue.lock();
                if q.register_waker(node, waker, &mut stale) {
                    return Poll::Pending;
                }
                drop(q);
                return Poll::Ready(Self::finish(node));
            }
            WaitState::Notified(_) => return Poll::Ready(Self::finish(node)),
        }
        self.check_request(n)?;
        if !tried {
            match self.try_take(n) {
                Ok(_) => return Poll::Ready(Ok(())),
                Err(TryAcquireError::Closed) => return Poll::Ready(Err(AcquireError::Closed)),
                Err(_) => {}
            }
        }
        // The waker is cloned before anything changes: a clone is its
        // owner's code and may panic (after WAITERS went up, that left the
        // flag set with nobody queued, and the semaphore refused every
        // caller). Declared before the guard, it is dropped after the lock.
        let waker = cx.waker().clone();
        let mut q = self.queue.lock();
        let mut s = self.state.load(Ordering::Acquire);
        loop {
            if s & CLOSED != 0 {
                return Poll::Ready(Err(AcquireError::Closed));
            }
            let may_take = s & WAITERS == 0 || self.may_barge(s);
            let (new, took) = if may_take && s >> SHIFT >= n {
                (s - (n << SHIFT), true)
            } else if s & WAITERS != 0 {
                break;
            } else {
                (s | WAITERS, false)
            };
            match self
                .state
                .compare_exchange_weak(s, new, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) if took => {
                    // Permits came back meanwhile; the unused waker is
                    // dropped after the lock.
                    drop(q);
                    self.while_holding_taken(n, || drop(waker));
                    return Poll::Ready(Ok(()));
                }
                Ok(_) => break,
                Err(actual) => s = actual,
            }
        }
        if q.is_empty() && self.barging.is_some() {
            q.front_deadline = self.starving_from(Instant::now());
        }
        // `hand_out` relies on it: a request for none is served above.
        debug_assert!(n > 0, "a request for no permits never queues");
        q.push_back_owned(owned.as_mut(), n, waker);
        Poll::Pending
    }

    #[inline]
    fn finish(node: Pin<&Waiter>) -> Result<(), AcquireError> {
        match node.take_notification() {
            Some(GRANTED) => Ok(()),
            Some(_) => Err(AcquireError::Closed),
            None => unreachable!("a waiter left the queue without a notification"),
        }
    }

    /// Cancels a pending acquire of `n` permits: leaves the queue, letting
    /// the waiters behind move up, or returns permits already granted.
    fn cancel_acquire(&self, node: Pin<&Waiter>, n: usize) {
        match node.state() {
            WaitState::Idle => return,
            WaitState::Queued => {
                if self.leave_queue(node) {
                    return;
                }
                // Notified between the state check and the lock.
            }
            WaitState::Notified(_) => {}
        }
        if node.take_notification() == Some(GRANTED) {
            self.give_back(n);
        }
    }

    /// Takes a queued waiter out of the queue, letting the waiters behind it
    /// move up. Returns `false` if it was no longer queued (notified).
    fn leave_queue(&self, node: Pin<&Waiter>) -> bool {
        let mut wakes = WakeList::new();
        let mut stale = None;
        let mut q = self.queue.lock();
        let was_front = q.is_front(node);
        if !q.remove(node, &mut stale) {
            return false;
        }
        if self.barging.is_some() {
            self.after_leave_barging(&mut q, was_front, &mut wakes);
        } else {
            // The queue was non-empty, so WAITERS is set. The waiter behind
            // us may now be coverable by the free permits.
            self.hand_out(&mut q, 0, &mut wakes);
        }
        true
    }

    /// Records that `n` guarded permits were forgotten (bounded semaphores
    /// only), making them eligible for a raw `release`.
    pub(crate) fn forgot(&self, n: usize) {
        if self.bound != UNBOUNDED && n > 0 {
            self.forgotten.fetch_add(n, Relaxed);
        }
    }

    /// Waits for one permit on an `Arc<Semaphore>`, returning a permit with
    /// no lifetime.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`acquire`](Self::acquire).
    ///
    /// # Errors
    ///
    /// As [`acquire`](Self::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// # futures::executor::block_on(async {
    /// let sem = Arc::new(syncio::Semaphore::new(1));
    /// let permit = sem.clone().acquire_owned().await.unwrap();
    /// std::thread::spawn(move || drop(permit)).join().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    pub fn acquire_owned(
        self: Arc<Self>,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> + Send {
        acquire_owned(self, 1)
    }

    /// Waits for `n` permits on an `Arc<Semaphore>`.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`acquire`](Self::acquire).
    ///
    /// # Errors
    ///
    /// As [`acquire_many`](Self::acquire_many).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// # futures::executor::block_on(async {
    /// let sem = Arc::new(syncio::Semaphore::new(3));
    /// let permit = sem.clone().acquire_many_owned(3).await.unwrap();
    /// assert_eq!(permit.num_permits(), 3);
    /// # });
    /// ```
    pub fn acquire_many_owned(
        self: Arc<Self>,
        n: usize,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> + Send {
        acquire_owned(self, n)
    }

    /// Tries to take one permit from an `Arc<Semaphore>` without waiting.
    ///
    /// # Errors
    ///
    /// As [`try_acquire`](Self::try_acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(syncio::Semaphore::new(1));
    /// let permit = sem.clone().try_acquire_owned().unwrap();
    /// assert!(sem.clone().try_acquire_owned().is_err());
    /// drop(permit);
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        try_acquire_owned(self, 1)
    }

    /// Tries to take `n` permits from an `Arc<Semaphore>` without waiting.
    ///
    /// # Errors
    ///
    /// As [`try_acquire_many`](Self::try_acquire_many).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(syncio::Semaphore::new(2));
    /// assert!(sem.clone().try_acquire_many_owned(2).is_ok());
    /// ```
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        try_acquire_owned(self, n)
    }

    /// Blocks the current thread until one permit of an `Arc<Semaphore>` is
    /// free, returning a permit with no lifetime (one to hand to a thread
    /// it starts, say).
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Errors
    ///
    /// As [`acquire_blocking`](Self::acquire_blocking).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(syncio::Semaphore::new(2));
    /// let workers: Vec<_> = (0..4)
    ///     .map(|_| {
    ///         let permit = sem.clone().acquire_owned_blocking().unwrap();
    ///         std::thread::spawn(move || drop(permit)) // at most 2 at a time
    ///     })
    ///     .collect();
    /// workers.into_iter().for_each(|w| w.join().unwrap());
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn acquire_owned_blocking(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        acquire_owned_blocking(self, 1)
    }

    /// Blocks the current thread until `n` permits of an `Arc<Semaphore>`
    /// are free.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Errors
    ///
    /// As [`acquire_many_blocking`](Self::acquire_many_blocking).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(syncio::Semaphore::new(3));
    /// let permit = sem.clone().acquire_many_owned_blocking(3).unwrap();
    /// assert_eq!(permit.num_permits(), 3);
    /// ```
    pub fn acquire_many_owned_blocking(
        self: Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        acquire_owned_blocking(self, n)
    }
}

/// Permits a poll has taken and not yet returned, given back if it unwinds
/// (see [`Semaphore::while_holding_taken`]).
struct TakenPermits<'a> {
    sem: &'a Semaphore,
    n: usize,
}

impl Drop for TakenPermits<'_> {
    fn drop(&mut self) {
        self.sem.give_back(self.n);
    }
}

impl Semaphore {
    /// Runs `f`, wakers' code (a wake or a drop, which may panic), after a
    /// poll took `n` permits and before it returns them: if `f` panics, the
    /// permits go back.
    fn while_holding_taken(&self, n: usize, f: impl FnOnce()) {
        let taken = TakenPermits { sem: self, n };
        f();
        std::mem::forget(taken);
    }
}

/// The permits of two merged permits: a capacity overflow past
/// [`MAX_PERMITS`] panics (a larger count would not fit the state word, and
/// its drop could not give it back).
fn merged(a: usize, b: usize) -> usize {
    match a.checked_add(b) {
        Some(total) if total <= MAX_PERMITS => total,
        _ => panic!("syncio: merged permits would exceed MAX_PERMITS ({MAX_PERMITS})"),
    }
}

#[cold]
#[inline(never)]
fn give_back_failed(e: ReleaseError) -> ! {
    panic!("syncio: cannot return permits to the semaphore: {e}");
}

/// `s` with `n` more permits, or the overflow error.
#[inline]
fn checked_add_permits(s: usize, n: usize) -> Result<usize, ReleaseError> {
    if n > MAX_PERMITS - (s >> SHIFT) {
        Err(ReleaseError::Overflow {
            released: n,
            max: MAX_PERMITS,
        })
    } else {
        Ok(s + (n << SHIFT))
    }
}

async fn acquire_owned<S: AsRef<Semaphore>>(
    sem: Arc<S>,
    n: usize,
) -> Result<OwnedSemaphorePermit<S>, AcquireError> {
    let permit = (*sem).as_ref().acquire_many(n).await?;
    mem::forget(permit);
    Ok(OwnedSemaphorePermit { sem, permits: n })
}

fn acquire_owned_blocking<S: AsRef<Semaphore>>(
    sem: Arc<S>,
    n: usize,
) -> Result<OwnedSemaphorePermit<S>, AcquireError> {
    let permit = (*sem).as_ref().acquire_many_blocking(n)?;
    mem::forget(permit);
    Ok(OwnedSemaphorePermit { sem, permits: n })
}

fn try_acquire_owned<S: AsRef<Semaphore>>(
    sem: Arc<S>,
    n: usize,
) -> Result<OwnedSemaphorePermit<S>, TryAcquireError> {
    let permit = (*sem).as_ref().try_acquire_many(n)?;
    mem::forget(permit);
    Ok(OwnedSemaphorePermit { sem, permits: n })
}

impl AsRef<Semaphore> for Semaphore {
    fn as_ref(&self) -> &Semaphore {
        self
    }
}

impl Default for Semaphore {
    /// A semaphore with one permit, as Python's default `value=1`.
    fn default() -> Self {
        Semaphore::new(1)
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.load(Ordering::Acquire);
        let mut d = f.debug_struct("Semaphore");
        d.field("available_permits", &(s >> SHIFT))
            .field("waiters", &self.queue.lock().len())
            .field("closed", &(s & CLOSED != 0));
        if self.bound != UNBOUNDED {
            d.field("bound", &self.bound);
        }
        d.finish_non_exhaustive()
    }
}

pin_project! {
    /// The future returned by [`Semaphore::acquire`] and
    /// [`Semaphore::acquire_many`].
    ///
    /// It queues on its first poll (if the permits are not free at once) and
    /// keeps its place until it completes or is dropped. Dropping it is
    /// cancel-safe: see [`Semaphore`].
    ///
    /// # Panics
    ///
    /// Dropped after being granted its permits and before returning them,
    /// it gives them back, which panics as a [`SemaphorePermit`]'s drop
    /// does: only if raw [`Semaphore::release`] calls pushed the count so
    /// close to [`MAX_PERMITS`] that they no longer fit.
    #[must_use = "futures do nothing unless polled"]
    pub struct Acquire<'a> {
        #[pin]
        inner: Guarded<AcquireState<'a>>,
    }
}

/// What an [`Acquire`] holds beside its node.
struct AcquireState<'a> {
    /// `None` once completed (a separate flag beside the node made the
    /// future's copies byte-wise and its first poll stall).
    sem: Option<&'a Semaphore>,
    permits: usize,
}

impl Cancel for AcquireState<'_> {
    /// Dropped while queued or notified: leave the queue or pass the grant
    /// on. (A completed acquire is idle, so `sem` is there when needed.)
    fn cancel(&self, node: Pin<&Waiter>) {
        if let Some(sem) = self.sem {
            sem.cancel_acquire(node, self.permits);
        }
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<SemaphorePermit<'a>, AcquireError>;

    // `always`: left to the compiler, this stayed a call of its own beneath
    // the caller's `async fn`, one more frame on every poll. Inlined,
    // callgrind measured workload 3b at 1429 -> 1384 instructions per op,
    // and workload 1 went from 0.61x to 0.51x futures-intrusive (criterion,
    // interleaved A/B, 3 rounds).
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (this, mut owned) = self.project().inner.project();
        let node = owned.as_ref();
        let sem: &'a Semaphore = this.sem.expect("`Acquire` polled after completion");
        let n = this.permits;
        // Fast path, inlined: first poll, permits free, nobody queued. (No
        // size check needed: `try_take` cannot find more than the semaphore
        // can hold.)
        let state = node.state();
        let mut tried = false;
        if state == WaitState::Idle {
            match sem.try_take(n) {
                Ok(hint) => {
                    this.sem = None;
                    return Poll::Ready(Ok(SemaphorePermit {
                        sem,
                        held: Held::hinted(n, hint),
                    }));
                }
                // Closed: the general path orders that error after the
                // size check, as every other acquire does.
                Err(e) => tried = e == TryAcquireError::NoPermits,
            }
        }
        let result = if let WaitState::Notified(_) = state {
            // Served (or closed) while queued: the poll after the wake-up,
            // inlined too.
            Semaphore::finish(node)
        } else {
            std::task::ready!(sem.poll_acquire(owned.as_mut(), n, cx, tried))
        };
        this.sem = None;
        Poll::Ready(result.map(|()| SemaphorePermit {
            sem,
            held: Held::plain(n),
        }))
    }
}

impl<'a> Acquire<'a> {
    /// `poll` for a one-permit lock (`Mutex::lock`) whose caller guesses the
    /// lock is free: the first poll tries [`Semaphore::try_lock_guessed`]
    /// (one CAS, no load) before the general poll.
    #[inline]
    pub(crate) fn poll_lock_guessed(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<SemaphorePermit<'a>, AcquireError>> {
        let (this, owned) = self.as_mut().project().inner.project();
        if let (Some(sem), 1) = (this.sem, this.permits) {
            if owned.as_ref().state() == WaitState::Idle {
                if let Some(permit) = sem.try_lock_guessed() {
                    this.sem = None;
                    return Poll::Ready(Ok(permit));
                }
            }
        }
        self.poll(cx)
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("permits", &self.inner.data().permits)
            .field("node", self.inner.node())
            .finish_non_exhaustive()
    }
}

/// Permits borrowed from a [`Semaphore`], given back when dropped: the Rust
/// form of `async with sem:` / `with sem:`.
#[must_use = "the permits are released as soon as this value is dropped"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    /// The permits held and, when it fits, a release hint: see [`Held`].
    held: Held,
}

/// A [`SemaphorePermit`]'s count of permits, packed in one word with the
/// state word its acquire left behind (the "hint") for the common single
/// permit. Unless someone used the semaphore in between (the uncontended
/// case), the hint is the word the release finds, so the release tries one
/// CAS on it instead of loading the word first: measured, 0.79x -> 0.6x the
/// best peer's time for `try_acquire` + release. One word, not two: a
/// 24-byte permit made every `acquire().await` slower (0.61x -> 0.8x), its
/// result no longer fitting in two registers.
///
/// Top bit clear: the word is the count (at most `MAX_PERMITS`), no hint.
/// Top bit set: one permit, and the rest of the word is the hint (a state
/// word with no flags and the top bit clear).
#[derive(Clone, Copy)]
struct Held(usize);

impl Held {
    const HINTED: usize = 1 << (usize::BITS - 1);

    /// `permits` with no hint.
    #[inline]
    const fn plain(permits: usize) -> Self {
        Held(permits)
    }

    /// `permits` with the hint `state` if it is one permit and `state` can
    /// be packed (no flags, top bit clear), else with none.
    #[inline]
    fn hinted(permits: usize, state: usize) -> Self {
        if permits == 1 && state & (Self::HINTED | FLAGS) == 0 {
            Held(Self::HINTED | state)
        } else {
            Held(permits)
        }
    }

    #[inline]
    const fn permits(self) -> usize {
        if self.0 & Self::HINTED != 0 {
            1
        } else {
            self.0
        }
    }

    /// The hinted state word, if any.
    #[inline]
    const fn hint(self) -> Option<usize> {
        if self.0 & Self::HINTED != 0 {
            Some(self.0 & !Self::HINTED)
        } else {
            None
        }
    }
}

impl<'a> SemaphorePermit<'a> {
    /// Keeps the permits out of the semaphore: they are not given back on
    /// drop. Give them back later with [`Semaphore::release`], as Python's
    /// `acquire()` ... `release()` pairing does (for a
    /// [`BoundedSemaphore`], only forgotten permits may be released that way).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = syncio::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release(1).unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.sem.forgot(self.held.permits());
        self.held = Held::plain(0);
    }

    /// Hands the permits over to another owner (a lock guard) that will
    /// give them back itself: no release now, no bookkeeping.
    pub(crate) fn disarm(self) {
        mem::forget(self);
    }

    /// Whether these permits were taken without waiting (and carry the
    /// word they left as a release hint): a lock taken so most likely finds
    /// nobody queued at its release; one taken by a hand-off most likely
    /// finds waiters.
    #[inline]
    pub(crate) fn taken_uncontended(&self) -> bool {
        self.held.hint().is_some()
    }

    /// Number of permits held.
    #[must_use]
    pub fn num_permits(&self) -> usize {
        self.held.permits()
    }

    /// The semaphore these permits came from.
    #[must_use]
    pub fn semaphore(&self) -> &'a Semaphore {
        self.sem
    }

    /// Moves `n` of the held permits into a new permit, or returns `None`
    /// (changing nothing) if fewer than `n` are held.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = syncio::Semaphore::new(3);
    /// let mut three = sem.try_acquire_many(3).unwrap();
    /// let one = three.split(1).unwrap();
    /// assert_eq!((three.num_permits(), one.num_permits()), (2, 1));
    /// ```
    #[must_use = "the split-off permits are released as soon as they are dropped"]
    pub fn split(&mut self, n: usize) -> Option<Self> {
        // Two releases now: one hint cannot be right for both.
        self.held = Held::plain(self.held.permits().checked_sub(n)?);
        Some(SemaphorePermit {
            sem: self.sem,
            held: Held::plain(n),
        })
    }

    /// Absorbs `other`'s permits into this one.
    ///
    /// # Panics
    ///
    /// If the two permits come from different semaphores, or if together
    /// they would hold more than [`MAX_PERMITS`] (possible only after raw
    /// [`Semaphore::release`] calls put more in circulation). Nothing is
    /// lost then: this permit is unchanged, and `other` gives its permits
    /// back as it drops.
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            std::ptr::eq(self.sem, other.sem),
            "merging permits from different semaphores"
        );
        let total = merged(self.held.permits(), other.held.permits());
        self.held = Held::plain(total);
        other.held = Held::plain(0);
    }
}

impl Drop for SemaphorePermit<'_> {
    /// Gives the permits back, handing them to queued waiters first.
    ///
    /// # Panics
    ///
    /// Only if raw [`Semaphore::release`] calls pushed the count so close to
    /// [`MAX_PERMITS`] that these permits no longer fit. They are not given
    /// back then (the semaphore cannot hold them), and the count is left as
    /// it was.
    #[inline]
    fn drop(&mut self) {
        match self.held.hint() {
            Some(hint) => self.sem.give_back_hinted(hint),
            None => self.sem.give_back(self.held.permits()),
        }
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.held.permits())
            .finish_non_exhaustive()
    }
}

/// Permits taken from an `Arc` of a semaphore ([`Semaphore`] or
/// [`BoundedSemaphore`]), with no lifetime; given back when dropped.
#[must_use = "the permits are released as soon as this value is dropped"]
pub struct OwnedSemaphorePermit<S: AsRef<Semaphore> = Semaphore> {
    sem: Arc<S>,
    permits: usize,
}

impl<S: AsRef<Semaphore>> OwnedSemaphorePermit<S> {
    /// Keeps the permits out of the semaphore, as
    /// [`SemaphorePermit::forget`].
    pub fn forget(mut self) {
        (*self.sem).as_ref().forgot(mem::take(&mut self.permits));
    }

    /// Number of permits held.
    #[must_use]
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore these permits came from.
    #[must_use]
    pub fn semaphore(&self) -> &Arc<S> {
        &self.sem
    }

    /// Moves `n` of the held permits into a new permit, or returns `None` if
    /// fewer than `n` are held.
    #[must_use = "the split-off permits are released as soon as they are dropped"]
    pub fn split(&mut self, n: usize) -> Option<Self> {
        self.permits = self.permits.checked_sub(n)?;
        Some(OwnedSemaphorePermit {
            sem: Arc::clone(&self.sem),
            permits: n,
        })
    }

    /// Absorbs `other`'s permits into this one.
    ///
    /// # Panics
    ///
    /// As [`SemaphorePermit::merge`]: if the two permits come from
    /// different semaphores, or if together they would hold more than
    /// [`MAX_PERMITS`]; nothing is lost then.
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            Arc::ptr_eq(&self.sem, &other.sem),
            "merging permits from different semaphores"
        );
        self.permits = merged(self.permits, other.permits);
        other.permits = 0;
    }
}

impl<S: AsRef<Semaphore>> Drop for OwnedSemaphorePermit<S> {
    /// Gives the permits back, as [`SemaphorePermit`]'s drop.
    fn drop(&mut self) {
        (*self.sem).as_ref().give_back(self.permits);
    }
}

impl<S: AsRef<Semaphore>> fmt::Debug for OwnedSemaphorePermit<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish_non_exhaustive()
    }
}

/// A semaphore that refuses to be released above its initial value: Python's
/// `BoundedSemaphore`.
///
/// It dereferences to [`Semaphore`], so every acquire method is available
/// unchanged. What differs is [`Semaphore::release`]: a raw release may only
/// give back permits that were acquired and then
/// [`forget`](SemaphorePermit::forget)-ten (Python's `acquire()` ...
/// `release()` pairing); anything more returns
/// [`ReleaseError::AboveBound`] and changes nothing. Permits dropped normally
/// never trigger it. Requests larger than the bound fail at once with
/// `TooManyPermits` instead of waiting forever.
///
/// # Examples
///
/// ```
/// use syncio::{BoundedSemaphore, ReleaseError};
/// let sem = BoundedSemaphore::new(2);
/// sem.try_acquire().unwrap().forget(); // `sem.acquire()`
/// sem.release(1).unwrap(); //             `sem.release()`
/// assert_eq!(
///     sem.release(1),
///     Err(ReleaseError::AboveBound { released: 1, bound: 2 })
/// );
/// assert_eq!(sem.available_permits(), 2);
/// ```
pub struct BoundedSemaphore {
    sem: Semaphore,
}

impl BoundedSemaphore {
    crate::raw::sync::const_fn! {
        /// Creates a bounded semaphore holding, and never exceeding, `permits`.
        /// Usable in a `static`.
        ///
        /// A request for more than the bound can never be met, and fails at
        /// once with [`AcquireError::TooManyPermits`] rather than waiting
        /// forever: so does every acquire of `BoundedSemaphore::new(0)`
        /// (where Python's `BoundedSemaphore(0).acquire()` blocks for good).
        ///
        /// # Panics
        ///
        /// If `permits` exceeds [`MAX_PERMITS`].
        ///
        /// # Examples
        ///
        /// ```
        /// static POOL: syncio::BoundedSemaphore = syncio::BoundedSemaphore::new(4);
        /// assert_eq!(POOL.bound(), 4);
        /// ```
        #[must_use]
        pub const fn new(permits: usize) -> Self {
            BoundedSemaphore {
                sem: Semaphore::new_bounded(permits, Fairness::Fifo),
            }
        }
    }

    crate::raw::sync::const_fn! {
        /// A bounded semaphore with the given fairness policy (see
        /// [`Semaphore::with_fairness`]).
        ///
        /// # Panics
        ///
        /// If `permits` exceeds [`MAX_PERMITS`].
        ///
        /// # Examples
        ///
        /// ```
        /// use syncio::{BoundedSemaphore, Fairness};
        /// let sem = BoundedSemaphore::with_fairness(2, Fairness::BARGING);
        /// assert_eq!(sem.fairness(), Fairness::BARGING);
        /// ```
        #[must_use]
        pub const fn with_fairness(permits: usize, fairness: Fairness) -> Self {
            BoundedSemaphore {
                sem: Semaphore::new_bounded(permits, fairness),
            }
        }
    }

    /// The initial value, which the count never exceeds.
    #[must_use]
    pub fn bound(&self) -> usize {
        self.sem.bound
    }

    /// Waits for one permit on an `Arc<BoundedSemaphore>`, returning a permit
    /// with no lifetime.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`Semaphore::acquire`].
    ///
    /// # Errors
    ///
    /// As [`Semaphore::acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// # futures::executor::block_on(async {
    /// let sem = Arc::new(syncio::BoundedSemaphore::new(1));
    /// let permit = sem.clone().acquire_owned().await.unwrap();
    /// drop(permit);
    /// assert_eq!(sem.available_permits(), 1);
    /// # });
    /// ```
    pub fn acquire_owned(
        self: Arc<Self>,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit<Self>, AcquireError>> + Send {
        acquire_owned(self, 1)
    }

    /// Waits for `n` permits on an `Arc<BoundedSemaphore>`.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`Semaphore::acquire`].
    ///
    /// # Errors
    ///
    /// As [`Semaphore::acquire_many`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// # futures::executor::block_on(async {
    /// let sem = Arc::new(syncio::BoundedSemaphore::new(2));
    /// assert!(sem.clone().acquire_many_owned(3).await.is_err());
    /// # });
    /// ```
    pub fn acquire_many_owned(
        self: Arc<Self>,
        n: usize,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit<Self>, AcquireError>> + Send {
        acquire_owned(self, n)
    }

    /// Tries to take one permit from an `Arc<BoundedSemaphore>`.
    ///
    /// # Errors
    ///
    /// As [`Semaphore::try_acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(syncio::BoundedSemaphore::new(1));
    /// assert!(sem.clone().try_acquire_owned().is_ok());
    /// ```
    pub fn try_acquire_owned(
        self: Arc<Self>,
    ) -> Result<OwnedSemaphorePermit<Self>, TryAcquireError> {
        try_acquire_owned(self, 1)
    }

    /// Tries to take `n` permits from an `Arc<BoundedSemaphore>`.
    ///
    /// # Errors
    ///
    /// As [`Semaphore::try_acquire_many`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(syncio::BoundedSemaphore::new(1));
    /// assert!(sem.clone().try_acquire_many_owned(2).is_err());
    /// ```
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit<Self>, TryAcquireError> {
        try_acquire_owned(self, n)
    }

    /// Blocks the current thread until one permit of an
    /// `Arc<BoundedSemaphore>` is free.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Errors
    ///
    /// As [`Semaphore::acquire_blocking`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(syncio::BoundedSemaphore::new(1));
    /// let permit = sem.clone().acquire_owned_blocking().unwrap();
    /// std::thread::spawn(move || drop(permit)).join().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn acquire_owned_blocking(
        self: Arc<Self>,
    ) -> Result<OwnedSemaphorePermit<Self>, AcquireError> {
        acquire_owned_blocking(self, 1)
    }

    /// Blocks the current thread until `n` permits of an
    /// `Arc<BoundedSemaphore>` are free.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Errors
    ///
    /// As [`Semaphore::acquire_many_blocking`]: more than the bound is an
    /// error at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(syncio::BoundedSemaphore::new(2));
    /// assert!(sem.clone().acquire_many_owned_blocking(3).is_err());
    /// ```
    pub fn acquire_many_owned_blocking(
        self: Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit<Self>, AcquireError> {
        acquire_owned_blocking(self, n)
    }
}

impl Deref for BoundedSemaphore {
    type Target = Semaphore;
    fn deref(&self) -> &Semaphore {
        &self.sem
    }
}

impl AsRef<Semaphore> for BoundedSemaphore {
    fn as_ref(&self) -> &Semaphore {
        &self.sem
    }
}

impl Default for BoundedSemaphore {
    /// A bounded semaphore of one permit, as Python's default `value=1`.
    fn default() -> Self {
        BoundedSemaphore::new(1)
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BoundedSemaphore").field(&self.sem).finish()
    }
}

#[cfg(test)]
mod tests;
