//! The book's side of sync: where the change feed resumes, applying a page (people, records and the
//! cursor in one transaction), the outbox of the citizen's entries, and the conflicts the app shows.
//! The rules are in docs/sync-protocol.md; this module knows nothing of HTTP.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};

use super::people::{encode, get_person, now_ms};
use super::records::{
    decode_record, existing_record, remove_record, write_record, PeopleCache, WriteMode,
};
use super::{search, Store};
use crate::error::{Error, Result};
use crate::model::time::vietnam_offset;
use crate::model::{GuardianLink, Person, PersonRole, Record, RecordSource};
use crate::sync::wire::{
    push_bundle, read_push_bundle, ChangeBody, FeedPage, PushChange, PushItem, PushOutcome,
    RecordChange,
};

/// What applying one page did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PageTally {
    pub records_written: u32,
    pub records_deleted: u32,
    pub conflicts: u32,
    pub people_changed: u32,
    /// Changes the book refused to apply, each with why: they would have written over, or moved,
    /// the records of another person of the book. The rest of the page is applied.
    pub refused: Vec<String>,
}

/// A queued entry as it goes out, with what is needed to settle it when the answer comes.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub generation: i64,
    pub item: PushItem,
}

/// What settling a push did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PushTally {
    pub accepted: u32,
    pub conflicts: u32,
}

/// A citizen edit the backend did not take.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredConflict {
    pub record_id: String,
    pub person_id: String,
    pub local: Option<Record>,
    pub base_version: Option<i64>,
    pub server_version: Option<i64>,
    pub reason: String,
    pub detected_ms: i64,
}

/// Queues a new or changed citizen record (in the transaction that wrote it). A record edited twice
/// before sync keeps the version its first edit was based on.
pub(crate) fn queue_put(tx: &Connection, record_id: &str, person_id: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO outbox (record_id, person_id, deleted, base_version, generation, queued_ms)
         VALUES (?1, ?2, 0, (SELECT version FROM records WHERE id = ?1), 1, ?3)
         ON CONFLICT (record_id) DO UPDATE SET deleted = 0, generation = generation + 1",
    )?
    .execute(params![record_id, person_id, now_ms()])?;
    Ok(())
}

/// Queues the deletion of a citizen record that had backend version `version`. A record the
/// backend has no version of just leaves the outbox, unless a push of it has gone out (in flight,
/// or its answer was lost): then the backend may have it, so the queued entry becomes a deletion,
/// pushed once the put is settled (a backend that never got the put answers 404, which settles it).
pub(crate) fn queue_delete(
    tx: &Connection,
    record_id: &str,
    person_id: &str,
    version: Option<i64>,
) -> Result<()> {
    if version.is_none() {
        tx.prepare_cached("DELETE FROM outbox WHERE record_id = ?1 AND sent_generation IS NULL")?
            .execute([record_id])?;
        tx.prepare_cached(
            "UPDATE outbox SET deleted = 1, generation = generation + 1 WHERE record_id = ?1",
        )?
        .execute([record_id])?;
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO outbox (record_id, person_id, deleted, base_version, generation, queued_ms)
         VALUES (?1, ?2, 1, ?3, 1, ?4)
         ON CONFLICT (record_id) DO UPDATE SET deleted = 1, generation = generation + 1",
    )?
    .execute(params![record_id, person_id, version, now_ms()])?;
    Ok(())
}

struct Pending {
    base_version: Option<i64>,
    deleted: bool,
    person_id: String,
    generation: i64,
    sent: Option<Sent>,
}

/// What the last push of an outbox entry carried.
struct Sent {
    generation: i64,
    base_version: Option<i64>,
    /// The record as pushed; `None` for a deletion.
    body: Option<String>,
}

