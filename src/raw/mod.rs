//! Everything in syncio that needs `unsafe`, behind safe interfaces.
//!
//! - [`waiters`]: the intrusive FIFO waiter queue every primitive is built on,
//!   and [`block_on`], from which every blocking wait is derived.
//! - [`cell`]: the data cell of [`Mutex`](crate::Mutex) and the `Deref` of its
//!   guards.
//!
//! The rest of the crate is compiled under `#![deny(unsafe_code)]`; every
//! `unsafe` block here carries a `// SAFETY:` comment.
#![allow(unsafe_code)]

pub(crate) mod cell;
pub(crate) mod sync;
pub(crate) mod waiters;

pub(crate) use waiters::{
    block_on, block_on_hinted, block_on_until, deadline_after, spin_until, Cancel, Guarded,
    QueueGuard, WaitQueue, WaitState, Waiter, WakeList,
};
