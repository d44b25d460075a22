//! Sharing with a doctor at check-in (SMART Health Links): `create_share`, `revoke_share`,
//! `share_access_log`, `shares`, and the doctor's `open_share_link`. Thin: checks the request,
//! gathers records, and calls `crate::share` for the Bundle, the encryption, the host and the QR.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::book::HealthBook;
use super::cancel::{off_thread, CallCancel, Cancellation};
use super::error::HealthBookError;
use super::ids;
use super::query::SkippedResource;
use super::sync::{server_base, token_of, SyncAuth, SyncConfig, Url};
use crate::error::{Error, Result};
use crate::fhir;
use crate::model::guardianship::book_access;
use crate::model::time::{today_vn, vietnam_offset};
use crate::model::{
    BookAccess, CalendarDate, DateTimeOffset, Person, PersonRole, Record, RecordKind,
};
use crate::share::hosting::{self, Upload};
use crate::share::package::{self, Link};
use crate::share::qr::QrImage;
use crate::share::reader;
use crate::share::selection::Selection;
use crate::store::shares::{StoredAccess, StoredShare};
use crate::sync::client::{Cancel, Http, Limits};

type ApiResult<T> = std::result::Result<T, HealthBookError>;

/// How long a share lives unless the request says otherwise.
const DEFAULT_VALID_FOR: std::time::Duration = std::time::Duration::from_secs(30 * 60);
/// The label of a child's vaccination card share (short, so the QR stays small).
const VACCINATION_CARD_LABEL: &str = "Sổ tiêm chủng";
/// The shortest and the longest a share may live: a minute, and 24 hours.
const MIN_VALID_FOR: std::time::Duration = std::time::Duration::from_secs(60);
const MAX_VALID_FOR: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// The SMART Health Links limit for a label.
const MAX_LABEL_CHARS: usize = 80;
/// The backend's bounds for a passcode.
const MIN_PASSCODE_CHARS: usize = 4;
const MAX_PASSCODE_CHARS: usize = 128;
/// Pixels per QR module in the PNG.
const PNG_MODULE_PX: u32 = 8;
/// A share's access log is still fetched this long after it expired (late log entries).
const LOG_GRACE_MS: i64 = 24 * 3600 * 1000;

/// What to share, for how long and how often. Its `Debug` (Kotlin `toString`, Swift
/// `debugDescription`) hides the passcode.
#[derive(Clone, uniffi::Record)]
#[uniffi::export(Debug)]
pub struct ShareRequest {
    /// Whose records: the owner, or a child the owner manages.
    pub person_id: String,
    /// Only these kinds; empty shares every kind.
    #[uniffi(default = [])]
    pub kinds: Vec<RecordKind>,
    /// Only these records; empty shares every record of the kinds.
    #[uniffi(default = [])]
    pub record_ids: Vec<String>,
    /// First and last day (Vietnam time) of the records shared.
    #[uniffi(default = None)]
    pub from: Option<CalendarDate>,
    #[uniffi(default = None)]
    pub to: Option<CalendarDate>,
    /// Records marked sensitive, or with a sensitive diagnosis (HIV, …), are left out unless true.
    #[uniffi(default = false)]
    pub include_sensitive: bool,
    /// How long the link works: 1 minute to 24 hours; 30 minutes when absent.
    #[uniffi(default = None)]
    pub valid_for: Option<std::time::Duration>,
    /// How many times the link may be opened; unlimited within its time when absent.
    #[uniffi(default = None)]
    pub max_uses: Option<u32>,
    /// Shown to the doctor, e.g. "Khám tại Bạch Mai"; at most 80 characters.
    #[uniffi(default = None)]
    pub label: Option<String>,
    /// A passcode the doctor must type (told by the citizen); the link then uses the manifest flow.
    #[uniffi(default = None)]
    pub passcode: Option<String>,
}

/// The QR code of a share, three ways: SVG, PNG bytes, and the module matrix for drawing natively.
/// It encodes the link, key included: its `Debug` (Kotlin `toString`, Swift `debugDescription`)
/// shows only the version and size.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug)]
pub struct ShareQr {
    /// QR version (1–40); a default share stays at 12 or below.
    pub version: u32,
    /// Modules per side, without the quiet zone.
    pub size: u32,
    /// Row-major, `true` = dark; draw a 4-module light border around it.
    pub modules: Vec<bool>,
    pub svg: String,
    pub png: Vec<u8>,
}

