//! SMART Health Links hosting, against the real server: uploads, direct and manifest fetches,
//! passcodes and their lockout under parallel guessing, revocation, the access log, the rate
//! limit, and that the server only ever sees ciphertext.

mod share_support;
mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use healthbook_core::share::jwe;
use serde_json::{json, Value};
use share_support::*;
use support::*;

/// A server whose rate limit is out of the way unless `extra` sets another.
fn server(extra: &[&str]) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut flags = vec!["--shl-rate-limit", "6000/100"];
    flags.extend_from_slice(extra);
    let server = Server::start(&dir.path().join("server.db"), &flags);
    (dir, server)
}

/// The link's path on the server (`/shl/<id>`) from its URL.
fn path_of(server: &Server, url: &str) -> String {
    url.strip_prefix(&server.url)
        .unwrap_or_else(|| panic!("{url} is not on {}", server.url))
        .to_string()
}

fn get_file(server: &Server, path: &str, recipient: &str) -> RawReply {
    server.send("GET", &format!("{path}?recipient={recipient}"), None, None)
}

fn manifest(server: &Server, path: &str, body: Value) -> RawReply {
    server.send("POST", path, None, Some(&body))
}

#[test]
fn an_uploaded_link_serves_its_ciphertext_to_a_get_with_a_recipient() {
    let (_dir, server) = server(&[]);
    let family = family(&server);
    let sealed = seal(&sample_bundle(), true);
    let expires_at = now_secs() + 600;
    let reply = upload(
        &server,
        &family.mother.token,
        &family.mother.patient_id,
        &sealed.jwe,
        json!({ "expires_at": expires_at, "label": "Khám tại Bạch Mai" }),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    let answer = reply.json();
    let id = answer["id"].as_str().expect("id");
    assert_eq!(id.len(), 43, "256 bits in base64url: {id}");
    assert_eq!(URL_SAFE_NO_PAD.decode(id).expect("base64url").len(), 32);
    assert_eq!(answer["url"], format!("{}/shl/{id}", server.url));
    assert_eq!(answer["flag"], "U");
    assert_eq!(answer["expires_at"], expires_at);

    let path = format!("/shl/{id}");
    let fetched = get_file(&server, &path, "Quầy tiếp đón");
    assert_eq!(fetched.status, 200, "{}", fetched.text);
    assert_eq!(fetched.header("content-type"), Some("application/jose"));
    assert_eq!(fetched.header("cache-control"), Some("no-store"));
    assert_eq!(fetched.text, sealed.jwe);
    let opened = jwe::decrypt(&fetched.text, &sealed.key).expect("the key opens it");
    let document: Value = serde_json::from_slice(&opened.plaintext).expect("JSON");
    assert_eq!(document, sample_bundle());

    let without = server.send("GET", &path, None, None);
    assert_eq!(without.status, 400, "the recipient is required");
    assert!(without.text.contains("recipient"), "{}", without.text);
}

#[test]
fn the_server_only_ever_sees_ciphertext() {
    let (dir, server) = server(&[]);
    let family = family(&server);
    let sealed = seal(&sample_bundle(), false);
    let (id, url) = share(
        &server,
        &family.mother.token,
        &family.mother.patient_id,
        &sealed.jwe,
        json!({ "passcode": "2468-lan" }),
    );
    let reply = manifest(
        &server,
        &path_of(&server, &url),
        json!({ "recipient": "BS. An", "passcode": "2468-lan" }),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let log = server.send(
        "GET",
        &format!("/shl/{id}/log"),
        Some(&family.mother.token),
        None,
    );
    assert_eq!(log.status, 200);

    // Nothing this test sent carries the key, in any spelling.
    let sent = server.sent();
    assert!(sent.len() >= 6, "{sent:?}");
    for spelling in key_spellings(&sealed.key) {
        for request in &sent {
            assert!(
                !request.contains(&spelling),
                "a request carries the key: {request}"
            );
        }
    }

    // The database holds exactly the uploaded ciphertext, no passcode and no key.
    assert_eq!(server.terminate().code(), Some(0));
    let db = rusqlite::Connection::open(dir.path().join("server.db")).expect("open");
    let (file, salt, hash): (String, Vec<u8>, Vec<u8>) = db
        .query_row(
            "SELECT file, passcode_salt, passcode_hash FROM share_links WHERE id = ?1",
            [&id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .expect("the link is stored");
    assert_eq!(file, sealed.jwe);
    assert_eq!((salt.len(), hash.len()), (16, 32));
    drop(db);
    let mut stored = std::fs::read(dir.path().join("server.db")).expect("db");
    stored.extend(std::fs::read(dir.path().join("server.db-wal")).unwrap_or_default());
    let contains = |needle: &[u8]| stored.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(&sealed.key), "the raw key is stored");
    for spelling in key_spellings(&sealed.key) {
        assert!(!contains(spelling.as_bytes()), "the key is stored");
    }
    assert!(!contains(b"2468-lan"), "the passcode is stored in clear");
}

#[test]
fn expired_used_up_revoked_protected_and_unknown_links_get_the_same_404() {
    let (_dir, server) = server(&[]);
    let family = family(&server);
    let (token, me) = (&family.mother.token, &family.mother.patient_id);
    let file = seal(&sample_bundle(), true).jwe;
    let expires_at = now_secs() + 3;
    let (_, expiring) = share(
        &server,
        token,
        me,
        &file,
        json!({ "expires_at": expires_at }),
    );
    let (_, used_up) = share(&server, token, me, &file, json!({ "max_uses": 1 }));
    let (revoked_id, revoked) = share(&server, token, me, &file, json!({}));
    let (_, protected) = share(&server, token, me, &file, json!({ "passcode": "2468" }));

    assert_eq!(
        get_file(&server, &path_of(&server, &used_up), "A").status,
        200
    );
    let deleted = server.send("DELETE", &format!("/shl/{revoked_id}"), Some(token), None);
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert!(deleted.text.is_empty());
    // Waits until the expiry has certainly passed; the assertion is about expiry, not speed.
    while now_secs() <= expires_at {
        std::thread::sleep(Duration::from_millis(200));
    }

    let random_id = URL_SAFE_NO_PAD.encode([7u8; 32]);
    let mut answers = BTreeMap::new();
    for (case, path) in [
        ("expired", path_of(&server, &expiring)),
        ("used up", path_of(&server, &used_up)),
        ("revoked", path_of(&server, &revoked)),
        ("protected", path_of(&server, &protected)),
        ("guessed id", format!("/shl/{random_id}")),
        ("malformed id", "/shl/not-an-id".to_string()),
    ] {
        let got = get_file(&server, &path, "Quầy tiếp đón");
        let posted = manifest(&server, &path, json!({ "recipient": "Quầy tiếp đón" }));
        for (how, reply) in [("GET", got), ("POST", posted)] {
            if case == "protected" && how == "POST" {
                // The manifest of a protected link asks for the passcode (below).
                continue;
            }
            assert_eq!(reply.status, 404, "{case} {how}: {}", reply.text);
            answers.insert(
                format!("{case} {how}"),
                (reply.header("content-type").map(str::to_string), reply.text),
            );
        }
    }
    let first = answers.values().next().expect("answers").clone();
    for (case, answer) in &answers {
        assert_eq!(answer, &first, "{case} answers differently");
    }
    assert!(first.1.contains("OperationOutcome"), "{}", first.1);

    let asked = manifest(
        &server,
        &path_of(&server, &protected),
        json!({ "recipient": "Quầy tiếp đón" }),
    );
    assert_eq!(asked.status, 401, "{}", asked.text);
    assert_eq!(asked.json(), json!({ "remainingAttempts": 5 }));
}

#[test]
fn uploads_are_checked_and_the_field_at_fault_named() {
    let (_dir, server) = server(&[]);
    let family = family(&server);
    let (token, me) = (&family.mother.token, &family.mother.patient_id);
    let file = seal(&sample_bundle(), false).jwe;
    let now = now_secs();
    for (changes, field) in [
        (json!({ "expires_at": now - 60 }), "expires_at"),
        (json!({ "expires_at": now + 25 * 3600 }), "expires_at"),
        (json!({ "expires_at": null }), "expires_at"),
        (json!({ "file": "not.a.jwe" }), "file"),
        (json!({ "label": "x".repeat(81) }), "label"),
        (json!({ "max_uses": 0 }), "max_uses"),
        (json!({ "content_type": "text/html" }), "content_type"),
    ] {
        let reply = upload(&server, token, me, &file, changes.clone());
        assert_eq!(reply.status, 400, "{changes}: {}", reply.text);
        let outcome = reply.json();
        assert_eq!(outcome["resourceType"], "OperationOutcome", "{changes}");
        assert_eq!(
            outcome["issue"][0]["expression"],
            json!([field]),
            "{changes}"
        );
    }

    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"dir","enc":"A256GCM"}"#);
    let huge = format!(
        "{header}..{}.{}.{}",
        URL_SAFE_NO_PAD.encode([1u8; 12]),
        "A".repeat(5 * 1024 * 1024),
        URL_SAFE_NO_PAD.encode([2u8; 16])
    );
    let reply = upload(&server, token, me, &huge, json!({}));
    assert_eq!(reply.status, 413, "over 5 MiB");
    assert_eq!(reply.json()["issue"][0]["expression"], json!(["file"]));

    let unauthenticated = server.send("POST", "/shl", None, Some(&json!({})));
    assert_eq!(unauthenticated.status, 401);
}

#[test]
fn another_citizen_can_neither_share_revoke_nor_read_the_log_of_a_book_it_does_not_reach() {
    let (_dir, server) = server(&[]);
    let family = family(&server);
    let file = seal(&sample_bundle(), true).jwe;
    let (stranger, mother) = (&family.stranger, &family.mother);

    let refused = upload(
        &server,
        &stranger.token,
        &mother.patient_id,
        &file,
        json!({}),
    );
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(
        refused.json()["issue"][0]["expression"],
        json!(["person_id"])
    );
    let refused = upload(
        &server,
        &stranger.token,
        &family.son.patient_id,
        &file,
        json!({}),
    );
    assert_eq!(refused.status, 403, "not the stranger's child");

    let (id, url) = share(&server, &mother.token, &mother.patient_id, &file, json!({}));
    let unknown = URL_SAFE_NO_PAD.encode([9u8; 32]);
    for (method, path) in [
        ("DELETE", format!("/shl/{id}")),
        ("GET", format!("/shl/{id}/log")),
        ("DELETE", format!("/shl/{unknown}")),
        ("GET", format!("/shl/{unknown}/log")),
    ] {
        let reply = server.send(method, &path, Some(&stranger.token), None);
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.text);
    }
    let anonymous = server.send("DELETE", &format!("/shl/{id}"), None, None);
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        get_file(&server, &path_of(&server, &url), "Quầy 1").status,
        200,
        "the link still works"
    );
}

