//! Wakers are their owners' code: cloning, dropping or waking one may panic.
//! The panic reaches the caller, and the primitive stays whole: no flag left
//! up with nobody queued, no bookkeeping cut short, no permit lost, no abort.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex as StdMutex};
use std::task::{RawWaker, RawWakerVTable, Wake, Waker};
use std::time::Duration;

use common::{counting_waker, is_pending, poll_once, ready};
use syncio::{Barrier, Event, Fairness, Lock, Mutex, Semaphore};

/// A waker whose clone panics: queueing a wait clones the waker it is given.
fn clone_panics() -> Waker {
    fn clone(_: *const ()) -> RawWaker {
        panic!("waker clone panicked")
    }
    fn noop(_: *const ()) {}
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
    // SAFETY: the vtable's functions ignore the data pointer, and none of
    // them can be reached through a null pointer in a harmful way.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

/// A waker whose last handle panics when it is dropped, once armed.
struct DropPanics(AtomicBool);

impl Wake for DropPanics {
    fn wake(self: Arc<Self>) {}
}

impl Drop for DropPanics {
    fn drop(&mut self) {
        if self.0.load(SeqCst) {
            panic!("waker drop panicked");
        }
    }
}

/// The waker to register, and the switch that arms it. The caller's handle
/// is dropped on registration's behalf: the queued clone becomes the last.
fn drop_panics() -> (Waker, Arc<DropPanics>) {
    let inner = Arc::new(DropPanics(AtomicBool::new(false)));
    (Waker::from(Arc::clone(&inner)), inner)
}

/// Polls `fut` once with `waker` and expects the poll to panic.
fn poll_panics<F: std::future::Future>(fut: std::pin::Pin<&mut F>, waker: &Waker) {
    let res = catch_unwind(AssertUnwindSafe(|| {
        let _ = poll_once(fut, waker);
    }));
    assert!(res.is_err(), "the waker's panic reaches the caller");
}

#[test]
fn a_semaphore_stays_usable_after_a_waker_clone_panics_on_queueing() {
    for fairness in [Fairness::Fifo, Fairness::BARGING] {
        let sem = Semaphore::with_fairness(0, fairness);
        {
            let fut = pin!(sem.acquire());
            poll_panics(fut, &clone_panics());
        }
        sem.release(1).unwrap();
        assert_eq!(sem.available_permits(), 1);
        assert!(!sem.locked(), "{fairness:?}");
        // Nobody is queued: the free permit is there for the taking, by a
        // try or by an acquire.
        let permit = sem.try_acquire().expect("a free permit, nobody queued");
        drop(permit);
        let permit = ready(pin!(sem.acquire())).unwrap();
        drop(permit);
        assert_eq!(sem.available_permits(), 1);
    }
}

#[test]
fn a_mutex_and_a_lock_stay_usable_after_a_waker_clone_panics_on_queueing() {
    let m = Mutex::new(0u32);
    let g = m.try_lock().unwrap();
    poll_panics(pin!(m.lock()), &clone_panics());
    drop(g);
    assert!(!m.is_locked());
    drop(m.try_lock().expect("unlocked, nobody waiting"));
    assert!(m.lock_timeout(Duration::from_millis(200)).is_some());

    let l = Lock::new();
    let g = l.try_acquire().unwrap();
    poll_panics(pin!(l.acquire()), &clone_panics());
    drop(g);
    assert!(!l.locked());
    drop(l.try_acquire().expect("unlocked, nobody waiting"));
    assert!(l.acquire_timeout(Duration::from_millis(200)).is_some());
}

#[test]
fn an_event_and_a_barrier_stay_usable_after_a_waker_clone_panics_on_queueing() {
    let e = Event::new();
    poll_panics(pin!(e.wait()), &clone_panics());
    assert_eq!(e.waiters(), 0);
    let (count, waker) = counting_waker();
    let mut w = pin!(e.wait());
    assert!(poll_once(w.as_mut(), &waker).is_pending());
    e.set();
    assert_eq!(count.count(), 1);
    ready(w);

    let b = Barrier::new(2).unwrap();
    poll_panics(pin!(b.wait()), &clone_panics());
    assert!(!b.is_broken());
    assert_eq!(b.n_waiting(), 0, "the panicked arrival did not count");
    let mut first = pin!(b.wait());
    assert!(is_pending(first.as_mut()));
    let second = ready(pin!(b.wait())).unwrap();
    let first = ready(first).unwrap();
    assert!(first.is_leader() != second.is_leader());
}

/// FIFO: the waiter that leaves is ahead of one whose request the free
/// permits cover. Leaving must serve it even though the leaver's waker
/// panics when it is dropped.
#[test]
fn a_cancelled_acquire_whose_waker_drop_panics_still_passes_the_queue_on() {
    let sem = Semaphore::new(1);
    let (bad, armed) = drop_panics();
    let mut big = Box::pin(sem.acquire_many(2));
    assert!(poll_once(big.as_mut(), &bad).is_pending());
    drop(bad);
    let (count, waker) = counting_waker();
    let mut small = pin!(sem.acquire());
    assert!(
        poll_once(small.as_mut(), &waker).is_pending(),
        "FIFO: behind the big one"
    );
    armed.0.store(true, SeqCst);
    drop(armed);
    let res = catch_unwind(AssertUnwindSafe(|| drop(big)));
    assert!(
        res.is_err(),
        "the drop's panic reaches the caller, no abort"
    );
    assert_eq!(count.count(), 1, "the waiter behind was served and woken");
    let permit = ready(small).unwrap();
    assert_eq!(sem.available_permits(), 0);
    drop(permit);
    assert_eq!(sem.available_permits(), 1);
}

/// Barging: a queued waiter polled while permits are free takes them and
/// leaves the queue, dropping the waker it had registered. If that drop
/// panics, the poll does not return the permits, so they go back.
#[test]
fn a_barging_waiter_whose_waker_drop_panics_gives_back_what_it_took() {
    let sem = Semaphore::with_fairness(0, Fairness::BARGING);
    let (front_count, front_waker) = counting_waker();
    let mut front = pin!(sem.acquire());
    assert!(poll_once(front.as_mut(), &front_waker).is_pending());
    let (bad, armed) = drop_panics();
    let mut second = Box::pin(sem.acquire());
    assert!(poll_once(second.as_mut(), &bad).is_pending());
    drop(bad);
    sem.release(1).unwrap();
    assert_eq!(
        front_count.count(),
        1,
        "the front waiter is woken to compete"
    );
    armed.0.store(true, SeqCst);
    drop(armed);
    // The second waiter runs first (its waker is still registered) and
    // barges in on the free permit.
    poll_panics(second.as_mut(), Waker::noop());
    assert_eq!(sem.available_permits(), 1, "the permit went back");
    drop(second);
    assert_eq!(sem.available_permits(), 1);
    drop(ready(front).unwrap());
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn an_event_wait_cancelled_with_a_waker_drop_that_panics_leaves_the_rest_waiting() {
    let e = Event::new();
    let (bad, armed) = drop_panics();
    let mut leaver = Box::pin(e.wait());
    assert!(poll_once(leaver.as_mut(), &bad).is_pending());
    drop(bad);
    let (count, waker) = counting_waker();
    let mut stayer = pin!(e.wait());
    assert!(poll_once(stayer.as_mut(), &waker).is_pending());
    armed.0.store(true, SeqCst);
    drop(armed);
    assert!(catch_unwind(AssertUnwindSafe(|| drop(leaver))).is_err());
    assert_eq!(e.waiters(), 1);
    e.set();
    assert_eq!(count.count(), 1);
    ready(stayer);
}

/// Wakers that record their turn; the one numbered `panics` panics instead.
struct Turn {
    id: usize,
    panics: usize,
    log: Arc<StdMutex<Vec<usize>>>,
}

impl Wake for Turn {
    fn wake(self: Arc<Self>) {
        if self.id == self.panics {
            panic!("waker {} panicked", self.id);
        }
        self.log.lock().unwrap().push(self.id);
    }
}

/// A release of several waiters wakes them in FIFO order; one panicking in
/// the middle leaves the others woken, still in that order.
#[test]
fn a_panicking_wake_leaves_the_others_woken_in_order() {
    let e = Event::new();
    let log = Arc::new(StdMutex::new(Vec::new()));
    let mut waits: Vec<_> = (0..5).map(|_| Box::pin(e.wait())).collect();
    for (id, w) in waits.iter_mut().enumerate() {
        let turn = Arc::new(Turn {
            id,
            panics: 1,
            log: Arc::clone(&log),
        });
        assert!(poll_once(w.as_mut(), &Waker::from(turn)).is_pending());
    }
    assert!(catch_unwind(AssertUnwindSafe(|| e.set())).is_err());
    assert_eq!(*log.lock().unwrap(), [0, 2, 3, 4]);
    for mut w in waits {
        ready(w.as_mut());
    }
}

/// Found in review: an acquire that clones its waker before taking the
/// queue lock, and then finds permits released meanwhile, dropped the
/// unused clone under the lock. A waker's drop is its owner's code and may
/// use the semaphore (here: its `Debug`, which takes the queue lock).
#[test]
fn an_unused_waker_clone_is_dropped_after_the_queue_lock() {
    use std::sync::OnceLock;

    static SEM: OnceLock<&'static Semaphore> = OnceLock::new();
    static ARMED: AtomicBool = AtomicBool::new(false);
    static DROPPED_UNDER_LOCK: AtomicBool = AtomicBool::new(false);

    fn clone(p: *const ()) -> RawWaker {
        if ARMED.load(SeqCst) {
            // A release racing the acquire, on cue: after its lock-free
            // attempt failed, before it takes the queue lock.
            SEM.get().unwrap().release(1).unwrap();
        }
        RawWaker::new(p, &VTABLE)
    }
    fn noop(_: *const ()) {}
    fn drop(_: *const ()) {
        let sem = *SEM.get().unwrap();
        if ARMED.swap(false, SeqCst)
            && queue_lock_is_held(move || std::mem::drop(format!("{sem:?}")))
        {
            DROPPED_UNDER_LOCK.store(true, SeqCst);
        }
    }
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, drop);

    let sem: &'static Semaphore = Box::leak(Box::new(Semaphore::new(0)));
    SEM.set(sem).unwrap();
    // SAFETY: the vtable's functions ignore the data pointer.
    let waker = unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) };
    let mut acquire = pin!(sem.acquire());
    ARMED.store(true, SeqCst);
    let permit = match poll_once(acquire.as_mut(), &waker) {
        std::task::Poll::Ready(permit) => permit.unwrap(),
        std::task::Poll::Pending => panic!("the permit released meanwhile is taken"),
    };
    assert!(!DROPPED_UNDER_LOCK.load(SeqCst));
    std::mem::drop(permit);
    assert_eq!(sem.available_permits(), 1);
}

