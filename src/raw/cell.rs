//! The data cell behind [`Mutex`]: the struct, its guards, and the `unsafe`
//! that turns "holds the mutex's only permit" into `&T` / `&mut T`.
//!
//! The mutex's methods and documentation of use live in `mutex.rs`; only what
//! needs `unsafe` is here.

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
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
/// # Panics while locked
///
/// A guard dropped while its thread unwinds unlocks the mutex as usual. There
/// is no poisoning (as with tokio's and parking_lot's mutexes, unlike
/// `std::sync::Mutex`): the next holder finds the value as the panicking
/// holder left it, so a value that a panic can leave half-updated needs its
/// own check.
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
        unlock(&self.mutex.sem, self.uncontended);
    }
}

/// A borrowed guard's unlock: one CAS on the guess "nobody queued" if the
/// lock was taken without waiting, else the general release, noting the
/// mutex as contended for this thread's next lock of it.
#[inline]
fn unlock(sem: &Semaphore, uncontended: bool) {
    if uncontended {
        sem.unlock_guessed();
    } else {
        set_last_handed_over(std::ptr::from_ref(sem) as usize);
        sem.give_back(1);
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

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Narrows the guard to a part of the value, such as one field or one
    /// element, keeping the mutex locked until the returned guard drops
    /// (tokio's and parking_lot's `MutexGuard::map`).
    ///
    /// An associated function (`MutexGuard::map(guard, f)`), so that it does
    /// not hide a `map` method of the value.
    ///
    /// If `f` panics, the guard is dropped and the mutex unlocked.
    ///
    /// # Examples
    ///
    /// ```
    /// use syncio::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// struct Stats { hits: u64, misses: u64 }
    /// let m = Mutex::new(Stats { hits: 0, misses: 0 });
    /// let mut hits: MappedMutexGuard<'_, u64> = MutexGuard::map(m.lock_blocking(), |s| &mut s.hits);
    /// *hits += 1;
    /// assert!(m.is_locked());
    /// drop(hits);
    /// assert_eq!(m.try_lock().unwrap().hits, 1);
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        narrowed(Self::try_map(this, |v| Some(f(v))))
    }

    /// Narrows the guard to a part of the value if `f` finds one; otherwise
    /// gives the guard back unchanged, still locked.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use syncio::{Mutex, MutexGuard};
    ///
    /// let m = Mutex::new(vec![1, 2]);
    /// let guard = MutexGuard::try_map(m.lock_blocking(), |v| v.get_mut(5)).unwrap_err();
    /// let mut second = MutexGuard::try_map(guard, |v| v.get_mut(1)).unwrap();
    /// *second = 20;
    /// drop(second);
    /// assert_eq!(*m.lock_blocking(), [1, 20]);
    /// ```
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        try_narrow(this, f, |guard, value| {
            let mutex: &'a Mutex<T> = guard.mutex;
            MappedMutexGuard {
                sem: &mutex.sem,
                value,
                uncontended: guard.uncontended,
                _marker: PhantomData,
            }
        })
    }
}

/// Every guard's `try_map`: the part `f` picks of the guard's value, handed
/// with the guard to `narrow`, which takes over its duty to unlock (the
/// guard is not dropped); or, if `f` picks nothing, the guard unchanged. If
/// `f` panics, the guard drops and unlocks.
fn try_narrow<G, U, R, F, N>(mut guard: G, f: F, narrow: N) -> Result<R, G>
where
    G: DerefMut,
    U: ?Sized,
    F: FnOnce(&mut G::Target) -> Option<&mut U>,
    N: FnOnce(ManuallyDrop<G>, NonNull<U>) -> R,
{
    match f(&mut *guard).map(NonNull::from) {
        Some(value) => Ok(narrow(ManuallyDrop::new(guard), value)),
        None => Err(guard),
    }
}

/// The result of a `try_map` whose mapping always picks a part (`map`).
fn narrowed<R, G>(result: Result<R, G>) -> R {
    match result {
        Ok(narrowed) => narrowed,
        Err(_) => unreachable!("the mapping picked a part"),
    }
}

