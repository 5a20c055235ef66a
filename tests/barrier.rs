//! Behaviour of `Barrier`: indices and the leader, reuse over cycles, the
//! action, reset and abort with waiters present, time-outs breaking it,
//! cancellation taking an arrival back, arrivals while it drains, and tasks
//! and threads meeting at one barrier.
#![cfg(not(syncio_loom))]

mod common;

use std::collections::HashSet;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use common::{counting_waker, is_pending, poll_once, ready};
use syncio::{Barrier, BarrierWait, BarrierWaitResult, BrokenBarrierError, ZeroPartiesError};

#[test]
fn futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Barrier>();
    send_sync::<syncio::BarrierWait<'static>>();
}

#[test]
fn zero_parties_is_an_error() {
    assert_eq!(Barrier::new(0).unwrap_err(), ZeroPartiesError);
    assert!(Barrier::with_action(0, || {}).is_err());
    let b = Barrier::new(1).unwrap();
    let r = b.wait_blocking().unwrap();
    assert_eq!((r.index(), r.is_leader()), (0, true));
}

#[test]
fn indices_are_distinct_and_the_last_arrival_leads() {
    let b = Barrier::new(3).unwrap();
    let mut first = Box::pin(b.wait());
    let mut second = Box::pin(b.wait());
    assert!(is_pending(first.as_mut()));
    assert!(is_pending(second.as_mut()));
    assert_eq!(b.n_waiting(), 2);
    let last = futures::executor::block_on(b.wait()).unwrap();
    assert_eq!((last.index(), last.is_leader()), (2, true));
    let r1 = ready(first.as_mut()).unwrap();
    let r2 = ready(second.as_mut()).unwrap();
    assert_eq!((r1.index(), r1.is_leader()), (0, false));
    assert_eq!((r2.index(), r2.is_leader()), (1, false));
    assert_eq!(b.n_waiting(), 0);
}