/// Runs `uses_the_lock` on another thread: `true` if it could not finish
/// (the primitive's queue lock is held, by the thread asking).
fn queue_lock_is_held(uses_the_lock: impl FnOnce() + Send + 'static) -> bool {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        uses_the_lock();
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_millis(500)).is_err()
}

/// A waker that, when its last handle is dropped while armed, records
/// whether the primitive's queue lock was held then.
struct LockProbe {
    uses_the_lock: Box<dyn Fn() + Send + Sync>,
    armed: Arc<AtomicBool>,
    under_lock: Arc<AtomicBool>,
}

impl Wake for LockProbe {
    fn wake(self: Arc<Self>) {}
}

impl Drop for LockProbe {
    fn drop(&mut self) {
        if self.armed.swap(false, SeqCst) {
            let uses = std::mem::replace(&mut self.uses_the_lock, Box::new(|| {}));
            self.under_lock.store(queue_lock_is_held(uses), SeqCst);
        }
    }
}

/// A wait polled again with another waker replaces the one it registered;
/// the old one's drop (its owner's code, which may use the primitive) runs
/// after the queue lock.
#[test]
fn a_replaced_waker_is_dropped_after_the_queue_lock() {
    fn check<F: std::future::Future>(
        wait: std::pin::Pin<&mut F>,
        uses_the_lock: impl Fn() + Send + Sync + 'static,
    ) {
        let armed = Arc::new(AtomicBool::new(false));
        let under_lock = Arc::new(AtomicBool::new(false));
        let probe = Waker::from(Arc::new(LockProbe {
            uses_the_lock: Box::new(uses_the_lock),
            armed: Arc::clone(&armed),
            under_lock: Arc::clone(&under_lock),
        }));
        let mut wait = wait;
        assert!(poll_once(wait.as_mut(), &probe).is_pending());
        drop(probe);
        armed.store(true, SeqCst);
        let (_count, other) = counting_waker();
        assert!(poll_once(wait.as_mut(), &other).is_pending());
        assert!(
            !armed.load(SeqCst),
            "the old waker was replaced and dropped"
        );
        assert!(!under_lock.load(SeqCst), "dropped under the queue lock");
    }
    let sem: &'static Semaphore = Box::leak(Box::new(Semaphore::new(0)));
    check(pin!(sem.acquire()), move || drop(format!("{sem:?}")));
    let barging: &'static Semaphore =
        Box::leak(Box::new(Semaphore::with_fairness(0, Fairness::BARGING)));
    check(pin!(barging.acquire()), move || {
        drop(format!("{barging:?}"))
    });
    let e: &'static Event = Box::leak(Box::new(Event::new()));
    check(pin!(e.wait()), move || drop(format!("{e:?}")));
    let b: &'static Barrier = Box::leak(Box::new(Barrier::new(2).unwrap()));
    check(pin!(b.wait()), move || drop(format!("{b:?}")));
}

