//! Checks that the sample family and bulk records are deterministic, valid against the model's
//! rules and shaped as their documentation says.

use std::collections::HashSet;

use chrono::NaiveDate;

use super::make::age_months;
use super::*;
use crate::model::time::vn_date;
use crate::model::*;

fn date(year: i32, month: u32, day: u32) -> CalendarDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

fn today() -> CalendarDate {
    date(2026, 11, 22)
}

/// Several seeds and days, including a leap day, so validity is not luck of one draw.
fn families() -> Vec<(CalendarDate, SampleFamily)> {
    let days = [today(), date(2024, 2, 29), date(2031, 6, 15)];
    let mut out = Vec::new();
    for seed in [0, 1, 42, 7_777, u64::MAX] {
        for day in days {
            out.push((day, sample_family(seed, day)));
        }
    }
    out
}

fn person<'a>(family: &'a SampleFamily, id: &str) -> Option<&'a Person> {
    family.people.iter().find(|p| p.id == id)
}

fn plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

#[test]
fn same_seed_gives_the_same_family() {
    assert_eq!(
        format!("{:?}", sample_family(42, today())),
        format!("{:?}", sample_family(42, today()))
    );
}

#[test]
fn different_seeds_give_different_records() {
    let a = sample_family(42, today());
    let b = sample_family(43, today());
    assert_ne!(a.people, b.people);
    let strip = |f: &SampleFamily| {
        f.records
            .iter()
            .map(Record::search_text)
            .collect::<Vec<_>>()
    };
    assert_ne!(strip(&a), strip(&b));
}

#[test]
fn every_person_validates() {
    for (day, family) in families() {
        for p in &family.people {
            assert_eq!(p.validate(), Ok(()), "{} on {day}", p.id);
        }
    }
}

#[test]
fn every_record_validates_against_its_person() {
    for (day, family) in families() {
        for record in &family.records {
            let Some(p) = person(&family, record.person_id()) else {
                panic!("record {} belongs to no person of the family", record.id());
            };
            assert_eq!(
                record.validate(p),
                Ok(()),
                "{} on {day}: {record:?}",
                record.id()
            );
        }
    }
}

#[test]
fn owner_comes_first_and_children_follow() {
    let family = sample_family(42, today());
    let roles: Vec<PersonRole> = family.people.iter().map(|p| p.role).collect();
    assert_eq!(
        roles,
        [
            PersonRole::Owner,
            PersonRole::Dependant,
            PersonRole::Dependant
        ]
    );
}

#[test]
fn children_are_guardian_linked_to_the_owner() {
    let family = sample_family(42, today());
    let owner = &family.people[0];
    for child in &family.people[1..] {
        let Some(link) = &child.guardian else {
            panic!("{} has no guardian", child.id)
        };
        assert_eq!(link.guardian_person_id.as_deref(), Some(owner.id.as_str()));
        assert_eq!(link.relation, GuardianRelation::Mother);
        assert_eq!(link.name, owner.full_name);
        assert_eq!(link.personal_id, owner.personal_id);
        assert!(link.phone.is_some());
    }
}

#[test]
fn younger_child_is_under_a_year_and_older_about_seven() {
    for (day, family) in families() {
        let older = age_months(family.people[1].date_of_birth, day);
        let younger = age_months(family.people[2].date_of_birth, day);
        assert!(
            (84..=87).contains(&older),
            "older child is {older} months on {day}"
        );
        assert!(
            (9..12).contains(&younger),
            "younger child is {younger} months on {day}"
        );
    }
}

#[test]
fn nothing_is_dated_after_today_but_the_booked_appointment() {
    for (day, family) in families() {
        for record in &family.records {
            let booked = matches!(record, Record::Appointment { appointment } if appointment.status == AppointmentStatus::Booked);
            if !booked {
                assert!(
                    vn_date(&record.at()) <= day,
                    "{} is after {day}: {record:?}",
                    record.id()
                );
            }
        }
    }
}

#[test]
fn one_appointment_is_booked_within_weeks_after_today() {
    for (day, family) in families() {
        let booked: Vec<CalendarDate> = family
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Appointment { appointment }
                    if appointment.status == AppointmentStatus::Booked =>
                {
                    Some(appointment.appointment_date)
                }
                _ => None,
            })
            .collect();
        assert_eq!(booked.len(), 1, "on {day}");
        let days_ahead = (booked[0] - day).num_days();
        assert!(
            (1..=35).contains(&days_ahead),
            "booked {days_ahead} days after {day}"
        );
    }
}

