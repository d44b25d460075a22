//! The SQLite implementation of `Storage`: one file in WAL mode, one writer connection behind a
//! mutex (each write is one `BEGIN IMMEDIATE … COMMIT` with `synchronous = FULL`, so a committed
//! write survives a crash), and a small pool of read-only connections whose `BEGIN … ROLLBACK`
//! brackets give each request one snapshot. Schema versions are kept in `PRAGMA user_version`.
//! The file is not encrypted: encryption at rest on the server is the operator's volume encryption.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use healthbook_core::model::{
    CalendarDate, GuardianLink, Person, Record, RecordKind, RecordSource,
};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row};

use super::{
    LinkAction, LinkChange, LiveShares, Origin, Reader, ShareAccess, ShareTicket, Storage,
    StorageError, StorageResult, StoredLink, StoredPasscode, StoredPerson, StoredRecord,
    StoredShare, StoredToken, Writer,
};

/// How many idle read connections are kept for reuse.
const READER_POOL: usize = 4;
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The schema, one script per version; `user_version` says how many have run.
/// 1: people, guardian links, records, tokens. 2: SMART Health Links (shares, their access log,
/// one-time file tickets). 3: the guardian link log. 4: a citizen's live shares found by creator
/// (the upload quota).
const MIGRATIONS: [&str; 4] = [
    r#"
CREATE TABLE counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO counter (id, seq) VALUES (1, 0);

CREATE TABLE people (
    patient_id TEXT PRIMARY KEY,
    personal_id TEXT UNIQUE,
    body TEXT NOT NULL,
    seq INTEGER NOT NULL
);

CREATE TABLE guardian_links (
    child_id TEXT NOT NULL REFERENCES people (patient_id),
    guardian_personal_id TEXT NOT NULL,
    body TEXT NOT NULL,
    origin TEXT,
    PRIMARY KEY (child_id, guardian_personal_id)
);
CREATE INDEX guardian_links_by_guardian ON guardian_links (guardian_personal_id);
CREATE INDEX guardian_links_by_origin ON guardian_links (origin);

CREATE TABLE records (
    record_id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES people (patient_id),
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT,
    facility_code TEXT,
    resource_ref TEXT
);
CREATE INDEX records_feed ON records (patient_id, seq);
CREATE INDEX records_origin ON records (facility_code, resource_ref);

CREATE TABLE tokens (
    token_hash BLOB PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES people (patient_id),
    expires_at_ms INTEGER NOT NULL
);
"#,
    r#"
CREATE TABLE share_links (
    id TEXT PRIMARY KEY,
    creator_id TEXT NOT NULL REFERENCES people (patient_id),
    person_id TEXT NOT NULL REFERENCES people (patient_id),
    file TEXT,
    content_type TEXT NOT NULL,
    label TEXT,
    expires_at INTEGER NOT NULL,
    max_uses INTEGER,
    uses INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0,
    passcode_salt BLOB,
    passcode_hash BLOB,
    passcode_iterations INTEGER,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX share_links_by_expiry ON share_links (expires_at);

CREATE TABLE share_accesses (
    link_id TEXT NOT NULL REFERENCES share_links (id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX share_accesses_by_link ON share_accesses (link_id, at_ms);

CREATE TABLE share_tickets (
    ticket_hash BLOB PRIMARY KEY,
    link_id TEXT NOT NULL REFERENCES share_links (id) ON DELETE CASCADE,
    expires_at_ms INTEGER NOT NULL
);
"#,
    r#"
CREATE TABLE guardian_link_changes (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    child_id TEXT NOT NULL REFERENCES people (patient_id),
    guardian_personal_id TEXT NOT NULL,
    facility_code TEXT,
    action TEXT NOT NULL CHECK (action IN ('made', 'changed', 'ended')),
    since TEXT,
    until TEXT
);
CREATE INDEX guardian_link_changes_by_child ON guardian_link_changes (child_id, id);
"#,
    r#"
CREATE INDEX share_links_by_creator ON share_links (creator_id, expires_at);
"#,
];

/// The server's SQLite file.
pub struct SqliteStorage {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl SqliteStorage {
    /// Opens (or creates) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> StorageResult<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| {
            StorageError(format!("cannot open the database {}: {e}", path.display()))
        })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
        )?;
        migrate(&conn)?;
        Ok(SqliteStorage {
            path: path.to_path_buf(),
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
        })
    }

    fn reader_connection(&self) -> StorageResult<Connection> {
        if let Some(conn) = lock(&self.readers).pop() {
            return Ok(conn);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.execute_batch("PRAGMA query_only = ON; PRAGMA temp_store = MEMORY;")?;
        Ok(conn)
    }

    /// Checkpoints the WAL into the file and closes every connection: the file is complete on its
    /// own afterwards. Called once at shutdown, after the last request.
    pub fn close(self) -> StorageResult<()> {
        let readers = self
            .readers
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for conn in readers {
            conn.close().map_err(|(_, e)| StorageError::from(e))?;
        }
        let writer = self
            .writer
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        writer.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        writer.close().map_err(|(_, e)| StorageError::from(e))
    }
}

fn migrate(conn: &Connection) -> StorageResult<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StorageError(format!(
            "the database has schema version {version}; this server knows up to {known}: run a newer server"
        )));
    }
    for (index, script) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let next = index as i64 + 1;
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {script}; PRAGMA user_version = {next}; COMMIT;"
        ))
        .map_err(|e| {
            let _ = conn.execute_batch("ROLLBACK");
            StorageError(format!("schema migration {next} failed: {e}"))
        })?;
    }
    Ok(())
}

