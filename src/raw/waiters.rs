//! The waiter-queue core shared by every primitive in this crate.
//!
//! A [`WaitQueue`] is a mutex-protected, intrusive, FIFO doubly-linked list of
//! [`Waiter`] nodes, plus whatever lock-protected data the primitive that owns
//! it needs (`T`). A node lives inside the pinned future (or the stack frame of
//! a blocking call) that waits, so waiting allocates nothing.
//!
//! # Kinds of waiter
//!
//! Every waiter is woken through a [`Waker`]:
//! - an async task registers its task's waker;
//! - a blocked OS thread registers a waker that unparks it (see [`block_on`],
//!   which derives every blocking and timed wait from the async poll logic);
//! - a callback supplied by the owner of the node (the planned Python binding
//!   completes an event-loop future this way) is a `Waker` built with
//!   [`Waker::from`] over an `Arc<impl std::task::Wake>`; the core needs no
//!   change for it.
//!
//! # Protocol
//!
//! A node is in one of three states, kept in a single atomic word:
//! `Idle` (not linked), `Queued` (linked into exactly one queue, whose identity
//! is part of the word) and `Notified(code)` (unlinked by a notifier, with a
//! primitive-defined code such as "granted" or "closed"). Linking, unlinking
//! and notifying happen only under the queue's lock. The notifier takes the
//! node's waker out, stores `Notified` with `Release` as its very last access
//! to the node, and wakes the waker only after the lock is dropped (through a
//! [`WakeList`]). The owner may read `Notified` with `Acquire` without the
//! lock, after which it owns the node again.
//!
//! The owner of a node must unlink it (with [`QueueGuard::remove`]) before the
//! node is dropped; a node dropped while linked aborts the process rather
//! than leave a dangling pointer in the list. Every operation checks that the
//! node belongs to the queue whose guard is used, so the API below is safe.

use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::marker::PhantomPinned;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use super::sync::{self, AtomicUsize, Mutex, MutexGuard, Thread};

/// Node state: not linked into any queue.
const IDLE: usize = 0;
/// Low bit set: linked into the queue whose id is `state >> 1`.
const QUEUED_BIT: usize = 1;

/// Source of queue identities; 0 means "not assigned yet".
/// (A `std` atomic even under loom: it only hands out unique numbers.)
static NEXT_QUEUE_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

/// What a [`Waiter`] node is doing, as seen by its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitState {
    /// Not linked: never queued, or its notification has been consumed.
    Idle,
    /// Linked into a queue and waiting.
    Queued,
    /// Unlinked by a notifier, carrying the primitive-defined code.
    Notified(usize),
}

/// A node's neighbours in its queue.
///
/// `prev` is only meaningful for a node that is not the head: unlinking the
/// head leaves the new head's `prev` pointing at the node just unlinked,
/// and nothing reads a head's `prev` (`unlink` tells the head by comparing
/// with `head`, nodes only ever join at the back, so a head stays the head
/// until it leaves). Not writing it spares the release that serves the head
/// a write to the next waiter's node, a cache line another thread last
/// wrote, under the queue lock.
#[derive(Default)]
struct Links {
    prev: Option<NonNull<Waiter>>,
    next: Option<NonNull<Waiter>>,
}

/// One waiter: an intrusive list node that lives inside a pinned future or a
/// blocking call's stack frame.
///
/// `repr(C)`: with the fields in this order the node is initialised with
/// plain word stores. Reordered, the bytes an empty `Option<Waker>` leaves
/// undefined made the compiler build a new future on the stack and copy it
/// in pieces, and the first read of `state` then stalled on store
/// forwarding.
#[repr(C)]
pub(crate) struct Waiter {
    /// `IDLE`, `queue_id << 1 | QUEUED_BIT`, or `(code + 1) << 1`.
    state: AtomicUsize,
    /// Primitive-defined payload (the permits a semaphore waiter needs).
    /// Written before linking and read under the queue lock.
    need: AtomicUsize,
    /// Only accessed while linked, under the lock of the queue it is in.
    links: UnsafeCell<Links>,
    /// Only accessed under the lock of the queue the node is linked into.
    /// `None` whenever the node is not linked (every unlink takes the waker
    /// out), and a node is never dropped while linked, so it needs no drop
    /// glue: dropping an idle node is then one load and one test.
    waker: UnsafeCell<ManuallyDrop<Option<Waker>>>,
    _pin: PhantomPinned,
}

// SAFETY: `links` and `waker` are only touched by the holder of the lock of
// the queue the node is linked into (checked through `state`, which names the
// queue); everything else is atomic. `Waker` is `Send + Sync`.
unsafe impl Send for Waiter {}
// SAFETY: as above; shared references only reach the atomics or, under the
// owning queue's lock, the cells.
unsafe impl Sync for Waiter {}

