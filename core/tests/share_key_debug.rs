//! A share's key opens the citizen's records: it must not leak through `Debug` (a log line, a
//! panic message, a crash report). Each type that holds the key, or the link or QR code that
//! carries it, prints without it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use healthbook_core::share::link::{encode_key, format_link, parse_link, ShlPayload};
use healthbook_core::share::package::link;
use healthbook_core::{CreatedShare, Share, ShareQr, Url};

const KEY: [u8; 32] = [
    0x9c, 0x41, 0x07, 0xee, 0x12, 0x5b, 0xa0, 0x33, 0x76, 0xd8, 0x2f, 0x64, 0xc1, 0x0a, 0x95, 0x4e,
    0xb7, 0x28, 0x6d, 0xf3, 0x50, 0x19, 0x8a, 0xe4, 0x3c, 0x72, 0xaf, 0x06, 0xcb, 0x5d, 0x91, 0x2e,
];

/// What must not appear: the key in base64url (with and without padding), in hex (both cases),
/// as a list of bytes, and the link's base64url payload (which decodes to the key).
fn secrets(shlink: Option<&str>) -> Vec<String> {
    let hex: String = KEY.iter().map(|b| format!("{b:02x}")).collect();
    let mut secrets = vec![
        encode_key(&KEY),
        base64::engine::general_purpose::URL_SAFE.encode(KEY),
        hex.clone(),
        hex.to_uppercase(),
        format!("{:?}", KEY),
        format!(
            "{}",
            KEY[..6]
                .iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ];
    if let Some(shlink) = shlink {
        let payload = shlink.trim_start_matches("shlink:/");
        // Any 16 characters of the payload are enough to say it leaked.
        secrets.push(payload[payload.len() / 2..payload.len() / 2 + 16].to_string());
    }
    secrets
}

fn assert_hidden(what: &str, debug: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !debug.contains(secret.as_str()),
            "{what}'s Debug shows the key or the link that carries it ({secret}): {debug}"
        );
    }
}

fn made_link() -> healthbook_core::share::package::Link {
    link(
        "https://api.sosuckhoe.vn/shl/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        &KEY,
        1_796_000_000,
        "U",
        Some("Khám tại Bạch Mai"),
        "https://api.sosuckhoe.vn/view",
    )
    .expect("link")
}

fn qr_of(made: &healthbook_core::share::package::Link) -> ShareQr {
    ShareQr {
        version: made.qr.version,
        size: made.qr.size,
        modules: made.qr.modules.clone(),
        svg: made.qr.to_svg(8),
        png: made.qr.to_png(8),
    }
}

fn share() -> (Share, String) {
    let made = made_link();
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-01T09:00:00+07:00").expect("time");
    let share = Share {
        id: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
        person_id: "p1".into(),
        link: Url(made.link.clone()),
        shlink: Url(made.shlink.clone()),
        label: Some("Khám tại Bạch Mai".into()),
        created_at: at,
        expires_at: at,
        record_count: 3,
        passcode_protected: false,
        revoked: false,
        uses: 0,
        qr: qr_of(&made),
    };
    (share, made.shlink)
}

#[test]
fn a_parsed_link_prints_without_its_key() {
    let made = made_link();
    let payload = parse_link(&made.link).expect("parses");
    let debug = format!("{payload:?} {payload:#?}");
    assert_hidden("ShlPayload", &debug, &secrets(Some(&made.shlink)));
    assert!(debug.contains("api.sosuckhoe.vn"), "{debug}");

    let written = ShlPayload {
        url: "https://h/x".into(),
        key: URL_SAFE_NO_PAD.encode(KEY),
        exp: None,
        flag: "U".into(),
        label: None,
        v: None,
    };
    let shlink = format_link(&written, None);
    assert_hidden(
        "ShlPayload",
        &format!("{written:?}"),
        &secrets(Some(&shlink)),
    );
}

#[test]
fn a_share_prints_without_its_link_or_qr() {
    let (share, shlink) = share();
    let debug = format!("{share:?} {share:#?}");
    assert_hidden("Share", &debug, &secrets(Some(&shlink)));
    assert!(
        !debug.contains("<svg"),
        "Share's Debug shows the QR code: {debug}"
    );
    // What is useful in a log stays.
    assert!(
        debug.contains("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        "{debug}"
    );
    assert!(debug.contains("record_count: 3"), "{debug}");

    let created = CreatedShare {
        share,
        left_out_sensitive: 1,
    };
    let debug = format!("{created:?} {created:#?}");
    assert_hidden("CreatedShare", &debug, &secrets(Some(&shlink)));
    assert!(debug.contains("left_out_sensitive: 1"), "{debug}");
}

#[test]
fn a_qr_code_prints_without_its_modules() {
    let made = made_link();
    let qr = qr_of(&made);
    let debug = format!("{qr:?} {qr:#?}");
    assert_hidden("ShareQr", &debug, &secrets(Some(&made.shlink)));
    assert!(
        !debug.contains("<svg"),
        "ShareQr's Debug shows the SVG: {debug}"
    );
    assert!(
        !debug.contains("true, false") && !debug.contains("false, true"),
        "ShareQr's Debug shows the modules: {debug}"
    );
    assert!(
        debug.contains(&format!("version: {}", qr.version)),
        "{debug}"
    );
}

#[test]
fn a_package_its_link_and_its_qr_image_print_without_the_key() {
    let made = made_link();
    let debug = format!("{made:?} {made:#?} {:?}", made.qr);
    assert_hidden("Link", &debug, &secrets(Some(&made.shlink)));
    assert!(
        !debug.contains("true, false") && !debug.contains("false, true"),
        "{debug}"
    );
    assert!(
        debug.contains("https://api.sosuckhoe.vn/view#<hidden>"),
        "{debug}"
    );

    let package = healthbook_core::share::package::Package {
        file: jwe_of_nothing(),
        key: zeroize::Zeroizing::new(KEY),
        record_count: 2,
        left_out_sensitive: 0,
    };
    let debug = format!("{package:?} {package:#?}");
    assert_hidden("Package", &debug, &secrets(None));
    assert!(!debug.contains(&package.file), "{debug}");
}

fn jwe_of_nothing() -> String {
    healthbook_core::share::jwe::encrypt(b"{}", &KEY, None, false).expect("jwe")
}

#[test]
fn a_share_request_prints_without_its_passcode() {
    let request = healthbook_core::ShareRequest {
        person_id: "p1".into(),
        kinds: Vec::new(),
        record_ids: Vec::new(),
        from: None,
        to: None,
        include_sensitive: false,
        valid_for: None,
        max_uses: Some(2),
        label: None,
        passcode: Some("739146".into()),
    };
    let debug = format!("{request:?} {request:#?}");
    assert!(!debug.contains("739146"), "{debug}");
    assert!(debug.contains("max_uses: Some(2)"), "{debug}");
}
