//! Sharing with a doctor end to end, against the real backend on 127.0.0.1: the citizen's phone
//! makes a share (encrypted on the phone, only ciphertext uploaded), the doctor's side opens it
//! with `open_share_link`, the citizen sees who opened it after a sync, revokes it, and the link
//! is dead. Also: a child's share by the guardian, a passcode, a wrong key, an expired link.

mod sync_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use healthbook_core::model::{PersonRole, RecordKind};
use healthbook_core::{
    open_share_link, Cancellation, CreatedShare, HealthBook, HealthBookError, OpenedShare,
    ShareRequest, SyncConfig,
};
use sync_support::*;

/// A phone holding the mother's synced book.
fn synced_phone(dir: &std::path::Path, backend: &Backend) -> (Arc<HealthBook>, Arc<Token>) {
    let book = open_book(dir, "phone");
    let token = Token::new(backend.login(&mother_id()));
    sync_now(&book, config(&backend.url()), token.clone()).expect("first sync");
    (book, token)
}

/// `create_share`, awaited, without a cancellation.
fn create_share(
    book: &Arc<HealthBook>,
    request: ShareRequest,
    config: SyncConfig,
    token: &Arc<Token>,
) -> Result<CreatedShare, HealthBookError> {
    block_on(
        book.clone()
            .create_share(request, config, token.clone(), None),
    )
}

/// The doctor's side opening `link` as `recipient`, awaited.
fn open(
    link: &str,
    recipient: &str,
    passcode: Option<&str>,
) -> Result<OpenedShare, HealthBookError> {
    block_on(open_share_link(
        link.to_string(),
        recipient.to_string(),
        passcode.map(str::to_string),
        None,
    ))
}

fn person_with_role(book: &HealthBook, role: PersonRole) -> String {
    book.people()
        .expect("people")
        .into_iter()
        .filter(|p| p.role == role)
        .max_by_key(|p| p.date_of_birth)
        .expect("person")
        .id
}

