//! The schedule engine as a specification: cases worked out by hand from the embedded schedule
//! (TT 10/2024/TT-BYT as `core/data/schedules/vn-epi-2024.json` writes it), then the schedule
//! files' checks and the choice of the version in force.
//!
//! Most cases use a child born on 2025-01-15, whose ages fall on easy days:
//! 6 weeks = 2025-02-26, 2 months = 03-15, 3 months = 04-15, 4 months = 05-15, 5 months = 06-15,
//! 6 months = 07-15, 9 months = 10-15, 12 months = 2026-01-15, 18 months = 2026-07-15,
//! 7 years = 2032-01-15. 28 days after 03-15 is 04-12, after 04-15 is 05-13.

use chrono::NaiveDate;

use super::*;
use crate::model::*;
use crate::sample::sample_family;

fn day(text: &str) -> CalendarDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|_| panic!("test date {text}"))
}

const BORN: &str = "2025-01-15";

fn child(born: &str) -> Person {
    Person {
        id: "child-1".into(),
        role: PersonRole::Dependant,
        full_name: "Trần Minh An".into(),
        date_of_birth: day(born),
        sex: Sex::Male,
        personal_id: None,
        previous_personal_ids: vec![],
        ethnicity: None,
        nationality: None,
        occupation: None,
        address: None,
        insurance: None,
        blood_group: None,
        risk_factors: vec![],
        guardian: None,
    }
}

/// A vaccine as a record carries it: code, CVX and the antigens listed on the record.
struct Product {
    code: &'static str,
    cvx: Option<u32>,
    antigens: &'static [&'static str],
}

