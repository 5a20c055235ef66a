//! [`Barrier`]: wait until a number of parties have arrived, from tasks and
//! threads alike.
//!
//! # Python and Rust side by side
//!
//! ```python
//! barrier = threading.Barrier(3, action=lambda: print("all here"))
//! def worker():
//!     index = barrier.wait(timeout=5)   # BrokenBarrierError if broken
//! barrier.reset(); barrier.abort(); barrier.broken; barrier.n_waiting
//! ```
//!
//! ```
//! use std::time::Duration;
//! use syncio::Barrier;
//!
//! let barrier = Barrier::with_action(3, || println!("all here")).unwrap();
//! std::thread::scope(|s| {
//!     s.spawn(|| barrier.wait_timeout(Duration::from_secs(5)).unwrap()); // a thread
//!     s.spawn(|| futures::executor::block_on(barrier.wait()).unwrap()); //  a task
//!     let result = barrier.wait_blocking().unwrap();
//!     assert!(result.index() < 3);
//! });
//! assert!(!barrier.is_broken());
//! assert_eq!(barrier.n_waiting(), 0);
//! ```
#![deny(unsafe_code)]

use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use crate::error::{BrokenBarrierError, ZeroPartiesError};
use crate::raw::{self, QueueGuard, WaitQueue, WaitState, Waiter, WakeList};

/// Notification codes: broken, "you are the last arrival: release the
/// others" (with the cycle number), or released with an arrival index.
const BROKEN: usize = 0;
/// Codes at or above this are `RELEASED + index`.
const RELEASED: usize = 1 << (usize::BITS - 3);
/// Codes in `LAST..RELEASED` are `LAST + (cycle % CYCLE_SPAN)`.
const LAST: usize = 1;
const CYCLE_SPAN: usize = RELEASED - LAST;

/// The largest number of parties a barrier can have.
pub const MAX_PARTIES: usize = RELEASED - 1;

type Action = Box<dyn Fn() + Send + Sync>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Arrivals join the current cycle (Python's "filling").
    Filling,
    /// The last arrival of cycle `cycle` is running the action and releasing
    /// the others; arrivals now wait for the next cycle (Python's "draining").
    Releasing,
    /// Broken by `abort`, a time-out or a panicking action, until `reset`.
    Broken,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    /// Cycle counter. Queued nodes carry the cycle they joined; a node is part
    /// of the cycle being released if its tag is not newer than `cycle`.
    /// (Callers queued behind a full cycle that trips when a release ends
    /// are tagged as the next cycle's then: see `admit`.)
    cycle: usize,
    parties: usize,
    /// A caller of the next cycle timed out (or broke off) while this one
    /// was being released: the barrier breaks once the release is done, not
    /// before (the cycle had filled; it is not the late caller's to break).
    break_after_release: bool,
}

/// The outcome of a successful [`Barrier::wait`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BarrierWaitResult {
    index: usize,
    is_leader: bool,
}

impl BarrierWaitResult {
    /// This caller's arrival index, from `0` to `parties - 1`: Python's return
    /// value of `wait()`.
    #[must_use]
    pub fn index(&self) -> usize {
        self.index
    }

    /// `true` for exactly one caller per cycle: the last arrival, which ran
    /// the action and released the others.
    #[must_use]
    pub fn is_leader(&self) -> bool {
        self.is_leader
    }
}

/// A reusable barrier for tasks and threads at once: Python's
/// `asyncio.Barrier` and `threading.Barrier` in one object.
///
/// `parties` callers [`wait`](Self::wait); when the last arrives, the optional
/// action runs (in that caller) and everybody is released, each with its
/// arrival index. The barrier then starts its next cycle.
///
/// # States
///
/// As Python 3.11's: *filling* (arrivals join the cycle), *draining* (the last
/// arrival runs the action and releases the others; callers arriving now wait
/// for the next cycle), *resetting* and *broken*. A released waiter carries
/// its result in its own queue node, so draining ends as soon as the release
/// is done and resetting as soon as `reset` returns; neither waits for slow
/// leavers to run again.
///
/// # Cancel safety
///
/// Unlike tokio's and async-lock's barriers, waiting is cancel-safe: a waiter
/// dropped while the barrier fills takes its arrival back, so the cycle still
/// needs `parties` live callers. Once the cycle has tripped (its last caller
/// arrived, or callers queued while the previous cycle was released make a
/// full cycle when that release ends), its callers are committed: one
/// dropped before its release has passed (the cycle is released without
/// it: the others are numbered in arrival order, the releaser keeps
/// `parties - 1`, and one index goes unused). If the caller chosen to
/// release a tripped cycle is dropped before it runs, another caller of that
/// cycle takes the role (with none left, the cycle ends without running
/// its action).
///
/// # Breaking
///
/// [`abort`](Self::abort), a blocking wait timing out, or a panicking action
/// break the barrier: every waiter, and every later caller until
/// [`reset`](Self::reset), gets [`BrokenBarrierError`].
pub struct Barrier {
    queue: WaitQueue<State>,
    parties: usize,
    action: Option<Action>,
}

