//! The book owner's history, from eleven years before `today`: yearly check-ups and everyday
//! complaints, two pregnancies, a penicillin allergy found the hard way, hypertension followed
//! every one to three months with its re-exam slips, diabetes after the second birth, three
//! referrals, a trip to Hồ Chí Minh City, vaccinations and the readings she takes at home.

use chrono::{Datelike, NaiveDate, Weekday};

use super::make::{add_days, add_months, at_minutes, Build, Maker, Referral, Seen, VisitPlan};
use super::rng::SplitMix64;
use super::vocab::*;
use crate::model::time::vn_date;
use crate::model::*;

/// The children's birth dates, which shape the mother's story.
pub(crate) struct Births {
    pub older: CalendarDate,
    pub younger: CalendarDate,
}

/// A pregnancy from its first day (about 39 weeks before the birth) to the birth.
#[derive(Clone, Copy)]
struct Pregnancy {
    start: CalendarDate,
    birth: CalendarDate,
}

impl Pregnancy {
    fn ending(birth: CalendarDate) -> Self {
        Self {
            start: add_days(birth, -273),
            birth,
        }
    }
    fn contains(&self, date: CalendarDate) -> bool {
        self.start <= date && date <= self.birth
    }
    fn weeks(&self, date: CalendarDate) -> Option<i64> {
        self.contains(date)
            .then(|| (date - self.start).num_days() / 7)
    }
}

fn year_start(year: i32) -> CalendarDate {
    NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default()
}

fn year_end(year: i32) -> CalendarDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default()
}

/// Outpatient departments are closed on Sundays: a planned visit moves to the Monday.
fn not_sunday(date: CalendarDate) -> CalendarDate {
    if date.weekday() == Weekday::Sun {
        add_days(date, 1)
    } else {
        date
    }
}

fn adult_illness(icd10: &str) -> Option<&'static Illness> {
    ADULT_ILLNESSES
        .iter()
        .find(|illness| illness.icd10 == icd10)
}

struct Story<'p> {
    m: Maker<'p>,
    today: CalendarDate,
    /// The first day of the history the book holds.
    start: CalendarDate,
    /// The last day facility records reach: sync lags a few days behind.
    last: CalendarDate,
    pregnancies: [Pregnancy; 2],
}

pub(crate) fn records(
    seed: u64,
    owner: &Person,
    build: Build,
    births: &Births,
    today: CalendarDate,
) -> Vec<Record> {
    let adult = add_months(owner.date_of_birth, 18 * 12);
    let start = year_start(today.year() - 11).max(adult);
    let mut story = Story {
        m: Maker::new(SplitMix64::stream(seed, 2), owner, build),
        today,
        start,
        last: add_days(today, -3),
        pregnancies: [
            Pregnancy::ending(births.older),
            Pregnancy::ending(births.younger),
        ],
    };
    if story.last <= start {
        return Vec::new();
    }
    story.background();
    story.penicillin_allergy();
    story.vaccinations();
    let lipids_from = story.check_ups();
    story.first_pregnancy();
    let diabetes_from = story.diabetes();
    let hypertension_from = story.hypertension(lipids_from, diabetes_from);
    story.second_delivery();
    story.pneumonia();
    story.dengue();
    story.trip_south();
    story.anxiety();
    story.everyday_complaints();
    story.home_readings(hypertension_from, diabetes_from);
    story.m.records
}

