//! Store benchmarks, each run on an encrypted book and, in the same run, on an unencrypted one
//! (SQLCipher with no key) so the cost of encryption is measured, not assumed.
//! `cargo xtask bench` runs these and prints the encrypted/unencrypted ratios.

use std::path::Path;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use healthbook_core::model::{Person, Record};
use healthbook_core::sample::{bulk_records, sample_family};
use healthbook_core::store::records::{TimelineFilter, WriteMode};
use healthbook_core::store::{BookKey, Store};

const BOOK_SIZE: usize = 20_000;
const INSERT_COUNT: usize = 10_000;
const PAGE: usize = 50;

#[derive(Clone, Copy)]
enum Mode {
    Encrypted,
    Unencrypted,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Encrypted => "encrypted",
            Mode::Unencrypted => "unencrypted",
        }
    }

    fn open(self, path: &Path) -> Store {
        let result = match self {
            Mode::Encrypted => {
                BookKey::from_bytes("key", vec![42u8; 32]).and_then(|key| Store::open(path, &key))
            }
            Mode::Unencrypted => Store::open_unencrypted(path),
        };
        result.expect("open store")
    }
}

fn owner() -> Person {
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
    let family = sample_family(42, today);
    family
        .people
        .into_iter()
        .next()
        .expect("the sample family has an owner")
}

/// A book with the owner and `count` records, on disk in `dir`.
fn filled_book(mode: Mode, dir: &Path, owner: &Person, count: usize) -> Store {
    let store = mode.open(&dir.join("book.db"));
    store.put_person(owner, true).expect("owner");
    let mut records = bulk_records(owner, count, 7);
    store
        .put_records(&mut records, WriteMode::Insert)
        .expect("records");
    store
}

fn first_page() -> TimelineFilter {
    TimelineFilter {
        kinds: vec![],
        from_ms: None,
        until_ms: None,
        limit: PAGE,
        after: None,
    }
}

fn benches(c: &mut Criterion) {
    let owner = owner();
    let modes = [Mode::Encrypted, Mode::Unencrypted];

    let mut group = c.benchmark_group("insert_10k_records");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(INSERT_COUNT as u64));
    let records: Vec<Record> = bulk_records(&owner, INSERT_COUNT, 11);
    for mode in modes {
        group.bench_function(BenchmarkId::from_parameter(mode.name()), |b| {
            b.iter_batched(
                || {
                    let dir = tempfile::tempdir().expect("temp dir");
                    let store = mode.open(&dir.path().join("book.db"));
                    store.put_person(&owner, true).expect("owner");
                    (dir, store, records.clone())
                },
                |(dir, store, mut batch)| {
                    store
                        .put_records(&mut batch, WriteMode::Insert)
                        .expect("insert");
                    (dir, store)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();

    let books: Vec<(Mode, tempfile::TempDir, Store)> = modes
        .into_iter()
        .map(|mode| {
            let dir = tempfile::tempdir().expect("temp dir");
            let store = filled_book(mode, dir.path(), &owner, BOOK_SIZE);
            (mode, dir, store)
        })
        .collect();

    let mut group = c.benchmark_group("timeline_page_50_of_20k");
    for (mode, _, store) in &books {
        group.bench_function(BenchmarkId::new("first_page", mode.name()), |b| {
            b.iter(|| store.timeline(&owner.id, &first_page()).expect("page"))
        });
        // A page deep in the book, reached by its cursor, costs the same as the first: keyset paging.
        let mut filter = first_page();
        filter.limit = BOOK_SIZE / 2;
        let (_, middle) = store.timeline(&owner.id, &filter).expect("middle");
        let deep = TimelineFilter {
            after: middle,
            ..first_page()
        };
        group.bench_function(BenchmarkId::new("deep_page", mode.name()), |b| {
            b.iter(|| store.timeline(&owner.id, &deep).expect("page"))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("search_20k");
    for (mode, _, store) in &books {
        group.bench_function(BenchmarkId::new("viem_phoi", mode.name()), |b| {
            b.iter(|| store.search(&owner.id, "viem phoi", 20).expect("search"))
        });
    }
    group.finish();

    let paths: Vec<(Mode, std::path::PathBuf)> = books
        .into_iter()
        .map(|(mode, dir, store)| {
            drop(store);
            (mode, dir.keep())
        })
        .collect();
    let mut group = c.benchmark_group("open_20k_book");
    for (mode, dir) in &paths {
        group.bench_function(BenchmarkId::from_parameter(mode.name()), |b| {
            b.iter(|| mode.open(&dir.join("book.db")))
        });
    }
    group.finish();
    for (_, dir) in paths {
        std::fs::remove_dir_all(dir).ok();
    }
}

criterion_group!(store_benches, benches);
criterion_main!(store_benches);