#[test]
fn a_guardian_shares_a_childs_book_and_only_the_guardian_manages_that_link() {
    let (_dir, server) = server(&[]);
    let family = family(&server);
    let file = seal(&sample_bundle(), true).jwe;
    let (id, url) = share(
        &server,
        &family.mother.token,
        &family.son.patient_id,
        &file,
        json!({ "label": "Sổ tiêm chủng của Khang" }),
    );
    assert_eq!(
        get_file(&server, &path_of(&server, &url), "Trạm y tế phường").text,
        file
    );
    // The child's own token reaches only his own book: not his mother's, and not her link.
    let refused = upload(
        &server,
        &family.son.token,
        &family.mother.patient_id,
        &file,
        json!({}),
    );
    assert_eq!(refused.status, 403);
    let log = format!("/shl/{id}/log");
    assert_eq!(
        server
            .send("GET", &log, Some(&family.son.token), None)
            .status,
        404
    );
    assert_eq!(
        server
            .send("GET", &log, Some(&family.mother.token), None)
            .status,
        200
    );
    let revoked = server.send(
        "DELETE",
        &format!("/shl/{id}"),
        Some(&family.mother.token),
        None,
    );
    assert_eq!(revoked.status, 204);
    assert_eq!(get_file(&server, &path_of(&server, &url), "x").status, 404);
}

