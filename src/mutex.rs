//! [`Mutex<T>`](crate::Mutex): a lock that owns the data it guards, for
//! tasks and threads alike.
//!
//! # Python and Rust side by side
//!
//! ```python
//! lock = asyncio.Lock()          # or threading.Lock()
//! shared = []
//! async with lock:               # with lock:
//!     shared.append(1)
//! ```
//!
//! ```
//! use syncio::Mutex;
//!
//! let shared = Mutex::new(Vec::new());
//! # futures::executor::block_on(async {
//! shared.lock().await.push(1); //     `async with lock: shared.append(1)`
//! # });
//! shared.lock_blocking().push(2); //  `with lock: shared.append(2)` in a thread
//! assert_eq!(*shared.try_lock().unwrap(), [1, 2]);
//! ```
//!
//! The struct and its guards are defined in the crate's `raw` module (the only
//! place allowed `unsafe`, which turning a held lock into `&mut T` needs);
//! everything else about them is here.
#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use crate::raw::cell::{last_handed_over, set_last_handed_over, Claim};
pub use crate::raw::cell::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard,
};
use crate::semaphore::Acquire;
use crate::AcquireTimeoutError;

const NEVER_FAILS: &str = "a lock's semaphore is never closed and one permit never exceeds it";

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock and returns a guard.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future gives up its place in the queue, and
    /// if the lock had already been handed to it, passes the lock on.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let m = syncio::Mutex::new(0);
    /// *m.lock().await += 1;
    /// assert_eq!(*m.lock().await, 1);
    /// # });
    /// ```
    pub fn lock(&self) -> MutexLock<'_, T> {
        MutexLock {
            mutex: self,
            acquire: self.sem.acquire(),
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
    /// let m = syncio::Mutex::new(0);
    /// std::thread::scope(|s| {
    ///     s.spawn(|| *m.lock_blocking() += 1);
    /// });
    /// assert_eq!(*m.lock_blocking(), 1);
    /// ```
    #[inline]
    pub fn lock_blocking(&self) -> MutexGuard<'_, T> {
        MutexGuard::new(self, self.permit_blocking())
    }

    /// The lock's permit, blocking the thread: the uncontended case (one
    /// CAS on the guess "free") inlined, then the general path.
    #[inline]
    fn permit_blocking(&self) -> crate::SemaphorePermit<'_> {
        match self.sem.try_lock_guessed() {
            Some(permit) => permit,
            None => self.sem.acquire_blocking().expect(NEVER_FAILS),
        }
    }

    /// Blocks for at most `timeout` waiting for the lock; `None` if the time
    /// ran out.
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
    /// let m = syncio::Mutex::new(0);
    /// let held = m.lock_blocking();
    /// assert!(m.lock_timeout(Duration::from_millis(5)).is_none());
    /// drop(held);
    /// assert!(m.lock_timeout(Duration::from_millis(5)).is_some());
    /// ```
    #[must_use = "the mutex is unlocked as soon as the guard is dropped; `None` means the time ran out"]
    pub fn lock_timeout(&self, timeout: Duration) -> Option<MutexGuard<'_, T>> {
        guard_or_timeout(self.sem.acquire_timeout(timeout)).map(|p| MutexGuard::new(self, p))
    }

    /// Blocks until `deadline` at the latest waiting for the lock.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Cancel safety
    ///
    /// As [`lock_timeout`](Self::lock_timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let m = syncio::Mutex::new(0);
    /// assert!(m.lock_deadline(Instant::now() + Duration::from_millis(5)).is_some());
    /// ```
    #[must_use = "the mutex is unlocked as soon as the guard is dropped; `None` means the deadline passed"]
    pub fn lock_deadline(&self, deadline: Instant) -> Option<MutexGuard<'_, T>> {
        guard_or_timeout(self.sem.acquire_deadline(deadline)).map(|p| MutexGuard::new(self, p))
    }

    /// Takes the lock if it is free and nobody is queued for it (under
    /// [`Fairness::Barging`](crate::Fairness), if it is free and no starving
    /// waiter is being served first).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = syncio::Mutex::new(0);
    /// let g = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_none());
    /// drop(g);
    /// ```
    #[must_use = "the mutex is unlocked as soon as the guard is dropped; `None` means it was not free"]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.sem
            .try_lock_guessed()
            .or_else(|| self.sem.try_acquire().ok())
            .map(|p| MutexGuard::new(self, p))
    }

    /// Returns `true` while the lock is held (or being handed to a waiter).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = syncio::Mutex::new(());
    /// let g = m.try_lock().unwrap();
    /// assert!(m.is_locked());
    /// drop(g);
    /// assert!(!m.is_locked());
    /// ```
    #[must_use]
    pub fn is_locked(&self) -> bool {
        self.sem.available_permits() == 0
    }

    /// Waits for the lock of an `Arc<Mutex<T>>`, returning a guard with no
    /// lifetime.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe, as [`lock`](Self::lock).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// # futures::executor::block_on(async {
    /// let m = Arc::new(syncio::Mutex::new(1));
    /// let mut g = m.clone().lock_owned().await;
    /// std::thread::spawn(move || *g += 1).join().unwrap();
    /// assert_eq!(*m.lock().await, 2);
    /// # });
    /// ```
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        let permit = self.sem.acquire().await.expect(NEVER_FAILS);
        let claim = Claim::new(&self, permit);
        OwnedMutexGuard::new(self, claim)
    }

    /// Blocks the current thread until the lock of an `Arc<Mutex<T>>` is
    /// free, returning a guard with no lifetime (tokio's
    /// `blocking_lock_owned`).
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(syncio::Mutex::new(1));
    /// let mut g = m.clone().lock_owned_blocking();
    /// std::thread::spawn(move || *g += 1).join().unwrap();
    /// assert_eq!(*m.lock_blocking(), 2);
    /// ```
    pub fn lock_owned_blocking(self: Arc<Self>) -> OwnedMutexGuard<T> {
        let claim = Claim::new(&self, self.permit_blocking());
        OwnedMutexGuard::new(self, claim)
    }

    /// Takes the lock of an `Arc<Mutex<T>>` if it is free and nobody is
    /// queued.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(syncio::Mutex::new(1));
    /// let g = m.clone().try_lock_owned().unwrap();
    /// assert!(m.clone().try_lock_owned().is_none());
    /// drop(g);
    /// ```
    #[must_use = "the mutex is unlocked as soon as the guard is dropped; `None` means it was not free"]
    pub fn try_lock_owned(self: Arc<Self>) -> Option<OwnedMutexGuard<T>> {
        let claim = Claim::new(&self, self.sem.try_acquire().ok()?);
        Some(OwnedMutexGuard::new(self, claim))
    }
}

