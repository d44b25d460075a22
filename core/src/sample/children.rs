//! The children's books: birth in hospital, vaccinations by the expanded programme's schedule
//! (with paid-service doses beside it), growth checks, the coughs and fevers of childhood, and for
//! the older child a pneumonia referred to the national children's hospital.

use chrono::Datelike;

use super::make::{add_days, add_months, at_minutes, Build, Maker, Referral, VisitPlan};
use super::rng::SplitMix64;
use super::vocab::*;
use crate::model::time::vn_date;
use crate::model::*;

/// One dose to give: when, what, which dose of its series, where and under which programme.
struct Dose {
    on: CalendarDate,
    vaccine: &'static Vaccine,
    number: u32,
    place: &'static Place,
    programme: ImmunizationProgramme,
    reaction: Option<&'static str>,
}

fn epi(on: CalendarDate, vaccine: &'static Vaccine, number: u32) -> Dose {
    Dose {
        on,
        vaccine,
        number,
        place: &TRAM_Y_TE,
        programme: ImmunizationProgramme::Expanded,
        reaction: None,
    }
}

fn paid(on: CalendarDate, vaccine: &'static Vaccine, number: u32) -> Dose {
    Dose {
        on,
        vaccine,
        number,
        place: &TRUNG_TAM_TIEM_CHUNG,
        programme: ImmunizationProgramme::PaidService,
        reaction: None,
    }
}

/// The minimum interval between doses of a series (one month in the schedule).
const DOSE_INTERVAL_DAYS: i64 = 28;

/// `day`, or the first day the minimum interval after the `previous` dose allows, if later.
fn after_interval(day: CalendarDate, previous: Option<CalendarDate>) -> CalendarDate {
    previous.map_or(day, |previous| {
        day.max(add_days(previous, DOSE_INTERVAL_DAYS))
    })
}

/// Which child: the schedules and stories differ.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Child {
    Older,
    Younger,
}

struct Growing<'p> {
    m: Maker<'p>,
    child: Child,
    born: CalendarDate,
    /// The last day facility records reach.
    last: CalendarDate,
    /// The last day home readings reach.
    until: CalendarDate,
    mother: &'p Person,
    /// Days a weight was already written, so a busy day does not carry two.
    weighed: Vec<CalendarDate>,
}

pub(crate) fn records(
    seed: u64,
    child: Child,
    person: &Person,
    build: Build,
    mother: &Person,
    today: CalendarDate,
) -> Vec<Record> {
    let stream = if child == Child::Older { 3 } else { 4 };
    let mut g = Growing {
        m: Maker::new(SplitMix64::stream(seed, stream), person, build),
        child,
        born: person.date_of_birth,
        last: add_days(today, -3),
        until: add_days(today, -1),
        mother,
        weighed: Vec::new(),
    };
    if g.last <= g.born {
        return Vec::new();
    }
    g.birth();
    g.vaccinations();
    g.check_ups();
    if child == Child::Older {
        g.pneumonia();
        g.older_history();
    } else {
        g.younger_history();
    }
    g.illnesses();
    g.home_readings();
    g.m.records
}

