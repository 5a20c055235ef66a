//! Behaviour of `Event`: wake-all, the generation rule, time-outs,
//! cancellation, tasks and threads together.
#![cfg(not(syncio_loom))]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{counting_waker, is_pending, poll_once, ready};
use syncio::Event;

#[test]
fn futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Event>();
    send_sync::<syncio::EventWait<'static>>();
}

#[test]
fn wait_returns_at_once_when_set() {
    let e = Event::new();
    e.set();
    e.set(); // idempotent
    ready(Box::pin(e.wait()).as_mut());
    assert!(e.wait_timeout(Duration::ZERO));
    e.wait_blocking();
}

#[test]
fn set_wakes_every_waiter() {
    let e = Event::new();
    let mut futs: Vec<_> = (0..4).map(|_| Box::pin(e.wait())).collect();
    let (count, waker) = counting_waker();
    for f in &mut futs {
        assert!(poll_once(f.as_mut(), &waker).is_pending());
    }
    e.set();
    assert_eq!(count.count(), 4);
    for f in &mut futs {
        ready(f.as_mut());
    }
}

#[test]
fn waiters_present_at_set_return_even_if_cleared_before_they_run() {
    let e = Event::new();
    let mut before = Box::pin(e.wait());
    assert!(is_pending(before.as_mut()));
    e.set();
    e.clear();
    // Released by the set, though the flag is clear again.
    ready(before.as_mut());
    // A waiter arriving after the clear waits for the next set.
    let mut after = Box::pin(e.wait());
    assert!(is_pending(after.as_mut()));
    assert!(!e.wait_timeout(Duration::from_millis(5)));
    e.set();
    ready(after.as_mut());
}

#[test]
fn blocked_threads_present_at_set_return_even_if_cleared() {
    let e = Event::new();
    thread::scope(|s| {
        let waiters: Vec<_> = (0..3)
            .map(|_| s.spawn(|| e.wait_timeout(Duration::from_secs(10))))
            .collect();
        while e.waiters() < 3 {
            thread::yield_now();
        }
        e.set();
        e.clear();
        assert_eq!(e.waiters(), 0);
        for w in waiters {
            assert!(w.join().unwrap(), "a thread waiting at set() returns true");
        }
    });
    assert!(!e.is_set());
}

#[test]
fn wait_timeout_reports_time_out() {
    let e = Event::new();
    let t = Instant::now();
    assert!(!e.wait_timeout(Duration::from_millis(20)));
    assert!(t.elapsed() >= Duration::from_millis(20));
    assert!(!e.wait_deadline(Instant::now()));
    e.set();
    assert!(
        e.wait_timeout(Duration::MAX),
        "a huge time-out does not overflow"
    );
}

#[test]
fn a_dropped_waiter_leaves_the_queue() {
    let e = Event::new();
    let mut a = Box::pin(e.wait());
    let mut b = Box::pin(e.wait());
    assert!(is_pending(a.as_mut()));
    assert!(is_pending(b.as_mut()));
    assert_eq!(e.waiters(), 2);
    drop(a);
    assert_eq!(e.waiters(), 1);
    drop(b);
    assert_eq!(e.waiters(), 0);
    assert!(format!("{e:?}").contains("waiters: 0"));
    e.set();
    assert!(e.is_set());
}

#[test]
fn tasks_and_threads_wait_on_one_event() {
    let e = Arc::new(Event::new());
    let started = Arc::new(AtomicUsize::new(0));
    let rt = common::tokio_rt();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (e, started) = (e.clone(), started.clone());
            rt.spawn(async move {
                e.wait().await;
                started.fetch_add(1, SeqCst);
            })
        })
        .collect();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (e, started) = (e.clone(), started.clone());
            thread::spawn(move || {
                e.wait_blocking();
                started.fetch_add(1, SeqCst);
            })
        })
        .collect();
    let smol_thread = {
        let (e, started) = (e.clone(), started.clone());
        thread::spawn(move || {
            smol::block_on(e.wait());
            started.fetch_add(1, SeqCst);
        })
    };
    thread::sleep(Duration::from_millis(20));
    assert_eq!(started.load(SeqCst), 0);
    e.set();
    for t in threads {
        t.join().unwrap();
    }
    smol_thread.join().unwrap();
    rt.block_on(async {
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(started.load(SeqCst), 7);
}

#[test]
fn set_racing_wait_never_strands_a_waiter() {
    for _ in 0..200 {
        let e = Arc::new(Event::new());
        let e2 = e.clone();
        let t = thread::spawn(move || e2.wait_timeout(Duration::from_secs(10)));
        e.set();
        assert!(t.join().unwrap());
    }
}

#[test]
fn static_and_default() {
    static E: Event = Event::new();
    E.set();
    assert!(E.is_set());
    assert!(!Event::default().is_set());
}

/// As documented: an `EventWait` polled again after it completed is a new
/// wait (found in review: the other waits panic; this one is documented to
/// go on).
#[test]
fn a_wait_polled_after_completion_is_a_new_wait() {
    let e = Event::new();
    let mut wait = Box::pin(e.wait());
    let (count, waker) = counting_waker();
    assert!(poll_once(wait.as_mut(), &waker).is_pending());
    e.set();
    assert_eq!(count.count(), 1);
    ready(wait.as_mut());
    ready(wait.as_mut()); // the flag is still up
    e.clear();
    assert!(poll_once(wait.as_mut(), &waker).is_pending());
    assert_eq!(e.waiters(), 1, "queued again");
    e.set();
    assert_eq!(count.count(), 2);
    ready(wait.as_mut());
    assert_eq!(e.waiters(), 0);
}
