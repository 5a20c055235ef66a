//! loom models of the lock's races. Run with
//! `RUSTFLAGS="--cfg syncio_loom" cargo test --release --test loom_lock`.
#![cfg(syncio_loom)]

mod common;

use common::poll_noop;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;
use syncio::{Lock, Mutex, NotLockedError};

#[test]
fn task_and_thread_exclude_each_other() {
    loom::model(|| {
        let m = Arc::new(Mutex::new(0usize));
        let m2 = m.clone();
        let t = thread::spawn(move || {
            let mut g = m2.lock_blocking();
            *g += 1;
        });
        {
            let mut g = block_on(m.lock());
            *g += 1;
        }
        t.join().unwrap();
        assert_eq!(*m.try_lock().unwrap(), 2);
    });
}

#[test]
fn unlock_racing_a_cancelled_waiter_passes_the_lock_on() {
    loom::model(|| {
        let lock = Arc::new(Lock::new());
        lock.try_acquire().unwrap().forget();
        let mut cancelled = Box::pin(lock.acquire());
        assert!(poll_noop(cancelled.as_mut()).is_pending());
        let l = lock.clone();
        let waiter = thread::spawn(move || block_on(l.acquire()).forget());
        let l = lock.clone();
        let releaser = thread::spawn(move || l.release().unwrap());
        drop(cancelled);
        releaser.join().unwrap();
        waiter.join().unwrap();
        // The surviving waiter holds it (forgotten); exactly one release fits.
        assert!(lock.locked());
        lock.release().unwrap();
        assert_eq!(lock.release(), Err(NotLockedError));
    });
}

#[test]
fn timeout_racing_unlock_for_a_blocked_thread() {
    loom::model(|| {
        let m = Arc::new(Mutex::new(()));
        let held = m.try_lock().unwrap();
        let m2 = m.clone();
        let t = thread::spawn(move || m2.lock_timeout(std::time::Duration::ZERO).is_some());
        drop(held);
        let _got = t.join().unwrap();
        assert!(
            !m.is_locked(),
            "the lock is free whether the thread got it or not"
        );
    });
}
