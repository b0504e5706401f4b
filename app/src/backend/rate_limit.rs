//! A sliding-window limiter of submitted jobs per person, counted when a job is accepted (a
//! refused submission costs nothing). In-process: with several web processes each keeps its
//! own window, which still bounds each process. Sign-ins have their own limits
//! (`signin_limits`), counted before the work.

use crate::error::AppError;
use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::{Duration, Instant},
};

pub struct RateLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        RateLimiter { max_failures, window, failures: Mutex::new(HashMap::new()) }
    }

    /// Refuses when `key` has failed `max_failures` times within the window.
    pub fn check(&self, key: &str) -> Result<(), AppError> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Some(times) = failures.get_mut(key) else { return Ok(()) };
        while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            times.pop_front();
        }
        if times.len() < self.max_failures {
            return Ok(());
        }
        let oldest = *times.front().expect("at least max_failures entries");
        let wait = self.window.saturating_sub(now.duration_since(oldest));
        Err(AppError::RateLimited { retry_after_secs: wait.as_secs().max(1) })
    }

    pub fn record_failure(&self, key: &str) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Keep memory bounded under a flood of distinct keys.
        if failures.len() > 10_000 {
            let window = self.window;
            failures.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let times = failures.entry(key.to_owned()).or_default();
        times.push_back(now);
        while times.len() > self.max_failures {
            times.pop_front();
        }
    }

    pub fn clear(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_max_failures_and_clears() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(limiter.check("a").is_ok());
            limiter.record_failure("a");
        }
        match limiter.check("a") {
            Err(AppError::RateLimited { retry_after_secs }) => assert!((1..=60).contains(&retry_after_secs)),
            other => panic!("expected RateLimited, got {other:?}"),
        }
        assert!(limiter.check("b").is_ok(), "other keys are unaffected");
        limiter.clear("a");
        assert!(limiter.check("a").is_ok());
    }

    #[test]
    fn failures_expire_with_the_window() {
        let limiter = RateLimiter::new(1, Duration::from_millis(30));
        limiter.record_failure("a");
        assert!(limiter.check("a").is_err());
        std::thread::sleep(Duration::from_millis(40));
        assert!(limiter.check("a").is_ok());
    }
}
