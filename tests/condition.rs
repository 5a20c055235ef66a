//! Behaviour of `Condition`: FIFO notify, `notify(n)`, `wait_for` and its
//! predicate value, passing on a notification whose waiter was dropped or
//! timed out, several conditions on one lock, tasks and threads together.
#![cfg(not(syncio_loom))]

mod common;

use std::collections::VecDeque;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{counting_waker, is_pending, poll_once, ready};
use syncio::{Condition, Lock, Mutex};

#[test]
fn futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Condition>();
    send_sync::<syncio::ConditionWait<'static, syncio::MutexGuard<'static, Vec<u8>>>>();
    send_sync::<syncio::ConditionWait<'static, syncio::LockGuard<'static>>>();
}

/// Regression: with a lifetime parameter on the guard trait, an async block
/// awaiting a wait was not `Send` ("implementation of `ConditionGuard` is not
/// general enough"), so it could not be `tokio::spawn`ed.
#[test]
fn an_async_block_awaiting_a_wait_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let (m, lock, cond) = (Mutex::new(0), Lock::new(), Condition::new());
    let fut = async {
        let g = cond.wait_for(m.lock().await, |n| **n > 0).await;
        drop(g);
        drop(cond.wait(lock.acquire().await).await);
    };
    assert_send(&fut);
}

#[test]
fn wait_releases_the_lock_and_gets_it_back() {
    let m = Mutex::new(0);
    let cond = Condition::new();
    let mut w = Box::pin(cond.wait(m.try_lock().unwrap()));
    assert!(m.is_locked(), "nothing happens before the first poll");
    assert!(is_pending(w.as_mut()));
    assert!(!m.is_locked(), "waiting releases the lock");
    assert_eq!(cond.waiters(), 1);
    *m.try_lock().unwrap() = 5;
    assert_eq!(cond.notify(1), 1);
    let g = ready(w.as_mut());
    assert_eq!(*g, 5);
    assert!(m.is_locked());
}

#[test]
fn notify_wakes_the_longest_waiting_first() {
    let lock = Lock::new();
    let cond = Condition::new();
    let mut ws: Vec<_> = (0..4)
        .map(|_| {
            let mut w = Box::pin(cond.wait(lock.try_acquire().unwrap()));
            assert!(is_pending(w.as_mut()));
            w
        })
        .collect();
    assert_eq!(cond.notify(2), 2);
    // Waiters 0 and 1 were notified; 2 and 3 still wait.
    assert!(is_pending(ws[2].as_mut()));
    assert!(is_pending(ws[3].as_mut()));
    drop(ready(ws[0].as_mut()));
    drop(ready(ws[1].as_mut()));
    assert_eq!(cond.waiters(), 2);
    assert_eq!(cond.notify_all(), 2);
    assert_eq!(cond.notify(1), 0, "no-op with nobody waiting");
    drop(ready(ws[2].as_mut()));
    drop(ready(ws[3].as_mut()));
    assert!(!lock.locked());
}

#[test]
fn notified_waiter_then_dropped_passes_the_notification_on() {
    let lock = Lock::new();
    let cond = Condition::new();
    let mut a = Box::pin(cond.wait(lock.try_acquire().unwrap()));
    assert!(is_pending(a.as_mut()));
    let mut b = Box::pin(cond.wait(lock.try_acquire().unwrap()));
    let (count, waker) = counting_waker();
    assert!(poll_once(b.as_mut(), &waker).is_pending());
    cond.notify(1); // goes to `a`
    assert_eq!(count.count(), 0);
    drop(a); // dropped before it could return: `b` gets the notification
    assert_eq!(count.count(), 1);
    drop(ready(b.as_mut()));
}

#[test]
fn waiter_dropped_while_relocking_passes_the_notification_on() {
    let m = Mutex::new(());
    let cond = Condition::new();
    let mut a = Box::pin(cond.wait(m.try_lock().unwrap()));
    assert!(is_pending(a.as_mut()));
    let mut b = Box::pin(cond.wait(m.try_lock().unwrap()));
    assert!(is_pending(b.as_mut()));
    let held = m.try_lock().unwrap();
    cond.notify(1);
    // `a` is notified but the lock is busy: it waits to re-acquire.
    assert!(is_pending(a.as_mut()));
    drop(a);
    drop(held);
    // The notification moved on to `b`, as CPython does since gh-112202.
    drop(ready(b.as_mut()));
    assert_eq!(cond.waiters(), 0);
}

