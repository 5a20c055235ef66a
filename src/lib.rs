#![doc = include_str!("../README.md")]
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod error;
mod semaphore;
// The one module allowed `unsafe`; it says so itself.
mod waiters;

pub use error::{AcquireError, AcquireTimeoutError, ReleaseError, TryAcquireError};
pub use semaphore::{
    Acquire, BoundedSemaphore, OwnedSemaphorePermit, Semaphore, SemaphorePermit, MAX_PERMITS,
};