/// A share the citizen made. `link`, `shlink` and `qr` carry the share's key: its `Debug` (Kotlin
/// `toString`, Swift `debugDescription`) leaves them out, so a log line or crash report of a
/// share cannot open it.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug)]
pub struct Share {
    /// The link's id on the server.
    pub id: String,
    pub person_id: String,
    /// The viewer page's URL with the `shlink:/…` after `#`: what the QR holds.
    pub link: Url,
    /// The bare `shlink:/…`.
    pub shlink: Url,
    pub label: Option<String>,
    pub created_at: DateTimeOffset,
    pub expires_at: DateTimeOffset,
    pub record_count: u32,
    pub passcode_protected: bool,
    pub revoked: bool,
    /// Times opened, as of the last sync.
    pub uses: u32,
    pub qr: ShareQr,
}

/// A share just made: the share, and how many selected records were left out as sensitive.
/// Its `Debug` is the share's, without the key.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug)]
pub struct CreatedShare {
    pub share: Share,
    pub left_out_sensitive: u32,
}

impl std::fmt::Debug for ShareRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShareRequest")
            .field("person_id", &self.person_id)
            .field("kinds", &self.kinds)
            .field("record_ids", &self.record_ids)
            .field("from", &self.from)
            .field("to", &self.to)
            .field("include_sensitive", &self.include_sensitive)
            .field("valid_for", &self.valid_for)
            .field("max_uses", &self.max_uses)
            .field("label", &self.label)
            .field(
                "passcode",
                &self.passcode.as_ref().map(|_| format_args!("<hidden>")),
            )
            .finish()
    }
}

impl std::fmt::Debug for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Share")
            .field("id", &self.id)
            .field("person_id", &self.person_id)
            .field("link", &HiddenLink(self.link.as_str()))
            .field("shlink", &HiddenLink(self.shlink.as_str()))
            .field("label", &self.label)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("record_count", &self.record_count)
            .field("passcode_protected", &self.passcode_protected)
            .field("revoked", &self.revoked)
            .field("uses", &self.uses)
            .field("qr", &self.qr)
            .finish()
    }
}

impl std::fmt::Debug for ShareQr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShareQr")
            .field("version", &self.version)
            .field("size", &self.size)
            .field("modules", &format_args!("<{} hidden>", self.modules.len()))
            .field("svg", &format_args!("<{} bytes hidden>", self.svg.len()))
            .field("png", &format_args!("<{} bytes hidden>", self.png.len()))
            .finish()
    }
}

/// A link in `Debug`: what comes before the `#` (the viewer page), never the `shlink:/` part.
struct HiddenLink<'a>(&'a str);

impl std::fmt::Debug for HiddenLink<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.split_once('#') {
            Some((viewer, _)) => write!(f, "\"{viewer}#<hidden>\""),
            None => f.write_str("\"<hidden>\""),
        }
    }
}

/// One opening of a shared link: who (as the doctor's side named itself) and when.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ShareAccess {
    pub recipient: String,
    pub at: DateTimeOffset,
}

/// What the doctor sees: the records of a shared link, and the raw FHIR Bundle.
#[derive(Debug, Clone, uniffi::Record)]
pub struct OpenedShare {
    pub label: Option<String>,
    pub expires_at: Option<DateTimeOffset>,
    /// The person the records are about, as the Bundle's Patient says.
    pub patient: Person,
    pub records: Vec<Record>,
    /// Resources that are not one of the book's record kinds, and why.
    pub skipped: Vec<SkippedResource>,
    /// The decrypted FHIR Bundle (JSON); when a link holds several, the first.
    pub bundle_json: String,
}

#[uniffi::export(async_runtime = "tokio")]
impl HealthBook {
    /// Shares records with a doctor: encrypts the selection on the phone under a fresh key,
    /// uploads only the ciphertext to the backend, and returns the link and its QR. Needs the
    /// network and a book synced at least once (the backend must know the person). Only the
    /// owner's book and children's books still managed can be shared. Cancelled (see `sync`)
    /// before the backend confirmed the upload, nothing is stored here.
    #[uniffi::method(default(cancellation = None))]
    pub async fn create_share(
        self: Arc<Self>,
        request: ShareRequest,
        config: SyncConfig,
        auth: Arc<dyn SyncAuth>,
        cancellation: Option<Arc<Cancellation>>,
    ) -> ApiResult<CreatedShare> {
        off_thread(cancellation, move |cancel| {
            self.create_share_now(request, config, auth.as_ref(), cancel)
        })
        .await
    }

