//! Side-by-side benchmarks: syncio against `tokio::sync`, async-lock,
//! futures-intrusive, `std::sync` and parking_lot, all in the same run.
//!
//! ```text
//! scripts/bench.sh 4    # four runs (about 5 minutes each on 2 cores), then
//!                       # BENCHMARKS.md and benches/report.svg from the
//!                       # median over the runs of each within-run ratio
//! ```
//!
//! One criterion group per workload, one bench id per contender. Every
//! workload is written once, generic over a small adapter trait ([`Sem`],
//! [`BlockingSem`], [`AsyncMutex`], [`BlockingMutex`], [`Notifier`],
//! [`AsyncBarrier`]), so each contender runs exactly the same code.
//!
//! Before a workload is timed for a contender it is run once with checks
//! (counts, permit limits, turn order) under a watchdog that fails the run
//! instead of hanging it. Runtimes are built outside the timed part.
//!
//! Times: in groups 1, 2 and 6 one criterion iteration is one operation (one
//! acquire + release, one round trip). In the other groups one iteration is a
//! whole workload, and the group's `Throughput::Elements` says how many
//! operations that is; the report divides by it to give time per operation.
//!
//! `cargo test --all-targets` runs this file in criterion's test mode: each
//! workload once, checks included.

use std::future::Future;
use std::hint::black_box;
use std::ops::DerefMut;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use tokio::runtime::{Builder, Runtime};

// ---------------------------------------------------------------------------
// Adapters: semaphores
// ---------------------------------------------------------------------------

/// A counting semaphore used from async tasks.
trait Sem: Send + Sync + 'static {
    type Permit<'a>: Send
    where
        Self: 'a;
    fn new(permits: usize) -> Self;
    /// Waits for one permit; dropping the permit releases it.
    fn acquire(&self) -> impl Future<Output = Self::Permit<'_>> + Send;
    fn try_acquire(&self) -> Option<Self::Permit<'_>>;
}

/// A semaphore that OS threads can also wait on (workload 8).
trait BlockingSem: Sem {
    fn acquire_blocking(&self) -> Self::Permit<'_>;
}

impl Sem for syncio::Semaphore {
    type Permit<'a> = syncio::SemaphorePermit<'a>;
    fn new(permits: usize) -> Self {
        syncio::Semaphore::new(permits)
    }
    async fn acquire(&self) -> Self::Permit<'_> {
        syncio::Semaphore::acquire(self)
            .await
            .expect("never closed")
    }
    fn try_acquire(&self) -> Option<Self::Permit<'_>> {
        syncio::Semaphore::try_acquire(self).ok()
    }
}

impl BlockingSem for syncio::Semaphore {
    fn acquire_blocking(&self) -> Self::Permit<'_> {
        syncio::Semaphore::acquire_blocking(self).expect("never closed")
    }
}

/// syncio with the opt-in `Fairness::BARGING` policy.
struct BargingSem(syncio::Semaphore);

impl Sem for BargingSem {
    type Permit<'a> = syncio::SemaphorePermit<'a>;
    fn new(permits: usize) -> Self {
        BargingSem(syncio::Semaphore::with_fairness(
            permits,
            syncio::Fairness::BARGING,
        ))
    }
    async fn acquire(&self) -> Self::Permit<'_> {
        self.0.acquire().await.expect("never closed")
    }
    fn try_acquire(&self) -> Option<Self::Permit<'_>> {
        self.0.try_acquire().ok()
    }
}

impl BlockingSem for BargingSem {
    fn acquire_blocking(&self) -> Self::Permit<'_> {
        self.0.acquire_blocking().expect("never closed")
    }
}

impl Sem for tokio::sync::Semaphore {
    type Permit<'a> = tokio::sync::SemaphorePermit<'a>;
    fn new(permits: usize) -> Self {
        tokio::sync::Semaphore::new(permits)
    }
    async fn acquire(&self) -> Self::Permit<'_> {
        tokio::sync::Semaphore::acquire(self)
            .await
            .expect("never closed")
    }
    fn try_acquire(&self) -> Option<Self::Permit<'_>> {
        tokio::sync::Semaphore::try_acquire(self).ok()
    }
}

/// tokio has no blocking acquire: a thread that shares a tokio semaphore with
/// tasks blocks on the async one.
impl BlockingSem for tokio::sync::Semaphore {
    fn acquire_blocking(&self) -> Self::Permit<'_> {
        futures::executor::block_on(tokio::sync::Semaphore::acquire(self)).expect("never closed")
    }
}

impl Sem for async_lock::Semaphore {
    type Permit<'a> = async_lock::SemaphoreGuard<'a>;
    fn new(permits: usize) -> Self {
        async_lock::Semaphore::new(permits)
    }
    async fn acquire(&self) -> Self::Permit<'_> {
        async_lock::Semaphore::acquire(self).await
    }
    fn try_acquire(&self) -> Option<Self::Permit<'_>> {
        async_lock::Semaphore::try_acquire(self)
    }
}

/// async-lock 3 has a native blocking acquire.
impl BlockingSem for async_lock::Semaphore {
    fn acquire_blocking(&self) -> Self::Permit<'_> {
        async_lock::Semaphore::acquire_blocking(self)
    }
}

/// futures-intrusive's thread-safe semaphore, fair (FIFO) like syncio's.
struct FiSem(futures_intrusive::sync::Semaphore);

