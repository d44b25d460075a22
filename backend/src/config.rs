//! The command line: a handful of flags, parsed by hand. Owns the defaults and what each flag
//! accepts; says exactly which flag is wrong and why.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use healthbook_core::model::guardianship::{DEFAULT_GUARDIAN_AGE_LIMIT, MAX_GUARDIAN_AGE_LIMIT};
use healthbook_core::model::identifiers::validate_facility_code;

use crate::connections::ConnectionLimits;
use crate::oidc::{
    JwksSource, OidcSettings, DEFAULT_CCCD_CLAIM, DEFAULT_MIN_REFRESH, DEFAULT_REFRESH,
};
use crate::shl::rate_limit::RatePolicy;
use crate::shl::{DEFAULT_PASSCODE_ATTEMPTS, MAX_PASSCODE_ATTEMPTS};

pub const USAGE: &str = "\
usage: healthbook-backend [--db PATH] [--listen ADDR:PORT] [--seed]
                          [--facility-key CODE=KEY]... [--facility-keys-file PATH]
                          [--token-ttl SECS] [--guardian-age-limit YEARS] [--public-url URL]
                          [--shl-passcode-attempts N] [--shl-rate-limit PER_MINUTE[/BURST]]
                          [--oidc-issuer URL --oidc-audience AUD --oidc-jwks FILE|URL
                           [--oidc-cccd-claim NAME] [--oidc-jwks-refresh SECS]
                           [--oidc-jwks-min-refresh SECS]]
                          [--dev-login [--dev-login-rate-limit PER_MINUTE[/BURST]]]
                          [--header-timeout SECS] [--request-timeout SECS]
                          [--max-connections N]

  --db PATH                  SQLite database file (created if missing) [healthbook-backend.db]
  --listen ADDR:PORT         address to listen on; port 0 picks a free port [127.0.0.1:8080]
  --seed                     load the synthetic sample family (idempotent)
  --facility-key CODE=KEY    API key of the facility with 5-digit code CODE (repeatable);
                             keys are at least 16 characters
  --facility-keys-file PATH  facility keys, one CODE=KEY a line (# comments); the variable
                             HEALTHBOOK_FACILITY_KEYS may also hold CODE=KEY pairs
  --token-ttl SECS           lifetime of a citizen's bearer token [3600]
  --guardian-age-limit YEARS a guardian sees a child's book until this birthday [14]
  --public-url URL           the server's URL as clients reach it, for links in responses
                             [http://ADDR:PORT as listened on]
  --shl-passcode-attempts N  wrong passcodes (1 to 100) that lock a share link for good [5]
  --shl-rate-limit PER_MINUTE[/BURST]
                             requests a minute each client address may make to a share link,
                             and how many at once [30/10]
  --oidc-issuer URL          sign-in: the OpenID Connect provider's issuer (`iss`)
  --oidc-audience AUD        sign-in: the app's client id at the provider (`aud`)
  --oidc-jwks FILE|URL       sign-in: the provider's keys (JWKS), a file or an https URL
  --oidc-cccd-claim NAME     the ID token claim holding the citizen's CCCD [cccd]
  --oidc-jwks-refresh SECS   reload the keys after this long [3600]
  --oidc-jwks-min-refresh SECS
                             never reload them more often than this, even for an unknown
                             key id [60]
  --dev-login                development only: POST /auth/dev-login trusts the CCCD it is
                             given; refused unless --listen is a loopback address
  --dev-login-rate-limit PER_MINUTE[/BURST]
                             dev-login requests a minute per client address [20/10]
  --header-timeout SECS      a client must send a request's headers within this, and a
                             connection idle this long is closed [30]
  --request-timeout SECS     a request, its upload included, must be answered within this [120]
  --max-connections N        connections served at once; past it clients get 503 [1024]";

/// The environment variable that may hold facility keys (`CODE=KEY`, separated by spaces,
/// commas or new lines), so they need not be on the command line.
pub const FACILITY_KEYS_VAR: &str = "HEALTHBOOK_FACILITY_KEYS";

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
    /// Sign-in through an OpenID Connect provider, when configured.
    pub oidc: Option<OidcSettings>,
    /// `POST /auth/dev-login` is mounted (loopback only).
    pub dev_login: bool,
    pub dev_login_rate_limit: RatePolicy,
    /// Timeouts and the connection cap.
    pub limits: ConnectionLimits,
}

/// The dev login's default limit per client address: enough for a developer, slow for guessing.
pub const DEV_LOGIN_RATE_LIMIT: RatePolicy = RatePolicy {
    per_minute: 20,
    burst: 10,
};

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
            oidc: None,
            dev_login: false,
            dev_login_rate_limit: DEV_LOGIN_RATE_LIMIT,
            limits: ConnectionLimits::default(),
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Run(Box<Config>),
    Help,
}

