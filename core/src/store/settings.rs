//! The book's settings, and the one rule they drive here: a child's book stops being editable when
//! the guardian's management ends (see `model::guardianship`).

use rusqlite::{Connection, OptionalExtension};

use super::Store;
use crate::error::{Error, Result};
use crate::model::guardianship::{book_access, DEFAULT_GUARDIAN_AGE_LIMIT, MAX_GUARDIAN_AGE_LIMIT};
use crate::model::time::today_vn;
use crate::model::{BookAccess, Person};

const GUARDIAN_AGE_LIMIT: &str = "guardian_age_limit";

pub(crate) fn guardian_age_limit(conn: &Connection) -> Result<u32> {
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE name = ?1")?
        .query_row([GUARDIAN_AGE_LIMIT], |row| row.get(0))
        .optional()?;
    match value {
        None => Ok(DEFAULT_GUARDIAN_AGE_LIMIT),
        Some(text) => text
            .parse()
            .map_err(|_| Error::CorruptRecord("the guardian age limit setting".into())),
    }
}

/// Refuses a change to `person`'s book once the guardian's management of it has ended.
pub(crate) fn ensure_editable(conn: &Connection, person: &Person) -> Result<()> {
    let limit = guardian_age_limit(conn)?;
    match book_access(person, limit, today_vn()) {
        BookAccess::ReadOnly { since } => Err(Error::ReadOnly(format!(
            "the book of person '{}' is read-only since {since}: a guardian manages a child's book \
             until the child is {limit} (or the guardian link ends); it goes on with the child's own account",
            person.id
        ))),
        _ => Ok(()),
    }
}

impl Store {
    /// The age at which a guardian's management of a child's book ends (14 unless set).
    pub fn guardian_age_limit(&self) -> Result<u32> {
        self.read(guardian_age_limit)
    }

    pub fn set_guardian_age_limit(&self, years: u32) -> Result<()> {
        if !(1..=MAX_GUARDIAN_AGE_LIMIT).contains(&years) {
            return Err(Error::validation(
                "guardian_age_limit",
                format!("must be 1 to {MAX_GUARDIAN_AGE_LIMIT} years; got {years}"),
            ));
        }
        let conn = self.write_lock()?;
        conn.prepare_cached(
            "INSERT INTO settings (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )?
        .execute([GUARDIAN_AGE_LIMIT, &years.to_string()])?;
        Ok(())
    }
}