impl Waiter {
    crate::raw::sync::const_fn! {
        /// A new, idle node.
        pub(crate) const fn new() -> Self {
            Waiter {
                state: AtomicUsize::new(IDLE),
                need: AtomicUsize::new(0),
                links: UnsafeCell::new(Links {
                    prev: None,
                    next: None,
                }),
                waker: UnsafeCell::new(ManuallyDrop::new(None)),
                _pin: PhantomPinned,
            }
        }
    }

    /// The payload it was queued with (meaningful while it is queued, read
    /// under the queue's lock).
    #[inline]
    pub(crate) fn need(&self) -> usize {
        self.need.load(Relaxed)
    }

    /// The node's state, read with `Acquire`: once it reads `Notified`, every
    /// write the notifier made before notifying is visible.
    #[inline]
    pub(crate) fn state(&self) -> WaitState {
        decode(self.state.load(Acquire))
    }

    /// Consumes a notification, returning the node to `Idle` so that it may
    /// be queued again. Returns the code, or `None` if it was not notified.
    #[inline]
    pub(crate) fn take_notification(&self) -> Option<usize> {
        let s = self.state.load(Acquire);
        match decode(s) {
            WaitState::Notified(code) => {
                // Only the owner moves a notified node, so a plain store is
                // enough; no other thread touches a notified node.
                self.state.store(IDLE, Relaxed);
                Some(code)
            }
            _ => None,
        }
    }
}

impl Drop for Waiter {
    #[inline]
    fn drop(&mut self) {
        if self.state.load(Acquire) & QUEUED_BIT != 0 {
            dropped_while_queued();
        }
    }
}

/// What a [`Guarded`] waiter does when it is dropped while not idle (still
/// queued, or notified and not consumed): leave the queue, or pass on what it
/// was handed.
pub(crate) trait Cancel {
    /// Called at most once, from `drop`, with the node queued or notified.
    fn cancel(&self, node: Pin<&Waiter>);
}

/// A [`Waiter`] bundled with its owner's unpinned data `D`, which cleans up
/// through [`Cancel`] when dropped.
///
/// The test for "nothing to clean up" (the node is idle: never queued, or
/// its notification consumed) is inlined wherever the value is dropped, so
/// the common drop of a completed wait makes no call.
pub(crate) struct Guarded<D: Cancel> {
    data: D,
    node: Waiter,
}

impl<D: Cancel> Guarded<D> {
    /// `data` beside a new, idle node.
    #[inline]
    pub(crate) fn new(data: D) -> Self {
        Guarded {
            data,
            node: Waiter::new(),
        }
    }

    /// The data (not pinned) and the node (pinned).
    #[inline]
    pub(crate) fn project(self: Pin<&mut Self>) -> (&mut D, Pin<&mut Waiter>) {
        // SAFETY: `node` is structurally pinned: it is never moved out, `drop`
        // uses it in place, and `Guarded` is `!Unpin` (as `Waiter` is). `data`
        // is not pinned: nothing depends on its address, so `&mut D` is fine.
        unsafe {
            let this = self.get_unchecked_mut();
            (&mut this.data, Pin::new_unchecked(&mut this.node))
        }
    }

    /// The data.
    pub(crate) fn data(&self) -> &D {
        &self.data
    }

    /// The node.
    pub(crate) fn node(&self) -> &Waiter {
        &self.node
    }
}

impl<D: Cancel> Drop for Guarded<D> {
    #[inline]
    fn drop(&mut self) {
        if self.node.state.load(Acquire) != IDLE {
            // SAFETY: a node leaves `Idle` only through `push_back`, which
            // takes it pinned; a pinned value is dropped in place, so `node`
            // has not moved and does not move before it is dropped.
            let node = unsafe { Pin::new_unchecked(&self.node) };
            self.data.cancel(node);
        }
    }
}

#[cold]
#[inline(never)]
fn not_idle() -> ! {
    panic!("syncio: waiter pushed while not idle (internal bug)");
}

/// A primitive forgot to unlink its node. Freeing it would leave a dangling
/// pointer in the queue; stop instead.
#[cold]
#[inline(never)]
fn dropped_while_queued() -> ! {
    eprintln!("syncio: a waiter was dropped while still queued (internal bug); aborting");
    std::process::abort();
}

impl std::fmt::Debug for Waiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiter")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

#[inline]
fn decode(s: usize) -> WaitState {
    if s == IDLE {
        WaitState::Idle
    } else if s & QUEUED_BIT != 0 {
        WaitState::Queued
    } else {
        WaitState::Notified((s >> 1) - 1)
    }
}

#[inline]
fn notified(code: usize) -> usize {
    (code + 1) << 1
}

struct Inner<T> {
    /// This queue's identity, assigned on first use (so `new` can be const).
    id: usize,
    head: Option<NonNull<Waiter>>,
    tail: Option<NonNull<Waiter>>,
    len: usize,
    data: T,
}

