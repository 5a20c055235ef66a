//! An event as a start signal for workers of every kind: tokio tasks, OS
//! threads and a smol task all wait until `main` has prepared the jobs.
//!
//! ```python
//! start = threading.Event()
//!
//! def worker(name):
//!     start.wait()
//!     print(name, "started")
//!
//! threads = [threading.Thread(target=worker, args=(n,)) for n in names]
//! for t in threads: t.start()
//! assert not start.wait(timeout=0.01)   # nobody has set it yet
//! jobs = prepare()
//! start.set()
//! ```
//!
//! Run it with `cargo run --example start_signal`.

use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use syncio::Event;

/// The start signal; `Event::new` is `const`, so it can be a `static`.
static START: Event = Event::new();
/// What `main` prepares before giving the signal.
static JOBS: OnceLock<Vec<u64>> = OnceLock::new();
const WORKERS: usize = 5;

/// A worker's job once started: sum its share of the jobs.
fn run(worker: usize, name: &str, t0: Instant) -> u64 {
    assert!(START.is_set(), "{name} started before the signal");
    // Everything done before `set()` is visible once the wait returns.
    let jobs = JOBS
        .get()
        .expect("jobs are prepared before the start signal");
    println!("[{:>3} ms] {name}: started", t0.elapsed().as_millis());
    jobs.iter().skip(worker).step_by(WORKERS).sum()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("building the tokio runtime");
    let t0 = Instant::now();

    let tasks: Vec<_> = (0..2)
        .map(|w| {
            rt.spawn(async move {
                println!("tokio task {w}: waiting for the start signal");
                START.wait().await;
                run(w, &format!("tokio task {w}"), t0)
            })
        })
        .collect();
    let threads = [
        thread::spawn(move || {
            println!("thread 2: waiting for the start signal");
            START.wait_blocking();
            run(2, "thread 2", t0)
        }),
        thread::spawn(move || {
            // threading's `while not start.wait(timeout=0.005): ...`
            while !START.wait_timeout(Duration::from_millis(5)) {
                println!("thread 3: not started yet, still waiting");
            }
            run(3, "thread 3", t0)
        }),
        thread::spawn(move || {
            smol::block_on(async {
                println!("smol task 4: waiting for the start signal");
                START.wait().await;
                run(4, "smol task 4", t0)
            })
        }),
    ];

    // Nobody has set the event: a timed wait gives up and says so.
    assert!(!START.wait_timeout(Duration::from_millis(10)));
    println!("main: wait_timeout(10 ms) returned false, preparing the jobs");
    thread::sleep(Duration::from_millis(10));
    JOBS.set((1..=1000).collect()).expect("jobs prepared once");
    println!(
        "[{:>3} ms] main: jobs ready, start!",
        t0.elapsed().as_millis()
    );
    START.set();

    let mut total: u64 = threads
        .into_iter()
        .map(|t| t.join().expect("worker thread panicked"))
        .sum();
    for task in tasks {
        total += rt.block_on(task).expect("worker task panicked");
    }
    assert_eq!(
        total,
        (1..=1000).sum::<u64>(),
        "every job done exactly once"
    );
    assert!(
        START.wait_timeout(Duration::ZERO),
        "set: returns true at once"
    );
    println!("main: all {WORKERS} workers done, total {total}");
}