/// Parses the arguments after the program name. Flags take their value as the next argument or
/// after `=` (`--db=x.db`).
#[cfg(test)]
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    parse_with_env(args, None)
}

/// As [`parse`], with the value of [`FACILITY_KEYS_VAR`] if it is set.
pub fn parse_with_env(
    args: impl IntoIterator<Item = String>,
    facility_keys_var: Option<&str>,
) -> Result<Command, String> {
    let mut config = Config::default();
    let mut oidc = OidcFlags::default();
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
            "--dev-login" => {
                if inline.is_some() {
                    return Err("--dev-login takes no value".into());
                }
                config.dev_login = true;
            }
            "--dev-login-rate-limit" => {
                let text = value("--dev-login-rate-limit")?;
                config.dev_login_rate_limit = RatePolicy::parse(&text)
                    .map_err(|e| e.replace("--shl-rate-limit", "--dev-login-rate-limit"))?;
            }
            "--facility-keys-file" => {
                let path = value("--facility-keys-file")?;
                if path.is_empty() {
                    return Err("--facility-keys-file needs a file path".into());
                }
                for pair in read_facility_keys_file(Path::new(&path))? {
                    add_facility_key(&mut config, pair, "--facility-keys-file")?;
                }
            }
            "--oidc-issuer" => oidc.issuer = Some(value("--oidc-issuer")?),
            "--oidc-audience" => oidc.audience = Some(value("--oidc-audience")?),
            "--oidc-jwks" => oidc.jwks = Some(JwksSource::parse(&value("--oidc-jwks")?)?),
            "--oidc-cccd-claim" => {
                let claim = value("--oidc-cccd-claim")?;
                if claim.is_empty() || claim.contains(char::is_whitespace) {
                    return Err(format!("--oidc-cccd-claim '{claim}' is not a claim name"));
                }
                oidc.cccd_claim = Some(claim);
            }
            "--oidc-jwks-refresh" => {
                oidc.refresh = Some(seconds(
                    "--oidc-jwks-refresh",
                    &value("--oidc-jwks-refresh")?,
                )?)
            }
            "--oidc-jwks-min-refresh" => {
                oidc.min_refresh = Some(seconds(
                    "--oidc-jwks-min-refresh",
                    &value("--oidc-jwks-min-refresh")?,
                )?)
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
                let pair = parse_facility_key(&value("--facility-key")?, "--facility-key")?;
                add_facility_key(&mut config, pair, "--facility-key")?;
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
            "--header-timeout" => {
                config.limits.header_timeout =
                    seconds("--header-timeout", &value("--header-timeout")?)?;
            }
            "--request-timeout" => {
                config.limits.request_timeout =
                    seconds("--request-timeout", &value("--request-timeout")?)?;
            }
            "--max-connections" => {
                let text = value("--max-connections")?;
                config.limits.max_connections = text
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=1_000_000).contains(n))
                    .ok_or_else(|| {
                        format!("--max-connections '{text}' is not a number from 1 to 1000000")
                    })?;
            }
            "--shl-rate-limit" => {
                config.shl_rate_limit = RatePolicy::parse(&value("--shl-rate-limit")?)?;
            }
            other => return Err(format!("unknown argument '{other}'; see --help")),
        }
    }
    if let Some(text) = facility_keys_var {
        for item in text.split(|c: char| c == ',' || c.is_whitespace()) {
            if item.is_empty() {
                continue;
            }
            let pair = parse_facility_key(item, FACILITY_KEYS_VAR)?;
            add_facility_key(&mut config, pair, FACILITY_KEYS_VAR)?;
        }
    }
    config.oidc = oidc.settings()?;
    if config.dev_login && !config.listen.ip().is_loopback() {
        return Err(format!(
            "--dev-login trusts any personal id it is given, so it listens only on this machine; \
             --listen {} is not a loopback address (use 127.0.0.1 or [::1])",
            config.listen
        ));
    }
    Ok(Command::Run(Box::new(config)))
}