// SAFETY: the raw pointers refer to `Waiter`s, which are `Send + Sync`, and
// are only dereferenced by the holder of the mutex around `Inner`.
unsafe impl<T: Send> Send for Inner<T> {}

/// A FIFO queue of [`Waiter`]s with lock-protected primitive data `T`.
pub(crate) struct WaitQueue<T> {
    inner: Mutex<Inner<T>>,
}

impl<T> WaitQueue<T> {
    crate::raw::sync::const_fn! {
        /// An empty queue around `data`.
        pub(crate) const fn new(data: T) -> Self {
            WaitQueue {
                inner: Mutex::new(Inner {
                    id: 0,
                    head: None,
                    tail: None,
                    len: 0,
                    data,
                }),
            }
        }
    }

    /// Locks the queue. Poisoning is ignored: no code that runs under this
    /// lock leaves the list inconsistent if it panics.
    #[inline]
    pub(crate) fn lock(&self) -> QueueGuard<'_, T> {
        QueueGuard {
            inner: self.inner.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }
}

impl<T: Default> Default for WaitQueue<T> {
    fn default() -> Self {
        WaitQueue::new(T::default())
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for WaitQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.inner.try_lock() {
            Ok(inner) => f
                .debug_struct("WaitQueue")
                .field("len", &inner.len)
                .field("data", &inner.data)
                .finish(),
            Err(_) => f.debug_struct("WaitQueue").finish_non_exhaustive(),
        }
    }
}

/// The locked queue: list operations plus access to the primitive data.
pub(crate) struct QueueGuard<'a, T> {
    inner: MutexGuard<'a, Inner<T>>,
}

impl<T> Deref for QueueGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner.data
    }
}

impl<T> DerefMut for QueueGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }
}