/// A mutex whose holder panicked is still usable: an open transaction was rolled back on unwind.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Storage for SqliteStorage {
    fn read(&self) -> StorageResult<Box<dyn Reader + '_>> {
        let conn = self.reader_connection()?;
        conn.execute_batch("BEGIN DEFERRED")?;
        Ok(Box::new(SqliteReader {
            conn: Some(conn),
            pool: &self.readers,
        }))
    }

    fn write(&self) -> StorageResult<Box<dyn Writer + '_>> {
        let conn = lock(&self.writer);
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Box::new(SqliteWriter { conn, open: true }))
    }
}

impl From<rusqlite::Error> for StorageError {
    fn from(error: rusqlite::Error) -> Self {
        // rusqlite's messages name the failing statement or constraint, never the bound values.
        StorageError(format!("SQLite: {error}"))
    }
}

/// A stored body that does not decode. Says where, never what: serde's message could quote it.
fn corrupt(what: &str, error: &serde_json::Error) -> StorageError {
    StorageError(format!(
        "a stored {what} does not decode ({:?} error at line {}, column {})",
        error.classify(),
        error.line(),
        error.column()
    ))
}

fn encode<T: serde::Serialize>(what: &str, value: &T) -> StorageResult<String> {
    serde_json::to_string(value).map_err(|e| corrupt(what, &e))
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> StorageResult<T> {
    serde_json::from_str(text).map_err(|e| corrupt(what, &e))
}

// ---------------------------------------------------------------------------------------------
// Reading: the same queries on a reader's snapshot and inside the write transaction.

struct SqliteReader<'a> {
    conn: Option<Connection>,
    pool: &'a Mutex<Vec<Connection>>,
}

impl Drop for SqliteReader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // A connection that cannot end its snapshot is closed rather than reused.
            if conn.execute_batch("ROLLBACK").is_ok() {
                let mut pool = lock(self.pool);
                if pool.len() < READER_POOL {
                    pool.push(conn);
                }
            }
        }
    }
}

struct SqliteWriter<'a> {
    conn: MutexGuard<'a, Connection>,
    open: bool,
}

