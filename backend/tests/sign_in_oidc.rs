//! Sign-in through an OpenID Connect provider, over real HTTP on 127.0.0.1: a test provider made
//! here (an RSA and a P-256 key generated for the run, its JWKS served by a small HTTP server),
//! ID tokens exchanged at `POST /auth/oidc` for the server's own token, and every forged,
//! expired or misdirected token refused with 401 and no token.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use support::*;

const ISSUER: &str = "https://id.test.example.vn";
const AUDIENCE: &str = "vn.healthbook.app";

/// A signing key of the test provider, with the JWK it publishes.
struct SigningKey {
    kid: String,
    algorithm: Algorithm,
    encoding: EncodingKey,
    jwk: Value,
}

impl SigningKey {
    fn rsa(kid: &str) -> (SigningKey, Vec<u8>) {
        let key = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).expect("an RSA key");
        let der = key.to_pkcs1_der().expect("PKCS#1");
        let public = key.to_public_key();
        let jwk = json!({
            "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(public.n_bytes()),
            "e": URL_SAFE_NO_PAD.encode(public.e_bytes()),
        });
        let public_der = public.to_pkcs1_der().expect("PKCS#1").as_bytes().to_vec();
        (
            SigningKey {
                kid: kid.into(),
                algorithm: Algorithm::RS256,
                encoding: EncodingKey::from_rsa_der(der.as_bytes()),
                jwk,
            },
            public_der,
        )
    }

    fn ec(kid: &str) -> SigningKey {
        let random = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &random)
            .expect("an EC key");
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &random)
                .expect("reads back");
        let point = pair.public_key().as_ref();
        assert_eq!(point.len(), 65, "uncompressed P-256 point");
        SigningKey {
            kid: kid.into(),
            algorithm: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk: json!({
                "kty": "EC", "kid": kid, "use": "sig", "crv": "P-256",
                "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
                "y": URL_SAFE_NO_PAD.encode(&point[33..]),
            }),
        }
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.algorithm);
        header.kid = Some(self.kid.clone());
        encode(&header, claims, &self.encoding).expect("signs")
    }
}

/// The provider's JWKS endpoint: serves whatever keys it is given, and counts the fetches.
struct Jwks {
    url: String,
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
}

