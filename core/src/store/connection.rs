//! Opening one SQLCipher connection: key first, then a read that proves the key, then the pragmas.
//! Never writes before the key is proven, so a wrong key leaves the file byte-identical; never
//! deletes or recreates a file it cannot read.

use std::ffi::{c_char, c_int};
use std::path::Path;
use std::sync::OnceLock;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use super::key::BookKey;
use crate::error::{Error, Result};

/// How a connection is used: the single writer, or one of the readers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Writer,
    Reader,
}

/// Opens `path` with `key` (None only for the unencrypted benchmark baseline).
pub fn open(path: &Path, key: Option<&BookKey>, role: Role) -> Result<Connection> {
    ensure_sqlcipher_ready()?;
    let flags = match role {
        Role::Writer => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        Role::Reader => OpenFlags::SQLITE_OPEN_READ_ONLY,
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    // Until the key is proven, closing must not checkpoint a WAL left by a crash into the file.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    // SQLCipher reports failed decryption on stderr by default; the typed error is enough.
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()))
        .ok();
    if let Some(key) = key {
        apply_key(&conn, key)?;
    }
    prove_readable(&conn)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
    // Temp tables and sort spills stay in memory: Android has no private tmp partition, and
    // SQLCipher does not encrypt temp files.
    conn.execute_batch(
        "PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = ON; PRAGMA cache_size = -16000;",
    )?;
    if role == Role::Writer {
        // A large batch (an import, the first sync) should not spill pages mid-transaction: with
        // encryption every spilled page is encrypted and authenticated again at commit.
        conn.execute_batch("PRAGMA cache_size = -32000;")?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
    } else {
        conn.execute_batch("PRAGMA query_only = ON;")?;
    }
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

extern "C" {
    /// SQLCipher's one-time set-up (crypto provider, memory shield). Idempotent, and it runs under
    /// SQLite's main mutex, so a second caller waits for the first to finish.
    fn sqlcipher_extra_init(arg: *const c_char) -> c_int;
}

/// SQLite marks itself initialised before it runs SQLCipher's set-up, and releases its lock in
/// between: a second thread opening a book at that moment is told its key "could not be applied".
/// Running the set-up ourselves, once, before the first connection closes that window.
fn ensure_sqlcipher_ready() -> Result<()> {
    static READY: OnceLock<c_int> = OnceLock::new();
    // SAFETY: both calls take no pointers we own (a null argument is what SQLite itself passes)
    // and are safe to call from any thread.
    let rc = *READY.get_or_init(|| unsafe {
        match rusqlite::ffi::sqlite3_initialize() {
            rusqlite::ffi::SQLITE_OK => sqlcipher_extra_init(std::ptr::null()),
            failed => failed,
        }
    });
    if rc != rusqlite::ffi::SQLITE_OK {
        return Err(Error::Storage(format!(
            "the encryption library could not be set up (code {rc})"
        )));
    }
    Ok(())
}

pub fn apply_key(conn: &Connection, key: &BookKey) -> Result<()> {
    let literal = key.sqlcipher_literal();
    // SAFETY: the handle belongs to `conn`, which outlives the call; the buffer is valid for its length.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_key(
            conn.handle(),
            literal.as_ptr().cast(),
            literal.len() as c_int,
        )
    };
    if rc != rusqlite::ffi::SQLITE_OK {
        return Err(Error::Storage(format!(
            "the encryption key could not be applied (code {rc})"
        )));
    }
    Ok(())
}

pub fn rekey(conn: &Connection, key: &BookKey) -> Result<()> {
    let literal = key.sqlcipher_literal();
    // SAFETY: as in `apply_key`.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_rekey(
            conn.handle(),
            literal.as_ptr().cast(),
            literal.len() as c_int,
        )
    };
    if rc != rusqlite::ffi::SQLITE_OK {
        return Err(Error::Storage(format!(
            "the book could not be re-encrypted (code {rc})"
        )));
    }
    Ok(())
}

/// The first read decrypts page 1: a wrong key (or a file that is no book) fails here, before any write.
fn prove_readable(conn: &Connection) -> Result<()> {
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(Error::WrongKey)
        }
        Err(e) => Err(e.into()),
    }
}