impl<T> QueueGuard<'_, T> {
    /// True if no waiter is queued.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.inner.head.is_none()
    }

    /// Number of queued waiters.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.inner.len
    }

    fn queued_state(&mut self) -> usize {
        if self.inner.id == 0 {
            let id = NEXT_QUEUE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // Ids must fit in the state word beside the queued bit; 2^63
            // queues on 64-bit targets will not happen, but never wrap.
            assert!(id < usize::MAX >> 2, "syncio: queue identities exhausted");
            self.inner.id = id;
        }
        self.inner.id << 1 | QUEUED_BIT
    }

    /// The payload of the oldest waiter, if any.
    #[inline]
    pub(crate) fn front_need(&self) -> Option<usize> {
        self.inner.head.map(|head| {
            // SAFETY: `head` is linked into this queue, whose lock we hold, so
            // it points to a live node (nodes unlink before they are freed).
            unsafe { head.as_ref() }.need.load(Relaxed)
        })
    }

    /// Links `node` at the back of the queue with payload `need`, to be woken
    /// through `waker`.
    ///
    /// The caller clones the waker, before it changes anything the queue
    /// depends on: a clone is the waker owner's code and may panic.
    ///
    /// # Panics
    /// If `node` is not idle (already queued, or notified and not consumed).
    pub(crate) fn push_back(&mut self, node: Pin<&Waiter>, need: usize, waker: Waker) {
        let queued = self.queued_state();
        let node: &Waiter = node.get_ref();
        node.need.store(need, Relaxed);
        // Claim the node for this queue. The CAS makes two concurrent pushes
        // of one node into two queues impossible.
        if node
            .state
            .compare_exchange(IDLE, queued, AcqRel, Relaxed)
            .is_err()
        {
            not_idle();
        }
        self.link_back(node, waker);
    }

    /// As [`push_back`](Self::push_back), for a node its owner holds
    /// exclusively (`&mut`): no other thread can be pushing it anywhere, and
    /// no queue refers to an idle node, so claiming it needs no
    /// compare-and-swap, only a check and a store.
    ///
    /// # Panics
    /// If `node` is not idle (already queued, or notified and not consumed).
    #[inline]
    pub(crate) fn push_back_owned(&mut self, node: Pin<&mut Waiter>, need: usize, waker: Waker) {
        let queued = self.queued_state();
        let node: &Waiter = node.into_ref().get_ref();
        if node.state.load(Relaxed) != IDLE {
            not_idle();
        }
        node.need.store(need, Relaxed);
        // Other threads read it only under this queue's lock, which orders it.
        node.state.store(queued, Relaxed);
        self.link_back(node, waker);
    }

    /// Links a node just claimed for this queue (its state names the queue).
    #[inline]
    fn link_back(&mut self, node: &Waiter, waker: Waker) {
        let ptr = NonNull::from(node);
        // SAFETY: the node is now marked as linked into this queue and we hold
        // its lock, so we have exclusive access to its cells. It is pinned, and
        // it unlinks itself before being dropped (or aborts), so the pointer
        // stays valid while it is in the list.
        unsafe {
            **node.waker.get() = Some(waker);
            *node.links.get() = Links {
                prev: self.inner.tail,
                next: None,
            };
        }
        match self.inner.tail {
            // SAFETY: `tail` is linked into this queue (lock held).
            Some(tail) => unsafe { (*tail.as_ref().links.get()).next = Some(ptr) },
            None => self.inner.head = Some(ptr),
        }
        self.inner.tail = Some(ptr);
        self.inner.len += 1;
    }

    /// Replaces the waker of `node` with `waker` if it is still queued here
    /// (returns `true`); returns `false` if it is not queued in this queue.
    /// The waker left over (the one replaced, or `waker` itself if not
    /// needed) goes into `stale`, for the caller to drop after the lock, as
    /// with [`remove`](Self::remove). The caller clones `waker` before
    /// locking: a clone is its owner's code, which may panic or call back
    /// into the primitive, and must not run under the lock.
    pub(crate) fn register_waker(
        &mut self,
        node: Pin<&Waiter>,
        waker: Waker,
        stale: &mut Option<Waker>,
    ) -> bool {
        debug_assert!(stale.is_none(), "one stale waker per registration");
        if !self.is_linked_here(&node) {
            *stale = Some(waker);
            return false;
        }
        // SAFETY: the node is linked into this queue and we hold its lock.
        let slot: &mut Option<Waker> = unsafe { &mut *node.waker.get() };
        *stale = match slot {
            Some(w) if w.will_wake(&waker) => Some(waker),
            _ => slot.replace(waker),
        };
        true
    }

    fn is_linked_here(&mut self, node: &Waiter) -> bool {
        // A queue that never linked a node has id 0 and cannot match.
        self.inner.id != 0 && node.state.load(Relaxed) == (self.inner.id << 1 | QUEUED_BIT)
    }

    /// True if `node` is the oldest waiter of this queue.
    pub(crate) fn is_front(&self, node: Pin<&Waiter>) -> bool {
        self.inner.head == Some(NonNull::from(node.get_ref()))
    }

    /// True if the oldest waiter has a waker registered: it waits to be
    /// woken, rather than having been woken and not yet run (or the queue is
    /// empty).
    pub(crate) fn front_is_waiting(&self) -> bool {
        self.inner.head.is_some_and(|head| {
            // SAFETY: `head` is linked into this queue and we hold its lock;
            // its owner registers a waker only under this lock too.
            unsafe { (*head.as_ref().waker.get()).is_some() }
        })
    }

    /// Wakes the oldest waiter without unlinking or notifying it: its waker
    /// moves into `wakes` and it stays first in line, to retry when it runs.
    /// Returns `false` if the queue is empty or a wake-up is already pending
    /// (the waker was taken and not registered again yet).
    pub(crate) fn wake_front(&mut self, wakes: &mut WakeList) -> bool {
        let Some(head) = self.inner.head else {
            return false;
        };
        // SAFETY: `head` is linked into this queue and we hold its lock; its
        // owner registers a new waker only under this lock too.
        match unsafe { (*head.as_ref().waker.get()).take() } {
            Some(w) => {
                wakes.push(w);
                true
            }
            None => false,
        }
    }

    /// Unlinks the oldest waiter, marks it `Notified(code)` and moves its
    /// waker into `wakes`. Returns `false` if the queue was empty.
    #[inline]
    pub(crate) fn notify_front(&mut self, code: usize, wakes: &mut WakeList) -> bool {
        self.pop_front(notified(code), wakes)
    }

    /// Unlinks the oldest waiter without serving it: it is left `Idle`, as
    /// if it had never queued, and its waker moves into `wakes` so that, if
    /// its owner still runs, it polls again and starts over. Returns `false`
    /// if the queue was empty.
    pub(crate) fn reset_front(&mut self, wakes: &mut WakeList) -> bool {
        self.pop_front(IDLE, wakes)
    }

    /// Unlinks the oldest waiter, leaves it in `state` and moves its waker
    /// into `wakes`. Returns `false` if the queue was empty.
    #[inline]
    fn pop_front(&mut self, state: usize, wakes: &mut WakeList) -> bool {
        let Some(ptr) = self.inner.head else {
            return false;
        };
        // SAFETY: `head` is linked into this queue, whose lock we hold.
        let node = unsafe { ptr.as_ref() };
        self.unlink_head(node);
        Self::release_unlinked(node, state, wakes);
        true
    }

    /// Notifies the waiter at position `index` (0 = oldest) as
    /// [`notify_front`](Self::notify_front) does. Returns `false` if fewer
    /// than `index + 1` waiters are queued. Walks `index` links.
    pub(crate) fn notify_at(&mut self, index: usize, code: usize, wakes: &mut WakeList) -> bool {
        let Some(ptr) = self.links().nth(index) else {
            return false;
        };
        // SAFETY: linked into this queue, whose lock we hold.
        let node = unsafe { ptr.as_ref() };
        self.unlink(node);
        Self::release_unlinked(node, notified(code), wakes);
        true
    }

    /// The linked nodes, oldest first. The guard's borrow keeps the list
    /// as it is while they are walked.
    fn links(&self) -> impl Iterator<Item = NonNull<Waiter>> + '_ {
        std::iter::successors(self.inner.head, |ptr| {
            // SAFETY: every node reached from `head` is linked into this
            // queue, whose lock we hold.
            unsafe { (*ptr.as_ref().links.get()).next }
        })
    }

    /// [`links`](Self::links), as references.
    fn nodes(&self) -> impl Iterator<Item = &Waiter> + '_ {
        // SAFETY: linked into this queue, whose lock we hold; nodes unlink
        // before they are freed, and the guard's borrow keeps them linked.
        self.links().map(|ptr| unsafe { ptr.as_ref() })
    }

    /// Sets the payload of every waiter from position `index` (0 = oldest)
    /// to the back.
    pub(crate) fn set_need_from(&mut self, index: usize, need: usize) {
        for node in self.nodes().skip(index) {
            node.need.store(need, Relaxed);
        }
    }

    /// The number of waiters at the front, in order, whose payload satisfies
    /// `pred`.
    pub(crate) fn count_front_while(&self, mut pred: impl FnMut(usize) -> bool) -> usize {
        self.nodes()
            .take_while(|node| pred(node.need.load(Relaxed)))
            .count()
    }

    /// Leaves a node just unlinked from this queue in `state` (`Notified`,
    /// or `Idle` to start over) and moves its waker into `wakes`.
    #[inline]
    fn release_unlinked(node: &Waiter, state: usize, wakes: &mut WakeList) {
        // SAFETY: under the lock; the node was linked here, and its owner
        // waits for the state stored below.
        if let Some(w) = unsafe { (*node.waker.get()).take() } {
            wakes.push(w);
        }
        node.state.store(state, Release);
    }

    /// Unlinks `node` if it is queued here, leaving it `Idle`, and moves its
    /// waker into `stale`. Returns `false` (changing nothing) if it is not
    /// queued in this queue, for example because a notifier got to it first.
    ///
    /// The caller drops `stale` once the lock is released and its own
    /// bookkeeping is done (declaring it before the guard does that): a
    /// waker's drop is the waker owner's code and may panic, which must not
    /// cut the bookkeeping short. (The owner is the caller, so no wake-up is
    /// lost by not waking it.)
    pub(crate) fn remove(&mut self, node: Pin<&Waiter>, stale: &mut Option<Waker>) -> bool {
        let node = node.get_ref();
        if !self.is_linked_here(node) {
            return false;
        }
        self.unlink(node);
        debug_assert!(stale.is_none(), "one stale waker per removal");
        // SAFETY: we hold the lock and the node was linked here.
        *stale = unsafe { (*node.waker.get()).take() };
        node.state.store(IDLE, Release);
        true
    }

    /// Detaches a node known to be linked into this queue.
    fn unlink(&mut self, node: &Waiter) {
        if self.inner.head == Some(NonNull::from(node)) {
            return self.unlink_head(node);
        }
        // SAFETY: the caller checked that `node` is linked into this queue and
        // we hold the lock, so its links and its neighbours' links are ours.
        // It is not the head, so its `prev` is valid (see `Links`).
        unsafe {
            let links = std::mem::take(&mut *node.links.get());
            let prev = links
                .prev
                .expect("a linked node that is not the head has a prev");
            (*prev.as_ref().links.get()).next = links.next;
            match links.next {
                Some(next) => (*next.as_ref().links.get()).prev = Some(prev),
                None => self.inner.tail = Some(prev),
            }
        }
        self.inner.len -= 1;
    }

    /// Unlinks `head`, the head of this queue. The next node becomes the
    /// head and keeps its stale `prev` (see `Links`).
    #[inline]
    fn unlink_head(&mut self, head: &Waiter) {
        // SAFETY: `head` is linked into this queue, whose lock we hold.
        self.inner.head = unsafe { std::mem::take(&mut *head.links.get()) }.next;
        if self.inner.head.is_none() {
            self.inner.tail = None;
        }
        self.inner.len -= 1;
    }
}