/// The `--oidc-*` flags as given; all three of issuer, audience and JWKS, or none.
#[derive(Default)]
struct OidcFlags {
    issuer: Option<String>,
    audience: Option<String>,
    jwks: Option<JwksSource>,
    cccd_claim: Option<String>,
    refresh: Option<Duration>,
    min_refresh: Option<Duration>,
}

impl OidcFlags {
    fn settings(self) -> Result<Option<OidcSettings>, String> {
        let (issuer, audience, jwks) = match (self.issuer, self.audience, self.jwks) {
            (None, None, None) => {
                if self.cccd_claim.is_some() || self.refresh.is_some() || self.min_refresh.is_some() {
                    return Err(
                        "the --oidc-* settings need --oidc-issuer, --oidc-audience and --oidc-jwks"
                            .into(),
                    );
                }
                return Ok(None);
            }
            (Some(issuer), Some(audience), Some(jwks)) => (issuer, audience, jwks),
            _ => {
                return Err(
                    "sign-in through OpenID Connect needs all of --oidc-issuer, --oidc-audience and --oidc-jwks"
                        .into(),
                )
            }
        };
        if issuer.is_empty() || audience.is_empty() {
            return Err("--oidc-issuer and --oidc-audience must not be empty".into());
        }
        let refresh = self.refresh.unwrap_or(DEFAULT_REFRESH);
        let min_refresh = self.min_refresh.unwrap_or(DEFAULT_MIN_REFRESH);
        if min_refresh > refresh {
            return Err(
                "--oidc-jwks-min-refresh must not be longer than --oidc-jwks-refresh".into(),
            );
        }
        Ok(Some(OidcSettings {
            issuer,
            audience,
            jwks,
            cccd_claim: self
                .cccd_claim
                .unwrap_or_else(|| DEFAULT_CCCD_CLAIM.to_string()),
            refresh,
            min_refresh,
        }))
    }
}

fn seconds(flag: &str, text: &str) -> Result<Duration, String> {
    text.parse::<u64>()
        .ok()
        .filter(|secs| (1..=7 * 24 * 3600).contains(secs))
        .map(Duration::from_secs)
        .ok_or_else(|| {
            format!("{flag} '{text}' is not a number of seconds from 1 to 604800 (7 days)")
        })
}

fn add_facility_key(
    config: &mut Config,
    pair: (String, String),
    source: &str,
) -> Result<(), String> {
    if config.facility_keys.iter().any(|(code, _)| *code == pair.0) {
        return Err(format!(
            "{source} gives facility {} a second key; give each facility one key",
            pair.0
        ));
    }
    config.facility_keys.push(pair);
    Ok(())
}

/// One `CODE=KEY` a line; blank lines and lines starting with `#` are skipped. Errors name the
/// line, never the key.
fn read_facility_keys_file(path: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "--facility-keys-file {}: cannot read it ({})",
            path.display(),
            e.kind()
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                eprintln!(
                    "warning: --facility-keys-file {} can be read by other users; chmod 600 it",
                    path.display()
                );
            }
        }
    }
    let mut pairs = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let source = format!(
            "--facility-keys-file {} line {}",
            path.display(),
            number + 1
        );
        let pair = parse_facility_key(line, &source)?;
        pairs.push(pair);
    }
    Ok(pairs)
}

