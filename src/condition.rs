//! [`Condition`]: wait for a state change under a lock, from tasks and
//! threads alike.
//!
//! # Python and Rust side by side
//!
//! ```python
//! lock = asyncio.Lock()
//! cond = asyncio.Condition(lock)
//! items = []
//!
//! async def consumer():
//!     async with cond:
//!         await cond.wait_for(lambda: items)
//!         return items.pop()
//!
//! async def producer():
//!     async with cond:
//!         items.append(1)
//!         cond.notify()
//! ```
//!
//! ```
//! use syncio::{Condition, Mutex};
//!
//! let items = Mutex::new(Vec::new());
//! let cond = Condition::new();
//!
//! let consumer = async {
//!     let guard = items.lock().await; //                   `async with cond:`
//!     let mut guard = cond.wait_for(guard, |g| !g.is_empty()).await;
//!     guard.pop()
//! };
//! let producer = async {
//!     items.lock().await.push(1); //                       `items.append(1)`
//!     cond.notify(1); //                                   `cond.notify()`
//! };
//! let (got, ()) = futures::executor::block_on(futures::future::join(consumer, producer));
//! assert_eq!(got, Some(1));
//! ```
//!
//! A condition is not tied to one lock: each wait is handed the guard of the
//! lock it waits under ([`MutexGuard`] or [`LockGuard`]), consumes it, and
//! gives it back re-acquired, as `std::sync::Condvar` does. Several conditions
//! may therefore share one lock, as Python allows.
#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::Ordering::Relaxed;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use crate::lock::{Lock, LockAcquire, LockGuard};
use crate::mutex::{Mutex, MutexGuard, MutexLock};
use crate::raw::sync::AtomicUsize;
use crate::raw::{self, QueueGuard, WaitQueue, WaitState, Waiter, WakeList};

mod sealed {
    pub trait Sealed {}
}

/// A guard a [`Condition`] can wait with: [`MutexGuard`] or [`LockGuard`].
///
/// The trait is sealed; its items are an implementation detail.
pub trait ConditionGuard: Sized + sealed::Sealed {
    #[doc(hidden)]
    /// What is left of the guard while unlocked: a reference to its lock.
    type Unlocked: Copy;
    #[doc(hidden)]
    /// Re-acquires the lock.
    type Relock: Future<Output = Self>;
    #[doc(hidden)]
    /// The lock this guard holds, to re-acquire once the guard is dropped.
    fn unlocked(&self) -> Self::Unlocked;
    #[doc(hidden)]
    fn relock(lock: Self::Unlocked) -> Self::Relock;
}

impl<T: ?Sized> sealed::Sealed for MutexGuard<'_, T> {}

impl<'a, T: ?Sized> ConditionGuard for MutexGuard<'a, T> {
    type Unlocked = &'a Mutex<T>;
    type Relock = MutexLock<'a, T>;
    fn unlocked(&self) -> &'a Mutex<T> {
        MutexGuard::mutex(self)
    }
    fn relock(lock: &'a Mutex<T>) -> MutexLock<'a, T> {
        lock.lock()
    }
}

impl sealed::Sealed for LockGuard<'_> {}

impl<'a> ConditionGuard for LockGuard<'a> {
    type Unlocked = &'a Lock;
    type Relock = LockAcquire<'a>;
    fn unlocked(&self) -> &'a Lock {
        self.lock()
    }
    fn relock(lock: &'a Lock) -> LockAcquire<'a> {
        lock.acquire()
    }
}

/// The "guard" of a wait that holds no lock of ours: [`Notified`]. The caller
/// releases and re-acquires its own lock around the wait.
#[derive(Debug)]
pub(crate) struct NoLock;

impl sealed::Sealed for NoLock {}

impl ConditionGuard for NoLock {
    type Unlocked = ();
    type Relock = std::future::Ready<NoLock>;
    fn unlocked(&self) {}
    fn relock((): ()) -> Self::Relock {
        std::future::ready(NoLock)
    }
}