/// Wakers collected under a queue lock, to be woken after it is dropped.
///
/// The common case (one waiter woken) stores its waker inline; more spill
/// into a deque. Dropping the list wakes whatever is still in it, so no
/// wake-up is lost on an early return.
#[derive(Default)]
pub(crate) struct WakeList {
    first: Option<Waker>,
    rest: VecDeque<Waker>,
}

impl WakeList {
    /// An empty list (allocates nothing).
    #[inline]
    pub(crate) const fn new() -> Self {
        WakeList {
            first: None,
            rest: VecDeque::new(),
        }
    }

    fn push(&mut self, waker: Waker) {
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.rest.push_back(waker);
        }
    }

    /// Wakes everything collected. Call it after the queue lock is dropped.
    #[inline]
    pub(crate) fn wake_all(mut self) {
        if self.rest.is_empty() {
            // The common case, at most one waker: `rest` was never pushed to,
            // so it holds no allocation and forgetting the list leaks
            // nothing. Skipping `Drop`'s second look measured (callgrind)
            // 1447 -> 1415 instructions per op on workload 3b, 1512 -> 1448
            // per round trip on 6a.
            let first = self.first.take();
            std::mem::forget(self);
            if let Some(w) = first {
                w.wake();
            }
        } else {
            self.wake_inner();
        }
    }

    /// Wakes one waker at a time (taking it out first), so that if one
    /// panics, the `Drop` run during unwinding still wakes the others.
    #[inline]
    fn wake_inner(&mut self) {
        if let Some(w) = self.first.take() {
            w.wake();
        }
        if !self.rest.is_empty() {
            self.wake_rest();
        }
    }

    /// More than one waker: out of line, the common case is one.
    #[cold]
    #[inline(never)]
    fn wake_rest(&mut self) {
        // From the front, in FIFO order; if one panics, `Drop` goes on from
        // the next.
        while let Some(w) = self.rest.pop_front() {
            w.wake();
        }
    }
}