fn pending(conn: &Connection, record_id: &str) -> Result<Option<Pending>> {
    Ok(conn
        .prepare_cached(
            "SELECT base_version, deleted, person_id, generation, sent_generation, sent_base, sent_body
             FROM outbox WHERE record_id = ?1",
        )?
        .query_row([record_id], |row| {
            let sent = row.get::<_, Option<i64>>(4)?.map(|generation| {
                Ok::<_, rusqlite::Error>(Sent {
                    generation,
                    base_version: row.get(5)?,
                    body: row.get(6)?,
                })
            });
            Ok(Pending {
                base_version: row.get(0)?,
                deleted: row.get::<_, i64>(1)? != 0,
                person_id: row.get(2)?,
                generation: row.get(3)?,
                sent: sent.transpose()?,
            })
        })
        .optional()?)
}

fn stored_version(conn: &Connection, record_id: &str) -> Result<Option<(i64, Option<i64>)>> {
    Ok(conn
        .prepare_cached("SELECT seq, version FROM records WHERE id = ?1")?
        .query_row([record_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// The record's row, backend version and person, if the book has it.
struct Stored {
    seq: i64,
    version: Option<i64>,
    person_id: String,
}

fn stored(conn: &Connection, record_id: &str) -> Result<Option<Stored>> {
    Ok(conn
        .prepare_cached("SELECT seq, version, person_id FROM records WHERE id = ?1")?
        .query_row([record_id], |row| {
            Ok(Stored {
                seq: row.get(0)?,
                version: row.get(1)?,
                person_id: row.get(2)?,
            })
        })
        .optional()?)
}

/// How a change from the backend meets a citizen edit still in the outbox.
enum Meeting {
    /// The backend already has what the edit says: the edit reached it (its answer was lost) or
    /// says the same. Nothing is lost; the edit is settled at the backend's version.
    Settled,
    /// The backend's version is this book's own push (what it last sent, or the first version of a
    /// record made here, which reaches the backend only from here), and the edit was made after
    /// it: the edit goes on top.
    OnTop,
    /// The backend moved on under the edit: a conflict.
    Conflict,
}

fn meeting(
    tx: &Connection,
    change: &RecordChange,
    edit: &Pending,
    local: Option<&Stored>,
) -> Result<Meeting> {
    // What this book last pushed, come back at the version the backend gives such a push.
    if let Some(sent) = &edit.sent {
        if change.version == sent.base_version.map_or(1, |base| base + 1) {
            let own = match (&change.change, &sent.body) {
                (ChangeBody::Delete(_), None) => true,
                (ChangeBody::Put(incoming), Some(body)) => {
                    let person = get_person(tx, &edit.person_id)?;
                    same_content(&person, &decode_record(body)?, incoming)
                }
                _ => false,
            };
            if own {
                return Ok(if edit.generation == sent.generation {
                    Meeting::Settled
                } else {
                    Meeting::OnTop
                });
            }
        }
    }
    match &change.change {
        ChangeBody::Delete(_) if edit.deleted => return Ok(Meeting::Settled),
        ChangeBody::Delete(_) => return Ok(Meeting::Conflict),
        ChangeBody::Put(incoming) => {
            if !edit.deleted && local.is_some() {
                if let Some((_, mine)) = existing_record(tx, &change.record_id)? {
                    let person = get_person(tx, &edit.person_id)?;
                    if same_content(&person, &mine, incoming) {
                        return Ok(Meeting::Settled);
                    }
                }
            }
            if edit.base_version.is_none()
                && change.version == 1
                && incoming.source() == RecordSource::Citizen
            {
                return Ok(Meeting::OnTop);
            }
        }
    }
    Ok(Meeting::Conflict)
}

/// Whether two versions of a record say the same, read as the backend reads a push (the FHIR
/// mapping both ways, derived fields completed), whatever their id, person and source.
fn same_content(person: &Person, mine: &Record, theirs: &Record) -> bool {
    let as_pushed = |record: &Record| -> Option<Record> {
        let item = PushItem {
            record_id: "same-content".into(),
            base_version: None,
            change: PushChange::Put {
                person: person.clone(),
                record: record.clone(),
            },
        };
        let bundle = push_bundle(&[item], Utc::now().with_timezone(&vietnam_offset()));
        let Ok(PushItem {
            change: PushChange::Put { mut record, .. },
            ..
        }) = read_push_bundle(&bundle).ok()?.into_iter().next()?
        else {
            return None;
        };
        record.set_person_id(String::new());
        record.set_source(RecordSource::Citizen);
        record.complete_derived_fields();
        Some(record)
    };
    match (as_pushed(mine), as_pushed(theirs)) {
        (Some(mine), Some(theirs)) => mine == theirs,
        _ => false,
    }
}

#[allow(clippy::too_many_arguments)]
fn keep_conflict(
    tx: &Connection,
    record_id: &str,
    person_id: &str,
    local: Option<&Record>,
    base_version: Option<i64>,
    server_version: Option<i64>,
    reason: &str,
) -> Result<()> {
    let body = local.map(encode).transpose()?;
    tx.prepare_cached(
        "INSERT INTO sync_conflicts (record_id, person_id, local_body, base_version, server_version, reason, detected_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (record_id) DO UPDATE SET person_id = excluded.person_id, local_body = excluded.local_body,
             base_version = excluded.base_version, server_version = excluded.server_version,
             reason = excluded.reason, detected_ms = excluded.detected_ms",
    )?
    .execute(params![record_id, person_id, body, base_version, server_version, reason, now_ms()])?;
    tx.execute("DELETE FROM outbox WHERE record_id = ?1", [record_id])?;
    Ok(())
}

impl Store {
    /// Where the change feed of `server` resumes; `None` before the first page.
    pub fn sync_cursor(&self, server: &str) -> Result<Option<String>> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT cursor FROM sync_cursor WHERE server = ?1")?
                .query_row([server], |row| row.get(0))
                .optional()?)
        })
    }

    /// Applies one change-feed page and records its cursor, in one transaction: after a crash or a
    /// failure the book is exactly as the previous page left it, and the feed resumes there.
    /// A change that would write over or move another person's records is refused (see
    /// `PageTally::refused`); so is a whole page about a dependant who is someone else in the book.
    pub fn apply_page(&self, server: &str, page: &FeedPage) -> Result<PageTally> {
        let conn = self.write_lock()?;
        let tx = conn.unchecked_transaction()?;
        let mut tally = PageTally::default();
        match person_for_page(&tx, page, &mut tally)? {
            PagePerson::Book(person_id) => {
                let mut people = PeopleCache::default();
                for change in &page.changes {
                    apply_change(&tx, page, &person_id, change, &mut people, &mut tally)?;
                }
            }
            PagePerson::Refused(reason) => {
                tally.refused.extend(page.changes.iter().map(|change| {
                    format!(
                        "record {} of patient {}: {reason}",
                        change.record_id, page.patient_id
                    )
                }));
                if page.changes.is_empty() {
                    tally
                        .refused
                        .push(format!("patient {}: {reason}", page.patient_id));
                }
            }
        }
        tx.prepare_cached(
            "INSERT INTO sync_cursor (server, cursor, updated_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (server) DO UPDATE SET cursor = excluded.cursor, updated_ms = excluded.updated_ms",
        )?
        .execute(params![server, page.next_cursor, now_ms()])?;
        tx.commit()?;
        Ok(tally)
    }

    /// Up to `limit` queued entries, oldest first, ready to push.
    pub fn outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>> {
        self.read(|conn| {
            let mut select = conn.prepare_cached(
                "SELECT o.record_id, o.person_id, o.deleted, o.base_version, o.generation, r.body,
                        (SELECT patient_id FROM sync_people WHERE person_id = o.person_id)
                 FROM outbox o LEFT JOIN records r ON r.id = o.record_id
                 ORDER BY o.queued_ms, o.record_id LIMIT ?1",
            )?;
            let rows = select.query_map([limit as i64], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)? != 0,
                    row.get::<_, Option<i64>>(3)?,
                    row.get::<_, i64>(4)?,
                    row.get::<_, Option<String>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                ))
            })?;
            let mut entries = Vec::new();
            for row in rows {
                let (record_id, person_id, deleted, base_version, generation, body, patient_id) =
                    row?;
                let change = match (deleted, body) {
                    (false, Some(body)) => {
                        let mut person = get_person(conn, &person_id)?;
                        person.id = patient_id.unwrap_or_default();
                        PushChange::Put {
                            person,
                            record: decode_record(&body)?,
                        }
                    }
                    _ => PushChange::Delete,
                };
                entries.push(OutboxEntry {
                    generation,
                    item: PushItem {
                        record_id,
                        base_version,
                        change,
                    },
                });
            }
            Ok(entries)
        })
    }

    /// Notes what a push of `entries` carries, before it goes out, in one transaction: if the
    /// backend applies it and the answer is lost, the next pull can tell it is this book's own.
    pub fn mark_sent(&self, entries: &[OutboxEntry]) -> Result<()> {
        let conn = self.write_lock()?;
        let tx = conn.unchecked_transaction()?;
        for entry in entries {
            let body = match &entry.item.change {
                PushChange::Put { record, .. } => Some(encode(record)?),
                PushChange::Delete => None,
            };
            tx.prepare_cached(
                "UPDATE outbox SET sent_generation = ?2, sent_base = ?3, sent_body = ?4
                 WHERE record_id = ?1 AND generation = ?2",
            )?
            .execute(params![
                entry.item.record_id,
                entry.generation,
                entry.item.base_version,
                body
            ])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records the backend's answers to a push of `entries`, in one transaction.
    pub fn settle_push(
        &self,
        entries: &[OutboxEntry],
        outcomes: &[PushOutcome],
    ) -> Result<PushTally> {
        let conn = self.write_lock()?;
        let tx = conn.unchecked_transaction()?;
        let mut tally = PushTally::default();
        for (entry, outcome) in entries.iter().zip(outcomes) {
            let record_id = entry.item.record_id.as_str();
            let generation: Option<i64> = tx
                .prepare_cached("SELECT generation FROM outbox WHERE record_id = ?1")?
                .query_row([record_id], |row| row.get(0))
                .optional()?;
            let Some(generation) = generation else {
                continue; // settled meanwhile (a page turned it into a conflict)
            };
            let edited_since = generation != entry.generation;
            match outcome {
                PushOutcome::Stored { version } => {
                    tx.execute(
                        "UPDATE records SET version = ?2 WHERE id = ?1",
                        params![record_id, version],
                    )?;
                    if edited_since {
                        tx.execute(
                            "UPDATE outbox SET base_version = ?2, sent_generation = NULL,
                                 sent_base = NULL, sent_body = NULL
                             WHERE record_id = ?1",
                            params![record_id, version],
                        )?;
                    } else {
                        tx.execute("DELETE FROM outbox WHERE record_id = ?1", [record_id])?;
                    }
                    tally.accepted += 1;
                }
                PushOutcome::Conflict { current_version } => {
                    let (person_id, local) = self.local_edit(&tx, entry)?;
                    keep_conflict(
                        &tx,
                        record_id,
                        &person_id,
                        local.as_ref(),
                        entry.item.base_version,
                        Some(*current_version),
                        "changed elsewhere (another device or the facility) before this edit reached the server",
                    )?;
                    tally.conflicts += 1;
                }
                PushOutcome::Rejected { status: 404, .. }
                    if entry.item.change == PushChange::Delete
                        && entry.item.base_version.is_none() =>
                {
                    // The deletion of a record whose put never reached the backend: nothing to
                    // delete there, nothing lost here.
                    if !edited_since {
                        tx.execute("DELETE FROM outbox WHERE record_id = ?1", [record_id])?;
                    }
                }
                PushOutcome::Rejected { status, reason } => {
                    let (person_id, local) = self.local_edit(&tx, entry)?;
                    keep_conflict(
                        &tx,
                        record_id,
                        &person_id,
                        local.as_ref(),
                        entry.item.base_version,
                        None,
                        &format!("refused by the server ({status}): {reason}"),
                    )?;
                    tally.conflicts += 1;
                }
            }
        }
        tx.commit()?;
        Ok(tally)
    }

    fn local_edit(&self, tx: &Connection, entry: &OutboxEntry) -> Result<(String, Option<Record>)> {
        let person_id: String = tx
            .prepare_cached("SELECT person_id FROM outbox WHERE record_id = ?1")?
            .query_row([&entry.item.record_id], |row| row.get(0))?;
        let local = match entry.item.change {
            PushChange::Delete => None,
            PushChange::Put { .. } => existing_record(tx, &entry.item.record_id)?.map(|(_, r)| r),
        };
        Ok((person_id, local))
    }

    /// The edits the backend did not take, newest first.
    pub fn conflicts(&self) -> Result<Vec<StoredConflict>> {
        self.read(|conn| {
            let mut select = conn.prepare_cached(
                "SELECT record_id, person_id, local_body, base_version, server_version, reason, detected_ms
                 FROM sync_conflicts ORDER BY detected_ms DESC, record_id",
            )?;
            let rows = select.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, Option<i64>>(3)?,
                    row.get::<_, Option<i64>>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, i64>(6)?,
                ))
            })?;
            rows.map(|row| {
                let (record_id, person_id, body, base_version, server_version, reason, detected_ms) =
                    row?;
                Ok(StoredConflict {
                    record_id,
                    person_id,
                    local: body.as_deref().map(decode_record).transpose()?,
                    base_version,
                    server_version,
                    reason,
                    detected_ms,
                })
            })
            .collect()
        })
    }

    /// Settles a conflict: `keep_local` puts the citizen's edit back and queues it on top of the
    /// backend's version; otherwise the edit is let go and the backend's version stays.
    pub fn resolve_conflict(&self, record_id: &str, keep_local: bool) -> Result<()> {
        let conflict = self
            .conflicts()?
            .into_iter()
            .find(|c| c.record_id == record_id)
            .ok_or_else(|| Error::NotFound(format!("conflict of record '{record_id}'")))?;
        let conn = self.write_lock()?;
        let tx = conn.unchecked_transaction()?;
        if keep_local {
            match &conflict.local {
                Some(record) => {
                    let mut record = record.clone();
                    record.set_source(RecordSource::Citizen);
                    write_record(
                        &tx,
                        &mut record,
                        WriteMode::Upsert,
                        &mut PeopleCache::default(),
                        None,
                    )?;
                }
                None => {
                    if let Some((seq, _)) = stored_version(&tx, record_id)? {
                        remove_record(&tx, seq)?;
                    }
                }
            }
            tx.prepare_cached(
                "INSERT INTO outbox (record_id, person_id, deleted, base_version, generation, queued_ms)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5)
                 ON CONFLICT (record_id) DO UPDATE SET deleted = excluded.deleted,
                     base_version = excluded.base_version, generation = generation + 1",
            )?
            .execute(params![
                record_id,
                conflict.person_id,
                conflict.local.is_none() as i64,
                conflict.server_version,
                now_ms()
            ])?;
        }
        tx.execute(
            "DELETE FROM sync_conflicts WHERE record_id = ?1",
            [record_id],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Applies one change of a page about the book's person `person_id`.
fn apply_change(
    tx: &Connection,
    page: &FeedPage,
    person_id: &str,
    change: &RecordChange,
    people: &mut PeopleCache,
    tally: &mut PageTally,
) -> Result<()> {
    let local = stored(tx, &change.record_id)?;
    let edit = pending(tx, &change.record_id)?;
    // Record ids are matched across the whole book: one that is another person's here (or was,
    // until a deletion not yet pushed) must not be written over or moved to this page's person.
    let elsewhere = local
        .as_ref()
        .map(|l| l.person_id.as_str())
        .or(edit.as_ref().map(|e| e.person_id.as_str()))
        .filter(|owner| *owner != person_id);
    if let Some(other) = elsewhere {
        tally.refused.push(format!(
            "record {} of patient {}: the book has this record id for another person ({other}); \
             not applied, so that no one's records are written over or moved",
            change.record_id, page.patient_id
        ));
        return Ok(());
    }
    if local
        .as_ref()
        .and_then(|l| l.version)
        .is_some_and(|v| change.version <= v)
    {
        return Ok(()); // already applied (a page seen again after an interruption, or our own push)
    }
    if let Some(edit) = edit {
        if edit.base_version.is_some_and(|b| change.version <= b) {
            return Ok(()); // the local edit is already based on this version
        }
        match meeting(tx, change, &edit, local.as_ref())? {
            Meeting::Settled => {
                // The citizen's own write, come back: the book has it, at this version.
                tx.execute(
                    "UPDATE records SET version = ?2 WHERE id = ?1",
                    params![change.record_id, change.version],
                )?;
                tx.execute(
                    "DELETE FROM outbox WHERE record_id = ?1",
                    [&change.record_id],
                )?;
                return Ok(());
            }
            Meeting::OnTop => {
                tx.execute(
                    "UPDATE records SET version = ?2 WHERE id = ?1",
                    params![change.record_id, change.version],
                )?;
                tx.execute(
                    "UPDATE outbox SET base_version = ?2, sent_generation = NULL, sent_base = NULL,
                         sent_body = NULL
                     WHERE record_id = ?1",
                    params![change.record_id, change.version],
                )?;
                return Ok(());
            }
            Meeting::Conflict => {
                // The backend moved on under a local edit: keep the edit, take the backend's version.
                let local_record = match local {
                    Some(_) if !edit.deleted => {
                        existing_record(tx, &change.record_id)?.map(|(_, r)| r)
                    }
                    _ => None,
                };
                keep_conflict(
                    tx,
                    &change.record_id,
                    &edit.person_id,
                    local_record.as_ref(),
                    edit.base_version,
                    Some(change.version),
                    "changed elsewhere (another device or the facility) before this edit reached the server",
                )?;
                tally.conflicts += 1;
            }
        }
    }
    match &change.change {
        ChangeBody::Put(record) => {
            let mut record = record.clone();
            record.set_id(change.record_id.clone());
            record.set_person_id(person_id.to_string());
            write_record(
                tx,
                &mut record,
                WriteMode::Upsert,
                people,
                Some(change.version),
            )
            .map_err(|e| match e {
                Error::Validation(v) => Error::validation(
                    format!("page.record.{}", v.field),
                    format!("the server sent a record this book refuses: {}", v.reason),
                ),
                other => other,
            })?;
            tally.records_written += 1;
        }
        ChangeBody::Delete(_) => {
            if let Some(local) = local {
                remove_record(tx, local.seq)?;
                tally.records_deleted += 1;
            }
        }
    }
    Ok(())
}

/// Who a page is about in the book, or why the book refuses the page.
enum PagePerson {
    Book(String),
    Refused(String),
}

/// The book's person for the page's patient: known from an earlier sync, or matched by personal id
/// (or name and birth date when either has no personal id), or added. The backend's fields replace
/// the ones it carries; fields only the phone has (address, blood group…) stay.
///
/// A page about a dependant must be about someone who is not already someone else in the book:
/// not the book's owner, and not a person the book knows as another of the server's patients.
/// Such a page is refused (its changes are not applied), so that one person's records and
/// details never land on another.
fn person_for_page(tx: &Connection, page: &FeedPage, tally: &mut PageTally) -> Result<PagePerson> {
    let mapped: Option<String> = tx
        .prepare_cached("SELECT person_id FROM sync_people WHERE patient_id = ?1")?
        .query_row([&page.patient_id], |row| row.get(0))
        .optional()?;
    let people = all_people(tx)?;
    let owner = people.iter().find(|p| p.role == PersonRole::Owner);
    let local = match &mapped {
        Some(id) => people.iter().find(|p| &p.id == id).cloned(),
        None => find_same_person(&people, &page.person).cloned(),
    };
    if page.role == PersonRole::Dependant {
        if let Some(person) = &local {
            if person.role == PersonRole::Owner {
                return Ok(PagePerson::Refused(format!(
                    "the page is about a dependant, but the book has that person as its owner \
                     ({}); a child's page never changes the owner's book",
                    person.id
                )));
            }
            let known_as: Option<String> = tx
                .prepare_cached("SELECT patient_id FROM sync_people WHERE person_id = ?1")?
                .query_row([&person.id], |row| row.get(0))
                .optional()?;
            if let Some(other) = known_as.filter(|other| *other != page.patient_id) {
                return Ok(PagePerson::Refused(format!(
                    "the page's dependant matches {} in the book, who is the server's patient \
                     {other}; one person's page never changes another's book",
                    person.id
                )));
            }
        }
    }
    if page.role == PersonRole::Owner {
        if let Some(owner) = owner {
            if local.as_ref().map(|p| &p.id) != Some(&owner.id) {
                return Err(Error::validation(
                    "auth",
                    "the login is for another citizen than this book's owner; sign in as the owner",
                ));
            }
        }
    }
    let mut person = local.clone().unwrap_or_else(|| {
        let mut fresh = page.person.clone();
        fresh.id = if people.iter().any(|p| p.id == page.patient_id) {
            format!("{}-{}", page.patient_id, people.len())
        } else {
            page.patient_id.clone()
        };
        fresh.role = page.role;
        fresh.guardian = None;
        fresh
    });
    let incoming = &page.person;
    person.full_name = incoming.full_name.clone();
    person.date_of_birth = incoming.date_of_birth;
    person.sex = incoming.sex;
    if incoming.personal_id.is_some() {
        person.personal_id = incoming.personal_id.clone();
    }
    for old in &incoming.previous_personal_ids {
        if !person.previous_personal_ids.contains(old) {
            person.previous_personal_ids.push(old.clone());
        }
    }
    if incoming.insurance.is_some() {
        person.insurance = incoming.insurance.clone();
    }
    if person.role == PersonRole::Dependant {
        if let Some(link) = &incoming.guardian {
            person.guardian = Some(GuardianLink {
                guardian_person_id: owner.map(|o| o.id.clone()),
                personal_id: owner.and_then(|o| o.personal_id.clone()),
                ..link.clone()
            });
        }
    }
    if local.as_ref() != Some(&person) {
        person.validate().map_err(|e| {
            Error::validation(
                format!("page.Patient.{}", e.field),
                format!("the server sent a person this book refuses: {}", e.reason),
            )
        })?;
        let now = now_ms();
        tx.prepare_cached(
            "INSERT INTO people (id, role, body, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_ms = excluded.updated_ms",
        )?
        .execute(params![
            person.id,
            match person.role {
                PersonRole::Owner => "owner",
                PersonRole::Dependant => "dependant",
            },
            encode(&person)?,
            now
        ])?;
        tally.people_changed += 1;
    }
    tx.prepare_cached(
        "INSERT INTO sync_people (patient_id, person_id) VALUES (?1, ?2)
         ON CONFLICT (patient_id) DO UPDATE SET person_id = excluded.person_id",
    )?
    .execute(params![page.patient_id, person.id])?;
    Ok(PagePerson::Book(person.id))
}

fn all_people(conn: &Connection) -> Result<Vec<Person>> {
    let mut select = conn.prepare_cached("SELECT id FROM people ORDER BY id")?;
    let ids = select
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    ids.iter().map(|id| get_person(conn, id)).collect()
}

/// Who in `people` is `who`: the same personal id (current or earlier); or, when either side has
/// no personal id, the same folded name and date of birth. Two different personal ids never match.
/// (`import_fhir` and sync use the same rule.)
pub(crate) fn find_same_person<'a>(people: &'a [Person], who: &Person) -> Option<&'a Person> {
    let ids_of = |p: &Person| -> Vec<String> {
        p.personal_id
            .iter()
            .chain(p.previous_personal_ids.iter())
            .cloned()
            .collect()
    };
    let wanted = ids_of(who);
    people
        .iter()
        .find(|p| ids_of(p).iter().any(|id| wanted.contains(id)))
        .or_else(|| {
            people.iter().find(|p| {
                (p.personal_id.is_none() || who.personal_id.is_none())
                    && p.date_of_birth == who.date_of_birth
                    && search::fold(&p.full_name) == search::fold(&who.full_name)
            })
        })
}
