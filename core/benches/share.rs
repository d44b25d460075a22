//! A share of 200 records, without the network: making it (Bundle with Composition, DEFLATE,
//! AES-256-GCM, link, QR as SVG and PNG) and opening it (decrypt, inflate, parse, map to records),
//! each beside the plain FHIR work it wraps, measured in the same run. `cargo xtask bench` prints
//! them beside their expectations (create ≤ 20 ms, open ≤ 10 ms).

use chrono::{NaiveDate, TimeZone};
use criterion::{criterion_group, criterion_main, Criterion};
use healthbook_core::fhir;
use healthbook_core::model::time::vietnam_offset;
use healthbook_core::model::Record;
use healthbook_core::sample::sample_family;
use healthbook_core::share::package::{link, package};
use healthbook_core::share::reader::read_file;
use healthbook_core::share::selection::Selection;

const RECORDS: usize = 200;

fn share(c: &mut Criterion) {
    let family = sample_family(42, NaiveDate::from_ymd_opt(2026, 11, 22).expect("date"));
    let owner = family.people[0].clone();
    let records: Vec<Record> = family
        .records
        .iter()
        .filter(|r| r.person_id() == owner.id && !r.sensitive())
        .rev()
        .take(RECORDS)
        .cloned()
        .collect();
    assert_eq!(records.len(), RECORDS);
    let now = vietnam_offset()
        .with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
        .single()
        .expect("time");
    let url = "https://api.sosuckhoe.vn/shl/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let viewer = "https://api.sosuckhoe.vn/view";

    let mut group = c.benchmark_group("share_200_records");
    group.bench_function("create", |b| {
        b.iter(|| {
            let packed = package(
                &owner,
                records.clone(),
                &Selection::default(),
                &[],
                now,
                "b",
            )
            .expect("package");
            let made = link(
                url,
                &packed.key,
                1_796_000_000,
                "U",
                Some("Khám bệnh"),
                viewer,
            )
            .expect("link");
            (made.qr.to_svg(8), made.qr.to_png(8), packed.file)
        })
    });
    // Baseline: only the FHIR document Bundle, serialized.
    group.bench_function("bundle_only", |b| {
        b.iter(|| {
            serde_json::to_vec(&fhir::export_bundle(&owner, &records, now, "b")).expect("json")
        })
    });

    let packed = package(
        &owner,
        records.clone(),
        &Selection::default(),
        &[],
        now,
        "b",
    )
    .expect("package");
    let plaintext =
        serde_json::to_vec(&fhir::export_bundle(&owner, &records, now, "b")).expect("json");
    group.bench_function("open", |b| {
        b.iter(|| {
            let bundles = read_file(&packed.file, &packed.key[..]).expect("opens");
            fhir::plan_import_value(&bundles[0]).expect("records")
        })
    });
    // Baseline: parsing and mapping the same Bundle unencrypted.
    group.bench_function("parse_only", |b| {
        b.iter(|| {
            let bundle: serde_json::Value = serde_json::from_slice(&plaintext).expect("json");
            fhir::plan_import_value(&bundle).expect("records")
        })
    });
    group.finish();
}

criterion_group!(benches, share);
criterion_main!(benches);
