//! Reference-model property tests.
//!
//! Each primitive is driven by a random sequence of operations (acquire,
//! poll, cancel, release, close, notify, reset, ...) through manual polling,
//! side by side with a plain sequential model of its Python semantics (a
//! count, a FIFO queue, states). Every observable result is compared after
//! every step: who got what and in which order, errors, `locked()`,
//! `available_permits()`, waiter counts, barrier indices and broken state.
//! Dropping a pending future is the model's cancellation and time-out: a
//! blocking wait that times out runs exactly that path.
#![cfg(not(syncio_loom))]

mod common;

use std::collections::{BTreeMap, VecDeque};
use std::pin::Pin;
use std::task::Poll;

use common::poll_noop as poll;
use proptest::prelude::*;
use syncio::{
    AcquireError, Barrier, BarrierWait, BrokenBarrierError, Condition, ConditionWait, Event,
    EventWait, Fairness, Mutex, MutexGuard, ReleaseError, Semaphore, SemaphorePermit,
    TryAcquireError,
};

/// Picks the `i`-th key of a map, modulo its length.
fn nth_key<V>(map: &BTreeMap<usize, V>, i: usize) -> Option<usize> {
    if map.is_empty() {
        None
    } else {
        map.keys().nth(i % map.len()).copied()
    }
}

// ---------------------------------------------------------------- Semaphore

#[derive(Debug, Clone)]
enum SemOp {
    Acquire(usize),
    TryAcquire(usize),
    Poll(usize),
    Cancel(usize),
    DropPermit(usize),
    ForgetPermit(usize),
    ForgetPermits(usize),
    Release(usize),
    Close,
}

