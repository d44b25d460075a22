//! Importing a large FHIR Bundle: planning (`fhir::plan_import`) a document of about 30 MB beside
//! one a tenth its size, made of the sample mother's eleven years of records repeated. Planning
//! (the JSON read included, as `import_fhir` does it) is linear in the size of the bundle, so the
//! large one takes about ten times as long (a little more: the small one fits the CPU's caches
//! better); `cargo xtask bench` prints the ratio beside its expectation. When import scanned every
//! entry for each Encounter, the ratio was 261.

use std::time::Duration;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use healthbook_core::fhir;
use healthbook_core::model::{time::vietnam_offset, CalendarDate, Record};
use healthbook_core::sample::sample_family;

const TODAY: (i32, u32, u32) = (2026, 11, 22);
/// The large bundle's size in MB, roughly; the small one is a tenth of it. `HEALTHBOOK_IMPORT_MB`
/// sets another (a quadratic build of the planner would take minutes at 30 MB).
const LARGE_MB: usize = 30;

fn today() -> CalendarDate {
    NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).expect("date")
}

/// The sample mother's records, repeated (with fresh ids) until the exported document is about
/// `bytes` long; the document's JSON and how many resources it holds.
fn bundle_of(bytes: usize) -> (String, u64) {
    let family = sample_family(42, today());
    let mother = family.people[0].clone();
    let own: Vec<Record> = family
        .records
        .iter()
        .filter(|r| r.person_id() == mother.id)
        .cloned()
        .collect();
    let generated_at = chrono::DateTime::parse_from_rfc3339("2026-11-22T09:00:00+07:00")
        .expect("instant")
        .with_timezone(&vietnam_offset());
    let size_of = |copies: usize| -> (String, u64) {
        let records: Vec<Record> = (0..copies)
            .flat_map(|copy| {
                own.iter().map(move |record| {
                    let mut record = record.clone();
                    record.set_id(format!("{}-c{copy}", record.id()));
                    record
                })
            })
            .collect();
        let bundle = fhir::export_bundle(&mother, &records, generated_at, "bench-import");
        let resources = bundle["entry"].as_array().map_or(0, Vec::len) as u64;
        (bundle.to_string(), resources)
    };
    let (one, _) = size_of(1);
    let copies = (bytes / one.len().max(1)).max(1);
    size_of(copies)
}

fn import(c: &mut Criterion) {
    let mut group = c.benchmark_group("import_large_bundle");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4));
    let large = std::env::var("HEALTHBOOK_IMPORT_MB")
        .ok()
        .and_then(|mb| mb.parse::<usize>().ok())
        .filter(|mb| *mb > 0)
        .unwrap_or(LARGE_MB)
        * 1024
        * 1024;
    for (name, bytes) in [("small", large / 10), ("large", large)] {
        let (json, resources) = bundle_of(bytes);
        eprintln!(
            "import_large_bundle/{name}: {:.1} MB, {resources} resources",
            json.len() as f64 / 1e6
        );
        group.throughput(Throughput::Bytes(json.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| fhir::plan_import(&json).expect("the bundle plans"))
        });
    }
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