/// A condition variable usable from tasks and threads at once: Python's
/// `asyncio.Condition` and `threading.Condition`, without the built-in lock.
///
/// # Fairness
///
/// Notification order is FIFO: [`notify(n)`](Self::notify) wakes the `n`
/// waiters that have waited longest. Once notified, a waiter re-acquires the
/// lock in the lock's own FIFO order.
///
/// # Cancel safety
///
/// A notification is never lost: if a waiter is notified and then dropped
/// (or times out) before its wait returns, the notification passes to the
/// next waiter (the lost wake-up CPython fixed in gh-112202). Dropping a wait
/// future drops the guard it consumed: the lock is not held afterwards.
///
/// # Differences from asyncio and threading
///
/// - No built-in lock: waits take the guard of a [`Mutex`] or [`Lock`], and
///   `async with cond:` becomes locking that mutex.
/// - `notify` does not require the lock to be held (as
///   `std::sync::Condvar`); hold it anyway when the waiters' predicate depends
///   on state the lock protects, or a notification may come before the wait.
/// - `notify` returns how many waiters it woke.
#[derive(Default)]
pub struct Condition {
    /// Mirror of the queue length, so `notify` with nobody waiting is
    /// lock-free. Written under the queue lock.
    waiting: AtomicUsize,
    queue: WaitQueue<()>,
}

impl Condition {
    crate::raw::sync::const_fn! {
        /// Creates a condition with no waiters. Usable in a `static`.
        #[must_use]
        pub const fn new() -> Self {
            Condition {
                waiting: AtomicUsize::new(0),
                queue: WaitQueue::new(()),
            }
        }
    }

    /// Wakes up to `n` of the longest-waiting waiters; returns how many were
    /// woken. A no-op if nobody waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let cond = syncio::Condition::new();
    /// assert_eq!(cond.notify(1), 0);
    /// ```
    pub fn notify(&self, n: usize) -> usize {
        if n == 0 || self.waiting.load(Relaxed) == 0 {
            return 0;
        }
        let mut wakes = WakeList::new();
        let mut q = self.queue.lock();
        let woken = self.notify_locked(&mut q, n, &mut wakes);
        drop(q);
        wakes.wake_all();
        woken
    }

    /// Wakes every waiter; returns how many were woken.
    pub fn notify_all(&self) -> usize {
        self.notify(usize::MAX)
    }

    fn notify_locked(&self, q: &mut QueueGuard<'_, ()>, n: usize, wakes: &mut WakeList) -> usize {
        let mut woken = 0;
        while woken < n && q.notify_front(0, wakes) {
            woken += 1;
        }
        self.waiting.store(q.len(), Relaxed);
        woken
    }

    /// Number of waiters queued right now.
    #[must_use]
    pub fn waiters(&self) -> usize {
        self.waiting.load(Relaxed)
    }

