//! Sign-in throttling. Each attempt runs argon2 (about 19 MiB for a moment): unbounded, a flood of
//! attempts exhausts memory, and unthrottled, a password can be guessed at leisure. So:
//!
//! - failed attempts are counted per account (the e-mail as typed, known or not, so the answer
//!   does not tell which accounts exist) and per client address, over a window; past the limit an
//!   attempt is refused before any hashing, with the seconds until it may be tried again;
//! - at most a few hashings run at once; the others wait their turn, and a wait that would be too
//!   long is refused too.
//!
//! The counts live in the process: each registry instance throttles on its own.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Failed attempts allowed per account within [`WINDOW`].
pub const PER_ACCOUNT: usize = 5;
/// Failed attempts allowed per client address within [`WINDOW`].
pub const PER_ADDRESS: usize = 30;
/// How far back failures count.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Hashings that may run at once.
pub const HASHINGS: usize = 4;
/// How long an attempt may wait for its turn to hash.
const TURN: Duration = Duration::from_secs(10);

/// Why an attempt is not tried now, with when it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub retry_after: Duration,
}

#[derive(Default)]
struct Failures {
    by_account: HashMap<String, VecDeque<Instant>>,
    by_address: HashMap<IpAddr, VecDeque<Instant>>,
}

fn prune(times: &mut VecDeque<Instant>, now: Instant) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) >= WINDOW)
    {
        times.pop_front();
    }
}

/// When the oldest failure counted against `limit` leaves the window.
fn wait(times: &VecDeque<Instant>, limit: usize, now: Instant) -> Option<Duration> {
    (times.len() >= limit).then(|| {
        let oldest = times[times.len() - limit];
        WINDOW.saturating_sub(now.duration_since(oldest)) + Duration::from_secs(1)
    })
}

/// The throttle shared by every sign-in of the process.
#[derive(Clone)]
pub struct Throttle {
    failures: Arc<Mutex<Failures>>,
    hashing: Arc<Semaphore>,
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            failures: Arc::default(),
            hashing: Arc::new(Semaphore::new(HASHINGS)),
        }
    }
}

fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Throttle {
    /// Whether an attempt for `email` from `address` may be tried now.
    pub fn check(&self, email: &str, address: Option<IpAddr>) -> Result<(), Refused> {
        let now = Instant::now();
        let mut failures = self.failures.lock();
        let mut longest: Option<Duration> = None;
        if let Some(times) = failures.by_account.get_mut(&account_key(email)) {
            prune(times, now);
            longest = longest.max(wait(times, PER_ACCOUNT, now));
        }
        if let Some(times) = address.and_then(|a| failures.by_address.get_mut(&a)) {
            prune(times, now);
            longest = longest.max(wait(times, PER_ADDRESS, now));
        }
        match longest {
            Some(retry_after) => Err(Refused { retry_after }),
            None => Ok(()),
        }
    }

    /// Counts a failed attempt.
    pub fn failed(&self, email: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        let mut failures = self.failures.lock();
        failures
            .by_account
            .entry(account_key(email))
            .or_default()
            .push_back(now);
        if let Some(address) = address {
            failures
                .by_address
                .entry(address)
                .or_default()
                .push_back(now);
        }
        // Forget accounts and addresses whose failures have all left the window.
        if failures.by_account.len() > 10_000 || failures.by_address.len() > 10_000 {
            failures.by_account.retain(|_, t| {
                prune(t, now);
                !t.is_empty()
            });
            failures.by_address.retain(|_, t| {
                prune(t, now);
                !t.is_empty()
            });
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn succeeded(&self, email: &str) {
        self.failures.lock().by_account.remove(&account_key(email));
    }

    /// A turn to hash a password, waited for at most a few seconds.
    pub async fn turn(&self) -> Result<OwnedSemaphorePermit, Refused> {
        let permit = Arc::clone(&self.hashing).acquire_owned();
        match tokio::time::timeout(TURN, permit).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Refused {
                retry_after: Duration::from_secs(5),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_refused_after_its_failures_known_or_not_and_success_clears_it() {
        let throttle = Throttle::default();
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..PER_ACCOUNT {
            assert!(throttle.check("Ann@Example.org", Some(address)).is_ok());
            throttle.failed("ann@example.org", Some(address));
        }
        let refused = throttle.check(" ANN@example.org", None).unwrap_err();
        assert!(refused.retry_after > Duration::from_secs(60));
        // Another account from the same address is still tried.
        assert!(throttle.check("bob@example.org", Some(address)).is_ok());
        throttle.succeeded("ann@example.org");
        assert!(throttle.check("ann@example.org", None).is_ok());
    }

    #[test]
    fn an_address_is_refused_after_its_failures_across_accounts() {
        let throttle = Throttle::default();
        let address: IpAddr = "192.0.2.2".parse().unwrap();
        for n in 0..PER_ADDRESS {
            throttle.failed(&format!("user{n}@example.org"), Some(address));
        }
        assert!(throttle
            .check("someone@example.org", Some(address))
            .is_err());
        assert!(throttle
            .check("someone@example.org", Some("192.0.2.3".parse().unwrap()))
            .is_ok());
    }
}
