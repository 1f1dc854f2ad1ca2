//! Slowing down guessing where locking out would do harm: one desk trying many usernames
//! (password spraying), and the clinic's last admin (who is never locked out, only slowed).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures across usernames counted over this window...
const WINDOW: Duration = Duration::from_secs(10 * 60);
/// ...are free up to this many; each one past it waits `step` longer, up to `MAX_WAIT`.
const FREE: usize = 10;
const MAX_WAIT: Duration = Duration::from_secs(30);

/// One desk's failed logins, and how long a failure waits before it is answered.
pub struct LoginThrottle {
    failures: Mutex<VecDeque<Instant>>,
    /// The wait added per failure past `FREE` on this desk.
    step: Duration,
    /// The wait of each failure for the last active admin past the lockout threshold.
    pub last_admin_wait: Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(Duration::from_secs(2), Duration::from_secs(10))
    }
}

impl LoginThrottle {
    pub fn new(step: Duration, last_admin_wait: Duration) -> Self {
        Self { failures: Mutex::default(), step, last_admin_wait }
    }

    /// Notes a failure on this desk; returns how long to wait before answering it.
    pub fn failed(&self) -> Duration {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("never poisoned");
        while failures.front().is_some_and(|t| now.duration_since(*t) > WINDOW) {
            failures.pop_front();
        }
        failures.push_back(now);
        let past_free = failures.len().saturating_sub(FREE) as u32;
        (self.step * past_free).min(MAX_WAIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_the_free_ones_wait_longer_up_to_a_cap() {
        let throttle = LoginThrottle::new(Duration::from_secs(2), Duration::ZERO);
        let waits: Vec<Duration> = (0..30).map(|_| throttle.failed()).collect();
        assert!(waits[..FREE].iter().all(|w| w.is_zero()));
        assert_eq!(waits[FREE], Duration::from_secs(2));
        assert_eq!(waits[FREE + 1], Duration::from_secs(4));
        assert_eq!(waits[29], MAX_WAIT);
    }
}
