//! Behaviour of `Semaphore` and `BoundedSemaphore`: ordering, fairness,
//! cancellation, time-outs, closing, errors, and tasks and threads sharing one
//! semaphore.
#![cfg(not(syncio_loom))]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use common::{counting_waker, is_pending, poll_once, ready};
use syncio::{
    AcquireError, AcquireTimeoutError, BoundedSemaphore, OwnedSemaphorePermit, ReleaseError,
    Semaphore, SemaphorePermit, TryAcquireError, MAX_PERMITS,
};

#[test]
fn futures_and_permits_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<Semaphore>();
    send_sync::<BoundedSemaphore>();
    send_sync::<syncio::Acquire<'static>>();
    send_sync::<SemaphorePermit<'static>>();
    send_sync::<OwnedSemaphorePermit>();
    send_sync::<OwnedSemaphorePermit<BoundedSemaphore>>();
    let sem = Arc::new(Semaphore::new(1));
    send(&sem.clone().acquire_owned());
    send(&Arc::new(BoundedSemaphore::new(1)).acquire_many_owned(1));
}

#[test]
fn uncontended_acquire_and_release() {
    let sem = Semaphore::new(2);
    let a = futures::executor::block_on(sem.acquire()).unwrap();
    assert_eq!(sem.available_permits(), 1);
    let b = sem.try_acquire().unwrap();
    assert_eq!(sem.available_permits(), 0);
    assert!(sem.locked());
    drop(a);
    drop(b);
    assert_eq!(sem.available_permits(), 2);
    assert!(!sem.locked());
}

#[test]
fn contended_acquire_yields_and_is_woken_by_release() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut fut = Box::pin(sem.acquire());
    let (count, waker) = counting_waker();
    assert!(poll_once(fut.as_mut(), &waker).is_pending());
    assert_eq!(count.count(), 0);
    drop(held);
    assert_eq!(count.count(), 1, "release wakes the waiter");
    // The permit was handed over, not left in the count.
    assert_eq!(sem.available_permits(), 0);
    let permit = ready(fut.as_mut()).unwrap();
    assert_eq!(permit.num_permits(), 1);
}

// A single permit taken without waiting carries the state word its acquire
// left, and its release first tries one CAS on that word. These tests make
// that guess wrong in every way the word can change meanwhile.

#[test]
fn a_release_whose_hint_went_stale_still_counts_right() {
    let sem = Semaphore::new(3);
    let a = sem.try_acquire().unwrap(); // leaves 2
    let b = sem.try_acquire().unwrap(); // leaves 1
    let c = acquire_polled(&sem); // async fast path, leaves 0
    drop(a); // expects 2, finds 0
    assert_eq!(sem.available_permits(), 1);
    sem.release(5).unwrap();
    drop(c); // expects 0, finds 6
    assert_eq!(sem.available_permits(), 7);
    drop(b); // expects 1, finds 7
    assert_eq!(sem.available_permits(), 8);
}

fn acquire_polled(sem: &Semaphore) -> SemaphorePermit<'_> {
    let mut fut = Box::pin(sem.acquire());
    ready(fut.as_mut()).unwrap()
}

#[test]
fn a_hinted_release_hands_over_to_a_waiter_queued_meanwhile() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap(); // hint: free count 0, no waiters
    let mut fut = Box::pin(sem.acquire());
    assert!(is_pending(fut.as_mut()));
    drop(held);
    assert_eq!(sem.available_permits(), 0, "handed over, not counted");
    drop(ready(fut.as_mut()).unwrap());
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn a_hinted_release_after_close_keeps_the_closed_flag() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    sem.close();
    drop(held);
    assert!(sem.is_closed());
    assert_eq!(sem.available_permits(), 1);
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
}

#[test]
fn hinted_permits_split_merge_and_forget_like_any_other() {
    let sem = Semaphore::new(4);
    let mut one = sem.try_acquire().unwrap();
    assert_eq!(one.num_permits(), 1);
    assert!(one.split(2).is_none());
    let zero = one.split(0).unwrap();
    assert_eq!((one.num_permits(), zero.num_permits()), (1, 0));
    drop(zero);
    one.merge(sem.try_acquire_many(2).unwrap());
    assert_eq!(one.num_permits(), 3);
    assert_eq!(sem.available_permits(), 1);
    let single = one.split(1).unwrap();
    drop(one);
    assert_eq!(sem.available_permits(), 3);
    single.forget();
    assert_eq!(sem.available_permits(), 3);
    let bounded = BoundedSemaphore::new(1);
    bounded.try_acquire().unwrap().forget();
    bounded.release(1).unwrap();
    assert_eq!(bounded.available_permits(), 1);
    assert!(
        bounded.release(1).is_err(),
        "a bounded semaphore still refuses"
    );
}

#[test]
fn waiters_are_served_in_fifo_order() {
    let sem = Semaphore::new(0);
    let mut futs: Vec<_> = (0..5).map(|_| Box::pin(sem.acquire())).collect();
    for f in &mut futs {
        assert!(is_pending(f.as_mut()));
    }
    for i in 0..5 {
        sem.release(1).unwrap();
        for (j, f) in futs.iter_mut().enumerate().skip(i + 1) {
            assert!(is_pending(f.as_mut()), "waiter {j} overtook waiter {i}");
        }
        ready(futs[i].as_mut()).unwrap().forget();
    }
}