/// Maps a blocking acquire of one permit on a lock's semaphore to `Option`.
pub(crate) fn guard_or_timeout<P>(result: Result<P, AcquireTimeoutError>) -> Option<P> {
    match result {
        Ok(permit) => Some(permit),
        Err(AcquireTimeoutError::Timeout) => None,
        Err(e) => panic!("{NEVER_FAILS}: {e}"),
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// The mutex this guard locks.
    #[must_use]
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.mutex
    }
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    #[must_use]
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.mutex
    }
}

pin_project! {
    /// The future returned by [`Mutex::lock`].
    #[must_use = "futures do nothing unless polled"]
    pub struct MutexLock<'a, T: ?Sized> {
        mutex: &'a Mutex<T>,
        #[pin]
        acquire: Acquire<'a>,
    }
}

impl<'a, T: ?Sized> Future for MutexLock<'a, T> {
    type Output = MutexGuard<'a, T>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        // This thread's last release of this mutex followed a hand-off: the
        // guess "free" would most likely fail, a write to a contended word
        // for nothing.
        let contended = last_handed_over() == std::ptr::from_ref(&this.mutex.sem) as usize;
        let result = if contended {
            std::task::ready!(this.acquire.poll(cx))
        } else {
            std::task::ready!(this.acquire.poll_lock_guessed(cx))
        };
        let permit = result.expect(NEVER_FAILS);
        if contended && permit.taken_uncontended() {
            // Not contended after all: guess again next time.
            set_last_handed_over(0);
        }
        Poll::Ready(MutexGuard::new(this.mutex, permit))
    }
}

impl<T: ?Sized> fmt::Debug for MutexLock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MutexLock")
            .field("acquire", &self.acquire)
            .finish_non_exhaustive()
    }
}
