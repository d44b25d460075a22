//! Store internals: migrations from older schemas.

use rusqlite::params;

use super::connection::{self, Role};
use super::schema::{self, CURRENT_VERSION};
use super::{BookKey, Store};
use crate::error::Error;

const PERSON: &str = r#"{"id":"p1","role":"owner","full_name":"Lê Văn Tám","date_of_birth":"1985-02-03","sex":"male","personal_id":null,"previous_personal_ids":[],"ethnicity":null,"nationality":null,"occupation":null,"address":null,"insurance":null,"blood_group":null,"risk_factors":[],"guardian":null}"#;

const CONDITION: &str = r#"{"condition":{"condition":{"id":"r1","person_id":"p1","source":"citizen","sensitive":false,"history":"medical","text":"Viêm phổi","icd10":"J18.9","onset":null,"recorded_on":"2019-04-01","status":"resolved","relative":null}}}"#;

fn key() -> BookKey {
    match BookKey::from_bytes("key", vec![3u8; 32]) {
        Ok(key) => key,
        Err(e) => panic!("test key: {e}"),
    }
}

#[test]
fn a_book_made_by_schema_1_is_upgraded_and_its_records_become_searchable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("book.db");
    {
        let mut conn = connection::open(&path, Some(&key()), Role::Writer).expect("open v1");
        schema::migrate_to(&mut conn, 1).expect("schema 1");
        conn.execute(
            "INSERT INTO people (id, role, body, created_ms, updated_ms) VALUES ('p1', 'owner', ?1, 0, 0)",
            [PERSON],
        )
        .expect("person");
        conn.execute(
            "INSERT INTO records (id, person_id, kind, at_ms, body, created_ms, updated_ms)
             VALUES ('r1', 'p1', 'condition', ?1, ?2, 0, 0)",
            params![1_554_051_600_000i64, CONDITION],
        )
        .expect("record");
        assert_eq!(schema::user_version(&conn).expect("version"), 1);
    }

    let store = Store::open(&path, &key()).expect("open upgrades");
    let version = store.read(schema::user_version).expect("version");
    assert_eq!(version, CURRENT_VERSION);
    let found = store.search("p1", "viem phoi", 10).expect("search");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id(), "r1");
}

#[test]
fn a_book_from_a_newer_schema_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("book.db");
    {
        let conn = connection::open(&path, Some(&key()), Role::Writer).expect("open");
        conn.pragma_update(None, "user_version", CURRENT_VERSION + 1)
            .expect("future version");
    }
    match Store::open(&path, &key()) {
        Err(Error::NewerSchema { found, known }) => {
            assert_eq!(found, CURRENT_VERSION + 1);
            assert_eq!(known, CURRENT_VERSION);
        }
        Err(other) => panic!("expected NewerSchema, got {other}"),
        Ok(_) => panic!("a newer schema must not open"),
    }
}