impl Barrier {
    /// Creates a barrier for `parties` callers.
    ///
    /// # Errors
    ///
    /// [`ZeroPartiesError`] if `parties` is 0 (Python's `ValueError`).
    ///
    /// # Panics
    ///
    /// If `parties` exceeds [`MAX_PARTIES`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(syncio::Barrier::new(0).is_err());
    /// assert_eq!(syncio::Barrier::new(2).unwrap().parties(), 2);
    /// ```
    pub fn new(parties: usize) -> Result<Self, ZeroPartiesError> {
        Self::build(parties, None)
    }

    /// Creates a barrier whose `action` is run by the last arrival of each
    /// cycle before the others are released (threading's `action=`). If the
    /// action panics, the barrier breaks and the panic goes on in the caller
    /// that ran it.
    ///
    /// The action must not wait on this barrier (Python's deadlocks too).
    ///
    /// # Errors
    ///
    /// [`ZeroPartiesError`] if `parties` is 0.
    ///
    /// # Panics
    ///
    /// If `parties` exceeds [`MAX_PARTIES`].
    pub fn with_action<F>(parties: usize, action: F) -> Result<Self, ZeroPartiesError>
    where
        F: Fn() + Send + Sync + 'static,
    {
        Self::build(parties, Some(Box::new(action)))
    }

    fn build(parties: usize, action: Option<Action>) -> Result<Self, ZeroPartiesError> {
        if parties == 0 {
            return Err(ZeroPartiesError);
        }
        assert!(
            parties <= MAX_PARTIES,
            "a barrier cannot have more than MAX_PARTIES parties"
        );
        Ok(Barrier {
            queue: WaitQueue::new(State {
                phase: Phase::Filling,
                cycle: 0,
                parties,
                break_after_release: false,
            }),
            parties,
            action,
        })
    }

    /// The number of callers needed to pass the barrier.
    #[must_use]
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// The number of callers waiting in the current cycle (0 while it
    /// drains), as Python's `n_waiting`.
    #[must_use]
    pub fn n_waiting(&self) -> usize {
        let q = self.queue.lock();
        match q.phase {
            Phase::Filling => q.len(),
            _ => 0,
        }
    }

    /// Returns `true` if the barrier is broken.
    #[must_use]
    pub fn is_broken(&self) -> bool {
        self.queue.lock().phase == Phase::Broken
    }

    /// Returns the barrier to its empty, filling state: every caller waiting
    /// now gets [`BrokenBarrierError`], later callers start a fresh cycle.
    /// Also repairs a broken barrier.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = syncio::Barrier::new(2).unwrap();
    /// b.abort();
    /// assert!(b.is_broken());
    /// b.reset();
    /// assert!(!b.is_broken());
    /// ```
    pub fn reset(&self) {
        let mut wakes = WakeList::new();
        let mut q = self.queue.lock();
        while q.notify_front(BROKEN, &mut wakes) {}
        q.phase = Phase::Filling;
        q.cycle = q.cycle.wrapping_add(1);
        q.break_after_release = false;
        drop(q);
        wakes.wake_all();
    }

    /// Breaks the barrier: every waiter and every later caller gets
    /// [`BrokenBarrierError`] until [`reset`](Self::reset).
    pub fn abort(&self) {
        let mut wakes = WakeList::new();
        let mut q = self.queue.lock();
        Self::break_locked(&mut q, &mut wakes);
        drop(q);
        wakes.wake_all();
    }

    fn break_locked(q: &mut QueueGuard<'_, State>, wakes: &mut WakeList) {
        while q.notify_front(BROKEN, wakes) {}
        q.phase = Phase::Broken;
        q.cycle = q.cycle.wrapping_add(1);
        q.break_after_release = false;
    }