    /// A child's vaccination card in one call: a share of only the child's immunizations (every
    /// dose, from any programme), for 30 minutes, labelled "Sổ tiêm chủng". Only the child's
    /// guardian can make it (the backend refuses anyone else).
    #[uniffi::method(default(cancellation = None))]
    pub async fn share_vaccination_card(
        self: Arc<Self>,
        child_id: String,
        config: SyncConfig,
        auth: Arc<dyn SyncAuth>,
        cancellation: Option<Arc<Cancellation>>,
    ) -> ApiResult<CreatedShare> {
        off_thread(cancellation, move |cancel| {
            let request = self.vaccination_card_request(&child_id)?;
            self.create_share_now(request, config, auth.as_ref(), cancel)
        })
        .await
    }

    /// Kills a share on the backend at once; the doctor's side then gets `ShareExpired`. Needs the
    /// network: a share is marked revoked here only once the backend has confirmed it.
    #[uniffi::method(default(cancellation = None))]
    pub async fn revoke_share(
        self: Arc<Self>,
        share_id: String,
        auth: Arc<dyn SyncAuth>,
        cancellation: Option<Arc<Cancellation>>,
    ) -> ApiResult<()> {
        off_thread(cancellation, move |cancel| {
            self.revoke_share_now(&share_id, auth.as_ref(), cancel)
        })
        .await
    }
}

impl HealthBook {
    fn create_share_now(
        &self,
        request: ShareRequest,
        config: SyncConfig,
        auth: &dyn SyncAuth,
        cancel: &CallCancel,
    ) -> ApiResult<CreatedShare> {
        let server = server_base(config.server_url.as_str())?;
        let limits = config.limits()?;
        check_request(&request)?;
        let person = self.store().person(&request.person_id)?;
        let limit = self.store().guardian_age_limit()?;
        if let BookAccess::ReadOnly { since } = book_access(&person, limit, today_vn()) {
            return Err(Error::ReadOnly(format!(
                "the book of person '{}' is no longer managed here (since {since}); it is shared from the child's own account",
                person.id
            ))
            .into());
        }
        let patient_id = self.store().patient_id_of(&person.id)?.ok_or_else(|| {
            Error::validation(
                "request.person_id",
                "the backend does not know this person yet; sync the book, then share",
            )
        })?;
        let records = self.store().all_records(&person.id)?;
        let selection = Selection {
            kinds: request.kinds.clone(),
            record_ids: request.record_ids.clone(),
            from: request.from,
            to: request.to,
            include_sensitive: request.include_sensitive,
        };
        let sensitive = self.store().sensitive_icd10()?;
        let now = Utc::now();
        let packed = package::package(
            &person,
            records,
            &selection,
            &sensitive,
            now.with_timezone(&vietnam_offset()),
            &ids::new_id()?,
        )?;
        let valid_for = request.valid_for.unwrap_or(DEFAULT_VALID_FOR);
        let expires = now
            + Duration::from_std(valid_for)
                .map_err(|_| Error::validation("request.valid_for", "is too long"))?;
        let label = request
            .label
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty());
        let passcode = request.passcode.as_deref().filter(|p| !p.is_empty());
        let http = self.http()?;
        let uploaded = hosting::upload(
            http,
            &server,
            &token_of(auth)?,
            &Upload {
                patient_id: &patient_id,
                file: &packed.file,
                expires_at: expires.timestamp(),
                max_uses: request.max_uses,
                label,
                passcode,
            },
            &limits,
            cancel,
        )?;
        let made = package::link(
            &uploaded.url,
            &packed.key,
            expires.timestamp(),
            &uploaded.flag,
            label,
            &format!("{server}/view"),
        )?;
        let stored = StoredShare {
            id: uploaded.id,
            person_id: person.id.clone(),
            server_url: server,
            link: made.link.clone(),
            label: label.map(str::to_string),
            created_ms: now.timestamp_millis(),
            expires_ms: expires.timestamp_millis(),
            record_count: packed.record_count,
            revoked: false,
            uses: 0,
        };
        self.store().put_share(&stored)?;
        Ok(CreatedShare {
            share: share_view(&stored, made)?,
            left_out_sensitive: packed.left_out_sensitive,
        })
    }

    /// The request behind `share_vaccination_card`: the child's immunizations, for 30 minutes.
    fn vaccination_card_request(&self, child_id: &str) -> ApiResult<ShareRequest> {
        let child = self.store().person(child_id)?;
        if child.role != PersonRole::Dependant {
            return Err(Error::validation(
                "child_id",
                "is the book's owner; a vaccination card is shared for a child",
            )
            .into());
        }
        Ok(ShareRequest {
            person_id: child.id,
            kinds: vec![RecordKind::Immunization],
            record_ids: Vec::new(),
            from: None,
            to: None,
            include_sensitive: false,
            valid_for: Some(DEFAULT_VALID_FOR),
            max_uses: None,
            label: Some(VACCINATION_CARD_LABEL.to_string()),
            passcode: None,
        })
    }

    fn revoke_share_now(
        &self,
        share_id: &str,
        auth: &dyn SyncAuth,
        cancel: &CallCancel,
    ) -> ApiResult<()> {
        let share = self.store().share(share_id)?;
        let limits = SyncConfig::new(share.server_url.clone()).limits()?;
        hosting::revoke(
            self.http()?,
            &share.server_url,
            &token_of(auth)?,
            &share.id,
            &limits,
            cancel,
        )?;
        log::info!("share revoked");
        Ok(self.store().mark_share_revoked(&share.id)?)
    }
}

