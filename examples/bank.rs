//! A bank of accounts shared by async tasks and OS threads: a `Mutex` for
//! the balances, and a Python-style `Lock` taken in one place and released in
//! another (an "audit in progress" flag that blocks transfers).
//!
//! ```python
//! balances_lock = threading.Lock()          # guards `balances`
//! audit = asyncio.Lock()
//! with balances_lock:
//!     balances[a] -= x; balances[b] += x
//! await audit.acquire()                     # released later, elsewhere
//! ...
//! audit.release()
//! ```
//!
//! Run it with `cargo run --example bank`.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use syncio::{Lock, Mutex};

const ACCOUNTS: usize = 4;
const START: i64 = 1_000;

struct Bank {
    balances: Mutex<[i64; ACCOUNTS]>,
    /// Held while an audit runs; transfers wait for it.
    audit: Lock,
}

impl Bank {
    async fn transfer(&self, from: usize, to: usize, amount: i64) {
        // Wait out a running audit without holding it.
        drop(self.audit.acquire().await);
        let mut b = self.balances.lock().await;
        b[from] -= amount;
        b[to] += amount;
    }

    fn transfer_blocking(&self, from: usize, to: usize, amount: i64) {
        drop(self.audit.acquire_blocking());
        let mut b = self.balances.lock_blocking();
        b[from] -= amount;
        b[to] += amount;
    }

    fn total(&self) -> i64 {
        self.balances.lock_blocking().iter().sum()
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let bank = Arc::new(Bank {
        balances: Mutex::new([START; ACCOUNTS]),
        audit: Lock::new(),
    });

    // Start an audit from this task: `await audit.acquire()` with no `with`.
    bank.audit.acquire().await.forget();
    println!("main: audit started, transfers wait");

    let tasks: Vec<_> = (0..3)
        .map(|t| {
            let bank = bank.clone();
            tokio::spawn(async move {
                for i in 0..100 {
                    bank.transfer((t + i) % ACCOUNTS, (t + i + 1) % ACCOUNTS, 7)
                        .await;
                }
                println!("task {t}: 100 transfers done");
            })
        })
        .collect();
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let bank = bank.clone();
            thread::spawn(move || {
                for i in 0..100 {
                    bank.transfer_blocking((t + i) % ACCOUNTS, (t + 2 * i) % ACCOUNTS, 3);
                }
                println!("thread {t}: 100 transfers done");
            })
        })
        .collect();

    // The audit: nobody can move money while it holds the audit lock.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let total = bank.total();
    println!("main: audit sees a total of {total}");
    assert_eq!(total, START * ACCOUNTS as i64);
    // Released from another thread, as Python's locks allow.
    let b = bank.clone();
    thread::spawn(move || b.audit.release().expect("the audit holds the lock"))
        .join()
        .unwrap();
    println!("main: audit released");

    for t in tasks {
        t.await.unwrap();
    }
    for t in threads {
        tokio::task::spawn_blocking(move || t.join().unwrap())
            .await
            .unwrap();
    }
    assert_eq!(bank.total(), START * ACCOUNTS as i64, "money is conserved");
    assert!(
        bank.audit.release().is_err(),
        "releasing an unheld lock is an error"
    );
    println!("main: final balances {:?}", *bank.balances.lock().await);
}