impl Drop for SqliteWriter<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// What the shared queries need: a connection.
trait HasConnection {
    fn conn(&self) -> StorageResult<&Connection>;
}

impl HasConnection for SqliteReader<'_> {
    fn conn(&self) -> StorageResult<&Connection> {
        self.conn
            .as_ref()
            .ok_or_else(|| StorageError("the snapshot is closed".into()))
    }
}

impl HasConnection for SqliteWriter<'_> {
    fn conn(&self) -> StorageResult<&Connection> {
        Ok(&self.conn)
    }
}

const PERSON_COLUMNS: &str = "patient_id, body, seq";
const LINK_COLUMNS: &str = "child_id, guardian_personal_id, body, origin";
const RECORD_COLUMNS: &str =
    "record_id, patient_id, kind, source, version, seq, body, facility_code, resource_ref";

fn person_row(row: &Row) -> rusqlite::Result<(String, String, i64)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

fn to_person((patient_id, body, seq): (String, String, i64)) -> StorageResult<StoredPerson> {
    let person: Person = decode("person", &body)?;
    Ok(StoredPerson {
        patient_id,
        person,
        seq,
    })
}

type LinkRow = (String, String, String, Option<String>);

fn link_row(row: &Row) -> rusqlite::Result<LinkRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn to_link((child_id, guardian_personal_id, body, origin): LinkRow) -> StorageResult<StoredLink> {
    let link: GuardianLink = decode("guardian link", &body)?;
    Ok(StoredLink {
        child_id,
        guardian_personal_id,
        link,
        origin,
    })
}

type LinkChangeRow = (
    i64,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

fn link_change_row(row: &Row) -> rusqlite::Result<LinkChangeRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

fn to_link_change(
    (at_ms, child_id, guardian_personal_id, facility_code, action, since, until): LinkChangeRow,
) -> StorageResult<LinkChange> {
    let action = LinkAction::parse(&action)
        .ok_or_else(|| StorageError("a logged link change has an unknown action".into()))?;
    Ok(LinkChange {
        at_ms,
        child_id,
        guardian_personal_id,
        facility_code,
        action,
        since: since.as_deref().map(stored_day).transpose()?,
        until: until.as_deref().map(stored_day).transpose()?,
    })
}

/// A date kept as `YYYY-MM-DD`.
fn stored_day(text: &str) -> StorageResult<CalendarDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| StorageError("a logged link change has a malformed date".into()))
}

struct RecordRow {
    record_id: String,
    patient_id: String,
    kind: String,
    source: String,
    version: i64,
    seq: i64,
    body: Option<String>,
    facility_code: Option<String>,
    resource_ref: Option<String>,
}

fn record_row(row: &Row) -> rusqlite::Result<RecordRow> {
    Ok(RecordRow {
        record_id: row.get(0)?,
        patient_id: row.get(1)?,
        kind: row.get(2)?,
        source: row.get(3)?,
        version: row.get(4)?,
        seq: row.get(5)?,
        body: row.get(6)?,
        facility_code: row.get(7)?,
        resource_ref: row.get(8)?,
    })
}

fn to_record(row: RecordRow) -> StorageResult<StoredRecord> {
    let kind = RecordKind::parse(&row.kind)
        .ok_or_else(|| StorageError("a stored record has an unknown kind".into()))?;
    let source = source_from_name(&row.source)
        .ok_or_else(|| StorageError("a stored record has an unknown source".into()))?;
    let record: Option<Record> = match &row.body {
        Some(body) => Some(decode("record", body)?),
        None => None,
    };
    let origin = match (row.facility_code, row.resource_ref) {
        (Some(facility_code), Some(resource_ref)) => Some(Origin {
            facility_code,
            resource_ref,
        }),
        _ => None,
    };
    Ok(StoredRecord {
        record_id: row.record_id,
        patient_id: row.patient_id,
        kind,
        source,
        version: row.version,
        seq: row.seq,
        record,
        origin,
    })
}

