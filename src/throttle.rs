//! Token buckets keyed by client address: how many requests (or failed
//! token attempts) an address may make, refilled at a steady rate. Time
//! comes from the service's [`crate::clock::Clock`], so tests move it by
//! hand.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// Addresses remembered at most; beyond, full buckets are forgotten first.
const MAX_ADDRESSES: usize = 10_000;

/// A rate: `burst` at once, then one more every `every_ms` milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Taken at once from a full bucket.
    pub burst: u32,
    /// Milliseconds to earn one back.
    pub every_ms: u64,
}

/// Tokens left in a bucket, and when they were counted.
type Bucket = (f64, DateTime<Utc>);

/// One bucket per address.
#[derive(Debug)]
pub struct Buckets {
    rate: Rate,
    /// Tokens left and when they were counted.
    state: Mutex<HashMap<Option<IpAddr>, Bucket>>,
}

impl Buckets {
    /// Empty buckets at `rate` (every address starts full).
    pub fn new(rate: Rate) -> Buckets {
        Buckets { rate, state: Mutex::new(HashMap::new()) }
    }

    fn refilled(&self, (tokens, then): Bucket, now: DateTime<Utc>) -> f64 {
        let earned = (now - then).num_milliseconds().max(0) as f64 / self.rate.every_ms.max(1) as f64;
        (tokens + earned).min(f64::from(self.rate.burst))
    }

    /// Whole seconds (at least 1) until a bucket holding `tokens` has one.
    fn seconds_until_one(&self, tokens: f64) -> u64 {
        let wait_ms = ((1.0 - tokens) * self.rate.every_ms as f64).round() as u64;
        wait_ms.div_ceil(1000).max(1)
    }

    /// Takes one token for `address` at `now`; when none is left, how many
    /// whole seconds until one is.
    pub fn take(&self, address: Option<IpAddr>, now: DateTime<Utc>) -> Result<(), u64> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.len() >= MAX_ADDRESSES && !state.contains_key(&address) {
            let full = f64::from(self.rate.burst);
            let keep: HashMap<_, _> = state.drain().filter(|(_, b)| self.refilled(*b, now) < full).collect();
            *state = keep;
            if state.len() >= MAX_ADDRESSES {
                state.clear();
            }
        }
        let full = (f64::from(self.rate.burst), now);
        let tokens = state.get(&address).map_or(full.0, |b| self.refilled(*b, now));
        if tokens >= 1.0 {
            state.insert(address, (tokens - 1.0, now));
            Ok(())
        } else {
            state.insert(address, (tokens, now));
            Err(self.seconds_until_one(tokens))
        }
    }

    /// Whether `address` has a token left at `now` (takes none).
    pub fn check(&self, address: Option<IpAddr>, now: DateTime<Utc>) -> Result<(), u64> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match state.get(&address).map(|b| self.refilled(*b, now)) {
            Some(tokens) if tokens < 1.0 => Err(self.seconds_until_one(tokens)),
            _ => Ok(()),
        }
    }
}

/// The service's limits.
#[derive(Debug)]
pub struct Limits {
    /// Failed token attempts (unknown, revoked or expired tokens).
    pub failed_tokens: Buckets,
    /// Writes and demand-log requests.
    pub writes: Buckets,
}

/// 10 failed token attempts at once, then one a minute.
pub const FAILED_TOKENS: Rate = Rate { burst: 10, every_ms: 60_000 };

/// 60 writes or demand requests at once, then two a second.
pub const WRITES: Rate = Rate { burst: 60, every_ms: 500 };

impl Default for Limits {
    fn default() -> Limits {
        Limits { failed_tokens: Buckets::new(FAILED_TOKENS), writes: Buckets::new(WRITES) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_empty_and_refill_with_the_clock() {
        let b = Buckets::new(Rate { burst: 3, every_ms: 2_000 });
        let t0: DateTime<Utc> = "2026-12-01T10:00:00Z".parse().unwrap();
        let a = Some("192.0.2.1".parse().unwrap());
        let other = Some("192.0.2.2".parse().unwrap());
        for _ in 0..3 {
            assert_eq!(b.take(a, t0), Ok(()));
        }
        assert_eq!(b.take(a, t0), Err(2), "one back in 2 s");
        assert_eq!(b.check(a, t0), Err(2));
        assert_eq!(b.take(other, t0), Ok(()), "each address has its own bucket");
        let later = t0 + chrono::Duration::milliseconds(1_500);
        assert_eq!(b.take(a, later), Err(1));
        assert_eq!(b.take(a, t0 + chrono::Duration::seconds(2)), Ok(()));
        assert_eq!(b.take(a, t0 + chrono::Duration::seconds(2)), Err(2));
        assert_eq!(b.check(a, t0 + chrono::Duration::hours(1)), Ok(()));
    }
}