/// A waker that, when cloned while armed, records whether the primitive's
/// queue lock was held then. Leaked: its vtable reaches it by pointer.
struct CloneProbe {
    uses_the_lock: Box<dyn Fn() + Send + Sync>,
    armed: AtomicBool,
    cloned: AtomicBool,
    under_lock: AtomicBool,
}

impl CloneProbe {
    fn waker(uses_the_lock: impl Fn() + Send + Sync + 'static) -> (&'static CloneProbe, Waker) {
        fn clone(p: *const ()) -> RawWaker {
            // SAFETY: `p` is the leaked `CloneProbe` the waker was made from.
            let probe: &'static CloneProbe = unsafe { &*p.cast::<CloneProbe>() };
            if probe.armed.swap(false, SeqCst) {
                probe.cloned.store(true, SeqCst);
                let held = queue_lock_is_held(move || (probe.uses_the_lock)());
                probe.under_lock.store(held, SeqCst);
            }
            RawWaker::new(p, &VTABLE)
        }
        fn noop(_: *const ()) {}
        static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, noop, noop, noop);
        let probe: &'static CloneProbe = Box::leak(Box::new(CloneProbe {
            uses_the_lock: Box::new(uses_the_lock),
            armed: AtomicBool::new(true),
            cloned: AtomicBool::new(false),
            under_lock: AtomicBool::new(false),
        }));
        let data: *const CloneProbe = probe;
        // SAFETY: the vtable's functions only read the `CloneProbe` behind
        // the pointer, which is leaked and so outlives every clone.
        let waker = unsafe { Waker::from_raw(RawWaker::new(data.cast(), &VTABLE)) };
        (probe, waker)
    }

    fn check(&self, what: &str) {
        assert!(self.cloned.load(SeqCst), "{what}: the waker was cloned");
        assert!(
            !self.under_lock.load(SeqCst),
            "{what}: cloned under the queue lock"
        );
    }
}

