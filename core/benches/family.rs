//! A family of five with full histories (the sample mother with eleven years of records, and four
//! children from newborn to seven with their vaccinations): the vaccination status of one child and
//! the family's reminders, each beside the store reads it needs, measured in the same run.
//! `cargo xtask bench` prints the results beside their expectation (≤ 1 ms each).

use std::sync::Arc;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use healthbook_core::model::{CalendarDate, Person, PersonRole, Record, RecordKind};
use healthbook_core::sample::sample_family;
use healthbook_core::{HealthBook, TimelineQuery};

const TODAY: (i32, u32, u32) = (2026, 11, 22);

fn today() -> CalendarDate {
    NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).expect("date")
}

/// The sample household (mother, a child of seven, a baby of ten months) and the two children of a
/// second sample household, re-linked to the same mother: five people, about 1,000 records.
fn family_of_five(dir: &std::path::Path) -> (Arc<HealthBook>, Vec<Person>) {
    let book = HealthBook::open(
        dir.join("family.db").to_string_lossy().into_owned(),
        vec![42u8; 32],
    )
    .expect("open");
    let first = sample_family(42, today());
    let second = sample_family(43, today());
    let mother = first.people[0].clone();
    let mut people = first.people.clone();
    for child in second
        .people
        .iter()
        .filter(|p| p.role == PersonRole::Dependant)
    {
        let mut child = child.clone();
        if let Some(link) = child.guardian.as_mut() {
            link.guardian_person_id = Some(mother.id.clone());
            link.name = mother.full_name.clone();
            link.personal_id = mother.personal_id.clone();
        }
        people.push(child);
    }
    for person in &people {
        book.add_person(person.clone()).expect("person");
    }
    let records: Vec<Record> = first
        .records
        .into_iter()
        .chain(
            second
                .records
                .into_iter()
                .filter(|r| r.person_id() != second.people[0].id),
        )
        .collect();
    book.add_records(records).expect("records");
    (book, people)
}

fn kinds(kinds: Vec<RecordKind>) -> TimelineQuery {
    TimelineQuery {
        kinds,
        limit: 500,
        ..TimelineQuery::default()
    }
}

fn family(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (book, people) = family_of_five(dir.path());
    let baby = people
        .iter()
        .filter(|p| p.role == PersonRole::Dependant)
        .max_by_key(|p| p.date_of_birth)
        .expect("a child")
        .id
        .clone();

    let mut group = c.benchmark_group("family_vaccination_status");
    group.bench_function("status", |b| {
        b.iter(|| {
            book.vaccination_status(baby.clone(), today())
                .expect("status")
        })
    });
    // Baseline: only reading the child's immunization records.
    group.bench_function("read_immunizations", |b| {
        b.iter(|| {
            book.timeline(baby.clone(), kinds(vec![RecordKind::Immunization]))
                .expect("timeline")
        })
    });
    group.finish();

    let mut group = c.benchmark_group("family_reminders");
    group.bench_function("reminders_30_days", |b| {
        b.iter(|| book.reminders(today(), 30).expect("reminders"))
    });
    // Baseline: reading everyone's records of the kinds reminders look at.
    group.bench_function("read_inputs", |b| {
        b.iter(|| {
            for person in &people {
                book.timeline(
                    person.id.clone(),
                    TimelineQuery {
                        from: today().checked_sub_days(chrono::Days::new(400)),
                        ..kinds(vec![
                            RecordKind::Appointment,
                            RecordKind::Referral,
                            RecordKind::Prescription,
                            RecordKind::Immunization,
                        ])
                    },
                )
                .expect("timeline");
            }
        })
    });
    group.finish();
}

criterion_group!(benches, family);
criterion_main!(benches);
