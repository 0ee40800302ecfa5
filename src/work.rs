//! Expensive queries off the async workers: a bounded pool of blocking
//! threads, a time budget per query, and a stop flag set when the caller
//! goes away.
//!
//! The work itself calls [`Budget::check`] in its loops; a check fails once
//! the caller is gone or the budget is spent, and the work returns early.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

/// Where a budget's time comes from: the monotonic clock, or a test's.
pub type Ticker = Arc<dyn Fn() -> Instant + Send + Sync>;

/// Why work stopped before it was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Stop {
    /// The caller went away; nobody wants the answer.
    #[error("the caller went away")]
    Cancelled,
    /// The query used up its time budget.
    #[error("the query used up its time budget")]
    OverBudget,
}

/// Why a query got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Every slot stayed taken for the whole budget.
    #[error("every worker is busy")]
    Busy,
    /// The query ran out of time while others ran beside it (it may fit
    /// when the server is quieter), or its caller went away.
    #[error("{0}")]
    Stopped(Stop),
    /// The query ran out of time with the pool to itself: asking again
    /// will not help, only a smaller query will.
    #[error("the query needs more than its whole time budget")]
    TooLarge,
}

/// The running query's allowance: checked by the work as it goes.
pub struct Budget {
    cancelled: Arc<AtomicBool>,
    started: Instant,
    limit: Duration,
    now: Ticker,
    checks: AtomicU64,
}

impl Budget {
    /// A budget of `limit` from now on `now`'s clock, stopped by `cancelled`.
    fn new(limit: Duration, now: Ticker, cancelled: Arc<AtomicBool>) -> Budget {
        Budget { cancelled, started: now(), limit, now, checks: AtomicU64::new(0) }
    }

    /// A budget that never runs out (command-line tools, benchmarks).
    pub fn unlimited() -> Budget {
        Budget::new(Duration::MAX, Arc::new(Instant::now), Arc::new(AtomicBool::new(false)))
    }

    /// `Ok` while the caller waits and time is left; the work stops on `Err`.
    pub fn check(&self) -> Result<(), Stop> {
        self.checks.fetch_add(1, Ordering::Relaxed);
        if self.cancelled.load(Ordering::Relaxed) {
            return Err(Stop::Cancelled);
        }
        if (self.now)().saturating_duration_since(self.started) > self.limit {
            return Err(Stop::OverBudget);
        }
        Ok(())
    }

    /// How many times the work checked in (a measure of work done).
    pub fn checks(&self) -> u64 {
        self.checks.load(Ordering::Relaxed)
    }
}

/// Counters of what the pool did, for tests and operators.
#[derive(Debug, Default)]
pub struct Counters {
    /// Queries that ran to the end.
    pub finished: AtomicU64,
    /// Queries stopped because their caller went away.
    pub cancelled: AtomicU64,
    /// Queries stopped by the budget.
    pub over_budget: AtomicU64,
    /// Queries refused because no slot freed up within the budget.
    pub busy: AtomicU64,
}

/// A bounded pool of blocking threads for expensive queries.
#[derive(Clone)]
pub struct WorkPool {
    slots: Arc<Semaphore>,
    size: usize,
    budget: Duration,
    now: Ticker,
    counters: Arc<Counters>,
}

/// Queries run at once unless configured otherwise.
pub const DEFAULT_SLOTS: usize = 2;
/// The time budget of `witgis serve` unless configured otherwise.
pub const DEFAULT_BUDGET: Duration = Duration::from_millis(2000);

/// The pool of a state built without one (library use, tests): two slots,
/// and ten minutes per query, so that unoptimised test builds, ten times
/// slower, still finish; `witgis serve` sets its own.
impl Default for WorkPool {
    fn default() -> Self {
        WorkPool::new(DEFAULT_SLOTS, Duration::from_secs(600))
    }
}

impl std::fmt::Debug for WorkPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkPool")
            .field("free_slots", &self.slots.available_permits())
            .field("budget", &self.budget)
            .finish()
    }
}