impl Drop for WakeList {
    #[inline]
    fn drop(&mut self) {
        self.wake_inner();
    }
}

/// Wakes a thread blocked in [`block_on`]: raises its flag (which a spinning
/// thread sees without sleeping) and unparks it (cheap if it is not parked).
struct ThreadWaker {
    thread: Thread,
    woken: std::sync::atomic::AtomicBool,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Release);
        self.thread.unpark();
    }
}

fn thread_waker() -> (Arc<ThreadWaker>, Waker) {
    let inner = Arc::new(ThreadWaker {
        thread: sync::current(),
        woken: std::sync::atomic::AtomicBool::new(false),
    });
    (inner.clone(), Waker::from(inner))
}

#[cfg(not(syncio_loom))]
thread_local! {
    static THREAD_WAKER: (Arc<ThreadWaker>, Waker) = thread_waker();
}
#[cfg(syncio_loom)]
loom::thread_local! {
    static THREAD_WAKER: (Arc<ThreadWaker>, Waker) = thread_waker();
}

/// Spins briefly (ten rounds of `yield_now`, a few microseconds) until
/// `ready` returns something. Used before a thread parks, so that a hand-off
/// or a release that comes within that time costs no sleep and no wake-up
/// system call.
///
/// Only yields, no `spin_loop` busy-wait rounds first (parking_lot's
/// `SpinWait` does 3): measured on the benchmark machine (2 vCPUs, workload 5,
/// interleaved runs), busy-wait rounds of 2..16 `pause`s before the yields
/// made the contended lock 15-40% slower than yielding at once; with fewer
/// threads than cores to run them, a yield that finds nothing else to run
/// returns at once and the loop is a spin anyway.
#[cfg(not(syncio_loom))]
pub(crate) fn spin_until<T>(mut ready: impl FnMut() -> Option<T>) -> Option<T> {
    for _ in 0..10 {
        if let Some(v) = ready() {
            return Some(v);
        }
        std::thread::yield_now();
    }
    ready()
}

/// Under loom, spinning only multiplies the interleavings to explore.
#[cfg(syncio_loom)]
pub(crate) fn spin_until<T>(_: impl FnMut() -> Option<T>) -> Option<T> {
    None
}

/// Drives `fut` to completion on the current thread, parking between polls.
///
/// This is how every blocking wait in the crate is built: the async poll logic
/// is the only implementation of waiting.
pub(crate) fn block_on<F: std::future::Future>(fut: Pin<&mut F>) -> F::Output {
    block_on_until(fut, None, |_| unreachable!("no deadline")).expect("waited without a deadline")
}

/// Drives `fut` on the current thread until it completes or `deadline`
/// passes.
///
/// At the deadline `leave` is called: under the primitive's queue lock it
/// takes the waiter out of the queue and returns `true` (the wait timed out,
/// nothing was handed to it, `None` is returned), or finds it already
/// notified and returns `false`, in which case the future is driven on (it
/// completes at its next poll) and its result returned. A grant or wake-up
/// racing the time-out is thus taken, never dropped, whatever the timing.
pub(crate) fn block_on_until<F: std::future::Future>(
    fut: Pin<&mut F>,
    deadline: Option<Instant>,
    leave: impl FnOnce(Pin<&mut F>) -> bool,
) -> Option<F::Output> {
    block_on_hinted(fut, deadline, leave, || false)
}

