//! The book's settings (the guardian age limit, the sensitive diagnosis codes), and the rule the
//! age limit drives here: a child's book stops being editable when the guardian's management ends
//! (see `model::guardianship`).

use rusqlite::{Connection, OptionalExtension};

use super::Store;
use crate::error::{Error, Result};
use crate::model::guardianship::{book_access, DEFAULT_GUARDIAN_AGE_LIMIT, MAX_GUARDIAN_AGE_LIMIT};
use crate::model::time::today_vn;
use crate::model::{BookAccess, Person};

const GUARDIAN_AGE_LIMIT: &str = "guardian_age_limit";
const SENSITIVE_ICD10: &str = "sensitive_icd10";

/// The diagnosis codes (ICD-10 prefixes) shares leave out by default, embedded at build time.
const DEFAULT_SENSITIVE_ICD10: &str = include_str!("../../data/sensitive-icd10.txt");

fn default_sensitive_icd10() -> Vec<String> {
    DEFAULT_SENSITIVE_ICD10
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|prefix| !prefix.is_empty())
        .map(str::to_string)
        .collect()
}

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
    /// ICD-10 prefixes whose records shares leave out unless included on purpose.
    pub fn sensitive_icd10(&self) -> Result<Vec<String>> {
        let value: Option<String> = self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT value FROM settings WHERE name = ?1")?
                .query_row([SENSITIVE_ICD10], |row| row.get(0))
                .optional()?)
        })?;
        match value {
            None => Ok(default_sensitive_icd10()),
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| Error::corrupt("the sensitive diagnosis codes setting", &e)),
        }
    }

    /// Replaces the sensitive codes; each must look like an ICD-10 prefix (a letter, then up to
    /// five digits, letters or a dot).
    pub fn set_sensitive_icd10(&self, prefixes: &[String]) -> Result<()> {
        for (i, prefix) in prefixes.iter().enumerate() {
            let valid = prefix.len() <= 6
                && prefix
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_uppercase())
                && prefix
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '.');
            if !valid {
                return Err(Error::validation(
                    format!("codes[{i}]"),
                    format!("'{prefix}' is not an ICD-10 code or prefix such as B20 or F"),
                ));
            }
        }
        let text = serde_json::to_string(prefixes)
            .map_err(|e| Error::Storage(format!("could not encode: {e}")))?;
        let conn = self.write_lock()?;
        conn.prepare_cached(
            "INSERT INTO settings (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )?
        .execute([SENSITIVE_ICD10, &text])?;
        Ok(())
    }

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