impl Jwks {
    fn serve(keys: Vec<Value>) -> Jwks {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/jwks.json", listener.local_addr().expect("addr"));
        let keys = Arc::new(Mutex::new(keys));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (served, counted) = (keys.clone(), fetches.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                counted.fetch_add(1, Ordering::SeqCst);
                let body = json!({ "keys": *served.lock().expect("keys") }).to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Jwks { url, keys, fetches }
    }

    fn set(&self, keys: Vec<Value>) {
        *self.keys.lock().expect("keys") = keys;
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// The claims of a good ID token for `cccd`; each with its own `jti`, so no two are the same.
fn claims(cccd: &str) -> Value {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": format!("vneid-{cccd}"),
        "cccd": cccd,
        "iat": now(),
        "exp": now() + 600,
        "jti": format!("t{}", NEXT.fetch_add(1, Ordering::SeqCst)),
    })
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().expect("object").remove(key);
    claims
}

fn server_with(dir: &tempfile::TempDir, jwks: &str, extra: &[&str]) -> Server {
    let mut flags = vec![
        "--oidc-issuer",
        ISSUER,
        "--oidc-audience",
        AUDIENCE,
        "--oidc-jwks",
        jwks,
    ];
    flags.extend_from_slice(extra);
    let server = Server::start(&dir.path().join("server.db"), &flags);
    let mut tx = Tx::mother();
    tx.allergy("al-1", "Penicillin", "2024-01-02");
    assert_eq!(server.ingest(BACH_MAI_KEY, &tx.bundle()).status, 200);
    server
}

fn exchange(server: &Server, id_token: &str) -> Reply {
    server.post("/auth/oidc", None, &json!({ "id_token": id_token }))
}

/// The token's answer is a session token that reads the mother's book.
fn assert_accepted(server: &Server, id_token: &str) -> String {
    let reply = exchange(server, id_token);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["token_type"], "Bearer");
    let token = reply.body["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let page = server.page(&token, None, "");
    assert_eq!(page.changes.len(), 1, "the book's allergy is served");
    assert_eq!(page.person.personal_id.as_deref(), Some(MOTHER));
    token
}

fn assert_refused(server: &Server, id_token: &str, what: &str) {
    let reply = exchange(server, id_token);
    assert_eq!(reply.status, 401, "{what}: {}", reply.body);
    assert_eq!(reply.body["resourceType"], "OperationOutcome", "{what}");
    assert!(reply.body.get("access_token").is_none(), "{what}: no token");
    assert_eq!(
        reply.www_authenticate.as_deref(),
        Some("Bearer error=\"invalid_token\""),
        "{what}"
    );
    // And the ID token itself opens nothing.
    let feed = server.get("/fhir/$changes", Some(id_token));
    assert_eq!(
        feed.status, 401,
        "{what}: the ID token is no bearer token here"
    );
}

#[test]
fn a_valid_rs256_or_es256_id_token_signs_the_citizen_in_and_the_book_is_served() {
    let (rsa, _) = SigningKey::rsa("rsa-1");
    let ec = SigningKey::ec("ec-1");
    let jwks = Jwks::serve(vec![rsa.jwk.clone(), ec.jwk.clone()]);
    let dir = tempfile::tempdir().expect("dir");
    let server = server_with(&dir, &jwks.url, &[]);

    assert_accepted(&server, &rsa.sign(&claims(MOTHER)));
    assert_accepted(&server, &ec.sign(&claims(MOTHER)));
    // `aud` as a list holding the app, `nbf` just passed, `exp` passed by less than the skew.
    assert_accepted(
        &server,
        &rsa.sign(&with(claims(MOTHER), "aud", json!(["other-app", AUDIENCE]))),
    );
    assert_accepted(
        &server,
        &rsa.sign(&with(claims(MOTHER), "nbf", json!(now() - 5))),
    );
    assert_accepted(
        &server,
        &ec.sign(&with(claims(MOTHER), "exp", json!(now() - 20))),
    );

    // A verified citizen the server has no book for: told so, no token.
    let reply = exchange(&server, &rsa.sign(&claims(STRANGER)));
    assert_eq!(reply.status, 404, "{}", reply.body);
    assert!(reply.body.get("access_token").is_none());
}

#[test]
fn forged_expired_and_misdirected_id_tokens_are_refused_with_401_and_nothing_served() {
    let (rsa, rsa_public_der) = SigningKey::rsa("rsa-1");
    let ec = SigningKey::ec("ec-1");
    let jwks = Jwks::serve(vec![rsa.jwk.clone(), ec.jwk.clone()]);
    let dir = tempfile::tempdir().expect("dir");
    let server = server_with(&dir, &jwks.url, &[]);
    let fetches_at_start = jwks.fetches();

    assert_refused(
        &server,
        &rsa.sign(&with(claims(MOTHER), "exp", json!(now() - 120))),
        "expired beyond the skew",
    );
    assert_refused(
        &server,
        &rsa.sign(&with(claims(MOTHER), "nbf", json!(now() + 300))),
        "not yet valid",
    );
    assert_refused(
        &server,
        &rsa.sign(&without(claims(MOTHER), "exp")),
        "no exp",
    );
    assert_refused(
        &server,
        &rsa.sign(&with(claims(MOTHER), "iss", json!("https://evil.example"))),
        "wrong issuer",
    );
    assert_refused(
        &server,
        &rsa.sign(&without(claims(MOTHER), "iss")),
        "no issuer",
    );
    assert_refused(
        &server,
        &rsa.sign(&with(claims(MOTHER), "aud", json!("another-app"))),
        "wrong audience",
    );
    assert_refused(
        &server,
        &ec.sign(&without(claims(MOTHER), "aud")),
        "no audience",
    );
    assert_refused(
        &server,
        &rsa.sign(&without(claims(MOTHER), "cccd")),
        "no CCCD claim",
    );
    assert_refused(
        &server,
        &rsa.sign(&with(claims(MOTHER), "cccd", json!("12345"))),
        "a malformed CCCD",
    );

    // A key the provider never published.
    let (stranger_key, _) = SigningKey::rsa("rsa-unknown");
    assert_refused(&server, &stranger_key.sign(&claims(MOTHER)), "unknown kid");
    // A key of its own under the provider's kid.
    let (impostor, _) = SigningKey::rsa("rsa-1");
    assert_refused(
        &server,
        &impostor.sign(&claims(MOTHER)),
        "another key, same kid",
    );
    // No kid at all.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = None;
    let no_kid = encode(&header, &claims(MOTHER), &rsa.encoding).expect("signs");
    assert_refused(&server, &no_kid, "no kid");

    // alg: none, unsigned.
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    for alg in ["none", "None", "NONE"] {
        let unsigned = format!(
            "{}.{}.",
            b64(&json!({ "alg": alg, "typ": "JWT", "kid": "rsa-1" })),
            b64(&claims(MOTHER))
        );
        assert_refused(&server, &unsigned, "alg none");
    }

    // HS256 with the provider's public key as the HMAC secret, in the forms a verifier might
    // hold it: PKCS#1 DER, the JWK's modulus, the JWK's JSON.
    let secrets: Vec<Vec<u8>> = vec![
        rsa_public_der,
        rsa.jwk["n"].as_str().expect("n").as_bytes().to_vec(),
        rsa.jwk.to_string().into_bytes(),
    ];
    for secret in secrets {
        for kid in ["rsa-1", "ec-1"] {
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some(kid.into());
            let forged = encode(
                &header,
                &claims(MOTHER),
                &EncodingKey::from_secret(&secret).expect("secret"),
            )
            .expect("signs");
            assert_refused(&server, &forged, "HS256 with the public key");
        }
    }

    // The EC key's signature under the RSA key's kid, and the other way round.
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("rsa-1".into());
    let crossed = encode(&header, &claims(MOTHER), &ec.encoding).expect("signs");
    assert_refused(&server, &crossed, "ES256 under an RSA kid");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("ec-1".into());
    let crossed = encode(&header, &claims(MOTHER), &rsa.encoding).expect("signs");
    assert_refused(&server, &crossed, "RS256 under an EC kid");

    // A key embedded in the header is not trusted.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("rsa-unknown".into());
    header.jwk = serde_json::from_value(stranger_key.jwk.clone()).ok();
    let embedded = encode(&header, &claims(MOTHER), &stranger_key.encoding).expect("signs");
    assert_refused(&server, &embedded, "a key in the header");

    // A good token whose payload was changed after signing: another citizen, a later expiry.
    for token in [rsa.sign(&claims(MOTHER)), ec.sign(&claims(MOTHER))] {
        let parts: Vec<&str> = token.split('.').collect();
        for changed in [
            with(claims(MOTHER), "cccd", json!(SON)),
            with(claims(MOTHER), "exp", json!(now() + 999_999)),
        ] {
            let tampered = format!("{}.{}.{}", parts[0], b64(&changed), parts[2]);
            assert_refused(&server, &tampered, "tampered payload");
        }
        // And a token cut short or with a flipped signature bit.
        assert_refused(
            &server,
            &format!("{}.{}", parts[0], parts[1]),
            "no signature",
        );
        let mut signature = URL_SAFE_NO_PAD.decode(parts[2]).expect("b64");
        signature[0] ^= 1;
        let flipped = format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            URL_SAFE_NO_PAD.encode(signature)
        );
        assert_refused(&server, &flipped, "a flipped signature bit");
    }
    for junk in ["", "x", "a.b.c", "....."] {
        assert_refused(&server, junk, "not a JWT");
    }

