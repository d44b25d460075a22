//! Queries on the people of a book.

use rusqlite::{params, Connection, OptionalExtension};

use super::{settings, Store};
use crate::error::{Error, Result};
use crate::model::{Person, PersonRole};

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn role_name(role: PersonRole) -> &'static str {
    match role {
        PersonRole::Owner => "owner",
        PersonRole::Dependant => "dependant",
    }
}

fn decode(body: &str) -> Result<Person> {
    serde_json::from_str(body).map_err(|e| Error::corrupt("a person", &e))
}

pub(crate) fn encode<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Storage(format!("could not encode: {e}")))
}

pub(crate) fn get_person(conn: &Connection, id: &str) -> Result<Person> {
    conn.prepare_cached("SELECT body FROM people WHERE id = ?1")?
        .query_row([id], |row| row.get::<_, String>(0))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("person '{id}'")))
        .and_then(|body| decode(&body))
}

impl Store {
    /// Everyone in the book: the owner first, then dependants by date of birth.
    pub fn people(&self) -> Result<Vec<Person>> {
        self.read(|conn| {
            let mut select = conn.prepare_cached("SELECT body FROM people")?;
            let bodies = select.query_map([], |row| row.get::<_, String>(0))?;
            let mut people = bodies
                .map(|body| decode(&body?))
                .collect::<Result<Vec<_>>>()?;
            people.sort_by_key(|p| (p.role != PersonRole::Owner, p.date_of_birth, p.id.clone()));
            Ok(people)
        })
    }

    pub fn person(&self, id: &str) -> Result<Person> {
        self.read(|conn| get_person(conn, id))
    }

    /// Stores a validated person: inserts when `insert`, otherwise replaces the existing one.
    pub fn put_person(&self, person: &Person, insert: bool) -> Result<()> {
        let conn = self.write_lock()?;
        let tx = conn.unchecked_transaction()?;
        let exists: bool = tx
            .prepare_cached("SELECT 1 FROM people WHERE id = ?1")?
            .exists([&person.id])?;
        if insert && exists {
            return Err(Error::validation(
                "person.id",
                format!("'{}' is already in the book", person.id),
            ));
        }
        if !insert && !exists {
            return Err(Error::NotFound(format!("person '{}'", person.id)));
        }
        // Checked as stored: ending a guardian link (or correcting a date of birth) is still allowed
        // while the book is editable, even when it makes the book read-only from then on.
        if exists {
            settings::ensure_editable(&tx, &get_person(&tx, &person.id)?)?;
        } else {
            settings::ensure_editable(&tx, person)?;
        }
        if person.role == PersonRole::Owner {
            let other_owner: Option<String> = tx
                .prepare_cached("SELECT id FROM people WHERE role = 'owner' AND id <> ?1")?
                .query_row([&person.id], |row| row.get(0))
                .optional()?;
            if other_owner.is_some() {
                return Err(Error::validation(
                    "person.role",
                    "the book already has an owner; add others as dependants",
                ));
            }
        }
        if let Some(personal_id) = &person.personal_id {
            let mut select = tx.prepare_cached("SELECT body FROM people WHERE id <> ?1")?;
            let others = select.query_map([&person.id], |row| row.get::<_, String>(0))?;
            for body in others {
                if decode(&body?)?.personal_id.as_deref() == Some(personal_id.as_str()) {
                    return Err(Error::validation(
                        "person.personal_id",
                        "another person in this book already has this personal id",
                    ));
                }
            }
            drop(select);
        }
        let now = now_ms();
        tx.prepare_cached(
            "INSERT INTO people (id, role, body, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (id) DO UPDATE SET role = excluded.role, body = excluded.body, updated_ms = excluded.updated_ms",
        )?
        .execute(params![person.id, role_name(person.role), encode(person)?, now])?;
        tx.commit()?;
        Ok(())
    }
}