const fn product(code: &'static str, antigens: &'static [&'static str]) -> Product {
    Product {
        code,
        cvx: None,
        antigens,
    }
}

const HEPB_BIRTH: Product = product("VGB-SS", &["HepB"]);
const BCG: Product = product("BCG", &["BCG"]);
const PENTA: Product = product("DPT-VGB-Hib", &["DTP", "HepB", "Hib"]);
const HEXA: Product = product("HEXAXIM", &["DTP", "HepB", "Hib", "IPV"]);
const OPV: Product = product("bOPV", &["OPV"]);
const IPV: Product = product("IPV", &["IPV"]);
const ROTA: Product = product("ROTA", &["Rota"]);
const ROTARIX: Product = product("ROTARIX", &["Rota"]);
const MEASLES: Product = product("SOI", &["Measles"]);
const MR: Product = product("MR", &["Measles", "Rubella"]);
const DTP: Product = product("DPT", &["DTP"]);
const JE: Product = product("VNNB", &["JE"]);
const PNEUMO: Product = product("SYNFLORIX", &["Pneumo"]);
/// A 5-in-1 record with no antigen list, its code in lower case.
const PENTA_BY_CODE: Product = product("dpt-vgb-hib", &[]);
/// A record as a FHIR import may leave it: the product name as its only "antigen", and CVX 146.
const HEXA_BY_CVX: Product = Product {
    code: "Vắc xin 6 trong 1",
    cvx: Some(146),
    antigens: &["Vắc xin 6 trong 1"],
};
const DTP_NAMED_TWICE: Product = product("DPT", &["DTP", "dtp", "DPT"]);

struct Dose {
    product: &'static Product,
    date: &'static str,
    programme: ImmunizationProgramme,
}

fn epi(product: &'static Product, date: &'static str) -> Dose {
    Dose {
        product,
        date,
        programme: ImmunizationProgramme::Expanded,
    }
}

fn paid(product: &'static Product, date: &'static str) -> Dose {
    Dose {
        programme: ImmunizationProgramme::PaidService,
        ..epi(product, date)
    }
}

fn campaign(product: &'static Product, date: &'static str) -> Dose {
    Dose {
        programme: ImmunizationProgramme::Campaign,
        ..epi(product, date)
    }
}

/// The records of a case, with ids `r1`, `r2` … in the order listed.
fn records(doses: &[Dose]) -> Vec<Immunization> {
    doses
        .iter()
        .enumerate()
        .map(|(i, dose)| Immunization {
            id: format!("r{}", i + 1),
            person_id: "child-1".into(),
            source: RecordSource::Facility,
            sensitive: false,
            vaccine_code: dose.product.code.into(),
            vaccine_name: dose.product.code.into(),
            cvx: dose.product.cvx,
            antigens: dose
                .product
                .antigens
                .iter()
                .map(|a| a.to_string())
                .collect(),
            dose_number: None,
            date: day(dose.date),
            lot: None,
            facility: None,
            programme: dose.programme,
            reactions: None,
        })
        .collect()
}

fn given(date: &str, record_id: &str) -> DoseState {
    DoseState::Given {
        date: day(date),
        record_id: record_id.into(),
        late: false,
    }
}

fn given_late(date: &str, record_id: &str) -> DoseState {
    DoseState::Given {
        date: day(date),
        record_id: record_id.into(),
        late: true,
    }
}

fn due(from: &str, until: &str) -> DoseState {
    DoseState::Due {
        due_from: day(from),
        due_until: day(until),
    }
}

fn overdue(since: &str, closes_on: Option<&str>) -> DoseState {
    DoseState::Overdue {
        since: day(since),
        closes_on: closes_on.map(day),
    }
}

fn upcoming(earliest: &str, due_from: &str, due_until: &str) -> DoseState {
    DoseState::Upcoming {
        earliest: day(earliest),
        due_from: day(due_from),
        due_until: day(due_until),
    }
}

fn waiting(on_dose: u32, earliest: &str, due: &str) -> DoseState {
    DoseState::NotYetEligible {
        waits_on_dose: on_dose,
        projected_earliest: day(earliest),
        projected_due: day(due),
    }
}

fn closed(on: &str) -> DoseState {
    DoseState::NoLongerGiven { closed_on: day(on) }
}

fn below_minimum_age(earliest_valid: &str) -> FlagReason {
    FlagReason::BelowMinimumAge {
        earliest_valid: day(earliest_valid),
    }
}

fn interval_too_short(previous: &str, earliest_valid: &str) -> FlagReason {
    FlagReason::IntervalTooShort {
        previous_dose_date: day(previous),
        earliest_valid: day(earliest_valid),
    }
}

fn after_maximum_age(closed_on: &str) -> FlagReason {
    FlagReason::AfterMaximumAge {
        closed_on: day(closed_on),
    }
}

/// What a case expects of the answer. Antigens not named are not checked.
enum Expect {
    /// The state of dose `n` of an antigen.
    Dose(&'static str, u32, DoseState),
    /// The antigen's flagged doses, exactly: (record id, date, dose number, reason).
    Flagged(
        &'static str,
        Vec<(&'static str, &'static str, u32, FlagReason)>,
    ),
    /// The antigen's extra doses, exactly, by record id.
    Extra(&'static str, Vec<&'static str>),
    /// The records that count for no antigen of the schedule, exactly.
    Outside(Vec<&'static str>),
}

use Expect::{Dose as D, Extra, Flagged, Outside};

struct Case {
    name: &'static str,
    born: &'static str,
    doses: Vec<Dose>,
    on: &'static str,
    expect: Vec<Expect>,
}

fn cases() -> Vec<Case> {
    vec![
        // On the day of birth the birth dose is due for 24 hours (the day and the next, until
        // 01-16) and BCG within one month (until 02-15). DTP 1 counts from 6 weeks (02-26) and is
        // due at 2 months (03-15) for one month. DTP 2 waits on it: if DTP 1 is given on 02-26,
        // DTP 2 counts 28 days later (03-26); it is due at 3 months (04-15), later than 2 months +
        // 28 days (04-12). The first combination dose of hepatitis B (dose 2) does not wait for the
        // birth dose.
        Case {
            name: "newborn: birth doses due, two-month doses upcoming, later doses waiting",
            born: BORN,
            doses: vec![],
            on: BORN,
            expect: vec![
                D("HepB", 1, due(BORN, "2025-01-16")),
                D("BCG", 1, due(BORN, "2025-02-15")),
                D("DTP", 1, upcoming("2025-02-26", "2025-03-15", "2025-04-15")),
                D("DTP", 2, waiting(1, "2025-03-26", "2025-04-15")),
                D(
                    "HepB",
                    2,
                    upcoming("2025-02-26", "2025-03-15", "2025-04-15"),
                ),
            ],
        },
        // Three days old without the birth dose: its window ended on 01-16, so it is overdue
        // from 01-17 and closes at 7 days (01-22).
        Case {
            name: "birth dose missed: overdue until it closes at 7 days",
            born: BORN,
            doses: vec![],
            on: "2025-01-18",
            expect: vec![D("HepB", 1, overdue("2025-01-17", Some("2025-01-22")))],
        },
        // Ten days old: past the 7-day limit (01-22) the birth dose is no longer given, and the
        // combination doses are owed as before (dose 2 from 6 weeks, due at 2 months).
        Case {
            name: "birth dose missed: closed after 7 days, the combination doses still owed",
            born: BORN,
            doses: vec![],
            on: "2025-01-25",
            expect: vec![
                D("HepB", 1, closed("2025-01-22")),
                D(
                    "HepB",
                    2,
                    upcoming("2025-02-26", "2025-03-15", "2025-04-15"),
                ),
            ],
        },
        // The 5-in-1 at 2 months fills hepatitis B dose 2 (the birth dose slot closed on 01-22).
        // Dose 3 counts 28 days later (04-12) and is due at 3 months (04-15) for one month.
        Case {
            name: "birth dose missed: a 5-in-1 at two months is hepatitis B dose 2",
            born: BORN,
            doses: vec![epi(&PENTA, "2025-03-15")],
            on: "2025-03-20",
            expect: vec![
                D("HepB", 1, closed("2025-01-22")),
                D("HepB", 2, given("2025-03-15", "r1")),
                D(
                    "HepB",
                    3,
                    upcoming("2025-04-12", "2025-04-15", "2025-05-15"),
                ),
                Flagged("HepB", vec![]),
            ],
        },
        // Every dose on its recommended day. The DTP booster counts from 12 months (2026-01-15;
        // later than dose 3 + 6 months = 11-15) and is due at 18 months (2026-07-15). Rotavirus
        // was never given: due 03-15 to 04-15, overdue since 04-16, closing at 5 months (06-15);
        // dose 2 waits on it: 28 days after today (05-20) is 06-17.
        Case {
            name: "all on time to four months",
            born: BORN,
            doses: vec![
                epi(&HEPB_BIRTH, BORN),
                epi(&BCG, "2025-01-17"),
                epi(&PENTA, "2025-03-15"),
                epi(&OPV, "2025-03-15"),
                epi(&PENTA, "2025-04-15"),
                epi(&OPV, "2025-04-15"),
                epi(&PENTA, "2025-05-15"),
                epi(&OPV, "2025-05-15"),
            ],
            on: "2025-05-20",
            expect: vec![
                D("HepB", 1, given(BORN, "r1")),
                D("HepB", 2, given("2025-03-15", "r3")),
                D("HepB", 3, given("2025-04-15", "r5")),
                D("HepB", 4, given("2025-05-15", "r7")),
                D("BCG", 1, given("2025-01-17", "r2")),
                D("DTP", 1, given("2025-03-15", "r3")),
                D("DTP", 2, given("2025-04-15", "r5")),
                D("DTP", 3, given("2025-05-15", "r7")),
                D("DTP", 4, upcoming("2026-01-15", "2026-07-15", "2026-08-15")),
                D("Hib", 3, given("2025-05-15", "r7")),
                D("OPV", 1, given("2025-03-15", "r4")),
                D("OPV", 2, given("2025-04-15", "r6")),
                D("OPV", 3, given("2025-05-15", "r8")),
                D("IPV", 1, upcoming("2025-02-26", "2025-06-15", "2025-07-15")),
                D("Rota", 1, overdue("2025-04-16", Some("2025-06-15"))),
                D("Rota", 2, waiting(1, "2025-06-17", "2025-06-17")),
                Flagged("DTP", vec![]),
                Flagged("HepB", vec![]),
            ],
        },
        // Nothing given by 2025-12-01. BCG was due to 02-15, DTP 1 to 04-15, measles 1 to 11-15:
        // all overdue from the next day. Rotavirus closed at 5 months (06-15), dose 2 with it.
        // DTP 2 waits: DTP 1 given today at the earliest, DTP 2 28 days later (12-29), and
        // DTP 3 28 days after that (2026-01-26).
        Case {
            name: "everything late: overdue doses, closed rotavirus, later doses waiting",
            born: BORN,
            doses: vec![],
            on: "2025-12-01",
            expect: vec![
                D("BCG", 1, overdue("2025-02-16", None)),
                D("HepB", 1, closed("2025-01-22")),
                D("DTP", 1, overdue("2025-04-16", None)),
                D("DTP", 2, waiting(1, "2025-12-29", "2025-12-29")),
                D("DTP", 3, waiting(2, "2026-01-26", "2026-01-26")),
                D("Rota", 1, closed("2025-06-15")),
                D("Rota", 2, closed("2025-06-15")),
                D("Measles", 1, overdue("2025-11-16", None)),
            ],
        },
        // DTP 1 given on 04-20, after its window (03-15 to 04-15): late. DTP 2 counts from
        // 04-20 + 28 days = 05-18, later than 3 months (04-15), so it is due from 05-18 to 06-18.
        Case {
            name: "a late dose 1 moves dose 2",
            born: BORN,
            doses: vec![epi(&PENTA, "2025-04-20")],
            on: "2025-05-01",
            expect: vec![
                D("DTP", 1, given_late("2025-04-20", "r1")),
                D("DTP", 2, upcoming("2025-05-18", "2025-05-18", "2025-06-18")),
            ],
        },
        // The same child on 06-20: dose 2's moved window ended on 06-18.
        Case {
            name: "a late dose 1 moves dose 2: overdue after the moved window",
            born: BORN,
            doses: vec![epi(&PENTA, "2025-04-20")],
            on: "2025-06-20",
            expect: vec![D("DTP", 2, overdue("2025-06-19", None))],
        },
        // One 6-in-1 dose fills DTP 1, hepatitis B 2, Hib 1 and IPV 1 (IPV counts from 6 weeks).
        // IPV 2 counts 28 days later (04-12) and is due at 9 months (10-15).
        Case {
            name: "a 6-in-1 dose counts for DTP, hepatitis B, Hib and IPV",
            born: BORN,
            doses: vec![epi(&HEPB_BIRTH, BORN), paid(&HEXA, "2025-03-15")],
            on: "2025-03-20",
            expect: vec![
                D("DTP", 1, given("2025-03-15", "r2")),
                D("HepB", 1, given(BORN, "r1")),
                D("HepB", 2, given("2025-03-15", "r2")),
                D("Hib", 1, given("2025-03-15", "r2")),
                D("IPV", 1, given("2025-03-15", "r2")),
                D("IPV", 2, upcoming("2025-04-12", "2025-10-15", "2025-11-15")),
            ],
        },
        // Three 6-in-1 doses are three IPV doses; the schedule asks for two. The first two count,
        // the third 6-in-1 and the programme's IPV at 5 and 9 months are extra.
        Case {
            name: "a 6-in-1 series and the programme's IPV: IPV beyond two doses is extra",
            born: BORN,
            doses: vec![
                paid(&HEXA, "2025-03-15"),
                paid(&HEXA, "2025-04-15"),
                paid(&HEXA, "2025-05-15"),
                epi(&IPV, "2025-06-15"),
                epi(&IPV, "2025-10-15"),
            ],
            on: "2025-10-20",
            expect: vec![
                D("IPV", 1, given("2025-03-15", "r1")),
                D("IPV", 2, given("2025-04-15", "r2")),
                Extra("IPV", vec!["r3", "r4", "r5"]),
                Flagged("IPV", vec![]),
            ],
        },
        // The programme's 5-in-1 has no polio component: IPV 1 is still upcoming, due at 5 months.
        Case {
            name: "a 5-in-1 dose does not count for IPV",
            born: BORN,
            doses: vec![epi(&PENTA, "2025-03-15")],
            on: "2025-03-20",
            expect: vec![
                D("IPV", 1, upcoming("2025-02-26", "2025-06-15", "2025-07-15")),
                D("Hib", 1, given("2025-03-15", "r1")),
            ],
        },
        // Measles at 9 months is measles 1. MR at 18 months is measles 2 (more than 28 days
        // later, due at 18 months) and rubella 1 (from 9 months, due at 18 months): both on time.
        Case {
            name: "MR at 18 months is measles dose 2 and rubella dose 1",
            born: BORN,
            doses: vec![epi(&MEASLES, "2025-10-15"), epi(&MR, "2026-07-15")],
            on: "2026-07-20",
            expect: vec![
                D("Measles", 1, given("2025-10-15", "r1")),
                D("Measles", 2, given("2026-07-15", "r2")),
                D("Rubella", 1, given("2026-07-15", "r2")),
            ],
        },
        // A 5-in-1 at 5 weeks (02-20) is before the 6-week minimum age (02-26): flagged for DTP 1
        // and for hepatitis B dose 2 (the birth dose slot closed on 01-22), and not counted, so
        // DTP 1 is still owed as if nothing had been given.
        Case {
            name: "a dose below the minimum age is flagged, not counted, and still owed",
            born: BORN,
            doses: vec![epi(&PENTA, "2025-02-20")],
            on: "2025-03-01",
            expect: vec![
                Flagged(
                    "DTP",
                    vec![("r1", "2025-02-20", 1, below_minimum_age("2025-02-26"))],
                ),
                Flagged(
                    "HepB",
                    vec![("r1", "2025-02-20", 2, below_minimum_age("2025-02-26"))],
                ),
                D("DTP", 1, upcoming("2025-02-26", "2025-03-15", "2025-04-15")),
            ],
        },
        // DTP 2 on 04-01 is 17 days after DTP 1 (03-15); it counts from 04-12. Flagged, not
        // counted: DTP 2 is upcoming again, from 04-12, due at 3 months (04-15).
        Case {
            name: "an interval too short is flagged and the dose stays owed",
            born: BORN,
            doses: vec![epi(&PENTA, "2025-03-15"), epi(&PENTA, "2025-04-01")],
            on: "2025-04-05",
            expect: vec![
                Flagged(
                    "DTP",
                    vec![(
                        "r2",
                        "2025-04-01",
                        2,
                        interval_too_short("2025-03-15", "2025-04-12"),
                    )],
                ),
                D("DTP", 2, upcoming("2025-04-12", "2025-04-15", "2025-05-15")),
            ],
        },
        // The same, then a valid dose on 04-15: it is DTP 2, and DTP 3 counts from 05-13 and is
        // due at 4 months (05-15). The early dose stays flagged.
        Case {
            name: "after an interval too short the next valid dose fills the owed dose",
            born: BORN,
            doses: vec![
                epi(&PENTA, "2025-03-15"),
                epi(&PENTA, "2025-04-01"),
                epi(&PENTA, "2025-04-15"),
            ],
            on: "2025-04-20",
            expect: vec![
                D("DTP", 2, given("2025-04-15", "r3")),
                D("DTP", 3, upcoming("2025-05-13", "2025-05-15", "2025-06-15")),
                Flagged(
                    "DTP",
                    vec![(
                        "r2",
                        "2025-04-01",
                        2,
                        interval_too_short("2025-03-15", "2025-04-12"),
                    )],
                ),
            ],
        },
        // Rotavirus dose 1 closes at 5 months (06-15); a first dose on 06-20 is too late, the
        // series can no longer be finished, so dose 2 closes with it.
        Case {
            name: "rotavirus dose 1 after its maximum age is flagged and closes the series",
            born: BORN,
            doses: vec![epi(&ROTA, "2025-06-20")],
            on: "2025-06-25",
            expect: vec![
                D("Rota", 1, closed("2025-06-15")),
                D("Rota", 2, closed("2025-06-15")),
                Flagged(
                    "Rota",
                    vec![("r1", "2025-06-20", 1, after_maximum_age("2025-06-15"))],
                ),
            ],
        },
        // Rotavirus must be finished before 6 months (07-15): dose 2 on 07-20 does not count.
        Case {
            name: "rotavirus dose 2 after 6 months is flagged and no longer given",
            born: BORN,
            doses: vec![epi(&ROTA, "2025-03-15"), epi(&ROTA, "2025-07-20")],
            on: "2025-07-25",
            expect: vec![
                D("Rota", 1, given("2025-03-15", "r1")),
                D("Rota", 2, closed("2025-07-15")),
                Flagged(
                    "Rota",
                    vec![("r2", "2025-07-20", 2, after_maximum_age("2025-07-15"))],
                ),
            ],
        },
        // Rotavirus dose 2: due at 3 months (04-15) to 05-15, overdue since 05-16, and still
        // given until it closes at 6 months (07-15).
        Case {
            name: "rotavirus dose 2 overdue is still given until 6 months",
            born: BORN,
            doses: vec![epi(&ROTA, "2025-03-15")],
            on: "2025-06-01",
            expect: vec![D("Rota", 2, overdue("2025-05-16", Some("2025-07-15")))],
        },
        // Who gave the dose does not matter: a paid Rotarix dose and a campaign dose fill
        // rotavirus 1 and 2 (04-15 is 31 days after 03-15, on the due day).
        Case {
            name: "paid-service and campaign doses count like programme doses",
            born: BORN,
            doses: vec![paid(&ROTARIX, "2025-03-15"), campaign(&ROTA, "2025-04-15")],
            on: "2025-04-20",
            expect: vec![
                D("Rota", 1, given("2025-03-15", "r1")),
                D("Rota", 2, given("2025-04-15", "r2")),
            ],
        },
        // The record lists no antigen; its code (in any case) is the programme's 5-in-1 in the
        // schedule's vaccine table: DTP, hepatitis B and Hib.
        Case {
            name: "a record without antigens counts by its vaccine code",
            born: BORN,
            doses: vec![epi(&PENTA_BY_CODE, "2025-03-15")],
            on: "2025-03-20",
            expect: vec![
                D("DTP", 1, given("2025-03-15", "r1")),
                D("HepB", 2, given("2025-03-15", "r1")),
                D("Hib", 1, given("2025-03-15", "r1")),
                D("IPV", 1, upcoming("2025-02-26", "2025-06-15", "2025-07-15")),
                Outside(vec![]),
            ],
        },
        // The record's only "antigen" is a product name the schedule does not know, and so is its
        // code; CVX 146 is a 6-in-1 in the table, so it counts for IPV too.
        Case {
            name: "a record naming no known antigen counts by its CVX code",
            born: BORN,
            doses: vec![paid(&HEXA_BY_CVX, "2025-03-15")],
            on: "2025-03-20",
            expect: vec![
                D("DTP", 1, given("2025-03-15", "r1")),
                D("IPV", 1, given("2025-03-15", "r1")),
                Outside(vec![]),
            ],
        },
        // Pneumococcal vaccine is not in the table (timing unverified): the record counts for
        // nothing and is listed as outside the schedule; DTP 1 is still due.
        Case {
            name: "a vaccine the schedule leaves out is reported as outside it",
            born: BORN,
            doses: vec![paid(&PNEUMO, "2025-03-15")],
            on: "2025-03-20",
            expect: vec![
                Outside(vec!["r1"]),
                D("DTP", 1, due("2025-03-15", "2025-04-15")),
            ],
        },
        // Born 2010-03-01, asked on her 15th birthday (past the guardian age limit of 14): the
        // status is computed all the same. Td at 7 years (2017-03-01) was due to 2017-04-01.
        // Her only measles-containing dose is MR at 18 months: it fills measles 1 (due at 9
        // months, so late) and rubella 1 (on time); measles 2 counts 28 days after it (2011-09-29)
        // and was due then to 2011-10-29. Rotavirus closed at 5 months (2010-08-01).
        Case {
            name: "a child past 14: the status is still computed",
            born: "2010-03-01",
            doses: vec![epi(&HEPB_BIRTH, "2010-03-01"), epi(&MR, "2011-09-01")],
            on: "2025-03-01",
            expect: vec![
                D("HepB", 1, given("2010-03-01", "r1")),
                D("Td", 1, overdue("2017-04-02", None)),
                D("Measles", 1, given_late("2011-09-01", "r2")),
                D("Measles", 2, overdue("2011-10-30", None)),
                D("Rubella", 1, given("2011-09-01", "r2")),
                D("Rota", 1, closed("2010-08-01")),
            ],
        },
        // BCG is one dose; a second one is extra, not an error.
        Case {
            name: "a second BCG dose is extra",
            born: BORN,
            doses: vec![epi(&BCG, "2025-01-17"), epi(&BCG, "2025-06-01")],
            on: "2025-06-05",
            expect: vec![
                D("BCG", 1, given("2025-01-17", "r1")),
                Extra("BCG", vec!["r2"]),
                Flagged("BCG", vec![]),
            ],
        },
        // Japanese encephalitis: dose 1 at 12 months; dose 2 one to two weeks later (01-22 to
        // 01-29; given 01-25, on time); dose 3 one year after dose 2 (2027-01-25), on time for
        // one month.
        Case {
            name: "Japanese encephalitis: 12 months, 1-2 weeks later, 1 year later",
            born: BORN,
            doses: vec![epi(&JE, "2026-01-15"), epi(&JE, "2026-01-25")],
            on: "2026-02-01",
            expect: vec![
                D("JE", 1, given("2026-01-15", "r1")),
                D("JE", 2, given("2026-01-25", "r2")),
                D("JE", 3, upcoming("2027-01-25", "2027-01-25", "2027-02-25")),
            ],
        },
        // JE dose 2 three days after dose 1 is sooner than one week: flagged; dose 2 is owed
        // from 01-22 to 01-29.
        Case {
            name: "Japanese encephalitis dose 2 too soon is flagged",
            born: BORN,
            doses: vec![epi(&JE, "2026-01-15"), epi(&JE, "2026-01-18")],
            on: "2026-01-20",
            expect: vec![
                Flagged(
                    "JE",
                    vec![(
                        "r2",
                        "2026-01-18",
                        2,
                        interval_too_short("2026-01-15", "2026-01-22"),
                    )],
                ),
                D("JE", 2, upcoming("2026-01-22", "2026-01-22", "2026-01-29")),
            ],
        },
        // No JE dose at 12 months + 5 days: dose 1 is due (01-15 to 02-15). If given today
        // (01-20), dose 2 follows a week later (01-27), and dose 3 a year after that.
        Case {
            name: "Japanese encephalitis doses wait on the ones before",
            born: BORN,
            doses: vec![],
            on: "2026-01-20",
            expect: vec![
                D("JE", 1, due("2026-01-15", "2026-02-15")),
                D("JE", 2, waiting(1, "2026-01-27", "2026-01-27")),
                D("JE", 3, waiting(2, "2027-01-27", "2027-01-27")),
            ],
        },
        // Td at 7 years (2032-01-15), on time for one month.
        Case {
            name: "Td is due at seven years",
            born: BORN,
            doses: vec![],
            on: "2032-01-20",
            expect: vec![D("Td", 1, due("2032-01-15", "2032-02-15"))],
        },
        // A late primary series (09-01, 10-01, 11-01, each at least 28 days apart): dose 1 is
        // late, and each later dose, due 28 days after the one before, is on time. Then a DTP
        // booster on 2026-01-20: old enough (12 months is 2026-01-15) but only 2½ months after
        // dose 3; it counts from 6 months after it (2026-05-01). The booster is still due at 18
        // months (2026-07-15).
        Case {
            name: "the DTP booster too soon after dose 3 is flagged",
            born: BORN,
            doses: vec![
                epi(&PENTA, "2025-09-01"),
                epi(&PENTA, "2025-10-01"),
                epi(&PENTA, "2025-11-01"),
                epi(&DTP, "2026-01-20"),
            ],
            on: "2026-01-25",
            expect: vec![
                D("DTP", 1, given_late("2025-09-01", "r1")),
                D("DTP", 3, given("2025-11-01", "r3")),
                Flagged(
                    "DTP",
                    vec![(
                        "r4",
                        "2026-01-20",
                        4,
                        interval_too_short("2025-11-01", "2026-05-01"),
                    )],
                ),
                D("DTP", 4, upcoming("2026-05-01", "2026-07-15", "2026-08-15")),
            ],
        },
        // Measles at 8 months (09-15) is before the 9-month minimum age (10-15).
        Case {
            name: "measles before nine months is flagged",
            born: BORN,
            doses: vec![epi(&MEASLES, "2025-09-15")],
            on: "2025-09-20",
            expect: vec![
                Flagged(
                    "Measles",
                    vec![("r1", "2025-09-15", 1, below_minimum_age("2025-10-15"))],
                ),
                D(
                    "Measles",
                    1,
                    upcoming("2025-10-15", "2025-10-15", "2025-11-15"),
                ),
            ],
        },
        // A hepatitis B dose on day 10 is past the birth dose's 7 days (closed 01-22) and before
        // dose 2's 6 weeks (02-26): flagged against dose 2, which stays owed.
        Case {
            name: "a hepatitis B dose after the birth dose closed and before six weeks is flagged",
            born: BORN,
            doses: vec![epi(&HEPB_BIRTH, "2025-01-25")],
            on: "2025-01-26",
            expect: vec![
                D("HepB", 1, closed("2025-01-22")),
                Flagged(
                    "HepB",
                    vec![("r1", "2025-01-25", 2, below_minimum_age("2025-02-26"))],
                ),
                D(
                    "HepB",
                    2,
                    upcoming("2025-02-26", "2025-03-15", "2025-04-15"),
                ),
            ],
        },
        // A dose dated after the day asked is not given yet on that day: DTP 1 is due.
        Case {
            name: "doses after the day asked do not count yet",
            born: BORN,
            doses: vec![epi(&PENTA, "2025-04-15")],
            on: "2025-03-20",
            expect: vec![
                D("DTP", 1, due("2025-03-15", "2025-04-15")),
                Flagged("DTP", vec![]),
                Extra("DTP", vec![]),
            ],
        },
        // One record naming an antigen three ways (two spellings and an alias) is one dose.
        Case {
            name: "a record naming an antigen twice counts once",
            born: BORN,
            doses: vec![epi(&DTP_NAMED_TWICE, "2025-03-15")],
            on: "2025-03-20",
            expect: vec![
                D("DTP", 1, given("2025-03-15", "r1")),
                D("DTP", 2, upcoming("2025-04-12", "2025-04-15", "2025-05-15")),
                Extra("DTP", vec![]),
                Flagged("DTP", vec![]),
            ],
        },
    ]
}

fn antigen<'s>(status: &'s VaccinationStatus, name: &str) -> Option<&'s AntigenStatus> {
    status.antigens.iter().find(|a| a.antigen == name)
}

/// The differences between what `case` expects and what the engine answers.
fn check(case: &Case) -> Vec<String> {
    let status = match vaccination_status(&child(case.born), &records(&case.doses), day(case.on)) {
        Ok(status) => status,
        Err(error) => return vec![format!("no status: {error}")],
    };
    let mut wrong = Vec::new();
    for expect in &case.expect {
        let (name, found, wanted) = match expect {
            D(name, number, state) => {
                let found = antigen(&status, name)
                    .and_then(|a| a.doses.iter().find(|d| d.dose_number == *number))
                    .map(|d| format!("{:?}", d.state));
                (format!("{name} dose {number}"), found, format!("{state:?}"))
            }
            Flagged(name, doses) => {
                let found = antigen(&status, name).map(|a| {
                    let list: Vec<_> = a
                        .flagged
                        .iter()
                        .map(|f| (f.record_id.as_str(), f.date, f.dose_number, &f.reason))
                        .collect();
                    format!("{list:?}")
                });
                let wanted: Vec<_> = doses
                    .iter()
                    .map(|(id, date, number, reason)| (*id, day(date), *number, reason))
                    .collect();
                (format!("{name} flagged"), found, format!("{wanted:?}"))
            }
            Extra(name, ids) => {
                let found = antigen(&status, name).map(|a| {
                    let list: Vec<_> = a.extra.iter().map(|e| e.record_id.as_str()).collect();
                    format!("{list:?}")
                });
                (format!("{name} extra"), found, format!("{ids:?}"))
            }
            Outside(ids) => (
                "outside the schedule".to_string(),
                Some(format!("{:?}", status.outside_schedule)),
                format!("{ids:?}"),
            ),
        };
        if found.as_deref() != Some(wanted.as_str()) {
            wrong.push(format!("{name}: expected {wanted}, got {found:?}"));
        }
    }
    wrong
}

#[test]
fn hand_worked_cases_match_the_published_schedule() {
    let cases = cases();
    assert!(cases.len() >= 25, "{} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .flat_map(|case| {
            check(case)
                .into_iter()
                .map(move |wrong| format!("[{}] {wrong}", case.name))
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_dose_carries_its_due_day_until_given() {
    // Birth dose and two 5-in-1 doses on time, asked on 2025-05-20.
    let doses = [
        epi(&HEPB_BIRTH, BORN),
        epi(&PENTA, "2025-03-15"),
        epi(&PENTA, "2025-04-15"),
    ];
    let status = vaccination_status(&child(BORN), &records(&doses), day("2025-05-20"))
        .unwrap_or_else(|e| panic!("{e}"));
    for antigen in &status.antigens {
        for dose in &antigen.doses {
            assert_eq!(
                dose.due_on.is_some(),
                dose.state.is_owed(),
                "{} dose {}: {:?}",
                antigen.antigen,
                dose.dose_number,
                dose
            );
        }
    }
    // DTP 3 was due at 4 months (05-15) and is due now; BCG (due at birth) comes first.
    let owed = status.owed_doses();
    let first = owed
        .first()
        .map(|(a, d, due)| (a.antigen.as_str(), d.dose_number, *due));
    assert_eq!(first, Some(("BCG", 1, day(BORN))));
    assert!(owed
        .iter()
        .any(|(a, d, due)| a.antigen == "DTP" && d.dose_number == 3 && *due == day("2025-05-15")));
    assert!(owed.windows(2).all(|pair| pair[0].2 <= pair[1].2));
}

#[test]
fn a_day_before_birth_is_refused() {
    let answer = vaccination_status(&child(BORN), &[], day("2025-01-14"));
    assert_eq!(
        answer,
        Err(ScheduleError::BeforeBirth {
            on: day("2025-01-14"),
            born: day(BORN),
        })
    );
}

#[test]
fn the_embedded_schedule_starts_with_tt_10_2024() {
    // TT 10/2024/TT-BYT took effect on 2024-08-01; the book ships no earlier schedule.
    let before = vaccination_status(&child("2024-01-01"), &[], day("2024-07-31"));
    assert_eq!(
        before,
        Err(ScheduleError::NoScheduleInForce {
            on: day("2024-07-31"),
            first: Some(day("2024-08-01")),
        })
    );
    let from = vaccination_status(&child("2024-01-01"), &[], day("2024-08-01"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(from.schedule_id, "vn-epi");
    assert_eq!(from.schedule_version, "2024.1");
    assert!(from.schedule_source.contains("10/2024/TT-BYT"));
}

/// A small schedule of one antigen: version `version` from `valid_from`, with `doses` measles doses.
fn measles_schedule(version: &str, valid_from: &str, doses: u32) -> String {
    let dose = |n: u32| {
        if n == 1 {
            r#"{"dose": 1, "recommended_age": "P9M", "minimum_age": "P9M", "on_time_for": "P1M"}"#
                .to_string()
        } else {
            format!(
                r#"{{"dose": {n}, "recommended_age": "P18M", "minimum_interval": "P28D", "on_time_for": "P1M"}}"#
            )
        }
    };
    let doses: Vec<String> = (1..=doses).map(dose).collect();
    format!(
        r#"{{
            "id": "test-epi", "version": "{version}", "valid_from": "{valid_from}",
            "title_vi": "Thử", "title_en": "Test", "source": "test", "notes": [],
            "antigens": [{{"antigen": "Measles", "name_vi": "Sởi", "name_en": "Measles",
                          "doses": [{}]}}],
            "vaccines": [{{"codes": ["SOI"], "antigens": ["Measles"]}}]
        }}"#,
        doses.join(", ")
    )
}

#[test]
fn the_schedule_in_force_is_the_latest_one_valid_on_the_day() {
    let old = measles_schedule("1", "2020-01-01", 1);
    let new = measles_schedule("2", "2024-08-01", 2);
    // Given newest first: the order of the files does not matter.
    let schedules = Schedules::from_files(&[("new.json", &new), ("old.json", &old)])
        .unwrap_or_else(|e| panic!("{e}"));
    let born = child("2019-01-01");
    let version_on = |on: &str| {
        schedules
            .status(&born, &[], day(on))
            .map(|s| (s.schedule_version, s.antigens[0].doses.len()))
    };
    // The day before the new version: the old one, one measles dose.
    assert_eq!(version_on("2024-07-31"), Ok(("1".to_string(), 1)));
    // From its first day on: the new one, two doses.
    assert_eq!(version_on("2024-08-01"), Ok(("2".to_string(), 2)));
    assert_eq!(version_on("2030-01-01"), Ok(("2".to_string(), 2)));
    // Before the first version: none.
    assert_eq!(
        version_on("2019-12-31"),
        Err(ScheduleError::NoScheduleInForce {
            on: day("2019-12-31"),
            first: Some(day("2020-01-01")),
        })
    );
}

#[test]
fn two_versions_taking_effect_the_same_day_are_refused() {
    let a = measles_schedule("1", "2024-08-01", 1);
    let b = measles_schedule("2", "2024-08-01", 2);
    let answer = Schedules::from_files(&[("a.json", &a), ("b.json", &b)]);
    assert!(
        matches!(answer, Err(ScheduleError::InvalidData { .. })),
        "{answer:?}"
    );
}

#[test]
fn schedule_files_that_break_the_rules_are_refused_with_the_reason() {
    let good = measles_schedule("1", "2024-08-01", 2);
    let cases = [
        (
            "dose numbers out of order",
            good.replace(r#""dose": 2"#, r#""dose": 3"#),
            "numbered",
        ),
        (
            "a duration that is not ISO 8601",
            good.replace("P18M", "18 months"),
            "duration",
        ),
        (
            "a field the format does not know",
            good.replace(r#""on_time_for""#, r#""on_time""#),
            "unknown field",
        ),
        (
            "a vaccine counting for an unknown antigen",
            good.replace(r#""antigens": ["Measles"]"#, r#""antigens": ["Mumps"]"#),
            "Mumps",
        ),
        (
            "an alias used twice",
            good.replace(
                r#""name_en": "Measles","#,
                r#""name_en": "Measles", "aliases": ["measles"],"#,
            ),
            "unique",
        ),
        (
            "no valid_from",
            good.replace(r#""valid_from": "2024-08-01","#, ""),
            "valid_from",
        ),
    ];
    for (what, json, reason) in cases {
        match Schedules::from_files(&[("test.json", &json)]) {
            Err(ScheduleError::InvalidData { file, reason: said }) => {
                assert_eq!(file, "test.json", "{what}");
                assert!(said.contains(reason), "{what}: {said}");
            }
            other => panic!("{what}: accepted ({other:?})"),
        }
    }
}

#[test]
fn durations_are_read_as_calendar_years_months_weeks_and_days() {
    let from = day("2025-01-31");
    for (text, after) in [
        ("P0D", "2025-01-31"),
        ("P1D", "2025-02-01"),
        ("P6W", "2025-03-14"),
        ("P28D", "2025-02-28"),
        ("P1M", "2025-02-28"),
        ("P2M", "2025-03-31"),
        ("P1Y", "2026-01-31"),
        ("P1Y1M", "2026-02-28"),
        ("P7Y", "2032-01-31"),
    ] {
        let span = Span::parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(span.after(from), day(after), "{text}");
    }
    for wrong in [
        "", "P", "2M", "P2", "PM", "P1M2Y", "P1M1M", "P1H", "P-1D", "P2m",
    ] {
        assert!(Span::parse(wrong).is_err(), "{wrong:?} accepted");
    }
}

#[test]
fn the_embedded_table_leaves_out_pneumococcal_and_hpv_and_says_so() {
    let schedules = Schedules::embedded().unwrap_or_else(|e| panic!("{e}"));
    for schedule in schedules.versions() {
        for left_out in ["Pneumo", "PCV", "HPV"] {
            assert!(schedule.antigen_index(left_out).is_none(), "{left_out}");
        }
        let notes = schedule.notes.join(" ");
        assert!(notes.contains("pneumococcal") && notes.contains("HPV"));
        assert!(notes.contains("52/2025"), "TT 52/2025 is not mentioned");
        assert!(notes.contains("unverified"));
    }
}

#[test]
fn the_sample_vaccines_count_for_the_antigens_their_records_name() {
    // Every vaccine code of the synthetic family that the table knows lists the same antigens
    // as the family's records carry (within the schedule), so records without antigens count alike.
    let schedules = Schedules::embedded().unwrap_or_else(|e| panic!("{e}"));
    let today = day("2026-11-22");
    let schedule = schedules
        .in_force_on(today)
        .unwrap_or_else(|e| panic!("{e}"));
    let family = sample_family(42, today);
    let mut seen = 0;
    for record in &family.records {
        let Record::Immunization { immunization } = record else {
            continue;
        };
        let mut named: Vec<usize> = immunization
            .antigens
            .iter()
            .filter_map(|a| schedule.antigen_index(a))
            .collect();
        let Some(product) = schedule.product(&immunization.vaccine_code, None) else {
            assert!(named.is_empty(), "{} is missing", immunization.vaccine_code);
            continue;
        };
        let mut listed: Vec<usize> = product
            .antigens
            .iter()
            .filter_map(|a| schedule.antigen_index(a))
            .collect();
        named.sort_unstable();
        listed.sort_unstable();
        assert_eq!(named, listed, "{}", immunization.vaccine_code);
        seen += 1;
    }
    assert!(seen > 20, "{seen} scheduled doses in the sample family");
}

/// The synthetic family's children on one day, with their immunization records.
fn sample_children(today: CalendarDate) -> Vec<(Person, Vec<Immunization>)> {
    let family = sample_family(42, today);
    family.people[1..]
        .iter()
        .map(|child| {
            let doses = family
                .records
                .iter()
                .filter_map(|record| match record {
                    Record::Immunization { immunization } if immunization.person_id == child.id => {
                        Some(immunization.clone())
                    }
                    _ => None,
                })
                .collect();
            (child.clone(), doses)
        })
        .collect()
}

#[test]
fn every_dose_of_the_sample_children_is_counted_flagged_or_extra_once() {
    let today = day("2026-11-22");
    let schedule = Schedules::embedded()
        .and_then(|s| s.in_force_on(today))
        .unwrap_or_else(|e| panic!("{e}"));
    for (child, doses) in sample_children(today) {
        let status = vaccination_status(&child, &doses, today).unwrap_or_else(|e| panic!("{e}"));
        for antigen in &status.antigens {
            let mut accounted: Vec<&str> = antigen
                .doses
                .iter()
                .filter_map(|d| match &d.state {
                    DoseState::Given { record_id, .. } => Some(record_id.as_str()),
                    _ => None,
                })
                .chain(antigen.flagged.iter().map(|f| f.record_id.as_str()))
                .chain(antigen.extra.iter().map(|e| e.record_id.as_str()))
                .collect();
            let index = schedule.antigen_index(&antigen.antigen);
            let mut recorded: Vec<&str> = doses
                .iter()
                .filter(|d| {
                    d.antigens
                        .iter()
                        .any(|a| schedule.antigen_index(a) == index)
                })
                .map(|d| d.id.as_str())
                .collect();
            accounted.sort_unstable();
            recorded.sort_unstable();
            assert_eq!(
                accounted, recorded,
                "{} {}",
                child.full_name, antigen.antigen
            );
            for dose in &antigen.doses {
                assert_eq!(dose.due_on.is_some(), dose.state.is_owed(), "{dose:?}");
            }
        }
        let outside = doses.iter().filter(|d| {
            d.antigens
                .iter()
                .all(|a| schedule.antigen_index(a).is_none())
        });
        assert_eq!(
            status.outside_schedule,
            outside.map(|d| d.id.clone()).collect::<Vec<_>>()
        );
    }
}

#[test]
fn the_younger_sample_child_has_a_6_in_1_as_first_ipv_dose_and_an_extra_ipv() {
    // The baby's first DTP-HepB-Hib dose is a paid 6-in-1 at 2 months: it is IPV dose 1 and
    // hepatitis B dose 2. The programme's IPV at 5 months is then IPV dose 2 and the one at
    // 9 months is extra.
    let today = day("2026-11-22");
    let children = sample_children(today);
    let Some((baby, doses)) = children.last() else {
        panic!("the sample family has two children");
    };
    let status = vaccination_status(baby, doses, today).unwrap_or_else(|e| panic!("{e}"));
    let with_code = |code: &str| -> Vec<String> {
        doses
            .iter()
            .filter(|d| d.vaccine_code == code)
            .map(|d| d.id.clone())
            .collect()
    };
    let six_in_one: Vec<String> = doses
        .iter()
        .filter(|d| d.antigens.len() == 4)
        .map(|d| d.id.clone())
        .collect();
    assert_eq!(six_in_one.len(), 1);
    let programme_ipv = with_code("IPV");
    assert_eq!(programme_ipv.len(), 2);
    let ipv = antigen(&status, "IPV").unwrap_or_else(|| panic!("IPV"));
    let given: Vec<&DoseState> = ipv.doses.iter().map(|d| &d.state).collect();
    assert!(matches!(given[0], DoseState::Given { record_id, .. } if *record_id == six_in_one[0]));
    assert!(
        matches!(given[1], DoseState::Given { record_id, .. } if *record_id == programme_ipv[0])
    );
    let extra: Vec<String> = ipv.extra.iter().map(|e| e.record_id.clone()).collect();
    assert_eq!(extra, programme_ipv[1..]);
    let hepb = antigen(&status, "HepB").unwrap_or_else(|| panic!("HepB"));
    assert!(
        matches!(&hepb.doses[1].state, DoseState::Given { record_id, .. } if *record_id == six_in_one[0])
    );
}