fn source_name(source: RecordSource) -> &'static str {
    match source {
        RecordSource::Facility => "facility",
        RecordSource::Citizen => "citizen",
        RecordSource::Imported => "imported",
    }
}

fn source_from_name(name: &str) -> Option<RecordSource> {
    match name {
        "facility" => Some(RecordSource::Facility),
        "citizen" => Some(RecordSource::Citizen),
        "imported" => Some(RecordSource::Imported),
        _ => None,
    }
}

const SHARE_COLUMNS: &str = "id, creator_id, person_id, file, content_type, label, expires_at, \
     max_uses, uses, revoked, passcode_salt, passcode_hash, passcode_iterations, failed_attempts, \
     created_at";

fn share_row(row: &Row) -> rusqlite::Result<StoredShare> {
    let salt: Option<Vec<u8>> = row.get(10)?;
    let hash: Option<Vec<u8>> = row.get(11)?;
    let iterations: Option<u32> = row.get(12)?;
    let passcode = match (salt, hash, iterations) {
        (Some(salt), Some(hash), Some(iterations)) => Some(StoredPasscode {
            salt,
            hash,
            iterations,
        }),
        _ => None,
    };
    Ok(StoredShare {
        id: row.get(0)?,
        creator_id: row.get(1)?,
        person_id: row.get(2)?,
        file: row.get(3)?,
        content_type: row.get(4)?,
        label: row.get(5)?,
        expires_at: row.get(6)?,
        max_uses: row.get(7)?,
        uses: row.get(8)?,
        revoked: row.get(9)?,
        passcode,
        failed_attempts: row.get(13)?,
        created_at: row.get(14)?,
    })
}

fn collect<R, T>(
    rows: impl Iterator<Item = rusqlite::Result<R>>,
    convert: impl Fn(R) -> StorageResult<T>,
) -> StorageResult<Vec<T>> {
    rows.map(|row| convert(row?)).collect()
}

impl<T: HasConnection> Reader for T {
    fn person(&self, patient_id: &str) -> StorageResult<Option<StoredPerson>> {
        let row = self
            .conn()?
            .query_row(
                &format!("SELECT {PERSON_COLUMNS} FROM people WHERE patient_id = ?1"),
                [patient_id],
                person_row,
            )
            .optional()?;
        row.map(to_person).transpose()
    }

    fn person_by_personal_id(&self, personal_id: &str) -> StorageResult<Option<StoredPerson>> {
        let row = self
            .conn()?
            .query_row(
                &format!("SELECT {PERSON_COLUMNS} FROM people WHERE personal_id = ?1"),
                [personal_id],
                person_row,
            )
            .optional()?;
        row.map(to_person).transpose()
    }

