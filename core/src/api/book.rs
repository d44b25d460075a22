//! `HealthBook`: the one object the app holds. Opens the encrypted book and forwards each call to
//! the store or the FHIR mappers; errors leave here as `HealthBookError`.

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, TryLockError};

use chrono::{Days, Utc};

use super::cancel::CallCancel;
use super::error::HealthBookError;
use super::ids;
use super::query::{
    ImportReport, ImportedRecord, SkippedResource, TimelineEntry, TimelinePage, TimelineQuery,
};
use crate::error::{Error, Result};
use crate::fhir;
use crate::model::time::{start_of_day_vn, vietnam_offset};
use crate::model::{CalendarDate, Person, Prescription, ReAppointment, Record};
use crate::store::records::WriteMode;
use crate::store::sync::find_same_person;
use crate::store::{BookKey, Cursor, Store, TimelineFilter};
use crate::sync::{
    self,
    client::{Cancel, Http},
    run::{Session, Target, Totals},
};

const MAX_PAGE: u32 = 500;
const MAX_SEARCH_RESULTS: u32 = 200;

type ApiResult<T> = std::result::Result<T, HealthBookError>;

#[derive(uniffi::Object)]
pub struct HealthBook {
    store: Store,
    /// The network side, made at the first sync.
    http: OnceLock<Http>,
    /// One sync at a time per book; a second one while it runs is `SyncInProgress`.
    sync_lock: Mutex<()>,
    /// The cancel switch of the sync holding `sync_lock`: a sync asked for while the running one
    /// is already being cancelled (its coroutine gone, its switch flipped) waits for it to stop
    /// instead of being refused.
    running_sync: Mutex<Option<CallCancel>>,
}

/// Shows no contents: a book's Debug output must never carry health data or keys.
impl std::fmt::Debug for HealthBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthBook").finish_non_exhaustive()
    }
}

#[uniffi::export]
impl HealthBook {
    /// Opens the book at `path` with the app's raw 32-byte key (kept in Android Keystore / iOS Keychain),
    /// creating it if the file does not exist. A wrong key is `WrongKey` and leaves the file untouched.
    #[uniffi::constructor]
    pub fn open(path: String, key: Vec<u8>) -> ApiResult<Arc<Self>> {
        let key = BookKey::from_bytes("key", key)?;
        if path.trim().is_empty() || path.starts_with(':') || path.starts_with("file:") {
            return Err(Error::validation(
                "path",
                "give the path of the book's file in the app's private storage",
            )
            .into());
        }
        let store = Store::open(Path::new(&path), &key)?;
        Ok(Arc::new(HealthBook {
            store,
            http: OnceLock::new(),
            sync_lock: Mutex::new(()),
            running_sync: Mutex::new(None),
        }))
    }

    /// Closes the book now: waits for a write under way, closes the database (the WAL folds back
    /// into the one encrypted file) and lets go of it. Every later call on this object is
    /// `Closed`; open the file again for a new one. Idempotent. A sync or share running meanwhile
    /// ends with `Closed` at its next write, keeping what it had committed.
    pub fn close(&self) {
        self.store.close();
    }

    /// Re-encrypts the book under `new_key` atomically: on any failure the old key still opens it.
    pub fn rekey(&self, new_key: Vec<u8>) -> ApiResult<()> {
        let key = BookKey::from_bytes("new_key", new_key)?;
        Ok(self.store.rekey(&key)?)
    }

    /// Everyone in the book: the owner first, then dependants.
    pub fn people(&self) -> ApiResult<Vec<Person>> {
        Ok(self.store.people()?)
    }

    pub fn person(&self, person_id: String) -> ApiResult<Person> {
        Ok(self.store.person(&person_id)?)
    }

    /// Adds a person (the owner, or a dependant with a guardian link). Returns it with its id.
    pub fn add_person(&self, person: Person) -> ApiResult<Person> {
        let mut person = person;
        person.id = ids::assign("person.id", &person.id)?;
        person.validate().map_err(Error::from)?;
        self.store.put_person(&person, true)?;
        Ok(person)
    }

    pub fn update_person(&self, person: Person) -> ApiResult<Person> {
        person.validate().map_err(Error::from)?;
        self.store.put_person(&person, false)?;
        Ok(person)
    }

