//! Storage: everything the server keeps, behind one trait, so the SQLite file of a single server
//! and a PostgreSQL cluster at national scale are each one module (`sqlite` is the only one today).
//!
//! The trait is deliberately small and blocking: `read()` opens a consistent snapshot, `write()`
//! opens the single write transaction, and the rules (who may see what, versions, the feed) live
//! in the modules that call these, not here. Callers run it off the async workers
//! (`tokio::task::spawn_blocking`). Every change of a person or a record carries a value of one
//! global, strictly increasing sequence (`seq`) drawn inside the transaction that makes the change:
//! writers are serialized, so a change committed later always has a larger `seq`, which is what
//! makes the change feed's cursor sound.

pub mod sqlite;

use healthbook_core::model::{
    CalendarDate, GuardianLink, Person, Record, RecordKind, RecordSource,
};

/// A storage failure. The message says where and what kind, never the stored values (health data).
#[derive(Debug, thiserror::Error)]
#[error("storage: {0}")]
pub struct StorageError(pub String);

pub type StorageResult<T> = Result<T, StorageError>;

/// The server's storage: snapshots to read, one transaction at a time to write.
pub trait Storage: Send + Sync {
    /// A read-only snapshot: everything read through it is as of one moment.
    fn read(&self) -> StorageResult<Box<dyn Reader + '_>>;
    /// The write transaction. Nothing is kept unless `commit` returns `Ok`; dropping it rolls back.
    fn write(&self) -> StorageResult<Box<dyn Writer + '_>>;
}

/// A citizen the server knows. `person.id` is `patient_id`, `person.role` is `Owner` and
/// `person.guardian` is `None`: guardian links are kept apart, as `StoredLink`s.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPerson {
    pub patient_id: String,
    pub person: Person,
    /// The change that last touched the person (profile or a guardian link of theirs).
    pub seq: i64,
}

/// "`guardian_personal_id` is the guardian of `child_id`". Keyed by the guardian's personal id so
/// a link can be made before the guardian's own book reaches the server.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredLink {
    pub child_id: String,
    pub guardian_personal_id: String,
    pub link: GuardianLink,
    /// `facility:<code>|RelatedPerson/<id>` when a facility sent it, so it can withdraw it.
    pub origin: Option<String>,
}

/// What happened to a guardian link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAction {
    Made,
    Changed,
    /// The link is gone (`DELETE RelatedPerson/<id>`, or its RelatedPerson names someone else now).
    Ended,
}

impl LinkAction {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkAction::Made => "made",
            LinkAction::Changed => "changed",
            LinkAction::Ended => "ended",
        }
    }

    pub fn parse(name: &str) -> Option<LinkAction> {
        match name {
            "made" => Some(LinkAction::Made),
            "changed" => Some(LinkAction::Changed),
            "ended" => Some(LinkAction::Ended),
            _ => None,
        }
    }
}

/// One entry of the guardian link log: who changed which link, when, and what it says since.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkChange {
    /// Unix milliseconds.
    pub at_ms: i64,
    pub child_id: String,
    pub guardian_personal_id: String,
    /// The facility that sent it; `None` for the seed.
    pub facility_code: Option<String>,
    pub action: LinkAction,
    /// The link's `since` and `until` after the change; both `None` once it ended.
    pub since: Option<CalendarDate>,
    pub until: Option<CalendarDate>,
}

/// Where a facility's record came from: its code and the resource it sent (`Encounter/e1`, or
/// `FamilyMemberHistory/f1#condition-2` for the second record one resource made).
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    pub facility_code: String,
    pub resource_ref: String,
}

/// A record as the server keeps it: its latest state, or a tombstone once deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub record_id: String,
    pub patient_id: String,
    pub kind: RecordKind,
    pub source: RecordSource,
    /// 1 when created, +1 per change (correction, edit, deletion).
    pub version: i64,
    pub seq: i64,
    /// The record (id = `record_id`, person_id = `patient_id`); `None` once deleted: a withdrawn
    /// record's content is not kept.
    pub record: Option<Record>,
    pub origin: Option<Origin>,
}

impl StoredRecord {
    pub fn deleted(&self) -> bool {
        self.record.is_none()
    }
}

/// A citizen's bearer token, known only by its SHA-256.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredToken {
    pub patient_id: String,
    /// Unix milliseconds.
    pub expires_at_ms: i64,
}

/// A SMART Health Link the server hosts: the citizen's ciphertext and the rules for serving it.
/// The server never holds the key; `file` is a compact JWE it cannot read.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredShare {
    /// 43 characters of base64url (256 random bits): the link's path segment.
    pub id: String,
    /// The citizen whose token made the link (for a child's book, the guardian).
    pub creator_id: String,
    /// Whose book the file is from.
    pub person_id: String,
    /// The compact JWE; `None` once the link is revoked or long expired (the ciphertext is
    /// dropped as soon as it can no longer be served, the access log stays).
    pub file: Option<String>,
    pub content_type: String,
    pub label: Option<String>,
    /// Unix seconds; the link answers until just before this instant.
    pub expires_at: i64,
    pub max_uses: Option<i64>,
    pub uses: i64,
    pub revoked: bool,
    pub passcode: Option<StoredPasscode>,
    /// Wrong passcodes so far; the link is locked once this reaches the server's limit.
    pub failed_attempts: i64,
    /// Unix seconds.
    pub created_at: i64,
}

/// A share passcode as kept: PBKDF2-HMAC-SHA256 of it under a random salt, never the passcode.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPasscode {
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
    pub iterations: u32,
}

/// One successful fetch of a share: who the viewer said they were, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareAccess {
    pub recipient: String,
    /// Unix milliseconds.
    pub at_ms: i64,
}