impl Sem for FiSem {
    type Permit<'a> = futures_intrusive::sync::SemaphoreReleaser<'a>;
    fn new(permits: usize) -> Self {
        FiSem(futures_intrusive::sync::Semaphore::new(true, permits))
    }
    async fn acquire(&self) -> Self::Permit<'_> {
        self.0.acquire(1).await
    }
    fn try_acquire(&self) -> Option<Self::Permit<'_>> {
        self.0.try_acquire(1)
    }
}

/// The floor: one `compare_exchange_weak` decrement to take a permit and one
/// `fetch_add` to give it back, nothing else (no queue, no closing, no
/// fairness). Only meaningful uncontended; it never waits.
struct FloorSem(AtomicUsize);

struct FloorPermit<'a>(&'a AtomicUsize);

impl Drop for FloorPermit<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Release);
    }
}

impl Sem for FloorSem {
    type Permit<'a> = FloorPermit<'a>;
    fn new(permits: usize) -> Self {
        FloorSem(AtomicUsize::new(permits))
    }
    async fn acquire(&self) -> Self::Permit<'_> {
        self.try_acquire()
            .expect("the floor is only benchmarked uncontended")
    }
    fn try_acquire(&self) -> Option<Self::Permit<'_>> {
        let mut n = self.0.load(Relaxed);
        loop {
            if n == 0 {
                return None;
            }
            match self.0.compare_exchange_weak(n, n - 1, Acquire, Relaxed) {
                Ok(_) => return Some(FloorPermit(&self.0)),
                Err(actual) => n = actual,
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Adapters: mutexes
// ---------------------------------------------------------------------------

/// A mutex over a counter, locked from async tasks.
trait AsyncMutex: Send + Sync + 'static {
    type Guard<'a>: DerefMut<Target = u64> + Send
    where
        Self: 'a;
    fn new(value: u64) -> Self;
    fn lock(&self) -> impl Future<Output = Self::Guard<'_>> + Send;
}

impl AsyncMutex for syncio::Mutex<u64> {
    type Guard<'a> = syncio::MutexGuard<'a, u64>;
    fn new(value: u64) -> Self {
        syncio::Mutex::new(value)
    }
    async fn lock(&self) -> Self::Guard<'_> {
        syncio::Mutex::lock(self).await
    }
}

/// syncio's mutex with the opt-in `Fairness::BARGING` policy.
struct BargingMutex(syncio::Mutex<u64>);

impl AsyncMutex for BargingMutex {
    type Guard<'a> = syncio::MutexGuard<'a, u64>;
    fn new(value: u64) -> Self {
        BargingMutex(syncio::Mutex::with_fairness(
            value,
            syncio::Fairness::BARGING,
        ))
    }
    async fn lock(&self) -> Self::Guard<'_> {
        self.0.lock().await
    }
}

impl BlockingMutex for BargingMutex {
    type Guard<'a> = syncio::MutexGuard<'a, u64>;
    fn new(value: u64) -> Self {
        BargingMutex(syncio::Mutex::with_fairness(
            value,
            syncio::Fairness::BARGING,
        ))
    }
    fn lock(&self) -> Self::Guard<'_> {
        self.0.lock_blocking()
    }
}

impl AsyncMutex for tokio::sync::Mutex<u64> {
    type Guard<'a> = tokio::sync::MutexGuard<'a, u64>;
    fn new(value: u64) -> Self {
        tokio::sync::Mutex::new(value)
    }
    async fn lock(&self) -> Self::Guard<'_> {
        tokio::sync::Mutex::lock(self).await
    }
}

impl AsyncMutex for async_lock::Mutex<u64> {
    type Guard<'a> = async_lock::MutexGuard<'a, u64>;
    fn new(value: u64) -> Self {
        async_lock::Mutex::new(value)
    }
    async fn lock(&self) -> Self::Guard<'_> {
        async_lock::Mutex::lock(self).await
    }
}

/// futures-intrusive's thread-safe mutex, fair (FIFO hand-off) or not.
struct FiMutex<const FAIR: bool>(futures_intrusive::sync::Mutex<u64>);

impl<const FAIR: bool> AsyncMutex for FiMutex<FAIR> {
    type Guard<'a> = futures_intrusive::sync::MutexGuard<'a, u64>;
    fn new(value: u64) -> Self {
        FiMutex(futures_intrusive::sync::Mutex::new(value, FAIR))
    }
    async fn lock(&self) -> Self::Guard<'_> {
        self.0.lock().await
    }
}

/// A mutex over a counter, locked from OS threads.
trait BlockingMutex: Send + Sync + 'static {
    type Guard<'a>: DerefMut<Target = u64>
    where
        Self: 'a;
    fn new(value: u64) -> Self;
    fn lock(&self) -> Self::Guard<'_>;
}

impl BlockingMutex for syncio::Mutex<u64> {
    type Guard<'a> = syncio::MutexGuard<'a, u64>;
    fn new(value: u64) -> Self {
        syncio::Mutex::new(value)
    }
    fn lock(&self) -> Self::Guard<'_> {
        self.lock_blocking()
    }
}