impl Story<'_> {
    fn pregnant_weeks(&self, date: CalendarDate) -> Option<i64> {
        self.pregnancies.iter().find_map(|p| p.weeks(date))
    }

    fn in_history(&self, date: CalendarDate) -> bool {
        self.start <= date && date <= self.last
    }

    /// A day in `year` between the given months, or `None` outside the history.
    fn day_in(&mut self, year: i32, from_month: u32, to_month: u32) -> Option<CalendarDate> {
        let from = NaiveDate::from_ymd_opt(year, from_month, 1)?;
        let to = NaiveDate::from_ymd_opt(year, to_month, 28)?;
        let date = self.m.rng.date_between(from, to);
        (self.in_history(date) && self.pregnant_weeks(date).is_none()).then_some(date)
    }

    /// Family and surgical history, written once when the book was opened.
    fn background(&mut self) {
        let on = self.start;
        let born = self.m.person.date_of_birth;
        let appendix = add_months(born, 16 * 12 + self.m.rng.between(0, 11));
        self.m.condition(
            HistoryKind::Surgical,
            "Cắt ruột thừa nội soi do viêm ruột thừa cấp",
            Some("K35.8"),
            Some(appendix),
            on,
            ConditionStatus::Resolved,
            None,
        );
        self.m.condition(
            HistoryKind::Family,
            "Tăng huyết áp",
            Some("I10"),
            None,
            on,
            ConditionStatus::Active,
            Some("bố"),
        );
        self.m.condition(
            HistoryKind::Family,
            "Đái tháo đường type 2",
            Some("E11.9"),
            None,
            on,
            ConditionStatus::Active,
            Some("mẹ"),
        );
        self.m.condition(
            HistoryKind::Family,
            "Ung thư vú",
            Some("C50.9"),
            None,
            on,
            ConditionStatus::Resolved,
            Some("bà ngoại"),
        );
        let seafood = add_days(on, i64::from(self.m.rng.between(0, 60)));
        self.m.allergy(
            "Hải sản (tôm, cua)",
            AllergyCategory::Food,
            AllergyCriticality::Low,
            "Ngứa, nổi mẩn đỏ sau ăn 1-2 giờ",
            seafood,
            Some("Tự khai báo; chưa từng sốc phản vệ"),
        );
    }

    /// A sore throat treated with amoxicillin, then hives two days later: penicillins are out from then on.
    fn penicillin_allergy(&mut self) {
        let Some(reaction_day) = self.day_in(self.today.year() - 10, 3, 10) else {
            return;
        };
        let sore_throat = add_days(reaction_day, -2);
        if let Some(throat) = adult_illness("J02.9") {
            let seen = self
                .m
                .visit(VisitPlan::new(sore_throat, &TRAM_Y_TE, throat));
            let lines = vec![self.m.line(&AMOXICILLIN, 7), self.m.line(&PARACETAMOL, 3)];
            self.m.prescribe(&seen, lines, None, throat.instructions);
        }
        if let Some(hives) = adult_illness("L50.0") {
            let mut plan = VisitPlan::new(reaction_day, &DONG_DA, hives);
            plan.reason = Some("Nổi mẩn ngứa toàn thân, khó thở nhẹ sau 2 ngày uống Amoxicillin");
            let seen = self.m.visit(plan);
            let lines = vec![self.m.line(&LORATADINE, 7)];
            self.m.prescribe(
                &seen,
                lines,
                None,
                "Ngừng Amoxicillin; không dùng thuốc nhóm penicillin",
            );
        }
        self.m.allergy(
            "Penicillin (Amoxicillin)",
            AllergyCategory::Medication,
            AllergyCriticality::High,
            "Mày đay toàn thân, khó thở nhẹ",
            reaction_day,
            Some("Xuất hiện sau 2 ngày uống Amoxicillin; tránh toàn bộ nhóm penicillin"),
        );
        self.m.no_penicillin_from = Some(sore_throat);
    }

    fn vaccinations(&mut self) {
        let year = self.today.year();
        // Hepatitis B (0, 1, 6 months) and HPV (0, 2, 6 months), both paid for.
        let series: [(&Vaccine, i32, [u32; 3]); 2] = [
            (&ENGERIX_B, year - 11, [0, 1, 6]),
            (&GARDASIL, year - 10, [0, 2, 6]),
        ];
        for (vaccine, in_year, months) in series {
            let Some(first) = self.day_in(in_year, 1, 5) else {
                continue;
            };
            for (dose, offset) in (1..).zip(months) {
                let date = add_months(first, offset);
                if self.in_history(date) {
                    self.m.immunize(
                        vaccine,
                        dose,
                        date,
                        &TRUNG_TAM_TIEM_CHUNG,
                        ImmunizationProgramme::PaidService,
                        None,
                    );
                }
            }
        }
        // Tetanus for the mother in each pregnancy: two doses the first time, a booster the second.
        let [first, second] = self.pregnancies;
        for (dose, week) in [(1, 20), (2, 24)] {
            let date = add_days(first.start, week * 7 + i64::from(self.m.rng.between(0, 5)));
            if self.in_history(date) {
                self.m.immunize(
                    &TETANUS_PREGNANCY,
                    dose,
                    date,
                    &TRAM_Y_TE,
                    ImmunizationProgramme::Expanded,
                    None,
                );
            }
        }
        let booster = add_days(second.start, 24 * 7 + i64::from(self.m.rng.between(0, 5)));
        if self.in_history(booster) {
            self.m.immunize(
                &TETANUS_PREGNANCY,
                3,
                booster,
                &TRAM_Y_TE,
                ImmunizationProgramme::Expanded,
                None,
            );
        }
        // COVID-19: the 2021-2022 campaign, three doses.
        let covid = [(2021, 8, 1), (2021, 10, 2), (2022, 3, 3)];
        for (in_year, month, dose) in covid {
            let Some(from) = NaiveDate::from_ymd_opt(in_year, month, 1) else {
                continue;
            };
            let date = self.m.rng.date_between(from, add_days(from, 25));
            if self.in_history(date) && self.pregnant_weeks(date).is_none() {
                let reaction = (dose == 2).then_some("Đau chỗ tiêm, sốt nhẹ 37,8°C trong 1 ngày");
                self.m.immunize(
                    &COMIRNATY,
                    dose,
                    date,
                    &TRAM_Y_TE,
                    ImmunizationProgramme::Campaign,
                    reaction,
                );
            }
        }
        // Influenza most autumns.
        let mut flu_dose = 0;
        for in_year in self.start.year()..=year {
            if let Some(date) = self.day_in(in_year, 9, 11) {
                if self.m.rng.chance(60) {
                    flu_dose += 1;
                    self.m.immunize(
                        &VAXIGRIP,
                        flu_dose,
                        date,
                        &TRUNG_TAM_TIEM_CHUNG,
                        ImmunizationProgramme::PaidService,
                        None,
                    );
                }
            }
        }
    }

    /// A check-up every spring; the one six years back finds raised lipids. Returns that day.
    fn check_ups(&mut self) -> Option<CalendarDate> {
        let lipid_year = self.today.year() - 6;
        let mut lipids_from = None;
        for year in self.start.year()..=self.today.year() {
            let Some(date) = self.day_in(year, 3, 5) else {
                continue;
            };
            let date = not_sunday(date);
            let place = if self.m.rng.chance(60) {
                &XANH_PON
            } else {
                &BACH_MAI
            };
            let mut plan = VisitPlan::new(date, place, &CHECK_UP);
            if year >= lipid_year {
                plan.secondary.push(&LIPIDS);
                if year == lipid_year {
                    plan.result = Some(TreatmentResult::Unchanged);
                    lipids_from = Some(date);
                }
            }
            self.m.visit(plan);
        }
        if let Some(onset) = lipids_from {
            self.m.condition(
                HistoryKind::Medical,
                LIPIDS.text,
                Some(LIPIDS.icd10),
                Some(onset),
                onset,
                ConditionStatus::Active,
                None,
            );
        }
        lipids_from
    }

    /// Monthly antenatal visits, then a normal delivery.
    fn first_pregnancy(&mut self) {
        let pregnancy = self.pregnancies[0];
        let mut dates = Vec::new();
        let mut date = add_days(pregnancy.start, 8 * 7);
        while date <= add_days(pregnancy.birth, -10) {
            dates.push(not_sunday(date));
            date = add_days(date, 28 + i64::from(self.m.rng.between(0, 6)));
        }
        for (i, date) in dates.iter().copied().enumerate() {
            if !self.in_history(date) {
                continue;
            }
            let next = dates.get(i + 1).copied();
            let mut plan = VisitPlan::new(date, &PHU_SAN_HA_NOI, &ANTENATAL_FIRST);
            plan.pregnant_weeks = pregnancy.weeks(date);
            plan.re_exam = next;
            let seen = self.m.visit(plan);
            let lines = self.m.lines_for(&[&ANTENATAL_FIRST], date, 30);
            self.m
                .prescribe(&seen, lines, next, ANTENATAL_FIRST.instructions);
            if let Some(next) = next {
                self.m.appoint(&seen, next, AppointmentStatus::Attended);
            }
        }
        let admitted = add_days(pregnancy.birth, -1);
        if self.in_history(admitted) && self.in_history(add_days(pregnancy.birth, 3)) {
            let mut plan = VisitPlan::new(admitted, &PHU_SAN_HA_NOI, &DELIVERY);
            plan.pregnant_weeks = Some(39);
            plan.summary = Some(
                "Chuyển dạ đủ tháng 39 tuần, đẻ thường ngôi chỏm, một bé khỏe, Apgar 9/10. Mẹ ổn định, ra viện sau 2 ngày."
                    .into(),
            );
            self.m.visit(plan);
        }
    }

    /// Diabetes found three months after the second birth: referred from the district hospital to
    /// the national endocrinology hospital on a one-year slip. Returns the day it was found.
    fn diabetes(&mut self) -> Option<CalendarDate> {
        let found = not_sunday(add_days(
            self.pregnancies[1].birth,
            i64::from(self.m.rng.between(90, 110)),
        ));
        if !self.in_history(add_days(found, 3)) {
            return None;
        }
        let mut plan = VisitPlan::new(found, &DONG_DA, &DIABETES);
        plan.department = Some("Khoa Khám bệnh");
        plan.secondary.push(&HYPERTENSION);
        plan.discharge = DischargeType::Transferred;
        let seen = self.m.visit(plan);
        self.m.refer(
            &seen,
            &NOI_TIET,
            Referral {
                clinical_signs: "Khát nhiều, tiểu nhiều, mệt mỏi; glucose máu lúc đói 9,8 mmol/L",
                disease_course: "Đái tháo đường thai kỳ, đường huyết vẫn cao sau sinh 3 tháng",
                key_results: "Glucose lúc đói 9,8 mmol/L; HbA1c 7,4%",
                treatment_given: "Tư vấn chế độ ăn",
                condition: "Tỉnh, huyết áp 130/85 mmHg",
                reason: ReferralReason::MeetsCriteria,
                planned_treatment: "Khám chuyên khoa nội tiết, lập phác đồ điều trị đái tháo đường",
                transport: "Tự túc",
                escort: None,
            },
        );
        let arrival = add_days(found, i64::from(self.m.rng.between(1, 3)));
        let mut plan = VisitPlan::new(arrival, &NOI_TIET, &DIABETES);
        plan.secondary.push(&HYPERTENSION);
        let seen = self.m.visit(plan);
        let lines = vec![self.m.line(&METFORMIN, 30)];
        self.m.prescribe(&seen, lines, None, DIABETES.instructions);
        self.m.condition(
            HistoryKind::Medical,
            DIABETES.text,
            Some(DIABETES.icd10),
            Some(found),
            found,
            ConditionStatus::Active,
            None,
        );
        Some(found)
    }

    /// Hypertension from five years back, seen every one to three months; each visit books the
    /// next, and the last slip is for a day a few weeks after `today`. Returns the first visit.
    fn hypertension(
        &mut self,
        lipids_from: Option<CalendarDate>,
        diabetes_from: Option<CalendarDate>,
    ) -> Option<CalendarDate> {
        let target = NaiveDate::from_ymd_opt(self.today.year() - 5, 6, 1)
            .unwrap_or(self.start)
            .max(self.start);
        let booked = not_sunday(add_days(self.today, i64::from(self.m.rng.between(7, 25))));
        // Walk back from the booked day: monthly visits in pregnancy, two or three months apart otherwise.
        let mut dates = Vec::new();
        let mut next = booked;
        loop {
            let interval = if self.pregnant_weeks(add_days(next, -30)).is_some() {
                28
            } else {
                *self.m.rng.choose(&[60, 90, 90])
            };
            let date = not_sunday(add_days(next, -interval));
            if date < target || date < self.start {
                break;
            }
            dates.push(date);
            next = date;
        }
        dates.reverse();
        if dates.is_empty() {
            dates.push(add_days(self.today, -20));
        }
        let second = self.pregnancies[1];
        let gestational_from = add_days(second.start, 26 * 7);
        for (i, date) in dates.iter().copied().enumerate() {
            let next = dates.get(i + 1).copied().unwrap_or(booked);
            let days = ((next - date).num_days().clamp(1, 90)) as u32;
            let seen = if let Some(weeks) = second.weeks(date) {
                let mut plan = VisitPlan::new(date, &PHU_SAN_HA_NOI, &PREGNANCY_HYPERTENSION);
                plan.secondary.push(&HYPERTENSION);
                if date >= gestational_from {
                    plan.secondary.push(&GESTATIONAL_DIABETES);
                }
                plan.pregnant_weeks = Some(weeks);
                plan.re_exam = Some(next);
                let seen = self.m.visit(plan);
                let lines = self.m.lines_for(&[&PREGNANCY_HYPERTENSION], date, days);
                self.m.prescribe(
                    &seen,
                    lines,
                    Some(next),
                    PREGNANCY_HYPERTENSION.instructions,
                );
                seen
            } else {
                let place = if self.m.rng.chance(75) {
                    &DONG_DA
                } else {
                    &BENH_VIEN_E
                };
                let mut plan = VisitPlan::new(date, place, &HYPERTENSION);
                let mut treated: Vec<&'static Illness> = vec![&HYPERTENSION];
                if lipids_from.is_some_and(|from| date >= from) {
                    plan.secondary.push(&LIPIDS);
                    treated.push(&LIPIDS);
                }
                if diabetes_from.is_some_and(|from| date >= from) {
                    plan.secondary.push(&DIABETES);
                    treated.push(&DIABETES);
                }
                if i == 0 {
                    plan.reason = Some("Đau đầu, huyết áp đo tại nhà nhiều lần trên 140/90 mmHg");
                }
                plan.re_exam = Some(next);
                let seen = self.m.visit(plan);
                let mut lines = self.m.lines_for(&treated, date, days);
                // With diabetes, an angiotensin receptor blocker joins amlodipine to protect the kidneys.
                if diabetes_from.is_some_and(|from| date >= from) {
                    lines.push(self.m.line(&LOSARTAN, days));
                }
                self.m
                    .prescribe(&seen, lines, Some(next), HYPERTENSION.instructions);
                seen
            };
            let status = if next > self.today {
                AppointmentStatus::Booked
            } else if self.m.rng.chance(8) {
                AppointmentStatus::Missed
            } else {
                AppointmentStatus::Attended
            };
            self.m.appoint(&seen, next, status);
        }
        let first = dates.first().copied();
        if let Some(onset) = first {
            self.m.condition(
                HistoryKind::Medical,
                HYPERTENSION.text,
                Some(HYPERTENSION.icd10),
                Some(onset),
                onset,
                ConditionStatus::Active,
                None,
            );
        }
        if second.start <= self.last {
            let onset = gestational_from.min(second.birth);
            self.m.condition(
                HistoryKind::Medical,
                GESTATIONAL_DIABETES.text,
                Some(GESTATIONAL_DIABETES.icd10),
                Some(onset),
                onset,
                ConditionStatus::Resolved,
                None,
            );
        }
        first
    }

    /// The second child, by planned caesarean because of the hypertension.
    fn second_delivery(&mut self) {
        let birth = self.pregnancies[1].birth;
        if !self.in_history(add_days(birth, 6)) {
            return;
        }
        let mut plan = VisitPlan::new(birth, &PHU_SAN_HA_NOI, &CAESAREAN);
        plan.secondary = vec![&PREGNANCY_HYPERTENSION, &GESTATIONAL_DIABETES];
        plan.pregnant_weeks = Some(38);
        plan.start_minutes = Some(7 * 60 + 30);
        plan.summary = Some(
            "Thai 38 tuần, tăng huyết áp mạn và đái tháo đường thai kỳ, mổ lấy thai chủ động. Một bé khỏe, Apgar 9/10. \
             Sau mổ ổn định, vết mổ khô."
                .into(),
        );
        let seen = self.m.visit(plan);
        let lines = self.m.lines_for(&[&CAESAREAN], vn_date(&seen.end), 7);
        self.m.prescribe(
            &seen,
            lines,
            None,
            "Giữ vết mổ khô sạch, cắt chỉ sau 7 ngày, đo huyết áp hằng ngày",
        );
        self.m.condition(
            HistoryKind::Surgical,
            "Mổ lấy thai",
            Some(CAESAREAN.icd10),
            Some(birth),
            birth,
            ConditionStatus::Resolved,
            None,
        );
    }

    /// Pneumonia nine years back: the district hospital refers her to Bạch Mai by ambulance.
    fn pneumonia(&mut self) {
        let Some(date) = self.day_in(self.today.year() - 9, 1, 11) else {
            return;
        };
        let mut plan = VisitPlan::new(date, &DONG_DA, &PNEUMONIA);
        plan.department = Some("Khoa Nội tổng hợp");
        plan.inpatient = Some(false);
        plan.discharge = DischargeType::Transferred;
        plan.result = Some(TreatmentResult::Unchanged);
        plan.start_minutes = Some(i64::from(self.m.rng.between(8 * 60, 10 * 60)));
        let seen = self.m.visit(plan);
        let nurse = format!("Nguyễn Thị {}", self.m.rng.choose(&["Hạnh", "Dung", "Yến"]));
        self.m.refer(
            &seen,
            &BACH_MAI,
            Referral {
                clinical_signs:
                    "Sốt 39,5°C, ho khạc đờm đục, khó thở, SpO2 93%, ran nổ đáy phổi phải",
                disease_course: "Sốt cao 3 ngày, ho tăng, khó thở tăng dần",
                key_results: "X-quang: đám mờ đáy phổi phải; bạch cầu 15,2 G/L; CRP 86 mg/L",
                treatment_given: "Hạ sốt, thở oxy 2 lít/phút, Ceftriaxon 1g tiêm tĩnh mạch 1 liều",
                condition: "Tỉnh, mạch 102 lần/phút, huyết áp 110/70 mmHg, SpO2 95% khi thở oxy",
                reason: ReferralReason::BeyondCapacity,
                planned_treatment: "Điều trị nội trú kháng sinh tĩnh mạch, theo dõi suy hô hấp",
                transport: "Xe cứu thương của bệnh viện",
                escort: Some((nurse, "Điều dưỡng")),
            },
        );
        self.admitted_after_referral(&seen, &BACH_MAI, &PNEUMONIA);
    }

    /// Dengue with warning signs three years back: from the commune station to the tropical diseases hospital.
    fn dengue(&mut self) {
        let Some(date) = self.day_in(self.today.year() - 3, 8, 10) else {
            return;
        };
        // Two evenings of fever at home before she went.
        for back in [2, 1] {
            let at = at_minutes(
                add_days(date, -back),
                i64::from(self.m.rng.between(19 * 60, 22 * 60)),
            );
            let value = self.m.rng.real(38.6, 39.6, 1);
            self.m.quantity(
                at,
                ObservationKind::BodyTemperature,
                value,
                "°C",
                RecordSource::Citizen,
            );
        }
        // The station sees the warning signs and sends her on the same morning.
        let mut plan = VisitPlan::new(date, &TRAM_Y_TE, &DENGUE_WARNING);
        plan.department = Some("Phòng khám đa khoa");
        plan.inpatient = Some(false);
        plan.reason = Some(DENGUE.reason);
        plan.discharge = DischargeType::Transferred;
        plan.result = Some(TreatmentResult::Worse);
        let seen = self.m.visit(plan);
        self.m.refer(
            &seen,
            &NHIET_DOI,
            Referral {
                clinical_signs: "Sốt ngày thứ 5, đau bụng vùng gan, chảy máu chân răng, chấm xuất huyết dưới da",
                disease_course: "Sốt cao liên tục từ 5 ngày, hôm nay hết sốt nhưng mệt, đau bụng",
                key_results: "Test nhanh Dengue NS1 dương tính; tiểu cầu 45 G/L; hematocrit 46%",
                treatment_given: "Bù dịch đường uống, Paracetamol",
                condition: "Tỉnh, mạch 96 lần/phút, huyết áp 100/70 mmHg",
                reason: ReferralReason::BeyondCapacity,
                planned_treatment: "Theo dõi sát giai đoạn nguy hiểm, truyền dịch theo phác đồ",
                transport: "Gia đình tự đưa đi bằng ô tô",
                escort: None,
            },
        );
        self.admitted_after_referral(&seen, &NHIET_DOI, &DENGUE_WARNING);
    }

    /// The stay at the receiving hospital, the discharge prescription and the re-exam.
    fn admitted_after_referral(
        &mut self,
        referred: &Seen,
        to: &'static Place,
        illness: &'static Illness,
    ) {
        let arrival =
            referred.end + chrono::Duration::minutes(i64::from(self.m.rng.between(60, 150)));
        let date = vn_date(&arrival);
        let minutes = (arrival - at_minutes(date, 0)).num_minutes();
        let mut plan = VisitPlan::new(date, to, illness);
        plan.start_minutes = Some(minutes);
        let seen = self.m.visit(plan);
        let discharged = vn_date(&seen.end);
        let re_exam = add_days(discharged, i64::from(illness.re_exam_days.max(5)));
        let lines = self.m.lines_for(&[illness], discharged, 30);
        self.m
            .prescribe(&seen, lines, Some(re_exam), illness.instructions);
        if self.in_history(re_exam) {
            self.m.appoint(&seen, re_exam, AppointmentStatus::Attended);
            let mut plan = VisitPlan::new(re_exam, to, illness);
            plan.inpatient = Some(false);
            plan.department = Some("Khoa Khám bệnh");
            plan.reason = Some("Tái khám theo hẹn");
            plan.result = Some(TreatmentResult::Cured);
            self.m.visit(plan);
        }
    }

    /// A stomach bug on a work trip to Hồ Chí Minh City, seen in Chợ Rẫy's emergency department one evening.
    fn trip_south(&mut self) {
        let Some(date) = self.day_in(self.today.year() - 4, 4, 9) else {
            return;
        };
        let mut plan = VisitPlan::new(date, &CHO_RAY, &TRAVELLERS_DIARRHOEA);
        plan.start_minutes = Some(i64::from(self.m.rng.between(19 * 60, 22 * 60)));
        let seen = self.m.visit(plan);
        let lines = self.m.lines_for(&[&TRAVELLERS_DIARRHOEA], date, 5);
        self.m.prescribe(
            &seen,
            lines,
            None,
            "Uống đủ nước, ăn chín uống sôi, khám lại nếu sốt cao hoặc phân có máu",
        );
    }

    /// Anxiety two years back: a sensitive diagnosis the owner may keep out of what she shares.
    fn anxiety(&mut self) {
        let Some(date) = self.day_in(self.today.year() - 2, 2, 6) else {
            return;
        };
        let mut plan = VisitPlan::new(date, &BACH_MAI, &ANXIETY);
        let re_exam = add_days(date, 28);
        plan.re_exam = Some(re_exam);
        let seen = self.m.visit(plan);
        let lines = self.m.lines_for(&[&ANXIETY], date, 28);
        self.m
            .prescribe(&seen, lines, Some(re_exam), ANXIETY.instructions);
        if self.in_history(re_exam) {
            self.m.appoint(&seen, re_exam, AppointmentStatus::Attended);
        }
    }

    /// Colds, stomach aches and the like: enough each year for five to eight visits in all.
    fn everyday_complaints(&mut self) {
        for year in self.start.year()..=self.last.year() {
            let from = year_start(year).max(self.start);
            let to = year_end(year).min(self.last);
            if to < from {
                continue;
            }
            let share = ((to - from).num_days() + 1) as f64 / 365.0;
            let wanted = (f64::from(self.m.rng.between(5, 8)) * share).round() as usize;
            let already = self.visits_in(year);
            let count = wanted.saturating_sub(already).max(usize::from(share > 0.5));
            for _ in 0..count {
                self.complaint(from, to, year);
            }
        }
    }

    fn visits_in(&self, year: i32) -> usize {
        let visits = self.m.records.iter().filter_map(|r| match r {
            Record::Visit { visit } => Some(visit.start.year()),
            _ => None,
        });
        visits.filter(|y| *y == year).count()
    }

    /// Whether she is pregnant or in (or just out of) hospital that day: no everyday complaint then.
    fn busy(&self, date: CalendarDate) -> bool {
        let in_hospital = self.m.records.iter().any(|r| match r {
            Record::Visit { visit } if visit.inpatient => {
                let end = visit.end.map_or(visit.start, |end| end);
                add_days(vn_date(&visit.start), -1) <= date && date <= add_days(vn_date(&end), 7)
            }
            _ => false,
        });
        in_hospital || self.pregnant_weeks(date).is_some()
    }

    fn complaint(&mut self, from: CalendarDate, to: CalendarDate, year: i32) {
        // Draw again when the day is taken: pregnancy months and hospital stays have their own visits.
        let mut date = self.m.rng.date_between(from, to);
        for _ in 0..4 {
            if !self.busy(date) {
                break;
            }
            date = self.m.rng.date_between(from, to);
        }
        if self.busy(date) {
            return;
        }
        let age = self.m.age_on(date);
        let choice = self.m.rng.pick_weighted(&ADULT_ILLNESSES, |i| {
            if i.suits(age, year) && !i.sensitive {
                i.weight
            } else {
                0
            }
        });
        let Some(illness) = choice else { return };
        let place = match illness.specialist {
            Some(place) => place,
            None => match self.m.rng.pick_weighted(&ADULT_CLINICS, |c| c.1) {
                Some((place, _)) => *place,
                None => &DONG_DA,
            },
        };
        let mut plan = VisitPlan::new(date, place, illness);
        // A stay that would run past the last synced day is an outpatient visit instead.
        if illness.inpatient() && add_days(date, i64::from(illness.stay.1)) > self.last {
            plan.inpatient = Some(false);
        }
        let end_day = add_days(
            date,
            i64::from(if plan.inpatient == Some(false) {
                0
            } else {
                illness.stay.1
            }),
        );
        let re_exam = (illness.re_exam_days > 0 && self.m.rng.chance(50))
            .then(|| add_days(end_day, i64::from(illness.re_exam_days)))
            .filter(|day| *day <= self.last);
        plan.re_exam = re_exam;
        let seen = self.m.visit(plan);
        if self.m.rng.chance(85) {
            let issued = vn_date(&seen.end);
            let lines = self.m.lines_for(&[illness], issued, 30);
            self.m
                .prescribe(&seen, lines, re_exam, illness.instructions);
        }
        if let Some(day) = re_exam {
            let status = if self.m.rng.chance(90) {
                AppointmentStatus::Attended
            } else {
                AppointmentStatus::Missed
            };
            self.m.appoint(&seen, day, status);
        }
    }

    /// Readings she takes herself: weight all along, blood pressure once it ran high, glucose
    /// once diabetes was found, and a note now and then.
    fn home_readings(
        &mut self,
        hypertension_from: Option<CalendarDate>,
        diabetes_from: Option<CalendarDate>,
    ) {
        let until = add_days(self.today, -1);
        let mut day = add_days(self.start, i64::from(self.m.rng.between(0, 30)));
        while day <= until {
            let at = self.home_time(day);
            let weeks = self.pregnant_weeks(day);
            let kg = self.m.weight_on(day, weeks);
            self.m.quantity(
                at,
                ObservationKind::BodyWeight,
                kg,
                "kg",
                RecordSource::Citizen,
            );
            day = add_days(day, i64::from(self.m.rng.between(30, 60)));
        }
        if let Some(onset) = hypertension_from {
            // The high readings that sent her to the doctor, then readings under treatment.
            let mut day = add_days(onset, -90).max(self.start);
            while day <= until {
                let at = self.home_time(day);
                let high = day < onset || self.m.rng.chance(12);
                self.m.blood_pressure(at, high);
                if self.m.rng.chance(30) {
                    let rate = f64::from(self.m.rng.between(66, 90));
                    self.m.quantity(
                        at,
                        ObservationKind::HeartRate,
                        rate,
                        "lần/phút",
                        RecordSource::Citizen,
                    );
                }
                let gap = if day < onset { (15, 30) } else { (7, 21) };
                day = add_days(day, i64::from(self.m.rng.between(gap.0, gap.1)));
            }
            let mut day = add_days(onset, i64::from(self.m.rng.between(20, 60)));
            while day <= until {
                let at = self.home_time(day);
                let text = *self.m.rng.choose(&ADULT_NOTES);
                self.m.note(at, text);
                day = add_days(day, i64::from(self.m.rng.between(45, 100)));
            }
        }
        if let Some(onset) = diabetes_from {
            let mut day = add_days(onset, 2);
            while day <= until {
                let fasting = self.m.rng.chance(70);
                let (minutes, value, note) = if fasting {
                    (
                        6 * 60 + 30,
                        self.m.rng.real(5.6, 8.4, 1),
                        "Lúc đói, buổi sáng",
                    )
                } else {
                    (14 * 60, self.m.rng.real(7.2, 10.8, 1), "2 giờ sau ăn trưa")
                };
                self.m.observe(
                    at_minutes(day, minutes),
                    ObservationKind::BloodGlucose,
                    ObservationValue::Quantity {
                        value,
                        unit: "mmol/L".into(),
                    },
                    Some(note),
                    RecordSource::Citizen,
                );
                day = add_days(day, i64::from(self.m.rng.between(4, 10)));
            }
        }
    }

    /// Home readings are taken in the early morning or the evening.
    fn home_time(&mut self, day: CalendarDate) -> DateTimeOffset {
        let minutes = if self.m.rng.chance(60) {
            self.m.rng.between(6 * 60, 7 * 60 + 30)
        } else {
            self.m.rng.between(19 * 60, 21 * 60 + 30)
        };
        at_minutes(day, i64::from(minutes))
    }
}
