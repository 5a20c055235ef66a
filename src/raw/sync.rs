//! The synchronization types the crate is built on: `std`'s, or `loom`'s
//! models of them when compiled with `--cfg syncio_loom` for the
//! model-checking tests in `tests/loom_*.rs`. The cfg is namespaced (not plain
//! `loom`) so that dependencies with their own `cfg(loom)` code, such as
//! tokio's and smol's, keep building normally in the same run.
//!
//! `loom`'s constructors are not `const`, so every constructor that is `const`
//! for users is declared through `const_fn!`, which drops
//! the `const` under loom.

#[cfg(not(syncio_loom))]
pub(crate) use std::sync::{atomic::AtomicUsize, Mutex, MutexGuard};
#[cfg(not(syncio_loom))]
pub(crate) use std::thread::{current, park, park_timeout, Thread};

#[cfg(syncio_loom)]
pub(crate) use loom::sync::{atomic::AtomicUsize, Mutex, MutexGuard};
#[cfg(syncio_loom)]
pub(crate) use loom::thread::{current, park, Thread};

/// Under loom there is no clock: a timed park returns at once, so a timed
/// wait times out right after its first poll (a time-out at the earliest
/// possible point, which is where it races hardest).
#[cfg(syncio_loom)]
pub(crate) fn park_timeout(_: std::time::Duration) {
    loom::thread::yield_now();
}

/// Declares a constructor that is `const fn` normally and a plain `fn` under
/// loom, whose types have no `const` constructors.
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis const fn $($rest:tt)*) => {
        #[cfg(not(syncio_loom))]
        $(#[$attr])* $vis const fn $($rest)*
        #[cfg(syncio_loom)]
        $(#[$attr])* $vis fn $($rest)*
    };
}

pub(crate) use const_fn;
