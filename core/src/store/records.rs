//! Queries on records: writing (validated, all-or-nothing), reading one, the timeline with keyset
//! paging, search, and the per-kind lists the app shows.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use super::people::{encode, get_person, now_ms};
use super::{search, settings, sync, Store};
use crate::error::{Error, Result};
use crate::model::{Person, Prescription, ReAppointment, Record, RecordKind, RecordSource};

/// How a write treats records that already exist.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// New records only: an id already in the book is an error.
    Insert,
    /// Existing citizen-authored records only.
    Update,
    /// Insert or replace (imports and sync, where the source is authoritative).
    Upsert,
}

/// A position in the timeline: strictly older than (`at_ms`, `id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub at_ms: i64,
    pub id: String,
}

impl Cursor {
    const PREFIX: &'static str = "t1:";

    /// Opaque to the app: it only hands it back.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}{}:{}", Self::PREFIX, self.at_ms, self.id))
    }

    pub fn decode(text: &str) -> Result<Cursor> {
        let invalid = || {
            Error::validation(
                "query.cursor",
                "is not a cursor this book returned; start from the first page",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let rest = text.strip_prefix(Self::PREFIX).ok_or_else(invalid)?;
        let (at, id) = rest.split_once(':').ok_or_else(invalid)?;
        Ok(Cursor {
            at_ms: at.parse().map_err(|_| invalid())?,
            id: id.to_string(),
        })
    }
}

pub struct TimelineFilter {
    pub kinds: Vec<RecordKind>,
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub limit: usize,
    pub after: Option<Cursor>,
}

pub fn decode_record(body: &str) -> Result<Record> {
    serde_json::from_str(body).map_err(|e| Error::corrupt("a record", &e))
}

fn existing(conn: &Connection, id: &str) -> Result<Option<(i64, Record)>> {
    let row = conn
        .prepare_cached("SELECT seq, body FROM records WHERE id = ?1")?
        .query_row([id], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .optional()?;
    row.map(|(seq, body)| Ok((seq, decode_record(&body)?)))
        .transpose()
}

fn prefix_field(error: Error, prefix: &Option<String>) -> Error {
    match (error, prefix) {
        (Error::Validation(mut v), Some(prefix)) => {
            v.field = format!("{prefix}.{}", v.field);
            Error::Validation(v)
        }
        (error, _) => error,
    }
}

/// The people of a write, read once per transaction.
#[derive(Default)]
pub(crate) struct PeopleCache(HashMap<String, Person>);

/// Validates `record` against its person and writes it (with its search entry) in `tx`.
/// `version` is the backend's version when the record comes from sync; `None` keeps the stored one.
pub(crate) fn write_record(
    tx: &Connection,
    record: &mut Record,
    mode: WriteMode,
    people: &mut PeopleCache,
    version: Option<i64>,
) -> Result<()> {
    let person_id = record.person_id().to_string();
    if !people.0.contains_key(&person_id) {
        let person = get_person(tx, &person_id).map_err(|e| match e {
            Error::NotFound(_) => Error::validation(
                "person_id",
                format!("'{person_id}' is not a person in this book; add the person first"),
            ),
            other => other,
        })?;
        people.0.insert(person_id.clone(), person);
    }
    let person = &people.0[&person_id];
    record.validate(person)?;
    record.complete_derived_fields();
    let previous = existing(tx, record.id())?;
    match (mode, &previous) {
        (WriteMode::Insert, Some(_)) => {
            return Err(Error::validation(
                "id",
                format!("'{}' is already in the book", record.id()),
            ))
        }
        (WriteMode::Update, None) => {
            return Err(Error::NotFound(format!("record '{}'", record.id())))
        }
        (WriteMode::Update, Some((_, old))) => {
            if old.source() != RecordSource::Citizen || record.source() != RecordSource::Citizen {
                return Err(Error::validation(
                    "source",
                    "only records the citizen wrote can be changed; facility records are corrected by the facility",
                ));
            }
            if old.person_id() != record.person_id() || old.kind() != record.kind() {
                return Err(Error::validation(
                    "person_id",
                    "a record cannot move to another person or kind",
                ));
            }
        }
        _ => {}
    }
    let body = encode(&*record)?;
    let at_ms = record.at().timestamp_millis();
    let now = now_ms();
    let seq = match previous {
        Some((seq, _)) => {
            tx.prepare_cached(
                "UPDATE records SET person_id = ?2, kind = ?3, at_ms = ?4, body = ?5, updated_ms = ?6,
                 version = COALESCE(?7, version) WHERE seq = ?1",
            )?
            .execute(params![seq, person_id, record.kind().as_str(), at_ms, body, now, version])?;
            search::unindex_record(tx, seq)?;
            seq
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO records (id, person_id, kind, at_ms, body, created_ms, updated_ms, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
            )?
            .execute(params![record.id(), person_id, record.kind().as_str(), at_ms, body, now, version])?;
            tx.last_insert_rowid()
        }
    };
    search::index_record(tx, seq, record)
}

/// Removes the record at `seq` and its search entry; returns the backend version it had.
pub(crate) fn remove_record(tx: &Connection, seq: i64) -> Result<Option<i64>> {
    let version: Option<i64> = tx
        .prepare_cached("SELECT version FROM records WHERE seq = ?1")?
        .query_row([seq], |row| row.get(0))?;
    search::unindex_record(tx, seq)?;
    tx.execute("DELETE FROM records WHERE seq = ?1", [seq])?;
    Ok(version)
}

/// The stored record with id `id`, with its row number.
pub(crate) fn existing_record(conn: &Connection, id: &str) -> Result<Option<(i64, Record)>> {
    existing(conn, id)
}

impl Store {
    /// Validates and writes `records` in one transaction: either all are stored or none.
    /// Records must already carry their ids. New and changed records the citizen wrote are queued
    /// for the next sync in the same transaction.
    pub fn put_records(&self, records: &mut [Record], mode: WriteMode) -> Result<()> {
        let conn = self.write_lock()?;
        let tx = conn.unchecked_transaction()?;
        let mut people = PeopleCache::default();
        let batch = records.len() > 1;
        for (i, record) in records.iter_mut().enumerate() {
            let prefix = batch.then(|| format!("records[{i}]"));
            write_record(&tx, record, mode, &mut people, None)
                .map_err(|e| prefix_field(e, &prefix))?;
            settings::ensure_editable(&tx, &people.0[record.person_id()])?;
            if mode != WriteMode::Upsert && record.source() == RecordSource::Citizen {
                sync::queue_put(&tx, record.id(), record.person_id())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes a record the citizen wrote.
    pub fn delete_record(&self, id: &str) -> Result<()> {
        let conn = self.write_lock()?;
        let tx = conn.unchecked_transaction()?;
        let (seq, record) =
            existing(&tx, id)?.ok_or_else(|| Error::NotFound(format!("record '{id}'")))?;
        if record.source() != RecordSource::Citizen {
            return Err(Error::validation(
                "source",
                "only records the citizen wrote can be deleted; facility records are withdrawn by the facility",
            ));
        }
        settings::ensure_editable(&tx, &get_person(&tx, record.person_id())?)?;
        let version = remove_record(&tx, seq)?;
        sync::queue_delete(&tx, id, record.person_id(), version)?;
        tx.commit()?;
        Ok(())
    }

    pub fn record(&self, id: &str) -> Result<Record> {
        self.read(|conn| {
            existing(conn, id)?
                .map(|(_, record)| record)
                .ok_or_else(|| Error::NotFound(format!("record '{id}'")))
        })
    }

    /// One page of a person's timeline, newest first, and the cursor for the next page if there is one.
    pub fn timeline(
        &self,
        person_id: &str,
        filter: &TimelineFilter,
    ) -> Result<(Vec<Record>, Option<Cursor>)> {
        self.read(|conn| {
            get_person(conn, person_id)?;
            let mut sql = String::from("SELECT id, at_ms, body FROM records WHERE person_id = ?");
            let mut args: Vec<Value> = vec![Value::Text(person_id.to_string())];
            if !filter.kinds.is_empty() {
                sql.push_str(" AND kind IN (");
                sql.push_str(&vec!["?"; filter.kinds.len()].join(", "));
                sql.push(')');
                args.extend(
                    filter
                        .kinds
                        .iter()
                        .map(|k| Value::Text(k.as_str().to_string())),
                );
            }
            if let Some(from) = filter.from_ms {
                sql.push_str(" AND at_ms >= ?");
                args.push(Value::Integer(from));
            }
            if let Some(until) = filter.until_ms {
                sql.push_str(" AND at_ms < ?");
                args.push(Value::Integer(until));
            }
            if let Some(after) = &filter.after {
                // A row-value comparison lets SQLite seek in the timeline index: a deep page costs
                // what the first page costs.
                sql.push_str(" AND (at_ms, id) < (?, ?)");
                args.push(Value::Integer(after.at_ms));
                args.push(Value::Text(after.id.clone()));
            }
            sql.push_str(" ORDER BY at_ms DESC, id DESC LIMIT ?");
            args.push(Value::Integer(filter.limit as i64 + 1));

            let mut select = conn.prepare_cached(&sql)?;
            let mut rows = select.query(params_from_iter(args))?;
            let mut page = Vec::with_capacity(filter.limit);
            let mut last: Option<Cursor> = None;
            let mut more = false;
            while let Some(row) = rows.next()? {
                if page.len() == filter.limit {
                    more = true;
                    break;
                }
                let body: String = row.get(2)?;
                page.push(decode_record(&body)?);
                last = Some(Cursor {
                    at_ms: row.get(1)?,
                    id: row.get(0)?,
                });
            }
            Ok((page, if more { last } else { None }))
        })
    }

    /// Records of a person matching every word of `text` (as prefixes), newest first.
    pub fn search(&self, person_id: &str, text: &str, limit: usize) -> Result<Vec<Record>> {
        let Some(expression) = search::match_expression(text) else {
            return Ok(Vec::new());
        };
        self.read(|conn| {
            get_person(conn, person_id)?;
            let mut select = conn.prepare_cached(
                "SELECT r.body FROM record_search s JOIN records r ON r.seq = s.rowid
                 WHERE record_search MATCH ?1 AND r.person_id = ?2
                 ORDER BY r.at_ms DESC, r.id DESC LIMIT ?3",
            )?;
            let bodies = select.query_map(params![expression, person_id, limit as i64], |row| {
                row.get::<_, String>(0)
            })?;
            bodies.map(|body| decode_record(&body?)).collect()
        })
    }

    /// Every record of one kind for a person, in `at` order, from `from_ms` on.
    pub fn records_of_kind(
        &self,
        person_id: &str,
        kind: RecordKind,
        from_ms: i64,
    ) -> Result<Vec<Record>> {
        self.read(|conn| {
            get_person(conn, person_id)?;
            let mut select = conn.prepare_cached(
                "SELECT body FROM records WHERE person_id = ?1 AND kind = ?2 AND at_ms >= ?3 ORDER BY at_ms, id",
            )?;
            let bodies = select.query_map(params![person_id, kind.as_str(), from_ms], |row| row.get::<_, String>(0))?;
            bodies.map(|body| decode_record(&body?)).collect()
        })
    }

    pub fn prescriptions_since(&self, person_id: &str, from_ms: i64) -> Result<Vec<Prescription>> {
        Ok(self
            .records_of_kind(person_id, RecordKind::Prescription, from_ms)?
            .into_iter()
            .filter_map(|r| match r {
                Record::Prescription { prescription } => Some(prescription),
                _ => None,
            })
            .collect())
    }

    pub fn appointments_since(&self, person_id: &str, from_ms: i64) -> Result<Vec<ReAppointment>> {
        Ok(self
            .records_of_kind(person_id, RecordKind::Appointment, from_ms)?
            .into_iter()
            .filter_map(|r| match r {
                Record::Appointment { appointment } => Some(appointment),
                _ => None,
            })
            .collect())
    }

    /// Records of several kinds for a person, each kind from its own `from_ms` on, in one read:
    /// the person (whose absence is `NotFound`) and the records in `at` order per kind.
    pub fn records_of_kinds_since(
        &self,
        person_id: &str,
        kinds: &[(RecordKind, i64)],
    ) -> Result<(Person, Vec<Record>)> {
        self.read(|conn| {
            let person = get_person(conn, person_id)?;
            let mut select = conn.prepare_cached(
                "SELECT body FROM records WHERE person_id = ?1 AND kind = ?2 AND at_ms >= ?3 ORDER BY at_ms, id",
            )?;
            let mut records = Vec::new();
            for (kind, from_ms) in kinds {
                let bodies = select.query_map(params![person_id, kind.as_str(), from_ms], |row| {
                    row.get::<_, String>(0)
                })?;
                for body in bodies {
                    records.push(decode_record(&body?)?);
                }
            }
            Ok((person, records))
        })
    }

    /// All records of a person (for export), oldest first.
    pub fn all_records(&self, person_id: &str) -> Result<Vec<Record>> {
        self.read(|conn| {
            get_person(conn, person_id)?;
            let mut select = conn.prepare_cached(
                "SELECT body FROM records WHERE person_id = ?1 ORDER BY at_ms, id",
            )?;
            let bodies = select.query_map([person_id], |row| row.get::<_, String>(0))?;
            bodies.map(|body| decode_record(&body?)).collect()
        })
    }
}
