//! How often anyone may try a password or an access code, counted *before* the work is done
//! (argon2 costs ~19 MiB and tens of milliseconds per check), with governor's GCRA limiters.
//!
//! Three keys, so a stranger's guesses cannot lock the owner out:
//! - per client address: every log-in, registration and password check from one address
//!   (`HH_SIGNIN_ATTEMPTS_PER_CLIENT` an hour, a quarter of it at once);
//! - per client address and account: 10 attempts, then one more every 90 s — what locks a
//!   guesser out of one account without touching the owner, who signs in from elsewhere;
//! - per account, whatever the address: a higher ceiling (100, then one a minute) against a
//!   guesser who rotates through many addresses.
//!
//! The client address is the TCP peer, or, only when `HH_CLIENT_IP_HEADER` names the header a
//! trusted reverse proxy sets, the last address in that header (the one the proxy appended;
//! anything to its left is whatever the client claimed). IPv6 clients count by their /64.

use crate::error::AppError;
use axum::extract::ConnectInfo;
use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};
use http::request::Parts;
use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    num::NonZeroU32,
    time::Duration,
};

/// Attempts one address may make on one account before it must wait.
pub const ATTEMPTS_PER_CLIENT_AND_ACCOUNT: u32 = 10;
/// After the burst, one more attempt per client and account every this long (10 per 15 min).
const CLIENT_AND_ACCOUNT_PERIOD: Duration = Duration::from_secs(90);
/// Attempts on one account from anywhere before it must wait.
pub const ATTEMPTS_PER_ACCOUNT: u32 = 100;
const ACCOUNT_PERIOD: Duration = Duration::from_secs(60);

pub struct SignInLimits {
    per_client: DefaultKeyedRateLimiter<IpAddr>,
    per_client_and_account: DefaultKeyedRateLimiter<(IpAddr, String)>,
    per_account: DefaultKeyedRateLimiter<String>,
}

fn quota(burst: u32, period: Duration) -> Quota {
    let burst = NonZeroU32::new(burst.max(1)).expect("at least 1");
    Quota::with_period(period).expect("a non-zero period").allow_burst(burst)
}

impl SignInLimits {
    /// `per_client_per_hour`: attempts one address may make in an hour, a quarter of them at once.
    pub fn new(per_client_per_hour: u32) -> Self {
        let per_hour = per_client_per_hour.max(1);
        SignInLimits {
            per_client: RateLimiter::keyed(quota(per_hour / 4, Duration::from_secs(3600) / per_hour)),
            per_client_and_account: RateLimiter::keyed(quota(
                ATTEMPTS_PER_CLIENT_AND_ACCOUNT,
                CLIENT_AND_ACCOUNT_PERIOD,
            )),
            per_account: RateLimiter::keyed(quota(ATTEMPTS_PER_ACCOUNT, ACCOUNT_PERIOD)),
        }
    }

    /// Counts one attempt by `client` (on `account`, a normalised e-mail or a user id, when
    /// there is one) and refuses it with the wait when a limit is reached. Call it before any
    /// password or access code is checked, so refused attempts cost nothing.
    pub fn attempt(&self, client: IpAddr, account: Option<&str>) -> Result<(), AppError> {
        let refused = |not_until: governor::NotUntil<_>| {
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            AppError::RateLimited { retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64 }
        };
        self.per_client.check_key(&client).map_err(refused)?;
        if let Some(account) = account {
            self.per_client_and_account.check_key(&(client, account.to_owned())).map_err(refused)?;
            self.per_account.check_key(&account.to_owned()).map_err(refused)?;
        }
        Ok(())
    }

    /// Forgets keys whose limits have fully recovered, so memory stays bounded; housekeeping
    /// calls it every minute.
    pub fn forget_recovered(&self) {
        self.per_client.retain_recent();
        self.per_client_and_account.retain_recent();
        self.per_account.retain_recent();
    }

    /// How many keys are remembered, for tests and metrics.
    pub fn remembered(&self) -> usize {
        self.per_client.len() + self.per_client_and_account.len() + self.per_account.len()
    }
}

