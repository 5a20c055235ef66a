//! [`Event`]: a flag that tasks and threads wait on until it is set.
//!
//! # Python and Rust side by side
//!
//! ```python
//! event = asyncio.Event()        # or threading.Event()
//! async def waiter():
//!     await event.wait()         # event.wait() / event.wait(timeout=1.0)
//! event.set()
//! event.is_set()
//! event.clear()
//! ```
//!
//! ```
//! use std::time::Duration;
//! use syncio::Event;
//!
//! let event = Event::new();
//! std::thread::scope(|s| {
//!     s.spawn(|| event.wait_blocking()); //                       `event.wait()`
//!     s.spawn(|| assert!(event.wait_timeout(Duration::from_secs(5)))); // timeout=5
//!     s.spawn(|| futures::executor::block_on(event.wait())); //   `await event.wait()`
//!     event.set();
//! });
//! assert!(event.is_set());
//! event.clear();
//! assert!(!event.wait_timeout(Duration::from_millis(1)));
//! ```
#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use crate::raw::sync::AtomicUsize;
use crate::raw::{self, WaitQueue, WaitState, Waiter, WakeList};

/// The flag.
const SET: usize = 1;
/// Set while the queue is non-empty; while it is set, `set()` takes the lock.
const WAITERS: usize = 2;

/// An event flag usable from tasks and threads at once: Python's
/// `asyncio.Event` and `threading.Event` in one object.
///
/// # Wake-up rule
///
/// Every waiter present when [`set`](Self::set) is called returns, even if
/// [`clear`](Self::clear) runs before it gets to run again (asyncio resolves
/// their futures at `set()`). Each waiter is released by the `set` itself,
/// not by re-reading the flag later.
///
/// # Cancel safety
///
/// Waiting is cancel-safe: a dropped [`EventWait`] just leaves the queue.
///
/// # Memory ordering
///
/// Everything done before `set()` is visible to a waiter once its wait
/// returns, and to anyone who sees [`is_set`](Self::is_set) return `true`.
///
/// # Differences from asyncio and threading
///
/// One object serves tasks on any executor and threads; `set()` and
/// `is_set()` with nobody waiting are lock-free.
#[derive(Default)]
pub struct Event {
    state: AtomicUsize,
    queue: WaitQueue<()>,
}

impl Event {
    crate::raw::sync::const_fn! {
        /// Creates an event whose flag is clear. Usable in a `static`.
        #[must_use]
        pub const fn new() -> Self {
            Event {
                state: AtomicUsize::new(0),
                queue: WaitQueue::new(()),
            }
        }
    }

