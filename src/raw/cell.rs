//! The data cell behind [`Mutex`]: the struct, its guards, and the `unsafe`
//! that turns "holds the mutex's only permit" into `&T` / `&mut T`.
//!
//! The mutex's methods and documentation of use live in `mutex.rs`; only what
//! needs `unsafe` is here.

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::semaphore::{Semaphore, SemaphorePermit};
use crate::Fairness;

/// An async-and-blocking mutex guarding a `T`: the form Rust users expect of
/// Python's `Lock`.
///
/// `lock().await` in tasks, `lock_blocking()` / `lock_timeout(d)` in threads,
/// `try_lock()` anywhere, all on the same value; owned guards for
/// `Arc<Mutex<T>>`.
///
/// # Fairness
///
/// FIFO: the lock is handed directly to the oldest waiter when released, so a
/// newcomer can never overtake a woken waiter. A waiter that is woken and then
/// dropped passes the lock on.
///
/// # Cancel safety
///
/// Dropping a pending [`MutexLock`](crate::MutexLock) future leaves the queue;
/// if the lock had already been handed to it, it goes to the next waiter.
///
/// # Memory ordering
///
/// Dropping a guard happens-before the next acquisition of the lock.
///
/// # Differences from asyncio and threading
///
/// Python's `Lock` guards no data and may be released by anyone; this
/// `Mutex` owns the data it guards and is released by dropping its guard.
/// [`Lock`](crate::Lock) is the data-less, Python-shaped variant.
// `repr(C)`, with the semaphore's state word as its last field (see
// `Semaphore`): the lock word and the value it guards then share a cache line
// (unless the line boundary falls between them), so a thread taking the lock
// from another pulls one line over, not two.
#[repr(C)]
pub struct Mutex<T: ?Sized> {
    /// A bounded semaphore of one permit: at most one permit ever exists.
    pub(crate) sem: Semaphore,
    value: UnsafeCell<T>,
}

// SAFETY: the value is only reached through a guard, of which at most one
// exists at a time (the mutex's single permit), so sending the mutex or
// sharing it between threads only ever moves `T` between threads (`T: Send`),
// exactly as `std::sync::Mutex`.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    crate::raw::sync::const_fn! {
        /// Creates an unlocked mutex holding `value`. Usable in a `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// static COUNTER: syncio::Mutex<u64> = syncio::Mutex::new(0);
        /// *COUNTER.try_lock().unwrap() += 1;
        /// assert_eq!(*COUNTER.lock_blocking(), 1);
        /// ```
        #[must_use]
        pub const fn new(value: T) -> Self {
            Self::with_fairness(value, Fairness::Fifo)
        }
    }

    crate::raw::sync::const_fn! {
        /// Creates an unlocked mutex holding `value`, with the given
        /// [`Fairness`] policy ([`Fairness::BARGING`] trades strict order for
        /// throughput under contention). Usable in a `static`.
        ///
        /// # Examples
        ///
        /// ```
        /// use syncio::{Fairness, Mutex};
        /// let m = Mutex::with_fairness(0, Fairness::BARGING);
        /// *m.lock_blocking() += 1;
        /// assert_eq!(*m.try_lock().unwrap(), 1);
        /// ```
        #[must_use]
        pub const fn with_fairness(value: T, fairness: Fairness) -> Self {
            Mutex {
                sem: Semaphore::new_bounded(1, fairness),
                value: UnsafeCell::new(value),
            }
        }
    }

    /// Consumes the mutex, returning the value.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = syncio::Mutex::new(vec![1]);
    /// assert_eq!(m.into_inner(), vec![1]);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// A mutable reference to the value; no locking is needed since `&mut
    /// self` proves no guard exists.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = syncio::Mutex::new(1);
    /// *m.get_mut() += 1;
    /// assert_eq!(*m.try_lock().unwrap(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

/// Checks that `permit` is the one permit of the mutex whose semaphore is at
/// `sem`, then keeps it out of the semaphore for the guard to give back on
/// drop.
#[inline]
fn claim(sem: *const Semaphore, permit: SemaphorePermit<'_>) {
    assert!(
        std::ptr::eq(permit.semaphore(), sem) && permit.num_permits() == 1,
        "a mutex guard needs the mutex's own permit"
    );
    permit.disarm();
}

