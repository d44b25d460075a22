//! Making a share on the phone: the chosen records as a FHIR document Bundle (with its Composition,
//! as International Patient Summary viewers expect), encrypted under a fresh key; then the link
//! that carries the key and its QR code. No network here: `hosting` uploads the ciphertext.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use zeroize::Zeroizing;

use super::jwe;
use super::link::{format_link, new_key, ShlPayload};
use super::qr::{render, QrImage};
use super::selection::{select, Selection};
use crate::error::{Error, Result};
use crate::fhir;
use crate::model::{DateTimeOffset, Person, Record};

/// What a share sends and keeps: the ciphertext and the key it was made with.
pub struct Package {
    /// Compact JWE (`dir`, `A256GCM`, `zip: DEF`) of the Bundle.
    pub file: String,
    pub key: Zeroizing<[u8; 32]>,
    pub record_count: u32,
    /// Records of the selection left out because they are sensitive.
    pub left_out_sensitive: u32,
}

/// Never the key, nor the ciphertext (which with the key is the record).
impl std::fmt::Debug for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package")
            .field("file", &format_args!("<{} bytes>", self.file.len()))
            .field("key", &format_args!("<hidden>"))
            .field("record_count", &self.record_count)
            .field("left_out_sensitive", &self.left_out_sensitive)
            .finish()
    }
}

/// Selects from `records`, builds the document Bundle and encrypts it under a fresh key.
pub fn package(
    person: &Person,
    records: Vec<Record>,
    selection: &Selection,
    sensitive_codes: &[String],
    now: DateTimeOffset,
    bundle_id: &str,
) -> Result<Package> {
    let (chosen, left_out_sensitive) = select(records, selection, sensitive_codes);
    if chosen.is_empty() {
        return Err(Error::validation(
            "request",
            if left_out_sensitive > 0 {
                "selects only sensitive records; include them on purpose (include_sensitive) or choose others"
            } else {
                "selects no records; choose other kinds, records or days"
            },
        ));
    }
    let bundle = fhir::export_bundle(person, &chosen, now, bundle_id);
    let plaintext = Zeroizing::new(
        serde_json::to_vec(&bundle)
            .map_err(|e| Error::Storage(format!("could not encode: {e}")))?,
    );
    let key = Zeroizing::new(new_key()?);
    let file = jwe::encrypt(&plaintext, &key, Some("application/fhir+json"), true)?;
    Ok(Package {
        file,
        key,
        record_count: chosen.len() as u32,
        left_out_sensitive,
    })
}

/// The link forms and the QR of a share the host serves at `url`.
pub struct Link {
    /// `shlink:/…` alone.
    pub shlink: String,
    /// The viewer page's URL with the `shlink:/…` after `#`: what the QR holds, so a phone camera
    /// opens the viewer and the key never reaches the server.
    pub link: String,
    /// The link's flags, e.g. `U`, or `P` with a passcode.
    pub flag: String,
    pub qr: QrImage,
}

/// The links and the QR carry the key: only the viewer page and the QR's size are shown.
impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let viewer = self.link.split_once('#').map_or("", |(viewer, _)| viewer);
        f.debug_struct("Link")
            .field("shlink", &format_args!("\"<hidden>\""))
            .field("link", &format_args!("\"{viewer}#<hidden>\""))
            .field("flag", &self.flag)
            .field(
                "qr",
                &format_args!(
                    "<version {}, {} modules a side>",
                    self.qr.version, self.qr.size
                ),
            )
            .finish()
    }
}

pub fn link(
    url: &str,
    key: &[u8; 32],
    expires_at: i64,
    flag: &str,
    label: Option<&str>,
    viewer_url: &str,
) -> Result<Link> {
    let payload = ShlPayload {
        url: url.to_string(),
        key: URL_SAFE_NO_PAD.encode(key),
        exp: Some(expires_at),
        flag: flag.to_string(),
        label: label.map(str::to_string),
        v: None,
    };
    let shlink = format_link(&payload, None);
    let link = format_link(&payload, Some(viewer_url));
    let qr = render(&link)?;
    Ok(Link {
        shlink,
        link,
        flag: flag.to_string(),
        qr,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;
    use crate::model::time::vietnam_offset;
    use crate::sample::sample_family;
    use crate::share::reader::read_file;

    #[test]
    fn a_package_opens_with_its_key_into_the_same_records() {
        let family = sample_family(9, NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"));
        let owner = &family.people[0];
        let records: Vec<Record> = family
            .records
            .iter()
            .filter(|r| r.person_id() == owner.id && !r.sensitive())
            .take(200)
            .cloned()
            .collect();
        let now = vietnam_offset()
            .with_ymd_and_hms(2026, 11, 1, 9, 0, 0)
            .single()
            .expect("time");
        let packed = package(
            owner,
            records.clone(),
            &Selection::default(),
            &[],
            now,
            "b1",
        )
        .expect("package");
        assert_eq!(packed.record_count, 200);
        assert!(!packed.file.contains(&owner.full_name));
        let bundles = read_file(&packed.file, &packed.key[..]).expect("opens");
        assert_eq!(bundles.len(), 1);
        let bundle = &bundles[0];
        assert_eq!(bundle["type"], "document");
        assert_eq!(
            bundle["entry"][0]["resource"]["resourceType"],
            "Composition"
        );
        let plan = fhir::plan_import_value(bundle).expect("readable");
        assert_eq!(plan.records.len(), 200);
        assert_eq!(plan.patient.full_name, owner.full_name);

        // Another key does not open it.
        let other = [7u8; 32];
        assert!(matches!(
            read_file(&packed.file, &other),
            Err(Error::ShareUnreadable(_))
        ));
    }

    #[test]
    fn the_qr_of_a_default_share_stays_at_version_12_or_below() {
        // A default share has no label. With a host name as long as a ministry's and a
        // 43-character link id it fits version 12; so does a short label on a shorter host. Longer
        // labels grow the code (each character of Vietnamese about 2.7 modules' worth of bytes).
        let cases = [
            ("https://sosuckhoe.example.gov.vn", None, 12),
            ("https://api.sosuckhoe.vn", Some("Khám bệnh"), 12),
            (
                "https://api.sosuckhoe.vn",
                Some("Khám tại Bệnh viện Bạch Mai, khoa Nội"),
                14,
            ),
        ];
        for (host, label, most) in cases {
            let made = link(
                &format!("{host}/shl/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                &[9u8; 32],
                1_796_000_000,
                "U",
                label,
                &format!("{host}/view"),
            )
            .expect("link");
            assert!(made.link.starts_with(&format!("{host}/view#shlink:/")));
            assert!(made.shlink.starts_with("shlink:/"));
            assert!(
                made.qr.version <= most,
                "{host} {label:?}: {} bytes, version {}",
                made.link.len(),
                made.qr.version
            );
        }
    }
}
