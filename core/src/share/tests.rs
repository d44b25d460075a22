//! Specifications of the JWE, link and QR primitives. The published vectors and the independent
//! JOSE implementation are exercised in `tests/shl_vectors.rs` and `tests/jose_interop.rs`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::jwe::{self, Decrypted};
use super::link::{self, ShlPayload};
use super::qr::{self, QrImage};
use super::ShareError;
use crate::error::Error;

const KEY: [u8; 32] = [7; 32];
const PLAINTEXT: &[u8] = br#"{"resourceType":"Bundle","type":"document"}"#;

fn parts(compact: &str) -> Vec<String> {
    compact.split('.').map(str::to_string).collect()
}

/// Flips one bit in the middle of a base64url part, keeping it valid base64url.
fn flip_bit(part: &str) -> String {
    let mut bytes = URL_SAFE_NO_PAD.decode(part).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    URL_SAFE_NO_PAD.encode(bytes)
}

fn header_json(compact: &str) -> serde_json::Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts(compact)[0].as_str()).unwrap()).unwrap()
}

fn payload() -> ShlPayload {
    ShlPayload {
        url: "https://healthbook.example.vn/shl/abc".into(),
        key: link::encode_key(&KEY),
        exp: Some(1_767_225_600),
        flag: "U".into(),
        label: Some("Sổ tiêm chủng của bé An".into()),
        v: None,
    }
}

fn invalid_field(result: Result<ShlPayload, ShareError>) -> String {
    match result {
        Err(ShareError::InvalidLink { field, .. }) => field,
        other => panic!("expected InvalidLink, got {other:?}"),
    }
}

// --- JWE ---------------------------------------------------------------------------------------

#[test]
fn encrypt_then_decrypt_returns_the_plaintext_and_content_type() {
    let compact = jwe::encrypt(PLAINTEXT, &KEY, Some("application/fhir+json"), false).unwrap();
    assert_eq!(
        jwe::decrypt(&compact, &KEY).unwrap(),
        Decrypted {
            plaintext: PLAINTEXT.to_vec(),
            content_type: Some("application/fhir+json".into()),
        }
    );
}

#[test]
fn the_compact_form_has_an_empty_key_part_a_12_byte_iv_and_a_16_byte_tag() {
    let compact = jwe::encrypt(PLAINTEXT, &KEY, None, false).unwrap();
    let parts = parts(&compact);
    assert_eq!(parts.len(), 5);
    assert_eq!(parts[1], "");
    assert_eq!(URL_SAFE_NO_PAD.decode(&parts[2]).unwrap().len(), 12);
    assert_eq!(
        URL_SAFE_NO_PAD.decode(&parts[3]).unwrap().len(),
        PLAINTEXT.len()
    );
    assert_eq!(URL_SAFE_NO_PAD.decode(&parts[4]).unwrap().len(), 16);
}

#[test]
fn the_header_names_dir_a256gcm_and_only_the_options_asked_for() {
    let plain = jwe::encrypt(PLAINTEXT, &KEY, None, false).unwrap();
    assert_eq!(
        header_json(&plain),
        serde_json::json!({"alg": "dir", "enc": "A256GCM"})
    );
    let full = jwe::encrypt(PLAINTEXT, &KEY, Some("application/smart-health-card"), true).unwrap();
    assert_eq!(
        header_json(&full),
        serde_json::json!({"alg": "dir", "enc": "A256GCM", "cty": "application/smart-health-card", "zip": "DEF"})
    );
}

#[test]
fn deflate_compresses_with_raw_deflate_and_round_trips() {
    let bundle = PLAINTEXT.repeat(200);
    let compact = jwe::encrypt(&bundle, &KEY, None, true).unwrap();
    let ciphertext_len = URL_SAFE_NO_PAD.decode(&parts(&compact)[3]).unwrap().len();
    assert!(
        ciphertext_len < bundle.len() / 10,
        "{ciphertext_len} bytes for {}",
        bundle.len()
    );
    assert_eq!(jwe::decrypt(&compact, &KEY).unwrap().plaintext, bundle);
}

