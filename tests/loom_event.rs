//! loom models of the event's races. Run with
//! `RUSTFLAGS="--cfg syncio_loom" cargo test --release --test loom_event`.
#![cfg(syncio_loom)]

mod common;

use common::poll_noop;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use syncio::Event;

#[test]
fn set_and_clear_racing_a_queued_waiter() {
    // A waiter queued before `set` returns even if `clear` follows at once and
    // whatever the moment its thread re-polls.
    loom::model(|| {
        // Leaked so the queued future can move to another thread.
        let e: &'static Event = Box::leak(Box::new(Event::new()));
        let mut fut = Box::pin(e.wait());
        assert!(poll_noop(fut.as_mut()).is_pending());
        let t = thread::spawn(move || block_on(fut));
        e.set();
        e.clear();
        t.join().unwrap();
        assert!(!e.is_set());
    });
}

#[test]
fn set_racing_a_waiter_arriving() {
    loom::model(|| {
        let e = Arc::new(Event::new());
        let e2 = e.clone();
        let t = thread::spawn(move || block_on(e2.wait()));
        e.set();
        t.join().unwrap();
        assert_eq!(e.waiters(), 0);
    });
}

#[test]
fn a_released_waiter_sees_the_flag_up() {
    // `set` raises the flag before it releases anyone: a waiter that returns
    // and then looks finds it set (nobody clears here).
    loom::model(|| {
        let e: &'static Event = Box::leak(Box::new(Event::new()));
        let mut fut = Box::pin(e.wait());
        assert!(poll_noop(fut.as_mut()).is_pending());
        let t = thread::spawn(move || {
            block_on(fut);
            assert!(e.is_set(), "released, yet the flag looks down");
        });
        e.set();
        t.join().unwrap();
    });
}

#[test]
fn clear_racing_the_set_that_releases_a_queued_waiter() {
    // Whichever way `clear` and the releasing `set` interleave, the queued
    // waiter returns, nobody is left queued, and the event works after.
    loom::model(|| {
        let e: &'static Event = Box::leak(Box::new(Event::new()));
        let mut fut = Box::pin(e.wait());
        assert!(poll_noop(fut.as_mut()).is_pending());
        let setter = thread::spawn(move || e.set());
        let clearer = thread::spawn(move || e.clear());
        block_on(fut);
        setter.join().unwrap();
        clearer.join().unwrap();
        assert_eq!(e.waiters(), 0);
        e.clear();
        assert!(!e.is_set());
        e.set();
        assert!(e.is_set());
    });
}