impl BlockingMutex for std::sync::Mutex<u64> {
    type Guard<'a> = std::sync::MutexGuard<'a, u64>;
    fn new(value: u64) -> Self {
        std::sync::Mutex::new(value)
    }
    fn lock(&self) -> Self::Guard<'_> {
        std::sync::Mutex::lock(self).expect("not poisoned")
    }
}

impl BlockingMutex for parking_lot::Mutex<u64> {
    type Guard<'a> = parking_lot::MutexGuard<'a, u64>;
    fn new(value: u64) -> Self {
        parking_lot::Mutex::new(value)
    }
    fn lock(&self) -> Self::Guard<'_> {
        parking_lot::Mutex::lock(self)
    }
}

impl BlockingMutex for tokio::sync::Mutex<u64> {
    type Guard<'a> = tokio::sync::MutexGuard<'a, u64>;
    fn new(value: u64) -> Self {
        tokio::sync::Mutex::new(value)
    }
    fn lock(&self) -> Self::Guard<'_> {
        self.blocking_lock()
    }
}

// ---------------------------------------------------------------------------
// Adapters: one-way wake-up signals (ping-pong)
// ---------------------------------------------------------------------------

/// One direction of a ping-pong. Each `wait` returns once per `signal`, and
/// the ping-pong never signals twice before the matching `wait` returned.
trait Notifier: Send + Sync + 'static {
    fn new() -> Self;
    fn signal(&self);
    fn wait(&self) -> impl Future<Output = ()> + Send;
}

/// A manual-reset event: the waiter clears the flag after its wait returns,
/// and only then signals the other direction. So every `clear` happens before
/// the next `set` of the same event (the next `set` needs the reply that
/// follows the `clear`), and a `set` that comes before the `wait` is not lost
/// (the flag stays up until that wait has seen it).
impl Notifier for syncio::Event {
    fn new() -> Self {
        syncio::Event::new()
    }
    fn signal(&self) {
        self.set();
    }
    async fn wait(&self) {
        syncio::Event::wait(self).await;
        self.clear();
    }
}

/// `notify_one` stores a permit when nobody waits, so no signal is lost.
impl Notifier for tokio::sync::Notify {
    fn new() -> Self {
        tokio::sync::Notify::new()
    }
    fn signal(&self) {
        self.notify_one();
    }
    async fn wait(&self) {
        self.notified().await;
    }
}

/// Same clear-after-wait protocol as syncio's event.
struct FiEvent(futures_intrusive::sync::ManualResetEvent);

impl Notifier for FiEvent {
    fn new() -> Self {
        FiEvent(futures_intrusive::sync::ManualResetEvent::new(false))
    }
    fn signal(&self) {
        self.0.set();
    }
    async fn wait(&self) {
        self.0.wait().await;
        self.0.reset();
    }
}

// ---------------------------------------------------------------------------
// Adapters: barriers
// ---------------------------------------------------------------------------

trait AsyncBarrier: Send + Sync + 'static {
    fn new(parties: usize) -> Self;
    /// Waits for the generation to fill; `true` for its one leader.
    fn wait(&self) -> impl Future<Output = bool> + Send;
}

impl AsyncBarrier for syncio::Barrier {
    fn new(parties: usize) -> Self {
        syncio::Barrier::new(parties).expect("parties > 0")
    }
    async fn wait(&self) -> bool {
        syncio::Barrier::wait(self)
            .await
            .expect("never broken")
            .is_leader()
    }
}

impl AsyncBarrier for tokio::sync::Barrier {
    fn new(parties: usize) -> Self {
        tokio::sync::Barrier::new(parties)
    }
    async fn wait(&self) -> bool {
        tokio::sync::Barrier::wait(self).await.is_leader()
    }
}

impl AsyncBarrier for async_lock::Barrier {
    fn new(parties: usize) -> Self {
        async_lock::Barrier::new(parties)
    }
    async fn wait(&self) -> bool {
        async_lock::Barrier::wait(self).await.is_leader()
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn current_thread() -> Runtime {
    Builder::new_current_thread()
        .build()
        .expect("tokio runtime")
}

fn multi_thread(workers: usize) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .expect("tokio runtime")
}

/// Runs `f` once (the untimed correctness check); if it has not returned
/// after a minute the process exits with an error instead of hanging.
fn verify<T>(what: &str, f: impl FnOnce() -> T) -> T {
    const LIMIT: Duration = Duration::from_secs(60);
    let (done, finished) = mpsc::channel::<()>();
    let name = what.to_owned();
    let watchdog = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(LIMIT) {
            eprintln!("HANG: {name} did not finish within {LIMIT:?}");
            std::process::exit(2);
        }
    });
    let out = f();
    // Ends the watchdog (if `f` panicked, dropping `done` ends it too).
    let _ = done.send(());
    watchdog.join().expect("watchdog");
    out
}

/// Counts the holders of a semaphore's permits, to check the limit.
#[derive(Default)]
struct Occupancy {
    inside: AtomicUsize,
    entries: AtomicUsize,
}

impl Occupancy {
    fn enter(&self, limit: usize) {
        let now = self.inside.fetch_add(1, Relaxed) + 1;
        assert!(now <= limit, "{now} holders of a {limit}-permit semaphore");
        self.entries.fetch_add(1, Relaxed);
    }
    fn leave(&self) {
        self.inside.fetch_sub(1, Relaxed);
    }
    fn entries(&self) -> usize {
        assert_eq!(self.inside.load(Relaxed), 0, "permits still held");
        self.entries.load(Relaxed)
    }
}

