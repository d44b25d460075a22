//! The server as a process and a database over time: SIGTERM stops it cleanly with every
//! acknowledged write kept, the seed loads the sample family once, and paging the feed with a
//! small `_count` covers every record exactly once.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use healthbook_core::model::PersonRole;
use healthbook_core::sample::sample_family;
use serde_json::json;
use support::*;

#[test]
fn sigterm_while_idle_exits_0_and_an_acknowledged_write_is_there_after_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("server.db");
    let server = Server::start(&db, &[]);
    let mut tx = Tx::mother();
    tx.allergy("al-1", "Penicillin", "2024-01-02");
    let reply = server.ingest(BACH_MAI_KEY, &tx.bundle());
    assert_eq!(reply.status, 200, "acknowledged: {}", reply.body);

    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");
    assert_eq!(status.code(), Some(0));
    // The database was closed cleanly: its WAL was checkpointed into the file.
    let wal = std::fs::metadata(dir.path().join("server.db-wal")).map_or(0, |m| m.len());
    assert_eq!(wal, 0, "the WAL is checkpointed at shutdown");

    let server = Server::start(&db, &[]);
    let (token, _) = server.login(MOTHER);
    let (pages, _) = server.pages(&token, None, "");
    assert_eq!(puts(&pages).len(), 1, "the allergy survived the restart");
}

#[test]
fn the_seed_loads_the_family_once_and_small_pages_cover_everything_exactly_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("server.db");
    let server = Server::start(&db, &["--seed"]);
    let log = server.log();
    let family = sample_family(42, today_vn());
    let mother_cccd = family.people[0].personal_id.clone().expect("CCCD");
    assert!(log.contains(&mother_cccd), "personal ids on stderr: {log}");

    let (token, mother_id) = server.login(&mother_cccd);
    let (pages, cursor) = server.pages(&token, None, "_count=37");
    assert!(pages.len() > 3, "{} pages", pages.len());
    assert!(pages.iter().all(|p| p.changes.len() <= 37));
    assert!(pages.iter().take(pages.len() - 1).all(|p| !p.caught_up));

    // Each record once, under the person the sample gives it to.
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for page in &pages {
        names.insert(page.patient_id.clone(), page.person.full_name.clone());
        for change in &page.changes {
            let previous = seen.insert(change.record_id.clone(), page.patient_id.clone());
            assert!(previous.is_none(), "{} came twice", change.record_id);
            assert_eq!(change.version, 1);
        }
    }
    assert_eq!(seen.len(), family.records.len());
    let expected: BTreeSet<&str> = family.records.iter().map(|r| r.id()).collect();
    assert_eq!(
        seen.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        expected
    );
    for record in &family.records {
        let person = family
            .people
            .iter()
            .find(|p| p.id == record.person_id())
            .expect("the record's person");
        assert_eq!(names[&seen[record.id()]], person.full_name);
    }
    assert_eq!(names.len(), 3, "the mother and both children");
    assert!(pages
        .iter()
        .filter(|p| p.patient_id != mother_id)
        .all(|p| p.role == PersonRole::Dependant));

    // Caught up: the next page is empty and keeps the cursor.
    let page = server.page(&token, Some(&cursor), "_count=37");
    assert!(page.changes.is_empty() && page.caught_up);
    assert_eq!(page.next_cursor, cursor);

    // Seeding again adds nothing.
    drop(server);
    let server = Server::start(&db, &["--seed"]);
    assert!(
        server.log().contains("0 people and 0 records added"),
        "{}",
        server.log()
    );
    let (token, _) = server.login(&mother_cccd);
    let page = server.page(&token, Some(&cursor), "");
    assert!(page.changes.is_empty() && page.caught_up);
}

#[test]
fn bad_feed_parameters_are_400_naming_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("server.db"), &[]);
    assert_eq!(
        server.ingest(BACH_MAI_KEY, &Tx::mother().bundle()).status,
        200
    );
    let (token, _) = server.login(MOTHER);
    for (query, parameter) in [
        ("cursor=not-a-cursor", "cursor"),
        ("_count=0", "_count"),
        ("_count=many", "_count"),
    ] {
        let reply = server.get(&format!("/fhir/$changes?{query}"), Some(&token));
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert_eq!(reply.expressions(), [parameter]);
    }
    let reply = server.post(
        "/fhir",
        Some(&token),
        &json!({ "resourceType": "Bundle", "type": "transaction" }),
    );
    assert_eq!(
        reply.status, 422,
        "a citizen cannot post a transaction: {}",
        reply.body
    );
}