/// The client a request came from, as the limits count it (see the module docs for the proxy
/// header): an IPv4 address, or an IPv6 address's /64 network, since one IPv6 client usually
/// holds a whole /64 and could otherwise take a fresh address for every attempt. Unknown
/// (in-process calls without a connection) is 0.0.0.0, one shared key.
pub fn client_address(parts: &Parts, trusted_header: Option<&str>) -> IpAddr {
    let from_proxy = trusted_header.and_then(|name| {
        let values = parts.headers.get_all(name);
        let last = values.iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).next_back()?;
        let parsed = parse_forwarded(last.trim());
        if parsed.is_none() {
            tracing::warn!(
                header = name,
                value = last.trim(),
                "the client address header could not be read; counting the proxy's address"
            );
        }
        parsed
    });
    let address = from_proxy
        .or_else(|| parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    client_key(address)
}

/// An address as limits count clients: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /64.
pub fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        },
        v4 => v4,
    }
}

/// An address as proxies write it: `203.0.113.9`, `203.0.113.9:5123`, `2001:db8::1` or
/// `[2001:db8::1]:5123`.
fn parse_forwarded(value: &str) -> Option<IpAddr> {
    value
        .parse::<IpAddr>()
        .ok()
        .or_else(|| value.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| value.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_guesser_is_stopped_on_the_account_without_locking_the_owner_out() {
        let limits = SignInLimits::new(10_000);
        for _ in 0..ATTEMPTS_PER_CLIENT_AND_ACCOUNT {
            limits.attempt(ip("203.0.113.9"), Some("ada@example.org")).unwrap();
        }
        let refused = limits.attempt(ip("203.0.113.9"), Some("ada@example.org")).unwrap_err();
        match refused {
            AppError::RateLimited { retry_after_secs } => assert!((1..=90).contains(&retry_after_secs)),
            other => panic!("expected RateLimited, got {other:?}"),
        }
        // The owner, elsewhere, still gets in; the guesser may still try other accounts.
        limits.attempt(ip("198.51.100.7"), Some("ada@example.org")).unwrap();
        limits.attempt(ip("203.0.113.9"), Some("bob@example.org")).unwrap();
    }

    #[test]
    fn one_client_is_limited_across_accounts() {
        let limits = SignInLimits::new(40); // 10 at once
        for i in 0..10 {
            limits.attempt(ip("203.0.113.9"), Some(&format!("user{i}@example.org"))).unwrap();
        }
        assert!(limits.attempt(ip("203.0.113.9"), Some("user10@example.org")).is_err());
        assert!(limits.attempt(ip("203.0.113.9"), None).is_err(), "access codes count too");
        limits.attempt(ip("203.0.113.10"), Some("user10@example.org")).unwrap();
    }

    #[test]
    fn an_account_has_a_ceiling_whatever_the_address() {
        let limits = SignInLimits::new(10_000);
        for i in 0..ATTEMPTS_PER_ACCOUNT {
            let client = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
            limits.attempt(client, Some("ada@example.org")).unwrap();
        }
        assert!(limits.attempt(ip("10.200.0.1"), Some("ada@example.org")).is_err());
    }

    #[test]
    fn the_proxy_header_is_read_only_when_trusted() {
        let (mut parts, _) = http::Request::new(()).into_parts();
        parts.extensions.insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 5000))));
        parts.headers.append("x-forwarded-for", "1.2.3.4, 203.0.113.9".parse().unwrap());
        assert_eq!(client_address(&parts, None), ip("127.0.0.1"));
        assert_eq!(client_address(&parts, Some("x-forwarded-for")), ip("203.0.113.9"));
        parts.headers.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(client_address(&parts, Some("x-forwarded-for")), ip("127.0.0.1"));
        for (written, counted) in [
            ("203.0.113.9:5123", "203.0.113.9"),
            ("[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::"),
            ("2001:db8:1:2:ffff::1", "2001:db8:1:2::"),
            ("::ffff:198.51.100.7", "198.51.100.7"),
        ] {
            parts.headers.insert("x-forwarded-for", written.parse().unwrap());
            assert_eq!(client_address(&parts, Some("x-forwarded-for")), ip(counted), "{written}");
        }
    }
}
