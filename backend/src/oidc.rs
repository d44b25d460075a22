//! Sign-in through an OpenID Connect provider (the national ID login): the phone signs in with
//! the provider, sends the ID token it got to `POST /auth/oidc`, and this module verifies it.
//!
//! Verification is `jsonwebtoken`'s (RustCrypto): the signature against a key of the provider's
//! JWKS chosen by the token's `kid`, with only RS256 and ES256 accepted and the algorithm fixed by
//! the key, never by the token (so `alg: none` and an HS256 token "signed" with a public key are
//! refused); then `iss`, `aud`, `exp` (required) and `nbf` (when present), both with
//! [`CLOCK_SKEW_SECS`] of leeway. Keys named in the token's header (`jwk`, `jku`, `x5u`) are
//! ignored: only the configured JWKS is trusted. The citizen's CCCD is the configured claim.
//!
//! The JWKS (a file, or an `https` URL; plain `http` only on the machine itself) is loaded at
//! startup, again once it is older than the refresh interval, and on a token whose `kid` it does
//! not hold; never twice within the floor ([`OidcSettings::min_refresh`]), so a stream of tokens
//! with made-up `kid`s cannot make the server hammer the provider. A failed refresh keeps the
//! keys it had.
//!
//! Each ID token is exchanged once: the SHA-256 of every token exchanged is kept (in memory)
//! until the token expires, so a token that was signed out of cannot be exchanged again.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::auth::sha256;

/// The claim that carries the citizen's 12-digit CCCD unless `--oidc-cccd-claim` says otherwise.
pub const DEFAULT_CCCD_CLAIM: &str = "cccd";
/// Leeway on `exp` and `nbf` for clocks that disagree a little.
pub const CLOCK_SKEW_SECS: u64 = 60;
/// How often the JWKS is loaded again while every `kid` is known.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(3600);
/// The least time between two loads of the JWKS, whatever the tokens say.
pub const DEFAULT_MIN_REFRESH: Duration = Duration::from_secs(60);
/// The largest JWKS document read.
const JWKS_LIMIT: usize = 1024 * 1024;
/// How long fetching the JWKS may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The most ID tokens remembered as exchanged; past it, the ones already expired are forgotten.
const SPENT_PRUNE_AT: usize = 10_000;

/// Where the provider's keys are.
#[derive(Debug, Clone, PartialEq)]
pub enum JwksSource {
    File(PathBuf),
    Url(String),
}

impl JwksSource {
    /// `https://…` (or `http://` to this machine: 127.0.0.1, ::1, localhost) is a URL; anything
    /// else a file path.
    pub fn parse(text: &str) -> Result<JwksSource, String> {
        if text.is_empty() {
            return Err("--oidc-jwks needs a file path or an https URL".into());
        }
        if let Some(rest) = text.strip_prefix("http://") {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            if authority.contains('@') || !is_loopback_authority(authority) {
                return Err(format!(
                    "--oidc-jwks '{text}': plain http is accepted only to this machine (127.0.0.1, [::1], localhost); use https"
                ));
            }
            return Ok(JwksSource::Url(text.to_string()));
        }
        if let Some(rest) = text.strip_prefix("https://") {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            if authority.is_empty() || authority.contains('@') {
                return Err(format!(
                    "--oidc-jwks '{text}' is not an https URL with a host"
                ));
            }
            return Ok(JwksSource::Url(text.to_string()));
        }
        if text.contains("://") {
            return Err(format!(
                "--oidc-jwks '{text}': only https URLs (or a file path) are accepted"
            ));
        }
        Ok(JwksSource::File(PathBuf::from(text)))
    }
}

fn is_loopback_authority(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `--oidc-*`: which provider's tokens the server accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct OidcSettings {
    /// `iss` must be exactly this.
    pub issuer: String,
    /// `aud` must be, or contain, this (the app's client id at the provider).
    pub audience: String,
    pub jwks: JwksSource,
    /// The claim holding the CCCD.
    pub cccd_claim: String,
    pub refresh: Duration,
    pub min_refresh: Duration,
}

/// Why a token was refused. The text is for the server's own reasoning and tests; clients get
/// one answer for every refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

fn refused(why: impl Into<String>) -> Refused {
    Refused(why.into())
}

/// What a verified ID token says.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub cccd: String,
    /// Unix seconds.
    pub expires_at: u64,
}

struct Key {
    algorithm: Algorithm,
    key: DecodingKey,
}

#[derive(Default)]
struct KeySet {
    keys: HashMap<String, Arc<Key>>,
    /// When the keys were last loaded successfully.
    loaded_at: Option<Instant>,
}

/// The verifier, shared by every request.
pub struct OidcVerifier {
    settings: OidcSettings,
    client: Option<reqwest::Client>,
    keys: RwLock<KeySet>,
    /// One load at a time; holds when the last one was tried.
    loading: tokio::sync::Mutex<Option<Instant>>,
    /// SHA-256 of each exchanged ID token, with its `exp`.
    spent: Mutex<HashMap<[u8; 32], u64>>,
}