/// Groups where one iteration is one operation.
fn per_op_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    g
}

/// Groups where one iteration is a whole workload of `ops` operations.
fn workload_group<'a>(c: &'a mut Criterion, name: &str, ops: u64) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(ops));
    g
}

/// One contender of a group: adds its bench id to the group.
type Contender<'r> = Box<dyn FnOnce(&mut BenchmarkGroup<'_, WallTime>) + 'r>;

/// Measures a group's contenders in the listed order in odd runs of
/// `scripts/bench.sh` and in reverse in even ones (the script numbers its
/// runs in `SYNCIO_BENCH_RUN`; alone, a run is run 1). The machine's load
/// drifts over the ~20 s a group takes, and a fixed order would always
/// measure the same contender in the same part of that drift; alternating
/// it puts every pair of contenders in both orders equally often over an
/// even number of runs.
fn in_alternating_order(g: &mut BenchmarkGroup<'_, WallTime>, mut contenders: Vec<Contender<'_>>) {
    let run: usize = std::env::var("SYNCIO_BENCH_RUN")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    if run % 2 == 0 {
        contenders.reverse();
    }
    for contender in contenders {
        contender(g);
    }
}

/// Times `iters` runs of an async workload on `rt`.
fn bench_on_runtime<F, Fut>(g: &mut BenchmarkGroup<'_, WallTime>, id: &str, rt: &Runtime, f: F)
where
    F: Fn() -> Fut,
    Fut: Future,
{
    g.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(rt.block_on(f()));
            }
            start.elapsed()
        })
    });
}

// ---------------------------------------------------------------------------
// 1. Semaphore acquire + release, uncontended, in a task
// ---------------------------------------------------------------------------

fn sem_uncontended_async<S: Sem>(g: &mut BenchmarkGroup<'_, WallTime>, id: &str) {
    let rt = current_thread();
    let sem = S::new(1);
    verify(id, || {
        rt.block_on(async {
            let permit = sem.acquire().await;
            assert!(sem.try_acquire().is_none(), "{id}: the one permit is out");
            drop(permit);
            assert!(sem.try_acquire().is_some(), "{id}: the permit is back");
        })
    });
    g.bench_function(id, |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    drop(black_box(sem.acquire().await));
                }
                start.elapsed()
            })
        })
    });
}

fn group_1(c: &mut Criterion) {
    let mut g = per_op_group(c, "1_sem_uncontended_async");
    in_alternating_order(
        &mut g,
        vec![
            Box::new(|g| sem_uncontended_async::<syncio::Semaphore>(g, "syncio")),
            Box::new(|g| sem_uncontended_async::<tokio::sync::Semaphore>(g, "tokio")),
            Box::new(|g| sem_uncontended_async::<async_lock::Semaphore>(g, "async_lock")),
            Box::new(|g| sem_uncontended_async::<FiSem>(g, "futures_intrusive")),
            Box::new(|g| sem_uncontended_async::<FloorSem>(g, "floor_atomic")),
        ],
    );
    g.finish();
}

// ---------------------------------------------------------------------------
// 2. try_acquire + release, uncontended, no runtime
// ---------------------------------------------------------------------------

fn sem_try_acquire<S: Sem>(g: &mut BenchmarkGroup<'_, WallTime>, id: &str) {
    let sem = S::new(1);
    verify(id, || {
        let permit = sem.try_acquire().expect("free");
        assert!(sem.try_acquire().is_none(), "{id}: the one permit is out");
        drop(permit);
    });
    g.bench_function(id, |b| {
        b.iter(|| drop(black_box(sem.try_acquire().expect("uncontended"))))
    });
}

fn group_2(c: &mut Criterion) {
    let mut g = per_op_group(c, "2_sem_try_acquire");
    in_alternating_order(
        &mut g,
        vec![
            Box::new(|g| sem_try_acquire::<syncio::Semaphore>(g, "syncio")),
            Box::new(|g| sem_try_acquire::<tokio::sync::Semaphore>(g, "tokio")),
            Box::new(|g| sem_try_acquire::<async_lock::Semaphore>(g, "async_lock")),
            Box::new(|g| sem_try_acquire::<FiSem>(g, "futures_intrusive")),
            Box::new(|g| sem_try_acquire::<FloorSem>(g, "floor_atomic")),
        ],
    );
    g.finish();
}

// ---------------------------------------------------------------------------
// 3. 64 tasks share a Semaphore(4): acquire, yield, release
// ---------------------------------------------------------------------------

const W3_TASKS: usize = 64;
const W3_ROUNDS: usize = 1000;
const W3_PERMITS: usize = 4;