#[test]
fn a_doctor_opens_a_share_the_citizen_sees_who_and_revokes_it() {
    let dir = tempfile::tempdir().expect("dir");
    let backend = Backend::start(dir.path(), &["--seed"]);
    let (book, token) = synced_phone(dir.path(), &backend);
    let mother = person_with_role(&book, PersonRole::Owner);

    let mut wanted = share_request(&mother);
    wanted.kinds = vec![RecordKind::Visit, RecordKind::Prescription];
    wanted.label = Some("Khám bệnh".into());
    let created = create_share(&book, wanted, config(&backend.url()), &token).expect("share");
    let share = &created.share;
    assert!(share
        .link
        .as_str()
        .starts_with(&format!("{}/view#shlink:/", backend.url())));
    assert!(share.shlink.as_str().starts_with("shlink:/"));
    assert!(share.record_count > 0);
    assert!(share.qr.version <= 12, "QR version {}", share.qr.version);
    assert_eq!(&share.qr.png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(share.qr.svg.starts_with("<svg") || share.qr.svg.starts_with("<?xml"));
    assert_eq!(share.qr.modules.len() as u32, share.qr.size * share.qr.size);
    let minutes = (share.expires_at - share.created_at).num_minutes();
    assert!((29..=30).contains(&minutes), "{minutes} minutes");

    // The doctor opens it: the records are the mother's visits and prescriptions.
    let opened = open(share.link.as_str(), "BS. Nguyễn An", None).expect("open");
    assert_eq!(opened.label.as_deref(), Some("Khám bệnh"));
    assert_eq!(opened.records.len() as u32, share.record_count);
    assert!(opened
        .records
        .iter()
        .all(|r| matches!(r.kind(), RecordKind::Visit | RecordKind::Prescription)));
    let mother_person = book.person(mother.clone()).expect("mother");
    assert_eq!(opened.patient.full_name, mother_person.full_name);
    assert!(opened.bundle_json.contains("\"Composition\""));
    // The bare shlink opens too.
    open(share.shlink.as_str(), "Phòng khám Đa khoa", None).expect("bare link");

    // After a sync the citizen sees who opened it.
    sync_now(&book, config(&backend.url()), token.clone()).expect("sync");
    let log = book.share_access_log(share.id.clone()).expect("log");
    let recipients: Vec<&str> = log.iter().map(|a| a.recipient.as_str()).collect();
    assert_eq!(recipients, vec!["BS. Nguyễn An", "Phòng khám Đa khoa"]);
    assert_eq!(book.shares(mother.clone()).expect("shares")[0].uses, 2);

    // Revoked: the doctor's side now gets ShareExpired.
    block_on(
        book.clone()
            .revoke_share(share.id.clone(), token.clone(), None),
    )
    .expect("revoke");
    match open(share.link.as_str(), "BS. Nguyễn An", None) {
        Err(HealthBookError::ShareExpired { .. }) => {}
        other => panic!("expected ShareExpired, got {other:?}"),
    }
    assert!(book.shares(mother).expect("shares")[0].revoked);
}

#[test]
fn a_guardian_shares_a_childs_vaccinations_and_a_passcode_guards_a_share() {
    let dir = tempfile::tempdir().expect("dir");
    let backend = Backend::start(dir.path(), &["--seed"]);
    let (book, token) = synced_phone(dir.path(), &backend);
    let baby = person_with_role(&book, PersonRole::Dependant);

    let mut card = share_request(&baby);
    card.kinds = vec![RecordKind::Immunization];
    card.passcode = Some("2468".into());
    let created = create_share(&book, card, config(&backend.url()), &token).expect("child's share");
    assert!(created.share.passcode_protected);
    let link = created.share.link.as_str();

    let err = open(link, "Trạm y tế", None).expect_err("needs a passcode");
    assert!(
        matches!(&err, HealthBookError::Validation { field, .. } if field == "passcode"),
        "{err:?}"
    );
    let wrong = open(link, "Trạm y tế", Some("1111")).expect_err("wrong passcode");
    match wrong {
        HealthBookError::Validation { field, reason } => {
            assert_eq!(field, "passcode");
            assert!(reason.contains("attempts left"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let opened = open(link, "Trạm y tế", Some("2468")).expect("right passcode");
    assert!(!opened.records.is_empty());
    assert!(opened
        .records
        .iter()
        .all(|r| r.kind() == RecordKind::Immunization));
    let baby_person = book.person(baby.clone()).expect("baby");
    assert_eq!(opened.patient.full_name, baby_person.full_name);

    // The one-call vaccination card: every immunization of the child, nothing else.
    let card = block_on(book.clone().share_vaccination_card(
        baby.clone(),
        config(&backend.url()),
        token.clone(),
        None,
    ))
    .expect("vaccination card");
    let doses = book
        .timeline(
            baby.clone(),
            healthbook_core::TimelineQuery {
                kinds: vec![RecordKind::Immunization],
                limit: 500,
                ..Default::default()
            },
        )
        .expect("timeline")
        .entries
        .len();
    assert_eq!(card.share.record_count as usize, doses);
    let opened = open(card.share.link.as_str(), "Trạm y tế", None).expect("card");
    let minutes = (card.share.expires_at - card.share.created_at).num_minutes();
    assert!((29..=30).contains(&minutes), "{minutes} minutes");
    assert_eq!(opened.label.as_deref(), Some("Sổ tiêm chủng"));
    assert_eq!(opened.records.len(), doses);
    // The owner has no vaccination card to share this way.
    let mother = person_with_role(&book, PersonRole::Owner);
    assert!(matches!(
        block_on(
            book.clone()
                .share_vaccination_card(mother, config(&backend.url()), token, None)
        ),
        Err(HealthBookError::Validation { .. })
    ));
}

#[test]
fn a_wrong_key_an_expired_link_and_an_unknown_id_give_clear_errors() {
    let dir = tempfile::tempdir().expect("dir");
    let backend = Backend::start(dir.path(), &["--seed"]);
    let (book, token) = synced_phone(dir.path(), &backend);
    let mother = person_with_role(&book, PersonRole::Owner);
    let created = create_share(
        &book,
        share_request(&mother),
        config(&backend.url()),
        &token,
    )
    .expect("share");

    // Same link with another key: the content does not open.
    let payload = created.share.shlink.as_str().trim_start_matches("shlink:/");
    let json = base64_decode(payload);
    let mut value: serde_json::Value = serde_json::from_slice(&json).expect("payload json");
    value["key"] = serde_json::json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let wrong_key = format!("shlink:/{}", base64_encode(value.to_string().as_bytes()));
    match open(&wrong_key, "BS", None) {
        Err(HealthBookError::ShareUnreadable { .. }) => {}
        other => panic!("expected ShareUnreadable, got {other:?}"),
    }

    // A link whose time has passed is refused before asking the server.
    let mut expired = value.clone();
    expired["key"] =
        serde_json::from_slice::<serde_json::Value>(&json).expect("json")["key"].clone();
    expired["exp"] = serde_json::json!(1_600_000_000);
    let expired = format!("shlink:/{}", base64_encode(expired.to_string().as_bytes()));
    match open(&expired, "BS", None) {
        Err(HealthBookError::ShareExpired { .. }) => {}
        other => panic!("expected ShareExpired, got {other:?}"),
    }

    // A guessed id finds nothing.
    let mut guessed = serde_json::from_slice::<serde_json::Value>(&json).expect("json");
    guessed["url"] = serde_json::json!(format!(
        "{}/shl/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
        backend.url()
    ));
    let guessed = format!("shlink:/{}", base64_encode(guessed.to_string().as_bytes()));
    match open(&guessed, "BS", None) {
        Err(HealthBookError::ShareExpired { .. }) => {}
        other => panic!("expected ShareExpired, got {other:?}"),
    }

    // Requests outside the limits are refused before anything is made or uploaded.
    let before = book.shares(mother.clone()).expect("shares").len();
    let bad: [(&str, Change); 6] = [
        ("request.valid_for", |r| r.valid_for = Some(Duration::ZERO)),
        ("request.valid_for", |r| {
            r.valid_for = Some(Duration::from_secs(59))
        }),
        ("request.valid_for", |r| {
            r.valid_for = Some(Duration::from_secs(24 * 3600 + 1))
        }),
        ("request.label", |r| r.label = Some("x".repeat(81))),
        ("request.passcode", |r| r.passcode = Some("12".into())),
        ("request.max_uses", |r| r.max_uses = Some(0)),
    ];
    for (field, change) in bad {
        let mut wrong = share_request(&mother);
        change(&mut wrong);
        match create_share(&book, wrong, config(&backend.url()), &token) {
            Err(HealthBookError::Validation { field: named, .. }) => assert_eq!(named, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(book.shares(mother.clone()).expect("shares").len(), before);

    // Not a link at all.
    match open("https://example.vn/nothing", "BS", None) {
        Err(HealthBookError::Validation { .. }) => {}
        other => panic!("expected Validation, got {other:?}"),
    }
}

#[test]
fn a_share_lives_as_long_as_asked() {
    let dir = tempfile::tempdir().expect("dir");
    let backend = Backend::start(dir.path(), &["--seed"]);
    let (book, token) = synced_phone(dir.path(), &backend);
    let mother = person_with_role(&book, PersonRole::Owner);
    for minutes in [1, 10, 24 * 60] {
        let mut wanted = share_request(&mother);
        wanted.valid_for = Some(Duration::from_secs(minutes * 60));
        let created = create_share(&book, wanted, config(&backend.url()), &token).expect("share");
        let lives = (created.share.expires_at - created.share.created_at).num_seconds();
        assert_eq!(lives, minutes as i64 * 60, "{minutes} minutes");
    }
}

#[test]
fn a_share_cancelled_while_uploading_is_not_kept_on_the_phone() {
    let dir = tempfile::tempdir().expect("dir");
    let backend = Backend::start(dir.path(), &["--seed"]);
    let (book, token) = synced_phone(dir.path(), &backend);
    let mother = person_with_role(&book, PersonRole::Owner);
    let proxy = FaultProxy::start(backend.addr);
    proxy.plan("/shl", 1, Fault::Delay(Duration::from_secs(20)));

    // Cancelled once the upload has reached the (slow) server.
    let cancellation = Cancellation::new();
    let canceller = cancellation.clone();
    let requests = proxy.requests.clone();
    std::thread::spawn(move || {
        let started = Instant::now();
        while requests.load(std::sync::atomic::Ordering::SeqCst) == 0
            && started.elapsed() < Duration::from_secs(30)
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        canceller.cancel();
    });
    let mut cfg = config(&proxy.url());
    cfg.request_timeout = Some(Duration::from_secs(60));
    let started = Instant::now();
    let error = block_on(book.clone().create_share(
        share_request(&mother),
        cfg,
        token.clone(),
        Some(cancellation),
    ))
    .expect_err("cancelled");
    assert!(
        matches!(error, HealthBookError::Cancelled { .. }),
        "{error:?}"
    );
    // Not a timing assertion on speed: it must not have waited out the 20 s answer.
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(
        proxy.requests.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the upload was under way"
    );
    assert!(
        book.shares(mother.clone()).expect("shares").is_empty(),
        "no share is kept"
    );

    // Asked for again, the share is made and kept.
    let created = create_share(
        &book,
        share_request(&mother),
        config(&backend.url()),
        &token,
    )
    .expect("share");
    let kept: Vec<String> = book
        .shares(mother)
        .expect("shares")
        .into_iter()
        .map(|share| share.id)
        .collect();
    assert_eq!(kept, vec![created.share.id]);
}

/// A change that breaks one limit of a share request.
type Change = fn(&mut ShareRequest);

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .expect("base64url")
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