    /// A queued caller gives up (its time-out): it leaves and the barrier
    /// breaks, in one critical section. `false` (nothing done) if it is not
    /// queued any more (released, broken, or chosen to release its cycle),
    /// or if its cycle has tripped and is being released: its arrival
    /// stands and its release is coming (Python's timed-out waiter passes
    /// too, once the action that held the lock is done). A caller of the
    /// next cycle, arrived while this one is released, breaks the barrier
    /// only once that release is done.
    fn leave_and_break(&self, node: Pin<&Waiter>) -> bool {
        let mut wakes = WakeList::new();
        let mut stale = None;
        let mut q = self.queue.lock();
        let tag = node.need();
        let released = q.phase == Phase::Releasing;
        if released && !is_newer(tag, q.cycle) {
            return false;
        }
        if !q.remove(node, &mut stale) {
            return false;
        }
        if released {
            q.break_after_release = true;
        } else {
            Self::break_locked(&mut q, &mut wakes);
        }
        drop(q);
        wakes.wake_all();
        true
    }

    /// Ends a release (or an abandoned one): the barrier fills again, or
    /// breaks if a caller of the next cycle gave up meanwhile.
    fn after_release(q: &mut QueueGuard<'_, State>, wakes: &mut WakeList) {
        if q.break_after_release {
            Self::break_locked(q, wakes);
        } else {
            q.phase = Phase::Filling;
            Self::admit(q, wakes);
        }
    }