// The address of the semaphore of the last mutex this thread released
// after taking it by a hand-off (0: none): such a mutex is most likely
// contended, so this thread's next async lock of it loads the word before
// writing instead of guessing "free" with a CAS (a failed CAS on a contended
// word is a write for nothing). Only a hint: any value is correct, it just
// picks the path. (Per loom thread under loom, whose model must be
// deterministic.)
#[cfg(not(syncio_loom))]
thread_local! {
    static LAST_HANDED_OVER: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}
#[cfg(syncio_loom)]
loom::thread_local! {
    static LAST_HANDED_OVER: std::cell::Cell<usize> = std::cell::Cell::new(0);
}

/// Reads [`LAST_HANDED_OVER`].
#[inline]
pub(crate) fn last_handed_over() -> usize {
    LAST_HANDED_OVER.with(std::cell::Cell::get)
}

/// Sets [`LAST_HANDED_OVER`].
#[inline]
pub(crate) fn set_last_handed_over(addr: usize) {
    LAST_HANDED_OVER.with(|c| c.set(addr));
}

/// Exclusive access to a [`Mutex`]'s value; unlocks when dropped.
#[must_use = "the mutex is unlocked as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    pub(crate) mutex: &'a Mutex<T>,
    /// The lock was taken without waiting: its release guesses that nobody
    /// is queued (one CAS). Taken by a hand-off, it guesses the opposite and
    /// loads the word first, as a failed CAS would cost a write for nothing.
    uncontended: bool,
    /// Keeps the guard `!Send` only if `T` is; `&Mutex<T>` is enough.
    _marker: PhantomData<&'a mut T>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Turns the mutex's single permit into a guard.
    ///
    /// # Panics
    ///
    /// If `permit` is not one permit of `mutex`'s semaphore.
    #[inline]
    pub(crate) fn new(mutex: &'a Mutex<T>, permit: SemaphorePermit<'a>) -> Self {
        let uncontended = permit.taken_uncontended();
        claim(&mutex.sem, permit);
        MutexGuard {
            mutex,
            uncontended,
            _marker: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the mutex's only permit (checked in
        // `new`), so no other guard exists until it is dropped.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this borrow unique.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if self.uncontended {
            self.mutex.sem.unlock_guessed();
        } else {
            set_last_handed_over(std::ptr::from_ref(&self.mutex.sem) as usize);
            self.mutex.sem.give_back(1);
        }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// Exclusive access to the value of an `Arc<Mutex<T>>`, with no lifetime;
/// unlocks when dropped.
#[must_use = "the mutex is unlocked as soon as the guard is dropped"]
pub struct OwnedMutexGuard<T: ?Sized> {
    pub(crate) mutex: Arc<Mutex<T>>,
    /// `&OwnedMutexGuard` hands out `&T`, so the guard is `Sync` only if `T`
    /// is (the `Arc` alone would only ask for `T: Send`).
    _marker: PhantomData<T>,
}

/// Proof that a mutex's single permit was taken out of its semaphore, for
/// building an [`OwnedMutexGuard`] once the permit's borrow has ended.
#[derive(Debug)]
pub(crate) struct Claim {
    sem: usize,
}

impl Claim {
    /// Checks that `permit` is the one permit of `mutex` and keeps it out of
    /// the semaphore.
    ///
    /// # Panics
    ///
    /// If `permit` is not one permit of `mutex`'s semaphore.
    pub(crate) fn new<T: ?Sized>(mutex: &Mutex<T>, permit: SemaphorePermit<'_>) -> Self {
        claim(&mutex.sem, permit);
        Claim {
            sem: std::ptr::from_ref(&mutex.sem) as usize,
        }
    }
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// Turns a claimed permit of `mutex` into an owned guard.
    ///
    /// # Panics
    ///
    /// If `claim` was made for another mutex.
    pub(crate) fn new(mutex: Arc<Mutex<T>>, claim: Claim) -> Self {
        assert_eq!(
            std::ptr::from_ref(&mutex.sem) as usize,
            claim.sem,
            "a mutex guard needs the mutex's own permit"
        );
        OwnedMutexGuard {
            mutex,
            _marker: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the mutex's only permit (checked in `new`).
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this borrow unique.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.mutex.sem.unlock_guessed();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
