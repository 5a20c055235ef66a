//! Behaviour of `Lock` and `Mutex`: mutual exclusion, FIFO hand-off,
//! cancellation, time-outs, Python's raw release, owned guards.
#![cfg(not(syncio_loom))]

mod common;

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{counting_waker, is_pending, poll_once, ready};
use syncio::{Lock, Mutex, NotLockedError};

#[test]
fn futures_and_guards_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Lock>();
    send_sync::<syncio::LockAcquire<'static>>();
    send_sync::<syncio::LockGuard<'static>>();
    send_sync::<Mutex<Vec<u8>>>();
    send_sync::<syncio::MutexLock<'static, Vec<u8>>>();
    send_sync::<syncio::MutexGuard<'static, Vec<u8>>>();
    send_sync::<syncio::OwnedMutexGuard<Vec<u8>>>();
    // A `Send` but not `Sync` value may still be locked and sent.
    send_sync::<Mutex<Cell<u8>>>();
    send::<syncio::MutexGuard<'static, Cell<u8>>>();
    send::<syncio::OwnedMutexGuard<Cell<u8>>>();
    // A mapped guard is the `&mut` it stands for.
    send_sync::<syncio::MappedMutexGuard<'static, Vec<u8>>>();
    send_sync::<syncio::OwnedMappedMutexGuard<Vec<u8>, u8>>();
    send::<syncio::MappedMutexGuard<'static, Cell<u8>>>();
    send::<syncio::OwnedMappedMutexGuard<Vec<u8>, Cell<u8>>>();
}

#[test]
fn lock_is_exclusive_and_reports_locked() {
    let lock = Lock::new();
    assert!(!lock.locked());
    let g = lock.try_acquire().unwrap();
    assert!(lock.locked());
    assert!(lock.try_acquire().is_none());
    assert!(lock.acquire_timeout(Duration::from_millis(10)).is_none());
    drop(g);
    assert!(!lock.locked());
    let g = futures::executor::block_on(lock.acquire());
    assert!(std::ptr::eq(g.lock(), &lock));
}

#[test]
fn release_of_an_unheld_lock_is_an_error_that_changes_nothing() {
    let lock = Lock::new();
    assert_eq!(lock.release(), Err(NotLockedError));
    assert!(!lock.locked());
    // Held by a live guard: only the guard releases it.
    let g = lock.acquire_blocking();
    assert_eq!(lock.release(), Err(NotLockedError));
    assert!(lock.locked());
    drop(g);
    assert!(!lock.locked());
    assert!(lock.try_acquire().is_some());
}

#[test]
fn any_thread_may_release_a_forgotten_acquisition() {
    let lock = Arc::new(Lock::new());
    futures::executor::block_on(lock.acquire()).forget();
    let l = lock.clone();
    thread::spawn(move || l.release().unwrap()).join().unwrap();
    assert!(!lock.locked());
    assert_eq!(lock.release(), Err(NotLockedError));
}

#[test]
fn release_hands_the_lock_to_the_oldest_waiter() {
    let lock = Lock::new();
    lock.try_acquire().unwrap().forget();
    let mut first = Box::pin(lock.acquire());
    let mut second = Box::pin(lock.acquire());
    assert!(is_pending(first.as_mut()));
    assert!(is_pending(second.as_mut()));
    lock.release().unwrap();
    // Handed over: still locked, and a newcomer cannot barge in.
    assert!(lock.locked());
    assert!(lock.try_acquire().is_none());
    assert!(is_pending(second.as_mut()));
    let g = ready(first.as_mut());
    drop(g);
    drop(ready(second.as_mut()));
    assert!(!lock.locked());
}

#[test]
fn woken_waiter_that_is_dropped_passes_the_lock_on() {
    let m = Mutex::new(0);
    let held = m.try_lock().unwrap();
    let mut a = Box::pin(m.lock());
    let mut b = Box::pin(m.lock());
    let (count, waker) = counting_waker();
    assert!(is_pending(a.as_mut()));
    assert!(poll_once(b.as_mut(), &waker).is_pending());
    drop(held); // handed to `a`
    drop(a); // `a` never ran: the lock moves on to `b`
    assert_eq!(count.count(), 1);
    *ready(b.as_mut()) += 1;
    assert_eq!(*m.try_lock().unwrap(), 1);
}