/// Returns how many times a permit was held (counted only when `check`).
async fn sem_contended<S: Sem>(check: bool) -> usize {
    let sem = Arc::new(S::new(W3_PERMITS));
    let occupancy = Arc::new(Occupancy::default());
    let tasks: Vec<_> = (0..W3_TASKS)
        .map(|_| {
            let sem = Arc::clone(&sem);
            let occupancy = Arc::clone(&occupancy);
            tokio::spawn(async move {
                for _ in 0..W3_ROUNDS {
                    let permit = sem.acquire().await;
                    if check {
                        occupancy.enter(W3_PERMITS);
                    }
                    tokio::task::yield_now().await;
                    if check {
                        occupancy.leave();
                    }
                    drop(permit);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task panicked");
    }
    occupancy.entries()
}

fn sem_contended_bench<S: Sem>(g: &mut BenchmarkGroup<'_, WallTime>, id: &str, rt: &Runtime) {
    let held = verify(id, || rt.block_on(sem_contended::<S>(true)));
    assert_eq!(held, W3_TASKS * W3_ROUNDS, "{id}: acquisitions");
    bench_on_runtime(g, id, rt, || sem_contended::<S>(false));
}

fn group_3(c: &mut Criterion) {
    let ops = (W3_TASKS * W3_ROUNDS) as u64;
    for (name, rt) in [
        ("3a_sem_contended_2_workers", multi_thread(2)),
        ("3b_sem_contended_current_thread", current_thread()),
    ] {
        let mut g = workload_group(c, name, ops);
        in_alternating_order(
            &mut g,
            vec![
                Box::new(|g| sem_contended_bench::<syncio::Semaphore>(g, "syncio", &rt)),
                Box::new(|g| sem_contended_bench::<BargingSem>(g, "syncio_barging", &rt)),
                Box::new(|g| sem_contended_bench::<tokio::sync::Semaphore>(g, "tokio", &rt)),
                Box::new(|g| sem_contended_bench::<async_lock::Semaphore>(g, "async_lock", &rt)),
                Box::new(|g| sem_contended_bench::<FiSem>(g, "futures_intrusive", &rt)),
            ],
        );
        g.finish();
    }
}

// ---------------------------------------------------------------------------
// 4. 8 tasks x 10_000 lock / increment / unlock, 2 workers
// ---------------------------------------------------------------------------

const W4_TASKS: usize = 8;
const W4_ROUNDS: usize = 10_000;

/// Returns the counter's final value.
async fn mutex_tasks<M: AsyncMutex>() -> u64 {
    let mutex = Arc::new(M::new(0));
    let tasks: Vec<_> = (0..W4_TASKS)
        .map(|_| {
            let mutex = Arc::clone(&mutex);
            tokio::spawn(async move {
                for _ in 0..W4_ROUNDS {
                    *mutex.lock().await += 1;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task panicked");
    }
    let total = *mutex.lock().await;
    total
}

fn mutex_tasks_bench<M: AsyncMutex>(g: &mut BenchmarkGroup<'_, WallTime>, id: &str, rt: &Runtime) {
    let total = verify(id, || rt.block_on(mutex_tasks::<M>()));
    assert_eq!(total, (W4_TASKS * W4_ROUNDS) as u64, "{id}: lost updates");
    bench_on_runtime(g, id, rt, mutex_tasks::<M>);
}

fn group_4(c: &mut Criterion) {
    let rt = multi_thread(2);
    let ops = (W4_TASKS * W4_ROUNDS) as u64;
    let mut g = workload_group(c, "4_mutex_8_tasks_2_workers", ops);
    in_alternating_order(
        &mut g,
        vec![
            Box::new(|g| mutex_tasks_bench::<syncio::Mutex<u64>>(g, "syncio", &rt)),
            Box::new(|g| mutex_tasks_bench::<BargingMutex>(g, "syncio_barging", &rt)),
            Box::new(|g| mutex_tasks_bench::<tokio::sync::Mutex<u64>>(g, "tokio", &rt)),
            Box::new(|g| mutex_tasks_bench::<async_lock::Mutex<u64>>(g, "async_lock", &rt)),
            Box::new(|g| mutex_tasks_bench::<FiMutex<true>>(g, "futures_intrusive_fair", &rt)),
            Box::new(|g| mutex_tasks_bench::<FiMutex<false>>(g, "futures_intrusive_unfair", &rt)),
        ],
    );
    g.finish();
}

// ---------------------------------------------------------------------------
// 5. OS threads x 100_000 lock / increment / unlock
// ---------------------------------------------------------------------------

const W5_ROUNDS: usize = 100_000;

/// Returns the counter's final value. The thread spawns (a few tens of µs)
/// are inside the timed part, the same for every contender.
fn mutex_threads<M: BlockingMutex>(threads: usize, rounds: usize) -> u64 {
    let mutex = M::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..rounds {
                    *mutex.lock() += 1;
                }
            });
        }
    });
    let total = *mutex.lock();
    total
}

fn mutex_threads_bench<M: BlockingMutex>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    threads: usize,
    rounds: usize,
) {
    let total = verify(id, || mutex_threads::<M>(threads, rounds));
    assert_eq!(total, (threads * rounds) as u64, "{id}: lost updates");
    g.throughput(Throughput::Elements((threads * rounds) as u64));
    g.bench_function(id, |b| {
        b.iter(|| mutex_threads::<M>(black_box(threads), black_box(rounds)))
    });
}

/// Rounds per thread for tokio's `blocking_lock` with 8 threads. It passes
/// the lock to the oldest parked waiter, so with 8 threads on 2 cores nearly
/// every unlock wakes a parked thread (about 9 µs each here): 8 x 100_000
/// would take several seconds per iteration. It runs 8 x 12_500 instead; the
/// report compares time per operation (the group's throughput is set per
/// contender), which does not depend on the count once the hand-off convoy is
/// steady. (syncio's FIFO lock, which spins before parking, runs the full
/// count.)
const W5_ROUNDS_HANDOFF_8: usize = 12_500;

/// Workload 5's groups and their thread counts.
const W5_GROUPS: [(&str, usize); 2] = [("5a_mutex_2_threads", 2), ("5b_mutex_8_threads", 8)];

/// Rounds per thread for tokio's hand-off lock (see `W5_ROUNDS_HANDOFF_8`).
fn w5_handoff_rounds(threads: usize) -> usize {
    if threads == 8 {
        W5_ROUNDS_HANDOFF_8
    } else {
        W5_ROUNDS
    }
}

fn group_5(c: &mut Criterion) {
    for (name, threads) in W5_GROUPS {
        let handoff = w5_handoff_rounds(threads);
        let mut g = workload_group(c, name, (threads * W5_ROUNDS) as u64);
        // The hand-off locks take up to ~0.8 s an iteration here; 10 samples
        // need more than the default 3 s.
        g.measurement_time(Duration::from_secs(if threads == 8 { 9 } else { 5 }));
        in_alternating_order(
            &mut g,
            vec![
                Box::new(|g| {
                    mutex_threads_bench::<syncio::Mutex<u64>>(g, "syncio", threads, W5_ROUNDS)
                }),
                Box::new(|g| {
                    mutex_threads_bench::<BargingMutex>(g, "syncio_barging", threads, W5_ROUNDS)
                }),
                Box::new(|g| {
                    mutex_threads_bench::<std::sync::Mutex<u64>>(g, "std", threads, W5_ROUNDS)
                }),
                Box::new(|g| {
                    mutex_threads_bench::<parking_lot::Mutex<u64>>(
                        g,
                        "parking_lot",
                        threads,
                        W5_ROUNDS,
                    )
                }),
                Box::new(|g| {
                    mutex_threads_bench::<tokio::sync::Mutex<u64>>(g, "tokio", threads, handoff)
                }),
            ],
        );
        g.finish();
    }
}

// ---------------------------------------------------------------------------
// 6. Ping-pong between two tasks
// ---------------------------------------------------------------------------

/// `round_trips` times: A signals B, B signals back. A runs in the runtime's
/// `block_on` (the calling thread), B is spawned: on a current-thread runtime
/// both run on one thread, on a multi-thread runtime B runs on a worker, so
/// every wake-up crosses threads. Returns `false` if either side ever saw
/// the turn counter out of step (never asserted inside, so that a broken
/// side cannot leave the other waiting forever).
async fn ping_pong<N: Notifier>(round_trips: u64) -> bool {
    let ping = Arc::new(N::new());
    let pong = Arc::new(N::new());
    let turn = Arc::new(AtomicUsize::new(0));
    let b = {
        let (ping, pong, turn) = (Arc::clone(&ping), Arc::clone(&pong), Arc::clone(&turn));
        tokio::spawn(async move {
            let mut in_step = true;
            for i in 0..round_trips as usize {
                ping.wait().await;
                in_step &= turn.load(Relaxed) == 2 * i + 1;
                turn.store(2 * i + 2, Relaxed);
                pong.signal();
            }
            in_step
        })
    };
    let mut in_step = true;
    for i in 0..round_trips as usize {
        in_step &= turn.load(Relaxed) == 2 * i;
        turn.store(2 * i + 1, Relaxed);
        ping.signal();
        pong.wait().await;
    }
    in_step &= turn.load(Relaxed) == 2 * round_trips as usize;
    b.await.expect("task panicked") && in_step
}

/// Round trips of the checked run (and of a profile run): the timed runs
/// take criterion's iteration count instead.
const W6_ROUND_TRIPS: u64 = 10_000;

fn ping_pong_bench<N: Notifier>(g: &mut BenchmarkGroup<'_, WallTime>, id: &str, rt: &Runtime) {
    let in_step = verify(id, || rt.block_on(ping_pong::<N>(W6_ROUND_TRIPS)));
    assert!(in_step, "{id}: a wait returned out of turn");
    g.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            black_box(rt.block_on(ping_pong::<N>(iters)));
            start.elapsed()
        })
    });
}