    fn token(&self, token_hash: &[u8; 32]) -> StorageResult<Option<StoredToken>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT patient_id, expires_at_ms FROM tokens WHERE token_hash = ?1",
                [&token_hash[..]],
                |row| {
                    Ok(StoredToken {
                        patient_id: row.get(0)?,
                        expires_at_ms: row.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    fn links_of_guardian(&self, guardian_personal_id: &str) -> StorageResult<Vec<StoredLink>> {
        let conn = self.conn()?;
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {LINK_COLUMNS} FROM guardian_links WHERE guardian_personal_id = ?1 ORDER BY child_id"
        ))?;
        let rows = statement.query_map([guardian_personal_id], link_row)?;
        collect(rows, to_link)
    }

    fn links_from_origin(&self, origin: &str) -> StorageResult<Vec<StoredLink>> {
        let conn = self.conn()?;
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {LINK_COLUMNS} FROM guardian_links WHERE origin = ?1 ORDER BY child_id"
        ))?;
        let rows = statement.query_map([origin], link_row)?;
        collect(rows, to_link)
    }

    fn link_changes(&self, child_id: &str) -> StorageResult<Vec<LinkChange>> {
        let conn = self.conn()?;
        let mut statement = conn.prepare_cached(
            "SELECT at_ms, child_id, guardian_personal_id, facility_code, action, since, until
             FROM guardian_link_changes WHERE child_id = ?1 ORDER BY id",
        )?;
        let rows = statement.query_map([child_id], link_change_row)?;
        collect(rows, to_link_change)
    }

    fn record(&self, record_id: &str) -> StorageResult<Option<StoredRecord>> {
        let row = self
            .conn()?
            .query_row(
                &format!("SELECT {RECORD_COLUMNS} FROM records WHERE record_id = ?1"),
                [record_id],
                record_row,
            )
            .optional()?;
        row.map(to_record).transpose()
    }

    fn records_from_origin(
        &self,
        facility_code: &str,
        resource_ref: &str,
    ) -> StorageResult<Vec<StoredRecord>> {
        let conn = self.conn()?;
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM records
             WHERE facility_code = ?1
               AND (resource_ref = ?2 OR substr(resource_ref, 1, length(?2) + 1) = ?2 || '#')
             ORDER BY resource_ref"
        ))?;
        let rows = statement.query_map(params![facility_code, resource_ref], record_row)?;
        collect(rows, to_record)
    }

    fn head(&self, patient_id: &str) -> StorageResult<i64> {
        Ok(self.conn()?.query_row(
            "SELECT max(
                 coalesce((SELECT seq FROM people WHERE patient_id = ?1), 0),
                 coalesce((SELECT max(seq) FROM records WHERE patient_id = ?1), 0))",
            [patient_id],
            |row| row.get(0),
        )?)
    }

    fn changes_after(
        &self,
        patient_id: &str,
        after: i64,
        limit: usize,
        include_deleted: bool,
    ) -> StorageResult<Vec<StoredRecord>> {
        let conn = self.conn()?;
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM records
             WHERE patient_id = ?1 AND seq > ?2 AND (body IS NOT NULL OR ?3)
             ORDER BY seq LIMIT ?4"
        ))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = statement.query_map(
            params![patient_id, after, include_deleted, limit],
            record_row,
        )?;
        collect(rows, to_record)
    }

    fn share(&self, link_id: &str) -> StorageResult<Option<StoredShare>> {
        Ok(self
            .conn()?
            .query_row(
                &format!("SELECT {SHARE_COLUMNS} FROM share_links WHERE id = ?1"),
                [link_id],
                share_row,
            )
            .optional()?)
    }

    fn live_shares_of(&self, creator_id: &str, now: i64) -> StorageResult<LiveShares> {
        Ok(self.conn()?.query_row(
            "SELECT count(*), coalesce(sum(length(file)), 0), min(expires_at) FROM share_links
             WHERE creator_id = ?1 AND expires_at > ?2 AND NOT revoked AND file IS NOT NULL",
            params![creator_id, now],
            |row| {
                Ok(LiveShares {
                    count: row.get(0)?,
                    bytes: row.get(1)?,
                    first_expiry: row.get(2)?,
                })
            },
        )?)
    }

    fn share_accesses(&self, link_id: &str) -> StorageResult<Vec<ShareAccess>> {
        let conn = self.conn()?;
        let mut statement = conn.prepare_cached(
            "SELECT recipient, at_ms FROM share_accesses WHERE link_id = ?1 ORDER BY at_ms, rowid",
        )?;
        let rows = statement.query_map([link_id], |row| {
            Ok(ShareAccess {
                recipient: row.get(0)?,
                at_ms: row.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

impl Writer for SqliteWriter<'_> {
    fn next_seq(&mut self) -> StorageResult<i64> {
        Ok(self.conn.query_row(
            "UPDATE counter SET seq = seq + 1 WHERE id = 1 RETURNING seq",
            [],
            |row| row.get(0),
        )?)
    }

    fn put_person(&mut self, person: &StoredPerson) -> StorageResult<()> {
        let body = encode("person", &person.person)?;
        self.conn.execute(
            "INSERT INTO people (patient_id, personal_id, body, seq) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (patient_id) DO UPDATE SET
                 personal_id = excluded.personal_id, body = excluded.body, seq = excluded.seq",
            params![
                person.patient_id,
                person.person.personal_id,
                body,
                person.seq
            ],
        )?;
        Ok(())
    }

    fn put_link(&mut self, link: &StoredLink) -> StorageResult<()> {
        let body = encode("guardian link", &link.link)?;
        self.conn.execute(
            "INSERT INTO guardian_links (child_id, guardian_personal_id, body, origin)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (child_id, guardian_personal_id) DO UPDATE SET
                 body = excluded.body, origin = excluded.origin",
            params![link.child_id, link.guardian_personal_id, body, link.origin],
        )?;
        Ok(())
    }

    fn remove_link(&mut self, child_id: &str, guardian_personal_id: &str) -> StorageResult<()> {
        self.conn.execute(
            "DELETE FROM guardian_links WHERE child_id = ?1 AND guardian_personal_id = ?2",
            params![child_id, guardian_personal_id],
        )?;
        Ok(())
    }

    fn log_link_change(&mut self, change: &LinkChange) -> StorageResult<()> {
        self.conn.execute(
            "INSERT INTO guardian_link_changes
                 (at_ms, child_id, guardian_personal_id, facility_code, action, since, until)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                change.at_ms,
                change.child_id,
                change.guardian_personal_id,
                change.facility_code,
                change.action.as_str(),
                change.since.map(|d| d.format("%Y-%m-%d").to_string()),
                change.until.map(|d| d.format("%Y-%m-%d").to_string())
            ],
        )?;
        Ok(())
    }

    fn put_record(&mut self, record: &StoredRecord) -> StorageResult<()> {
        let body = record
            .record
            .as_ref()
            .map(|r| encode("record", r))
            .transpose()?;
        let (facility_code, resource_ref) = match &record.origin {
            Some(origin) => (
                Some(origin.facility_code.as_str()),
                Some(origin.resource_ref.as_str()),
            ),
            None => (None, None),
        };
        self.conn.execute(
            &format!(
                "INSERT INTO records ({RECORD_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (record_id) DO UPDATE SET
                     patient_id = excluded.patient_id, kind = excluded.kind,
                     source = excluded.source, version = excluded.version, seq = excluded.seq,
                     body = excluded.body, facility_code = excluded.facility_code,
                     resource_ref = excluded.resource_ref"
            ),
            params![
                record.record_id,
                record.patient_id,
                record.kind.as_str(),
                source_name(record.source),
                record.version,
                record.seq,
                body,
                facility_code,
                resource_ref
            ],
        )?;
        Ok(())
    }

    fn put_token(&mut self, token_hash: &[u8; 32], token: &StoredToken) -> StorageResult<()> {
        self.conn.execute(
            "INSERT INTO tokens (token_hash, patient_id, expires_at_ms) VALUES (?1, ?2, ?3)",
            params![&token_hash[..], token.patient_id, token.expires_at_ms],
        )?;
        Ok(())
    }

    fn remove_expired_tokens(&mut self, now: i64) -> StorageResult<()> {
        self.conn
            .execute("DELETE FROM tokens WHERE expires_at_ms <= ?1", [now])?;
        Ok(())
    }

    fn remove_token(&mut self, token_hash: &[u8; 32]) -> StorageResult<()> {
        self.conn.execute(
            "DELETE FROM tokens WHERE token_hash = ?1",
            [&token_hash[..]],
        )?;
        Ok(())
    }

    fn remove_tokens_of(&mut self, patient_id: &str) -> StorageResult<usize> {
        Ok(self
            .conn
            .execute("DELETE FROM tokens WHERE patient_id = ?1", [patient_id])?)
    }

    fn put_share(&mut self, share: &StoredShare) -> StorageResult<()> {
        let passcode = share.passcode.as_ref();
        self.conn.execute(
            &format!(
                "INSERT INTO share_links ({SHARE_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
            ),
            params![
                share.id,
                share.creator_id,
                share.person_id,
                share.file,
                share.content_type,
                share.label,
                share.expires_at,
                share.max_uses,
                share.uses,
                share.revoked,
                passcode.map(|p| &p.salt[..]),
                passcode.map(|p| &p.hash[..]),
                passcode.map(|p| p.iterations),
                share.failed_attempts,
                share.created_at
            ],
        )?;
        Ok(())
    }

    fn add_share_use(&mut self, link_id: &str, access: &ShareAccess) -> StorageResult<()> {
        self.conn.execute(
            "UPDATE share_links SET uses = uses + 1 WHERE id = ?1",
            [link_id],
        )?;
        self.conn.execute(
            "INSERT INTO share_accesses (link_id, recipient, at_ms) VALUES (?1, ?2, ?3)",
            params![link_id, access.recipient, access.at_ms],
        )?;
        Ok(())
    }

    fn count_failed_passcode(&mut self, link_id: &str, limit: i64) -> StorageResult<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "UPDATE share_links SET failed_attempts = failed_attempts + 1
                 WHERE id = ?1 AND failed_attempts < ?2
                 RETURNING failed_attempts",
                params![link_id, limit],
                |row| row.get(0),
            )
            .optional()?)
    }

    fn revoke_share(&mut self, link_id: &str) -> StorageResult<()> {
        self.conn.execute(
            "UPDATE share_links SET revoked = 1, file = NULL WHERE id = ?1",
            [link_id],
        )?;
        self.conn
            .execute("DELETE FROM share_tickets WHERE link_id = ?1", [link_id])?;
        Ok(())
    }

    fn prune_shares(&mut self, now: i64, forget_before: i64) -> StorageResult<()> {
        self.conn.execute(
            "UPDATE share_links SET file = NULL WHERE expires_at <= ?1 AND file IS NOT NULL",
            [now],
        )?;
        self.conn.execute(
            "DELETE FROM share_accesses WHERE link_id IN
                 (SELECT id FROM share_links WHERE expires_at < ?1)",
            [forget_before],
        )?;
        self.conn.execute(
            "DELETE FROM share_tickets WHERE link_id IN
                 (SELECT id FROM share_links WHERE expires_at <= ?1)",
            [now],
        )?;
        self.conn.execute(
            "DELETE FROM share_links WHERE expires_at < ?1",
            [forget_before],
        )?;
        Ok(())
    }

    fn put_share_ticket(
        &mut self,
        ticket_hash: &[u8; 32],
        ticket: &ShareTicket,
    ) -> StorageResult<()> {
        self.conn.execute(
            "INSERT INTO share_tickets (ticket_hash, link_id, expires_at_ms) VALUES (?1, ?2, ?3)",
            params![&ticket_hash[..], ticket.link_id, ticket.expires_at_ms],
        )?;
        Ok(())
    }

    fn take_share_ticket(
        &mut self,
        ticket_hash: &[u8; 32],
        now_ms: i64,
    ) -> StorageResult<Option<ShareTicket>> {
        let ticket = self
            .conn
            .query_row(
                "DELETE FROM share_tickets WHERE ticket_hash = ?1
                 RETURNING link_id, expires_at_ms",
                [&ticket_hash[..]],
                |row| {
                    Ok(ShareTicket {
                        link_id: row.get(0)?,
                        expires_at_ms: row.get(1)?,
                    })
                },
            )
            .optional()?;
        self.conn.execute(
            "DELETE FROM share_tickets WHERE expires_at_ms <= ?1",
            [now_ms],
        )?;
        Ok(ticket)
    }

    fn commit(mut self: Box<Self>) -> StorageResult<()> {
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
