//! A bounded producer-consumer queue: one mutex, two conditions sharing it,
//! async tasks and OS threads on both sides.
//!
//! ```python
//! lock = threading.Lock()
//! not_empty, not_full = threading.Condition(lock), threading.Condition(lock)
//!
//! def put(item):
//!     with not_full:
//!         not_full.wait_for(lambda: len(queue) < CAPACITY)
//!         queue.append(item)
//!         not_empty.notify()
//!
//! def get():
//!     with not_empty:
//!         not_empty.wait_for(lambda: queue)
//!         not_full.notify()
//!         return queue.popleft()
//! ```
//!
//! Run it with `cargo run --example producer_consumer`. Producer 0 and
//! consumer 0 are OS threads, the others async tasks; `None` is the "no more
//! items" sentinel, one per consumer.

use std::collections::VecDeque;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use futures::future::join_all;
use syncio::{Condition, Mutex};

const CAPACITY: usize = 3;
const ITEMS_PER_PRODUCER: u32 = 8;
const PRODUCERS: u32 = 3;
const CONSUMERS: usize = 3;
const PAUSE: Duration = Duration::from_millis(1);

#[derive(Default)]
struct BoundedQueue {
    items: Mutex<VecDeque<Option<u32>>>,
    not_empty: Condition,
    not_full: Condition,
}

impl BoundedQueue {
    async fn put(&self, item: Option<u32>) {
        let guard = self.items.lock().await;
        let mut items = self.not_full.wait_for(guard, |q| q.len() < CAPACITY).await;
        items.push_back(item);
        self.not_empty.notify(1);
    }

    async fn get(&self) -> Option<u32> {
        let guard = self.items.lock().await;
        let mut items = self.not_empty.wait_for(guard, |q| !q.is_empty()).await;
        self.not_full.notify(1);
        items.pop_front().expect("the predicate saw an item")
    }

    fn put_blocking(&self, item: Option<u32>) {
        let guard = self.items.lock_blocking();
        let mut items = self
            .not_full
            .wait_for_blocking(guard, |q| q.len() < CAPACITY);
        items.push_back(item);
        self.not_empty.notify(1);
    }

    /// `get` with threading's `wait_for(predicate, timeout)`, retried.
    fn get_blocking(&self) -> Option<u32> {
        let mut items = self.items.lock_blocking();
        loop {
            let (guard, ready) = self
                .not_empty
                .wait_for_timeout(items, 2 * PAUSE, |q| !q.is_empty());
            items = guard;
            if ready {
                break;
            }
            println!("consumer thread: queue empty for 2 ms, waiting again");
        }
        self.not_full.notify(1);
        items.pop_front().expect("the predicate saw an item")
    }
}

fn items_of(producer: u32) -> impl Iterator<Item = u32> {
    (0..ITEMS_PER_PRODUCER).map(move |i| producer * 100 + i)
}

async fn task_producer(p: u32, queue: Arc<BoundedQueue>) {
    for item in items_of(p) {
        queue.put(Some(item)).await;
        println!("producer task {p}  put {item:>3}");
        tokio::time::sleep(PAUSE).await;
    }
}

async fn task_consumer(c: usize, queue: Arc<BoundedQueue>) -> Vec<u32> {
    let mut got = Vec::new();
    while let Some(item) = queue.get().await {
        println!("consumer task {c}  got {item:>3}");
        got.push(item);
    }
    got
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let queue = Arc::new(BoundedQueue::default());
    let producer0 = thread::spawn({
        let queue = queue.clone();
        move || {
            for item in items_of(0) {
                queue.put_blocking(Some(item));
                println!("producer thread  put {item:>3}");
                thread::sleep(PAUSE);
            }
        }
    });
    let consumer0 = thread::spawn({
        let queue = queue.clone();
        move || {
            let mut got = Vec::new();
            while let Some(item) = queue.get_blocking() {
                println!("consumer thread  got {item:>3}");
                got.push(item);
            }
            got
        }
    });

    // The async side: tokio tasks on the same queue.
    let producers: Vec<_> = (1..PRODUCERS)
        .map(|p| tokio::spawn(task_producer(p, queue.clone())))
        .collect();
    let consumers: Vec<_> = (1..CONSUMERS)
        .map(|c| tokio::spawn(task_consumer(c, queue.clone())))
        .collect();
    for p in join_all(producers).await {
        p.expect("producer task panicked");
    }
    tokio::task::spawn_blocking(move || producer0.join())
        .await
        .expect("joining the producer thread")
        .expect("producer thread panicked");
    for _ in 0..CONSUMERS {
        queue.put(None).await; // one sentinel per consumer
    }
    let mut consumed = tokio::task::spawn_blocking(move || consumer0.join())
        .await
        .expect("joining the consumer thread")
        .expect("consumer thread panicked");
    for c in join_all(consumers).await {
        consumed.extend(c.expect("consumer task panicked"));
    }

    consumed.sort_unstable();
    let expected: Vec<u32> = (0..PRODUCERS).flat_map(items_of).collect();
    assert_eq!(consumed, expected, "every item consumed exactly once");
    assert!(queue.items.lock().await.is_empty());
    println!("main: all {} items consumed exactly once", consumed.len());
}