    // The unknown kids did not make the server fetch the JWKS again within the floor.
    assert_eq!(
        jwks.fetches(),
        fetches_at_start,
        "no refetch within --oidc-jwks-min-refresh"
    );

    // After all that, a good token still works: the mother's data was never served before.
    assert_accepted(&server, &rsa.sign(&claims(MOTHER)));
}

#[test]
fn an_id_token_is_exchanged_once() {
    let ec = SigningKey::ec("ec-1");
    let jwks = Jwks::serve(vec![ec.jwk.clone()]);
    let dir = tempfile::tempdir().expect("dir");
    let server = server_with(&dir, &jwks.url, &[]);
    let id_token = ec.sign(&claims(MOTHER));
    assert_accepted(&server, &id_token);
    assert_refused(&server, &id_token, "the same ID token again");
}

#[test]
fn a_new_kid_in_the_jwks_is_accepted_after_a_refresh_and_a_withdrawn_one_refused() {
    let (old, _) = SigningKey::rsa("2026-01");
    let new = SigningKey::ec("2026-02");
    let jwks = Jwks::serve(vec![old.jwk.clone()]);
    let dir = tempfile::tempdir().expect("dir");
    let server = server_with(
        &dir,
        &jwks.url,
        &["--oidc-jwks-min-refresh", "1", "--oidc-jwks-refresh", "3"],
    );
    assert_accepted(&server, &old.sign(&claims(MOTHER)));
    assert_refused(
        &server,
        &new.sign(&claims(MOTHER)),
        "a kid not yet published",
    );

    // The provider publishes its next key beside the old one.
    jwks.set(vec![old.jwk.clone(), new.jwk.clone()]);
    std::thread::sleep(Duration::from_millis(1100));
    let before = jwks.fetches();
    assert_accepted(&server, &new.sign(&claims(MOTHER)));
    assert_eq!(
        jwks.fetches(),
        before + 1,
        "the unknown kid made one refetch"
    );
    // A burst of made-up kids right after makes no further fetch.
    for i in 0..10 {
        let made_up = SigningKey::ec(&format!("made-up-{i}"));
        assert_refused(&server, &made_up.sign(&claims(MOTHER)), "a made-up kid");
    }
    assert_eq!(jwks.fetches(), before + 1, "the floor holds");
    assert_accepted(&server, &old.sign(&claims(MOTHER)));

    // The old key is withdrawn; once the keys are older than the refresh interval it is gone.
    jwks.set(vec![new.jwk.clone()]);
    std::thread::sleep(Duration::from_millis(3100));
    assert_refused(&server, &old.sign(&claims(MOTHER)), "a withdrawn key");
    assert_accepted(&server, &new.sign(&claims(MOTHER)));
}

