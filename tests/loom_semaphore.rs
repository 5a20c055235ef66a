//! loom models of the semaphore's races. Run with
//! `RUSTFLAGS="--cfg syncio_loom" cargo test --release --test loom_semaphore`.
#![cfg(syncio_loom)]

mod common;

use std::time::Duration;

use common::poll_noop;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use syncio::{AcquireError, AcquireTimeoutError, Semaphore, TryAcquireError};

fn no_waiters(sem: &Semaphore) -> bool {
    format!("{sem:?}").contains("waiters: 0")
}

/// A waiter (FIFO: granted by the release; barging: woken to retry, after
/// failing to take and registering its waker) never misses the release.
fn release_racing_acquire_with(make: fn(usize) -> Semaphore) {
    loom::model(move || {
        let sem = Arc::new(make(0));
        let s = sem.clone();
        let t = thread::spawn(move || drop(block_on(s.acquire()).unwrap()));
        sem.release(1).unwrap();
        t.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
        assert!(!sem.locked());
        assert!(no_waiters(&sem));
    });
}

/// A queued waiter is dropped while a release serves it (FIFO: grants it the
/// permit; barging: wakes it): the next waiter gets the permit either way.
fn cancel_racing_hand_off_with(make: fn(usize) -> Semaphore) {
    loom::model(move || {
        let sem = Arc::new(make(0));
        let mut first = Box::pin(sem.acquire());
        assert!(poll_noop(first.as_mut()).is_pending());
        let s = sem.clone();
        let second = thread::spawn(move || block_on(s.acquire()).unwrap().forget());
        let s = sem.clone();
        let releaser = thread::spawn(move || s.release(1).unwrap());
        drop(first);
        releaser.join().unwrap();
        second.join().unwrap();
        assert_eq!(sem.available_permits(), 0);
        assert!(no_waiters(&sem));
    });
}

#[test]
fn release_racing_acquire() {
    release_racing_acquire_with(Semaphore::new);
}

#[test]
fn fast_release_racing_a_waiter_being_queued() {
    // Two permits released one by one by two threads while a waiter for two
    // queues: it must get both, whatever the interleaving of the lock-free
    // release and the locked enqueue.
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let (s1, s2) = (sem.clone(), sem.clone());
        let r1 = thread::spawn(move || s1.release(1).unwrap());
        let r2 = thread::spawn(move || s2.release(1).unwrap());
        let permit = block_on(sem.acquire_many(2)).unwrap();
        assert_eq!(permit.num_permits(), 2);
        r1.join().unwrap();
        r2.join().unwrap();
        drop(permit);
        assert_eq!(sem.available_permits(), 2);
        assert!(no_waiters(&sem));
    });
}

#[test]
fn cancel_racing_hand_off() {
    // A waiter is dropped just as a release grants it the permit: the permit
    // ends up back in the semaphore either way.
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s = sem.clone();
        let t = thread::spawn(move || {
            let mut fut = Box::pin(s.acquire());
            let _ = poll_noop(fut.as_mut());
            drop(fut);
        });
        sem.release(1).unwrap();
        t.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
        assert!(!sem.locked());
    });
}

#[test]
fn cancel_racing_hand_off_passes_the_permit_to_the_next_waiter() {
    cancel_racing_hand_off_with(Semaphore::new);
}

#[test]
fn timeout_racing_release_for_a_blocked_thread() {
    // Under loom a timed wait times out right after its first poll.
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s = sem.clone();
        let t = thread::spawn(move || s.acquire_timeout(Duration::ZERO).map(|p| p.num_permits()));
        sem.release(1).unwrap();
        let result = t.join().unwrap();
        assert!(
            matches!(result, Ok(1) | Err(AcquireTimeoutError::Timeout)),
            "{result:?}"
        );
        assert_eq!(sem.available_permits(), 1);
        assert!(!sem.locked());
    });
}

#[test]
fn close_racing_acquire() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s = sem.clone();
        let t = thread::spawn(move || block_on(s.acquire()).map(|p| p.forget()));
        sem.close();
        assert_eq!(t.join().unwrap(), Err(AcquireError::Closed));
        assert!(no_waiters(&sem));
    });
}

