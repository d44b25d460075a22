//! The sample household: a mother who owns the book and her two children, with identifiers that
//! agree with their birth year and sex, insurance cards of the right group and guardian links.

use chrono::{Datelike, NaiveDate};

use super::make::{add_days, sub_months, Build};
use super::rng::SplitMix64;
use super::vocab::{BOYS_GIVEN, DONG_DA, GIRLS_GIVEN, OCCUPATIONS, STREETS, SURNAMES, WOMEN_GIVEN};
use crate::model::*;

/// Hà Nội: province 001 in personal ids, 01 in insurance numbers and facility codes.
const HA_NOI_ID_PROVINCE: u32 = 1;
const HA_NOI_PROVINCE: &str = "01";
/// Phường Láng after the 2025 merger of communes.
const COMMUNE_CODE: &str = "00199";

pub(crate) struct Household {
    pub owner: Person,
    pub owner_build: Build,
    /// The older child first.
    pub children: [(Person, Build); 2],
}

pub(crate) fn person_id(seed: u64, n: u32) -> String {
    format!("sample-{seed}-p{n}")
}

/// The 12-digit personal id: province of birth registration, century and sex, year, six digits.
fn personal_id(rng: &mut SplitMix64, born: CalendarDate, sex: Sex) -> String {
    // 0/1 for the 1900s, 2/3 for the 2000s …: even for men, odd for women.
    let century = (born.year() - 1900).max(0) / 100;
    let digit = century * 2 + i32::from(sex == Sex::Female);
    format!(
        "{HA_NOI_ID_PROVINCE:03}{digit}{:02}{}",
        born.year() % 100,
        rng.digits(6)
    )
}

/// A legacy 15-character BHYT card number: group, benefit level, province, social insurance number.
fn card_number(rng: &mut SplitMix64, group: &str, benefit: u8) -> String {
    format!("{group}{benefit}{HA_NOI_PROVINCE}{}", rng.digits(10))
}

fn year_bounds(year: i32) -> (CalendarDate, CalendarDate) {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(first);
    (first, last)
}

fn blood_group(rng: &mut SplitMix64) -> BloodGroup {
    // Vietnam: about 42% O, 30% B, 21% A, 6% AB; Rh negative is rare (well under 1%).
    let abo = match rng.below(100) {
        0..=41 => AboGroup::O,
        42..=71 => AboGroup::B,
        72..=92 => AboGroup::A,
        _ => AboGroup::Ab,
    };
    let rh = if rng.chance(1) {
        RhFactor::Negative
    } else {
        RhFactor::Positive
    };
    BloodGroup { abo, rh }
}

pub(crate) fn household(seed: u64, today: CalendarDate) -> Household {
    let mut rng = SplitMix64::stream(seed, 1);
    let (year_start, year_end) = year_bounds(today.year());
    let address = Address {
        province_code: Some(HA_NOI_PROVINCE.into()),
        commune_code: Some(COMMUNE_CODE.into()),
        line: Some(format!(
            "{}, phường Láng, thành phố Hà Nội",
            rng.choose(&STREETS)
        )),
    };

    // A mother of 36, so the family stays current whatever `today` is.
    let (born_from, born_to) = year_bounds(today.year() - 36);
    let owner_born = rng.date_between(born_from, born_to);
    let surname_index = rng.below(SURNAMES.len() as u64) as usize;
    let surname = SURNAMES[surname_index % SURNAMES.len()];
    let owner_name = format!("{surname} {}", rng.choose(&WOMEN_GIVEN));
    let owner_id = personal_id(&mut rng, owner_born, Sex::Female);
    // Card groups of an employed adult: enterprise, public servant, household.
    let group = *rng.choose(&["DN", "HC", "GD"]);
    let owner = Person {
        id: person_id(seed, 1),
        role: PersonRole::Owner,
        full_name: owner_name.clone(),
        date_of_birth: owner_born,
        sex: Sex::Female,
        personal_id: Some(owner_id.clone()),
        previous_personal_ids: Vec::new(),
        ethnicity: Some("Kinh".into()),
        nationality: Some("VN".into()),
        occupation: Some((*rng.choose(&OCCUPATIONS)).into()),
        address: Some(address.clone()),
        insurance: Some(InsuranceCard {
            number: card_number(&mut rng, group, 4),
            primary_care_facility_code: Some(DONG_DA.code.into()),
            valid_from: Some(year_start),
            valid_to: Some(year_end),
        }),
        blood_group: Some(blood_group(&mut rng)),
        risk_factors: vec!["Ít vận động thể lực".into(), "Ăn mặn".into()],
        guardian: None,
    };
    let owner_build = Build {
        scale: 1.0,
        adult_base_kg: rng.real(48.0, 54.0, 1),
    };

    // The children take their father's surname, never the same as the mother's here.
    let other = surname_index + 1 + rng.below(SURNAMES.len() as u64 - 1) as usize;
    let father_surname = SURNAMES[other % SURNAMES.len()];
    let phone = format!("09{}", rng.digits(8));
    let older_born = add_days(sub_months(today, 84), -i64::from(rng.between(0, 90)));
    let younger_born = add_days(sub_months(today, 10), i64::from(rng.between(0, 10)));
    let mut child = |n: u32, born: CalendarDate| {
        let sex = if rng.chance(50) {
            Sex::Male
        } else {
            Sex::Female
        };
        let given = if sex == Sex::Male {
            rng.choose(&BOYS_GIVEN)
        } else {
            rng.choose(&GIRLS_GIVEN)
        };
        // Under six a child holds a TE card, free, valid to the day before the sixth birthday;
        // a pupil holds an HS card for the calendar year.
        let sixth_birthday = born.with_year(born.year() + 6).unwrap_or(born);
        let insurance = if sixth_birthday > today {
            InsuranceCard {
                number: card_number(&mut rng, "TE", 1),
                primary_care_facility_code: Some(DONG_DA.code.into()),
                valid_from: Some(born),
                valid_to: Some(add_days(sixth_birthday, -1)),
            }
        } else {
            InsuranceCard {
                number: card_number(&mut rng, "HS", 4),
                primary_care_facility_code: Some(DONG_DA.code.into()),
                valid_from: Some(year_start),
                valid_to: Some(year_end),
            }
        };
        let person = Person {
            id: person_id(seed, n),
            role: PersonRole::Dependant,
            full_name: format!("{father_surname} {given}"),
            date_of_birth: born,
            sex,
            personal_id: Some(personal_id(&mut rng, born, sex)),
            previous_personal_ids: Vec::new(),
            ethnicity: Some("Kinh".into()),
            nationality: Some("VN".into()),
            occupation: None,
            address: Some(address.clone()),
            insurance: Some(insurance),
            blood_group: Some(blood_group(&mut rng)),
            risk_factors: Vec::new(),
            guardian: Some(GuardianLink {
                guardian_person_id: Some(owner.id.clone()),
                name: owner_name.clone(),
                relation: GuardianRelation::Mother,
                personal_id: Some(owner_id.clone()),
                phone: Some(phone.clone()),
                since: Some(born),
                until: None,
            }),
        };
        let build = Build {
            scale: rng.real(0.92, 1.08, 2),
            adult_base_kg: 0.0,
        };
        (person, build)
    };
    let older = child(2, older_born);
    let younger = child(3, younger_born);
    Household {
        owner,
        owner_build,
        children: [older, younger],
    }
}
