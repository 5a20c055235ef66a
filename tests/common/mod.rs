//! Helpers shared by the integration tests: manual polling and a waker that
//! counts its wake-ups.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts its wake-ups.
#[derive(Default)]
pub struct CountingWaker(AtomicUsize);

impl CountingWaker {
    pub fn count(&self) -> usize {
        self.0.load(SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

pub fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let w = Arc::new(CountingWaker::default());
    (w.clone(), Waker::from(w))
}

pub fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// Polls once with a waker that does nothing.
pub fn poll_noop<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
    poll_once(fut, Waker::noop())
}

/// Polls once and expects a result.
pub fn ready<F: Future + ?Sized>(fut: Pin<&mut F>) -> F::Output {
    match poll_noop(fut) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("future should be ready"),
    }
}

/// Polls once and reports whether the future is still pending.
pub fn is_pending<F: Future + ?Sized>(fut: Pin<&mut F>) -> bool {
    poll_noop(fut).is_pending()
}

/// A two-worker tokio runtime with timers.
pub fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}
