//! The command line: a handful of flags, parsed by hand. Owns the defaults and what each flag
//! accepts; says exactly which flag is wrong and why.

use std::net::SocketAddr;
use std::path::PathBuf;

use healthbook_core::model::guardianship::{DEFAULT_GUARDIAN_AGE_LIMIT, MAX_GUARDIAN_AGE_LIMIT};
use healthbook_core::model::identifiers::validate_facility_code;

use crate::shl::rate_limit::RatePolicy;
use crate::shl::{DEFAULT_PASSCODE_ATTEMPTS, MAX_PASSCODE_ATTEMPTS};

pub const USAGE: &str = "\
usage: healthbook-backend [--db PATH] [--listen ADDR:PORT] [--seed]
                          [--facility-key CODE=KEY]... [--token-ttl SECS]
                          [--guardian-age-limit YEARS] [--public-url URL]
                          [--shl-passcode-attempts N] [--shl-rate-limit PER_MINUTE[/BURST]]

  --db PATH                  SQLite database file (created if missing) [healthbook-backend.db]
  --listen ADDR:PORT         address to listen on; port 0 picks a free port [127.0.0.1:8080]
  --seed                     load the synthetic sample family (idempotent)
  --facility-key CODE=KEY    API key of the facility with 5-digit code CODE (repeatable);
                             keys are at least 16 characters
  --token-ttl SECS           lifetime of a citizen's bearer token [3600]
  --guardian-age-limit YEARS a guardian sees a child's book until this birthday [14]
  --public-url URL           the server's URL as clients reach it, for links in responses
                             [http://ADDR:PORT as listened on]
  --shl-passcode-attempts N  wrong passcodes (1 to 100) that lock a share link for good [5]
  --shl-rate-limit PER_MINUTE[/BURST]
                             requests a minute each client address may make to a share link,
                             and how many at once [30/10]";

/// The shortest facility API key accepted: a key is a password a hospital system holds.
pub const MIN_KEY_LENGTH: usize = 16;

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub db: PathBuf,
    pub listen: SocketAddr,
    pub seed: bool,
    /// `(facility code, API key)`.
    pub facility_keys: Vec<(String, String)>,
    pub token_ttl_secs: i64,
    pub guardian_age_limit: u32,
    /// Without a trailing slash.
    pub public_url: Option<String>,
    pub shl_passcode_attempts: u32,
    pub shl_rate_limit: RatePolicy,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            db: PathBuf::from("healthbook-backend.db"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            seed: false,
            facility_keys: Vec::new(),
            token_ttl_secs: 3600,
            guardian_age_limit: DEFAULT_GUARDIAN_AGE_LIMIT,
            public_url: None,
            shl_passcode_attempts: DEFAULT_PASSCODE_ATTEMPTS,
            shl_rate_limit: RatePolicy::default(),
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Run(Config),
    Help,
}

/// Parses the arguments after the program name. Flags take their value as the next argument or
/// after `=` (`--db=x.db`).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut config = Config::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_string(), Some(value)),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline {
                Some(v) => Ok(v.to_string()),
                None => args
                    .next()
                    .ok_or_else(|| format!("{name} needs a value; see --help")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--seed" => {
                if inline.is_some() {
                    return Err("--seed takes no value".into());
                }
                config.seed = true;
            }
            "--db" => {
                let path = value("--db")?;
                if path.is_empty() {
                    return Err("--db needs a file path".into());
                }
                config.db = PathBuf::from(path);
            }
            "--listen" => {
                let text = value("--listen")?;
                config.listen = text.parse().map_err(|_| {
                    format!("--listen '{text}' is not ADDR:PORT, e.g. 127.0.0.1:8080")
                })?;
            }
            "--facility-key" => {
                let pair = parse_facility_key(&value("--facility-key")?)?;
                if config.facility_keys.iter().any(|(code, _)| *code == pair.0) {
                    return Err(format!(
                        "--facility-key gives facility {} twice; give each facility one key",
                        pair.0
                    ));
                }
                config.facility_keys.push(pair);
            }
            "--token-ttl" => {
                let text = value("--token-ttl")?;
                config.token_ttl_secs = text
                    .parse::<i64>()
                    .ok()
                    .filter(|secs| (1..=31 * 24 * 3600).contains(secs))
                    .ok_or_else(|| {
                        format!("--token-ttl '{text}' is not a number of seconds from 1 to 2678400 (31 days)")
                    })?;
            }
            "--guardian-age-limit" => {
                let text = value("--guardian-age-limit")?;
                config.guardian_age_limit = text
                    .parse::<u32>()
                    .ok()
                    .filter(|years| (1..=MAX_GUARDIAN_AGE_LIMIT).contains(years))
                    .ok_or_else(|| {
                        format!(
                            "--guardian-age-limit '{text}' is not a number of years from 1 to {MAX_GUARDIAN_AGE_LIMIT}"
                        )
                    })?;
            }
            "--public-url" => {
                let url = value("--public-url")?;
                let trimmed = url.trim_end_matches('/');
                if !(trimmed.starts_with("http://") || trimmed.starts_with("https://"))
                    || trimmed.contains(['?', '#', ' '])
                {
                    return Err(format!(
                        "--public-url '{url}' is not an http(s) URL without query, e.g. https://book.example.vn"
                    ));
                }
                config.public_url = Some(trimmed.to_string());
            }
            "--shl-passcode-attempts" => {
                let text = value("--shl-passcode-attempts")?;
                config.shl_passcode_attempts = text
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_PASSCODE_ATTEMPTS).contains(n))
                    .ok_or_else(|| {
                        format!(
                            "--shl-passcode-attempts '{text}' is not a number from 1 to {MAX_PASSCODE_ATTEMPTS}"
                        )
                    })?;
            }
            "--shl-rate-limit" => {
                config.shl_rate_limit = RatePolicy::parse(&value("--shl-rate-limit")?)?;
            }
            other => return Err(format!("unknown argument '{other}'; see --help")),
        }
    }
    Ok(Command::Run(config))
}

