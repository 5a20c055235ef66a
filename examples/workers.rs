//! The seed tutorial's program, with one semaphore shared by two async tasks
//! and one OS thread.
//!
//! ```python
//! async def my_worker(semaphore):
//!     await semaphore.acquire()
//!     print("Successfully acquired the semaphore")
//!     await asyncio.sleep(3)
//!     print("Releasing Semaphore")
//!     semaphore.release()
//!
//! sem = asyncio.Semaphore(value=2)
//! await asyncio.wait([my_worker(sem), my_worker(sem), my_worker(sem)])
//! ```
//!
//! Run it with `cargo run --example workers`. Two workers get a permit at
//! once; the third waits until one of them releases, whichever kind of worker
//! it is.

use std::sync::Arc;
use std::time::{Duration, Instant};

use syncio::Semaphore;

const HOLD: Duration = Duration::from_millis(300);

fn log(start: Instant, who: &str, what: &str, sem: &Semaphore) {
    println!(
        "[{:>4} ms] {who:<13} {what:<36} (free permits: {})",
        start.elapsed().as_millis(),
        sem.available_permits()
    );
}

async fn task_worker(name: &'static str, sem: Arc<Semaphore>, start: Instant) {
    let permit = sem.acquire().await.expect("the semaphore is never closed");
    log(start, name, "successfully acquired the semaphore", &sem);
    tokio::time::sleep(HOLD).await;
    log(start, name, "releasing the semaphore", &sem);
    drop(permit);
}

fn thread_worker(name: &'static str, sem: Arc<Semaphore>, start: Instant) {
    let permit = sem
        .acquire_blocking()
        .expect("the semaphore is never closed");
    log(start, name, "successfully acquired the semaphore", &sem);
    std::thread::sleep(HOLD);
    log(start, name, "releasing the semaphore", &sem);
    drop(permit);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sem = Arc::new(Semaphore::new(2));
    let start = Instant::now();

    let thread = {
        let sem = sem.clone();
        std::thread::spawn(move || thread_worker("thread worker", sem, start))
    };
    let a = tokio::spawn(task_worker("task worker 1", sem.clone(), start));
    let b = tokio::spawn(task_worker("task worker 2", sem.clone(), start));

    a.await.expect("task worker 1 panicked");
    b.await.expect("task worker 2 panicked");
    tokio::task::spawn_blocking(move || thread.join())
        .await
        .expect("joining the thread")
        .expect("thread worker panicked");
    println!("main: all workers completed");
    assert_eq!(sem.available_permits(), 2);
}
