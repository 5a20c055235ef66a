//! [`Lock`]: Python's lock, with no data, for tasks and threads alike.
//!
//! # Python and Rust side by side
//!
//! ```python
//! lock = asyncio.Lock()              # or threading.Lock()
//! async with lock:                   # with lock:
//!     ...
//! await lock.acquire()               # lock.acquire()
//! try:
//!     ...
//! finally:
//!     lock.release()
//! lock.locked()
//! lock.release()                     # RuntimeError: Lock is not acquired.
//! ```
//!
//! ```
//! use syncio::{Lock, NotLockedError};
//!
//! let lock = Lock::new();
//! # futures::executor::block_on(async {
//! {
//!     let _guard = lock.acquire().await; // `async with lock:`
//! }
//! lock.acquire().await.forget(); //        `await lock.acquire()`
//! # });
//! assert!(lock.locked());
//! lock.release().unwrap(); //               `lock.release()`
//! assert_eq!(lock.release(), Err(NotLockedError));
//! let _g = lock.acquire_blocking(); //      `with lock:` in a thread
//! ```
#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use crate::error::NotLockedError;
use crate::fairness::Fairness;
use crate::mutex::{Mutex, MutexGuard, MutexLock};

/// A lock without data, usable from tasks and threads at once: Python's
/// `asyncio.Lock` and `threading.Lock` in one object.
///
/// Acquire it with [`acquire`](Self::acquire) (async),
/// [`acquire_blocking`](Self::acquire_blocking) /
/// [`acquire_timeout`](Self::acquire_timeout) (threads) or
/// [`try_acquire`](Self::try_acquire), each returning a [`LockGuard`] that
/// releases on drop. For Python's unpaired `acquire()` / `release()`,
/// [`forget`](LockGuard::forget) the guard and call
/// [`release`](Self::release) later, from any task or thread: Python's locks
/// have no owner.
///
/// # Fairness
///
/// FIFO with direct hand-off: a released lock goes to the oldest waiter, and
/// a newcomer never overtakes a woken waiter.
///
/// # Cancel safety
///
/// Dropping a pending [`LockAcquire`] leaves the queue; a lock already handed
/// to it passes on to the next waiter.
///
/// # Differences from asyncio and threading
///
/// - One object for tasks and threads; FIFO for threads too.
/// - [`release`](Self::release) of a lock held by a live guard is refused
///   (the guard releases it): only forgotten acquisitions are released by
///   hand, so no guard can ever release a lock twice.
#[derive(Default)]
pub struct Lock {
    inner: Mutex<()>,
}

impl Lock {
    crate::raw::sync::const_fn! {
        /// Creates an unlocked lock. Usable in a `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// static LOCK: syncio::Lock = syncio::Lock::new();
        /// assert!(!LOCK.locked());
        /// ```
        #[must_use]
        pub const fn new() -> Self {
            Lock {
                inner: Mutex::new(()),
            }
        }
    }

    crate::raw::sync::const_fn! {
        /// Creates an unlocked lock with the given [`Fairness`] policy.
        ///
        /// # Examples
        ///
        /// ```
        /// let lock = syncio::Lock::with_fairness(syncio::Fairness::BARGING);
        /// assert!(lock.try_acquire().is_some());
        /// ```
        #[must_use]
        pub const fn with_fairness(fairness: Fairness) -> Self {
            Lock {
                inner: Mutex::with_fairness((), fairness),
            }
        }
    }