impl Growing<'_> {
    fn month(&mut self, months: u32, jitter: u32) -> CalendarDate {
        add_days(
            add_months(self.born, months),
            i64::from(self.m.rng.between(0, jitter)),
        )
    }

    /// Weight, and length below two years, measured at a facility visit.
    fn measure(&mut self, day: CalendarDate, minutes: i64, source: RecordSource) {
        if self.weighed.contains(&day) || day > self.until {
            return;
        }
        self.weighed.push(day);
        let at = at_minutes(day, minutes);
        let kg = self.m.weight_on(day, None);
        self.m
            .quantity(at, ObservationKind::BodyWeight, kg, "kg", source);
        let cm = self.m.height_on(day);
        self.m
            .quantity(at, ObservationKind::BodyHeight, cm, "cm", source);
    }

    fn birth(&mut self) {
        let minutes = i64::from(self.m.rng.between(0, 23 * 60));
        let grams = (self.m.weight_on(self.born, None) * 1000.0 / 10.0).round() * 10.0;
        let length = self.m.height_on(self.born);
        let weeks = self.m.rng.between(38, 40);
        let mut plan = VisitPlan::new(self.born, &PHU_SAN_HA_NOI, &NEWBORN);
        plan.start_minutes = Some(minutes);
        plan.summary = Some(format!(
            "Trẻ sinh đủ tháng {weeks} tuần, cân nặng {grams} g, dài {length} cm, Apgar 9/10. Bú mẹ tốt, ra viện ổn định."
        ));
        self.m.visit(plan);
        let at = at_minutes(self.born, minutes + 15);
        self.m.quantity(
            at,
            ObservationKind::BodyWeight,
            grams / 1000.0,
            "kg",
            RecordSource::Facility,
        );
        self.m.quantity(
            at,
            ObservationKind::BodyHeight,
            length,
            "cm",
            RecordSource::Facility,
        );
        self.weighed.push(self.born);
    }

    fn vaccinations(&mut self) {
        let plan = match self.child {
            Child::Older => self.older_schedule(),
            Child::Younger => self.younger_schedule(),
        };
        for dose in plan {
            if dose.on > self.until {
                continue;
            }
            self.m.immunize(
                dose.vaccine,
                dose.number,
                dose.on,
                dose.place,
                dose.programme,
                dose.reaction,
            );
            let minutes = i64::from(self.m.rng.between(8 * 60, 11 * 60));
            self.measure(dose.on, minutes, RecordSource::Facility);
        }
    }

    /// The birth doses given at the maternity hospital: hepatitis B within 24 hours, BCG before discharge.
    fn birth_doses(&mut self) -> [Dose; 2] {
        let hospital = |on, vaccine, number| Dose {
            on,
            vaccine,
            number,
            place: &PHU_SAN_HA_NOI,
            programme: ImmunizationProgramme::Expanded,
            reaction: None,
        };
        let bcg = add_days(self.born, i64::from(self.m.rng.between(1, 3)));
        [hospital(self.born, &HEPB_BIRTH, 1), hospital(bcg, &BCG, 1)]
    }

    /// Born about seven years ago: the full programme, with rotavirus, pneumococcal, influenza and
    /// chickenpox bought at a paid centre, and Td at seven.
    fn older_schedule(&mut self) -> Vec<Dose> {
        let mut plan: Vec<Dose> = self.birth_doses().into();
        let mut previous: Option<CalendarDate> = None;
        for (number, months) in (1..).zip([2, 3, 4]) {
            let day = after_interval(self.month(months, 5), previous);
            previous = Some(day);
            let mut penta = epi(day, &PENTAVALENT, number);
            if number == 1 {
                penta.reaction = Some("Sốt nhẹ 38°C, quấy khóc, hết sau 1 ngày");
            }
            plan.push(penta);
            plan.push(epi(day, &OPV, number));
            let centre = add_days(day, i64::from(self.m.rng.between(6, 9)));
            plan.push(paid(centre, &SYNFLORIX, number));
            if number <= 2 {
                plan.push(paid(centre, &ROTARIX, number));
            }
        }
        plan.push(epi(self.month(5, 6), &IPV, 1));
        plan.push(paid(self.month(6, 6), &VAXIGRIP, 1));
        plan.push(paid(self.month(7, 6), &VAXIGRIP, 2));
        let nine = self.month(9, 6);
        plan.push(epi(nine, &IPV, 2));
        plan.push(epi(nine, &MEASLES, 1));
        let je = self.month(12, 6);
        plan.push(epi(je, &JE, 1));
        let je_second = add_days(je, i64::from(self.m.rng.between(7, 14)));
        plan.push(epi(je_second, &JE, 2));
        // The third dose comes a year after the second.
        plan.push(epi(add_months(je_second, 12), &JE, 3));
        plan.push(paid(self.month(12, 20), &SYNFLORIX, 4));
        plan.push(paid(self.month(13, 10), &VARIVAX, 1));
        let eighteen = self.month(18, 8);
        plan.push(epi(eighteen, &MR, 1));
        plan.push(epi(eighteen, &DTP, 4));
        // Influenza again most autumns from the second year on.
        let mut flu = 2;
        for year in (self.born.year() + 1)..=self.until.year() {
            let Some(october) = chrono::NaiveDate::from_ymd_opt(year, 10, 1) else {
                continue;
            };
            let day = self.m.rng.date_between(october, add_days(october, 45));
            if day > add_months(self.born, 12) && self.m.rng.chance(70) {
                flu += 1;
                plan.push(paid(day, &VAXIGRIP, flu));
            }
        }
        // Td at seven, given at school by the commune station.
        let seven = add_months(self.born, 84);
        if seven <= self.until {
            plan.push(epi(self.m.rng.date_between(seven, self.until), &TD, 1));
        }
        plan
    }

    /// Born about ten months ago: the first DTP-HepB-Hib dose bought as a 6-in-1 at a paid centre,
    /// rotavirus from the programme, the third DTP-HepB-Hib dose given late, and the 9-month doses.
    fn younger_schedule(&mut self) -> Vec<Dose> {
        let mut plan: Vec<Dose> = self.birth_doses().into();
        let two = self.month(2, 3);
        let six_in_one = if self.m.rng.chance(50) {
            &HEXAXIM
        } else {
            &INFANRIX_HEXA
        };
        plan.push(paid(two, six_in_one, 1));
        // Oral rotavirus comes free with the polio drops at the commune station.
        let station = add_days(two, i64::from(self.m.rng.between(3, 6)));
        plan.push(epi(station, &OPV, 1));
        plan.push(epi(station, &ROTAVIN, 1));
        let three = after_interval(self.month(3, 4), Some(station));
        plan.push(epi(three, &PENTAVALENT, 2));
        plan.push(epi(three, &OPV, 2));
        plan.push(epi(three, &ROTAVIN, 2));
        // Due at four months, given about four weeks late.
        let late = add_days(
            add_months(self.born, 4),
            i64::from(self.m.rng.between(24, 30)),
        );
        let mut third = epi(late, &PENTAVALENT, 3);
        third.reaction = Some("Sưng đỏ nhẹ chỗ tiêm, tự hết sau 2 ngày");
        plan.push(third);
        plan.push(epi(late, &OPV, 3));
        plan.push(epi(add_days(add_months(self.born, 5), 16), &IPV, 1));
        plan.push(paid(self.month(6, 5), &VAXIGRIP, 1));
        plan.push(paid(self.month(7, 5), &VAXIGRIP, 2));
        let nine = self.month(9, 4);
        plan.push(epi(nine, &IPV, 2));
        plan.push(epi(nine, &MEASLES, 1));
        plan
    }

    /// Growth checks: the first month, six months, one year, then each birthday.
    fn check_ups(&mut self) {
        for months in [1, 6, 12, 24, 36, 48, 60, 72, 84] {
            let day = self.month(months, 10);
            if day > self.last {
                break;
            }
            let place = if months <= 12 {
                &NHI_TRUNG_UONG
            } else {
                &DONG_DA
            };
            let mut plan = VisitPlan::new(day, place, &CHILD_CHECK_UP);
            plan.start_minutes = Some(i64::from(self.m.rng.between(8 * 60, 10 * 60)));
            let seen = self.m.visit(plan);
            let lines = self.m.lines_for(&[&CHILD_CHECK_UP], day, 30);
            self.m
                .prescribe(&seen, lines, None, CHILD_CHECK_UP.instructions);
            let minutes = (seen.start - at_minutes(day, 0)).num_minutes();
            self.measure(day, minutes, RecordSource::Facility);
        }
    }

    /// The older child's pneumonia at about a year and a half: the district hospital's paediatrics
    /// department refers to the national children's hospital, the mother riding along.
    fn pneumonia(&mut self) {
        let day = add_days(self.born, i64::from(self.m.rng.between(425, 600)));
        if add_days(day, 20) > self.last {
            return;
        }
        let mut plan = VisitPlan::new(day, &DONG_DA, &CHILD_PNEUMONIA);
        plan.department = Some("Khoa Nhi");
        plan.inpatient = Some(false);
        plan.discharge = DischargeType::Transferred;
        plan.result = Some(TreatmentResult::Unchanged);
        let seen = self.m.visit(plan);
        self.m.refer(
            &seen,
            &NHI_TRUNG_UONG,
            Referral {
                clinical_signs:
                    "Sốt 39°C, ho, thở nhanh 52 lần/phút, rút lõm lồng ngực, ran ẩm hai phổi",
                disease_course: "Sốt, ho 3 ngày, khó thở tăng từ đêm qua",
                key_results: "X-quang: tổn thương dạng nốt rải rác hai phổi; bạch cầu 18 G/L",
                treatment_given: "Hạ sốt, thở oxy qua gọng mũi 1 lít/phút",
                condition: "Trẻ tỉnh, SpO2 94% khi thở oxy, bú kém",
                reason: ReferralReason::BeyondCapacity,
                planned_treatment: "Điều trị nội trú kháng sinh tĩnh mạch, hỗ trợ hô hấp",
                transport: "Xe cứu thương của bệnh viện",
                escort: Some((self.mother.full_name.clone(), "Mẹ bệnh nhi")),
            },
        );
        let arrival = seen.end + chrono::Duration::minutes(90);
        let date = vn_date(&arrival);
        let mut plan = VisitPlan::new(date, &NHI_TRUNG_UONG, &CHILD_PNEUMONIA);
        plan.start_minutes = Some((arrival - at_minutes(date, 0)).num_minutes());
        let stay = self.m.visit(plan);
        let discharged = vn_date(&stay.end);
        let re_exam = add_days(discharged, 7);
        let lines = self.m.lines_for(&[&CHILD_PNEUMONIA], discharged, 30);
        self.m
            .prescribe(&stay, lines, Some(re_exam), CHILD_PNEUMONIA.instructions);
        self.m.appoint(&stay, re_exam, AppointmentStatus::Attended);
        let mut plan = VisitPlan::new(re_exam, &NHI_TRUNG_UONG, &CHILD_PNEUMONIA);
        plan.inpatient = Some(false);
        plan.department = Some("Khoa Khám bệnh");
        plan.reason = Some("Tái khám theo hẹn");
        self.m.visit(plan);
    }

    fn older_history(&mut self) {
        let eczema = self.month(4, 20);
        self.m.condition(
            HistoryKind::Medical,
            "Viêm da cơ địa",
            Some("L20.9"),
            Some(eczema),
            add_days(eczema, 20),
            ConditionStatus::Resolved,
            None,
        );
        let found = self.month(60, 60);
        if found <= self.last {
            self.m.allergy(
                "Mạt bụi nhà",
                AllergyCategory::Environment,
                AllergyCriticality::Low,
                "Hắt hơi, ngứa mũi, chảy nước mũi khi dọn nhà",
                found,
                Some("Test lẩy da dương tính với mạt bụi nhà"),
            );
        }
    }

    fn younger_history(&mut self) {
        let jaundice = add_days(self.born, 3);
        self.m.condition(
            HistoryKind::Medical,
            "Vàng da sơ sinh sinh lý",
            Some("P59.9"),
            Some(jaundice),
            add_days(self.born, 7),
            ConditionStatus::Resolved,
            None,
        );
    }

    /// Sick visits: a few a year, most in the first years, from six weeks of age.
    fn illnesses(&mut self) {
        let per_year: &[u32] = match self.child {
            Child::Older => &[2, 5, 5, 4, 3, 3, 2, 2],
            Child::Younger => &[3],
        };
        for (year_of_life, count) in (0u32..).zip(per_year.iter().copied()) {
            let from = add_days(
                add_months(self.born, 12 * year_of_life),
                if year_of_life == 0 { 45 } else { 0 },
            );
            let to = add_days(add_months(self.born, 12 * (year_of_life + 1)), -1).min(self.last);
            if to < from {
                break;
            }
            for _ in 0..count {
                let day = self.m.rng.date_between(from, to);
                self.sick_visit(day);
            }
        }
    }

    fn sick_visit(&mut self, day: CalendarDate) {
        let age = self.m.age_on(day);
        let year = day.year();
        let choice = self.m.rng.pick_weighted(&CHILD_ILLNESSES, |i| {
            if i.suits(age, year) {
                i.weight
            } else {
                0
            }
        });
        let Some(illness) = choice else { return };
        let place = match self.m.rng.pick_weighted(&CHILD_CLINICS, |c| c.1) {
            Some((place, _)) => *place,
            None => &NHI_TRUNG_UONG,
        };
        // A fever taken at home the evening before.
        if self.m.rng.chance(50) && day > self.born {
            let at = at_minutes(
                add_days(day, -1),
                i64::from(self.m.rng.between(18 * 60, 22 * 60)),
            );
            let value = self.m.rng.real(38.0, 39.5, 1);
            self.m.quantity(
                at,
                ObservationKind::BodyTemperature,
                value,
                "°C",
                RecordSource::Citizen,
            );
        }
        let re_exam = (illness.re_exam_days > 0 && self.m.rng.chance(50))
            .then(|| add_days(day, i64::from(illness.re_exam_days)))
            .filter(|d| *d <= self.last);
        let mut plan = VisitPlan::new(day, place, illness);
        plan.re_exam = re_exam;
        let seen = self.m.visit(plan);
        if self.m.rng.chance(85) {
            let lines = self.m.lines_for(&[illness], day, 30);
            self.m
                .prescribe(&seen, lines, re_exam, illness.instructions);
        }
        if let Some(re_exam) = re_exam {
            self.m.appoint(&seen, re_exam, AppointmentStatus::Attended);
        }
    }

    /// The parents weigh and measure at home every few months, and write a line now and then.
    fn home_readings(&mut self) {
        let mut day = self.month(2, 20);
        while day <= self.until {
            let minutes = i64::from(self.m.rng.between(18 * 60, 20 * 60));
            self.measure(day, minutes, RecordSource::Citizen);
            day = add_days(day, i64::from(self.m.rng.between(45, 100)));
        }
        let mut day = self.month(1, 20);
        while day <= self.until {
            let age = self.m.age_on(day);
            let suitable: Vec<&str> = CHILD_NOTES
                .iter()
                .filter(|n| n.1 <= age && age <= n.2)
                .map(|n| n.0)
                .collect();
            if let Some(text) = self.m.rng.pick(&suitable).copied() {
                let at = at_minutes(day, i64::from(self.m.rng.between(20 * 60, 22 * 60)));
                self.m.note(at, text);
            }
            day = add_days(day, i64::from(self.m.rng.between(50, 120)));
        }
    }
}