#[uniffi::export]
impl HealthBook {
    /// Who opened a share and when, oldest first, as of the last sync.
    pub fn share_access_log(&self, share_id: String) -> ApiResult<Vec<ShareAccess>> {
        let accesses = self.store().share_accesses(&share_id)?;
        Ok(accesses
            .into_iter()
            .map(|a| ShareAccess {
                recipient: a.recipient,
                at: instant(a.at_ms),
            })
            .collect())
    }

    /// A person's shares, newest first, each with its QR (to show it again while it is active).
    pub fn shares(&self, person_id: String) -> ApiResult<Vec<Share>> {
        self.store().person(&person_id)?;
        let stored = self.store().shares_of(&person_id)?;
        stored
            .iter()
            .map(|share| {
                let made = relink(&share.link)?;
                share_view(share, made).map_err(Into::into)
            })
            .collect()
    }

    /// ICD-10 codes (or prefixes, e.g. `B20`, `F`) whose records shares leave out unless included.
    pub fn sensitive_diagnosis_codes(&self) -> ApiResult<Vec<String>> {
        Ok(self.store().sensitive_icd10()?)
    }

    pub fn set_sensitive_diagnosis_codes(&self, codes: Vec<String>) -> ApiResult<()> {
        let codes: Vec<String> = codes
            .iter()
            .map(|c| c.trim().to_ascii_uppercase())
            .collect();
        Ok(self.store().set_sensitive_icd10(&codes)?)
    }
}

impl HealthBook {
    /// During a sync: brings the access log of every share that may still be opened.
    pub(super) fn follow_share_logs(
        &self,
        server: &str,
        token: &str,
        limits: &Limits,
        cancel: &dyn Cancel,
    ) -> Result<()> {
        let now = Utc::now().timestamp_millis();
        for share in self.store().shares_to_follow(now, LOG_GRACE_MS)? {
            if share.server_url != server {
                continue;
            }
            if let Some(log) =
                hosting::access_log(self.http()?, server, token, &share.id, limits, cancel)?
            {
                let accesses: Vec<StoredAccess> = log
                    .accesses
                    .into_iter()
                    .map(|a| StoredAccess {
                        recipient: a.recipient,
                        at_ms: a.at_ms,
                    })
                    .collect();
                self.store()
                    .record_share_log(&share.id, &accesses, log.uses, log.revoked)?;
            }
        }
        Ok(())
    }
}

/// The doctor's side: opens a SMART Health Link (bare `shlink:/…` or behind a viewer URL) as
/// `recipient` (shown in the citizen's access log), with the passcode when the link needs one, and
/// returns its records. Expired, used-up or revoked links are `ShareExpired`; a wrong key or
/// modified content is `ShareUnreadable`; a wrong passcode is `Validation { field: "passcode" }`.
#[uniffi::export(async_runtime = "tokio", default(passcode = None, cancellation = None))]
pub async fn open_share_link(
    link: String,
    recipient: String,
    passcode: Option<String>,
    cancellation: Option<Arc<Cancellation>>,
) -> ApiResult<OpenedShare> {
    off_thread(cancellation, move |cancel| {
        open_share_link_now(&link, &recipient, passcode.as_deref(), cancel)
    })
    .await
}

