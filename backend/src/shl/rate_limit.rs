//! Rate limiting of the public share endpoints, per client address, in memory: a token bucket
//! that refills at `per_minute` requests a minute and holds at most `burst`. Link ids are 256
//! random bits, so guessing one is hopeless anyway; the limit keeps a single client from
//! hammering the database, and slows passcode guessing further.
//!
//! IPv6 clients are counted per /64 (one subscriber's network), IPv4 clients per address. The
//! table forgets clients whose bucket has refilled once it grows past [`MAX_TRACKED`].

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many clients the table holds before it forgets the idle ones.
pub const MAX_TRACKED: usize = 100_000;

/// `--shl-rate-limit PER_MINUTE[/BURST]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatePolicy {
    pub per_minute: u32,
    pub burst: u32,
}

impl Default for RatePolicy {
    fn default() -> Self {
        RatePolicy {
            per_minute: 30,
            burst: 10,
        }
    }
}

impl RatePolicy {
    /// The highest rate and burst accepted.
    pub const MAX: u32 = 1_000_000;

    /// Reads `PER_MINUTE` (burst 10, or `PER_MINUTE` if smaller) or `PER_MINUTE/BURST`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let number = |part: &str| {
            part.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=Self::MAX).contains(n))
        };
        let wrong = || {
            format!(
                "--shl-rate-limit '{text}' is not PER_MINUTE or PER_MINUTE/BURST with numbers from 1 to {}, e.g. 30/10",
                Self::MAX
            )
        };
        let (per_minute, burst) = match text.split_once('/') {
            Some((rate, burst)) => (
                number(rate).ok_or_else(wrong)?,
                number(burst).ok_or_else(wrong)?,
            ),
            None => {
                let rate = number(text).ok_or_else(wrong)?;
                (rate, rate.min(RatePolicy::default().burst))
            }
        };
        Ok(RatePolicy { per_minute, burst })
    }

    fn per_second(&self) -> f64 {
        f64::from(self.per_minute) / 60.0
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets of every client seen lately.
pub struct RateLimiter {
    policy: RatePolicy,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    pub fn new(policy: RatePolicy) -> Self {
        RateLimiter {
            policy,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `client`'s bucket, or says how long until one is there.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let burst = f64::from(self.policy.burst);
        let rate = self.policy.per_second();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, bucket| refilled(bucket, now, rate) < burst);
        }
        let bucket = buckets.entry(client_key(client)).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        bucket.tokens = refilled(bucket, now, rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

fn refilled(bucket: &Bucket, now: Instant, rate: f64) -> f64 {
    bucket.tokens + now.saturating_duration_since(bucket.at).as_secs_f64() * rate
}

/// IPv4 (and IPv4-mapped IPv6) by address, other IPv6 by its /64.
fn client_key(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V4(_) => client,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(Ipv6Addr::from(segments))
            }
        },
    }
}

/// Whole seconds for `Retry-After`, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn a_burst_passes_then_the_next_request_waits_for_the_refill() {
        let limiter = RateLimiter::new(RatePolicy {
            per_minute: 30,
            burst: 10,
        });
        let start = Instant::now();
        for i in 0..10 {
            assert_eq!(limiter.check_at(A, start), Ok(()), "request {i}");
        }
        let wait = limiter.check_at(A, start).expect_err("the 11th waits");
        assert_eq!(wait, Duration::from_secs(2), "30 a minute: one every 2 s");
        assert_eq!(
            limiter.check_at(A, start + Duration::from_secs(2)),
            Ok(()),
            "refilled by one"
        );
        assert!(limiter.check_at(A, start + Duration::from_secs(2)).is_err());
    }

    #[test]
    fn clients_have_their_own_buckets() {
        let limiter = RateLimiter::new(RatePolicy {
            per_minute: 1,
            burst: 1,
        });
        let now = Instant::now();
        assert_eq!(limiter.check_at(A, now), Ok(()));
        assert!(limiter.check_at(A, now).is_err());
        assert_eq!(limiter.check_at(B, now), Ok(()));
    }

    #[test]
    fn an_idle_bucket_refills_only_up_to_the_burst() {
        let limiter = RateLimiter::new(RatePolicy {
            per_minute: 60,
            burst: 3,
        });
        let start = Instant::now();
        assert_eq!(limiter.check_at(A, start), Ok(()));
        let later = start + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(limiter.check_at(A, later), Ok(()));
        }
        assert!(limiter.check_at(A, later).is_err());
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let same_64: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("ip");
        let other_64: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(client_key(one), client_key(same_64));
        assert_ne!(client_key(one), client_key(other_64));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().expect("ip");
        assert_eq!(client_key(mapped), A);
    }

    #[test]
    fn the_policy_reads_rate_and_optional_burst() {
        assert_eq!(
            RatePolicy::parse("30/10"),
            Ok(RatePolicy {
                per_minute: 30,
                burst: 10
            })
        );
        assert_eq!(
            RatePolicy::parse("600"),
            Ok(RatePolicy {
                per_minute: 600,
                burst: 10
            })
        );
        assert_eq!(
            RatePolicy::parse("3"),
            Ok(RatePolicy {
                per_minute: 3,
                burst: 3
            })
        );
        for wrong in ["", "0", "x", "30/0", "30/", "/10", "-1", "30/10/2"] {
            let error = RatePolicy::parse(wrong).expect_err(wrong);
            assert!(error.contains("--shl-rate-limit"), "{error}");
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2_100)), 3);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