#[test]
fn the_jwks_may_be_a_file_read_again_when_it_changes() {
    let (first, _) = SigningKey::rsa("file-1");
    let second = SigningKey::ec("file-2");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("jwks.json");
    std::fs::write(&path, json!({ "keys": [first.jwk] }).to_string()).expect("write");
    let server = server_with(
        &dir,
        path.to_str().expect("utf-8"),
        &["--oidc-jwks-min-refresh", "1"],
    );
    assert_accepted(&server, &first.sign(&claims(MOTHER)));
    std::fs::write(
        &path,
        json!({ "keys": [first.jwk, second.jwk] }).to_string(),
    )
    .expect("write");
    std::thread::sleep(Duration::from_millis(1100));
    assert_accepted(&server, &second.sign(&claims(MOTHER)));
}

#[test]
fn a_server_whose_keys_cannot_be_loaded_does_not_start() {
    let dir = tempfile::tempdir().expect("dir");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_healthbook-backend"))
        .arg("--db")
        .arg(dir.path().join("server.db"))
        .args(["--listen", "127.0.0.1:0"])
        .args(["--oidc-issuer", ISSUER, "--oidc-audience", AUDIENCE])
        .arg("--oidc-jwks")
        .arg(dir.path().join("missing.json"))
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "it never listened");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--oidc-jwks"), "{stderr}");

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_healthbook-backend"))
        .args(["--oidc-issuer", ISSUER, "--oidc-audience", AUDIENCE])
        .args(["--oidc-jwks", "http://id.example.vn/jwks.json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "plain http to another host");
}