impl OidcVerifier {
    /// Sets up the verifier and loads the keys once; a provider whose keys cannot be loaded
    /// at startup is a configuration error.
    pub async fn start(settings: OidcSettings) -> anyhow::Result<OidcVerifier> {
        let client = match &settings.jwks {
            JwksSource::File(_) => None,
            JwksSource::Url(_) => Some(http_client()?),
        };
        let verifier = OidcVerifier {
            settings,
            client,
            keys: RwLock::new(KeySet::default()),
            loading: tokio::sync::Mutex::new(None),
            spent: Mutex::new(HashMap::new()),
        };
        let count = verifier.load().await.map_err(|e| {
            anyhow::anyhow!("loading the OpenID Connect keys (--oidc-jwks): {}", e.0)
        })?;
        if count == 0 {
            anyhow::bail!(
                "--oidc-jwks holds no RS256 or ES256 signing key with a kid; no token could be accepted"
            );
        }
        *verifier.loading.lock().await = Some(Instant::now());
        Ok(verifier)
    }

    /// Verifies an ID token and marks it exchanged: a second call with the same token is refused.
    pub async fn exchange(&self, token: &str) -> Result<Verified, Refused> {
        let verified = self.verify(token).await?;
        let hash = sha256(token.as_bytes());
        let now = unix_now();
        let mut spent = self
            .spent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if spent.len() >= SPENT_PRUNE_AT {
            spent.retain(|_, exp| *exp + CLOCK_SKEW_SECS >= now);
        }
        if spent.insert(hash, verified.expires_at).is_some() {
            return Err(refused("this ID token was already exchanged"));
        }
        Ok(verified)
    }

    /// Verifies an ID token: signature, algorithm, `iss`, `aud`, `exp`, `nbf`, and the CCCD claim.
    pub async fn verify(&self, token: &str) -> Result<Verified, Refused> {
        let header = decode_header(token)
            .map_err(|_| refused("not a signed JWT with a supported algorithm (RS256 or ES256)"))?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(refused(format!(
                "algorithm {:?} is not accepted (RS256 or ES256 only)",
                header.alg
            )));
        }
        let kid = header
            .kid
            .filter(|k| !k.is_empty())
            .ok_or_else(|| refused("the token names no key (kid)"))?;
        let key = self
            .key(&kid)
            .await
            .ok_or_else(|| refused("the token's key (kid) is not in the provider's JWKS"))?;
        if key.algorithm != header.alg {
            return Err(refused(
                "the token's algorithm does not match its key's (RS256 for RSA, ES256 for P-256)",
            ));
        }
        let mut validation = Validation::new(key.algorithm);
        validation.leeway = CLOCK_SKEW_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let data = decode::<Map<String, Value>>(token, &key.key, &validation)
            .map_err(|e| refused(format!("the token does not verify: {:?}", e.kind())))?;
        let claims = data.claims;
        let cccd = claims
            .get(&self.settings.cccd_claim)
            .and_then(Value::as_str)
            .ok_or_else(|| {
                refused(format!(
                    "the token has no string claim '{}' (the CCCD)",
                    self.settings.cccd_claim
                ))
            })?;
        healthbook_core::model::identifiers::validate_personal_id("cccd", cccd, None, None)
            .map_err(|_| refused("the token's CCCD claim is not a valid 12-digit CCCD"))?;
        let expires_at = claims
            .get("exp")
            .and_then(Value::as_u64)
            .ok_or_else(|| refused("the token's exp is not a number of seconds"))?;
        Ok(Verified {
            cccd: cccd.to_string(),
            expires_at,
        })
    }

    /// The key named `kid`, loading the JWKS again if it is unknown or the keys are old (and
    /// the floor allows).
    async fn key(&self, kid: &str) -> Option<Arc<Key>> {
        let (found, fresh) = self.lookup(kid);
        if found.is_some() && fresh {
            return found;
        }
        // A failed load keeps the old keys; a successful one that dropped this key means the
        // provider withdrew it.
        self.refresh().await;
        self.lookup(kid).0
    }

    fn lookup(&self, kid: &str) -> (Option<Arc<Key>>, bool) {
        let keys = self
            .keys
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let fresh = keys
            .loaded_at
            .is_some_and(|at| at.elapsed() < self.settings.refresh);
        (keys.keys.get(kid).cloned(), fresh)
    }

    /// Loads the JWKS unless a load was tried within the floor.
    async fn refresh(&self) {
        let mut last = self.loading.lock().await;
        if last.is_some_and(|at| at.elapsed() < self.settings.min_refresh) {
            return;
        }
        *last = Some(Instant::now());
        if let Err(error) = self.load().await {
            eprintln!(
                "warning: could not reload the OpenID Connect keys ({}); keeping the ones loaded before",
                error.0
            );
        }
    }

    /// Reads the JWKS and replaces the keys; the number of usable keys.
    async fn load(&self) -> Result<usize, Refused> {
        let document = match (&self.settings.jwks, &self.client) {
            (JwksSource::File(path), _) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || std::fs::read(&path))
                    .await
                    .map_err(|_| refused("reading the JWKS file failed"))?
                    .map_err(|e| refused(format!("cannot read the JWKS file: {}", e.kind())))?
            }
            (JwksSource::Url(url), Some(client)) => fetch(client, url).await?,
            (JwksSource::Url(_), None) => return Err(refused("no HTTP client")),
        };
        if document.len() > JWKS_LIMIT {
            return Err(refused("the JWKS is larger than 1 MiB"));
        }
        let keys = parse_jwks(&document)?;
        let count = keys.len();
        let mut set = self
            .keys
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        set.keys = keys;
        set.loaded_at = Some(Instant::now());
        Ok(count)
    }
}