#[test]
fn a_passcode_link_opens_through_the_manifest_embedded_or_by_one_time_location() {
    let (_dir, server) = server(&[]);
    let family = family(&server);
    let sealed = seal(&sample_bundle(), true);
    let reply = upload(
        &server,
        &family.mother.token,
        &family.mother.patient_id,
        &sealed.jwe,
        json!({ "passcode": "2468" }),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["flag"], "P");
    let id = reply.json()["id"].as_str().expect("id").to_string();
    let path = format!("/shl/{id}");

    assert_eq!(
        get_file(&server, &path, "BS. An").status,
        404,
        "no GET for P"
    );
    let wrong = manifest(
        &server,
        &path,
        json!({ "recipient": "BS. An", "passcode": "1357" }),
    );
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json(), json!({ "remainingAttempts": 4 }));

    let embedded = manifest(
        &server,
        &path,
        json!({ "recipient": "BS. An", "passcode": "2468" }),
    );
    assert_eq!(embedded.status, 200, "{}", embedded.text);
    assert_eq!(
        embedded.json(),
        json!({ "files": [{ "contentType": "application/fhir+json", "embedded": sealed.jwe }] })
    );

    let located = manifest(
        &server,
        &path,
        json!({ "recipient": "Quầy 2", "passcode": "2468", "embeddedLengthMax": 100 }),
    );
    assert_eq!(located.status, 200, "{}", located.text);
    let entry = &located.json()["files"][0];
    assert_eq!(entry["contentType"], "application/fhir+json");
    assert!(entry.get("embedded").is_none());
    let location = entry["location"].as_str().expect("location");
    let location_path = path_of(&server, location);
    assert!(
        location_path.starts_with(&format!("{path}/file/")),
        "{location}"
    );
    let file = server.send("GET", &location_path, None, None);
    assert_eq!(file.status, 200);
    assert_eq!(file.header("content-type"), Some("application/jose"));
    assert_eq!(file.text, sealed.jwe);
    assert_eq!(
        server.send("GET", &location_path, None, None).status,
        404,
        "a location works once"
    );

    let log = server
        .send(
            "GET",
            &format!("{path}/log"),
            Some(&family.mother.token),
            None,
        )
        .json();
    assert_eq!(log["uses"], 2, "{log}");
    let recipients: Vec<&str> = log["accesses"]
        .as_array()
        .expect("accesses")
        .iter()
        .filter_map(|a| a["recipient"].as_str())
        .collect();
    assert_eq!(recipients, ["BS. An", "Quầy 2"]);
}