    /// Releases the lock behind `guard`, waits for a notification, and
    /// re-acquires the lock: Python's `await cond.wait()`.
    ///
    /// The waiter is queued before the lock is released, so a notification
    /// sent by the next holder of the lock cannot be missed. Spurious
    /// wake-ups are possible (a notification passed on by a cancelled
    /// waiter), so wait in a loop or use [`wait_for`](Self::wait_for).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes drops the guard (the lock is
    /// not held afterwards); a notification it had received passes to the
    /// next waiter. To stop waiting and keep the guard (a time-out under a
    /// runtime's timer), use [`ConditionWait::give_up`] instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use syncio::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(), Condition::new());
    /// std::thread::scope(|s| {
    ///     let guard = lock.acquire_blocking();
    ///     s.spawn(|| {
    ///         let _g = lock.acquire_blocking(); // waits until `wait` unlocks
    ///         cond.notify(1);
    ///     });
    ///     let guard = futures::executor::block_on(cond.wait(guard));
    ///     assert!(lock.locked());
    ///     drop(guard);
    /// });
    /// ```
    pub fn wait<G: ConditionGuard>(&self, guard: G) -> ConditionWait<'_, G> {
        ConditionWait {
            cond: self,
            guard: Some(guard),
            lock: None,
            phase: Phase::Start,
            notified: false,
            node: Waiter::new(),
            relock: None,
        }
    }

    /// Waits until `predicate` returns `true`, checking it first and after
    /// each notification, with the lock held: Python's `wait_for`. Python
    /// returns the predicate's last value, which is always true here; the
    /// timed form [`wait_for_timeout`](Self::wait_for_timeout) returns it.
    ///
    /// # Cancel safety
    ///
    /// As [`wait`](Self::wait).
    ///
    /// # Panics
    ///
    /// A panic in `predicate` propagates; the guard is dropped on the way,
    /// releasing the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let (m, cond) = (syncio::Mutex::new(5), syncio::Condition::new());
    /// let g = cond.wait_for(m.lock().await, |n| **n > 1).await;
    /// assert_eq!(*g, 5);
    /// # });
    /// ```
    pub async fn wait_for<G, F>(&self, mut guard: G, mut predicate: F) -> G
    where
        G: ConditionGuard,
        F: FnMut(&mut G) -> bool,
    {
        while !predicate(&mut guard) {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// A wait for a notification alone, for callers who hold a lock that is
    /// not a [`Mutex`] or [`Lock`] (a `std::sync::Mutex`, a Python lock, an
    /// RLock): the pattern behind Python's `Condition(lock)` with any lock.
    ///
    /// Queue the waiter with [`Notified::enable`] *before* releasing your
    /// lock, so that a notification sent by the next holder cannot be missed;
    /// then release it, await the future (or use one of its blocking forms),
    /// and re-acquire your lock.
    ///
    /// # Cancel safety
    ///
    /// As [`wait`](Self::wait): dropping a `Notified` that was queued takes
    /// it out of the queue, and a notification it had already received
    /// passes to the next waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::sync::Mutex;
    ///
    /// let (items, cond) = (Mutex::new(Vec::new()), syncio::Condition::new());
    /// std::thread::scope(|s| {
    ///     let guard = items.lock().unwrap();
    ///     let mut notified = pin!(cond.notified());
    ///     notified.as_mut().enable(); //         queued while the lock is held
    ///     s.spawn(|| {
    ///         items.lock().unwrap().push(1);
    ///         cond.notify(1);
    ///     });
    ///     drop(guard); //                        `cond.wait()` releases the lock,
    ///     notified.wait_blocking(); //           waits,
    ///     assert_eq!(*items.lock().unwrap(), [1]); // and re-acquires it
    /// });
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            wait: self.wait(NoLock),
        }
    }

    /// Blocking form of [`wait`](Self::wait): threading's `cond.wait()`.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    pub fn wait_blocking<G: ConditionGuard>(&self, guard: G) -> G {
        raw::block_on(pin!(self.wait(guard)))
    }

    /// Waits at most `timeout` for a notification, then re-acquires the lock
    /// (however long that takes, as Python does): threading's
    /// `cond.wait(timeout)`. The flag is `true` if notified, `false` on
    /// time-out.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Cancel safety
    ///
    /// A notification that arrives as the time-out expires counts as received
    /// (the flag is `true`); none is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (m, cond) = (syncio::Mutex::new(()), syncio::Condition::new());
    /// let (guard, notified) = cond.wait_timeout(m.lock_blocking(), Duration::from_millis(5));
    /// assert!(!notified);
    /// assert!(m.is_locked());
    /// # drop(guard);
    /// ```
    pub fn wait_timeout<G: ConditionGuard>(&self, guard: G, timeout: Duration) -> (G, bool) {
        self.wait_until(guard, raw::deadline_after(timeout))
    }

    /// As [`wait_timeout`](Self::wait_timeout), with a deadline.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    pub fn wait_deadline<G: ConditionGuard>(&self, guard: G, deadline: Instant) -> (G, bool) {
        self.wait_until(guard, Some(deadline))
    }

    fn wait_until<G: ConditionGuard>(&self, guard: G, deadline: Option<Instant>) -> (G, bool) {
        pin!(self.wait(guard)).block_until(deadline)
    }

    /// Blocking form of [`wait_for`](Self::wait_for).
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    pub fn wait_for_blocking<G, F>(&self, mut guard: G, mut predicate: F) -> G
    where
        G: ConditionGuard,
        F: FnMut(&mut G) -> bool,
    {
        while !predicate(&mut guard) {
            guard = self.wait_blocking(guard);
        }
        guard
    }

    /// Waits at most `timeout` for `predicate` to become true: threading's
    /// `cond.wait_for(predicate, timeout)`. Returns the guard and the
    /// predicate's last value (`false` if the time ran out first).
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let (m, cond) = (syncio::Mutex::new(0), syncio::Condition::new());
    /// let (g, ok) = cond.wait_for_timeout(m.lock_blocking(), Duration::from_millis(5), |n| **n > 0);
    /// assert!(!ok);
    /// # drop(g);
    /// ```
    pub fn wait_for_timeout<G, F>(&self, guard: G, timeout: Duration, predicate: F) -> (G, bool)
    where
        G: ConditionGuard,
        F: FnMut(&mut G) -> bool,
    {
        match raw::deadline_after(timeout) {
            Some(deadline) => self.wait_for_deadline(guard, deadline, predicate),
            None => (self.wait_for_blocking(guard, predicate), true),
        }
    }

    /// As [`wait_for_timeout`](Self::wait_for_timeout), with a deadline.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    pub fn wait_for_deadline<G, F>(
        &self,
        mut guard: G,
        deadline: Instant,
        mut predicate: F,
    ) -> (G, bool)
    where
        G: ConditionGuard,
        F: FnMut(&mut G) -> bool,
    {
        loop {
            if predicate(&mut guard) {
                return (guard, true);
            }
            if Instant::now() >= deadline {
                return (guard, false);
            }
            guard = self.wait_deadline(guard, deadline).0;
        }
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("waiters", &self.waiters())
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not polled yet: still holding the guard.
    Start,
    /// Queued for a notification, lock released.
    Waiting,
    /// Notified (or timed out), re-acquiring the lock.
    Relocking,
    /// Given up before it started: the guard it still holds is the result.
    GaveUpFirst,
    /// Returned the guard.
    Done,
}