fn parse_facility_key(text: &str) -> Result<(String, String), String> {
    let (code, key) = text
        .split_once('=')
        .ok_or("--facility-key takes CODE=KEY, e.g. 01001=<a long random key>")?;
    validate_facility_code("--facility-key CODE", code)
        .map_err(|e| format!("--facility-key: {e}"))?;
    if key.chars().count() < MIN_KEY_LENGTH || key.chars().any(char::is_whitespace) {
        return Err(format!(
            "--facility-key for {code}: the key must be at least {MIN_KEY_LENGTH} characters without spaces"
        ));
    }
    Ok((code.to_string(), key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Config, String> {
        match parse(args.iter().map(|a| a.to_string()))? {
            Command::Run(config) => Ok(config),
            Command::Help => Err("help".into()),
        }
    }

    #[test]
    fn defaults_apply_when_nothing_is_given() {
        assert_eq!(run(&[]), Ok(Config::default()));
    }

    #[test]
    fn every_flag_is_read_in_both_forms() {
        let config = run(&[
            "--db",
            "x.db",
            "--listen=127.0.0.1:0",
            "--seed",
            "--facility-key",
            "01001=0123456789abcdef",
            "--facility-key=79001=fedcba9876543210",
            "--token-ttl",
            "60",
            "--guardian-age-limit=16",
            "--public-url",
            "https://book.example.vn/",
            "--shl-passcode-attempts",
            "3",
            "--shl-rate-limit=120/20",
        ])
        .expect("valid");
        assert_eq!(config.db, PathBuf::from("x.db"));
        assert_eq!(config.listen.port(), 0);
        assert!(config.seed);
        assert_eq!(
            config.facility_keys,
            vec![
                ("01001".to_string(), "0123456789abcdef".to_string()),
                ("79001".to_string(), "fedcba9876543210".to_string())
            ]
        );
        assert_eq!(config.token_ttl_secs, 60);
        assert_eq!(config.guardian_age_limit, 16);
        assert_eq!(
            config.public_url.as_deref(),
            Some("https://book.example.vn")
        );
        assert_eq!(config.shl_passcode_attempts, 3);
        assert_eq!(
            config.shl_rate_limit,
            RatePolicy {
                per_minute: 120,
                burst: 20
            }
        );
    }

    #[test]
    fn share_defaults_are_five_attempts_and_thirty_requests_a_minute_in_bursts_of_ten() {
        let config = Config::default();
        assert_eq!(config.shl_passcode_attempts, 5);
        assert_eq!(
            config.shl_rate_limit,
            RatePolicy {
                per_minute: 30,
                burst: 10
            }
        );
        assert!(USAGE.contains("--shl-passcode-attempts N"));
        assert!(USAGE.contains("--shl-rate-limit PER_MINUTE[/BURST]"));
    }

    #[test]
    fn a_wrong_flag_is_named() {
        for (args, expected) in [
            (&["--listen", "8080"][..], "--listen"),
            (&["--facility-key", "1001=0123456789abcdef"][..], "CODE"),
            (&["--facility-key", "01001=short"][..], "16 characters"),
            (&["--token-ttl", "-5"][..], "--token-ttl"),
            (&["--guardian-age-limit", "x"][..], "--guardian-age-limit"),
            (&["--public-url", "ftp://x"][..], "--public-url"),
            (&["--db"][..], "--db needs a value"),
            (
                &["--shl-passcode-attempts", "0"][..],
                "--shl-passcode-attempts",
            ),
            (
                &["--shl-passcode-attempts", "101"][..],
                "--shl-passcode-attempts",
            ),
            (&["--shl-rate-limit", "fast"][..], "--shl-rate-limit"),
            (&["--shl-rate-limit", "30/0"][..], "--shl-rate-limit"),
            (&["--verbose"][..], "--verbose"),
        ] {
            let error = run(args).expect_err("invalid");
            assert!(error.contains(expected), "{args:?}: {error}");
        }
    }
}