/// As [`block_on_until`], and while spinning before it parks, the thread also
/// polls again as soon as `worth_polling` says so (a barging waiter seeing
/// free permits retries at once instead of waiting for a wake-up that may
/// never come, since a running caller may take them first).
pub(crate) fn block_on_hinted<F: std::future::Future>(
    mut fut: Pin<&mut F>,
    mut deadline: Option<Instant>,
    leave: impl FnOnce(Pin<&mut F>) -> bool,
    worth_polling: impl Fn() -> bool,
) -> Option<F::Output> {
    let (flag, waker) = THREAD_WAKER.with(|(flag, waker)| (flag.clone(), waker.clone()));
    let mut cx = Context::from_waker(&waker);
    let mut leave = Some(leave);
    loop {
        flag.woken.store(false, Relaxed);
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return Some(out);
        }
        // The deadline is checked on every round, so a wait that keeps being
        // woken (or keeps seeing free permits and losing them) still ends on
        // time.
        if let Some(d) = deadline {
            if Instant::now() >= d {
                if (leave.take().expect("left once"))(fut.as_mut()) {
                    return None;
                }
                // Already served: the next poll completes.
                deadline = None;
                continue;
            }
        }
        let woken = || (flag.woken.load(Acquire) || worth_polling()).then_some(());
        if spin_until(woken).is_some() {
            continue;
        }
        match deadline {
            None => sync::park(),
            Some(d) => sync::park_timeout(d.saturating_duration_since(Instant::now())),
        }
    }
}

