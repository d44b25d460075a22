//! The encrypted book on disk: one SQLCipher file, one writer connection behind a mutex and a small
//! pool of readers. Owns keys, schema and queries; knows nothing of FFI or the wire.
//! Never deletes or recreates a file it cannot open, and never writes before the key is proven.

mod connection;
pub mod key;
mod people;
pub mod records;
pub mod schema;
pub mod search;
mod settings;
pub mod shares;
pub mod sync;

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};

use rusqlite::Connection;

use connection::Role;
pub use key::BookKey;
pub use records::{Cursor, TimelineFilter};

use crate::error::{Error, Result};

const READERS: usize = 2;

pub struct Store {
    path: PathBuf,
    /// `None` once the book is closed.
    writer: Mutex<Option<Connection>>,
    readers: RwLock<Vec<Mutex<Connection>>>,
    next_reader: AtomicUsize,
    encrypted: bool,
}

impl Store {
    /// Opens (or creates) the book at `path` with `key`, migrating it to the current schema.
    pub fn open(path: &Path, key: &BookKey) -> Result<Store> {
        Self::open_with(path, Some(key))
    }

    /// The same store with no encryption at all: only for measuring what encryption costs.
    #[cfg(feature = "bench-baseline")]
    pub fn open_unencrypted(path: &Path) -> Result<Store> {
        Self::open_with(path, None)
    }

    fn open_with(path: &Path, key: Option<&BookKey>) -> Result<Store> {
        let mut writer = connection::open(path, key, Role::Writer)?;
        schema::migrate(&mut writer)?;
        let readers = open_readers(path, key)?;
        Ok(Store {
            path: path.to_path_buf(),
            writer: Mutex::new(Some(writer)),
            readers: RwLock::new(readers),
            next_reader: AtomicUsize::new(0),
            encrypted: key.is_some(),
        })
    }

    /// Re-encrypts the whole book under `new_key` in one transaction (rollback journal while it runs):
    /// if it fails or the process dies, the old key still opens the book. Once the re-encryption has
    /// committed this returns Ok, whatever else happens, because from then on only the new key opens it.
    pub fn rekey(&self, new_key: &BookKey) -> Result<()> {
        if !self.encrypted {
            return Err(Error::Storage(
                "an unencrypted store cannot be rekeyed".into(),
            ));
        }
        let writer = self.write_lock()?;
        let mut readers = self.readers.write().unwrap_or_else(PoisonError::into_inner);
        readers.clear();
        let rekeyed = rekey_with_rollback_journal(&writer, new_key);
        // Back to WAL whatever happened; should that fail, the book still works with a rollback journal.
        writer
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .ok();
        if rekeyed.is_ok() {
            // Readers that fail to open are no error: reads then go through the writer.
            *readers = open_readers(&self.path, Some(new_key)).unwrap_or_default();
        }
        rekeyed
    }

    /// The writer. A call that panicked while holding it leaves no half-done write (its
    /// transaction rolled back when it unwound), so a poisoned lock is taken over, not refused:
    /// one failed call must not leave the book unusable.
    pub(crate) fn write_lock(&self) -> Result<Writer<'_>> {
        let guard = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        if guard.is_none() {
            return Err(Error::Closed);
        }
        Ok(Writer(guard))
    }

    /// Closes the book: waits for the call that is writing, closes the readers and then the
    /// writer (which folds the WAL back into the file). Every later call is `Closed`. Idempotent.
    pub fn close(&self) {
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        self.readers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        writer.take();
    }

    /// Runs `f` on a reader. Readers see the last committed state; they never block the writer.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let readers = self.readers.read().unwrap_or_else(PoisonError::into_inner);
        if readers.is_empty() {
            drop(readers);
            return f(&*self.write_lock()?);
        }
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..readers.len() {
            if let Ok(conn) = readers[(start + i) % readers.len()].try_lock() {
                return f(&conn);
            }
        }
        let conn = readers[start % readers.len()]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f(&conn)
    }
}

/// The writer connection, held: see `Store::write_lock`.
pub(crate) struct Writer<'a>(MutexGuard<'a, Option<Connection>>);

impl Deref for Writer<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match self.0.as_ref() {
            Some(conn) => conn,
            // `write_lock` hands out a Writer only while the connection is there, and `close`
            // cannot take it while this guard holds the lock.
            None => unreachable!("a Writer exists only for an open book"),
        }
    }
}

impl Drop for Store {
    /// Readers close first so that the writer closes last and folds the WAL back into the book:
    /// a closed book is one file.
    fn drop(&mut self) {
        if let Ok(mut readers) = self.readers.write() {
            readers.clear();
        }
    }
}

fn rekey_with_rollback_journal(conn: &Connection, new_key: &BookKey) -> Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(Error::Storage(format!(
            "the book could not leave {mode} mode to re-encrypt safely; it still opens with the old key"
        )));
    }
    conn.execute_batch("PRAGMA synchronous = FULL;")?;
    let result = connection::rekey(conn, new_key);
    conn.execute_batch("PRAGMA synchronous = NORMAL;").ok();
    result
}

fn open_readers(path: &Path, key: Option<&BookKey>) -> Result<Vec<Mutex<Connection>>> {
    (0..READERS)
        .map(|_| connection::open(path, key, Role::Reader).map(Mutex::new))
        .collect()
}

#[cfg(test)]
mod tests;