#[test]
fn fifo_holds_for_acquire_many() {
    let sem = Semaphore::new(3);
    let mut big = Box::pin(sem.acquire_many(5));
    let mut small = Box::pin(sem.acquire_many(1));
    assert!(is_pending(big.as_mut()));
    // Three permits are free, but the small request queued behind the big one.
    assert!(is_pending(small.as_mut()));
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    assert!(sem.locked(), "locked() is true while a waiter is queued");
    sem.release(1).unwrap();
    assert!(is_pending(small.as_mut()));
    sem.release(1).unwrap();
    let big_permit = ready(big.as_mut()).unwrap();
    assert_eq!(big_permit.num_permits(), 5);
    assert!(is_pending(small.as_mut()));
    drop(big_permit);
    assert_eq!(ready(small.as_mut()).unwrap().num_permits(), 1);
    assert_eq!(sem.available_permits(), 5);
}

#[test]
fn newcomer_try_acquire_never_overtakes_a_waiter() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut waiter = Box::pin(sem.acquire());
    assert!(is_pending(waiter.as_mut()));
    drop(held);
    // The released permit went to the waiter, so a newcomer finds none.
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    assert!(ready(waiter.as_mut()).is_ok());
}

#[test]
fn cancel_while_queued_lets_the_next_waiter_move_up() {
    let sem = Semaphore::new(2);
    let mut big = Box::pin(sem.acquire_many(3));
    let mut small = Box::pin(sem.acquire());
    assert!(is_pending(big.as_mut()));
    assert!(is_pending(small.as_mut()));
    let (count, waker) = counting_waker();
    assert!(poll_once(small.as_mut(), &waker).is_pending());
    drop(big);
    assert_eq!(count.count(), 1, "the waiter behind is woken");
    let permit = ready(small.as_mut()).unwrap();
    assert_eq!(sem.available_permits(), 1);
    drop(permit);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn cancel_after_grant_passes_the_permit_on() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut first = Box::pin(sem.acquire());
    let mut second = Box::pin(sem.acquire());
    assert!(is_pending(first.as_mut()));
    let (count, waker) = counting_waker();
    assert!(poll_once(second.as_mut(), &waker).is_pending());
    drop(held); // granted to `first`, which is never polled again
    assert_eq!(count.count(), 0);
    drop(first);
    assert_eq!(count.count(), 1, "the permit moved on to `second`");
    assert!(ready(second.as_mut()).is_ok());
}

#[test]
fn a_granted_waiter_not_polled_again_holds_back_no_one_behind_it() {
    let sem = Semaphore::new(0);
    let mut first = Box::pin(sem.acquire());
    let mut second = Box::pin(sem.acquire());
    assert!(is_pending(first.as_mut()));
    let (count, waker) = counting_waker();
    assert!(poll_once(second.as_mut(), &waker).is_pending());
    sem.release(1).unwrap(); // granted to `first`, whose task has not run yet
    sem.release(1).unwrap();
    assert_eq!(
        count.count(),
        1,
        "the second release serves `second` at once"
    );
    let second_permit = ready(second.as_mut()).unwrap();
    let first_permit = ready(first.as_mut()).unwrap();
    assert_eq!(sem.available_permits(), 0);
    drop((first_permit, second_permit));
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn cancel_after_grant_with_no_one_waiting_returns_the_permits() {
    let sem = Semaphore::new(0);
    let mut fut = Box::pin(sem.acquire_many(2));
    assert!(is_pending(fut.as_mut()));
    sem.release(2).unwrap();
    assert_eq!(sem.available_permits(), 0);
    drop(fut);
    assert_eq!(sem.available_permits(), 2);
    assert!(!sem.locked());
}

#[test]
fn acquire_many_zero_succeeds_at_once() {
    let sem = Semaphore::new(0);
    let p = futures::executor::block_on(sem.acquire_many(0)).unwrap();
    assert_eq!(p.num_permits(), 0);
    assert!(sem.try_acquire_many(0).is_ok());
    sem.close();
    assert_eq!(
        sem.try_acquire_many(0).unwrap_err(),
        TryAcquireError::Closed
    );
}

#[test]
fn close_fails_pending_and_future_acquires() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut waiter = Box::pin(sem.acquire());
    let (count, waker) = counting_waker();
    assert!(poll_once(waiter.as_mut(), &waker).is_pending());
    thread::scope(|s| {
        let blocked = s.spawn(|| sem.acquire_blocking().map(drop));
        // Whether or not the thread has queued yet, it must see the close.
        thread::sleep(Duration::from_millis(20));
        sem.close();
        assert_eq!(blocked.join().unwrap(), Err(AcquireError::Closed));
    });
    assert_eq!(count.count(), 1);
    assert_eq!(ready(waiter.as_mut()).unwrap_err(), AcquireError::Closed);
    assert!(sem.is_closed());
    assert_eq!(
        futures::executor::block_on(sem.acquire()).unwrap_err(),
        AcquireError::Closed
    );
    assert_eq!(
        sem.acquire_timeout(Duration::from_secs(1)).unwrap_err(),
        AcquireTimeoutError::Closed
    );
    // Held permits stay valid and are given back normally.
    drop(held);
    assert_eq!(sem.available_permits(), 1);
    sem.release(1).unwrap();
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn acquire_timeout_expires_and_gives_up_its_place() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let t = Instant::now();
    assert_eq!(
        sem.acquire_timeout(Duration::from_millis(30)).unwrap_err(),
        AcquireTimeoutError::Timeout
    );
    assert!(t.elapsed() >= Duration::from_millis(30));
    // Nothing was left queued: a release makes the permit free again.
    drop(held);
    assert!(!sem.locked());
    assert_eq!(sem.available_permits(), 1);
    let deadline = Instant::now() + Duration::from_millis(5);
    let _p = sem.acquire_many_deadline(1, deadline).unwrap();
    assert_eq!(
        sem.acquire_deadline(Instant::now()).unwrap_err(),
        AcquireTimeoutError::Timeout
    );
}

