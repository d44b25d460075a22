//! The links the citizen shared: kept so the app can show a QR again, list what is active, revoke,
//! and show who opened each (the access log arrives with sync).

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::Store;
use crate::error::{Error, Result};

/// A share as the book keeps it. `link` holds the key: it never leaves the encrypted file except as
/// the QR the citizen shows.
#[derive(Clone, PartialEq)]
pub struct StoredShare {
    pub id: String,
    pub person_id: String,
    pub server_url: String,
    pub link: String,
    pub label: Option<String>,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub record_count: u32,
    pub revoked: bool,
    pub uses: u32,
}

/// Without `link` (it holds the key).
impl std::fmt::Debug for StoredShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredShare")
            .field("id", &self.id)
            .field("person_id", &self.person_id)
            .field("server_url", &self.server_url)
            .field("link", &"<holds the key: not shown>")
            .field("label", &self.label)
            .field("created_ms", &self.created_ms)
            .field("expires_ms", &self.expires_ms)
            .field("record_count", &self.record_count)
            .field("revoked", &self.revoked)
            .field("uses", &self.uses)
            .finish()
    }
}

/// One opening of a shared link: who (as the doctor's side named itself) and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccess {
    pub recipient: String,
    pub at_ms: i64,
}

const COLUMNS: &str =
    "id, person_id, server_url, link, label, created_ms, expires_ms, record_count, revoked, uses";

fn read_share(row: &Row) -> rusqlite::Result<StoredShare> {
    Ok(StoredShare {
        id: row.get(0)?,
        person_id: row.get(1)?,
        server_url: row.get(2)?,
        link: row.get(3)?,
        label: row.get(4)?,
        created_ms: row.get(5)?,
        expires_ms: row.get(6)?,
        record_count: row.get(7)?,
        revoked: row.get::<_, i64>(8)? != 0,
        uses: row.get(9)?,
    })
}

fn get_share(conn: &Connection, id: &str) -> Result<StoredShare> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM shares WHERE id = ?1"))?
        .query_row([id], read_share)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("share '{id}'")))
}

impl Store {
    pub fn put_share(&self, share: &StoredShare) -> Result<()> {
        let conn = self.write_lock()?;
        conn.prepare_cached(&format!(
            "INSERT INTO shares ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ))?
        .execute(params![
            share.id,
            share.person_id,
            share.server_url,
            share.link,
            share.label,
            share.created_ms,
            share.expires_ms,
            share.record_count,
            share.revoked,
            share.uses
        ])?;
        Ok(())
    }

    pub fn share(&self, id: &str) -> Result<StoredShare> {
        self.read(|conn| get_share(conn, id))
    }

    /// A person's shares, newest first.
    pub fn shares_of(&self, person_id: &str) -> Result<Vec<StoredShare>> {
        self.read(|conn| {
            let mut select = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM shares WHERE person_id = ?1 ORDER BY created_ms DESC, id"
            ))?;
            let rows = select.query_map([person_id], read_share)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    /// Shares whose log may still change: not revoked and expired less than `grace_ms` ago.
    pub fn shares_to_follow(&self, now_ms: i64, grace_ms: i64) -> Result<Vec<StoredShare>> {
        self.read(|conn| {
            let mut select = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM shares WHERE revoked = 0 AND expires_ms > ?1 ORDER BY created_ms"
            ))?;
            let rows = select.query_map([now_ms - grace_ms], read_share)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    pub fn mark_share_revoked(&self, id: &str) -> Result<()> {
        let conn = self.write_lock()?;
        let changed = conn.execute("UPDATE shares SET revoked = 1 WHERE id = ?1", [id])?;
        if changed == 0 {
            return Err(Error::NotFound(format!("share '{id}'")));
        }
        Ok(())
    }

    /// Replaces a share's access log with the server's, in one transaction.
    pub fn record_share_log(
        &self,
        id: &str,
        accesses: &[StoredAccess],
        uses: u32,
        revoked: bool,
    ) -> Result<()> {
        let conn = self.write_lock()?;
        let tx = conn.unchecked_transaction()?;
        get_share(&tx, id)?;
        tx.execute("DELETE FROM share_accesses WHERE share_id = ?1", [id])?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO share_accesses (share_id, recipient, at_ms) VALUES (?1, ?2, ?3)",
            )?;
            for access in accesses {
                insert.execute(params![id, access.recipient, access.at_ms])?;
            }
        }
        tx.execute(
            "UPDATE shares SET uses = ?2, revoked = MAX(revoked, ?3) WHERE id = ?1",
            params![id, uses, revoked],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Who opened a share and when, oldest first.
    pub fn share_accesses(&self, id: &str) -> Result<Vec<StoredAccess>> {
        self.read(|conn| {
            get_share(conn, id)?;
            let mut select = conn.prepare_cached(
                "SELECT recipient, at_ms FROM share_accesses WHERE share_id = ?1 ORDER BY at_ms, recipient",
            )?;
            let rows = select.query_map([id], |row| {
                Ok(StoredAccess {
                    recipient: row.get(0)?,
                    at_ms: row.get(1)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

impl Store {
    /// The backend's patient id of a person of the book, once a sync has linked them.
    pub fn patient_id_of(&self, person_id: &str) -> Result<Option<String>> {
        self.read(|conn| {
            Ok(conn
                .prepare_cached("SELECT patient_id FROM sync_people WHERE person_id = ?1")?
                .query_row([person_id], |row| row.get(0))
                .optional()?)
        })
    }
}

#[cfg(test)]
mod debug_tests {
    use super::StoredShare;

    #[test]
    fn a_stored_share_debug_shows_no_link() {
        let share = StoredShare {
            id: "s1".into(),
            person_id: "p1".into(),
            server_url: "https://api.example.vn".into(),
            link: "https://api.example.vn/view#shlink:/eyJrZXkiOiJzZWNyZXQta2V5In0".into(),
            label: None,
            created_ms: 1,
            expires_ms: 2,
            record_count: 3,
            revoked: false,
            uses: 0,
        };
        let shown = format!("{share:?}");
        assert!(!shown.contains("shlink"), "{shown}");
        assert!(!shown.contains("eyJrZXkiOiJzZWNyZXQta2V5In0"), "{shown}");
        assert!(shown.contains("record_count: 3"), "{shown}");
    }
}
