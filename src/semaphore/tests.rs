//! White-box checks of the state word's invariants.

use super::*;

/// The WAITERS flag is set exactly while the queue is non-empty.
fn assert_consistent(sem: &Semaphore) {
    let s = sem.state.load(Ordering::Acquire);
    let q = sem.queue.lock();
    assert_eq!(s & WAITERS != 0, !q.is_empty(), "WAITERS flag out of sync");
}

#[test]
fn waiters_flag_follows_the_queue() {
    let sem = Semaphore::new(0);
    assert_consistent(&sem);
    let mut a = Box::pin(sem.acquire_many(2));
    let mut b = Box::pin(sem.acquire());
    let waker = std::task::Waker::noop();
    let mut cx = Context::from_waker(waker);
    assert!(a.as_mut().poll(&mut cx).is_pending());
    assert!(b.as_mut().poll(&mut cx).is_pending());
    assert_consistent(&sem);
    sem.release(1).unwrap();
    // One permit is set aside for `a`, which needs two; `b` stays behind it.
    assert_eq!(sem.available_permits(), 1);
    assert_consistent(&sem);
    drop(a);
    // `a` left: its reserved permit goes to `b`.
    assert!(matches!(b.as_mut().poll(&mut cx), Poll::Ready(Ok(_))));
    assert_consistent(&sem);
    assert_eq!(sem.available_permits(), 1);
}
