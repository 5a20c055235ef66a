#![doc = include_str!("../README.md")]
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod barrier;
mod condition;
mod error;
mod event;
mod fairness;
mod lock;
mod mutex;
// The one module allowed `unsafe`; it says so itself.
mod raw;
mod semaphore;

pub use barrier::{Barrier, BarrierWait, BarrierWaitResult, MAX_PARTIES};
pub use condition::{Condition, ConditionGuard, ConditionWait, Notified};
pub use error::{
    AcquireError, AcquireTimeoutError, BrokenBarrierError, NotLockedError, ReleaseError,
    TryAcquireError, ZeroPartiesError,
};
pub use event::{Event, EventWait};
pub use fairness::Fairness;
pub use lock::{Lock, LockAcquire, LockGuard};
pub use mutex::{
    MappedMutexGuard, Mutex, MutexGuard, MutexLock, OwnedMappedMutexGuard, OwnedMutexGuard,
};
pub use semaphore::{
    Acquire, BoundedSemaphore, OwnedSemaphorePermit, Semaphore, SemaphorePermit, MAX_PERMITS,
};
