//! [`Fairness`]: who gets permits released while callers wait.

use std::time::Duration;

/// How a [`Semaphore`](crate::Semaphore), [`Mutex`](crate::Mutex) or
/// [`Lock`](crate::Lock) hands out permits that are released while callers
/// wait.
///
/// # Examples
///
/// ```
/// use syncio::{Fairness, Mutex};
/// // Throughput over order: a running task may re-take the lock ahead of a
/// // woken waiter, but no waiter is passed over for more than 500 µs.
/// static COUNTER: Mutex<u64> = Mutex::with_fairness(0, Fairness::BARGING);
/// *COUNTER.lock_blocking() += 1;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Fairness {
    /// Strict first-in, first-out (the default, and Python's promise): a
    /// release hands its permits straight to the oldest waiter, and nobody
    /// takes a permit while anyone is queued.
    #[default]
    Fifo,
    /// Eventual fairness, as parking_lot's and async-lock's locks: a release
    /// puts its permits back and wakes the oldest waiter, and any running
    /// caller (a newcomer, or the releaser itself coming back) may take them
    /// first. This saves a wake-up and a context switch per hand-off under
    /// contention. Once the oldest waiter has been first in line for longer
    /// than `starvation_bound`, barging stops until it is served: the first
    /// release that finds it waiting hands permits to it, and so does every
    /// release after that until its request is met (they accumulate if it
    /// asked for several), so no waiter starves. (One caller already taking
    /// a permit at the moment the bound is found exceeded may still get it.
    /// A waiter that has been woken and has not run yet competes when it
    /// runs, like any caller; if it finds nothing free it waits again, and
    /// the next release serves it.)
    Barging {
        /// How long the oldest waiter may be passed over before a release
        /// hands permits to it directly.
        starvation_bound: Duration,
    },
}

impl Fairness {
    /// Barging with a 500 µs starvation bound (parking_lot's average).
    pub const BARGING: Fairness = Fairness::Barging {
        starvation_bound: Duration::from_micros(500),
    };
}