#[test]
fn tasks_and_threads_meet_at_one_barrier_for_many_cycles() {
    const PARTIES: usize = 5;
    const CYCLES: usize = 100;
    let actions = Arc::new(AtomicUsize::new(0));
    let a = actions.clone();
    let b = Arc::new(
        Barrier::with_action(PARTIES, move || {
            a.fetch_add(1, SeqCst);
        })
        .unwrap(),
    );
    let results: Arc<Mutex<Vec<Vec<BarrierWaitResult>>>> =
        Arc::new(Mutex::new(vec![Vec::new(); CYCLES]));
    let rt = common::tokio_rt();
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let (b, results) = (b.clone(), results.clone());
        tasks.push(rt.spawn(async move {
            for c in 0..CYCLES {
                let r = b.wait().await.unwrap();
                results.lock().unwrap()[c].push(r);
            }
        }));
    }
    let mut threads = Vec::new();
    for t in 0..2 {
        let (b, results) = (b.clone(), results.clone());
        threads.push(thread::spawn(move || {
            for c in 0..CYCLES {
                let r = if t == 0 {
                    b.wait_blocking().unwrap()
                } else {
                    b.wait_timeout(Duration::from_secs(30)).unwrap()
                };
                results.lock().unwrap()[c].push(r);
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    rt.block_on(async {
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(
        actions.load(SeqCst),
        CYCLES,
        "the action runs once per cycle"
    );
    for cycle in results.lock().unwrap().iter() {
        let indices: HashSet<_> = cycle.iter().map(|r| r.index()).collect();
        assert_eq!(indices, (0..PARTIES).collect());
        assert_eq!(cycle.iter().filter(|r| r.is_leader()).count(), 1);
    }
    assert!(!b.is_broken());
}

#[test]
fn the_action_runs_before_anyone_is_released() {
    let released = Arc::new(AtomicUsize::new(0));
    let r = released.clone();
    let seen_by_action = Arc::new(AtomicUsize::new(usize::MAX));
    let s = seen_by_action.clone();
    let b = Barrier::with_action(3, move || s.store(r.load(SeqCst), SeqCst)).unwrap();
    thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| {
                b.wait_blocking().unwrap();
                released.fetch_add(1, SeqCst);
            });
        }
    });
    assert_eq!(seen_by_action.load(SeqCst), 0);
    assert_eq!(released.load(SeqCst), 3);
}

#[test]
fn reset_breaks_current_waiters_and_starts_afresh() {
    let b = Barrier::new(2).unwrap();
    let mut w = Box::pin(b.wait());
    let (count, waker) = counting_waker();
    assert!(poll_once(w.as_mut(), &waker).is_pending());
    b.reset();
    assert_eq!(count.count(), 1);
    assert_eq!(ready(w.as_mut()), Err(BrokenBarrierError));
    assert!(!b.is_broken(), "reset leaves the barrier usable");
    assert_eq!(b.n_waiting(), 0);
    let mut w = Box::pin(b.wait());
    assert!(is_pending(w.as_mut()));
    assert!(futures::executor::block_on(b.wait()).unwrap().is_leader());
    assert!(ready(w.as_mut()).is_ok());
}

#[test]
fn abort_breaks_waiters_and_later_callers_until_reset() {
    let b = Barrier::new(3).unwrap();
    thread::scope(|s| {
        let t = s.spawn(|| b.wait_blocking());
        while b.n_waiting() == 0 {
            thread::yield_now();
        }
        b.abort();
        assert_eq!(t.join().unwrap(), Err(BrokenBarrierError));
    });
    assert!(b.is_broken());
    assert_eq!(b.wait_blocking(), Err(BrokenBarrierError));
    assert_eq!(
        futures::executor::block_on(b.wait()),
        Err(BrokenBarrierError)
    );
    b.reset();
    assert!(!b.is_broken());
}

#[test]
fn a_blocking_time_out_breaks_the_barrier_for_everyone() {
    let b = Barrier::new(3).unwrap();
    let mut task = Box::pin(b.wait());
    assert!(is_pending(task.as_mut()));
    let t = Instant::now();
    assert_eq!(
        b.wait_timeout(Duration::from_millis(20)),
        Err(BrokenBarrierError)
    );
    assert!(t.elapsed() >= Duration::from_millis(20));
    assert!(b.is_broken());
    assert_eq!(ready(task.as_mut()), Err(BrokenBarrierError));
    assert_eq!(b.wait_deadline(Instant::now()), Err(BrokenBarrierError));
}

#[test]
fn breaking_off_a_pending_wait_breaks_the_barrier_for_everyone() {
    let b = Barrier::new(3).unwrap();
    let mut other = Box::pin(b.wait());
    let mut mine = Box::pin(b.wait());
    assert!(is_pending(other.as_mut()));
    assert!(is_pending(mine.as_mut()));
    assert_eq!(
        mine.as_mut().break_off(),
        Poll::Ready(Err(BrokenBarrierError))
    );
    assert!(b.is_broken());
    assert_eq!(ready(other.as_mut()), Err(BrokenBarrierError));
    drop(mine);
    b.reset();
    assert_eq!(b.n_waiting(), 0);
    // Never polled: it breaks the barrier too (the caller gave up).
    assert_eq!(
        Box::pin(b.wait()).as_mut().break_off(),
        Poll::Ready(Err(BrokenBarrierError))
    );
    assert!(b.is_broken());
}

/// A two-party barrier's next cycle fills and releases normally: one task
/// waits, one thread arrives, both get through.
fn assert_next_cycle_of_two_is_whole(b: &Barrier) {
    let mut next = Box::pin(b.wait());
    assert!(is_pending(next.as_mut()));
    assert!(b.wait_blocking().is_ok());
    assert!(ready(next.as_mut()).is_ok());
}

#[test]
fn breaking_off_a_released_wait_keeps_its_outcome_and_breaks_nothing() {
    let b = Barrier::new(2).unwrap();
    let mut mine = Box::pin(b.wait());
    assert!(is_pending(mine.as_mut()));
    let leader = b.wait_blocking().unwrap();
    assert!(leader.is_leader());
    let Poll::Ready(released) = mine.as_mut().break_off() else {
        panic!("a released wait has its outcome")
    };
    let released = released.unwrap();
    assert_eq!(released.index(), 0);
    assert!(!released.is_leader());
    assert!(!b.is_broken());
    drop(mine);
    assert_next_cycle_of_two_is_whole(&b);
}

/// A completed wait's node is idle, as before its first poll; polling it
/// again (or breaking it off) must not count as a second arrival or break a
/// cycle it is not part of.
#[test]
fn a_completed_wait_panics_when_polled_or_broken_off_and_leaves_the_barrier_alone() {
    let b = Barrier::new(2).unwrap();
    let mut done = Box::pin(b.wait());
    assert!(is_pending(done.as_mut()));
    assert!(b.wait_blocking().unwrap().is_leader());
    assert_eq!(ready(done.as_mut()).unwrap().index(), 0);
    let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = is_pending(done.as_mut());
    }));
    let message = *again.unwrap_err().downcast::<&str>().unwrap();
    assert_eq!(message, "`BarrierWait` polled after completion");
    assert_eq!(b.n_waiting(), 0, "no second arrival");
    let broken = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = done.as_mut().break_off();
    }));
    let message = *broken.unwrap_err().downcast::<&str>().unwrap();
    assert_eq!(message, "`BarrierWait::break_off` after completion");
    assert!(!b.is_broken(), "the next cycle is not broken");
    drop(done);
    assert_next_cycle_of_two_is_whole(&b);
    // Broken off once, it is finished as well.
    let mut off = Box::pin(b.wait());
    assert!(is_pending(off.as_mut()));
    assert_eq!(
        off.as_mut().break_off(),
        Poll::Ready(Err(BrokenBarrierError))
    );
    let twice = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = is_pending(off.as_mut());
    }));
    assert!(twice.is_err());
}

