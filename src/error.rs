//! Error types shared by the primitives.

use std::fmt;

/// Why an `acquire`, `acquire_blocking` or `acquire_many` call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AcquireError {
    /// The semaphore was closed with [`Semaphore::close`](crate::Semaphore::close)
    /// before the permits could be handed over.
    Closed,
    /// More permits were asked for than the semaphore can ever hold
    /// ([`MAX_PERMITS`](crate::MAX_PERMITS), or a bounded semaphore's bound),
    /// so the call could never succeed. Nothing was changed.
    TooManyPermits {
        /// Permits asked for.
        requested: usize,
        /// The most this semaphore can ever hand out at once.
        max: usize,
    },
}

/// Why a `try_acquire` call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TryAcquireError {
    /// The semaphore is closed.
    Closed,
    /// Not enough permits are free, or other callers are queued ahead (FIFO:
    /// a newcomer never overtakes a waiter).
    NoPermits,
    /// More permits were asked for than the semaphore can ever hold.
    TooManyPermits {
        /// Permits asked for.
        requested: usize,
        /// The most this semaphore can ever hand out at once.
        max: usize,
    },
}

/// Why an `acquire_timeout` or `acquire_deadline` call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AcquireTimeoutError {
    /// The semaphore was closed before the permits could be handed over.
    Closed,
    /// The time-out expired first. The caller's place in the queue was given
    /// up and nothing was taken.
    Timeout,
    /// More permits were asked for than the semaphore can ever hold.
    TooManyPermits {
        /// Permits asked for.
        requested: usize,
        /// The most this semaphore can ever hand out at once.
        max: usize,
    },
}

/// Why a raw `release` was refused. Nothing was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReleaseError {
    /// The count would exceed [`MAX_PERMITS`](crate::MAX_PERMITS).
    Overflow {
        /// Permits that were being released.
        released: usize,
        /// The largest count a semaphore can hold.
        max: usize,
    },
    /// A bounded semaphore would rise above its initial value: more permits
    /// were released than had been acquired and forgotten (Python's
    /// `ValueError: Semaphore released too many times`).
    AboveBound {
        /// Permits that were being released.
        released: usize,
        /// The semaphore's initial value.
        bound: usize,
    },
}

fn too_many(f: &mut fmt::Formatter<'_>, requested: usize, max: usize) -> fmt::Result {
    write!(
        f,
        "requested {requested} permits, more than the maximum of {max}"
    )
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AcquireError::Closed => f.write_str("semaphore closed"),
            AcquireError::TooManyPermits { requested, max } => too_many(f, *requested, *max),
        }
    }
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
            TryAcquireError::TooManyPermits { requested, max } => too_many(f, *requested, *max),
        }
    }
}

impl fmt::Display for AcquireTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AcquireTimeoutError::Closed => f.write_str("semaphore closed"),
            AcquireTimeoutError::Timeout => f.write_str("timed out waiting for permits"),
            AcquireTimeoutError::TooManyPermits { requested, max } => too_many(f, *requested, *max),
        }
    }
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReleaseError::Overflow { released, max } => write!(
                f,
                "releasing {released} permits would exceed the maximum of {max}"
            ),
            ReleaseError::AboveBound { released, bound } => write!(
                f,
                "semaphore released too many times: releasing {released} permits \
                 would raise it above its initial value of {bound}"
            ),
        }
    }
}

impl std::error::Error for AcquireError {}
impl std::error::Error for TryAcquireError {}
impl std::error::Error for AcquireTimeoutError {}
impl std::error::Error for ReleaseError {}

impl From<AcquireError> for AcquireTimeoutError {
    fn from(e: AcquireError) -> Self {
        match e {
            AcquireError::Closed => AcquireTimeoutError::Closed,
            AcquireError::TooManyPermits { requested, max } => {
                AcquireTimeoutError::TooManyPermits { requested, max }
            }
        }
    }
}

impl From<AcquireError> for TryAcquireError {
    fn from(e: AcquireError) -> Self {
        match e {
            AcquireError::Closed => TryAcquireError::Closed,
            AcquireError::TooManyPermits { requested, max } => {
                TryAcquireError::TooManyPermits { requested, max }
            }
        }
    }
}

/// [`Lock::release`](crate::Lock::release) was called on a lock that is not
/// held (or is held only by a live guard). Nothing was changed; Python raises
/// `RuntimeError: Lock is not acquired.`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NotLockedError;

impl fmt::Display for NotLockedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("release of a lock that is not acquired")
    }
}

impl std::error::Error for NotLockedError {}

/// A barrier wait was caught by [`Barrier::reset`](crate::Barrier::reset),
/// [`Barrier::abort`](crate::Barrier::abort), a time-out or a panicking
/// action: Python's `BrokenBarrierError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BrokenBarrierError;

impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the barrier is broken")
    }
}

impl std::error::Error for BrokenBarrierError {}

/// [`Barrier::new`](crate::Barrier::new) was asked for zero parties (Python
/// raises `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ZeroPartiesError;

impl fmt::Display for ZeroPartiesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a barrier needs at least one party")
    }
}

impl std::error::Error for ZeroPartiesError {}