#[test]
fn record_and_person_ids_are_unique_and_plain() {
    let family = sample_family(u64::MAX, today());
    let mut seen = HashSet::new();
    let people = family.people.iter().map(|p| p.id.as_str());
    for id in people.chain(family.records.iter().map(Record::id)) {
        assert!(plain_id(id), "{id}");
        assert!(seen.insert(id.to_owned()), "{id} repeats");
    }
}

#[test]
fn family_has_several_hundred_records_of_every_kind() {
    let family = sample_family(42, today());
    assert!(
        family.records.len() >= 300,
        "{} records",
        family.records.len()
    );
    for kind in RecordKind::ALL {
        assert!(
            family.records.iter().any(|r| r.kind() == kind),
            "no {kind:?}"
        );
    }
}

#[test]
fn every_person_has_records() {
    let family = sample_family(42, today());
    for p in &family.people {
        assert!(
            family
                .records
                .iter()
                .filter(|r| r.person_id() == p.id)
                .count()
                >= 20,
            "{}",
            p.id
        );
    }
}

#[test]
fn a_sensitive_diagnosis_is_marked() {
    let family = sample_family(42, today());
    let sensitive: Vec<&Record> = family.records.iter().filter(|r| r.sensitive()).collect();
    assert!(!sensitive.is_empty());
    assert!(sensitive
        .iter()
        .all(|r| r.person_id() == family.people[0].id));
}

#[test]
fn younger_child_has_a_paid_six_in_one_dose() {
    let family = sample_family(42, today());
    let younger = &family.people[2].id;
    let six_in_one = family.records.iter().any(|r| match r {
        Record::Immunization { immunization } => {
            &immunization.person_id == younger
                && immunization.programme == ImmunizationProgramme::PaidService
                && ["DTP", "HepB", "Hib", "IPV"]
                    .iter()
                    .all(|a| immunization.antigens.iter().any(|x| x == a))
        }
        _ => false,
    });
    assert!(six_in_one);
}

#[test]
fn younger_child_hepatitis_b_birth_dose_is_on_the_birth_day() {
    let family = sample_family(42, today());
    let younger = &family.people[2];
    let birth_dose = family.records.iter().find_map(|r| match r {
        Record::Immunization { immunization }
            if immunization.person_id == younger.id && immunization.vaccine_code == "VGB-SS" =>
        {
            Some(immunization.date)
        }
        _ => None,
    });
    assert_eq!(birth_dose, Some(younger.date_of_birth));
}

#[test]
fn bulk_records_come_in_the_asked_number_with_plain_unique_ids() {
    let owner = sample_family(42, today()).people.remove(0);
    let records = bulk_records(&owner, 2_000, 7);
    assert_eq!(records.len(), 2_000);
    let ids: HashSet<&str> = records.iter().map(Record::id).collect();
    assert_eq!(ids.len(), 2_000);
    assert!(ids
        .iter()
        .all(|id| plain_id(id) && id.starts_with("bulk-7-")));
}

#[test]
fn bulk_records_validate_for_an_adult_and_a_baby() {
    let family = sample_family(42, today());
    for p in [&family.people[0], &family.people[2]] {
        for record in bulk_records(p, 3_000, 11) {
            assert_eq!(record.validate(p), Ok(()), "{record:?}");
            assert_eq!(record.person_id(), p.id);
        }
    }
}

#[test]
fn bulk_records_mix_every_kind() {
    let owner = sample_family(1, today()).people.remove(0);
    let records = bulk_records(&owner, 1_000, 3);
    for kind in RecordKind::ALL {
        assert!(records.iter().any(|r| r.kind() == kind), "no {kind:?}");
    }
}

#[test]
fn bulk_records_are_deterministic_for_a_seed() {
    let owner = sample_family(1, today()).people.remove(0);
    assert_eq!(bulk_records(&owner, 500, 9), bulk_records(&owner, 500, 9));
    assert_ne!(bulk_records(&owner, 500, 9), bulk_records(&owner, 500, 10));
}

#[test]
fn bulk_records_of_zero_is_empty() {
    let owner = sample_family(1, today()).people.remove(0);
    assert!(bulk_records(&owner, 0, 1).is_empty());
}