#[test]
fn a_dropped_waiter_that_was_not_notified_steals_nothing() {
    let lock = Lock::new();
    let cond = Condition::new();
    let mut a = Box::pin(cond.wait(lock.try_acquire().unwrap()));
    assert!(is_pending(a.as_mut()));
    let mut b = Box::pin(cond.wait(lock.try_acquire().unwrap()));
    assert!(is_pending(b.as_mut()));
    drop(a);
    assert_eq!(cond.waiters(), 1);
    assert!(is_pending(b.as_mut()), "no spurious notification");
    cond.notify(1);
    drop(ready(b.as_mut()));
}

/// Regression (found in review): unlocking in the first poll could panic (a
/// lock waiter's waker panicking on hand-off) while the future still thought
/// it had not queued, so its drop left the node linked and aborted.
#[test]
fn a_panic_while_unlocking_leaves_the_queue_clean() {
    struct PanicsOnWake;
    impl std::task::Wake for PanicsOnWake {
        fn wake(self: Arc<Self>) {
            panic!("waker panicked");
        }
    }
    let m = Mutex::new(());
    let cond = Condition::new();
    let guard = m.try_lock().unwrap();
    let mut lock_waiter = Box::pin(m.lock());
    let bad = std::task::Waker::from(Arc::new(PanicsOnWake));
    assert!(poll_once(lock_waiter.as_mut(), &bad).is_pending());
    let mut wait = Box::pin(cond.wait(guard));
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = poll_once(wait.as_mut(), std::task::Waker::noop());
    }));
    assert!(
        res.is_err(),
        "the hand-off's wake panicked through the poll"
    );
    drop(wait);
    assert_eq!(cond.waiters(), 0);
    // The lock was handed to the waiter despite its waker.
    drop(ready(lock_waiter.as_mut()));
    assert!(!m.is_locked());
}

#[test]
fn wait_timeout_reports_whether_it_was_notified() {
    let m = Mutex::new(0);
    let cond = Condition::new();
    let t = Instant::now();
    let (g, notified) = cond.wait_timeout(m.lock_blocking(), Duration::from_millis(20));
    assert!(!notified);
    assert!(t.elapsed() >= Duration::from_millis(20));
    assert!(m.is_locked(), "the lock is re-acquired after a time-out");
    drop(g);
    assert_eq!(cond.waiters(), 0, "a timed-out waiter leaves the queue");
    thread::scope(|s| {
        let waiter = s.spawn(|| {
            let (g, notified) = cond.wait_timeout(m.lock_blocking(), Duration::from_secs(10));
            (*g, notified)
        });
        while cond.waiters() == 0 {
            thread::yield_now();
        }
        *m.lock_blocking() = 9;
        cond.notify(1);
        assert_eq!(waiter.join().unwrap(), (9, true));
    });
}

#[test]
fn timed_out_thread_does_not_swallow_a_notification() {
    // A thread times out; a notification sent afterwards must reach the
    // task queued behind it.
    let m = Mutex::new(());
    let cond = Condition::new();
    thread::scope(|s| {
        let t = s.spawn(|| {
            cond.wait_timeout(m.lock_blocking(), Duration::from_millis(30))
                .1
        });
        while cond.waiters() == 0 {
            thread::yield_now();
        }
        let mut task = Box::pin(cond.wait(m.lock_blocking()));
        assert!(is_pending(task.as_mut()));
        assert!(!t.join().unwrap());
        assert_eq!(cond.notify(1), 1);
        drop(ready(task.as_mut()));
    });
}

#[test]
fn wait_for_checks_the_predicate_under_the_lock() {
    let m = Arc::new(Mutex::new(0));
    let cond = Arc::new(Condition::new());
    let (m2, cond2) = (m.clone(), cond.clone());
    let setter = thread::spawn(move || {
        for i in 1..=5 {
            thread::sleep(Duration::from_millis(2));
            *m2.lock_blocking() = i;
            cond2.notify_all();
        }
    });
    let mut checks = 0;
    let g = futures::executor::block_on(cond.wait_for(m.lock_blocking(), |n| {
        checks += 1;
        **n >= 5
    }));
    assert_eq!(*g, 5);
    assert!(checks >= 2);
    drop(g);
    setter.join().unwrap();
    let g = cond.wait_for_blocking(m.lock_blocking(), |n| **n == 5);
    assert_eq!(*g, 5);
}

#[test]
fn wait_for_timeout_returns_the_predicates_last_value() {
    let m = Mutex::new(false);
    let cond = Condition::new();
    let (g, value) = cond.wait_for_timeout(m.lock_blocking(), Duration::from_millis(10), |b| **b);
    assert!(!value);
    drop(g);
    *m.lock_blocking() = true;
    let (g, value) = cond.wait_for_timeout(m.lock_blocking(), Duration::from_millis(10), |b| **b);
    assert!(value);
    drop(g);
    let (_g, value) = cond.wait_for_timeout(m.lock_blocking(), Duration::MAX, |b| **b);
    assert!(value);
}