pin_project! {
    /// The future returned by [`Condition::wait`].
    #[must_use = "futures do nothing unless polled"]
    pub struct ConditionWait<'a, G>
    where
        G: ConditionGuard,
    {
        cond: &'a Condition,
        guard: Option<G>,
        lock: Option<G::Unlocked>,
        phase: Phase,
        notified: bool,
        #[pin]
        node: Waiter,
        #[pin]
        relock: Option<G::Relock>,
    }

    impl<'a, G> PinnedDrop for ConditionWait<'a, G>
    where
        G: ConditionGuard,
    {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let cond = *this.cond;
            let node = this.node.into_ref();
            match *this.phase {
                Phase::Waiting => {
                    let mut stale = None;
                    let mut q = cond.queue.lock();
                    if q.remove(node, &mut stale) {
                        cond.waiting.store(q.len(), Relaxed);
                        return;
                    }
                    drop(q);
                    // Notified before it could return: pass it on.
                    if node.take_notification().is_some() {
                        cond.notify(1);
                    }
                }
                Phase::Relocking if *this.notified => {
                    cond.notify(1);
                }
                _ => {}
            }
        }
    }
}

impl<'a, G: ConditionGuard> ConditionWait<'a, G> {
    /// The first step of a wait: queue the node, then unlock.
    fn start(self: Pin<&mut Self>, waker: &std::task::Waker) {
        let this = self.project();
        debug_assert_eq!(*this.phase, Phase::Start);
        let node = this.node.into_ref();
        // Cloned before locking: a clone is its owner's code, which may call
        // back into this condition (or panic).
        let waker = waker.clone();
        let mut q = this.cond.queue.lock();
        q.push_back(node, 0, waker);
        this.cond.waiting.store(q.len(), Relaxed);
        drop(q);
        // Queued first, then unlocked: no notification can slip in between.
        // The phase moves and the lock is recorded first, so that if
        // unlocking panics (a waker woken by the hand-off may), the wait is
        // whole: polled again it re-locks, dropped it passes a notification
        // on.
        *this.phase = Phase::Waiting;
        let guard = this.guard.take().expect("guard present until first poll");
        *this.lock = Some(guard.unlocked());
        drop(guard);
    }