/// `Instant::now() + timeout`, or `None` (wait forever) if that overflows.
pub(crate) fn deadline_after(timeout: std::time::Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::pin;
    use std::task::Waker;

    #[test]
    fn fifo_push_notify_and_remove() {
        let q = WaitQueue::new(());
        let a = pin!(Waiter::new());
        let b = pin!(Waiter::new());
        let c = pin!(Waiter::new());
        let (a, b, c) = (a.into_ref(), b.into_ref(), c.into_ref());
        let mut g = q.lock();
        g.push_back(a, 1, Waker::noop().clone());
        g.push_back(b, 2, Waker::noop().clone());
        g.push_back(c, 3, Waker::noop().clone());
        assert_eq!(g.len(), 3);
        assert_eq!(g.front_need(), Some(1));
        assert!(g.remove(b, &mut None));
        assert!(!g.remove(b, &mut None), "a node is removed once");
        let mut wakes = WakeList::new();
        assert!(g.notify_front(7, &mut wakes));
        assert_eq!(a.state(), WaitState::Notified(7));
        assert_eq!(g.front_need(), Some(3));
        assert!(
            !g.remove(a, &mut None),
            "a notified node is no longer linked"
        );
        assert!(g.notify_front(0, &mut wakes));
        assert!(!g.notify_front(0, &mut wakes));
        assert!(g.is_empty());
        drop(g);
        assert_eq!(a.take_notification(), Some(7));
        assert_eq!(c.take_notification(), Some(0));
        assert_eq!(b.state(), WaitState::Idle);
        wakes.wake_all();
    }

    /// Random pushes, removals and notifications (front and by position)
    /// against a `VecDeque` model, checking length, front and, at the end,
    /// the whole order: unlinking the head leaves the next node's `prev`
    /// stale, which no later unlink may read.
    #[test]
    fn list_operations_match_a_model() {
        use std::collections::VecDeque;
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |bound: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % bound as u64) as usize
        };
        const NODES: usize = 6;
        let nodes: [Waiter; NODES] = std::array::from_fn(|_| Waiter::new());
        let nodes = pin!(nodes);
        let nodes = nodes.into_ref();
        // SAFETY: an element of a pinned array is pinned too: the array is
        // never moved or handed out unpinned.
        let node = |i: usize| -> Pin<&Waiter> { unsafe { nodes.map_unchecked(|a| &a[i]) } };
        let q = WaitQueue::new(());
        let mut model: VecDeque<usize> = VecDeque::new();
        let mut wakes = WakeList::new();
        for _ in 0..20_000 {
            let mut g = q.lock();
            match next(4) {
                0 | 1 => {
                    let i = next(NODES);
                    if node(i).state() == WaitState::Idle {
                        g.push_back(node(i), i + 1, Waker::noop().clone());
                        model.push_back(i);
                    }
                }
                2 => {
                    let i = next(NODES);
                    let queued = model.iter().position(|&m| m == i);
                    assert_eq!(g.remove(node(i), &mut None), queued.is_some());
                    if let Some(at) = queued {
                        model.remove(at);
                    }
                }
                _ => {
                    let at = next(NODES);
                    let notified = g.notify_at(at, 1, &mut wakes);
                    assert_eq!(notified, at < model.len());
                    if notified {
                        let i = model.remove(at).expect("in the model");
                        drop(g);
                        assert_eq!(node(i).take_notification(), Some(1));
                        g = q.lock();
                    }
                }
            }
            assert_eq!(g.len(), model.len());
            assert_eq!(g.front_need(), model.front().map(|i| i + 1));
            assert_eq!(g.is_empty(), model.is_empty());
        }
        let mut g = q.lock();
        while let Some(i) = model.pop_front() {
            assert_eq!(g.front_need(), Some(i + 1));
            assert!(g.notify_front(1, &mut wakes));
            assert_eq!(node(i).take_notification(), Some(1));
        }
        assert!(g.is_empty() && !g.notify_front(1, &mut wakes));
        drop(g);
        wakes.wake_all();
    }

    #[test]
    fn a_node_of_another_queue_is_left_alone() {
        let q1 = WaitQueue::new(());
        let q2 = WaitQueue::new(());
        let a = pin!(Waiter::new());
        let a = a.into_ref();
        q1.lock().push_back(a, 1, Waker::noop().clone());
        // q2 never linked anything, then links something else.
        assert!(!q2.lock().remove(a, &mut None));
        let b = pin!(Waiter::new());
        let b = b.into_ref();
        q2.lock().push_back(b, 1, Waker::noop().clone());
        assert!(!q2.lock().remove(a, &mut None));
        assert!(!q2
            .lock()
            .register_waker(a, Waker::noop().clone(), &mut None));
        assert!(q1.lock().remove(a, &mut None));
        assert!(q2.lock().remove(b, &mut None));
    }

    #[test]
    fn pushing_a_queued_node_into_another_queue_panics() {
        let q1 = WaitQueue::new(());
        let q2 = WaitQueue::new(());
        let a = Box::pin(Waiter::new());
        q1.lock().push_back(a.as_ref(), 1, Waker::noop().clone());
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            q2.lock().push_back(a.as_ref(), 1, Waker::noop().clone());
        }));
        let msg = *res.unwrap_err().downcast::<&str>().unwrap();
        assert!(msg.contains("not idle"), "{msg}");
        assert!(q2.lock().is_empty());
        assert!(q1.lock().remove(a.as_ref(), &mut None));
    }

    #[test]
    fn block_on_times_out_and_returns_ready_values() {
        assert_eq!(block_on(pin!(async { 5 })), 5);
        let never = pin!(std::future::pending::<()>());
        let t = Instant::now();
        let deadline = Some(t + std::time::Duration::from_millis(20));
        assert_eq!(block_on_until(never, deadline, |_| true), None);
        assert!(t.elapsed() >= std::time::Duration::from_millis(20));
    }

    #[test]
    fn a_waiter_that_cannot_leave_is_driven_to_completion() {
        // `leave` reports "already notified": the result is still returned.
        let mut polls = 0;
        let fut = pin!(std::future::poll_fn(|cx| {
            polls += 1;
            if polls > 2 {
                Poll::Ready(7)
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }));
        assert_eq!(
            block_on_until(fut, Some(Instant::now()), |_| false),
            Some(7)
        );
    }

    /// `remove` hands the removed node's waker to the caller instead of
    /// dropping it under the lock: a waker whose drop panics then cannot
    /// leave the node marked queued after it left the list (which aborted
    /// when the node was dropped), and the list stays whole.
    #[test]
    fn remove_hands_the_waker_out_for_dropping_after_the_lock() {
        use std::task::{RawWaker, RawWakerVTable};
        fn clone(p: *const ()) -> RawWaker {
            RawWaker::new(p, &VTABLE)
        }
        fn noop(_: *const ()) {}
        fn drop_panics(_: *const ()) {
            panic!("waker drop panicked")
        }
        static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, drop_panics);
        // SAFETY: the vtable's functions ignore the data pointer.
        let bad = unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) };
        let q = WaitQueue::new(());
        let a = pin!(Waiter::new());
        let a = a.into_ref();
        let b = pin!(Waiter::new());
        let b = b.into_ref();
        q.lock().push_back(a, 1, bad);
        q.lock().push_back(b, 1, Waker::noop().clone());
        let mut stale = None;
        assert!(q.lock().remove(a, &mut stale));
        assert_eq!(a.state(), WaitState::Idle);
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(stale)));
        assert!(res.is_err(), "the stale waker's drop ran, after the lock");
        let mut g = q.lock();
        assert_eq!(g.len(), 1);
        assert!(g.is_front(b));
        assert!(g.remove(b, &mut None));
        assert!(g.is_empty());
    }

    #[test]
    fn a_panicking_waker_does_not_swallow_the_others() {
        struct Panics;
        impl Wake for Panics {
            fn wake(self: Arc<Self>) {
                panic!("waker panicked");
            }
        }
        let woken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        struct Counts(Arc<std::sync::atomic::AtomicUsize>);
        impl Wake for Counts {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Relaxed);
            }
        }
        let mut wakes = WakeList::new();
        wakes.push(Waker::from(Arc::new(Counts(woken.clone()))));
        wakes.push(Waker::from(Arc::new(Panics)));
        wakes.push(Waker::from(Arc::new(Counts(woken.clone()))));
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| wakes.wake_all()));
        assert!(res.is_err());
        assert_eq!(
            woken.load(Relaxed),
            2,
            "the waker after the panicking one still ran"
        );
    }
}