#[test]
fn a_panicking_action_breaks_the_barrier_and_panics_in_its_caller() {
    let b = Barrier::with_action(2, || panic!("action failed")).unwrap();
    let mut other = Box::pin(b.wait());
    assert!(is_pending(other.as_mut()));
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| b.wait_blocking()));
    let payload = caught.unwrap_err();
    assert_eq!(*payload.downcast::<&str>().unwrap(), "action failed");
    assert_eq!(ready(other.as_mut()), Err(BrokenBarrierError));
    assert!(b.is_broken());
    b.reset();
    assert_eq!(b.n_waiting(), 0);
}

#[test]
fn a_waiter_dropped_while_filling_takes_its_arrival_back() {
    let b = Barrier::new(2).unwrap();
    let mut a = Box::pin(b.wait());
    assert!(is_pending(a.as_mut()));
    assert_eq!(b.n_waiting(), 1);
    drop(a);
    assert_eq!(b.n_waiting(), 0);
    // The next caller is not released by the cancelled arrival.
    let mut c = Box::pin(b.wait());
    assert!(is_pending(c.as_mut()));
    let d = futures::executor::block_on(b.wait()).unwrap();
    assert!(d.is_leader());
    assert_eq!(ready(c.as_mut()).unwrap().index(), 0);
}

#[test]
fn a_waiter_dropped_after_release_has_passed() {
    let b = Barrier::new(2).unwrap();
    let mut a = Box::pin(b.wait());
    assert!(is_pending(a.as_mut()));
    assert!(b.wait_blocking().unwrap().is_leader());
    drop(a); // released but never polled again
    assert_eq!(b.n_waiting(), 0);
    let mut c = Box::pin(b.wait());
    assert!(is_pending(c.as_mut()), "the next cycle starts empty");
}

type WaitResult = Result<BarrierWaitResult, BrokenBarrierError>;

/// A barrier whose action blocks until the test lets it go, to hold the
/// barrier in its draining phase.
struct Gated {
    b: Arc<Barrier>,
    entered: mpsc::Receiver<()>,
    go: mpsc::Sender<()>,
}

impl Gated {
    fn new(parties: usize) -> Self {
        let (entered_tx, entered) = mpsc::channel();
        let (go, go_rx) = mpsc::channel::<()>();
        let (entered_tx, go_rx) = (Mutex::new(entered_tx), Mutex::new(go_rx));
        let b = Barrier::with_action(parties, move || {
            entered_tx.lock().unwrap().send(()).unwrap();
            go_rx.lock().unwrap().recv().unwrap();
        })
        .unwrap();
        Gated {
            b: Arc::new(b),
            entered,
            go,
        }
    }

