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
