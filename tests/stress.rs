//! Randomized stress: tokio tasks (multi-thread runtime), smol and
//! `futures` executors on their own threads, and plain threads hammer one
//! object at once, with random cancellation and time-outs. Invariants are
//! asserted at the end: permits conserved, nobody left queued, never more
//! holders than permits, nothing lost.
//!
//! Seeded and reproducible: each run prints its seed; set
//! `SYNCIO_STRESS_SEED=<seed>` to replay it. `SYNCIO_STRESS_ROUNDS` scales the
//! work (default 2000 operations per actor).
#![cfg(not(syncio_loom))]

mod common;

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use syncio::{Barrier, Condition, Event, Fairness, Mutex, MutexGuard, Semaphore};

fn seed() -> u64 {
    let seed = std::env::var("SYNCIO_STRESS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("stress seed: {seed} (replay with SYNCIO_STRESS_SEED={seed})");
    seed
}

fn rounds() -> usize {
    std::env::var("SYNCIO_STRESS_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000)
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs `tasks` async actors spread over a tokio multi-thread runtime, a smol
/// executor and a `futures` executor (each on its own thread), plus `threads`
/// blocking actors. Actor `i` gets its own RNG seeded from `seed` and `i`.
fn run_mixed(
    seed: u64,
    tasks: usize,
    threads: usize,
    task: impl Fn(fastrand::Rng) -> BoxFuture,
    thread_fn: impl Fn(fastrand::Rng) + Send + Sync + Clone + 'static,
) {
    let rng =
        |i: usize| fastrand::Rng::with_seed(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let rt = common::tokio_rt();
    let mut tokio_handles = Vec::new();
    let mut smol_futs = Vec::new();
    let mut futures_futs = Vec::new();
    for i in 0..tasks {
        let fut = task(rng(i));
        match i % 3 {
            0 => tokio_handles.push(rt.spawn(fut)),
            1 => smol_futs.push(fut),
            _ => futures_futs.push(fut),
        }
    }
    let smol_thread = thread::spawn(move || {
        let ex = smol::LocalExecutor::new();
        let tasks: Vec<_> = smol_futs.into_iter().map(|f| ex.spawn(f)).collect();
        smol::block_on(ex.run(async {
            for t in tasks {
                t.await;
            }
        }));
    });
    let futures_thread = thread::spawn(move || {
        futures::executor::block_on(futures::future::join_all(futures_futs));
    });
    let blocking: Vec<_> = (0..threads)
        .map(|i| {
            let f = thread_fn.clone();
            let r = rng(tasks + i);
            thread::spawn(move || f(r))
        })
        .collect();
    for t in blocking {
        t.join().expect("a blocking actor panicked");
    }
    smol_thread.join().expect("a smol actor panicked");
    futures_thread.join().expect("a futures actor panicked");
    rt.block_on(async {
        for h in tokio_handles {
            h.await.expect("a tokio actor panicked");
        }
    });
}

/// Yields to the executor a random number of times (0..3).
async fn jitter(rng: &mut fastrand::Rng) {
    for _ in 0..rng.usize(0..3) {
        yield_now().await;
    }
}

/// Returns `Pending` once (after waking itself): an executor-agnostic yield.
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

/// Runs `fut` but gives up after it was polled `polls` times without
/// finishing (a cancellation at a random point, executor-agnostic).
async fn cancel_after<F: Future>(polls: usize, fut: F) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let mut left = polls;
    std::future::poll_fn(move |cx| match fut.as_mut().poll(cx) {
        std::task::Poll::Ready(v) => std::task::Poll::Ready(Some(v)),
        std::task::Poll::Pending if left == 0 => std::task::Poll::Ready(None),
        std::task::Poll::Pending => {
            left -= 1;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await
}

struct Holders {
    now: AtomicUsize,
    max: AtomicUsize,
    limit: usize,
}

impl Holders {
    fn enter(&self, n: usize) {
        let now = self.now.fetch_add(n, SeqCst) + n;
        assert!(
            now <= self.limit,
            "{now} permits held, limit {}",
            self.limit
        );
        self.max.fetch_max(now, SeqCst);
    }
    fn leave(&self, n: usize) {
        self.now.fetch_sub(n, SeqCst);
    }
}

#[test]
fn semaphore_under_mixed_load_with_cancellation() {
    semaphore_under_mixed_load(Fairness::Fifo);
}

#[test]
fn barging_semaphore_under_mixed_load_with_cancellation() {
    semaphore_under_mixed_load(Fairness::BARGING);
}

/// Barging with a zero starvation bound: every release that finds the
/// oldest waiter waiting hands off to it, so the barging and the hand-off
/// paths interleave.
const STARVED: Fairness = Fairness::Barging {
    starvation_bound: Duration::ZERO,
};

#[test]
fn starved_barging_semaphore_under_mixed_load_with_cancellation() {
    semaphore_under_mixed_load(STARVED);
}

fn semaphore_under_mixed_load(fairness: Fairness) {
    const PERMITS: usize = 4;
    let seed = seed();
    let n = rounds();
    let sem = Arc::new(Semaphore::with_fairness(PERMITS, fairness));
    let holders = Arc::new(Holders {
        now: AtomicUsize::new(0),
        max: AtomicUsize::new(0),
        limit: PERMITS,
    });
    let (s, h) = (sem.clone(), holders.clone());
    let task = move |mut rng: fastrand::Rng| -> BoxFuture {
        let (sem, holders) = (s.clone(), h.clone());
        Box::pin(async move {
            for _ in 0..n {
                let k = rng.usize(1..=3);
                let permit = if rng.u8(0..4) == 0 {
                    cancel_after(rng.usize(0..4), sem.acquire_many(k)).await
                } else {
                    Some(sem.acquire_many(k).await)
                };
                if let Some(permit) = permit {
                    let permit = permit.unwrap();
                    holders.enter(k);
                    jitter(&mut rng).await;
                    holders.leave(k);
                    drop(permit);
                }
            }
        })
    };
    let (s, h) = (sem.clone(), holders.clone());
    let thread_fn = move |mut rng: fastrand::Rng| {
        for _ in 0..n {
            let k = rng.usize(1..=3);
            let permit = match rng.u8(0..5) {
                0 => s
                    .acquire_many_timeout(k, Duration::from_micros(rng.u64(0..200)))
                    .ok(),
                1 => s.try_acquire_many(k).ok(),
                2 => {
                    // Shrink for a moment, racing the hand-offs, then give
                    // back exactly what was taken.
                    let forgotten = s.forget_permits(k);
                    thread::yield_now();
                    s.release(forgotten).unwrap();
                    None
                }
                _ => Some(s.acquire_many_blocking(k).unwrap()),
            };
            if let Some(permit) = permit {
                h.enter(k);
                thread::yield_now();
                h.leave(k);
                drop(permit);
            }
        }
    };
    run_mixed(seed, 9, 3, task, thread_fn);
    assert_eq!(
        sem.available_permits(),
        PERMITS,
        "permits conserved (seed {seed})"
    );
    assert!(!sem.locked(), "no waiter left queued (seed {seed})");
    assert!(holders.max.load(SeqCst) <= PERMITS);
}

#[test]
fn mutex_under_mixed_load_with_cancellation() {
    mutex_under_mixed_load(Fairness::Fifo);
}

#[test]
fn barging_mutex_under_mixed_load_with_cancellation() {
    mutex_under_mixed_load(Fairness::BARGING);
}

#[test]
fn starved_barging_mutex_under_mixed_load_with_cancellation() {
    mutex_under_mixed_load(STARVED);
}

fn mutex_under_mixed_load(fairness: Fairness) {
    let seed = seed();
    let n = rounds();
    let m = Arc::new(Mutex::with_fairness(0usize, fairness));
    let done = Arc::new(AtomicUsize::new(0));
    let (mm, d) = (m.clone(), done.clone());
    let task = move |mut rng: fastrand::Rng| -> BoxFuture {
        let (m, done) = (mm.clone(), d.clone());
        Box::pin(async move {
            for _ in 0..n {
                let guard = if rng.bool() {
                    cancel_after(rng.usize(0..3), m.lock()).await
                } else {
                    Some(m.lock().await)
                };
                if let Some(mut g) = guard {
                    let v = *g;
                    jitter(&mut rng).await;
                    *g = v + 1;
                    done.fetch_add(1, SeqCst);
                }
            }
        })
    };
    let (mm, d) = (m.clone(), done.clone());
    let thread_fn = move |mut rng: fastrand::Rng| {
        for _ in 0..n {
            let guard = if rng.bool() {
                mm.lock_timeout(Duration::from_micros(rng.u64(0..100)))
            } else {
                Some(mm.lock_blocking())
            };
            match guard {
                // Half the time through a mapped guard, whose drop unlocks.
                Some(g) if rng.bool() => bump(MutexGuard::map(g, |v| v), &d),
                Some(g) => bump(g, &d),
                None => {}
            }
        }
    };
    run_mixed(seed, 6, 2, task, thread_fn);
    assert_eq!(*m.try_lock().unwrap(), done.load(SeqCst), "seed {seed}");
    assert!(!m.is_locked());
}

/// A thread's increment under a mutex guard, plain or mapped.
fn bump(mut g: impl std::ops::DerefMut<Target = usize>, done: &AtomicUsize) {
    let v = *g;
    thread::yield_now();
    *g = v + 1;
    done.fetch_add(1, SeqCst);
}

#[test]
fn condition_queue_loses_no_item_under_cancellation() {
    // Producer threads push items under the mutex and notify one consumer per
    // item; consumer tasks wait with random cancellation. Every item must be
    // consumed exactly once with no extra nudging: a notification received by
    // a consumer that is then cancelled is passed on.
    let seed = seed();
    let n = rounds();
    let producers = 3;
    let total = n * producers;
    let queue = Arc::new(Mutex::new(VecDeque::new()));
    let cond = Arc::new(Condition::new());
    let consumed = Arc::new(Mutex::new(Vec::new()));
    let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (q, c, got, fin) = (
        queue.clone(),
        cond.clone(),
        consumed.clone(),
        finished.clone(),
    );
    let task = move |mut rng: fastrand::Rng| -> BoxFuture {
        let (queue, cond, consumed, finished) = (q.clone(), c.clone(), got.clone(), fin.clone());
        Box::pin(async move {
            loop {
                let guard = queue.lock().await;
                let ready = |q: &mut syncio::MutexGuard<'_, VecDeque<usize>>| {
                    !q.is_empty() || finished.load(SeqCst)
                };
                let waited = if rng.u8(0..3) == 0 {
                    cancel_after(rng.usize(0..3), cond.wait_for(guard, ready)).await
                } else {
                    Some(cond.wait_for(guard, ready).await)
                };
                let Some(mut g) = waited else { continue };
                let Some(item) = g.pop_front() else {
                    return; // finished and empty
                };
                drop(g);
                let mut all = consumed.lock().await;
                all.push(item);
                if all.len() == total {
                    drop(all);
                    finished.store(true, SeqCst);
                    // Under the lock, so no consumer checks the predicate
                    // between the flag and the notification.
                    let _g = queue.lock().await;
                    cond.notify_all();
                    return;
                }
                drop(all);
                jitter(&mut rng).await;
            }
        })
    };
    let next_item = Arc::new(AtomicUsize::new(0));
    let (q, c) = (queue.clone(), cond.clone());
    let thread_fn = move |mut rng: fastrand::Rng| {
        for _ in 0..n {
            let item = next_item.fetch_add(1, SeqCst);
            q.lock_blocking().push_back(item);
            c.notify(1);
            if rng.u8(0..8) == 0 {
                thread::yield_now();
            }
        }
    };
    run_mixed(seed, 6, producers, task, thread_fn);
    let mut got = consumed.try_lock().unwrap().clone();
    got.sort_unstable();
    assert_eq!(got, (0..total).collect::<Vec<_>>(), "seed {seed}");
    assert!(queue.try_lock().unwrap().is_empty());
    assert_eq!(cond.waiters(), 0, "no consumer left queued (seed {seed})");
}

#[test]
fn barrier_cycles_stay_whole_under_cancellation() {
    const PARTIES: usize = 3;
    let seed = seed();
    let n = rounds() / 3;
    let trips = Arc::new(AtomicUsize::new(0));
    let t = trips.clone();
    let barrier = Arc::new(
        Barrier::with_action(PARTIES, move || {
            t.fetch_add(1, SeqCst);
        })
        .unwrap(),
    );
    let leaders = Arc::new(AtomicUsize::new(0));
    let (b, l) = (barrier.clone(), leaders.clone());
    let task = move |mut rng: fastrand::Rng| -> BoxFuture {
        let (barrier, leaders) = (b.clone(), l.clone());
        Box::pin(async move {
            for _ in 0..n {
                if let Some(r) = cancel_after(rng.usize(0..6), barrier.wait()).await {
                    if r.unwrap().is_leader() {
                        leaders.fetch_add(1, SeqCst);
                    }
                }
            }
        })
    };
    // Only tasks here: a blocking time-out would break the barrier on purpose.
    run_mixed(seed, 9, 0, task, |_| {});
    assert_eq!(
        leaders.load(SeqCst),
        trips.load(SeqCst),
        "one leader per trip (seed {seed})"
    );
    assert_eq!(
        barrier.n_waiting(),
        0,
        "every dropped arrival was taken back"
    );
    assert!(!barrier.is_broken());
}

#[test]
fn event_set_and_clear_racing_waiters_strand_nobody() {
    let seed = seed();
    let n = rounds() / 3;
    let event = Arc::new(Event::new());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let woken = Arc::new(AtomicUsize::new(0));
    let setter = {
        let (event, stop) = (event.clone(), stop.clone());
        thread::spawn(move || {
            while !stop.load(SeqCst) {
                event.set();
                thread::yield_now();
                event.clear();
                thread::sleep(Duration::from_micros(50));
            }
        })
    };
    let (e, w) = (event.clone(), woken.clone());
    let task = move |mut rng: fastrand::Rng| -> BoxFuture {
        let (event, woken) = (e.clone(), w.clone());
        Box::pin(async move {
            for _ in 0..n {
                let done = if rng.bool() {
                    cancel_after(rng.usize(0..3), event.wait()).await.is_some()
                } else {
                    event.wait().await;
                    true
                };
                if done {
                    woken.fetch_add(1, SeqCst);
                }
            }
        })
    };
    let (e, w) = (event.clone(), woken.clone());
    let thread_fn = move |mut rng: fastrand::Rng| {
        for _ in 0..n {
            let done = if rng.bool() {
                e.wait_timeout(Duration::from_micros(rng.u64(0..300)))
            } else {
                e.wait_blocking();
                true
            };
            if done {
                w.fetch_add(1, SeqCst);
            }
        }
    };
    run_mixed(seed, 6, 2, task, thread_fn);
    stop.store(true, SeqCst);
    setter.join().unwrap();
    assert!(
        woken.load(SeqCst) >= 4 * n,
        "uncancelled waits all returned (seed {seed})"
    );
    assert_eq!(event.waiters(), 0, "nobody left queued (seed {seed})");
}

#[test]
fn fifo_order_holds_under_racing_releases_and_cancellation() {
    // Sixteen waiters queue in a known order; three threads release permits
    // while the test thread cancels waiters at random. Whatever the
    // interleaving, the waiters served are exactly the oldest survivors: the
    // surviving queue reads "served, served, ..., waiting, waiting".
    const WAITERS: usize = 16;
    let seed = seed();
    let mut rng = fastrand::Rng::with_seed(seed);
    for round in 0..rounds() / 20 {
        let sem = Semaphore::new(0);
        let mut futs: Vec<Option<Pin<Box<syncio::Acquire<'_>>>>> = (0..WAITERS)
            .map(|_| Some(Box::pin(sem.acquire())))
            .collect();
        for f in futs.iter_mut().flatten() {
            assert!(common::is_pending(f.as_mut()));
        }
        let per_thread = rng.usize(1..=4);
        thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    for _ in 0..per_thread {
                        sem.release(1).unwrap();
                        thread::yield_now();
                    }
                });
            }
            for _ in 0..rng.usize(0..6) {
                let i = rng.usize(0..WAITERS);
                drop(futs[i].take());
                thread::yield_now();
            }
        });
        // Poll every survivor once, keeping what the served ones got (a
        // permit dropped here would be handed on to the next waiter).
        let mut permits = Vec::new();
        let served: Vec<bool> = futs
            .iter_mut()
            .flatten()
            .map(
                |f| match common::poll_once(f.as_mut(), std::task::Waker::noop()) {
                    std::task::Poll::Ready(p) => {
                        permits.push(p.unwrap());
                        true
                    }
                    std::task::Poll::Pending => false,
                },
            )
            .collect();
        let first_waiting = served.iter().position(|s| !s).unwrap_or(served.len());
        assert!(
            served[first_waiting..].iter().all(|s| !s),
            "round {round}: served out of order {served:?} (seed {seed})"
        );
        // Permits conserved: every released permit is held by a served
        // waiter or, if more were released than survivors, still free.
        assert_eq!(
            permits.len() + sem.available_permits(),
            3 * per_thread,
            "seed {seed}"
        );
        drop(permits);
        drop(futs);
        assert_eq!(sem.available_permits(), 3 * per_thread, "seed {seed}");
        assert!(!sem.locked() || sem.available_permits() == 0);
    }
}