    /// A thread arrives and, if it completes the cycle, runs the action;
    /// returns once that action is running.
    fn leader_in_thread(&self) -> thread::JoinHandle<WaitResult> {
        let b = self.b.clone();
        let leader = thread::spawn(move || b.wait_blocking());
        self.entered.recv().unwrap();
        leader
    }

    /// A pending first waiter, and the thread that completed the 2-party
    /// cycle and is now running the action (the barrier drains).
    fn start_draining(&self) -> (Pin<Box<BarrierWait<'_>>>, thread::JoinHandle<WaitResult>) {
        let mut first = Box::pin(self.b.wait());
        assert!(is_pending(first.as_mut()));
        (first, self.leader_in_thread())
    }

    fn let_action_finish(&self) {
        self.go.send(()).unwrap();
    }
}

#[test]
fn callers_arriving_while_it_drains_wait_for_the_next_cycle() {
    let g = Gated::new(2);
    let (mut first, leader) = g.start_draining();
    assert_eq!(g.b.n_waiting(), 0);
    let mut late = Box::pin(g.b.wait());
    assert!(is_pending(late.as_mut()));
    g.let_action_finish();
    assert!(leader.join().unwrap().unwrap().is_leader());
    assert_eq!(ready(first.as_mut()).unwrap().index(), 0);
    // The late caller was not released with the first cycle...
    assert!(is_pending(late.as_mut()));
    assert_eq!(g.b.n_waiting(), 1);
    // ...it opens the next one.
    let leader = g.leader_in_thread();
    g.let_action_finish();
    assert!(leader.join().unwrap().unwrap().is_leader());
    assert_eq!(ready(late.as_mut()).unwrap().index(), 0);
}

#[test]
fn a_next_cycle_caller_timing_out_while_it_drains_breaks_it_only_after_the_release() {
    let g = Gated::new(2);
    let (mut first, leader) = g.start_draining();
    let mut other_late = Box::pin(g.b.wait());
    assert!(is_pending(other_late.as_mut()));
    // A caller of the next cycle gives up while the action runs...
    let b = g.b.clone();
    let timed_out = thread::spawn(move || b.wait_timeout(Duration::from_millis(10)));
    assert_eq!(timed_out.join().unwrap(), Err(BrokenBarrierError));
    let mut late = Box::pin(g.b.wait());
    assert!(is_pending(late.as_mut()));
    assert_eq!(
        late.as_mut().break_off(),
        Poll::Ready(Err(BrokenBarrierError))
    );
    assert!(!g.b.is_broken(), "not before the filled cycle is released");
    assert!(is_pending(other_late.as_mut()));
    // ...the cycle that had filled passes...
    g.let_action_finish();
    assert!(leader.join().unwrap().unwrap().is_leader());
    assert_eq!(ready(first.as_mut()).unwrap().index(), 0);
    // ...and then the barrier breaks, for the rest of the next cycle too.
    assert!(g.b.is_broken());
    assert_eq!(ready(other_late.as_mut()), Err(BrokenBarrierError));
    g.b.reset();
    assert_eq!(g.b.n_waiting(), 0);
}

/// Drains a first cycle while two more callers (a full cycle) arrive;
/// returns them once the first cycle is released.
fn full_cycle_arriving_while_draining(
    g: &Gated,
) -> (Pin<Box<BarrierWait<'_>>>, Pin<Box<BarrierWait<'_>>>) {
    let (mut first, leader) = g.start_draining();
    let mut x = Box::pin(g.b.wait());
    let mut y = Box::pin(g.b.wait());
    assert!(is_pending(x.as_mut()));
    assert!(is_pending(y.as_mut()));
    g.let_action_finish();
    leader.join().unwrap().unwrap();
    assert!(ready(first.as_mut()).is_ok());
    (x, y)
}