/// Found in review: queueing a barrier or condition wait, and registering a
/// new waker when a wait is polled again, cloned the waker under the queue
/// lock. A clone is its owner's code and may use the primitive (here: what
/// takes the queue lock), which deadlocked on the thread's own lock.
#[test]
fn a_waker_is_cloned_outside_the_queue_lock() {
    /// Polls `wait` with a fresh probe twice (queueing, then registering
    /// another waker), checking both clones.
    fn check<F: std::future::Future>(
        what: &str,
        mut wait: std::pin::Pin<&mut F>,
        uses_the_lock: impl Fn() + Send + Sync + Clone + 'static,
    ) {
        for step in ["queueing", "polled again"] {
            let (probe, waker) = CloneProbe::waker(uses_the_lock.clone());
            let _ = poll_once(wait.as_mut(), &waker);
            probe.check(&format!("{what}, {step}"));
        }
    }
    for fairness in [Fairness::Fifo, Fairness::BARGING] {
        let sem: &'static Semaphore = Box::leak(Box::new(Semaphore::with_fairness(0, fairness)));
        check("semaphore", pin!(sem.acquire()), move || {
            drop(format!("{sem:?}"))
        });
        let m: &'static Mutex<()> = Box::leak(Box::new(Mutex::with_fairness((), fairness)));
        let _held = m.try_lock().unwrap();
        check("mutex", pin!(m.lock()), move || drop(format!("{m:?}")));
    }
    let e: &'static Event = Box::leak(Box::new(Event::new()));
    check("event", pin!(e.wait()), move || {
        let _ = e.waiters();
    });
    let b: &'static Barrier = Box::leak(Box::new(Barrier::new(3).unwrap()));
    check("barrier", pin!(b.wait()), move || {
        let _ = b.n_waiting();
    });

    // A condition's notify takes the queue lock only with someone queued:
    // one waits ahead of the probed wait (and takes the notifications).
    let cond: &'static syncio::Condition = Box::leak(Box::new(syncio::Condition::new()));
    let lock: &'static Mutex<()> = Box::leak(Box::new(Mutex::new(())));
    let mut ahead = pin!(cond.notified());
    ahead.as_mut().enable();
    let guard = lock.try_lock().unwrap();
    check("condition", pin!(cond.wait(guard)), move || {
        let _ = cond.notify(1);
    });
}