fn sem_op() -> impl Strategy<Value = SemOp> {
    prop_oneof![
        4 => (0..4usize).prop_map(SemOp::Acquire),
        2 => (0..4usize).prop_map(SemOp::TryAcquire),
        4 => any::<usize>().prop_map(SemOp::Poll),
        2 => any::<usize>().prop_map(SemOp::Cancel),
        3 => any::<usize>().prop_map(SemOp::DropPermit),
        1 => any::<usize>().prop_map(SemOp::ForgetPermit),
        1 => (0..4usize).prop_map(SemOp::ForgetPermits),
        2 => (0..3usize).prop_map(SemOp::Release),
        1 => Just(SemOp::Close),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum WaiterModel {
    Queued(usize),
    Granted(usize),
    Closed,
}

#[derive(Debug)]
struct SemModel {
    /// Barging (with no starvation bound reached): nobody is handed permits;
    /// whoever runs while enough are free takes them.
    barging: bool,
    avail: usize,
    bound: Option<usize>,
    forgotten: usize,
    closed: bool,
    queue: VecDeque<usize>,
    waiters: BTreeMap<usize, WaiterModel>,
}

impl SemModel {
    fn max(&self) -> usize {
        self.bound.unwrap_or(syncio::MAX_PERMITS)
    }

    fn hand_out(&mut self) {
        if self.barging {
            return;
        }
        while let Some(&id) = self.queue.front() {
            let WaiterModel::Queued(n) = self.waiters[&id] else {
                unreachable!()
            };
            if n > self.avail {
                break;
            }
            self.avail -= n;
            self.waiters.insert(id, WaiterModel::Granted(n));
            self.queue.pop_front();
        }
    }

    fn locked(&self) -> bool {
        self.avail == 0 || (!self.queue.is_empty() && !self.barging)
    }

    /// Whether a caller not yet queued may take `n` permits now.
    fn may_take(&self, n: usize) -> bool {
        self.avail >= n && (self.queue.is_empty() || self.barging)
    }
}

fn run_semaphore(initial: usize, bounded: bool, barging: bool, ops: Vec<SemOp>) {
    let bsem;
    let usem;
    let sem: &Semaphore = if bounded {
        bsem = syncio::BoundedSemaphore::new(initial);
        &bsem
    } else if barging {
        // A bound nobody reaches keeps the model free of timing.
        usem = Semaphore::with_fairness(
            initial,
            Fairness::Barging {
                starvation_bound: std::time::Duration::MAX,
            },
        );
        &usem
    } else {
        usem = Semaphore::new(initial);
        &usem
    };
    let mut m = SemModel {
        barging,
        avail: initial,
        bound: bounded.then_some(initial),
        forgotten: 0,
        closed: false,
        queue: VecDeque::new(),
        waiters: BTreeMap::new(),
    };
    let mut pending: BTreeMap<usize, Pin<Box<syncio::Acquire<'_>>>> = BTreeMap::new();
    let mut held: Vec<SemaphorePermit<'_>> = Vec::new();
    let mut next_id = 0;
    let (mut released, mut forgotten) = (0, 0);

    for op in ops {
        match op {
            SemOp::Acquire(n) => {
                let mut fut = Box::pin(sem.acquire_many(n));
                let got = poll(fut.as_mut());
                let expected = if n > m.max() {
                    Some(Err(AcquireError::TooManyPermits {
                        requested: n,
                        max: m.max(),
                    }))
                } else if m.closed {
                    Some(Err(AcquireError::Closed))
                } else if n == 0 || m.may_take(n) {
                    m.avail -= n;
                    Some(Ok(n))
                } else {
                    None
                };
                match (got, expected) {
                    (Poll::Ready(Ok(p)), Some(Ok(n))) => {
                        assert_eq!(p.num_permits(), n);
                        held.push(p);
                    }
                    (Poll::Ready(Err(e)), Some(Err(x))) => assert_eq!(e, x),
                    (Poll::Pending, None) => {
                        m.queue.push_back(next_id);
                        m.waiters.insert(next_id, WaiterModel::Queued(n));
                        pending.insert(next_id, fut);
                        next_id += 1;
                    }
                    (got, expected) => panic!("acquire({n}): got {got:?}, model {expected:?}"),
                }
            }
            SemOp::TryAcquire(n) => {
                let got = sem.try_acquire_many(n);
                let expected = if n > m.max() {
                    Err(TryAcquireError::TooManyPermits {
                        requested: n,
                        max: m.max(),
                    })
                } else if m.closed {
                    Err(TryAcquireError::Closed)
                } else if n == 0 || m.may_take(n) {
                    m.avail -= n;
                    Ok(n)
                } else {
                    Err(TryAcquireError::NoPermits)
                };
                match got {
                    Ok(p) => {
                        assert_eq!(Ok(p.num_permits()), expected);
                        held.push(p);
                    }
                    Err(e) => assert_eq!(Err(e), expected),
                }
            }
            SemOp::Poll(i) => {
                let Some(id) = nth_key(&pending, i) else {
                    continue;
                };
                let got = poll(pending.get_mut(&id).unwrap().as_mut());
                // Barging: a queued waiter that runs while enough permits are
                // free takes them, whoever is ahead of it.
                if let WaiterModel::Queued(n) = m.waiters[&id] {
                    if m.barging && m.avail >= n {
                        m.avail -= n;
                        m.queue.retain(|&q| q != id);
                        m.waiters.insert(id, WaiterModel::Granted(n));
                    }
                }
                match (got, m.waiters[&id]) {
                    (Poll::Pending, WaiterModel::Queued(_)) => continue,
                    (Poll::Ready(Ok(p)), WaiterModel::Granted(n)) => {
                        assert_eq!(p.num_permits(), n);
                        held.push(p);
                    }
                    (Poll::Ready(Err(AcquireError::Closed)), WaiterModel::Closed) => {}
                    (got, model) => panic!("poll of waiter {id}: got {got:?}, model {model:?}"),
                }
                pending.remove(&id);
                m.waiters.remove(&id);
            }
            SemOp::Cancel(i) => {
                let Some(id) = nth_key(&pending, i) else {
                    continue;
                };
                drop(pending.remove(&id));
                match m.waiters.remove(&id).unwrap() {
                    WaiterModel::Queued(_) => m.queue.retain(|&q| q != id),
                    WaiterModel::Granted(n) => m.avail += n,
                    WaiterModel::Closed => {}
                }
                m.hand_out();
            }
            SemOp::DropPermit(i) => {
                if held.is_empty() {
                    continue;
                }
                let p = held.swap_remove(i % held.len());
                m.avail += p.num_permits();
                drop(p);
                m.hand_out();
            }
            SemOp::ForgetPermit(i) => {
                if held.is_empty() {
                    continue;
                }
                let p = held.swap_remove(i % held.len());
                forgotten += p.num_permits();
                if m.bound.is_some() {
                    m.forgotten += p.num_permits();
                }
                p.forget();
            }
            SemOp::ForgetPermits(n) => {
                // Free permits only, set-aside ones included; the queue's
                // order is untouched (nobody can be served by a removal).
                let k = n.min(m.avail);
                m.avail -= k;
                forgotten += k;
                if m.bound.is_some() {
                    m.forgotten += k;
                }
                assert_eq!(sem.forget_permits(n), k, "forget_permits({n}), model {m:?}");
            }
            SemOp::Release(n) => {
                let expected = match m.bound {
                    Some(bound) if m.forgotten < n => {
                        Err(ReleaseError::AboveBound { released: n, bound })
                    }
                    Some(_) => {
                        m.forgotten -= n;
                        Ok(())
                    }
                    None => Ok(()),
                };
                if expected.is_ok() {
                    released += n;
                    m.avail += n;
                    m.hand_out();
                }
                assert_eq!(sem.release(n), expected);
            }
            SemOp::Close => {
                sem.close();
                m.closed = true;
                for id in m.queue.drain(..) {
                    m.waiters.insert(id, WaiterModel::Closed);
                }
            }
        }
        assert_eq!(
            sem.available_permits(),
            m.avail,
            "available_permits, model {m:?}"
        );
        assert_eq!(sem.locked(), m.locked(), "locked(), model {m:?}");
        assert_eq!(sem.is_closed(), m.closed);
    }
    // Conservation: once every future and permit is dropped, the count is
    // the initial value plus raw releases minus forgotten permits, and
    // nobody is left queued.
    drop(pending);
    drop(held);
    assert_eq!(
        sem.available_permits(),
        initial + released - forgotten,
        "permits conserved"
    );
    assert!(!sem.locked() || sem.available_permits() == 0);
    assert!(
        format!("{sem:?}").contains("waiters: 0"),
        "no waiter left queued"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn semaphore_matches_model(initial in 0..4usize, ops in prop::collection::vec(sem_op(), 1..60)) {
        run_semaphore(initial, false, false, ops);
    }

    #[test]
    fn bounded_semaphore_matches_model(initial in 0..4usize, ops in prop::collection::vec(sem_op(), 1..60)) {
        run_semaphore(initial, true, false, ops);
    }

    #[test]
    fn barging_semaphore_matches_model(initial in 0..4usize, ops in prop::collection::vec(sem_op(), 1..60)) {
        run_semaphore(initial, false, true, ops);
    }
}

// -------------------------------------------------------------------- Event

#[derive(Debug, Clone)]
enum EventOp {
    Wait,
    Poll(usize),
    Cancel(usize),
    Set,
    Clear,
}

fn event_op() -> impl Strategy<Value = EventOp> {
    prop_oneof![
        3 => Just(EventOp::Wait),
        3 => any::<usize>().prop_map(EventOp::Poll),
        1 => any::<usize>().prop_map(EventOp::Cancel),
        2 => Just(EventOp::Set),
        2 => Just(EventOp::Clear),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The generation rule: a waiter queued at `set()` is released by it,
    /// whatever `clear()` does afterwards.
    #[test]
    fn event_matches_model(ops in prop::collection::vec(event_op(), 1..60)) {
        let e = Event::new();
        let mut flag = false;
        let mut released: BTreeMap<usize, bool> = BTreeMap::new();
        let mut pending: BTreeMap<usize, Pin<Box<EventWait<'_>>>> = BTreeMap::new();
        let mut next_id = 0;
        for op in ops {
            match op {
                EventOp::Wait => {
                    let mut fut = Box::pin(e.wait());
                    let ready = poll(fut.as_mut()).is_ready();
                    prop_assert_eq!(ready, flag);
                    if !ready {
                        pending.insert(next_id, fut);
                        released.insert(next_id, false);
                        next_id += 1;
                    }
                }
                EventOp::Poll(i) => {
                    let Some(id) = nth_key(&pending, i) else { continue };
                    let ready = poll(pending.get_mut(&id).unwrap().as_mut()).is_ready();
                    prop_assert_eq!(ready, released[&id]);
                    if ready {
                        pending.remove(&id);
                        released.remove(&id);
                    }
                }
                EventOp::Cancel(i) => {
                    let Some(id) = nth_key(&pending, i) else { continue };
                    pending.remove(&id);
                    released.remove(&id);
                }
                EventOp::Set => {
                    e.set();
                    flag = true;
                    released.values_mut().for_each(|r| *r = true);
                }
                EventOp::Clear => {
                    e.clear();
                    flag = false;
                }
            }
            prop_assert_eq!(e.is_set(), flag);
        }
    }
}

// ---------------------------------------------------------------- Condition

#[derive(Debug, Clone)]
enum CondOp {
    Wait,
    Poll(usize),
    Cancel(usize),
    Notify(usize),
    HoldLock,
    DropLock,
}

fn cond_op() -> impl Strategy<Value = CondOp> {
    prop_oneof![
        3 => Just(CondOp::Wait),
        4 => any::<usize>().prop_map(CondOp::Poll),
        2 => any::<usize>().prop_map(CondOp::Cancel),
        2 => (0..3usize).prop_map(CondOp::Notify),
        1 => Just(CondOp::HoldLock),
        1 => Just(CondOp::DropLock),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CondWaiter {
    /// In the condition's queue.
    Queued,
    /// Notified; has not asked for the lock yet.
    Notified,
    /// Notified and queued for the lock.
    Relocking,
    /// Notified and handed the lock; returns on its next poll.
    HasLock,
}

#[derive(Debug, Default)]
struct CondModel {
    queue: VecDeque<usize>,
    waiters: BTreeMap<usize, CondWaiter>,
    lock_queue: VecDeque<usize>,
    /// The lock is held by the test (`true`) or handed to a waiter.
    test_holds: bool,
    waiter_holds: Option<usize>,
}

impl CondModel {
    fn notify(&mut self, n: usize) -> usize {
        let mut woken = 0;
        while woken < n {
            let Some(id) = self.queue.pop_front() else {
                break;
            };
            self.waiters.insert(id, CondWaiter::Notified);
            woken += 1;
        }
        woken
    }

    fn lock_free(&self) -> bool {
        !self.test_holds && self.waiter_holds.is_none()
    }

    /// The lock was released: hand it to the oldest relocking waiter.
    fn unlock(&mut self) {
        if let Some(id) = self.lock_queue.pop_front() {
            self.waiters.insert(id, CondWaiter::HasLock);
            self.waiter_holds = Some(id);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// FIFO notification, the lock re-acquired in FIFO order, and a
    /// notification passed on when its waiter is dropped before returning.
    #[test]
    fn condition_matches_model(ops in prop::collection::vec(cond_op(), 1..60)) {
        let mutex = Mutex::new(());
        let cond = Condition::new();
        let mut m = CondModel::default();
        let mut pending: BTreeMap<usize, Pin<Box<ConditionWait<'_, MutexGuard<'_, ()>>>>> = BTreeMap::new();
        let mut test_guard: Option<MutexGuard<'_, ()>> = None;
        let mut next_id = 0;
        for op in ops {
            match op {
                CondOp::Wait => {
                    let Some(guard) = test_guard.take().or_else(|| mutex.try_lock()) else {
                        prop_assert!(!(m.lock_free() && m.lock_queue.is_empty()));
                        continue;
                    };
                    m.test_holds = false;
                    let mut fut = Box::pin(cond.wait(guard));
                    prop_assert!(poll(fut.as_mut()).is_pending());
                    // Waiting released the lock: the next relocker gets it.
                    m.unlock();
                    m.queue.push_back(next_id);
                    m.waiters.insert(next_id, CondWaiter::Queued);
                    pending.insert(next_id, fut);
                    next_id += 1;
                }
                CondOp::Poll(i) => {
                    let Some(id) = nth_key(&pending, i) else { continue };
                    let got = poll(pending.get_mut(&id).unwrap().as_mut());
                    let state = m.waiters[&id];
                    let expect_ready = match state {
                        CondWaiter::Queued | CondWaiter::Relocking => false,
                        CondWaiter::HasLock => true,
                        CondWaiter::Notified => {
                            if m.lock_free() && m.lock_queue.is_empty() {
                                true
                            } else {
                                m.lock_queue.push_back(id);
                                m.waiters.insert(id, CondWaiter::Relocking);
                                false
                            }
                        }
                    };
                    prop_assert_eq!(got.is_ready(), expect_ready, "waiter {} in {:?}", id, state);
                    if let Poll::Ready(guard) = got {
                        // Returned holding the lock; let it go at once.
                        pending.remove(&id);
                        m.waiters.remove(&id);
                        drop(guard);
                        m.waiter_holds = None;
                        m.unlock();
                    }
                }
                CondOp::Cancel(i) => {
                    let Some(id) = nth_key(&pending, i) else { continue };
                    drop(pending.remove(&id));
                    match m.waiters.remove(&id).unwrap() {
                        CondWaiter::Queued => m.queue.retain(|&q| q != id),
                        CondWaiter::Notified => {
                            m.notify(1);
                        }
                        CondWaiter::Relocking => {
                            m.lock_queue.retain(|&q| q != id);
                            m.notify(1);
                        }
                        CondWaiter::HasLock => {
                            m.waiter_holds = None;
                            m.unlock();
                            m.notify(1);
                        }
                    }
                }
                CondOp::Notify(n) => {
                    prop_assert_eq!(cond.notify(n), m.notify(n));
                }
                CondOp::HoldLock => {
                    if test_guard.is_none() {
                        test_guard = mutex.try_lock();
                        let expect = m.lock_free() && m.lock_queue.is_empty();
                        prop_assert_eq!(test_guard.is_some(), expect);
                        m.test_holds = expect;
                    }
                }
                CondOp::DropLock => {
                    if test_guard.take().is_some() {
                        m.test_holds = false;
                        m.unlock();
                    }
                }
            }
            prop_assert_eq!(cond.waiters(), m.queue.len());
            prop_assert_eq!(mutex.is_locked(), !m.lock_free());
        }
    }
}

// ------------------------------------------------------------------ Barrier

#[derive(Debug, Clone)]
enum BarrierOp {
    Arrive,
    Poll(usize),
    Cancel(usize),
    Reset,
    Abort,
}

fn barrier_op() -> impl Strategy<Value = BarrierOp> {
    prop_oneof![
        4 => Just(BarrierOp::Arrive),
        3 => any::<usize>().prop_map(BarrierOp::Poll),
        2 => any::<usize>().prop_map(BarrierOp::Cancel),
        1 => Just(BarrierOp::Reset),
        1 => Just(BarrierOp::Abort),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum BarrierWaiter {
    Queued,
    Released(usize),
    Broken,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Arrival indices, the leader, cancellation taking an arrival back,
    /// reset and abort with waiters present.
    #[test]
    fn barrier_matches_model(parties in 1..5usize, ops in prop::collection::vec(barrier_op(), 1..60)) {
        let b = Barrier::new(parties).unwrap();
        let mut broken = false;
        let mut queue: VecDeque<usize> = VecDeque::new();
        let mut waiters: BTreeMap<usize, BarrierWaiter> = BTreeMap::new();
        let mut pending: BTreeMap<usize, Pin<Box<BarrierWait<'_>>>> = BTreeMap::new();
        let mut next_id = 0;
        for op in ops {
            match op {
                BarrierOp::Arrive => {
                    let mut fut = Box::pin(b.wait());
                    let got = poll(fut.as_mut());
                    if broken {
                        prop_assert_eq!(got, Poll::Ready(Err(BrokenBarrierError)));
                    } else if queue.len() + 1 == parties {
                        let Poll::Ready(Ok(r)) = got else {
                            return Err(TestCaseError::fail(format!("last arrival got {got:?}")));
                        };
                        prop_assert_eq!((r.index(), r.is_leader()), (parties - 1, true));
                        for (index, id) in queue.drain(..).enumerate() {
                            waiters.insert(id, BarrierWaiter::Released(index));
                        }
                    } else {
                        prop_assert!(got.is_pending());
                        queue.push_back(next_id);
                        waiters.insert(next_id, BarrierWaiter::Queued);
                        pending.insert(next_id, fut);
                        next_id += 1;
                    }
                }
                BarrierOp::Poll(i) => {
                    let Some(id) = nth_key(&pending, i) else { continue };
                    let got = poll(pending.get_mut(&id).unwrap().as_mut());
                    match (waiters[&id], got) {
                        (BarrierWaiter::Queued, Poll::Pending) => continue,
                        (BarrierWaiter::Released(index), Poll::Ready(Ok(r))) => {
                            prop_assert_eq!((r.index(), r.is_leader()), (index, false));
                        }
                        (BarrierWaiter::Broken, Poll::Ready(Err(BrokenBarrierError))) => {}
                        (model, got) => {
                            return Err(TestCaseError::fail(format!("waiter {id}: model {model:?}, got {got:?}")));
                        }
                    }
                    pending.remove(&id);
                    waiters.remove(&id);
                }
                BarrierOp::Cancel(i) => {
                    let Some(id) = nth_key(&pending, i) else { continue };
                    pending.remove(&id);
                    if waiters.remove(&id) == Some(BarrierWaiter::Queued) {
                        queue.retain(|&q| q != id);
                    }
                }
                BarrierOp::Reset | BarrierOp::Abort => {
                    if matches!(op, BarrierOp::Reset) {
                        b.reset();
                        broken = false;
                    } else {
                        b.abort();
                        broken = true;
                    }
                    for id in queue.drain(..) {
                        waiters.insert(id, BarrierWaiter::Broken);
                    }
                }
            }
            prop_assert_eq!(b.is_broken(), broken);
            prop_assert_eq!(b.n_waiting(), if broken { 0 } else { queue.len() });
        }
    }
}