    /// Arrives at the barrier and waits for the other parties.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future before the barrier trips takes the
    /// arrival back.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] if the barrier is broken, or is reset or broken
    /// while waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// let b = syncio::Barrier::new(1).unwrap();
    /// let r = b.wait().await.unwrap();
    /// assert_eq!((r.index(), r.is_leader()), (0, true));
    /// # });
    /// ```
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            node: Waiter::new(),
            done: false,
        }
    }

    /// Blocking form of [`wait`](Self::wait).
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Errors
    ///
    /// As [`wait`](Self::wait).
    pub fn wait_blocking(&self) -> Result<BarrierWaitResult, BrokenBarrierError> {
        raw::block_on(pin!(self.wait()))
    }

    /// Waits at most `timeout`; if the barrier has not tripped by then it is
    /// broken (threading's `wait(timeout)`), for this caller and every other.
    /// If this caller's cycle has tripped but is not released yet (its
    /// action still running), the time-out breaks nothing: the caller waits
    /// for the release and passes, as Python's does once the action lets go
    /// of the lock. A caller that arrived while the previous cycle was being
    /// released does not break that cycle, which had filled: the barrier
    /// breaks once that release is done.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] on time-out or if the barrier breaks.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = syncio::Barrier::new(2).unwrap();
    /// assert!(b.wait_timeout(std::time::Duration::from_millis(5)).is_err());
    /// assert!(b.is_broken());
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<BarrierWaitResult, BrokenBarrierError> {
        self.wait_until(raw::deadline_after(timeout))
    }

    /// As [`wait_timeout`](Self::wait_timeout), with a deadline.
    ///
    /// # Blocking
    ///
    /// Parks the calling OS thread; do not call it from an async task.
    ///
    /// # Errors
    ///
    /// As [`wait_timeout`](Self::wait_timeout).
    pub fn wait_deadline(
        &self,
        deadline: Instant,
    ) -> Result<BarrierWaitResult, BrokenBarrierError> {
        self.wait_until(Some(deadline))
    }

    fn wait_until(
        &self,
        deadline: Option<Instant>,
    ) -> Result<BarrierWaitResult, BrokenBarrierError> {
        // At the deadline, leave and break the barrier in one critical
        // section, unless the waiter was released (or broken, or chosen to
        // release its cycle) first: then that outcome stands.
        let leave = |fut: Pin<&mut BarrierWait<'_>>| {
            let this = fut.project();
            this.barrier.leave_and_break(this.node.into_ref())
        };
        raw::block_on_until(pin!(self.wait()), deadline, leave).unwrap_or(Err(BrokenBarrierError))
    }

    fn poll_wait(
        &self,
        node: Pin<&Waiter>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<BarrierWaitResult, BrokenBarrierError>> {
        match node.state() {
            WaitState::Idle => {}
            WaitState::Queued => {
                // Cloned before locking (see `register_waker`).
                let waker = cx.waker().clone();
                let mut stale = None;
                if self.queue.lock().register_waker(node, waker, &mut stale) {
                    return Poll::Pending;
                }
                return self.on_notified(node);
            }
            WaitState::Notified(_) => return self.on_notified(node),
        }
        // Cloned before locking: a clone is its owner's code, which may call
        // back into this barrier (or panic). Declared before the guard, an
        // unused clone is dropped after the lock.
        let waker = cx.waker().clone();
        let mut q = self.queue.lock();
        match q.phase {
            Phase::Broken => Poll::Ready(Err(BrokenBarrierError)),
            Phase::Releasing => {
                let tag = q.cycle.wrapping_add(1);
                q.push_back(node, tag, waker);
                Poll::Pending
            }
            Phase::Filling if q.len() + 1 < self.parties => {
                let tag = q.cycle;
                q.push_back(node, tag, waker);
                Poll::Pending
            }
            Phase::Filling => {
                q.phase = Phase::Releasing;
                let cycle = q.cycle;
                Poll::Ready(self.trip(q, cycle))
            }
        }
    }

    fn on_notified(
        &self,
        node: Pin<&Waiter>,
    ) -> Poll<Result<BarrierWaitResult, BrokenBarrierError>> {
        let code = node.take_notification().expect("notified");
        Poll::Ready(if code >= RELEASED {
            Ok(BarrierWaitResult {
                index: code - RELEASED,
                is_leader: false,
            })
        } else if code >= LAST {
            let q = self.queue.lock();
            let cycle = q.cycle;
            if q.phase == Phase::Releasing && (cycle % CYCLE_SPAN) + LAST == code {
                self.trip(q, cycle)
            } else {
                // Reset or broken after we were chosen: our cycle is gone.
                Err(BrokenBarrierError)
            }
        } else {
            Err(BrokenBarrierError)
        })
    }

    /// Run by the last arrival of `cycle`, holding the lock `q` with the phase
    /// set to `Releasing`: runs the action (with the lock dropped), then
    /// releases the cycle. Without an action the release happens in the same
    /// critical section as the arrival, so nothing (a `reset` say) can come
    /// between them, as in Python.
    fn trip<'a>(
        &'a self,
        mut q: QueueGuard<'a, State>,
        cycle: usize,
    ) -> Result<BarrierWaitResult, BrokenBarrierError> {
        if let Some(action) = &self.action {
            drop(q);
            let result = panic::catch_unwind(AssertUnwindSafe(action));
            q = self.queue.lock();
            let ours = q.phase == Phase::Releasing && q.cycle == cycle;
            if let Err(panic) = result {
                let mut wakes = WakeList::new();
                if ours {
                    Self::break_locked(&mut q, &mut wakes);
                }
                drop(q);
                wakes.wake_all();
                panic::resume_unwind(panic);
            }
            if !ours {
                // Reset or aborted while the action ran.
                return Err(BrokenBarrierError);
            }
        }
        let mut wakes = WakeList::new();
        let mut index = 0;
        while index + 1 < self.parties && q.front_need().is_some_and(|tag| !is_newer(tag, cycle)) {
            q.notify_front(RELEASED + index, &mut wakes);
            index += 1;
        }
        q.cycle = cycle.wrapping_add(1);
        Self::after_release(&mut q, &mut wakes);
        drop(q);
        wakes.wake_all();
        Ok(BarrierWaitResult {
            index: self.parties - 1,
            is_leader: true,
        })
    }

    /// With the phase `Filling`: if the queued callers already make a full
    /// cycle (they arrived while the previous one was released), the cycle
    /// trips: the last of them is chosen to release it, and any callers
    /// queued behind it are tagged as the next cycle's.
    fn admit(q: &mut QueueGuard<'_, State>, wakes: &mut WakeList) {
        let parties = q.parties;
        if q.len() >= parties {
            let code = LAST + q.cycle % CYCLE_SPAN;
            q.notify_at(parties - 1, code, wakes);
            q.phase = Phase::Releasing;
            if q.len() >= parties {
                let next = q.cycle.wrapping_add(1);
                q.set_need_from(parties - 1, next);
            }
        }
    }

    fn cancel_wait(&self, node: Pin<&Waiter>) {
        let mut wakes = WakeList::new();
        match node.state() {
            WaitState::Idle => return,
            WaitState::Queued => {
                // Taking the arrival back is all it takes.
                let mut stale = None;
                if self.queue.lock().remove(node, &mut stale) {
                    return;
                }
            }
            WaitState::Notified(_) => {}
        }
        let Some(code) = node.take_notification() else {
            return;
        };
        if (LAST..RELEASED).contains(&code) {
            // Chosen to release a cycle that tripped, but dropped first: it
            // has passed, and the role goes to the newest of the cycle's
            // callers still queued. With none left (all dropped too), the
            // cycle is over, without its action: nobody is left to run it.
            let mut q = self.queue.lock();
            let cycle = q.cycle;
            if q.phase == Phase::Releasing && (cycle % CYCLE_SPAN) + LAST == code {
                let members = q.count_front_while(|tag| !is_newer(tag, cycle));
                if members > 0 {
                    q.notify_at(members - 1, code, &mut wakes);
                } else {
                    q.cycle = cycle.wrapping_add(1);
                    Self::after_release(&mut q, &mut wakes);
                }
            }
        }
    }
}