#[test]
fn a_panicking_predicate_releases_the_lock() {
    let m = Mutex::new(0);
    let cond = Condition::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        cond.wait_for_blocking(m.lock_blocking(), |_| panic!("bad predicate"))
    }));
    assert!(result.is_err());
    assert!(!m.is_locked());
    assert_eq!(cond.waiters(), 0);
}

#[test]
fn two_conditions_share_one_lock() {
    // A bounded queue: producers wait on `not_full`, consumers on `not_empty`.
    const ITEMS: usize = 400;
    let queue = Arc::new(Mutex::new(VecDeque::new()));
    let not_empty = Arc::new(Condition::new());
    let not_full = Arc::new(Condition::new());
    let rt = common::tokio_rt();
    let producer = {
        let (queue, not_empty, not_full) = (queue.clone(), not_empty.clone(), not_full.clone());
        rt.spawn(async move {
            for i in 0..ITEMS {
                let g = queue.lock().await;
                let mut g = not_full.wait_for(g, |q| q.len() < 4).await;
                g.push_back(i);
                drop(g);
                not_empty.notify(1);
            }
        })
    };
    let consumer = {
        let (queue, not_empty, not_full) = (queue.clone(), not_empty.clone(), not_full.clone());
        thread::spawn(move || {
            let mut got = Vec::new();
            while got.len() < ITEMS {
                let mut g = not_empty.wait_for_blocking(queue.lock_blocking(), |q| !q.is_empty());
                got.push(g.pop_front().unwrap());
                drop(g);
                not_full.notify(1);
            }
            got
        })
    };
    let got = consumer.join().unwrap();
    rt.block_on(producer).unwrap();
    assert_eq!(got, (0..ITEMS).collect::<Vec<_>>());
}

#[test]
fn lock_guards_work_with_conditions_across_threads() {
    let lock = Arc::new(Lock::new());
    let cond = Arc::new(Condition::new());
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (lock, cond) = (lock.clone(), cond.clone());
            thread::spawn(move || {
                let g = cond.wait_blocking(lock.acquire_blocking());
                assert!(lock.locked());
                drop(g);
            })
        })
        .collect();
    while cond.waiters() < 3 {
        thread::yield_now();
    }
    let _g = lock.acquire_blocking();
    assert_eq!(cond.notify_all(), 3);
    drop(_g);
    for t in threads {
        t.join().unwrap();
    }
    assert!(!lock.locked());
}