#[test]
fn two_encryptions_of_the_same_plaintext_differ() {
    let first = jwe::encrypt(PLAINTEXT, &KEY, None, false).unwrap();
    let second = jwe::encrypt(PLAINTEXT, &KEY, None, false).unwrap();
    assert_ne!(parts(&first)[2], parts(&second)[2], "fresh IV");
    assert_ne!(parts(&first)[3], parts(&second)[3]);
}

#[test]
fn a_modified_iv_ciphertext_or_tag_fails_authentication() {
    let compact = jwe::encrypt(PLAINTEXT, &KEY, None, true).unwrap();
    for (index, name) in [(2, "iv"), (3, "ciphertext"), (4, "tag")] {
        let mut tampered = parts(&compact);
        tampered[index] = flip_bit(&tampered[index]);
        let result = jwe::decrypt(&tampered.join("."), &KEY);
        assert!(
            matches!(result, Err(ShareError::Authentication)),
            "{name}: {result:?}"
        );
    }
}

#[test]
fn a_header_with_an_added_field_still_parses_but_fails_authentication() {
    let compact = jwe::encrypt(PLAINTEXT, &KEY, None, false).unwrap();
    let mut tampered = parts(&compact);
    let mut header = header_json(&compact);
    header["kid"] = "attacker".into();
    tampered[0] = URL_SAFE_NO_PAD.encode(header.to_string());
    let result = jwe::decrypt(&tampered.join("."), &KEY);
    assert!(
        matches!(result, Err(ShareError::Authentication)),
        "{result:?}"
    );
}

#[test]
fn a_header_that_no_longer_decodes_is_malformed() {
    let compact = jwe::encrypt(PLAINTEXT, &KEY, None, false).unwrap();
    let mut tampered = parts(&compact);
    tampered[0] = flip_bit(&tampered[0]);
    let result = jwe::decrypt(&tampered.join("."), &KEY);
    assert!(
        matches!(
            result,
            Err(ShareError::Malformed(_) | ShareError::Authentication)
        ),
        "{result:?}"
    );
}