/// A waker whose wake panics.
struct WakePanics;

impl Wake for WakePanics {
    fn wake(self: Arc<Self>) {
        panic!("wake panicked");
    }
}

/// Found in review: a condition wait whose unlocking panicked (the mutex
/// handed to a queued `lock()` whose waker panics) had not recorded its lock
/// yet. Polled again after a notification it panicked on that, and the
/// notification it had taken was lost. Now the wait is whole: polled again
/// it re-locks, dropped it passes the notification on.
#[test]
fn a_condition_wait_whose_unlock_panics_stays_whole() {
    for drop_it in [false, true] {
        let m = Mutex::new(0);
        let cond = syncio::Condition::new();
        let guard = m.try_lock().unwrap();
        let mut queued_lock = Box::pin(m.lock());
        assert!(poll_once(queued_lock.as_mut(), &Waker::from(Arc::new(WakePanics))).is_pending());
        let mut wait = Box::pin(cond.wait(guard));
        poll_panics(wait.as_mut(), &Waker::noop().clone());
        assert_eq!(cond.waiters(), 1, "queued before unlocking");
        let mut behind = pin!(cond.notified());
        behind.as_mut().enable();
        assert_eq!(cond.notify(1), 1);
        drop(queued_lock); // handed the mutex, it passes it on
        if drop_it {
            drop(wait);
            ready(behind); // the notification passed on
        } else {
            let guard = ready(wait.as_mut());
            assert_eq!(*guard, 0, "re-locked");
            drop(guard);
            assert!(is_pending(behind), "one notification, to the first waiter");
        }
        assert!(m.try_lock().is_some());
    }
}