#[test]
fn acquire_timeout_succeeds_when_released_in_time() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    thread::scope(|s| {
        let t = s.spawn(|| {
            sem.acquire_timeout(Duration::from_secs(10))
                .map(|p| p.num_permits())
        });
        thread::sleep(Duration::from_millis(20));
        drop(held);
        assert_eq!(t.join().unwrap(), Ok(1));
    });
}

#[test]
fn timed_out_thread_does_not_strand_the_waiter_behind_it() {
    // A thread needing 2 permits times out; the task behind it needing 1 must
    // then get the free permit.
    let sem = Semaphore::new(1);
    thread::scope(|s| {
        let t = s.spawn(|| {
            // Long enough for the task below to queue behind it first.
            sem.acquire_many_timeout(2, Duration::from_millis(500))
                .map(drop)
        });
        while !sem.locked() {
            thread::yield_now();
        }
        let mut task = Box::pin(sem.acquire());
        let (count, waker) = counting_waker();
        assert!(poll_once(task.as_mut(), &waker).is_pending());
        assert_eq!(t.join().unwrap(), Err(AcquireTimeoutError::Timeout));
        assert_eq!(count.count(), 1);
        assert!(ready(task.as_mut()).is_ok());
    });
}

#[test]
fn huge_timeout_waits_without_overflow() {
    let sem = Semaphore::new(1);
    assert!(sem.acquire_timeout(Duration::MAX).is_ok());
}

#[test]
fn max_permits_is_enforced_before_any_change() {
    let sem = Semaphore::new(MAX_PERMITS);
    assert_eq!(
        sem.release(1),
        Err(ReleaseError::Overflow {
            released: 1,
            max: MAX_PERMITS
        })
    );
    assert_eq!(sem.available_permits(), MAX_PERMITS);
    let sem = Semaphore::new(5);
    assert!(sem.release(MAX_PERMITS - 5).is_ok());
    assert!(sem.release(1).is_err());
    assert!(sem.release(usize::MAX).is_err());
    assert_eq!(sem.available_permits(), MAX_PERMITS);

    let sem = Semaphore::new(1);
    let too_many = AcquireError::TooManyPermits {
        requested: MAX_PERMITS + 1,
        max: MAX_PERMITS,
    };
    assert_eq!(
        futures::executor::block_on(sem.acquire_many(MAX_PERMITS + 1)).unwrap_err(),
        too_many
    );
    assert_eq!(
        sem.acquire_many_blocking(usize::MAX).unwrap_err(),
        AcquireError::TooManyPermits {
            requested: usize::MAX,
            max: MAX_PERMITS,
        }
    );
    assert!(matches!(
        sem.try_acquire_many(MAX_PERMITS + 1),
        Err(TryAcquireError::TooManyPermits { .. })
    ));
    assert!(matches!(
        sem.acquire_many_timeout(MAX_PERMITS + 1, Duration::ZERO),
        Err(AcquireTimeoutError::TooManyPermits { .. })
    ));
    assert_eq!(sem.available_permits(), 1);
    assert!(!sem.locked());
}

#[test]
#[should_panic(expected = "MAX_PERMITS")]
fn new_above_max_permits_panics() {
    let _ = Semaphore::new(MAX_PERMITS + 1);
}