#[test]
fn a_full_cycle_arriving_while_it_drains_is_released_by_its_own_last_arrival() {
    let g = Gated::new(2);
    let (mut x, mut y) = full_cycle_arriving_while_draining(&g);
    // `y`, the second cycle's last arrival, runs its action and releases `x`.
    thread::scope(|s| {
        let runner = s.spawn(|| futures::executor::block_on(y.as_mut()));
        g.entered.recv().unwrap();
        g.let_action_finish();
        let ry = runner.join().unwrap().unwrap();
        assert_eq!((ry.index(), ry.is_leader()), (1, true));
    });
    assert_eq!(ready(x.as_mut()).unwrap().index(), 0);
}

#[test]
fn a_chosen_leader_dropped_before_it_runs_passes_the_role_to_its_cycle() {
    let g = Gated::new(2);
    let (mut x, y) = full_cycle_arriving_while_draining(&g);
    // `y` was chosen to release the second cycle, which had tripped (both
    // callers in); it is dropped instead. It has passed, and `x` takes the
    // role: it runs the action and passes as the leader.
    drop(y);
    assert!(!g.b.is_broken());
    g.let_action_finish(); // before it starts: `x` runs it in this thread
    let rx = ready(x.as_mut()).unwrap();
    assert_eq!((rx.index(), rx.is_leader()), (1, true));
    assert_eq!(g.b.n_waiting(), 0);
    let mut z = Box::pin(g.b.wait());
    assert!(is_pending(z.as_mut()), "the next cycle starts empty");
}

#[test]
fn a_tripped_cycle_whose_callers_all_drop_ends_without_its_action() {
    let g = Gated::new(2);
    let (x, y) = full_cycle_arriving_while_draining(&g);
    let mut surplus = Box::pin(g.b.wait());
    assert!(is_pending(surplus.as_mut()));
    drop(y);
    drop(x);
    assert!(!g.b.is_broken());
    assert_eq!(g.b.n_waiting(), 1, "the caller behind them opens a cycle");
    let leader = g.leader_in_thread();
    g.let_action_finish();
    assert!(leader.join().unwrap().unwrap().is_leader());
    assert_eq!(ready(surplus.as_mut()).unwrap().index(), 0);
}

/// Found in review: once a cycle had tripped, a member was still an ordinary
/// queued waiter, so a time-out coming while the action ran broke the cycle
/// whose action had already run.
#[test]
fn a_member_timing_out_while_its_tripped_cycle_runs_the_action_passes() {
    let g = Gated::new(2);
    let b = g.b.clone();
    let member = thread::spawn(move || b.wait_timeout(Duration::from_millis(50)));
    while g.b.n_waiting() == 0 {
        thread::yield_now();
    }
    let leader = g.leader_in_thread();
    // The member's time-out passes while the action runs: Python's member
    // waits for the lock the action holds, then passes; so does this one.
    thread::sleep(Duration::from_millis(150));
    assert!(!g.b.is_broken());
    g.let_action_finish();
    assert!(leader.join().unwrap().unwrap().is_leader());
    assert_eq!(member.join().unwrap().unwrap().index(), 0);
    assert!(!g.b.is_broken());
}

/// `break_off` on a member of a cycle that has tripped (its action
/// running) breaks nothing: as a blocking wait's time-out then, the arrival
/// stands, and the wait completes once the release comes.
#[test]
fn breaking_off_a_member_while_its_tripped_cycle_runs_the_action_waits_for_the_release() {
    let g = Gated::new(2);
    let (mut first, leader) = g.start_draining();
    assert_eq!(first.as_mut().break_off(), Poll::Pending);
    assert!(!g.b.is_broken());
    g.let_action_finish();
    assert!(leader.join().unwrap().unwrap().is_leader());
    assert_eq!(ready(first.as_mut()).unwrap().index(), 0);
    assert!(!g.b.is_broken());
}

/// A member dropped after its cycle tripped has passed: the cycle is
/// released without it (the others numbered in arrival order, the leader
/// keeping the last index).
#[test]
fn a_member_dropped_after_its_cycle_tripped_has_passed() {
    let g = Gated::new(3);
    let mut first = Box::pin(g.b.wait());
    let mut second = Box::pin(g.b.wait());
    assert!(is_pending(first.as_mut()));
    assert!(is_pending(second.as_mut()));
    let leader = g.leader_in_thread();
    drop(second);
    g.let_action_finish();
    let leader = leader.join().unwrap().unwrap();
    assert_eq!((leader.index(), leader.is_leader()), (2, true));
    assert_eq!(ready(first.as_mut()).unwrap().index(), 0);
    assert!(!g.b.is_broken());
    assert_eq!(g.b.n_waiting(), 0);
}