    /// Adds one record; returns it with its id and derived fields.
    pub fn add_record(&self, record: Record) -> ApiResult<Record> {
        let mut records = self.add_records(vec![record])?;
        records
            .pop()
            .ok_or_else(|| Error::Storage("nothing was written".into()).into())
    }

    /// Adds records in one transaction: all are stored or, on the first invalid one, none.
    pub fn add_records(&self, records: Vec<Record>) -> ApiResult<Vec<Record>> {
        let mut records = records;
        let batch = records.len() > 1;
        for (i, record) in records.iter_mut().enumerate() {
            let field = if batch {
                format!("records[{i}].id")
            } else {
                "id".to_string()
            };
            record.set_id(ids::assign(&field, record.id())?);
        }
        self.store.put_records(&mut records, WriteMode::Insert)?;
        Ok(records)
    }

    /// Changes a record the citizen wrote. Facility records are read-only.
    pub fn update_record(&self, record: Record) -> ApiResult<Record> {
        let mut records = vec![record];
        self.store.put_records(&mut records, WriteMode::Update)?;
        records
            .pop()
            .ok_or_else(|| Error::Storage("nothing was written".into()).into())
    }

    /// Deletes a record the citizen wrote. Facility records are read-only.
    pub fn delete_record(&self, record_id: String) -> ApiResult<()> {
        Ok(self.store.delete_record(&record_id)?)
    }

    pub fn record(&self, record_id: String) -> ApiResult<Record> {
        Ok(self.store.record(&record_id)?)
    }

    /// A page of the person's records across all kinds, newest first.
    pub fn timeline(&self, person_id: String, query: TimelineQuery) -> ApiResult<TimelinePage> {
        if query.limit == 0 || query.limit > MAX_PAGE {
            return Err(Error::validation(
                "query.limit",
                format!("must be 1 to {MAX_PAGE}; got {}", query.limit),
            )
            .into());
        }
        if let (Some(from), Some(to)) = (query.from, query.to) {
            if to < from {
                return Err(Error::validation(
                    "query.to",
                    format!("{to} is before query.from ({from})"),
                )
                .into());
            }
        }
        let filter = TimelineFilter {
            kinds: query.kinds,
            from_ms: query.from.map(|d| start_of_day_vn(d).timestamp_millis()),
            until_ms: query.to.map(day_after_ms).transpose()?,
            limit: query.limit as usize,
            after: query.cursor.as_deref().map(Cursor::decode).transpose()?,
        };
        let (records, next) = self.store.timeline(&person_id, &filter)?;
        Ok(TimelinePage {
            entries: records.into_iter().map(TimelineEntry::from).collect(),
            next_cursor: next.map(|c| c.encode()),
        })
    }

    /// Records whose text contains every word typed, ignoring case and Vietnamese diacritics
    /// ("viem phoi" finds "Viêm phổi"), newest first.
    pub fn search(
        &self,
        person_id: String,
        text: String,
        limit: u32,
    ) -> ApiResult<Vec<TimelineEntry>> {
        if limit == 0 || limit > MAX_SEARCH_RESULTS {
            return Err(Error::validation(
                "limit",
                format!("must be 1 to {MAX_SEARCH_RESULTS}; got {limit}"),
            )
            .into());
        }
        let records = self.store.search(&person_id, &text, limit as usize)?;
        Ok(records.into_iter().map(TimelineEntry::from).collect())
    }

    /// Prescriptions still being taken on `on_date`, oldest first.
    pub fn active_prescriptions(
        &self,
        person_id: String,
        on_date: CalendarDate,
    ) -> ApiResult<Vec<Prescription>> {
        let window_start = on_date.checked_sub_days(Days::new(120)).unwrap_or(on_date);
        let prescriptions = self
            .store
            .prescriptions_since(&person_id, start_of_day_vn(window_start).timestamp_millis())?;
        Ok(prescriptions
            .into_iter()
            .filter(|p| p.is_active_on(on_date))
            .collect())
    }

    /// Re-exam appointments on or after `from_date` that are still booked, soonest first.
    pub fn upcoming_appointments(
        &self,
        person_id: String,
        from_date: CalendarDate,
    ) -> ApiResult<Vec<ReAppointment>> {
        let appointments = self
            .store
            .appointments_since(&person_id, start_of_day_vn(from_date).timestamp_millis())?;
        Ok(appointments
            .into_iter()
            .filter(|a| a.status == crate::model::AppointmentStatus::Booked)
            .collect())
    }