    /// Waits for the lock.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives up its place, and passes the lock
    /// on if it had already been handed over.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let lock = syncio::Lock::new();
    /// let guard = lock.acquire().await;
    /// assert!(lock.locked());
    /// drop(guard);
    /// # });
    /// ```
    pub fn acquire(&self) -> LockAcquire<'_> {
        LockAcquire {
            lock: self,
            inner: self.inner.lock(),
        }
    }

    /// Blocks the current thread until the lock is free.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = syncio::Lock::new();
    /// drop(lock.acquire_blocking());
    /// ```
    pub fn acquire_blocking(&self) -> LockGuard<'_> {
        self.guard(self.inner.lock_blocking())
    }

    /// Blocks for at most `timeout`: threading's `lock.acquire(timeout=t)`.
    /// `None` if the time ran out.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Cancel safety
    ///
    /// On time-out the caller leaves the queue; a lock handed over at the last
    /// moment is taken, never lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lock = syncio::Lock::new();
    /// let held = lock.try_acquire().unwrap();
    /// assert!(lock.acquire_timeout(Duration::from_millis(5)).is_none());
    /// ```
    #[must_use = "the lock is released as soon as the guard is dropped; `None` means the time ran out"]
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<LockGuard<'_>> {
        self.inner.lock_timeout(timeout).map(|g| self.guard(g))
    }

    /// Blocks until `deadline` at the latest. `None` if it passed.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire_timeout`](Self::acquire_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = syncio::Lock::new();
    /// assert!(lock.acquire_deadline(std::time::Instant::now()).is_some());
    /// ```
    #[must_use = "the lock is released as soon as the guard is dropped; `None` means the deadline passed"]
    pub fn acquire_deadline(&self, deadline: Instant) -> Option<LockGuard<'_>> {
        self.inner.lock_deadline(deadline).map(|g| self.guard(g))
    }

    /// Takes the lock if it is free and nobody is queued (under
    /// [`Fairness::Barging`], if it is free and no starving
    /// waiter is being served first): `lock.acquire(blocking=False)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = syncio::Lock::new();
    /// let g = lock.try_acquire().unwrap();
    /// assert!(lock.try_acquire().is_none());
    /// ```
    #[must_use = "the lock is released as soon as the guard is dropped; `None` means it was not free"]
    pub fn try_acquire(&self) -> Option<LockGuard<'_>> {
        self.inner.try_lock().map(|g| self.guard(g))
    }

    /// Returns `true` if the lock is held.
    #[must_use]
    pub fn locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// Releases a lock whose guard was [`forget`](LockGuard::forget)-ten:
    /// Python's `lock.release()`. Any task or thread may call it.
    ///
    /// # Errors
    ///
    /// [`NotLockedError`], changing nothing, if the lock is not held, or is
    /// held only by a live guard (which releases it when dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = syncio::Lock::new();
    /// lock.try_acquire().unwrap().forget();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| lock.release().unwrap());
    /// });
    /// assert!(!lock.locked());
    /// ```
    pub fn release(&self) -> Result<(), NotLockedError> {
        self.inner.sem.release(1).map_err(|_| NotLockedError)
    }

    /// Not part of the API: support for the Python bindings' `fork()` (see
    /// [`Semaphore::forget_waiters`](crate::Semaphore::forget_waiters)).
    #[doc(hidden)]
    pub fn forget_waiters(&self) {
        self.inner.sem.forget_waiters();
    }

    fn guard<'a>(&'a self, inner: MutexGuard<'a, ()>) -> LockGuard<'a> {
        LockGuard { lock: self, inner }
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.locked())
            .finish()
    }
}

/// A held [`Lock`]; releases it when dropped: the Rust form of `with lock:`.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
    inner: MutexGuard<'a, ()>,
}

impl<'a> LockGuard<'a> {
    /// Keeps the lock held with no guard, to be released later with
    /// [`Lock::release`] (Python's unpaired `acquire()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = syncio::Lock::new();
    /// lock.acquire_blocking().forget();
    /// assert!(lock.locked());
    /// lock.release().unwrap();
    /// ```
    pub fn forget(self) {
        let sem = &self.lock.inner.sem;
        std::mem::forget(self.inner);
        sem.forgot(1);
    }

    /// The lock this guard holds.
    #[must_use]
    pub fn lock(&self) -> &'a Lock {
        self.lock
    }
}

impl fmt::Debug for LockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard").finish_non_exhaustive()
    }
}

pin_project! {
    /// The future returned by [`Lock::acquire`].
    #[must_use = "futures do nothing unless polled"]
    pub struct LockAcquire<'a> {
        lock: &'a Lock,
        #[pin]
        inner: MutexLock<'a, ()>,
    }
}

impl<'a> Future for LockAcquire<'a> {
    type Output = LockGuard<'a>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let inner = std::task::ready!(this.inner.poll(cx));
        Poll::Ready(LockGuard {
            lock: this.lock,
            inner,
        })
    }
}

impl fmt::Debug for LockAcquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockAcquire")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}
