//! loom models of the condition's races. Run with
//! `RUSTFLAGS="--cfg syncio_loom" cargo test --release --test loom_condition`.
#![cfg(syncio_loom)]

mod common;

use common::poll_noop;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use syncio::{Condition, Mutex};

#[test]
fn notify_racing_a_dropped_waiter() {
    // Two waiters queued; one is dropped while another thread notifies one.
    // Whichever comes first, the surviving waiter is notified.
    loom::model(|| {
        let m = Arc::new(Mutex::new(()));
        let cond = Arc::new(Condition::new());
        let mut dropped = Box::pin(cond.wait(m.try_lock().unwrap()));
        assert!(poll_noop(dropped.as_mut()).is_pending());
        let mut survivor = Box::pin(cond.wait(m.try_lock().unwrap()));
        assert!(poll_noop(survivor.as_mut()).is_pending());
        let c = cond.clone();
        let notifier = thread::spawn(move || assert_eq!(c.notify(1), 1));
        drop(dropped);
        notifier.join().unwrap();
        assert!(poll_noop(survivor.as_mut()).is_ready(), "notification lost");
        assert_eq!(cond.waiters(), 0);
    });
}

#[test]
fn notify_racing_a_waiter_releasing_the_lock() {
    // The waiter queues before it unlocks, so a notifier that takes the lock
    // after it can never miss it.
    loom::model(|| {
        let m = Arc::new(Mutex::new(false));
        let cond = Arc::new(Condition::new());
        let (m2, c2) = (m.clone(), cond.clone());
        let notifier = thread::spawn(move || {
            *m2.lock_blocking() = true;
            c2.notify_all();
        });
        let g = block_on(cond.wait_for(block_on(m.lock()), |ready| **ready));
        assert!(*g);
        drop(g);
        notifier.join().unwrap();
    });
}

#[test]
fn notify_racing_a_waiter_giving_up() {
    // Two waiters queued; the first gives up while another thread notifies
    // one. The notification is kept by the first (which then says so) or
    // reaches the second, never both and never neither; the first gets
    // its guard back either way.
    loom::model(|| {
        let m = Arc::new(Mutex::new(()));
        let cond = Arc::new(Condition::new());
        let mut first = Box::pin(cond.wait(m.try_lock().unwrap()));
        assert!(poll_noop(first.as_mut()).is_pending());
        let mut second = Box::pin(cond.wait(m.try_lock().unwrap()));
        assert!(poll_noop(second.as_mut()).is_pending());
        let c = cond.clone();
        let notifier = thread::spawn(move || assert_eq!(c.notify(1), 1));
        first.as_mut().give_up();
        notifier.join().unwrap();
        let guard = block_on(first.as_mut());
        let kept = first.was_notified();
        drop(guard);
        assert_eq!(
            poll_noop(second.as_mut()).is_ready(),
            !kept,
            "the notification went to exactly one waiter"
        );
        assert_eq!(cond.waiters(), usize::from(kept));
    });
}