#[test]
fn lock_timeout_gives_up_its_place() {
    let m = Mutex::new(());
    let held = m.lock_blocking();
    thread::scope(|s| {
        let t = s.spawn(|| m.lock_timeout(Duration::from_millis(30)).is_some());
        assert!(!t.join().unwrap());
    });
    drop(held);
    assert!(!m.is_locked());
    assert!(m.lock_deadline(std::time::Instant::now()).is_some());
}

#[test]
fn blocking_lock_waits_for_release() {
    let lock = Lock::new();
    let held = lock.acquire_blocking();
    thread::scope(|s| {
        let t = s.spawn(|| {
            let _g = lock.acquire_blocking();
        });
        thread::sleep(Duration::from_millis(20));
        assert!(!t.is_finished());
        drop(held);
        t.join().unwrap();
    });
    assert!(lock.acquire_deadline(std::time::Instant::now()).is_some());
}

#[test]
fn mutex_excludes_tasks_and_threads_alike() {
    const ROUNDS: usize = 500;
    // A non-atomic read-modify-write with a yield in between: any overlap
    // between two holders loses an increment.
    let m = Arc::new(Mutex::new(0usize));
    let inside = Arc::new(AtomicUsize::new(0));
    let rt = common::tokio_rt();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (m, inside) = (m.clone(), inside.clone());
        tasks.push(rt.spawn(async move {
            for _ in 0..ROUNDS {
                let mut g = m.lock().await;
                assert_eq!(inside.fetch_add(1, SeqCst), 0);
                let v = *g;
                tokio::task::yield_now().await;
                *g = v + 1;
                inside.fetch_sub(1, SeqCst);
            }
        }));
    }
    let mut threads = Vec::new();
    for i in 0..2 {
        let (m, inside) = (m.clone(), inside.clone());
        threads.push(thread::spawn(move || {
            for r in 0..ROUNDS {
                let mut g = if (i + r) % 3 == 0 {
                    match m.lock_timeout(Duration::from_millis(100)) {
                        Some(g) => g,
                        None => m.lock_blocking(),
                    }
                } else {
                    m.lock_blocking()
                };
                assert_eq!(inside.fetch_add(1, SeqCst), 0);
                let v = *g;
                thread::yield_now();
                *g = v + 1;
                inside.fetch_sub(1, SeqCst);
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    rt.block_on(async {
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(*m.try_lock().unwrap(), 6 * ROUNDS);
}

#[test]
fn owned_guards_move_between_threads() {
    let m = Arc::new(Mutex::new(vec![1]));
    let mut g = futures::executor::block_on(m.clone().lock_owned());
    assert!(Arc::ptr_eq(syncio::OwnedMutexGuard::mutex(&g), &m));
    g.push(2);
    thread::spawn(move || g.push(3)).join().unwrap();
    assert_eq!(*m.clone().try_lock_owned().unwrap(), [1, 2, 3]);
    let g = m.clone().try_lock_owned().unwrap();
    assert!(m.try_lock().is_none());
    drop(g);
}

#[test]
fn mutex_accessors_debug_and_static() {
    static M: Mutex<u32> = Mutex::new(7);
    assert_eq!(*M.lock_blocking(), 7);
    let mut m = Mutex::new(String::from("a"));
    m.get_mut().push('b');
    assert_eq!(format!("{m:?}"), r#"Mutex { data: "ab", .. }"#);
    {
        let g = m.try_lock().unwrap();
        assert_eq!(format!("{g}"), "ab");
        assert!(format!("{m:?}").contains("<locked>"));
        assert!(std::ptr::eq(syncio::MutexGuard::mutex(&g), &m));
    }
    assert_eq!(m.into_inner(), "ab");
    assert_eq!(*Mutex::<u8>::default().try_lock().unwrap(), 0);
    assert!(format!("{:?}", Lock::new()).contains("locked: false"));
}

#[test]
fn cancelled_lock_futures_leave_it_usable() {
    let rt = common::tokio_rt();
    let lock = Arc::new(Lock::new());
    rt.block_on(async {
        let mut handles = Vec::new();
        for i in 0..8u64 {
            let lock = lock.clone();
            handles.push(tokio::spawn(async move {
                for r in 0..100u64 {
                    tokio::select! {
                        g = lock.acquire() => {
                            tokio::task::yield_now().await;
                            drop(g);
                        }
                        _ = tokio::time::sleep(Duration::from_micros((i * 31 + r * 17) % 150)) => {}
                    }
                }
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
    });
    assert!(!lock.locked());
    assert!(lock.try_acquire().is_some());
}

#[test]
fn barging_mutex_and_lock_exclude_and_hand_over() {
    let m = Arc::new(Mutex::with_fairness(0usize, syncio::Fairness::BARGING));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..2000 {
                    let mut g = m.lock_blocking();
                    let v = *g;
                    *g = v + 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*m.try_lock().unwrap(), 8000);
    let lock = Lock::with_fairness(syncio::Fairness::BARGING);
    lock.acquire_blocking().forget();
    assert!(lock.locked());
    lock.release().unwrap();
    assert_eq!(lock.release(), Err(NotLockedError));
}

#[test]
fn mapped_guards_keep_the_lock_and_hand_it_over_in_order() {
    use syncio::{MappedMutexGuard, MutexGuard};
    let m = Mutex::new((0u32, vec![0u8; 2]));
    let mut first = Box::pin(m.lock());
    let guard = ready(first.as_mut());
    // Queued behind the holder: served when the mapped guard drops.
    let mut second = Box::pin(m.lock());
    let mut third = Box::pin(m.lock());
    assert!(is_pending(second.as_mut()) && is_pending(third.as_mut()));
    let mut count = MutexGuard::map(guard, |v| &mut v.0);
    *count += 1;
    assert!(m.is_locked());
    drop(count);
    assert!(m.is_locked(), "handed to the oldest waiter");
    // Taken by a hand-off, mapped twice, dropped: the next waiter gets it.
    let bytes = MutexGuard::map(ready(second.as_mut()), |v| &mut v.1);
    let mut last = MappedMutexGuard::map(bytes, |b| &mut b[1]);
    *last = 9;
    assert!(is_pending(third.as_mut()));
    drop(last);
    let g = ready(third.as_mut());
    assert_eq!(*g, (1, vec![0, 9]));
    drop(g);
    assert!(!m.is_locked());
}

#[test]
fn a_failed_try_map_or_a_panicking_map_leaves_no_lock_behind() {
    use syncio::MutexGuard;
    let m = Mutex::new(vec![1]);
    let g = MutexGuard::try_map(m.lock_blocking(), |v| v.get_mut(3)).unwrap_err();
    assert!(m.is_locked());
    drop(g);
    assert!(!m.is_locked());
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = MutexGuard::map(m.lock_blocking(), |_| -> &mut u8 { panic!("mapping") });
    }));
    assert!(panicked.is_err());
    assert!(!m.is_locked(), "the guard dropped while unwinding");
    let owned = Arc::new(Mutex::new(0u8));
    let g = syncio::OwnedMutexGuard::try_map(owned.clone().try_lock_owned().unwrap(), |_| {
        None::<&mut u8>
    })
    .unwrap_err();
    assert!(owned.is_locked());
    drop(g);
    assert!(!owned.is_locked());
}

#[test]
fn mapped_guards_exclude_threads_and_tasks() {
    use syncio::{MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard};
    const ROUNDS: usize = 2000;
    let m = Arc::new(Mutex::new((0usize, 0usize)));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    let mut a = MutexGuard::map(m.lock_blocking(), |p| &mut p.0);
                    let seen = *a;
                    thread::yield_now();
                    *a = seen + 1;
                }
            })
        })
        .collect();
    let rt = common::tokio_rt();
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let m = m.clone();
            rt.spawn(async move {
                for _ in 0..ROUNDS {
                    let g = OwnedMutexGuard::map(m.clone().lock_owned().await, |p| p);
                    let mut a = OwnedMappedMutexGuard::map(g, |p| &mut p.0);
                    let seen = *a;
                    tokio::task::yield_now().await;
                    // Dropped on whichever worker runs the task now.
                    *a = seen + 1;
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
    assert_eq!(m.try_lock().unwrap().0, 4 * ROUNDS);
}

#[test]
fn owned_blocking_lock_waits_for_the_holder() {
    let m = Arc::new(Mutex::new(0u32));
    let held = m.clone().lock_owned_blocking();
    let t = {
        let m = m.clone();
        thread::spawn(move || {
            let mut g = m.lock_owned_blocking();
            *g += 1;
        })
    };
    // However far the thread has got, it cannot have finished (a lock that
    // did not wait would, within these 20 ms, unless the thread was slow to
    // start).
    thread::sleep(Duration::from_millis(20));
    assert!(!t.is_finished(), "the lock was taken while held");
    assert_eq!(*held, 0);
    drop(held);
    t.join().unwrap();
    assert_eq!(*m.lock_owned_blocking(), 1);
}