/// `CODE=KEY`; `source` (the flag, the file's line, the variable) starts any error message,
/// which never quotes the key.
fn parse_facility_key(text: &str, source: &str) -> Result<(String, String), String> {
    let (code, key) = text
        .split_once('=')
        .ok_or_else(|| format!("{source} takes CODE=KEY, e.g. 01001=<a long random key>"))?;
    validate_facility_code(&format!("{source} CODE"), code)
        .map_err(|e| format!("{source}: {e}"))?;
    if key.chars().count() < MIN_KEY_LENGTH || key.chars().any(char::is_whitespace) {
        return Err(format!(
            "{source} for {code}: the key must be at least {MIN_KEY_LENGTH} characters without spaces"
        ));
    }
    Ok((code.to_string(), key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Config, String> {
        match parse(args.iter().map(|a| a.to_string()))? {
            Command::Run(config) => Ok(*config),
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
            "--header-timeout",
            "5",
            "--request-timeout=60",
            "--max-connections",
            "200",
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
        assert_eq!(
            config.limits,
            ConnectionLimits {
                header_timeout: Duration::from_secs(5),
                request_timeout: Duration::from_secs(60),
                max_connections: 200,
            }
        );
    }

    #[test]
    fn connection_limits_refuse_zero_and_words() {
        for (flag, value) in [
            ("--header-timeout", "0"),
            ("--request-timeout", "soon"),
            ("--max-connections", "0"),
            ("--max-connections", "-3"),
        ] {
            let error = run(&[flag, value]).expect_err(value);
            assert!(error.starts_with(flag), "{error}");
        }
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

    #[test]
    fn the_dev_login_is_off_by_default_and_only_on_loopback() {
        assert!(!Config::default().dev_login);
        let config = run(&["--dev-login"]).expect("loopback by default");
        assert!(config.dev_login);
        assert_eq!(config.dev_login_rate_limit, DEV_LOGIN_RATE_LIMIT);
        assert!(run(&["--dev-login", "--listen", "[::1]:0"]).is_ok());
        for listen in ["0.0.0.0:8080", "[::]:0", "10.0.0.5:80"] {
            let error = run(&["--listen", listen, "--dev-login"]).expect_err(listen);
            assert!(error.contains("loopback"), "{error}");
        }
        let config = run(&["--dev-login", "--dev-login-rate-limit", "5/2"]).expect("valid");
        assert_eq!(
            config.dev_login_rate_limit,
            RatePolicy {
                per_minute: 5,
                burst: 2
            }
        );
        let error = run(&["--dev-login-rate-limit", "0"]).expect_err("zero");
        assert!(error.contains("--dev-login-rate-limit"), "{error}");
    }

    #[test]
    fn oidc_needs_issuer_audience_and_jwks_together() {
        let config = run(&[
            "--oidc-issuer",
            "https://id.example.vn",
            "--oidc-audience=app",
            "--oidc-jwks",
            "https://id.example.vn/jwks",
        ])
        .expect("valid");
        let oidc = config.oidc.expect("configured");
        assert_eq!(oidc.cccd_claim, DEFAULT_CCCD_CLAIM);
        assert_eq!(oidc.refresh, DEFAULT_REFRESH);
        assert_eq!(oidc.min_refresh, DEFAULT_MIN_REFRESH);
        for args in [
            &["--oidc-issuer", "https://id.example.vn"][..],
            &["--oidc-audience", "app", "--oidc-jwks", "k.json"][..],
            &["--oidc-cccd-claim", "national_id"][..],
            &[
                "--oidc-issuer",
                "i",
                "--oidc-audience",
                "a",
                "--oidc-jwks",
                "k.json",
                "--oidc-jwks-refresh",
                "10",
                "--oidc-jwks-min-refresh",
                "20",
            ][..],
            &["--oidc-jwks", "http://id.example.vn/jwks"][..],
        ] {
            let error = run(args).expect_err("incomplete");
            assert!(error.contains("--oidc"), "{args:?}: {error}");
        }
    }

    #[test]
    fn facility_keys_are_read_from_the_environment_variable() {
        let parse_env = |args: &[&str], var: &str| match parse_with_env(
            args.iter().map(|a| a.to_string()),
            Some(var),
        )? {
            Command::Run(config) => Ok(*config),
            Command::Help => Err("help".to_string()),
        };
        let config = parse_env(
            &["--facility-key", "01001=0123456789abcdef"],
            "79001=fedcba9876543210,\n48001=aaaaaaaaaaaaaaaa ",
        )
        .expect("valid");
        let codes: Vec<&str> = config
            .facility_keys
            .iter()
            .map(|(c, _)| c.as_str())
            .collect();
        assert_eq!(codes, ["01001", "79001", "48001"]);
        let error = parse_env(&[], "79001=short").expect_err("short");
        assert!(error.contains(FACILITY_KEYS_VAR), "{error}");
        assert!(!error.contains("short"), "the key is not quoted: {error}");
        let error = parse_env(
            &["--facility-key", "01001=0123456789abcdef"],
            "01001=fedcba9876543210",
        )
        .expect_err("twice");
        assert!(error.contains("01001"), "{error}");
    }
}