    /// Returns `true` if the flag is set.
    #[inline]
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.state.load(Acquire) & SET != 0
    }

    /// Number of callers waiting for the flag right now.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = syncio::Event::new();
    /// assert_eq!(e.waiters(), 0);
    /// ```
    #[must_use]
    pub fn waiters(&self) -> usize {
        self.queue.lock().len()
    }

    /// Sets the flag and wakes every waiter. Lock-free when nobody waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = syncio::Event::new();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    #[inline]
    pub fn set(&self) {
        let mut s = self.state.load(Acquire);
        loop {
            if s & SET != 0 {
                return;
            }
            if s & WAITERS != 0 {
                return self.set_and_release();
            }
            match self
                .state
                .compare_exchange_weak(s, s | SET, AcqRel, Acquire)
            {
                Ok(_) => return,
                Err(actual) => s = actual,
            }
        }
    }

    /// `set` with waiters queued: raises the flag and releases them all.
    #[inline(never)]
    fn set_and_release(&self) {
        let mut wakes = WakeList::new();
        let mut q = self.queue.lock();
        // One plain store raises SET and lowers WAITERS, before anyone is
        // released (a released waiter that looks sees the flag up). Under
        // the lock nothing else changes WAITERS, and the lock-free writers
        // are `set` (which only writes while WAITERS is down) and `clear`: a
        // `clear` this store overwrites is ordered before this `set`.
        self.state.store(SET, Release);
        while q.notify_front(0, &mut wakes) {}
        drop(q);
        wakes.wake_all();
    }

    /// Clears the flag. Waiters released by an earlier `set` still return.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = syncio::Event::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    pub fn clear(&self) {
        self.state.fetch_and(!SET, Release);
    }

    /// Waits until the flag is set; returns at once if it already is.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future just leaves the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = syncio::Event::new();
    /// e.set();
    /// futures::executor::block_on(e.wait());
    /// ```
    pub fn wait(&self) -> EventWait<'_> {
        EventWait {
            event: self,
            node: Waiter::new(),
        }
    }

    /// Blocks the current thread until the flag is set.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = syncio::Event::new();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| e.wait_blocking());
    ///     e.set();
    /// });
    /// ```
    pub fn wait_blocking(&self) {
        if !self.is_set() {
            raw::block_on(pin!(self.wait()));
        }
    }

    /// Blocks for at most `timeout` waiting for the flag: threading's
    /// `event.wait(timeout)`. Returns `true` if the wait ended because the
    /// flag was set, `false` on time-out.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let e = syncio::Event::new();
    /// assert!(!e.wait_timeout(Duration::from_millis(1)));
    /// e.set();
    /// assert!(e.wait_timeout(Duration::from_millis(1)));
    /// ```
    #[must_use = "`false` means the time ran out"]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_until(raw::deadline_after(timeout))
    }

    /// Blocks until `deadline` at the latest waiting for the flag; `true` if
    /// it was set.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = syncio::Event::new();
    /// assert!(!e.wait_deadline(std::time::Instant::now()));
    /// ```
    #[must_use = "`false` means the deadline passed"]
    pub fn wait_deadline(&self, deadline: Instant) -> bool {
        self.wait_until(Some(deadline))
    }

    fn wait_until(&self, deadline: Option<Instant>) -> bool {
        let leave = |fut: Pin<&mut EventWait<'_>>| {
            let this = fut.project();
            this.event.leave_queue(this.node.into_ref())
        };
        self.is_set() || raw::block_on_until(pin!(self.wait()), deadline, leave).is_some()
    }

    /// The general poll (the inlined fast paths are in [`EventWait::poll`]).
    #[inline(never)]
    fn poll_wait(&self, mut owned: Pin<&mut Waiter>, cx: &mut Context<'_>) -> Poll<()> {
        let node = owned.as_ref();
        match node.state() {
            WaitState::Idle => {}
            WaitState::Queued => {
                // Cloned before locking (see `register_waker`).
                let waker = cx.waker().clone();
                let mut stale = None;
                if self.queue.lock().register_waker(node, waker, &mut stale) {
                    return Poll::Pending;
                }
                node.take_notification();
                return Poll::Ready(());
            }
            WaitState::Notified(_) => {
                node.take_notification();
                return Poll::Ready(());
            }
        }
        // Idle: `EventWait::poll` has just found the flag down; the loop
        // below looks again under the lock. The waker is cloned before
        // WAITERS can go up (a clone is its owner's code and may panic, and
        // must not leave the flag up with nobody queued).
        let waker = cx.waker().clone();
        let mut q = self.queue.lock();
        let mut s = self.state.load(Acquire);
        loop {
            if s & SET != 0 {
                return Poll::Ready(());
            }
            if s & WAITERS != 0 {
                break;
            }
            match self
                .state
                .compare_exchange_weak(s, s | WAITERS, AcqRel, Acquire)
            {
                Ok(_) => break,
                Err(actual) => s = actual,
            }
        }
        q.push_back_owned(owned.as_mut(), 0, waker);
        Poll::Pending
    }

    /// Takes a queued waiter out of the queue; `false` if `set` released it
    /// first.
    fn leave_queue(&self, node: Pin<&Waiter>) -> bool {
        let mut stale = None;
        let mut q = self.queue.lock();
        if !q.remove(node, &mut stale) {
            return false;
        }
        if q.is_empty() {
            self.state.fetch_and(!WAITERS, Release);
        }
        true
    }

    /// A dropped wait: nothing to do unless it is queued or notified.
    #[inline]
    fn cancel_wait(&self, node: Pin<&Waiter>) {
        if node.state() != WaitState::Idle {
            self.cancel_queued_wait(node);
        }
    }

    /// [`cancel_wait`](Self::cancel_wait) of a wait still queued, or
    /// notified and not consumed: out of line, as drops of idle waits are
    /// the common case.
    #[inline(never)]
    fn cancel_queued_wait(&self, node: Pin<&Waiter>) {
        if node.state() == WaitState::Queued {
            self.leave_queue(node);
        }
        // A notification not yet consumed needs no passing on: `set` released
        // everyone.
        node.take_notification();
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("is_set", &self.is_set())
            .field("waiters", &self.waiters())
            .finish()
    }
}

pin_project! {
    /// The future returned by [`Event::wait`].
    ///
    /// Unlike the other waits of this crate, it does not panic if polled
    /// again after it completed: it is then a new wait (ready at once if the
    /// flag is up, else queued again until the next `set`). The flag has no
    /// owner, so there is nothing a second completion could take twice.
    #[must_use = "futures do nothing unless polled"]
    pub struct EventWait<'a> {
        event: &'a Event,
        #[pin]
        node: Waiter,
    }

    impl PinnedDrop for EventWait<'_> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            this.event.cancel_wait(this.node.into_ref());
        }
    }
}

impl Future for EventWait<'_> {
    type Output = ();

    // Inlined into the caller: the poll after a wake-up and the first poll
    // of a wait for a flag already up, each a load or two. Everything else
    // (queueing, re-registering) is the out-of-line `poll_wait`. With `set`
    // split the same way, callgrind measured workload 6a at 1436 -> 1387
    // instructions per round trip.
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let node = this.node.as_ref();
        match node.state() {
            WaitState::Notified(_) => {
                node.take_notification();
                return Poll::Ready(());
            }
            WaitState::Idle if this.event.is_set() => return Poll::Ready(()),
            _ => {}
        }
        this.event.poll_wait(this.node, cx)
    }
}

impl fmt::Debug for EventWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventWait")
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
}