    /// Runs the wait to completion on this thread: the guard, and whether it
    /// was notified. At the deadline it stops waiting for a notification but
    /// goes on to re-acquire the lock, however long that takes (as Python
    /// does).
    fn block_until(mut self: Pin<&mut Self>, deadline: Option<Instant>) -> (G, bool) {
        let give_up = |fut: Pin<&mut Self>| {
            fut.give_up();
            false
        };
        let guard = raw::block_on_until(self.as_mut(), deadline, give_up)
            .expect("a wait that gives up still returns the guard");
        (guard, self.notified)
    }

    /// Stops waiting for a notification: polled on, the future re-acquires
    /// the lock and returns the guard. This is how an async wait takes a
    /// time-out without losing its guard (dropping the future would drop it):
    /// run it under the timer of your runtime, and when the time runs out,
    /// give up and await it again. Asyncio's `wait_for(cond.wait(), t)`
    /// does the same re-acquiring on its time-out.
    ///
    /// A notification that reached the wait before this call is kept, and
    /// [`was_notified`](Self::was_notified) says so; one sent after it goes
    /// to another waiter. Before the first poll the wait gives up without
    /// ever queueing or unlocking, and once it is re-acquiring the lock (or
    /// done) this does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::time::Duration;
    /// use syncio::{Condition, Mutex};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let (ready, cond) = (Mutex::new(false), Condition::new());
    /// let mut wait = pin!(cond.wait(ready.lock().await));
    /// let guard = match tokio::time::timeout(Duration::from_millis(5), wait.as_mut()).await {
    ///     Ok(guard) => guard,
    ///     Err(_elapsed) => {
    ///         wait.as_mut().give_up();
    ///         wait.as_mut().await // the lock again, not notified
    ///     }
    /// };
    /// assert!(!*guard && !wait.was_notified());
    /// # });
    /// ```
    pub fn give_up(self: Pin<&mut Self>) {
        let mut this = self.project();
        if *this.phase == Phase::Start {
            *this.phase = Phase::GaveUpFirst;
            return;
        }
        if *this.phase != Phase::Waiting {
            return;
        }
        let node = this.node.as_ref();
        let mut stale = None;
        let mut q = this.cond.queue.lock();
        let removed = q.remove(node, &mut stale);
        if removed {
            this.cond.waiting.store(q.len(), Relaxed);
        }
        drop(q);
        if !removed {
            // Notified at the last moment: keep it.
            *this.notified = node.take_notification().is_some();
        }
        let lock = this.lock.expect("lock recorded when waiting began");
        this.relock.set(Some(G::relock(lock)));
        *this.phase = Phase::Relocking;
    }

    /// Whether the wait was notified (rather than given up with
    /// [`give_up`](Self::give_up)): meaningful once it has completed or
    /// given up. While it waits this is `false`, even if a notification
    /// has reached it and its task has not run yet.
    #[must_use]
    pub fn was_notified(&self) -> bool {
        self.notified
    }
}