#[test]
fn newcomer_racing_a_grant_never_barges() {
    // A waiter for two permits is queued; one thread releases two permits
    // while another tries to take one. The newcomer may only succeed after the
    // waiter was served.
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let mut big = Box::pin(sem.acquire_many(2));
        assert!(poll_noop(big.as_mut()).is_pending());
        let s = sem.clone();
        let releaser = thread::spawn(move || s.release(2).unwrap());
        let s = sem.clone();
        let newcomer = thread::spawn(move || match s.try_acquire() {
            Ok(p) => {
                p.forget();
                true
            }
            Err(e) => {
                assert_eq!(e, TryAcquireError::NoPermits);
                false
            }
        });
        releaser.join().unwrap();
        assert!(
            !newcomer.join().unwrap(),
            "the newcomer took a permit owed to the waiter"
        );
        assert_eq!(
            poll_noop(big.as_mut()).map(|r| r.unwrap().num_permits()),
            std::task::Poll::Ready(2)
        );
    });
}

/// Barging with a starvation bound that is never reached (no clock under
/// loom): only the wake-and-retry path runs.
fn barging(permits: usize) -> Semaphore {
    barging_bounded(permits, Duration::MAX)
}

fn barging_bounded(permits: usize, starvation_bound: Duration) -> Semaphore {
    Semaphore::with_fairness(permits, syncio::Fairness::Barging { starvation_bound })
}

#[test]
fn barging_release_racing_a_waiter_registering() {
    release_racing_acquire_with(barging);
}

/// Barging with a zero starvation bound: the oldest waiter is starving as
/// soon as it is first in line, so every release that finds it waiting
/// hands off to it (and a woken one still competes when it runs).
fn barging_starved(permits: usize) -> Semaphore {
    barging_bounded(permits, Duration::ZERO)
}

#[test]
fn barging_starved_release_racing_a_waiter_registering() {
    release_racing_acquire_with(barging_starved);
}

#[test]
fn barging_starved_waiter_dropped_passes_the_permit_on() {
    cancel_racing_hand_off_with(barging_starved);
}

#[test]
fn barging_newcomer_racing_a_woken_waiter() {
    newcomer_racing_a_woken_waiter_with(barging);
}

#[test]
fn barging_starved_newcomer_racing_a_woken_waiter() {
    newcomer_racing_a_woken_waiter_with(barging_starved);
}

/// A newcomer may take (and give back) the permit a release makes free while
/// a blocked thread waits: the waiter gets it in the end, whatever the order.
fn newcomer_racing_a_woken_waiter_with(make: fn(usize) -> Semaphore) {
    loom::model(move || {
        let sem = Arc::new(make(0));
        let s = sem.clone();
        let waiter = thread::spawn(move || drop(block_on(s.acquire()).unwrap()));
        let s = sem.clone();
        let newcomer = thread::spawn(move || {
            if let Ok(p) = s.try_acquire() {
                drop(p); // gives it back: the waiter must still get it
            }
        });
        sem.release(1).unwrap();
        newcomer.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
        assert!(no_waiters(&sem));
    });
}

#[test]
fn barging_woken_waiter_dropped_passes_the_wake_up_on() {
    cancel_racing_hand_off_with(barging);
}

/// `forget_permits` racing a release that hands permits over to a waiter
/// for two, with one permit set aside for it: each permit is either
/// forgotten or granted, never both (a lock-free decrement lost to the
/// release's store under the queue lock would grant a forgotten permit).
fn forget_racing_hand_off_with(make: fn(usize) -> Semaphore) {
    loom::model(move || {
        let sem = Arc::new(make(1));
        let s = sem.clone();
        let waiter = thread::spawn(move || block_on(s.acquire_many(2)).unwrap().forget());
        let s = sem.clone();
        let forgetter = thread::spawn(move || s.forget_permits(1));
        let s = sem.clone();
        let releaser = thread::spawn(move || s.release(1).unwrap());
        let forgotten = forgetter.join().unwrap();
        releaser.join().unwrap();
        // Whatever was forgotten comes back, so the waiter can be served.
        sem.release(forgotten).unwrap();
        waiter.join().unwrap();
        // Two permits in all, both taken and forgotten by the waiter.
        assert_eq!(sem.available_permits(), 0);
        assert!(no_waiters(&sem));
    });
}

#[test]
fn forget_permits_racing_hand_off() {
    forget_racing_hand_off_with(Semaphore::new);
}

/// Barging has no store under the lock (every change is a CAS): this one
/// checks that permits are conserved.
#[test]
fn barging_forget_permits_racing_hand_off() {
    forget_racing_hand_off_with(barging);
}
