//! Schema versions and migrations, keyed on `PRAGMA user_version`. Each version is a numbered SQL
//! file plus, where needed, a step in Rust (e.g. filling a new index from existing rows).
//! Runs inside one transaction: a failed upgrade leaves the book at its old version.

use rusqlite::{Connection, Transaction};

use super::search;
use crate::error::{Error, Result};

const MIGRATIONS: &[(u32, &str)] = &[
    (1, include_str!("migrations/0001_people_and_records.sql")),
    (2, include_str!("migrations/0002_search.sql")),
    (3, include_str!("migrations/0003_sync.sql")),
    (4, include_str!("migrations/0004_settings.sql")),
    (5, include_str!("migrations/0005_shares.sql")),
    (6, include_str!("migrations/0006_outbox_sent.sql")),
];

pub const CURRENT_VERSION: u32 = 6;

pub fn user_version(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Brings the book to the current schema.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, CURRENT_VERSION)
}

/// Brings the book to `target` (tests build older books with it).
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<()> {
    let found = user_version(conn)?;
    if found > CURRENT_VERSION {
        return Err(Error::NewerSchema {
            found,
            known: CURRENT_VERSION,
        });
    }
    if found >= target {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for (version, sql) in MIGRATIONS
        .iter()
        .filter(|(v, _)| *v > found && *v <= target)
    {
        tx.execute_batch(sql)?;
        upgrade_step(&tx, *version)?;
        tx.pragma_update(None, "user_version", version)?;
    }
    tx.commit()?;
    Ok(())
}

/// What a version needs beyond its SQL.
fn upgrade_step(tx: &Transaction<'_>, version: u32) -> Result<()> {
    match version {
        2 => search::rebuild_index(tx),
        _ => Ok(()),
    }
}