fn group_6(c: &mut Criterion) {
    for (name, rt) in [
        ("6a_ping_pong_same_thread", current_thread()),
        ("6b_ping_pong_across_threads", multi_thread(2)),
    ] {
        let mut g = per_op_group(c, name);
        in_alternating_order(
            &mut g,
            vec![
                Box::new(|g| ping_pong_bench::<syncio::Event>(g, "syncio", &rt)),
                Box::new(|g| ping_pong_bench::<tokio::sync::Notify>(g, "tokio", &rt)),
                Box::new(|g| ping_pong_bench::<FiEvent>(g, "futures_intrusive", &rt)),
            ],
        );
        g.finish();
    }
}

// ---------------------------------------------------------------------------
// 7. Barrier generations: 8 tasks x 1000 waits, 2 workers
// ---------------------------------------------------------------------------

const W7_TASKS: usize = 8;
const W7_ROUNDS: usize = 1000;

/// Returns the number of leaders (one per generation).
async fn barrier_tasks<B: AsyncBarrier>() -> usize {
    let barrier = Arc::new(B::new(W7_TASKS));
    let leaders = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..W7_TASKS)
        .map(|_| {
            let barrier = Arc::clone(&barrier);
            let leaders = Arc::clone(&leaders);
            tokio::spawn(async move {
                for _ in 0..W7_ROUNDS {
                    if barrier.wait().await {
                        leaders.fetch_add(1, Relaxed);
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task panicked");
    }
    leaders.load(Relaxed)
}

fn barrier_bench<B: AsyncBarrier>(g: &mut BenchmarkGroup<'_, WallTime>, id: &str, rt: &Runtime) {
    let leaders = verify(id, || rt.block_on(barrier_tasks::<B>()));
    assert_eq!(leaders, W7_ROUNDS, "{id}: one leader per generation");
    bench_on_runtime(g, id, rt, barrier_tasks::<B>);
}

fn group_7(c: &mut Criterion) {
    let rt = multi_thread(2);
    let ops = (W7_TASKS * W7_ROUNDS) as u64;
    let mut g = workload_group(c, "7_barrier_8_tasks_2_workers", ops);
    in_alternating_order(
        &mut g,
        vec![
            Box::new(|g| barrier_bench::<syncio::Barrier>(g, "syncio", &rt)),
            Box::new(|g| barrier_bench::<tokio::sync::Barrier>(g, "tokio", &rt)),
            Box::new(|g| barrier_bench::<async_lock::Barrier>(g, "async_lock", &rt)),
        ],
    );
    g.finish();
}

// ---------------------------------------------------------------------------
// 8. Mixed: 2 OS threads + 4 tasks on one Semaphore(2)
// ---------------------------------------------------------------------------

const W8_THREADS: usize = 2;
const W8_TASKS: usize = 4;
const W8_ROUNDS: usize = 5000;
const W8_PERMITS: usize = 2;

/// Threads acquire with `acquire_blocking`, tasks (on `rt`) with `acquire`.
/// Returns how many times a permit was held (counted only when `check`).
fn mixed<S: BlockingSem>(rt: &Runtime, check: bool) -> usize {
    let sem = Arc::new(S::new(W8_PERMITS));
    let occupancy = Arc::new(Occupancy::default());
    std::thread::scope(|s| {
        for _ in 0..W8_THREADS {
            s.spawn(|| {
                for _ in 0..W8_ROUNDS {
                    let permit = sem.acquire_blocking();
                    if check {
                        occupancy.enter(W8_PERMITS);
                        occupancy.leave();
                    }
                    drop(permit);
                }
            });
        }
        rt.block_on(async {
            let tasks: Vec<_> = (0..W8_TASKS)
                .map(|_| {
                    let sem = Arc::clone(&sem);
                    let occupancy = Arc::clone(&occupancy);
                    tokio::spawn(async move {
                        for _ in 0..W8_ROUNDS {
                            let permit = sem.acquire().await;
                            if check {
                                occupancy.enter(W8_PERMITS);
                                occupancy.leave();
                            }
                            drop(permit);
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.expect("task panicked");
            }
        });
    });
    occupancy.entries()
}

fn mixed_bench<S: BlockingSem>(g: &mut BenchmarkGroup<'_, WallTime>, id: &str, rt: &Runtime) {
    let held = verify(id, || mixed::<S>(rt, true));
    assert_eq!(
        held,
        (W8_THREADS + W8_TASKS) * W8_ROUNDS,
        "{id}: acquisitions"
    );
    g.bench_function(id, |b| b.iter(|| mixed::<S>(rt, false)));
}

fn group_8(c: &mut Criterion) {
    let rt = multi_thread(2);
    let ops = ((W8_THREADS + W8_TASKS) * W8_ROUNDS) as u64;
    let mut g = workload_group(c, "8_mixed_2_threads_4_tasks", ops);
    in_alternating_order(
        &mut g,
        vec![
            Box::new(|g| mixed_bench::<syncio::Semaphore>(g, "syncio", &rt)),
            Box::new(|g| mixed_bench::<BargingSem>(g, "syncio_barging", &rt)),
            // tokio: the threads run `futures::executor::block_on(sem.acquire())`.
            Box::new(|g| mixed_bench::<tokio::sync::Semaphore>(g, "tokio", &rt)),
            // async-lock: the threads use its own `acquire_blocking`.
            Box::new(|g| mixed_bench::<async_lock::Semaphore>(g, "async_lock", &rt)),
        ],
    );
    g.finish();
}

// ---------------------------------------------------------------------------
// Profiling: one workload for one contender, untimed
// ---------------------------------------------------------------------------

/// One workload run for one contender, outside criterion, for a profiler
/// (`scripts/callgrind.sh` counts its instructions per operation).
struct Profiled {
    /// Operations in one run of `run`.
    ops: usize,
    run: Box<dyn Fn()>,
}

/// `workload` on `rt`, `ops` operations a run.
fn profiled_on<Fut: Future>(
    rt: Runtime,
    ops: usize,
    workload: impl Fn() -> Fut + 'static,
) -> Profiled {
    Profiled {
        ops,
        run: Box::new(move || {
            rt.block_on(workload());
        }),
    }
}

fn profiled_sem<S: Sem>(rt: Runtime) -> Profiled {
    profiled_on(rt, W3_TASKS * W3_ROUNDS, || sem_contended::<S>(false))
}

fn profiled_mutex<M: AsyncMutex>(rt: Runtime) -> Profiled {
    profiled_on(rt, W4_TASKS * W4_ROUNDS, mutex_tasks::<M>)
}

fn profiled_ping_pong<N: Notifier>(rt: Runtime) -> Profiled {
    profiled_on(rt, W6_ROUND_TRIPS as usize, || {
        ping_pong::<N>(W6_ROUND_TRIPS)
    })
}

fn profiled_barrier<B: AsyncBarrier>(rt: Runtime) -> Profiled {
    profiled_on(rt, W7_TASKS * W7_ROUNDS, barrier_tasks::<B>)
}

/// Workload 5: `threads` OS threads, `rounds` lock / increment / unlock
/// each, on one blocking mutex; no runtime.
fn profiled_threads<M: BlockingMutex>(threads: usize, rounds: usize) -> Profiled {
    Profiled {
        ops: threads * rounds,
        run: Box::new(move || {
            black_box(mutex_threads::<M>(threads, rounds));
        }),
    }
}

/// The workload (its number, as in the group names: `3a`, `3b`, `4`, `5a`,
/// `5b`, `6a`, `6b`, `7`) and contender (its bench id) a profile run names,
/// or `None`.
fn profiled(workload: &str, contender: &str) -> Option<Profiled> {
    // `5a` names the group `5a_mutex_2_threads`: the same thread and round
    // counts as the criterion group, tokio's shorter 8-thread run included.
    let w5 = W5_GROUPS
        .iter()
        .find(|(name, _)| name.split('_').next() == Some(workload));
    if let Some(&(_, threads)) = w5 {
        let handoff = w5_handoff_rounds(threads);
        return Some(match contender {
            "syncio" => profiled_threads::<syncio::Mutex<u64>>(threads, W5_ROUNDS),
            "syncio_barging" => profiled_threads::<BargingMutex>(threads, W5_ROUNDS),
            "std" => profiled_threads::<std::sync::Mutex<u64>>(threads, W5_ROUNDS),
            "parking_lot" => profiled_threads::<parking_lot::Mutex<u64>>(threads, W5_ROUNDS),
            "tokio" => profiled_threads::<tokio::sync::Mutex<u64>>(threads, handoff),
            _ => return None,
        });
    }
    let rt = match workload {
        "3b" | "6a" => current_thread(),
        _ => multi_thread(2),
    };
    Some(match (workload, contender) {
        ("3a" | "3b", "syncio") => profiled_sem::<syncio::Semaphore>(rt),
        ("3a" | "3b", "syncio_barging") => profiled_sem::<BargingSem>(rt),
        ("3a" | "3b", "tokio") => profiled_sem::<tokio::sync::Semaphore>(rt),
        ("3a" | "3b", "async_lock") => profiled_sem::<async_lock::Semaphore>(rt),
        ("3a" | "3b", "futures_intrusive") => profiled_sem::<FiSem>(rt),
        ("4", "syncio") => profiled_mutex::<syncio::Mutex<u64>>(rt),
        ("4", "syncio_barging") => profiled_mutex::<BargingMutex>(rt),
        ("4", "tokio") => profiled_mutex::<tokio::sync::Mutex<u64>>(rt),
        ("4", "async_lock") => profiled_mutex::<async_lock::Mutex<u64>>(rt),
        ("4", "futures_intrusive_fair") => profiled_mutex::<FiMutex<true>>(rt),
        ("4", "futures_intrusive_unfair") => profiled_mutex::<FiMutex<false>>(rt),
        ("6a" | "6b", "syncio") => profiled_ping_pong::<syncio::Event>(rt),
        ("6a" | "6b", "tokio") => profiled_ping_pong::<tokio::sync::Notify>(rt),
        ("6a" | "6b", "futures_intrusive") => profiled_ping_pong::<FiEvent>(rt),
        ("7", "syncio") => profiled_barrier::<syncio::Barrier>(rt),
        ("7", "tokio") => profiled_barrier::<tokio::sync::Barrier>(rt),
        ("7", "async_lock") => profiled_barrier::<async_lock::Barrier>(rt),
        _ => return None,
    })
}

/// `SYNCIO_PROFILE=<workload>/<contender>/<runs>`: runs that workload `runs`
/// times, untimed and unchecked, and prints the operations in one run. Two
/// such runs with different counts, under a profiler, give the cost of one
/// operation by difference, free of the set-up both share.
fn profile(spec: &str) {
    let parts: Vec<&str> = spec.split('/').collect();
    let [workload, contender, runs] = parts[..] else {
        panic!("SYNCIO_PROFILE={spec}: expected <workload>/<contender>/<runs>");
    };
    let runs: usize = runs
        .parse()
        .unwrap_or_else(|_| panic!("SYNCIO_PROFILE={spec}: runs is not a count"));
    let Some(p) = profiled(workload, contender) else {
        panic!("SYNCIO_PROFILE={spec}: no such workload / contender pair");
    };
    for _ in 0..runs {
        (p.run)();
    }
    println!("ops per run: {}", p.ops);
}

fn main() {
    if let Ok(spec) = std::env::var("SYNCIO_PROFILE") {
        profile(&spec);
        return;
    }
    let mut c = Criterion::default().without_plots().configure_from_args();
    group_1(&mut c);
    group_2(&mut c);
    group_3(&mut c);
    group_4(&mut c);
    group_5(&mut c);
    group_6(&mut c);
    group_7(&mut c);
    group_8(&mut c);
    c.final_summary();
}