/// Sets the stop flag when the waiting request is dropped.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl WorkPool {
    /// At most `slots` queries at once, each with `budget` of time.
    pub fn new(slots: usize, budget: Duration) -> WorkPool {
        WorkPool {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            size: slots.max(1),
            budget,
            now: Arc::new(Instant::now),
            counters: Arc::default(),
        }
    }

    /// How many queries run at once at most.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The same pool reading time from `now` (tests: a clock that moves a
    /// fixed step per reading makes the budget a count of checks).
    pub fn with_ticker(mut self, now: Ticker) -> WorkPool {
        self.now = now;
        self
    }

    /// Each query's time budget.
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// What the pool did so far.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Runs `work` on a blocking thread once a slot is free, with a fresh
    /// [`Budget`]. Dropping the returned future tells the work to stop.
    pub async fn run<T, F>(&self, work: F) -> Result<T, Refused>
    where
        T: Send + 'static,
        F: FnOnce(&Budget) -> Result<T, Stop> + Send + 'static,
    {
        let cancelled = Arc::new(AtomicBool::new(false));
        let _guard = CancelOnDrop(Arc::clone(&cancelled));
        let permit = match tokio::time::timeout(self.budget, Arc::clone(&self.slots).acquire_owned()).await {
            Ok(Ok(p)) => p,
            Ok(Err(_)) | Err(_) => {
                self.counters.busy.fetch_add(1, Ordering::Relaxed);
                return Err(Refused::Busy);
            }
        };
        let alone = self.slots.available_permits() + 1 >= self.size;
        let budget = Budget::new(self.budget, Arc::clone(&self.now), Arc::clone(&cancelled));
        let counters = Arc::clone(&self.counters);
        let slots = Arc::clone(&self.slots);
        let size = self.size;
        let handle = tokio::task::spawn_blocking(move || {
            let outcome = work(&budget);
            // Alone the whole time if no other query held a slot at the end
            // either (and it had the pool to itself at the start, below).
            let alone_now = slots.available_permits() + 1 >= size;
            let counter = match outcome {
                Ok(_) => &counters.finished,
                Err(Stop::Cancelled) => &counters.cancelled,
                Err(Stop::OverBudget) => &counters.over_budget,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            drop(permit);
            (outcome, alone_now)
        });
        match handle.await {
            Ok((Err(Stop::OverBudget), true)) if alone => Err(Refused::TooLarge),
            Ok((outcome, _)) => outcome.map_err(Refused::Stopped),
            // The work panicked: the caller gets the same answer as any
            // other failed query would, the panic is logged by tokio.
            Err(_) => Err(Refused::Stopped(Stop::Cancelled)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock that moves one millisecond each time it is read.
    fn ticking() -> Ticker {
        let start = Instant::now();
        let reads = Arc::new(AtomicU64::new(0));
        Arc::new(move || start + Duration::from_millis(reads.fetch_add(1, Ordering::Relaxed)))
    }

    #[tokio::test]
    async fn work_past_its_budget_is_stopped() {
        let pool = WorkPool::new(1, Duration::from_millis(10)).with_ticker(ticking());
        let outcome = pool
            .run(|b| {
                let mut n = 0u64;
                loop {
                    b.check()?;
                    n += 1;
                    if n == 1_000 {
                        return Ok(n);
                    }
                }
            })
            .await;
        assert_eq!(outcome, Err(Refused::TooLarge), "alone in the pool: too large, not busy");
        assert_eq!(pool.counters().over_budget.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn work_within_its_budget_answers() {
        let pool = WorkPool::new(1, Duration::from_millis(10)).with_ticker(ticking());
        let outcome = pool
            .run(|b| {
                for _ in 0..5 {
                    b.check()?;
                }
                Ok(5)
            })
            .await;
        assert_eq!(outcome, Ok(5));
    }

    #[tokio::test]
    async fn a_dropped_caller_stops_the_work() {
        let pool = WorkPool::new(1, Duration::from_secs(3600));
        let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<u64>();
        let task = {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(move |b| {
                    let _ = started_tx.send(());
                    let _ = go_rx.recv();
                    let mut n = 0u64;
                    let outcome = loop {
                        if let Err(e) = b.check() {
                            break Err(e);
                        }
                        n += 1;
                        if n == u64::MAX {
                            break Ok(n);
                        }
                    };
                    let _ = done_tx.send(n);
                    outcome
                })
                .await
            })
        };
        tokio::task::spawn_blocking(move || started_rx.recv()).await.expect("join").expect("started");
        task.abort();
        let _ = task.await;
        go_tx.send(()).expect("the work waits");
        let steps = done_rx.await.expect("the work ends");
        assert_eq!(steps, 0, "the work stopped at its first check after the caller left");
        // The counter is bumped just after the work returns.
        while pool.counters().cancelled.load(Ordering::Relaxed) == 0 {
            tokio::task::yield_now().await;
        }
    }
}