#[test]
fn removing_zip_from_the_header_fails_authentication_rather_than_returning_deflated_bytes() {
    let compact = jwe::encrypt(PLAINTEXT, &KEY, None, true).unwrap();
    let mut tampered = parts(&compact);
    tampered[0] = URL_SAFE_NO_PAD.encode(r#"{"alg":"dir","enc":"A256GCM"}"#);
    let result = jwe::decrypt(&tampered.join("."), &KEY);
    assert!(
        matches!(result, Err(ShareError::Authentication)),
        "{result:?}"
    );
}

#[test]
fn a_wrong_key_fails_authentication() {
    let compact = jwe::encrypt(PLAINTEXT, &KEY, None, false).unwrap();
    let result = jwe::decrypt(&compact, &[8; 32]);
    assert!(
        matches!(result, Err(ShareError::Authentication)),
        "{result:?}"
    );
}

#[test]
fn a_key_that_is_not_32_bytes_is_an_invalid_link_key() {
    let compact = jwe::encrypt(PLAINTEXT, &KEY, None, false).unwrap();
    let result = jwe::decrypt(&compact, &[7; 16]);
    assert!(
        matches!(&result, Err(ShareError::InvalidLink { field, .. }) if field == "link.key"),
        "{result:?}"
    );
}

#[test]
fn other_algorithms_are_refused_by_name() {
    let compact = jwe::encrypt(PLAINTEXT, &KEY, None, false).unwrap();
    let rest = &compact[compact.find('.').unwrap()..];
    for (header, named) in [
        (r#"{"alg":"A256KW","enc":"A256GCM"}"#, "A256KW"),
        (r#"{"alg":"dir","enc":"A128CBC-HS256"}"#, "A128CBC-HS256"),
        (r#"{"alg":"dir","enc":"A256GCM","zip":"GZIP"}"#, "GZIP"),
        (r#"{"alg":"dir","enc":"A256GCM","crit":["exp"]}"#, "crit"),
    ] {
        let result = jwe::decrypt(&format!("{}{rest}", URL_SAFE_NO_PAD.encode(header)), &KEY);
        match result {
            Err(error @ ShareError::UnsupportedAlgorithm(_)) => {
                assert!(error.to_string().contains(named), "{error}")
            }
            other => panic!("{header}: {other:?}"),
        }
    }
}

#[test]
fn malformed_compact_forms_are_refused_without_panicking() {
    let good = parts(&jwe::encrypt(PLAINTEXT, &KEY, None, false).unwrap());
    let header = &good[0];
    let cases = [
        String::new(),
        "not a jwe".to_string(),
        format!("{header}..iv.ct"),
        format!("{header}..{}.{}.{}.extra", good[2], good[3], good[4]),
        format!("{header}.AAAA.{}.{}.{}", good[2], good[3], good[4]),
        format!("{header}..AAAA.{}.{}", good[3], good[4]),
        format!("{header}..{}.{}.AAAA", good[2], good[3]),
        format!("{header}..{}.not*base64.{}", good[2], good[4]),
        format!(
            "{}..{}.{}.{}",
            URL_SAFE_NO_PAD.encode("[1]"),
            good[2],
            good[3],
            good[4]
        ),
        format!(
            "{}..{}.{}.{}",
            URL_SAFE_NO_PAD.encode("{}"),
            good[2],
            good[3],
            good[4]
        ),
    ];
    for case in cases {
        let result = jwe::decrypt(&case, &KEY);
        assert!(
            matches!(result, Err(ShareError::Malformed(_))),
            "{case}: {result:?}"
        );
    }
}

#[test]
fn inflation_is_bounded() {
    // 17 MiB of zeros deflates to a small fraction of that.
    let bomb = vec![0u8; jwe::MAX_INFLATED_LEN + 1024 * 1024];
    let compact = jwe::encrypt(&bomb, &KEY, None, true).unwrap();
    assert!(compact.len() < bomb.len() / 50, "{} bytes", compact.len());
    let result = jwe::decrypt(&compact, &KEY);
    assert!(
        matches!(result, Err(ShareError::TooLarge { limit }) if limit == jwe::MAX_INFLATED_LEN),
        "{result:?}"
    );
}

#[test]
fn surrounding_whitespace_is_ignored() {
    let compact = jwe::encrypt(PLAINTEXT, &KEY, None, false).unwrap();
    let result = jwe::decrypt(&format!("  {compact}\n"), &KEY).unwrap();
    assert_eq!(result.plaintext, PLAINTEXT);
}

// --- Link --------------------------------------------------------------------------------------

#[test]
fn format_then_parse_returns_the_same_payload_bare_and_behind_a_viewer() {
    let payload = payload();
    let bare = link::format_link(&payload, None);
    assert!(bare.starts_with("shlink:/"), "{bare}");
    assert_eq!(link::parse_link(&bare).unwrap(), payload);

    let behind = link::format_link(&payload, Some("https://healthbook.example.vn/view"));
    assert_eq!(behind, format!("https://healthbook.example.vn/view#{bare}"));
    assert_eq!(
        link::parse_link(&format!("\n {behind} \t")).unwrap(),
        payload
    );
}

#[test]
fn the_link_is_base64url_of_compact_json_without_padding() {
    let bare = link::format_link(&payload(), None);
    let encoded = bare.strip_prefix("shlink:/").unwrap();
    assert!(!encoded.contains(['=', '+', '/']), "{encoded}");
    let json = String::from_utf8(URL_SAFE_NO_PAD.decode(encoded).unwrap()).unwrap();
    assert!(!json.contains(' ') || json.contains("Sổ tiêm"), "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["exp"], 1_767_225_600);
    assert_eq!(value["flag"], "U");
    assert!(value.get("v").is_none());
}

#[test]
fn optional_fields_are_left_out_when_absent() {
    let mut payload = payload();
    payload.exp = None;
    payload.flag = String::new();
    payload.label = None;
    let bare = link::format_link(&payload, None);
    let json = URL_SAFE_NO_PAD.decode(&bare["shlink:/".len()..]).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(value.as_object().unwrap().len(), 2, "{value}");
    assert_eq!(link::parse_link(&bare).unwrap(), payload);
}

#[test]
fn the_payload_key_decodes_to_the_key() {
    assert_eq!(*payload().key_bytes().unwrap(), KEY);
    assert_eq!(payload().key.len(), 43);
}

#[test]
fn new_keys_are_random() {
    let first = link::new_key().unwrap();
    assert_ne!(first, link::new_key().unwrap());
    assert_ne!(first, [0; 32]);
}

#[test]
fn debug_output_hides_the_key() {
    let payload = payload();
    let shown = format!("{payload:?}");
    assert!(!shown.contains(&payload.key), "{shown}");
}

#[test]
fn flags_are_read_into_their_meanings() {
    let mut payload = payload();
    payload.flag = "LP".into();
    assert!(payload.is_long_term() && payload.needs_passcode() && !payload.is_direct_file());
    payload.flag = "LU".into();
    assert!(payload.is_long_term() && !payload.needs_passcode() && payload.is_direct_file());
}

fn link_with(json: serde_json::Value) -> String {
    format!("shlink:/{}", URL_SAFE_NO_PAD.encode(json.to_string()))
}

#[test]
fn each_broken_rule_names_its_field() {
    let key = link::encode_key(&KEY);
    let url = "https://h.example/x";
    let long_label = "á".repeat(81);
    let cases = [
        (serde_json::json!({"key": key}), "link.url"),
        (serde_json::json!({"url": "", "key": key}), "link.url"),
        (serde_json::json!({"url": url}), "link.key"),
        (
            serde_json::json!({"url": url, "key": "c2hvcnQ"}),
            "link.key",
        ),
        (
            serde_json::json!({"url": url, "key": "not base64!"}),
            "link.key",
        ),
        (serde_json::json!({"url": url, "key": 42}), "link.key"),
        (
            serde_json::json!({"url": url, "key": key, "exp": "1767225600000"}),
            "link.exp",
        ),
        (
            serde_json::json!({"url": url, "key": key, "exp": 1.5}),
            "link.exp",
        ),
        (
            serde_json::json!({"url": url, "key": key, "flag": "UP"}),
            "link.flag",
        ),
        (
            serde_json::json!({"url": url, "key": key, "label": long_label}),
            "link.label",
        ),
        (
            serde_json::json!({"url": url, "key": key, "v": "1"}),
            "link.v",
        ),
        (
            serde_json::json!({"url": url, "key": key, "v": -1}),
            "link.v",
        ),
        (serde_json::json!([url, key]), "link"),
    ];
    for (json, field) in cases {
        assert_eq!(
            invalid_field(link::parse_link(&link_with(json.clone()))),
            field,
            "{json}"
        );
    }
}

#[test]
fn a_label_of_exactly_80_characters_is_accepted() {
    let json = serde_json::json!({"url": "https://h.example/x", "key": link::encode_key(&KEY), "label": "ệ".repeat(80)});
    let parsed = link::parse_link(&link_with(json)).unwrap();
    assert_eq!(parsed.label.as_deref().unwrap().chars().count(), 80);
}

#[test]
fn unknown_flags_are_ignored_by_the_reader() {
    let json = serde_json::json!({"url": "https://h.example/x", "key": link::encode_key(&KEY), "flag": "LUX"});
    let parsed = link::parse_link(&link_with(json)).unwrap();
    assert!(parsed.is_long_term() && parsed.is_direct_file());
}

#[test]
fn links_this_app_makes_follow_the_stricter_rules_for_producers() {
    assert!(payload().validate().is_ok());
    for flag in ["UL", "LL", "LX", "PU"] {
        let mut wrong = payload();
        wrong.flag = flag.into();
        let result = wrong.validate().map(|()| wrong.clone());
        assert_eq!(invalid_field(result), "link.flag", "{flag}");
    }
    let mut long_url = payload();
    long_url.url = format!("https://healthbook.example.vn/{}", "a".repeat(100));
    let result = long_url.validate().map(|()| long_url.clone());
    assert_eq!(invalid_field(result), "link.url");
}

#[test]
fn unknown_payload_fields_are_ignored() {
    let json = serde_json::json!({"url": "https://h.example/x", "key": link::encode_key(&KEY), "labelzzz": "x", "extension": {"a": 1}});
    assert!(link::parse_link(&link_with(json)).is_ok());
}

#[test]
fn texts_that_are_not_links_are_refused() {
    for text in [
        "",
        "https://viewer.example.org",
        "https://viewer.example.org#other",
        "shc:/5676290952432060346029243740",
        "shlink:/",
        "shlink:/%%%",
        "shlink:/bm90IGpzb24",
    ] {
        assert_eq!(invalid_field(link::parse_link(text)), "link", "{text:?}");
    }
}

#[test]
fn link_problems_become_validation_errors_naming_the_field() {
    let error = Error::from(ShareError::InvalidLink {
        field: "link.exp".into(),
        reason: "must be a number".into(),
    });
    match error {
        Error::Validation(v) => assert_eq!(
            (v.field.as_str(), v.reason.as_str()),
            ("link.exp", "must be a number")
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Error::from(ShareError::Authentication),
        Error::ShareUnreadable(_)
    ));
    assert!(matches!(
        Error::from(ShareError::Malformed("x".into())),
        Error::ShareUnreadable(_)
    ));
}

// --- QR ----------------------------------------------------------------------------------------

#[test]
fn the_smallest_version_is_chosen() {
    let small = qr::render("shlink:/abc").unwrap();
    assert_eq!((small.version, small.size), (1, 21));
    assert_eq!(small.modules.len(), 21 * 21);
    // Version 10 at level M holds 213 bytes in byte mode, version 11 holds 251.
    assert_eq!(qr::render(&"a".repeat(213)).unwrap().version, 10);
    assert_eq!(qr::render(&"a".repeat(214)).unwrap().version, 11);
}

#[test]
fn text_beyond_version_40_is_too_long_for_a_qr_code() {
    // Version 40 at level M holds 2331 bytes.
    assert_eq!(qr::render(&"a".repeat(2331)).unwrap().version, 40);
    assert!(matches!(
        qr::render(&"a".repeat(2332)),
        Err(ShareError::TooLongForQr { bytes: 2332 })
    ));
}

#[test]
fn the_finder_patterns_are_in_three_corners() {
    let image = qr::render("shlink:/abc").unwrap();
    let last = image.size - 1;
    for (x, y) in [(0, 0), (last, 0), (0, last)] {
        assert!(image.is_dark(x, y), "corner {x},{y}");
    }
    assert!(!image.is_dark(7, 7), "separator");
}

#[test]
fn a_qr_code_decodes_back_to_its_text() {
    let text = link::format_link(&payload(), Some("https://healthbook.example.vn/view"));
    let image = qr::render(&text).unwrap();
    assert_eq!(decode_modules(&image, 4), text);
}

/// Reads the symbol with an independent decoder, from the pixels of the PNG scanlines.
fn decode_modules(image: &QrImage, px: u32) -> String {
    let pixels = png_pixels(&image.to_png(px));
    let side = image.image_side(px) as usize;
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(
            side,
            side,
            |x, y| {
                if pixels[y][x] {
                    255
                } else {
                    0
                }
            },
        );
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().unwrap().1
}

struct Chunk {
    kind: [u8; 4],
    data: Vec<u8>,
}

/// Splits a PNG into chunks, checking the signature and each chunk's CRC.
fn png_chunks(png: &[u8]) -> Vec<Chunk> {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "signature");
    let mut chunks = Vec::new();
    let mut at = 8;
    while at < png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = png[at + 4..at + 8].try_into().unwrap();
        let data = png[at + 8..at + 8 + len].to_vec();
        let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
        assert_eq!(
            qr::crc32(&[&kind, &data]),
            crc,
            "CRC of {:?}",
            String::from_utf8_lossy(&kind)
        );
        chunks.push(Chunk { kind, data });
        at += 12 + len;
    }
    assert_eq!(at, png.len());
    chunks
}

/// The pixel rows of a 1-bit grayscale PNG (`true` = white), checking IHDR and the filter bytes.
fn png_pixels(png: &[u8]) -> Vec<Vec<bool>> {
    let chunks = png_chunks(png);
    let kinds: Vec<&[u8; 4]> = chunks.iter().map(|c| &c.kind).collect();
    assert_eq!(kinds, [b"IHDR", b"IDAT", b"IEND"]);
    let header = &chunks[0].data;
    let width = u32::from_be_bytes(header[0..4].try_into().unwrap()) as usize;
    let height = u32::from_be_bytes(header[4..8].try_into().unwrap()) as usize;
    assert_eq!(
        &header[8..],
        &[1, 0, 0, 0, 0],
        "1-bit grayscale, no interlace"
    );
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&chunks[1].data).unwrap();
    let row_bytes = width.div_ceil(8);
    assert_eq!(raw.len(), height * (row_bytes + 1), "scanline bytes");
    raw.chunks(row_bytes + 1)
        .map(|row| {
            assert_eq!(row[0], 0, "filter type none");
            (0..width)
                .map(|x| row[1 + x / 8] & (0x80 >> (x % 8)) != 0)
                .collect()
        })
        .collect()
}

#[test]
fn crc32_matches_the_standard_check_value() {
    assert_eq!(qr::crc32(&[b"123456789"]), 0xcbf4_3926);
    assert_eq!(qr::crc32(&[b"IEND"]), 0xae42_6082);
}

#[test]
fn the_png_pixels_are_the_modules_with_a_four_module_quiet_zone() {
    let image = qr::render("shlink:/abc").unwrap();
    for px in [1, 3, 8] {
        let pixels = png_pixels(&image.to_png(px));
        let side = ((image.size + 8) * px) as usize;
        assert_eq!(pixels.len(), side);
        for (y, row) in pixels.iter().enumerate() {
            assert_eq!(row.len(), side);
            for (x, &white) in row.iter().enumerate() {
                let (mx, my) = ((x as u32 / px) as i64 - 4, (y as u32 / px) as i64 - 4);
                let inside =
                    (0..image.size as i64).contains(&mx) && (0..image.size as i64).contains(&my);
                let dark = inside && image.is_dark(mx as u32, my as u32);
                assert_eq!(!white, dark, "pixel {x},{y} at {px} px per module");
            }
        }
    }
}

#[test]
fn module_px_is_clamped() {
    let image = qr::render("shlink:/abc").unwrap();
    assert_eq!(image.image_side(0), 29);
    assert_eq!(image.image_side(10_000), 29 * qr::MAX_MODULE_PX);
    assert_eq!(png_pixels(&image.to_png(0)).len(), 29);
}

#[test]
fn the_svg_is_a_standalone_document_with_one_rect_per_dark_run() {
    let image = qr::render("shlink:/abc").unwrap();
    let svg = image.to_svg(10);
    assert!(svg.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""
    ));
    assert!(
        svg.contains("width=\"290\" height=\"290\" viewBox=\"0 0 29 29\""),
        "{svg}"
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    // Redraw the path's runs and compare with the modules.
    let d = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let mut drawn = vec![false; image.modules.len()];
    for run in d.split('M').filter(|r| !r.is_empty()) {
        let (xy, rest) = run.split_once('h').unwrap();
        let (x, y) = xy.split_once(' ').unwrap();
        let (x, y): (u32, u32) = (x.parse().unwrap(), y.parse().unwrap());
        let width: u32 = rest.split_once('v').unwrap().0.parse().unwrap();
        for dx in 0..width {
            drawn[((y - 4) * image.size + x - 4 + dx) as usize] = true;
        }
    }
    assert_eq!(drawn, image.modules);
}

/// The link the app shows by default: a 43-character share id in the url, the 43-character key,
/// an expiry, flag `U`, a 40-character Vietnamese label (52 bytes of UTF-8), behind the viewer URL.
fn default_share_link(label: Option<&str>) -> String {
    let payload = ShlPayload {
        url: format!("https://healthbook.example.vn/shl/{}", "x".repeat(43)),
        key: link::encode_key(&link::new_key().unwrap()),
        exp: Some(1_767_225_600),
        flag: "U".into(),
        label: label.map(str::to_string),
        v: None,
    };
    payload.validate().unwrap();
    link::format_link(&payload, Some("https://healthbook.example.vn/view"))
}

const DEFAULT_LABEL: &str = "Sổ tiêm chủng của bé Nguyễn Thị Minh Anh";

#[test]
fn the_default_share_link_fits_version_14_and_scans() {
    assert_eq!(DEFAULT_LABEL.chars().count(), 40);
    let text = default_share_link(Some(DEFAULT_LABEL));
    // 350 bytes; at level M version 12 holds 287 bytes, 13 holds 331 and 14 holds 362.
    assert_eq!(text.len(), 350);
    let image = qr::render(&text).unwrap();
    assert_eq!((image.version, image.size), (14, 73));
    assert_eq!(decode_modules(&image, 4), text);
}

#[test]
fn the_default_share_link_without_its_label_fits_version_12() {
    let image = qr::render(&default_share_link(None)).unwrap();
    assert!(image.version <= 12, "version {}", image.version);
}