fn http_client() -> anyhow::Result<reqwest::Client> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .user_agent(concat!("healthbook-backend/", env!("CARGO_PKG_VERSION")))
        .timeout(FETCH_TIMEOUT)
        .connect_timeout(FETCH_TIMEOUT)
        // A redirect could lead off https; the JWKS URL is configured exactly.
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

async fn fetch(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, Refused> {
    let mut response = client
        .get(url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| refused(format!("fetching the JWKS failed: {}", fetch_error(&e))))?;
    if !response.status().is_success() {
        return Err(refused(format!(
            "the JWKS URL answered {}",
            response.status()
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| refused(format!("reading the JWKS failed: {}", fetch_error(&e))))?
    {
        if body.len() + chunk.len() > JWKS_LIMIT {
            return Err(refused("the JWKS is larger than 1 MiB"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn fetch_error(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "network error"
    }
}

/// The usable keys of a JWKS by `kid`: RSA keys for RS256 and P-256 keys for ES256, meant for
/// signatures. Other keys (encryption keys, other curves or algorithms) are skipped, not fatal.
fn parse_jwks(document: &[u8]) -> Result<HashMap<String, Arc<Key>>, Refused> {
    let value: Value =
        serde_json::from_slice(document).map_err(|_| refused("the JWKS is not JSON"))?;
    let entries = value
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| refused("the JWKS has no \"keys\" array"))?;
    let mut keys = HashMap::new();
    for entry in entries {
        let Ok(jwk) = serde_json::from_value::<Jwk>(entry.clone()) else {
            continue;
        };
        let Some(kid) = jwk.common.key_id.clone().filter(|k| !k.is_empty()) else {
            continue;
        };
        if matches!(&jwk.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
            continue;
        }
        let algorithm = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
                Algorithm::ES256
            }
            _ => continue,
        };
        let declared_ok = match jwk.common.key_algorithm {
            None => true,
            Some(KeyAlgorithm::RS256) => algorithm == Algorithm::RS256,
            Some(KeyAlgorithm::ES256) => algorithm == Algorithm::ES256,
            Some(_) => false,
        };
        if !declared_ok {
            continue;
        }
        let Ok(key) = DecodingKey::from_jwk(&jwk) else {
            continue;
        };
        keys.insert(kid, Arc::new(Key { algorithm, key }));
    }
    Ok(keys)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jwks_source_is_a_file_an_https_url_or_http_to_this_machine() {
        assert_eq!(
            JwksSource::parse("keys.json"),
            Ok(JwksSource::File(PathBuf::from("keys.json")))
        );
        for url in [
            "https://id.example.vn/.well-known/jwks.json",
            "http://127.0.0.1:9000/jwks",
            "http://localhost/jwks",
            "http://[::1]:80/jwks",
        ] {
            assert_eq!(JwksSource::parse(url), Ok(JwksSource::Url(url.into())));
        }
        for wrong in [
            "",
            "http://id.example.vn/jwks",
            "http://127.0.0.1@evil.example/jwks",
            "http://localhost.evil.example/jwks",
            "ftp://id.example.vn/jwks",
            "https:///jwks",
        ] {
            assert!(JwksSource::parse(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn only_rsa_and_p256_signing_keys_with_a_kid_are_kept() {
        let jwks = serde_json::json!({ "keys": [
            { "kty": "RSA", "kid": "r", "use": "sig", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB" },
            { "kty": "RSA", "kid": "enc", "use": "enc", "n": "sXch", "e": "AQAB" },
            { "kty": "EC", "kid": "e", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" },
            { "kty": "EC", "kid": "e384", "crv": "P-384", "x": "AA", "y": "AA" },
            { "kty": "oct", "kid": "h", "k": "c2VjcmV0" },
            { "kty": "RSA", "n": "sXch", "e": "AQAB" },
            { "kty": "RSA", "kid": "ps", "alg": "PS256", "n": "sXch", "e": "AQAB" },
            { "kty": "nonsense" }
        ]});
        let keys = parse_jwks(jwks.to_string().as_bytes()).expect("a JWKS");
        let mut kids: Vec<&str> = keys.keys().map(String::as_str).collect();
        kids.sort();
        assert_eq!(kids, ["e", "r"]);
        assert_eq!(keys["r"].algorithm, Algorithm::RS256);
        assert_eq!(keys["e"].algorithm, Algorithm::ES256);
        assert!(parse_jwks(b"[]").is_err());
        assert!(parse_jwks(b"not json").is_err());
    }
}