impl<'a, G: ConditionGuard> Future for ConditionWait<'a, G> {
    type Output = G;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<G> {
        if self.phase == Phase::Start {
            self.as_mut().start(cx.waker());
        }
        let mut this = self.project();
        loop {
            match *this.phase {
                Phase::Start => unreachable!("started above"),
                Phase::Waiting => {
                    let node = this.node.as_ref();
                    let mut stale = None;
                    // Cloned before locking (see `register_waker`).
                    if node.state() == WaitState::Queued && {
                        let waker = cx.waker().clone();
                        this.cond
                            .queue
                            .lock()
                            .register_waker(node, waker, &mut stale)
                    } {
                        return Poll::Pending;
                    }
                    *this.notified = node.take_notification().is_some();
                    debug_assert!(*this.notified);
                    let lock = this.lock.expect("lock recorded when waiting began");
                    this.relock.set(Some(G::relock(lock)));
                    *this.phase = Phase::Relocking;
                }
                Phase::Relocking => {
                    let relock = this
                        .relock
                        .as_mut()
                        .as_pin_mut()
                        .expect("relock future set");
                    let guard = std::task::ready!(relock.poll(cx));
                    this.relock.set(None);
                    *this.phase = Phase::Done;
                    return Poll::Ready(guard);
                }
                Phase::GaveUpFirst => {
                    *this.phase = Phase::Done;
                    let guard = this.guard.take().expect("guard kept by an early give-up");
                    return Poll::Ready(guard);
                }
                Phase::Done => panic!("`ConditionWait` polled after completion"),
            }
        }
    }
}

impl<'a, G: ConditionGuard> fmt::Debug for ConditionWait<'a, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionWait")
            .field("phase", &self.phase)
            .field("notified", &self.notified)
            .finish_non_exhaustive()
    }
}

pin_project! {
    /// A wait for a notification with no lock attached: the future returned
    /// by [`Condition::notified`].
    #[must_use = "futures do nothing unless polled"]
    pub struct Notified<'a> {
        #[pin]
        wait: ConditionWait<'a, NoLock>,
    }
}

impl Notified<'_> {
    /// Queues the waiter now, without polling it from a task; its place in
    /// the notification order is fixed from here on. Polling does the same
    /// if this was not called. Calling it again does nothing.
    pub fn enable(self: Pin<&mut Self>) {
        let wait = self.project().wait;
        if wait.phase == Phase::Start {
            // Queued with a no-op waker: the first real poll registers its own.
            wait.start(std::task::Waker::noop());
        }
    }

    /// Waits for the notification, blocking the thread.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Panics
    ///
    /// If the wait already completed.
    pub fn wait_blocking(self: Pin<&mut Self>) {
        raw::block_on(self);
    }

    /// Waits at most `timeout` for the notification: `true` if notified,
    /// `false` on time-out. Either way the wait is over (and out of the
    /// queue) when this returns; a notification that arrives as the time-out
    /// expires counts as received.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Panics
    ///
    /// If the wait already completed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::{pin::pin, time::Duration};
    /// let cond = syncio::Condition::new();
    /// let mut notified = pin!(cond.notified());
    /// assert!(!notified.as_mut().wait_timeout(Duration::from_millis(5)));
    /// assert_eq!(cond.waiters(), 0);
    /// ```
    #[must_use = "`false` means the time ran out"]
    pub fn wait_timeout(self: Pin<&mut Self>, timeout: Duration) -> bool {
        self.wait_until(raw::deadline_after(timeout))
    }

    /// As [`wait_timeout`](Self::wait_timeout), with a deadline.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Panics
    ///
    /// If the wait already completed.
    #[must_use = "`false` means the deadline passed"]
    pub fn wait_deadline(self: Pin<&mut Self>, deadline: Instant) -> bool {
        self.wait_until(Some(deadline))
    }

    fn wait_until(self: Pin<&mut Self>, deadline: Option<Instant>) -> bool {
        self.project().wait.block_until(deadline).1
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().wait.poll(cx).map(|NoLock| ())
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("phase", &self.wait.phase)
            .field("notified", &self.wait.notified)
            .finish()
    }
}