/// Is `tag` a later cycle than `cycle` (with wrap-around)?
fn is_newer(tag: usize, cycle: usize) -> bool {
    let d = tag.wrapping_sub(cycle);
    d != 0 && d < usize::MAX / 2
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = self.queue.lock();
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("phase", &q.phase)
            .field("queued", &q.len())
            .field("has_action", &self.action.is_some())
            .finish()
    }
}

pin_project! {
    /// The future returned by [`Barrier::wait`]. Like most futures it
    /// panics if polled again after it completed (a second poll must not
    /// count as a second arrival).
    #[must_use = "futures do nothing unless polled"]
    pub struct BarrierWait<'a> {
        barrier: &'a Barrier,
        #[pin]
        node: Waiter,
        // Completed (or broken off): its node is idle again, exactly as
        // before the first poll, so only this flag stops a second poll from
        // arriving a second time.
        done: bool,
    }

    impl PinnedDrop for BarrierWait<'_> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            this.barrier.cancel_wait(this.node.into_ref());
        }
    }
}

impl BarrierWait<'_> {
    /// Gives up waiting and breaks the barrier, as a
    /// [`wait_deadline`](Barrier::wait_deadline) that times out does, in one
    /// step: every waiter of the cycle gets [`BrokenBarrierError`], and so
    /// does this caller. If the cycle was released (or broken, or this wait
    /// chosen to release it) before the call, nothing is broken and that
    /// outcome is returned instead. A wait that has not arrived yet (never
    /// polled) breaks the barrier.
    ///
    /// `Pending` if the cycle has tripped and is not released yet (its
    /// action still running): then, as for a blocking wait, the time-out
    /// breaks nothing, the arrival stands, and the wait completes at a later
    /// poll (its last poll's waker is woken by the release). Keep polling
    /// it, with no deadline.
    ///
    /// For a caller that keeps its own deadline (polling the future in
    /// slices, say, to check for signals in between) and wants threading's
    /// time-out rule. Only dropping the future takes the arrival back without
    /// breaking anything. After a `Ready` outcome the future is finished: do
    /// not poll it again.
    ///
    /// # Panics
    ///
    /// If the wait has already completed (returned `Ready`, from a poll or
    /// from `break_off`): its outcome was given then, and breaking the
    /// barrier now would break a later cycle it is not part of.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::task::{Context, Poll, Waker};
    /// use std::future::Future;
    /// use syncio::BrokenBarrierError;
    ///
    /// let b = syncio::Barrier::new(2).unwrap();
    /// let mut wait = pin!(b.wait());
    /// assert!(wait.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
    /// assert_eq!(wait.as_mut().break_off(), Poll::Ready(Err(BrokenBarrierError)));
    /// assert!(b.is_broken());
    /// ```
    pub fn break_off(self: Pin<&mut Self>) -> Poll<Result<BarrierWaitResult, BrokenBarrierError>> {
        let this = self.project();
        assert!(!*this.done, "`BarrierWait::break_off` after completion");
        let barrier: &Barrier = this.barrier;
        let node = this.node.into_ref();
        if let WaitState::Queued = node.state() {
            if barrier.leave_and_break(node) {
                *this.done = true;
                return Poll::Ready(Err(BrokenBarrierError));
            }
        }
        let outcome = match node.state() {
            WaitState::Notified(_) => {
                // Finished whatever happens next (an action run by this
                // caller may panic).
                *this.done = true;
                barrier.on_notified(node)
            }
            // Still queued after `leave_and_break` refused: its cycle has
            // tripped and its release is coming.
            WaitState::Queued => return Poll::Pending,
            WaitState::Idle => {
                barrier.abort();
                Poll::Ready(Err(BrokenBarrierError))
            }
        };
        *this.done = true;
        outcome
    }
}

impl Future for BarrierWait<'_> {
    type Output = Result<BarrierWaitResult, BrokenBarrierError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        assert!(!*this.done, "`BarrierWait` polled after completion");
        let result = this.barrier.poll_wait(this.node.into_ref(), cx);
        *this.done = result.is_ready();
        result
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
}