/// Exclusive access to a part of a [`Mutex`]'s value, made by
/// [`MutexGuard::map`] or [`MutexGuard::try_map`]; unlocks the mutex when
/// dropped.
///
/// Like the `&mut T` it stands for, the guard is invariant in `T`: a guard
/// of a long-lived reference cannot pass for one of a shorter-lived
/// reference, which could then be stored in the mutex and outlive its
/// referent.
///
/// ```compile_fail
/// use syncio::{MappedMutexGuard, Mutex, MutexGuard};
/// let m: Mutex<(&'static str,)> = Mutex::new(("static",));
/// let g = MutexGuard::map(m.lock_blocking(), |t| &mut t.0);
/// let s = String::from("short-lived");
/// let mut g: MappedMutexGuard<'_, &str> = g; // `&'static str` shortened
/// *g = &s;
/// ```
#[must_use = "the mutex is unlocked as soon as the guard is dropped"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    /// The semaphore of the locked mutex, whose one permit this guard holds.
    sem: &'a Semaphore,
    /// Derived from the `&mut` that the mutex's guard lent to the mapping
    /// function, so valid for `'a` and reached by nobody else while the
    /// permit is held.
    value: NonNull<T>,
    /// As [`MutexGuard`]'s: picks the unlock's path.
    uncontended: bool,
    /// The guard is an `&'a mut T` with an unlock attached: `Send` and
    /// `Sync` as that reference is (see the impls below).
    _marker: PhantomData<&'a mut T>,
}

// SAFETY: the guard stands for an `&'a mut T` (what `Send` needs of it is
// `T: Send`) and for the mutex's permit, which any thread may give back.
unsafe impl<T: ?Sized + Send> Send for MappedMutexGuard<'_, T> {}
// SAFETY: `&MappedMutexGuard` only gives out `&T`.
unsafe impl<T: ?Sized + Sync> Sync for MappedMutexGuard<'_, T> {}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Narrows the guard further (see [`MutexGuard::map`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use syncio::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// let m = Mutex::new((0, [0u8; 4]));
    /// let bytes = MutexGuard::map(m.lock_blocking(), |pair| &mut pair.1);
    /// let mut last = MappedMutexGuard::map(bytes, |b| &mut b[3]);
    /// *last = 7;
    /// drop(last);
    /// assert_eq!(m.lock_blocking().1, [0, 0, 0, 7]);
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        narrowed(Self::try_map(this, |v| Some(f(v))))
    }

    /// Narrows the guard further if `f` finds a part (see
    /// [`MutexGuard::try_map`]).
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use syncio::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// let m = Mutex::new((0, vec![1]));
    /// let list = MutexGuard::map(m.lock_blocking(), |pair| &mut pair.1);
    /// let list = MappedMutexGuard::try_map(list, |l| l.get_mut(1)).unwrap_err();
    /// assert_eq!(*list, [1]);
    /// ```
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        try_narrow(this, f, |guard, value| MappedMutexGuard {
            sem: guard.sem,
            value,
            uncontended: guard.uncontended,
            _marker: PhantomData,
        })
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: `value` came from the exclusive borrow of the value of a
        // mutex whose only permit this guard holds (see the field), so no
        // other reference to it exists until the guard drops.
        unsafe { self.value.as_ref() }
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this borrow unique.
        unsafe { self.value.as_mut() }
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        unlock(self.sem, self.uncontended);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// Narrows the guard to a part of the value, keeping the mutex locked
    /// (and alive) until the returned guard drops (see
    /// [`MutexGuard::map`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use syncio::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// let m = Arc::new(Mutex::new((String::from("a"), 0)));
    /// let guard = m.clone().try_lock_owned().unwrap();
    /// let mut name: OwnedMappedMutexGuard<_, String> = OwnedMutexGuard::map(guard, |p| &mut p.0);
    /// std::thread::spawn(move || name.push('b')).join().unwrap();
    /// assert_eq!(m.try_lock().unwrap().0, "ab");
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> OwnedMappedMutexGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        narrowed(Self::try_map(this, |v| Some(f(v))))
    }

    /// Narrows the guard to a part of the value if `f` finds one; otherwise
    /// gives the guard back unchanged, still locked.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use syncio::{Mutex, OwnedMutexGuard};
    ///
    /// let m = Arc::new(Mutex::new(Some(5)));
    /// let mut five = OwnedMutexGuard::try_map(m.clone().try_lock_owned().unwrap(), Option::as_mut).unwrap();
    /// *five += 1;
    /// drop(five);
    /// assert_eq!(*m.try_lock().unwrap(), Some(6));
    /// ```
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        try_narrow(this, f, |guard, value| OwnedMappedMutexGuard {
            // SAFETY: `guard` is never used again nor dropped
            // (`ManuallyDrop`), so the `Arc` read out of it is moved, not
            // duplicated.
            mutex: unsafe { std::ptr::read(&guard.mutex) },
            value,
            _marker: PhantomData,
        })
    }
}