/// Found in review: callers beyond a full cycle, queued while the previous
/// one was released, were tagged as members of that full cycle, so one of
/// them timing out broke it. It belongs to the cycle after: the barrier
/// breaks once the full cycle is released.
#[test]
fn a_caller_behind_a_tripped_cycle_timing_out_breaks_only_after_its_release() {
    let g = Gated::new(2);
    let (mut first, leader) = g.start_draining();
    let mut x = Box::pin(g.b.wait());
    let mut y = Box::pin(g.b.wait());
    assert!(is_pending(x.as_mut()));
    assert!(is_pending(y.as_mut()));
    let mut surplus = Box::pin(g.b.wait());
    assert!(is_pending(surplus.as_mut()));
    g.let_action_finish();
    assert!(leader.join().unwrap().unwrap().is_leader());
    assert!(ready(first.as_mut()).is_ok());
    // (x, y) tripped; `y` releases it, and its action runs while the caller
    // behind them gives up.
    let (gave_up, broken_meanwhile, ry) = thread::scope(|s| {
        let runner = s.spawn(|| futures::executor::block_on(y.as_mut()));
        g.entered.recv().unwrap();
        let gave_up = surplus.as_mut().break_off();
        let broken_meanwhile = g.b.is_broken();
        g.let_action_finish();
        (gave_up, broken_meanwhile, runner.join().unwrap())
    });
    assert_eq!(gave_up, Poll::Ready(Err(BrokenBarrierError)));
    assert!(
        !broken_meanwhile,
        "not before the tripped cycle is released"
    );
    assert!(ry.unwrap().is_leader());
    assert_eq!(ready(x.as_mut()).unwrap().index(), 0);
    assert!(g.b.is_broken());
}

#[test]
fn reset_while_the_action_runs_breaks_that_cycle() {
    let g = Gated::new(2);
    let (mut first, leader) = g.start_draining();
    g.b.reset();
    g.let_action_finish();
    assert_eq!(leader.join().unwrap(), Err(BrokenBarrierError));
    assert_eq!(ready(first.as_mut()), Err(BrokenBarrierError));
    assert!(!g.b.is_broken());
    assert_eq!(g.b.n_waiting(), 0);
}

#[test]
fn cancellation_under_tokio_keeps_cycles_whole() {
    // Waiters with random time-outs. A cycle trips only with `parties` live
    // arrivals; its leader always sees the trip (it returns from the very
    // poll that completes the cycle), and a waiter released and then dropped
    // by `select!` has passed without being counted here.
    const PARTIES: usize = 3;
    let rt = common::tokio_rt();
    let trips = Arc::new(AtomicUsize::new(0));
    let t = trips.clone();
    let b = Arc::new(
        Barrier::with_action(PARTIES, move || {
            t.fetch_add(1, SeqCst);
        })
        .unwrap(),
    );
    let passed = Arc::new(AtomicUsize::new(0));
    let leaders = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let mut handles = Vec::new();
        for i in 0..6u64 {
            let (b, passed, leaders) = (b.clone(), passed.clone(), leaders.clone());
            handles.push(tokio::spawn(async move {
                for r in 0..100u64 {
                    let wait = Duration::from_micros((i * 37 + r * 11) % 300);
                    tokio::select! {
                        biased;
                        res = b.wait() => {
                            if res.unwrap().is_leader() {
                                leaders.fetch_add(1, SeqCst);
                            }
                            passed.fetch_add(1, SeqCst);
                        }
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
    });
    let trips = trips.load(SeqCst);
    assert!(trips > 0);
    assert_eq!(leaders.load(SeqCst), trips, "one leader per trip");
    let passed = passed.load(SeqCst);
    assert!(
        passed >= trips && passed <= trips * PARTIES,
        "{passed} passed in {trips} trips"
    );
    assert_eq!(b.n_waiting(), 0, "every dropped arrival was taken back");
    assert!(!b.is_broken());
}