fn open_share_link_now(
    link: &str,
    recipient: &str,
    passcode: Option<&str>,
    cancel: &CallCancel,
) -> ApiResult<OpenedShare> {
    let http = Http::new()?;
    let limits = SyncConfig::new(String::new()).limits()?;
    let opened = reader::open(
        &http,
        link,
        recipient,
        passcode,
        Utc::now().timestamp(),
        &limits,
        cancel,
    )?;
    let bundle = opened
        .bundles
        .first()
        .ok_or_else(|| Error::ShareUnreadable("the link holds no FHIR Bundle".into()))?;
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    let mut patient = None;
    for bundle in &opened.bundles {
        if cancel.cancelled() {
            return Err(Error::Cancelled.into());
        }
        let plan = fhir::plan_import_value(bundle).map_err(|e| match e {
            Error::Validation(v) => Error::ShareUnreadable(format!(
                "the shared Bundle is not one this app can read: {v}"
            )),
            other => other,
        })?;
        records.extend(plan.records.into_iter().map(|(record, _)| record));
        skipped.extend(plan.skipped);
        patient.get_or_insert(plan.patient);
    }
    let patient =
        patient.ok_or_else(|| Error::ShareUnreadable("the shared Bundle has no Patient".into()))?;
    Ok(OpenedShare {
        label: opened.payload.label.clone(),
        expires_at: opened.payload.exp.map(|exp| instant(exp * 1000)),
        patient,
        records,
        skipped,
        bundle_json: serde_json::to_string(bundle)
            .map_err(|e| Error::Storage(format!("could not encode: {e}")))?,
    })
}

fn check_request(request: &ShareRequest) -> Result<()> {
    let valid_for = request.valid_for.unwrap_or(DEFAULT_VALID_FOR);
    if !(MIN_VALID_FOR..=MAX_VALID_FOR).contains(&valid_for) {
        return Err(Error::validation(
            "request.valid_for",
            format!(
                "must be 1 minute to 24 hours; got {} seconds",
                valid_for.as_secs()
            ),
        ));
    }
    if request.max_uses == Some(0) {
        return Err(Error::validation(
            "request.max_uses",
            "must be at least 1 (or absent for no limit)",
        ));
    }
    if let Some(label) = &request.label {
        if label.trim().chars().count() > MAX_LABEL_CHARS {
            return Err(Error::validation(
                "request.label",
                format!("must be at most {MAX_LABEL_CHARS} characters"),
            ));
        }
    }
    if let Some(passcode) = request.passcode.as_deref().filter(|p| !p.is_empty()) {
        let length = passcode.chars().count();
        if !(MIN_PASSCODE_CHARS..=MAX_PASSCODE_CHARS).contains(&length) {
            return Err(Error::validation(
                "request.passcode",
                format!("must be {MIN_PASSCODE_CHARS} to {MAX_PASSCODE_CHARS} characters"),
            ));
        }
    }
    if let (Some(from), Some(to)) = (request.from, request.to) {
        if to < from {
            return Err(Error::validation(
                "request.to",
                format!("{to} is before the first day ({from})"),
            ));
        }
    }
    Ok(())
}

/// A stored share's link again, with its QR.
fn relink(link: &str) -> Result<Link> {
    let payload = crate::share::link::parse_link(link)?;
    let viewer = link.split_once('#').map(|(viewer, _)| viewer).unwrap_or("");
    let qr = crate::share::qr::render(link)?;
    Ok(Link {
        shlink: crate::share::link::format_link(&payload, None),
        link: if viewer.is_empty() {
            crate::share::link::format_link(&payload, None)
        } else {
            link.to_string()
        },
        flag: payload.flag.clone(),
        qr,
    })
}

fn share_view(stored: &StoredShare, made: Link) -> Result<Share> {
    Ok(Share {
        id: stored.id.clone(),
        person_id: stored.person_id.clone(),
        link: Url(made.link),
        shlink: Url(made.shlink),
        label: stored.label.clone(),
        created_at: instant(stored.created_ms),
        expires_at: instant(stored.expires_ms),
        record_count: stored.record_count,
        passcode_protected: made.flag.contains('P'),
        revoked: stored.revoked,
        uses: stored.uses,
        qr: qr_view(&made.qr),
    })
}

fn qr_view(qr: &QrImage) -> ShareQr {
    ShareQr {
        version: qr.version,
        size: qr.size,
        modules: qr.modules.clone(),
        svg: qr.to_svg(PNG_MODULE_PX),
        png: qr.to_png(PNG_MODULE_PX),
    }
}

fn instant(ms: i64) -> DateTimeOffset {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&vietnam_offset())
}