/// Exclusive access to a part of the value of an `Arc<Mutex<T>>`, made by
/// [`OwnedMutexGuard::map`] or [`OwnedMutexGuard::try_map`]; with no
/// lifetime, it keeps the mutex alive and unlocks it when dropped.
///
/// Invariant in `U`, as [`MappedMutexGuard`] is in its `T`:
///
/// ```compile_fail
/// use std::sync::Arc;
/// use syncio::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
/// let m = Arc::new(Mutex::new(("static",)));
/// let g = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |t| &mut t.0);
/// let s = String::from("short-lived");
/// let mut g: OwnedMappedMutexGuard<(&'static str,), &str> = g; // shortened
/// *g = &s;
/// ```
#[must_use = "the mutex is unlocked as soon as the guard is dropped"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    /// The locked mutex, whose one permit this guard holds.
    mutex: Arc<Mutex<T>>,
    /// Derived from the `&mut` that the mutex's guard lent to the mapping
    /// function: it points into the value the `Arc` keeps alive, reached
    /// by nobody else while the permit is held.
    value: NonNull<U>,
    /// The guard hands out `&U` and `&mut U`, so it must be invariant in
    /// `U`, as `&mut U` is (`NonNull` alone is covariant: a guard of an
    /// `&'static str` could then be shortened and made to store a
    /// short-lived one); `Send` and `Sync` are implemented below.
    _marker: PhantomData<*mut U>,
}

// SAFETY: sending the guard sends the `Arc<Mutex<T>>` (`T: Send`, as for
// `OwnedMutexGuard`) and exclusive access to a `U` (`U: Send`); the permit
// may be given back from any thread.
unsafe impl<T: ?Sized + Send, U: ?Sized + Send> Send for OwnedMappedMutexGuard<T, U> {}
// SAFETY: `&OwnedMappedMutexGuard` only gives out `&U` (`U: Sync`); the
// `Arc<Mutex<T>>` inside is `Sync` when `T: Send`.
unsafe impl<T: ?Sized + Send, U: ?Sized + Sync> Sync for OwnedMappedMutexGuard<T, U> {}

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// Narrows the guard further (see [`MutexGuard::map`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use syncio::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// let m = Arc::new(Mutex::new((0, [1, 2])));
    /// let pair = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |p| &mut p.1);
    /// let first = OwnedMappedMutexGuard::map(pair, |a| &mut a[0]);
    /// assert_eq!(*first, 1);
    /// ```
    pub fn map<V: ?Sized, F>(this: Self, f: F) -> OwnedMappedMutexGuard<T, V>
    where
        F: FnOnce(&mut U) -> &mut V,
    {
        narrowed(Self::try_map(this, |v| Some(f(v))))
    }

    /// Narrows the guard further if `f` finds a part (see
    /// [`MutexGuard::try_map`]).
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use syncio::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// let m = Arc::new(Mutex::new((0, vec![1])));
    /// let list = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |p| &mut p.1);
    /// assert!(OwnedMappedMutexGuard::try_map(list, |l| l.get_mut(3)).is_err());
    /// ```
    pub fn try_map<V: ?Sized, F>(this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, V>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        try_narrow(this, f, |guard, value| OwnedMappedMutexGuard {
            // SAFETY: as in `OwnedMutexGuard::try_map`.
            mutex: unsafe { std::ptr::read(&guard.mutex) },
            value,
            _marker: PhantomData,
        })
    }

    /// The mutex this guard locks.
    #[must_use]
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.mutex
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedMappedMutexGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: `value` points into the value of the mutex that `self.mutex`
        // keeps alive, came from an exclusive borrow of it, and this guard
        // holds the mutex's only permit, so no other reference exists.
        unsafe { self.value.as_ref() }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedMappedMutexGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as in `deref`, and `&mut self` makes this borrow unique.
        unsafe { self.value.as_mut() }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedMappedMutexGuard<T, U> {
    fn drop(&mut self) {
        self.mutex.sem.unlock_guessed();
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Display> fmt::Display for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