#[test]
fn parallel_wrong_guesses_are_counted_up_to_the_limit_and_then_the_link_is_dead() {
    let (_dir, server) = server(&[]);
    let family = family(&server);
    let (_, url) = share(
        &server,
        &family.mother.token,
        &family.mother.patient_id,
        &seal(&sample_bundle(), true).jwe,
        json!({ "passcode": "2468" }),
    );
    let path = path_of(&server, &url);
    let replies: Vec<RawReply> = std::thread::scope(|scope| {
        let guesses: Vec<_> = (0..40)
            .map(|guess| {
                let (server, path) = (&server, &path);
                scope.spawn(move || {
                    manifest(
                        server,
                        path,
                        json!({ "recipient": "Kẻ đoán", "passcode": format!("{:04}", 5000 + guess) }),
                    )
                })
            })
            .collect();
        guesses
            .into_iter()
            .map(|g| g.join().expect("guess"))
            .collect()
    });
    let mut remaining: Vec<i64> = replies
        .iter()
        .filter(|r| r.status == 401)
        .map(|r| r.json()["remainingAttempts"].as_i64().expect("remaining"))
        .collect();
    remaining.sort_unstable();
    assert_eq!(remaining, [0, 1, 2, 3, 4], "exactly 5 guesses were counted");
    let gone = replies.iter().filter(|r| r.status == 404).count();
    assert_eq!(gone, 35, "the rest found a dead link");

    let right = manifest(
        &server,
        &path,
        json!({ "recipient": "BS. An", "passcode": "2468" }),
    );
    assert_eq!(
        right.status, 404,
        "a locked link stays dead, even to the right passcode"
    );
}

#[test]
fn the_public_share_endpoints_are_rate_limited_per_client() {
    let (_dir, server) = server(&["--shl-rate-limit", "6/3"]);
    let family = family(&server);
    let unknown = format!("/shl/{}", URL_SAFE_NO_PAD.encode([3u8; 32]));
    for _ in 0..3 {
        assert_eq!(get_file(&server, &unknown, "x").status, 404);
    }
    let limited = manifest(&server, &unknown, json!({ "recipient": "x" }));
    assert_eq!(limited.status, 429, "{}", limited.text);
    let retry_after: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    assert_eq!(limited.json()["issue"][0]["code"], "throttled");

    // The citizen's own, authenticated endpoints are not limited.
    for _ in 0..4 {
        share(
            &server,
            &family.mother.token,
            &family.mother.patient_id,
            &seal(&sample_bundle(), false).jwe,
            json!({}),
        );
    }
}