#[test]
fn bounded_semaphore_refuses_over_release() {
    let sem = BoundedSemaphore::new(2);
    assert_eq!(
        sem.release(1),
        Err(ReleaseError::AboveBound {
            released: 1,
            bound: 2
        })
    );
    assert_eq!(sem.available_permits(), 2);
    // Permits dropped normally never trip it.
    {
        let _a = sem.try_acquire().unwrap();
        let _b = futures::executor::block_on(sem.acquire()).unwrap();
    }
    assert_eq!(sem.available_permits(), 2);
    // A held guard cannot be released by hand behind its back.
    let guard = sem.try_acquire().unwrap();
    assert!(sem.release(1).is_err());
    drop(guard);
    // Python's acquire() ... release() pairing: forget, then release.
    sem.try_acquire_many(2).unwrap().forget();
    assert!(sem.release(3).is_err(), "checked before any change");
    assert_eq!(sem.available_permits(), 0);
    sem.release(2).unwrap();
    assert!(sem.release(1).is_err());
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn bounded_semaphore_rejects_requests_above_its_bound() {
    let sem = Arc::new(BoundedSemaphore::new(2));
    assert_eq!(
        futures::executor::block_on(sem.acquire_many(3)).unwrap_err(),
        AcquireError::TooManyPermits {
            requested: 3,
            max: 2
        }
    );
    assert!(sem.clone().try_acquire_many_owned(3).is_err());
    let owned = sem.clone().try_acquire_many_owned(2).unwrap();
    owned.forget();
    sem.release(2).unwrap();
    assert_eq!(sem.bound(), 2);
}

#[test]
fn bounded_release_hands_permits_to_waiters() {
    let sem = BoundedSemaphore::new(1);
    sem.try_acquire().unwrap().forget();
    let mut waiter = Box::pin(sem.acquire());
    assert!(is_pending(waiter.as_mut()));
    sem.release(1).unwrap();
    let p = ready(waiter.as_mut()).unwrap();
    drop(p);
    assert_eq!(sem.available_permits(), 1);
}

/// `Mutex` (and `Lock`, built on it) locks and unlocks with one
/// compare-and-swap on a guessed state word; a wrong guess (a waiter queued)
/// must fall back to the FIFO hand-off.
#[test]
fn mutex_guessed_fast_paths_fall_back_to_the_hand_off() {
    let m = syncio::Mutex::new(0);
    let held = m.try_lock().unwrap();
    assert!(m.try_lock().is_none());
    let mut waiter = Box::pin(m.lock());
    let (count, waker) = counting_waker();
    assert!(poll_once(waiter.as_mut(), &waker).is_pending());
    drop(held); // a waiter is queued: handed over, not unlocked
    assert_eq!(count.count(), 1);
    assert!(m.is_locked());
    assert!(m.try_lock().is_none(), "nobody overtakes the served waiter");
    let mut guard = ready(waiter.as_mut());
    *guard += 1;
    drop(guard);
    assert!(!m.is_locked());
    *m.lock_blocking() += 1;
    assert_eq!(*m.try_lock().unwrap(), 2);
}

/// The blocking acquire's uncontended path is inlined: a closed semaphore
/// and an impossible request must still be seen.
#[test]
fn inlined_blocking_acquire_sees_closing_and_bounds() {
    let sem = BoundedSemaphore::new(1);
    let held = sem.try_acquire().unwrap();
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    let mut waiter = Box::pin(sem.acquire());
    let (count, waker) = counting_waker();
    assert!(poll_once(waiter.as_mut(), &waker).is_pending());
    drop(held); // waiters queued: a FIFO hand-off, not a return to the count
    assert_eq!(count.count(), 1);
    assert_eq!(sem.available_permits(), 0);
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    let handed = ready(waiter.as_mut()).unwrap();
    drop(handed);
    assert_eq!(sem.available_permits(), 1);
    drop(sem.acquire_blocking().unwrap());

    sem.try_acquire().unwrap().forget();
    sem.close();
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    sem.release(1).unwrap();
    assert_eq!(sem.available_permits(), 1);
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    assert_eq!(sem.acquire_blocking().unwrap_err(), AcquireError::Closed);

    let never = BoundedSemaphore::new(0);
    assert!(matches!(
        never.acquire_blocking(),
        Err(AcquireError::TooManyPermits {
            requested: 1,
            max: 0
        })
    ));
}

#[test]
fn permits_split_merge_and_forget() {
    let sem = Semaphore::new(4);
    let mut p = sem.try_acquire_many(3).unwrap();
    let q = p.split(2).unwrap();
    assert!(p.split(5).is_none());
    assert_eq!((p.num_permits(), q.num_permits()), (1, 2));
    p.merge(q);
    assert_eq!(p.num_permits(), 3);
    assert!(std::ptr::eq(p.semaphore(), &sem));
    p.forget();
    assert_eq!(sem.available_permits(), 1);
    sem.release(3).unwrap();
    assert_eq!(sem.available_permits(), 4);
}

#[test]
#[should_panic(expected = "different semaphores")]
fn merging_permits_of_different_semaphores_panics() {
    let a = Semaphore::new(1);
    let b = Semaphore::new(1);
    let mut p = a.try_acquire().unwrap();
    p.merge(b.try_acquire().unwrap());
}

#[test]
fn owned_permits_outlive_the_borrow() {
    let sem = Arc::new(Semaphore::new(2));
    let mut p = futures::executor::block_on(sem.clone().acquire_many_owned(2)).unwrap();
    let one = p.split(1).unwrap();
    assert!(Arc::ptr_eq(one.semaphore(), &sem));
    thread::spawn(move || drop(one)).join().unwrap();
    assert_eq!(sem.available_permits(), 1);
    let q = sem.clone().try_acquire_owned().unwrap();
    p.merge(q);
    assert_eq!(p.num_permits(), 2);
    drop(p);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn dropping_an_owned_acquire_future_is_cancel_safe() {
    let sem = Arc::new(Semaphore::new(0));
    let mut fut = Box::pin(sem.clone().acquire_owned());
    assert!(is_pending(fut.as_mut()));
    sem.release(1).unwrap();
    drop(fut);
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn static_semaphores_work() {
    static SEM: Semaphore = Semaphore::new(1);
    static BSEM: BoundedSemaphore = BoundedSemaphore::new(1);
    drop(SEM.try_acquire().unwrap());
    drop(BSEM.acquire_blocking().unwrap());
    assert_eq!(SEM.available_permits() + BSEM.available_permits(), 2);
}

#[test]
fn debug_output_names_the_state() {
    let sem = BoundedSemaphore::new(3);
    let s = format!("{sem:?}");
    assert!(
        s.contains("available_permits: 3") && s.contains("bound: 3"),
        "{s}"
    );
    let p = sem.try_acquire().unwrap();
    assert!(format!("{p:?}").contains("permits: 1"));
}

/// Tracks concurrent holders of a semaphore.
struct Holders {
    now: AtomicUsize,
    max_seen: AtomicUsize,
    total: AtomicUsize,
}

impl Holders {
    fn new() -> Self {
        Holders {
            now: AtomicUsize::new(0),
            max_seen: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
        }
    }
    fn enter(&self, n: usize) {
        let now = self.now.fetch_add(n, SeqCst) + n;
        self.max_seen.fetch_max(now, SeqCst);
        self.total.fetch_add(1, SeqCst);
    }
    fn leave(&self, n: usize) {
        self.now.fetch_sub(n, SeqCst);
    }
}

#[test]
fn tasks_on_several_executors_and_threads_share_one_semaphore() {
    const PERMITS: usize = 3;
    const ROUNDS: usize = 300;
    let sem = Arc::new(Semaphore::new(PERMITS));
    let holders = Arc::new(Holders::new());

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let mut tokio_tasks = Vec::new();
    for i in 0..4 {
        let (sem, holders) = (sem.clone(), holders.clone());
        tokio_tasks.push(rt.spawn(async move {
            for r in 0..ROUNDS {
                let n = 1 + (i + r) % 2;
                let p = sem.acquire_many(n).await.unwrap();
                holders.enter(n);
                tokio::task::yield_now().await;
                holders.leave(n);
                drop(p);
            }
        }));
    }
    let mut threads = Vec::new();
    for i in 0..2 {
        let (sem, holders) = (sem.clone(), holders.clone());
        threads.push(thread::spawn(move || {
            for r in 0..ROUNDS {
                let n = 1 + (i + r) % 3;
                let p = if r % 2 == 0 {
                    sem.acquire_many_blocking(n).unwrap()
                } else {
                    match sem.acquire_many_timeout(n, Duration::from_micros(50)) {
                        Ok(p) => p,
                        Err(AcquireTimeoutError::Timeout) => continue,
                        Err(e) => panic!("{e}"),
                    }
                };
                holders.enter(n);
                thread::yield_now();
                holders.leave(n);
                drop(p);
            }
        }));
    }
    {
        let (sem, holders) = (sem.clone(), holders.clone());
        threads.push(thread::spawn(move || {
            smol::block_on(async {
                for _ in 0..ROUNDS {
                    let p = sem.clone().acquire_owned().await.unwrap();
                    holders.enter(1);
                    smol::future::yield_now().await;
                    holders.leave(1);
                    drop(p);
                }
            })
        }));
    }
    {
        let (sem, holders) = (sem.clone(), holders.clone());
        threads.push(thread::spawn(move || {
            futures::executor::block_on(async {
                for _ in 0..ROUNDS {
                    let p = sem.acquire().await.unwrap();
                    holders.enter(1);
                    holders.leave(1);
                    drop(p);
                }
            })
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    rt.block_on(async {
        for t in tokio_tasks {
            t.await.unwrap();
        }
    });
    assert!(holders.max_seen.load(SeqCst) <= PERMITS);
    assert_eq!(holders.now.load(SeqCst), 0);
    assert!(holders.total.load(SeqCst) >= 4 * ROUNDS + 2 * ROUNDS);
    assert_eq!(sem.available_permits(), PERMITS, "permits conserved");
    assert!(!sem.locked(), "no waiter left queued");
}

#[test]
fn tokio_tasks_are_granted_in_arrival_order() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    rt.block_on(async {
        let sem = Arc::new(Semaphore::new(0));
        let mut handles = Vec::new();
        for i in 0..10 {
            let (sem, order) = (sem.clone(), order.clone());
            handles.push(tokio::spawn(async move {
                let p = sem.acquire().await.unwrap();
                order.lock().unwrap().push(i);
                p.forget();
            }));
            // Let task i queue before task i + 1 is spawned.
            tokio::task::yield_now().await;
        }
        sem.release(10).unwrap();
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(*order.lock().unwrap(), (0..10).collect::<Vec<_>>());
}

#[test]
fn tokio_select_cancellation_loses_no_permit() {
    let rt = common::tokio_rt();
    let sem = Arc::new(Semaphore::new(2));
    rt.block_on(async {
        let mut handles = Vec::new();
        for i in 0..16u64 {
            let sem = sem.clone();
            handles.push(tokio::spawn(async move {
                let mut got = 0;
                for r in 0..100u64 {
                    let wait = Duration::from_micros((i * 7 + r * 13) % 200);
                    tokio::select! {
                        p = sem.acquire() => {
                            let _p = p.unwrap();
                            got += 1;
                            tokio::task::yield_now().await;
                        }
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
                got
            }));
        }
        let mut total = 0;
        for h in handles {
            total += h.await.unwrap();
        }
        assert!(total > 0);
    });
    assert_eq!(sem.available_permits(), 2);
    assert!(!sem.locked());
}

fn barging(bound: Duration) -> syncio::Fairness {
    syncio::Fairness::Barging {
        starvation_bound: bound,
    }
}

#[test]
fn barging_lets_a_newcomer_take_a_permit_ahead_of_a_woken_waiter() {
    let sem = Semaphore::with_fairness(1, barging(Duration::MAX));
    assert_eq!(sem.fairness(), barging(Duration::MAX));
    let held = sem.try_acquire().unwrap();
    let mut waiter = Box::pin(sem.acquire());
    let (count, waker) = counting_waker();
    assert!(poll_once(waiter.as_mut(), &waker).is_pending());
    assert!(sem.locked());
    drop(held);
    assert_eq!(count.count(), 1, "the waiter is woken");
    assert_eq!(sem.available_permits(), 1, "but not handed the permit");
    assert!(
        !sem.locked(),
        "barging: free means not locked, queue or not"
    );
    let newcomer = sem.try_acquire().expect("a running caller may barge");
    assert!(poll_once(waiter.as_mut(), &waker).is_pending());
    drop(newcomer);
    assert_eq!(count.count(), 2, "woken again by the next release");
    assert!(ready(waiter.as_mut()).is_ok());
    assert!(format!("{sem:?}").contains("waiters: 0"));
}

#[test]
fn barging_serves_a_starving_waiter_by_hand_off() {
    let sem = Semaphore::with_fairness(1, barging(Duration::from_millis(1)));
    let held = sem.try_acquire().unwrap();
    let mut waiter = Box::pin(sem.acquire());
    assert!(is_pending(waiter.as_mut()));
    thread::sleep(Duration::from_millis(5));
    drop(held);
    // First in line for longer than the bound: handed the permit directly.
    assert_eq!(sem.available_permits(), 0);
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    assert!(ready(waiter.as_mut()).is_ok());
}

/// A starving waiter that has been woken and has not run yet is not served
/// behind its back: it competes when it runs, like any caller. The first
/// release that finds it waiting again hands it the permit.
#[test]
fn barging_starving_waiter_woken_but_not_run_is_served_once_it_waits_again() {
    let sem = Semaphore::with_fairness(1, barging(Duration::from_millis(1)));
    let held = sem.try_acquire().unwrap();
    let mut waiter = Box::pin(sem.acquire());
    let (count, waker) = counting_waker();
    assert!(poll_once(waiter.as_mut(), &waker).is_pending());
    drop(held); // within the bound: wakes the waiter, the permit stays free
    assert_eq!(count.count(), 1);
    let barger = sem.try_acquire().expect("a running caller may barge");
    thread::sleep(Duration::from_millis(5));
    drop(barger);
    // Starving, but its wake-up is still pending: the permit stays free for
    // whoever runs first, and nobody is woken twice.
    assert_eq!(sem.available_permits(), 1);
    assert_eq!(count.count(), 1);
    let barger = sem.try_acquire().expect("a running caller may barge");
    // The waiter runs, finds nothing free, and waits again.
    assert!(poll_once(waiter.as_mut(), &waker).is_pending());
    drop(barger);
    // It is found waiting past the bound: handed the permit directly.
    assert_eq!(count.count(), 2);
    assert_eq!(sem.available_permits(), 0);
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    assert!(poll_once(waiter.as_mut(), &waker).is_ready());
    assert!(format!("{sem:?}").contains("waiters: 0"));
}

/// A release while the oldest waiter is woken and has not run wakes nobody
/// (that waiter takes the permit when it runs); once it has left, the next
/// release wakes the waiter behind it.
#[test]
fn barging_release_while_the_oldest_is_woken_leaves_the_permit_for_it() {
    let sem = Semaphore::with_fairness(1, barging(Duration::MAX));
    let held = sem.try_acquire().unwrap();
    let (first_count, first_waker) = counting_waker();
    let (second_count, second_waker) = counting_waker();
    let mut first = Box::pin(sem.acquire());
    let mut second = Box::pin(sem.acquire());
    assert!(poll_once(first.as_mut(), &first_waker).is_pending());
    assert!(poll_once(second.as_mut(), &second_waker).is_pending());
    drop(held);
    assert_eq!(first_count.count(), 1);
    drop(sem.try_acquire().expect("a running caller may barge"));
    assert_eq!((first_count.count(), second_count.count()), (1, 0));
    assert_eq!(sem.available_permits(), 1);
    let Poll::Ready(Ok(permit)) = poll_once(first.as_mut(), &first_waker) else {
        panic!("the woken waiter takes the free permit when it runs");
    };
    assert_eq!(second_count.count(), 0);
    drop(permit);
    assert_eq!(second_count.count(), 1, "the next oldest is woken");
    assert!(poll_once(second.as_mut(), &second_waker).is_ready());
    assert!(format!("{sem:?}").contains("waiters: 0"));
}

#[test]
fn barging_woken_waiter_dropped_passes_the_wake_up_on() {
    let sem = Semaphore::with_fairness(1, barging(Duration::MAX));
    let held = sem.try_acquire().unwrap();
    let mut first = Box::pin(sem.acquire());
    let mut second = Box::pin(sem.acquire());
    assert!(is_pending(first.as_mut()));
    let (count, waker) = counting_waker();
    assert!(poll_once(second.as_mut(), &waker).is_pending());
    drop(held); // wakes `first`
    assert_eq!(count.count(), 0);
    drop(first); // never ran: the wake-up moves on
    assert_eq!(count.count(), 1);
    assert!(ready(second.as_mut()).is_ok());
}

#[test]
fn barging_under_contention_conserves_permits() {
    const PERMITS: usize = 2;
    let sem = Arc::new(Semaphore::with_fairness(PERMITS, syncio::Fairness::BARGING));
    let holders = Arc::new(AtomicUsize::new(0));
    let rt = common::tokio_rt();
    let tasks = spawn_holders(&rt, &sem, &holders, PERMITS, 300);
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (sem, holders) = (sem.clone(), holders.clone());
            thread::spawn(move || {
                for i in 0..300 {
                    let p = if i % 2 == 0 {
                        sem.acquire_blocking().unwrap()
                    } else {
                        match sem.acquire_timeout(Duration::from_micros(50)) {
                            Ok(p) => p,
                            Err(_) => continue,
                        }
                    };
                    assert!(holders.fetch_add(1, SeqCst) < PERMITS);
                    thread::yield_now();
                    holders.fetch_sub(1, SeqCst);
                    drop(p);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    rt.block_on(async {
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(sem.available_permits(), PERMITS);
    assert!(format!("{sem:?}").contains("waiters: 0"));
}

/// Six tasks on `rt`, each taking a permit `rounds` times and yielding while
/// it holds it, checking that no more than `permits` hold one at once.
fn spawn_holders(
    rt: &tokio::runtime::Runtime,
    sem: &Arc<Semaphore>,
    holders: &Arc<AtomicUsize>,
    permits: usize,
    rounds: usize,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..6)
        .map(|_| {
            let (sem, holders) = (sem.clone(), holders.clone());
            rt.spawn(async move {
                for _ in 0..rounds {
                    let p = sem.acquire().await.unwrap();
                    assert!(holders.fetch_add(1, SeqCst) < permits);
                    tokio::task::yield_now().await;
                    holders.fetch_sub(1, SeqCst);
                    drop(p);
                }
            })
        })
        .collect()
}

/// Regression (found in review): a starving waiter for several permits was
/// passed over forever, because it was served only when its whole request
/// was free at once and barging callers took each permit as it came back.
/// Now a starving waiter stops the barging until it is served.
#[test]
fn barging_starving_multi_permit_waiter_is_served() {
    let sem = Semaphore::with_fairness(2, barging(Duration::from_millis(1)));
    let a = sem.try_acquire().unwrap();
    let b = sem.try_acquire().unwrap();
    let mut big = Box::pin(sem.acquire_many(2));
    assert!(is_pending(big.as_mut()));
    thread::sleep(Duration::from_millis(5));
    drop(a); // one free; the starving waiter needs two
    assert!(is_pending(big.as_mut()));
    assert_eq!(
        sem.try_acquire().unwrap_err(),
        TryAcquireError::NoPermits,
        "no barging past a starving waiter"
    );
    assert!(sem.locked());
    drop(b);
    assert_eq!(ready(big.as_mut()).unwrap().num_permits(), 2);
    // Served: barging resumes.
    drop(big);
    assert!(sem.try_acquire().is_ok());
    assert!(format!("{sem:?}").contains("waiters: 0"));
}

/// `forget_waiters` (for the Python bindings' `fork()`): every waiter leaves
/// the queue unserved and is woken; one that still runs starts over, at the
/// back; the count is unchanged and the next release is not handed to a
/// forgotten waiter.
#[test]
fn forget_waiters_leaves_the_count_and_lets_live_waiters_start_over() {
    for fairness in [syncio::Fairness::Fifo, syncio::Fairness::BARGING] {
        let sem = Semaphore::with_fairness(0, fairness);
        let (woken_a, waker_a) = counting_waker();
        let (woken_b, waker_b) = counting_waker();
        let mut a = std::pin::pin!(sem.acquire());
        let mut b = std::pin::pin!(sem.acquire());
        assert!(poll_once(a.as_mut(), &waker_a).is_pending());
        assert!(poll_once(b.as_mut(), &waker_b).is_pending());
        sem.forget_waiters();
        assert_eq!((woken_a.count(), woken_b.count()), (1, 1), "{fairness:?}");
        sem.release(1).unwrap();
        assert_eq!(
            sem.available_permits(),
            1,
            "not handed to a forgotten waiter"
        );
        // `b` runs first now and starts over: it takes the free permit.
        let permit = ready(b.as_mut()).unwrap();
        assert!(is_pending(a.as_mut()), "`a` queues anew");
        drop(permit);
        drop(ready(a.as_mut()).unwrap());
        assert_eq!(sem.available_permits(), 1);
    }
    // A blocked thread starts over too, and is served by a later release.
    let sem = Semaphore::new(0);
    std::thread::scope(|s| {
        let t = s.spawn(|| sem.acquire_blocking().unwrap().forget());
        while format!("{sem:?}").contains("waiters: 0") {
            std::thread::yield_now();
        }
        sem.forget_waiters();
        sem.release(1).unwrap();
        t.join().unwrap();
    });
    assert_eq!(sem.available_permits(), 0);
}

/// Found in review: merging permits added their counts unchecked. Past
/// `MAX_PERMITS` (reachable only after raw releases put more permits in
/// circulation) the merged permit misreported its count and its drop gave
/// back one permit, or none; the owned one wrapped around in release builds.
#[test]
fn merging_permits_past_max_permits_panics_and_loses_nothing() {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    let sem = Semaphore::new(MAX_PERMITS);
    let mut all = sem.try_acquire_many(MAX_PERMITS).unwrap();
    sem.release(MAX_PERMITS).unwrap(); // raw: twice the maximum in circulation
    let one = sem.try_acquire().unwrap();
    let merge = catch_unwind(AssertUnwindSafe(|| all.merge(one)));
    let msg = *merge.unwrap_err().downcast::<String>().unwrap();
    assert!(msg.contains("exceed MAX_PERMITS"), "{msg}");
    assert_eq!(all.num_permits(), MAX_PERMITS, "unchanged");
    assert_eq!(
        sem.available_permits(),
        MAX_PERMITS,
        "the other gave its permit back"
    );
    all.forget();

    let sem = Arc::new(Semaphore::new(MAX_PERMITS));
    let mut all = Arc::clone(&sem)
        .try_acquire_many_owned(MAX_PERMITS)
        .unwrap();
    sem.release(MAX_PERMITS).unwrap();
    let two = Arc::clone(&sem).try_acquire_many_owned(2).unwrap();
    assert!(catch_unwind(AssertUnwindSafe(|| all.merge(two))).is_err());
    assert_eq!(all.num_permits(), MAX_PERMITS);
    assert_eq!(sem.available_permits(), MAX_PERMITS);
    all.forget();

    // Within the limit, merging adds up.
    let sem = Semaphore::new(5);
    let mut a = sem.try_acquire_many(2).unwrap();
    a.merge(sem.try_acquire_many(3).unwrap());
    assert_eq!(a.num_permits(), 5);
    drop(a);
    assert_eq!(sem.available_permits(), 5);
}

#[test]
fn forget_permits_takes_set_aside_permits_and_keeps_the_queue_order() {
    let sem = Semaphore::new(0);
    let mut big = Box::pin(sem.acquire_many(3));
    let mut small = Box::pin(sem.acquire());
    assert!(is_pending(big.as_mut()) && is_pending(small.as_mut()));
    sem.release(2).unwrap(); // set aside for `big`, which asked for 3
    assert_eq!(sem.available_permits(), 2);
    assert_eq!(sem.forget_permits(5), 2);
    assert_eq!(sem.available_permits(), 0);
    sem.release(1).unwrap();
    assert!(is_pending(big.as_mut()) && is_pending(small.as_mut()));
    sem.release(3).unwrap(); // `big` first, then `small`
    assert_eq!(ready(big.as_mut()).unwrap().num_permits(), 3);
    assert_eq!(ready(small.as_mut()).unwrap().num_permits(), 1);
    assert_eq!(sem.forget_permits(0), 0);
}

#[test]
fn forget_permits_on_a_closed_or_bounded_semaphore() {
    let sem = Semaphore::new(2);
    sem.close();
    assert_eq!(sem.forget_permits(1), 1);
    assert_eq!(sem.available_permits(), 1);

    let bounded = BoundedSemaphore::new(3);
    let held = bounded.try_acquire().unwrap();
    assert_eq!(bounded.forget_permits(usize::MAX), 2);
    assert!(matches!(
        bounded.release(3),
        Err(ReleaseError::AboveBound { .. })
    ));
    bounded.release(2).unwrap();
    drop(held);
    assert_eq!(bounded.available_permits(), 3);
    assert!(bounded.release(1).is_err());
}

/// `forget_permits` racing acquires, releases and hand-offs, FIFO and
/// barging: no more holders than permits at any time, and once every
/// forgotten permit is released again the count is back where it started
/// (a permit both forgotten and handed to a waiter would leave one too
/// many).
#[test]
fn forget_permits_under_contention_conserves_permits() {
    const PERMITS: usize = 3;
    for fairness in [syncio::Fairness::Fifo, syncio::Fairness::BARGING] {
        let sem = Arc::new(Semaphore::with_fairness(PERMITS, fairness));
        let holders = Arc::new(AtomicUsize::new(0));
        let rt = common::tokio_rt();
        let tasks = spawn_holders(&rt, &sem, &holders, PERMITS, 400);
        let shrinker = {
            let sem = sem.clone();
            thread::spawn(move || {
                let mut taken = 0;
                for i in 0..4000 {
                    taken += sem.forget_permits(1 + i % 2);
                    if i % 3 == 0 {
                        // Never below one permit for long: the tasks go on.
                        sem.release(taken).unwrap();
                        taken = 0;
                    }
                    thread::yield_now();
                }
                sem.release(taken).unwrap();
            })
        };
        shrinker.join().unwrap();
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        assert_eq!(sem.available_permits(), PERMITS, "{fairness:?}");
        assert!(format!("{sem:?}").contains("waiters: 0"));
    }
}

#[test]
fn owned_blocking_acquires_wait_in_line_and_report_errors() {
    let sem = Arc::new(Semaphore::new(1));
    let held = sem.clone().acquire_owned_blocking().unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let waiters: Vec<_> = (0..3)
        .map(|i| {
            let (mine, order) = (sem.clone(), order.clone());
            let t = thread::spawn(move || {
                let permit = mine.acquire_owned_blocking().unwrap();
                order.lock().unwrap().push(i);
                drop(permit);
            });
            // Queued in this order before the next one starts.
            while format!("{sem:?}").contains(&format!("waiters: {i}")) {
                assert!(!t.is_finished(), "waiter {i} did not wait");
                thread::yield_now();
            }
            t
        })
        .collect();
    drop(held);
    for t in waiters {
        t.join().unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [0, 1, 2]);
    assert_eq!(sem.available_permits(), 1);

    let one = sem.clone().acquire_many_owned_blocking(1).unwrap();
    sem.close();
    assert_eq!(
        sem.clone().acquire_owned_blocking().unwrap_err(),
        AcquireError::Closed
    );
    drop(one);

    let bounded = Arc::new(BoundedSemaphore::new(2));
    assert_eq!(
        bounded.clone().acquire_many_owned_blocking(3).unwrap_err(),
        AcquireError::TooManyPermits {
            requested: 3,
            max: 2
        }
    );
    let p = bounded.clone().acquire_many_owned_blocking(2).unwrap();
    let t = {
        let bounded = bounded.clone();
        thread::spawn(move || bounded.acquire_owned_blocking().unwrap().num_permits())
    };
    drop(p);
    assert_eq!(t.join().unwrap(), 1);
    assert_eq!(bounded.available_permits(), 2);
}