#[test]
fn cancelled_waits_under_tokio_lose_no_notification() {
    // Every round, 8 waiters queue; some are cancelled at random points; then
    // as many notifications as there are survivors are sent. Every survivor
    // must return: none of its notifications was swallowed by a cancelled one.
    let rt = common::tokio_rt();
    rt.block_on(async {
        let m = Arc::new(Mutex::new(()));
        let cond = Arc::new(Condition::new());
        for round in 0..50u64 {
            let mut handles = Vec::new();
            for i in 0..8u64 {
                let (m, cond) = (m.clone(), cond.clone());
                handles.push(tokio::spawn(async move {
                    let g = m.lock().await;
                    let cancel_after = Duration::from_micros((round * 13 + i * 29) % 400);
                    let cancellable = i % 3 == 0;
                    tokio::select! {
                        g = cond.wait(g) => { drop(g); true }
                        _ = tokio::time::sleep(cancel_after), if cancellable => false
                    }
                }));
            }
            while cond.waiters() < 8 && handles.iter().all(|h| !h.is_finished()) {
                tokio::task::yield_now().await;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
            // Keep notifying one at a time until every task is done.
            let deadline = Instant::now() + Duration::from_secs(10);
            while !handles.iter().all(|h| h.is_finished()) {
                assert!(Instant::now() < deadline, "a waiter was stranded");
                cond.notify(1);
                tokio::task::yield_now().await;
            }
            for h in handles {
                h.await.unwrap();
            }
            assert_eq!(cond.waiters(), 0);
            assert!(!m.is_locked());
        }
    });
}

/// `notified()`: the wait for a lock of the caller's own (Python's
/// `Condition(lock)` with any lock).
#[test]
fn notified_enabled_before_unlocking_catches_an_early_notify() {
    let cond = Condition::new();
    let mut first = Box::pin(cond.notified());
    let mut second = Box::pin(cond.notified());
    first.as_mut().enable();
    second.as_mut().enable();
    second.as_mut().enable(); // a second call changes nothing
    assert_eq!(cond.waiters(), 2);
    // Notified before either is polled: FIFO, the first enabled gets it.
    assert_eq!(cond.notify(1), 1);
    let (count, waker) = counting_waker();
    assert!(poll_once(first.as_mut(), &waker).is_ready());
    assert!(poll_once(second.as_mut(), &waker).is_pending());
    assert_eq!(count.count(), 0);
    assert_eq!(cond.notify(1), 1);
    assert_eq!(count.count(), 1);
    ready(second.as_mut());
    assert_eq!(cond.waiters(), 0);
}

#[test]
fn notified_dropped_after_its_notification_passes_it_on() {
    let cond = Condition::new();
    let mut first = Box::pin(cond.notified());
    let mut second = Box::pin(cond.notified());
    first.as_mut().enable();
    second.as_mut().enable();
    cond.notify(1);
    drop(first); // notified, never returned
    ready(second.as_mut());
    // A dropped waiter that was never notified takes nothing.
    let mut third = Box::pin(cond.notified());
    third.as_mut().enable();
    drop(third);
    assert_eq!(cond.waiters(), 0);
    assert_eq!(cond.notify(1), 0);
}

#[test]
fn notified_blocking_forms_time_out_and_are_woken_from_another_thread() {
    let cond = Arc::new(Condition::new());
    let mut timed = Box::pin(cond.notified());
    let start = Instant::now();
    assert!(!timed.as_mut().wait_timeout(Duration::from_millis(20)));
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(cond.waiters(), 0, "a timed-out wait leaves the queue");

    let std_lock = std::sync::Mutex::new(false);
    let guard = std_lock.lock().unwrap();
    let mut notified = Box::pin(cond.notified());
    notified.as_mut().enable();
    thread::scope(|s| {
        s.spawn(|| {
            *std_lock.lock().unwrap() = true;
            cond.notify_all();
        });
        drop(guard);
        assert!(notified
            .as_mut()
            .wait_deadline(Instant::now() + Duration::from_secs(10)));
    });
    assert!(*std_lock.lock().unwrap());
}

#[test]
fn a_given_up_wait_relocks_and_leaves_later_notifications_to_others() {
    let m = Mutex::new(0);
    let cond = Condition::new();
    let mut a = Box::pin(cond.wait(m.try_lock().unwrap()));
    assert!(is_pending(a.as_mut()));
    let mut b = Box::pin(cond.wait(m.try_lock().unwrap()));
    assert!(is_pending(b.as_mut()));
    let held = m.try_lock().unwrap();
    a.as_mut().give_up();
    assert_eq!(cond.waiters(), 1, "out of the queue at once");
    cond.notify(1); // for `b`, not for `a`, which gave up
    assert!(is_pending(a.as_mut()), "re-acquiring the held lock");
    drop(held);
    let guard = ready(a.as_mut());
    assert!(!a.was_notified());
    assert!(m.is_locked());
    a.as_mut().give_up(); // done: nothing happens
    drop(guard);
    drop(ready(b.as_mut()));
    assert!(b.was_notified());
    assert_eq!(cond.waiters(), 0);
}

#[test]
fn a_wait_given_up_after_its_notification_keeps_it() {
    let lock = Lock::new();
    let cond = Condition::new();
    let mut a = Box::pin(cond.wait(lock.try_acquire().unwrap()));
    assert!(is_pending(a.as_mut()));
    let mut b = Box::pin(cond.wait(lock.try_acquire().unwrap()));
    assert!(is_pending(b.as_mut()));
    cond.notify(1); // reaches `a` before it gives up
    a.as_mut().give_up();
    drop(ready(a.as_mut()));
    assert!(a.was_notified());
    assert_eq!(cond.waiters(), 1, "`b` still waits");
    drop(b);
}

#[test]
fn a_wait_given_up_before_its_first_poll_never_unlocks() {
    let lock = Lock::new();
    let cond = Condition::new();
    let mut a = Box::pin(cond.wait(lock.try_acquire().unwrap()));
    a.as_mut().give_up();
    assert!(lock.locked());
    assert_eq!(cond.waiters(), 0);
    let guard = ready(a.as_mut());
    assert!(!a.was_notified());
    assert_eq!(cond.notify(1), 0);
    drop(guard);
    assert!(!lock.locked());
}

#[test]
fn an_async_wait_times_out_under_tokio_and_keeps_its_guard() {
    let rt = common::tokio_rt();
    let m = Arc::new(Mutex::new(0u32));
    let cond = Arc::new(Condition::new());
    rt.block_on(async {
        let mut wait = std::pin::pin!(cond.wait(m.lock().await));
        let timed_out = tokio::time::timeout(Duration::from_millis(10), wait.as_mut())
            .await
            .is_err();
        assert!(timed_out);
        wait.as_mut().give_up();
        let mut guard = wait.as_mut().await;
        assert!(!wait.was_notified());
        *guard += 1;
    });
    assert_eq!(*m.try_lock().unwrap(), 1);
    assert_eq!(cond.waiters(), 0);
}