#[test]
fn the_access_log_lists_each_recipient_and_time() {
    let (_dir, server) = server(&[]);
    let family = family(&server);
    let token = &family.mother.token;
    let expires_at = now_secs() + 900;
    let (id, url) = share(
        &server,
        token,
        &family.mother.patient_id,
        &seal(&sample_bundle(), true).jwe,
        json!({ "expires_at": expires_at, "max_uses": 5 }),
    );
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    for recipient in ["Quầy tiếp đón", "BS. Trần Văn Minh"] {
        assert_eq!(
            get_file(&server, &path_of(&server, &url), recipient).status,
            200
        );
    }
    let after = chrono::Utc::now() + chrono::Duration::seconds(1);

    let reply = server.send("GET", &format!("/shl/{id}/log"), Some(token), None);
    assert_eq!(reply.status, 200, "{}", reply.text);
    let log = reply.json();
    assert_eq!(log["uses"], 2);
    assert_eq!(log["revoked"], false);
    assert_eq!(log["expires_at"], expires_at);
    let accesses = log["accesses"].as_array().expect("accesses");
    assert_eq!(accesses.len(), 2);
    for (access, recipient) in accesses.iter().zip(["Quầy tiếp đón", "BS. Trần Văn Minh"])
    {
        assert_eq!(access["recipient"], recipient);
        let at = chrono::DateTime::parse_from_rfc3339(access["at"].as_str().expect("at"))
            .expect("RFC 3339");
        assert!(before <= at && at <= after, "{at}");
        assert!(access["at"].as_str().expect("at").ends_with("+07:00"));
    }

    assert_eq!(
        server
            .send("DELETE", &format!("/shl/{id}"), Some(token), None)
            .status,
        204
    );
    let log = server
        .send("GET", &format!("/shl/{id}/log"), Some(token), None)
        .json();
    assert_eq!(log["revoked"], true);
    assert_eq!(
        log["accesses"].as_array().map(Vec::len),
        Some(2),
        "the log stays"
    );
    assert_eq!(
        server
            .send("DELETE", &format!("/shl/{id}"), Some(token), None)
            .status,
        204,
        "revoking again changes nothing"
    );
}

#[test]
fn the_viewer_page_is_one_self_contained_file_under_a_strict_policy() {
    let (_dir, server) = server(&[]);
    let page = server.send("GET", "/view", None, None);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let policy = page.header("content-security-policy").expect("CSP");
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    assert!(policy.contains("script-src 'sha256-"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(page.text.contains("data-state=\"loading\""));
    assert!(page.text.contains("Quầy tiếp đón"));
}

#[test]
fn a_citizen_holds_at_most_twenty_live_links_and_a_revoked_one_frees_a_place() {
    let (_dir, server) = server(&[]);
    let family = family(&server);
    let token = &family.mother.token;
    let sealed = seal(&sample_bundle(), true).jwe;
    let mut ids = Vec::new();
    for _ in 0..20 {
        let (id, _) = share(
            &server,
            token,
            &family.mother.patient_id,
            &sealed,
            json!({}),
        );
        ids.push(id);
    }
    let refused = upload(
        &server,
        token,
        &family.mother.patient_id,
        &sealed,
        json!({}),
    );
    assert_eq!(refused.status, 429, "{}", refused.text);
    let wait: i64 = refused
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=3600).contains(&wait), "Retry-After {wait}");
    assert!(refused.text.contains("revoke"), "{}", refused.text);
    // The child's book counts against the guardian who shares it.
    let for_son = upload(&server, token, &family.son.patient_id, &sealed, json!({}));
    assert_eq!(for_son.status, 429, "{}", for_son.text);
    // Another citizen is not held back by the mother's quota.
    share(
        &server,
        &family.stranger.token,
        &family.stranger.patient_id,
        &sealed,
        json!({}),
    );

    let revoked = server.send("DELETE", &format!("/shl/{}", ids[0]), Some(token), None);
    assert!(revoked.status < 300, "{}", revoked.text);
    share(
        &server,
        token,
        &family.mother.patient_id,
        &sealed,
        json!({}),
    );
}
