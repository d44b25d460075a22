//! Sharing with a doctor end to end, against the real backend on 127.0.0.1: the citizen's phone
//! makes a share (encrypted on the phone, only ciphertext uploaded), the doctor's side opens it
//! with `open_share_link`, the citizen sees who opened it after a sync, revokes it, and the link
//! is dead. Also: a child's share by the guardian, a passcode, a wrong key, an expired link.

mod sync_support;

use std::sync::Arc;

use healthbook_core::model::{PersonRole, RecordKind};
use healthbook_core::{open_share_link, HealthBook, HealthBookError, ShareRequest};
use sync_support::*;

fn request(person_id: &str) -> ShareRequest {
    ShareRequest {
        person_id: person_id.to_string(),
        kinds: vec![],
        record_ids: vec![],
        from: None,
        to: None,
        include_sensitive: false,
        minutes: 30,
        max_uses: None,
        label: None,
        passcode: None,
    }
}

/// A phone holding the mother's synced book.
fn synced_phone(dir: &std::path::Path, backend: &Backend) -> (Arc<HealthBook>, Arc<Token>) {
    let book = open_book(dir, "phone");
    let token = Token::new(backend.login(&mother_id()));
    book.sync(config(&backend.url()), token.clone(), listener())
        .expect("first sync");
    (book, token)
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

    let mut wanted = request(&mother);
    wanted.kinds = vec![RecordKind::Visit, RecordKind::Prescription];
    wanted.label = Some("Khám bệnh".into());
    let created = book
        .create_share(wanted, config(&backend.url()), token.clone())
        .expect("share");
    let share = &created.share;
    assert!(share
        .link
        .starts_with(&format!("{}/view#shlink:/", backend.url())));
    assert!(share.record_count > 0);
    assert!(share.qr.version <= 12, "QR version {}", share.qr.version);
    assert_eq!(&share.qr.png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(share.qr.svg.starts_with("<svg") || share.qr.svg.starts_with("<?xml"));
    assert_eq!(share.qr.modules.len() as u32, share.qr.size * share.qr.size);
    let minutes = (share.expires_at - share.created_at).num_minutes();
    assert!((29..=30).contains(&minutes), "{minutes} minutes");

    // The doctor opens it: the records are the mother's visits and prescriptions.
    let opened = open_share_link(share.link.clone(), "BS. Nguyễn An".into(), None).expect("open");
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
    open_share_link(share.shlink.clone(), "Phòng khám Đa khoa".into(), None).expect("bare link");

    // After a sync the citizen sees who opened it.
    book.sync(config(&backend.url()), token.clone(), listener())
        .expect("sync");
    let log = book.share_access_log(share.id.clone()).expect("log");
    let recipients: Vec<&str> = log.iter().map(|a| a.recipient.as_str()).collect();
    assert_eq!(recipients, vec!["BS. Nguyễn An", "Phòng khám Đa khoa"]);
    assert_eq!(book.shares(mother.clone()).expect("shares")[0].uses, 2);

    // Revoked: the doctor's side now gets ShareExpired.
    book.revoke_share(share.id.clone(), token.clone())
        .expect("revoke");
    match open_share_link(share.link.clone(), "BS. Nguyễn An".into(), None) {
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

    let mut card = request(&baby);
    card.kinds = vec![RecordKind::Immunization];
    card.passcode = Some("2468".into());
    let created = book
        .create_share(card, config(&backend.url()), token.clone())
        .expect("child's share");
    assert!(created.share.passcode_protected);

    let err = open_share_link(created.share.link.clone(), "Trạm y tế".into(), None)
        .expect_err("needs a passcode");
    assert!(
        matches!(&err, HealthBookError::Validation { field, .. } if field == "passcode"),
        "{err:?}"
    );
    let wrong = open_share_link(
        created.share.link.clone(),
        "Trạm y tế".into(),
        Some("1111".into()),
    )
    .expect_err("wrong passcode");
    match wrong {
        HealthBookError::Validation { field, reason } => {
            assert_eq!(field, "passcode");
            assert!(reason.contains("attempts left"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let opened = open_share_link(
        created.share.link.clone(),
        "Trạm y tế".into(),
        Some("2468".into()),
    )
    .expect("right passcode");
    assert!(!opened.records.is_empty());
    assert!(opened
        .records
        .iter()
        .all(|r| r.kind() == RecordKind::Immunization));
    let baby_person = book.person(baby.clone()).expect("baby");
    assert_eq!(opened.patient.full_name, baby_person.full_name);

    // The one-call vaccination card: every immunization of the child, nothing else.
    let card = book
        .share_vaccination_card(baby.clone(), config(&backend.url()), token.clone())
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
    let opened = open_share_link(card.share.link, "Trạm y tế".into(), None).expect("card");
    assert_eq!(opened.label.as_deref(), Some("Sổ tiêm chủng"));
    assert_eq!(opened.records.len(), doses);
    // The owner has no vaccination card to share this way.
    let mother = person_with_role(&book, PersonRole::Owner);
    assert!(matches!(
        book.share_vaccination_card(mother, config(&backend.url()), token),
        Err(HealthBookError::Validation { .. })
    ));
}

#[test]
fn a_wrong_key_an_expired_link_and_an_unknown_id_give_clear_errors() {
    let dir = tempfile::tempdir().expect("dir");
    let backend = Backend::start(dir.path(), &["--seed"]);
    let (book, token) = synced_phone(dir.path(), &backend);
    let mother = person_with_role(&book, PersonRole::Owner);
    let created = book
        .create_share(request(&mother), config(&backend.url()), token.clone())
        .expect("share");

    // Same link with another key: the content does not open.
    let payload = created.share.shlink.trim_start_matches("shlink:/");
    let json = base64_decode(payload);
    let mut value: serde_json::Value = serde_json::from_slice(&json).expect("payload json");
    value["key"] = serde_json::json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let wrong_key = format!("shlink:/{}", base64_encode(value.to_string().as_bytes()));
    match open_share_link(wrong_key, "BS".into(), None) {
        Err(HealthBookError::ShareUnreadable { .. }) => {}
        other => panic!("expected ShareUnreadable, got {other:?}"),
    }

    // A link whose time has passed is refused before asking the server.
    let mut expired = value.clone();
    expired["key"] =
        serde_json::from_slice::<serde_json::Value>(&json).expect("json")["key"].clone();
    expired["exp"] = serde_json::json!(1_600_000_000);
    let expired = format!("shlink:/{}", base64_encode(expired.to_string().as_bytes()));
    match open_share_link(expired, "BS".into(), None) {
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
    match open_share_link(guessed, "BS".into(), None) {
        Err(HealthBookError::ShareExpired { .. }) => {}
        other => panic!("expected ShareExpired, got {other:?}"),
    }

    // Requests outside the limits are refused before anything is made or uploaded.
    let before = book.shares(mother.clone()).expect("shares").len();
    let bad: [(&str, Change); 5] = [
        ("request.minutes", |r| r.minutes = 0),
        ("request.minutes", |r| r.minutes = 24 * 60 + 1),
        ("request.label", |r| r.label = Some("x".repeat(81))),
        ("request.passcode", |r| r.passcode = Some("12".into())),
        ("request.max_uses", |r| r.max_uses = Some(0)),
    ];
    for (field, change) in bad {
        let mut wrong = request(&mother);
        change(&mut wrong);
        match book.create_share(wrong, config(&backend.url()), token.clone()) {
            Err(HealthBookError::Validation { field: named, .. }) => assert_eq!(named, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(book.shares(mother.clone()).expect("shares").len(), before);

    // Not a link at all.
    match open_share_link("https://example.vn/nothing".into(), "BS".into(), None) {
        Err(HealthBookError::Validation { .. }) => {}
        other => panic!("expected Validation, got {other:?}"),
    }
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