    /// The person's whole book as a FHIR R4 document Bundle (JSON).
    pub fn export_fhir(&self, person_id: String) -> ApiResult<String> {
        let person = self.store.person(&person_id)?;
        let records = self.store.all_records(&person_id)?;
        let now = Utc::now().with_timezone(&vietnam_offset());
        let bundle = fhir::export_bundle(&person, &records, now, &ids::new_id()?);
        serde_json::to_string_pretty(&bundle).map_err(|e| Error::Storage(e.to_string()).into())
    }

    /// Imports a FHIR R4 document or collection Bundle (e.g. an International Patient Summary) into the
    /// book of the person its Patient matches (by personal id, or by name and date of birth).
    /// Adds what maps to a record kind, reports what was skipped and why. Importing twice changes nothing.
    /// Malformed JSON, a non-Bundle or an unknown patient imports nothing.
    pub fn import_fhir(&self, bundle_json: String) -> ApiResult<ImportReport> {
        let plan = fhir::plan_import(&bundle_json)?;
        let person = self.matching_person(&plan.patient)?;
        let mut imported = Vec::with_capacity(plan.records.len());
        let mut records = Vec::with_capacity(plan.records.len());
        let mut skipped = plan.skipped;
        for (mut record, source_reference) in plan.records {
            // The plan was checked against the bundle's Patient; the book's person is what counts.
            if let Err(invalid) = record.validate(&person) {
                skipped.push(SkippedResource {
                    resource_type: source_reference
                        .split('/')
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                    resource_id: source_reference.split('/').nth(1).map(str::to_string),
                    reason: format!("{invalid}"),
                });
                continue;
            }
            let id = fhir::imported_record_id(&person.id, &source_reference);
            record.set_id(id.clone());
            record.set_person_id(person.id.clone());
            imported.push(ImportedRecord {
                record_id: id,
                kind: record.kind(),
                source_reference,
            });
            records.push(record);
        }
        self.store.put_records(&mut records, WriteMode::Upsert)?;
        Ok(ImportReport {
            person_id: person.id,
            imported,
            skipped,
        })
    }
}

impl HealthBook {
    pub(super) fn store(&self) -> &Store {
        &self.store
    }

    pub(super) fn run_sync(
        &self,
        target: &Target,
        session: &dyn Session,
        cancel: &CallCancel,
    ) -> Result<Totals> {
        let _one_at_a_time = match self.sync_lock.try_lock() {
            Ok(guard) => guard,
            // A sync that panicked applied whole pages only: its lock is taken over.
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => {
                let stopping = self
                    .running_sync
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .as_ref()
                    .is_some_and(|running| running.cancelled());
                if !stopping {
                    return Err(Error::SyncInProgress);
                }
                // It stops at its next check (within about 50 ms, or a page's write).
                self.sync_lock
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
            }
        };
        let _running = Running::set(&self.running_sync, cancel);
        log::info!("sync started");
        let http = self.http()?;
        sync::run::sync(&self.store, http, target, session)
    }

    /// The network side, made on first use.
    pub(super) fn http(&self) -> Result<&Http> {
        match self.http.get() {
            Some(http) => Ok(http),
            None => {
                let made = Http::new()?;
                Ok(self.http.get_or_init(|| made))
            }
        }
    }

    /// The person a bundle is about: same personal id (current or earlier); or, when either side has
    /// no personal id, the same folded name and date of birth. Two different personal ids never match.
    fn matching_person(&self, patient: &Person) -> Result<Person> {
        let people = self.store.people()?;
        let found = find_same_person(&people, patient);
        found.cloned().ok_or_else(|| {
            Error::validation(
                "bundle.Patient",
                "the bundle is about a patient who is not in this book; add the person first, then import",
            )
        })
    }
}

fn day_after_ms(date: CalendarDate) -> Result<i64> {
    let next = date
        .checked_add_days(Days::new(1))
        .ok_or_else(|| Error::validation("query.to", "is too far in the future"))?;
    Ok(start_of_day_vn(next).timestamp_millis())
}

/// Marks which sync holds the book's sync lock, until it is dropped.
struct Running<'a>(&'a Mutex<Option<CallCancel>>);

impl<'a> Running<'a> {
    fn set(slot: &'a Mutex<Option<CallCancel>>, cancel: &CallCancel) -> Self {
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(cancel.clone());
        Running(slot)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}