/// A one-time ticket for a share's file (the manifest's `location`), known by its SHA-256.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareTicket {
    pub link_id: String,
    /// Unix milliseconds.
    pub expires_at_ms: i64,
}

/// The shares a citizen made that can still be served: what the upload quota counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveShares {
    pub count: i64,
    /// Their files' size in all.
    pub bytes: i64,
    /// Unix seconds: when the first of them expires.
    pub first_expiry: Option<i64>,
}

/// Queries, all within the snapshot (or the write transaction) they are called on.
pub trait Reader {
    fn person(&self, patient_id: &str) -> StorageResult<Option<StoredPerson>>;
    fn person_by_personal_id(&self, personal_id: &str) -> StorageResult<Option<StoredPerson>>;
    fn token(&self, token_hash: &[u8; 32]) -> StorageResult<Option<StoredToken>>;
    /// The links naming `guardian_personal_id` as guardian, by child id.
    fn links_of_guardian(&self, guardian_personal_id: &str) -> StorageResult<Vec<StoredLink>>;
    fn links_from_origin(&self, origin: &str) -> StorageResult<Vec<StoredLink>>;
    /// The log of the child's guardian links, oldest first. For audits: the server itself only
    /// writes the log.
    #[allow(dead_code)]
    fn link_changes(&self, child_id: &str) -> StorageResult<Vec<LinkChange>>;
    fn record(&self, record_id: &str) -> StorageResult<Option<StoredRecord>>;
    /// The records a facility made from `resource_ref` (and from its `#…` parts).
    fn records_from_origin(
        &self,
        facility_code: &str,
        resource_ref: &str,
    ) -> StorageResult<Vec<StoredRecord>>;
    /// The latest `seq` of anything about the person (profile, links, records); 0 if none.
    fn head(&self, patient_id: &str) -> StorageResult<i64>;
    /// The person's records changed after `after`, in `seq` order, at most `limit`.
    /// Tombstones are left out unless `include_deleted`.
    fn changes_after(
        &self,
        patient_id: &str,
        after: i64,
        limit: usize,
        include_deleted: bool,
    ) -> StorageResult<Vec<StoredRecord>>;
    fn share(&self, link_id: &str) -> StorageResult<Option<StoredShare>>;
    /// The creator's shares that are unrevoked, unexpired at `now` (unix seconds) and still hold
    /// their file.
    fn live_shares_of(&self, creator_id: &str, now: i64) -> StorageResult<LiveShares>;
    /// The share's accesses, oldest first.
    fn share_accesses(&self, link_id: &str) -> StorageResult<Vec<ShareAccess>>;
}

/// Changes, inside the one write transaction.
pub trait Writer: Reader {
    /// The next value of the global change sequence.
    fn next_seq(&mut self) -> StorageResult<i64>;
    /// Inserts or replaces the person (by `patient_id`).
    fn put_person(&mut self, person: &StoredPerson) -> StorageResult<()>;
    /// Inserts or replaces the link (by child and guardian personal id).
    fn put_link(&mut self, link: &StoredLink) -> StorageResult<()>;
    fn remove_link(&mut self, child_id: &str, guardian_personal_id: &str) -> StorageResult<()>;
    /// Adds an entry to the guardian link log.
    fn log_link_change(&mut self, change: &LinkChange) -> StorageResult<()>;
    /// Inserts or replaces the record (by `record_id`).
    fn put_record(&mut self, record: &StoredRecord) -> StorageResult<()>;
    fn put_token(&mut self, token_hash: &[u8; 32], token: &StoredToken) -> StorageResult<()>;
    /// Forgets tokens that expired by `now_ms` (unix milliseconds).
    fn remove_expired_tokens(&mut self, now_ms: i64) -> StorageResult<()>;
    /// Forgets one token (sign-out): from then on it is refused.
    fn remove_token(&mut self, token_hash: &[u8; 32]) -> StorageResult<()>;
    /// Forgets every token of the citizen (sign-out everywhere); how many there were.
    fn remove_tokens_of(&mut self, patient_id: &str) -> StorageResult<usize>;
    /// Inserts a new share; an id already taken is an error.
    fn put_share(&mut self, share: &StoredShare) -> StorageResult<()>;
    /// Adds one use to the share and logs the access.
    fn add_share_use(&mut self, link_id: &str, access: &ShareAccess) -> StorageResult<()>;
    /// Counts one wrong passcode, in one statement and only while fewer than `limit` were
    /// counted: the new count, or `None` when the limit was already reached (or no such share).
    /// However many wrong guesses arrive at once, no more than `limit` are ever counted.
    fn count_failed_passcode(&mut self, link_id: &str, limit: i64) -> StorageResult<Option<i64>>;
    /// Marks the share revoked and drops its file.
    fn revoke_share(&mut self, link_id: &str) -> StorageResult<()>;
    /// Drops the files of shares that expired by `now` (unix seconds) and forgets, with their
    /// access logs, the shares that expired before `forget_before`.
    fn prune_shares(&mut self, now: i64, forget_before: i64) -> StorageResult<()>;
    fn put_share_ticket(
        &mut self,
        ticket_hash: &[u8; 32],
        ticket: &ShareTicket,
    ) -> StorageResult<()>;
    /// Removes the ticket and returns it: a ticket works once. Expired tickets are removed too.
    fn take_share_ticket(
        &mut self,
        ticket_hash: &[u8; 32],
        now_ms: i64,
    ) -> StorageResult<Option<ShareTicket>>;
    /// Makes every change of this transaction durable; only then may a response say so.
    fn commit(self: Box<Self>) -> StorageResult<()>;
}
