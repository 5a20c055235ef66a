//! Workers doing their work in phases, kept in step by a barrier whose action
//! reports each finished phase. Two workers are OS threads, two tokio tasks.
//!
//! ```python
//! barrier = threading.Barrier(4, action=lambda: print(f"phase {k} done"))
//!
//! def worker(w):
//!     for phase in range(PHASES):
//!         with lock:
//!             results[phase].append(work(phase, w))
//!         if barrier.wait(timeout=5) == PARTIES - 1:   # the last arrival
//!             print(f"phase {phase}: leader is worker {w}")
//! ```
//!
//! Run it with `cargo run --example phased_workers`.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use syncio::{Barrier, BarrierWaitResult, Mutex};

const PARTIES: usize = 4;
const PHASES: usize = 3;

/// `results[phase]` holds `(worker, value)` for each worker that did it.
type Results = Mutex<Vec<Vec<(usize, u64)>>>;

/// Checks the previous phase is complete, then does this phase's work.
fn work(results: &mut [Vec<(usize, u64)>], phase: usize, worker: usize) {
    if let Some(previous) = phase.checked_sub(1) {
        assert_eq!(
            results[previous].len(),
            PARTIES,
            "phase {previous} left early"
        );
    }
    results[phase].push((worker, (worker as u64 + 1) * 10u64.pow(phase as u32)));
}

/// 0 to 3 ms of "work", so that the last arrival (the leader) changes.
fn pause(phase: usize, worker: usize) -> Duration {
    Duration::from_millis(((phase + worker) % PARTIES) as u64)
}

fn report(name: &str, phase: usize, passed: BarrierWaitResult) {
    if passed.is_leader() {
        println!(
            "phase {phase}: leader is {name} (arrival {})",
            passed.index()
        );
    }
}

async fn task_worker(worker: usize, barrier: Arc<Barrier>, results: Arc<Results>) {
    let name = format!("task worker {worker}");
    for phase in 0..PHASES {
        tokio::time::sleep(pause(phase, worker)).await;
        work(&mut results.lock().await, phase, worker);
        println!("{name}: did phase {phase}");
        let passed = barrier.wait().await.expect("the barrier is never broken");
        report(&name, phase, passed);
    }
}

fn thread_worker(worker: usize, barrier: Arc<Barrier>, results: Arc<Results>) {
    let name = format!("thread worker {worker}");
    for phase in 0..PHASES {
        std::thread::sleep(pause(phase, worker));
        work(&mut results.lock_blocking(), phase, worker);
        println!("{name}: did phase {phase}");
        // threading's `barrier.wait(timeout=5)`: a time-out breaks the barrier.
        let passed = barrier
            .wait_timeout(Duration::from_secs(5))
            .expect("the barrier is never broken");
        report(&name, phase, passed);
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let results = Arc::new(Mutex::new(vec![Vec::new(); PHASES]));
    let barrier = Arc::new(
        Barrier::with_action(PARTIES, {
            let results = results.clone();
            let phase = AtomicUsize::new(0);
            move || {
                // Runs in the last arrival, before anyone is released.
                let k = phase.fetch_add(1, Relaxed);
                let results = results.try_lock().expect("everyone is at the barrier");
                assert_eq!(results[k].len(), PARTIES, "phase {k} incomplete");
                println!("phase {k} done: {:?}", results[k]);
            }
        })
        .expect("PARTIES is not 0"),
    );

    let threads: Vec<_> = (0..2)
        .map(|w| {
            let (barrier, results) = (barrier.clone(), results.clone());
            std::thread::spawn(move || thread_worker(w, barrier, results))
        })
        .collect();
    let tasks: Vec<_> = (2..PARTIES)
        .map(|w| tokio::spawn(task_worker(w, barrier.clone(), results.clone())))
        .collect();

    for task in tasks {
        task.await.expect("task worker panicked");
    }
    tokio::task::spawn_blocking(move || threads.into_iter().try_for_each(|t| t.join()))
        .await
        .expect("joining the threads")
        .expect("thread worker panicked");

    let results = results.lock().await;
    for (phase, done) in results.iter().enumerate() {
        let mut workers: Vec<_> = done.iter().map(|&(w, _)| w).collect();
        workers.sort_unstable();
        assert_eq!(workers, [0, 1, 2, 3], "phase {phase}: each worker once");
    }
    assert!(!barrier.is_broken());
    println!("main: {PHASES} phases of {PARTIES} workers, all complete");
}
