//! loom models of the barrier's races. Run with
//! `RUSTFLAGS="--cfg syncio_loom" cargo test --release --test loom_barrier`.
#![cfg(syncio_loom)]

mod common;

use std::task::Poll;

use common::poll_noop;
use loom::sync::Arc;
use loom::thread;
use syncio::{Barrier, BrokenBarrierError};

#[test]
fn reset_racing_the_last_arrival() {
    loom::model(|| {
        let b = Arc::new(Barrier::new(2).unwrap());
        let mut first = Box::pin(b.wait());
        assert!(poll_noop(first.as_mut()).is_pending());
        let b2 = b.clone();
        let last = thread::spawn(move || {
            let mut fut = Box::pin(b2.wait());
            match poll_noop(fut.as_mut()) {
                Poll::Ready(r) => Some(r),
                Poll::Pending => None, // arrived after the reset: alone, gives up
            }
        });
        b.reset();
        match last.join().unwrap() {
            Some(Ok(r)) => {
                // Tripped before the reset: both passed.
                assert!(r.is_leader());
                assert!(matches!(poll_noop(first.as_mut()), Poll::Ready(Ok(_))));
            }
            Some(Err(e)) => panic!("the last arrival cannot be broken by a reset: {e}"),
            None => {
                assert_eq!(
                    poll_noop(first.as_mut()),
                    Poll::Ready(Err(BrokenBarrierError))
                );
            }
        }
        assert_eq!(b.n_waiting(), 0);
        assert!(!b.is_broken());
    });
}

#[test]
fn cancel_racing_the_last_arrival() {
    // A waiter dropped while the last party arrives: either it was released
    // (and has passed) or its arrival was taken back (and the newcomer waits).
    loom::model(|| {
        // Leaked so the pending future can come back from its thread.
        let b: &'static Barrier = Box::leak(Box::new(Barrier::new(2).unwrap()));
        let mut first = Box::pin(b.wait());
        assert!(poll_noop(first.as_mut()).is_pending());
        let last = thread::spawn(move || {
            let mut fut = Box::pin(b.wait());
            let r = poll_noop(fut.as_mut());
            (r, fut)
        });
        drop(first);
        let (r, mut fut) = last.join().unwrap();
        match r {
            Poll::Ready(r) => assert!(r.unwrap().is_leader()),
            Poll::Pending => {
                assert_eq!(b.n_waiting(), 1);
                assert!(poll_noop(fut.as_mut()).is_pending());
            }
        }
        drop(fut);
        assert_eq!(b.n_waiting(), 0);
    });
}

#[test]
fn abort_racing_an_arrival() {
    loom::model(|| {
        let b = Arc::new(Barrier::new(2).unwrap());
        let b2 = b.clone();
        let t = thread::spawn(move || {
            let mut fut = Box::pin(b2.wait());
            match poll_noop(fut.as_mut()) {
                Poll::Ready(r) => r,
                // Queued before the abort: the abort must release it.
                Poll::Pending => loom::future::block_on(fut),
            }
        });
        b.abort();
        assert_eq!(t.join().unwrap(), Err(BrokenBarrierError));
        assert!(b.is_broken());
    });
}

type WaitResult = Result<syncio::BarrierWaitResult, BrokenBarrierError>;

/// A two-party barrier: a thread waits with a zero time-out while this
/// thread arrives last. Returns (the timed wait's result, the last one's).
fn race_a_timeout_with_the_last_arrival(b: &Arc<Barrier>) -> (WaitResult, WaitResult) {
    let b2 = b.clone();
    let timed = thread::spawn(move || b2.wait_timeout(std::time::Duration::ZERO));
    let mut last = Box::pin(b.wait());
    let last_result = match poll_noop(last.as_mut()) {
        Poll::Ready(r) => r,
        // Arrived first: the other side times out (and breaks it, unless
        // the cycle tripped first).
        Poll::Pending => loom::future::block_on(last),
    };
    (timed.join().unwrap(), last_result)
}

#[test]
fn timeout_racing_the_last_arrival() {
    // Regression (found in review): a timed-out waiter that had just been
    // released by the last arrival broke the barrier anyway. Now either the
    // cycle tripped and both pass, or the time-out won and both are broken.
    loom::model(|| {
        let b = Arc::new(Barrier::new(2).unwrap());
        match race_a_timeout_with_the_last_arrival(&b) {
            (Ok(a), Ok(b_)) => {
                assert!(a.is_leader() != b_.is_leader());
                assert!(!b.is_broken());
            }
            (Err(BrokenBarrierError), Err(BrokenBarrierError)) => assert!(b.is_broken()),
            (a, b_) => panic!("inconsistent outcome: timed {a:?}, other {b_:?}"),
        }
    });
}

#[test]
fn timeout_racing_the_action_of_its_tripped_cycle() {
    // Regression (found in review): a member whose time-out came while the
    // last arrival ran the action broke the cycle that had tripped. Now
    // either the time-out came first (both broken, the action never runs)
    // or the cycle tripped first and both pass.
    loom::model(|| {
        let ran = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let r = ran.clone();
        let b = Arc::new(
            Barrier::with_action(2, move || {
                r.fetch_add(1, loom::sync::atomic::Ordering::SeqCst);
                thread::yield_now();
            })
            .unwrap(),
        );
        let outcome = race_a_timeout_with_the_last_arrival(&b);
        let ran = ran.load(loom::sync::atomic::Ordering::SeqCst);
        match outcome {
            (Ok(a), Ok(b_)) => {
                assert!(a.is_leader() != b_.is_leader());
                assert_eq!(ran, 1);
                assert!(!b.is_broken());
            }
            (Err(BrokenBarrierError), Err(BrokenBarrierError)) => {
                assert_eq!(ran, 0, "a cycle whose action ran is not broken");
                assert!(b.is_broken());
            }
            (a, b_) => panic!("inconsistent outcome: timed {a:?}, other {b_:?}"),
        }
    });
}
