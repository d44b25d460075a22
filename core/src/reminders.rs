//! Reminders the app turns into local notifications: the day before a re-exam appointment, a week
//! before a vaccine dose is due (and as soon as one is overdue), before a referral slip expires, and
//! before a long prescription runs out. Pure: given one person's records and vaccination status, it
//! says what to remind and when; the api gathers the inputs.
//!
//! Each reminder has an id that stays the same from call to call while it means the same thing, so
//! the app can schedule what is new and cancel what is gone without duplicates.

use chrono::Days;

use crate::model::rules::is_chronic_icd10;
use crate::model::time::vn_date;
use crate::model::{
    AppointmentStatus, CalendarDate, Person, Prescription, ReAppointment, ReferralSlip,
};
use crate::schedule::{DoseState, VaccinationStatus};

/// A re-exam is reminded the day before.
pub const REEXAM_DAYS_BEFORE: u64 = 1;
/// A vaccine dose is reminded a week before it is due.
pub const DOSE_DAYS_BEFORE: u64 = 7;
/// A ten-working-day referral slip is reminded three days before its last valid day…
pub const REFERRAL_DAYS_BEFORE: u64 = 3;
/// …and a one-year slip (chronic disease) a month before, to leave time to get a new one.
pub const CHRONIC_REFERRAL_DAYS_BEFORE: u64 = 30;
/// Prescriptions of at least two weeks of treatment (long-term medicines) are reminded three days
/// before their last day; a short course simply ends.
pub const PRESCRIPTION_MIN_DAYS: u32 = 14;
pub const PRESCRIPTION_DAYS_BEFORE: u64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, uniffi::Enum)]
pub enum ReminderKind {
    ReExam,
    VaccineDose,
    ReferralExpiring,
    PrescriptionRunningOut,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Reminder {
    /// Stable while the reminder means the same thing (e.g. `reexam:<record id>`): schedule a
    /// notification per id, and cancel ids no longer returned.
    pub id: String,
    /// A non-negative number derived from `id`, for platforms whose notification ids are integers.
    pub notification_id: i32,
    pub person_id: String,
    pub person_name: String,
    pub kind: ReminderKind,
    /// The day to notify.
    pub remind_on: CalendarDate,
    /// The day it is about: the appointment, the day a dose is due (or was, when overdue), a slip's
    /// last valid day, a prescription's last day of treatment.
    pub event_date: CalendarDate,
    /// The record it is about; none for vaccine doses, which come from the schedule.
    pub record_id: Option<String>,
    /// One short sentence for the notification, without diagnoses.
    pub text_vi: String,
    pub text_en: String,
}

/// The days reminders are wanted for: `remind_on` from `from` up to, not including, `until`.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from: CalendarDate,
    pub until: CalendarDate,
}

impl Window {
    /// When to remind of something on `event` `days_before` it: never before the window opens
    /// (something already close is reminded at once), nothing once the event has passed, nothing
    /// beyond the window.
    fn remind_on(&self, event: CalendarDate, days_before: u64) -> Option<CalendarDate> {
        if event < self.from {
            return None;
        }
        let wanted = event
            .checked_sub_days(Days::new(days_before))
            .unwrap_or(event);
        let on = wanted.max(self.from);
        (on < self.until).then_some(on)
    }
}

/// One person's inputs.
pub struct PersonInputs<'a> {
    pub person: &'a Person,
    pub appointments: &'a [ReAppointment],
    pub referrals: &'a [ReferralSlip],
    pub prescriptions: &'a [Prescription],
    /// The child's status on the window's first day; `None` for people the schedule is not for.
    pub vaccinations: Option<&'a VaccinationStatus>,
}

/// The person's reminders in `window`.
pub fn reminders_for(inputs: &PersonInputs, window: Window) -> Vec<Reminder> {
    let mut out = Vec::new();
    let person = inputs.person;
    let who = person.full_name.trim();
    for appointment in inputs.appointments {
        if appointment.status != AppointmentStatus::Booked {
            continue;
        }
        let event = appointment.appointment_date;
        if let Some(on) = window.remind_on(event, REEXAM_DAYS_BEFORE) {
            let place = &appointment.facility.name;
            out.push(reminder(
                format!("reexam:{}", appointment.id),
                person,
                ReminderKind::ReExam,
                on,
                event,
                Some(&appointment.id),
                format!(
                    "{} có lịch tái khám ngày {} tại {place}.",
                    who,
                    vi_date(event)
                ),
                format!("{} has a re-exam on {} at {place}.", who, en_date(event)),
            ));
        }
    }
    for slip in inputs.referrals {
        let last_day = slip
            .valid_until
            .unwrap_or_else(|| slip.computed_valid_until());
        let before = if slip.chronic_disease {
            CHRONIC_REFERRAL_DAYS_BEFORE
        } else {
            REFERRAL_DAYS_BEFORE
        };
        if let Some(on) = window.remind_on(last_day, before) {
            let to = &slip.to_facility.name;
            out.push(reminder(
                format!("referral:{}", slip.id),
                person,
                ReminderKind::ReferralExpiring,
                on,
                last_day,
                Some(&slip.id),
                format!(
                    "Phiếu chuyển tuyến của {} đến {to} hết hạn sau ngày {}.",
                    who,
                    vi_date(last_day)
                ),
                format!(
                    "{}'s referral slip to {to} is valid until {}.",
                    who,
                    en_date(last_day)
                ),
            ));
        }
    }
    for prescription in inputs.prescriptions {
        let longest = prescription
            .lines
            .iter()
            .map(|line| line.dosage.days)
            .max()
            .unwrap_or(0);
        if longest < PRESCRIPTION_MIN_DAYS {
            continue;
        }
        let last_day = prescription.treatment_end();
        if let Some(on) = window.remind_on(last_day, PRESCRIPTION_DAYS_BEFORE) {
            let long_term = prescription
                .diagnoses
                .iter()
                .any(|d| is_chronic_icd10(&d.icd10));
            let (vi_next, en_next) = if long_term {
                (
                    " Hẹn khám để được kê đơn tiếp.",
                    " Book a visit for the next prescription.",
                )
            } else {
                ("", "")
            };
            out.push(reminder(
                format!("prescription:{}", prescription.id),
                person,
                ReminderKind::PrescriptionRunningOut,
                on,
                last_day,
                Some(&prescription.id),
                format!(
                    "Thuốc theo đơn ngày {} của {} dùng đến hết ngày {}.{vi_next}",
                    vi_date(vn_date(&prescription.issued_at)),
                    who,
                    vi_date(last_day)
                ),
                format!(
                    "{}'s medicines prescribed on {} last until {}.{en_next}",
                    who,
                    en_date(vn_date(&prescription.issued_at)),
                    en_date(last_day)
                ),
            ));
        }
    }
    if let Some(status) = inputs.vaccinations {
        out.extend(dose_reminders(person, who, status, window));
    }
    out
}

/// The doses due (or overdue) from the same day, in the schedule's order.
struct DoseGroup {
    event: CalendarDate,
    overdue: bool,
    vi: Vec<String>,
    en: Vec<String>,
}

/// Doses due on the same day (a 5-in-1 dose covers three antigens) make one reminder.
fn dose_reminders(
    person: &Person,
    who: &str,
    status: &VaccinationStatus,
    window: Window,
) -> Vec<Reminder> {
    let mut groups: Vec<DoseGroup> = Vec::new();
    for antigen in &status.antigens {
        for dose in &antigen.doses {
            let (event, overdue) = match &dose.state {
                DoseState::Due { due_from, .. } => (*due_from, false),
                DoseState::Upcoming { due_from, .. } => (*due_from, false),
                DoseState::Overdue { since, .. } => (*since, true),
                _ => continue,
            };
            let index = match groups
                .iter()
                .position(|g| g.event == event && g.overdue == overdue)
            {
                Some(index) => index,
                None => {
                    groups.push(DoseGroup {
                        event,
                        overdue,
                        vi: Vec::new(),
                        en: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            let group = &mut groups[index];
            group
                .vi
                .push(format!("{} mũi {}", antigen.name_vi, dose.dose_number));
            group
                .en
                .push(format!("{} dose {}", antigen.name_en, dose.dose_number));
        }
    }
    let mut out = Vec::new();
    for DoseGroup {
        event,
        overdue,
        vi,
        en,
    } in groups
    {
        let on = if overdue {
            Some(window.from)
        } else if event < window.from {
            // Due since before the window: remind at once.
            (window.from < window.until).then_some(window.from)
        } else {
            window.remind_on(event, DOSE_DAYS_BEFORE)
        };
        let Some(on) = on else { continue };
        let (vi_list, en_list) = (vi.join(", "), en.join(", "));
        let (id, text_vi, text_en) = if overdue {
            (
                format!("dose-overdue:{}:{event}", person.id),
                format!(
                    "{} đã quá hạn tiêm từ ngày {}: {vi_list}.",
                    who,
                    vi_date(event)
                ),
                format!("{} is overdue since {}: {en_list}.", who, en_date(event)),
            )
        } else {
            (
                format!("dose:{}:{event}", person.id),
                format!(
                    "{} đến lịch tiêm từ ngày {}: {vi_list}.",
                    who,
                    vi_date(event)
                ),
                format!("{} is due from {}: {en_list}.", who, en_date(event)),
            )
        };
        out.push(reminder(
            id,
            person,
            ReminderKind::VaccineDose,
            on,
            event,
            None,
            text_vi,
            text_en,
        ));
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn reminder(
    id: String,
    person: &Person,
    kind: ReminderKind,
    remind_on: CalendarDate,
    event_date: CalendarDate,
    record_id: Option<&String>,
    text_vi: String,
    text_en: String,
) -> Reminder {
    Reminder {
        notification_id: notification_id(&id),
        id,
        person_id: person.id.clone(),
        person_name: person.full_name.clone(),
        kind,
        remind_on,
        event_date,
        record_id: record_id.cloned(),
        text_vi,
        text_en,
    }
}

/// FNV-1a of the id, kept to 31 bits: the same id always gives the same number.
fn notification_id(id: &str) -> i32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    (hash & 0x7fff_ffff) as i32
}

fn vi_date(date: CalendarDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

fn en_date(date: CalendarDate) -> String {
    date.format("%-d %b %Y").to_string()
}

/// Soonest first; same day: by person, then kind, then id.
pub fn sort(reminders: &mut [Reminder]) {
    reminders.sort_by(|a, b| {
        (a.remind_on, &a.person_id, a.kind, &a.id).cmp(&(b.remind_on, &b.person_id, b.kind, &b.id))
    });
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::model::time::start_of_day_vn;
    use crate::model::Record;
    use crate::sample::sample_family;
    use crate::schedule::{AntigenStatus, DoseStatus};

    fn day(y: i32, m: u32, d: u32) -> CalendarDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    const FROM: (i32, u32, u32) = (2026, 12, 1);

    fn window(days: u64) -> Window {
        let from = day(FROM.0, FROM.1, FROM.2);
        Window {
            from,
            until: from.checked_add_days(Days::new(days)).expect("date"),
        }
    }

    /// The sample family's owner and one record of each kind this module reads, to reshape.
    struct Parts {
        person: Person,
        appointment: ReAppointment,
        referral: ReferralSlip,
        prescription: Prescription,
    }

    fn parts() -> Parts {
        let family = sample_family(3, day(2026, 11, 1));
        let owner = family.people[0].clone();
        let mine = |r: &&Record| r.person_id() == owner.id;
        let appointment = family.records.iter().filter(mine).find_map(|r| match r {
            Record::Appointment { appointment } => Some(appointment.clone()),
            _ => None,
        });
        let referral = family.records.iter().filter(mine).find_map(|r| match r {
            Record::Referral { referral } => Some(referral.clone()),
            _ => None,
        });
        let prescription = family.records.iter().filter(mine).find_map(|r| match r {
            Record::Prescription { prescription } => Some(prescription.clone()),
            _ => None,
        });
        Parts {
            person: owner,
            appointment: appointment.expect("an appointment"),
            referral: referral.expect("a referral"),
            prescription: prescription.expect("a prescription"),
        }
    }

    fn only(person: &Person) -> PersonInputs<'_> {
        PersonInputs {
            person,
            appointments: &[],
            referrals: &[],
            prescriptions: &[],
            vaccinations: None,
        }
    }

    #[test]
    fn a_reexam_is_reminded_the_day_before_and_only_while_booked() {
        let p = parts();
        let mut cases = Vec::new();
        // (appointment day, status, window days) → remind on
        cases.push((
            day(2026, 12, 6),
            AppointmentStatus::Booked,
            30,
            Some(day(2026, 12, 5)),
        ));
        // Today: reminded at once, not the day before (already past).
        cases.push((
            day(2026, 12, 1),
            AppointmentStatus::Booked,
            30,
            Some(day(2026, 12, 1)),
        ));
        // The day before falls outside a one-week window.
        cases.push((day(2026, 12, 9), AppointmentStatus::Booked, 7, None));
        cases.push((
            day(2026, 12, 8),
            AppointmentStatus::Booked,
            7,
            Some(day(2026, 12, 7)),
        ));
        // Past, or no longer booked.
        cases.push((day(2026, 11, 30), AppointmentStatus::Booked, 30, None));
        cases.push((day(2026, 12, 6), AppointmentStatus::Cancelled, 30, None));
        for (date, status, days, expected) in cases {
            let mut appointment = p.appointment.clone();
            appointment.appointment_date = date;
            appointment.status = status;
            let appointments = [appointment];
            let inputs = PersonInputs {
                appointments: &appointments,
                ..only(&p.person)
            };
            let found = reminders_for(&inputs, window(days));
            assert_eq!(
                found.iter().map(|r| r.remind_on).collect::<Vec<_>>(),
                expected.into_iter().collect::<Vec<_>>(),
                "{date} {status:?} {days}"
            );
            if let Some(reminder) = found.first() {
                assert_eq!(reminder.kind, ReminderKind::ReExam);
                assert_eq!(reminder.id, format!("reexam:{}", p.appointment.id));
                assert_eq!(reminder.event_date, date);
                assert_eq!(
                    reminder.record_id.as_deref(),
                    Some(p.appointment.id.as_str())
                );
                assert!(
                    reminder.text_vi.contains(&vi_date(date)),
                    "{}",
                    reminder.text_vi
                );
                assert!(
                    reminder.text_en.contains(&en_date(date)),
                    "{}",
                    reminder.text_en
                );
            }
        }
    }

    #[test]
    fn a_referral_slip_is_reminded_before_its_last_valid_day() {
        let p = parts();
        // Signed Monday 7 Dec 2026: ten working days end Monday 21 Dec; reminded three days before.
        let mut slip = p.referral.clone();
        slip.signed_at = start_of_day_vn(day(2026, 12, 7));
        slip.chronic_disease = false;
        slip.valid_until = None;
        // A one-year slip for a chronic disease signed 10 Jan 2026 ends 10 Jan 2027; reminded 30 days before.
        let mut chronic = p.referral.clone();
        chronic.id = "chronic-slip".into();
        chronic.signed_at = start_of_day_vn(day(2026, 1, 10));
        chronic.chronic_disease = true;
        chronic.valid_until = None;
        // Expired yesterday: nothing.
        let mut expired = p.referral.clone();
        expired.id = "expired-slip".into();
        expired.valid_until = Some(day(2026, 11, 30));
        let referrals = [slip.clone(), chronic, expired];
        let inputs = PersonInputs {
            referrals: &referrals,
            ..only(&p.person)
        };
        let mut found = reminders_for(&inputs, window(60));
        sort(&mut found);
        let got: Vec<_> = found
            .iter()
            .map(|r| (r.id.as_str(), r.remind_on, r.event_date))
            .collect();
        let slip_id = format!("referral:{}", slip.id);
        assert_eq!(
            got,
            vec![
                ("referral:chronic-slip", day(2026, 12, 11), day(2027, 1, 10)),
                (slip_id.as_str(), day(2026, 12, 18), day(2026, 12, 21)),
            ]
        );
        assert!(found
            .iter()
            .all(|r| r.kind == ReminderKind::ReferralExpiring));
    }

    #[test]
    fn only_long_prescriptions_are_reminded_before_they_run_out() {
        let p = parts();
        let with_days = |id: &str, days: u32| {
            let mut prescription = p.prescription.clone();
            prescription.id = id.into();
            prescription.issued_at = start_of_day_vn(day(2026, 11, 20));
            for line in &mut prescription.lines {
                line.dosage.days = days;
            }
            prescription
        };
        // 30 days from 20 Nov: the last day is 19 Dec, reminded on 16 Dec. Five days: not reminded.
        let prescriptions = [with_days("long", 30), with_days("short", 5)];
        let inputs = PersonInputs {
            prescriptions: &prescriptions,
            ..only(&p.person)
        };
        let found = reminders_for(&inputs, window(30));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].id, "prescription:long");
        assert_eq!(found[0].remind_on, day(2026, 12, 16));
        assert_eq!(found[0].event_date, day(2026, 12, 19));
        assert_eq!(found[0].kind, ReminderKind::PrescriptionRunningOut);
    }

    fn dose(number: u32, state: DoseState) -> DoseStatus {
        DoseStatus {
            dose_number: number,
            label_vi: None,
            label_en: None,
            due_on: None,
            state,
        }
    }

    fn antigen(name: &str, doses: Vec<DoseStatus>) -> AntigenStatus {
        AntigenStatus {
            antigen: name.into(),
            name_vi: format!("{name} (vi)"),
            name_en: format!("{name} (en)"),
            doses,
            flagged: vec![],
            extra: vec![],
        }
    }

    #[test]
    fn doses_due_the_same_day_make_one_reminder_a_week_before() {
        let p = parts();
        let upcoming = DoseState::Upcoming {
            earliest: day(2026, 12, 10),
            due_from: day(2026, 12, 15),
            due_until: day(2027, 1, 14),
        };
        let status = VaccinationStatus {
            person_id: p.person.id.clone(),
            on_date: day(2026, 12, 1),
            schedule_id: "test".into(),
            schedule_version: "1".into(),
            schedule_source: "test".into(),
            antigens: vec![
                antigen(
                    "DTP",
                    vec![
                        dose(
                            1,
                            DoseState::Given {
                                date: day(2026, 10, 1),
                                record_id: "r1".into(),
                                late: false,
                            },
                        ),
                        dose(2, upcoming.clone()),
                    ],
                ),
                antigen("Hib", vec![dose(2, upcoming.clone())]),
                antigen(
                    "Measles",
                    vec![dose(
                        1,
                        DoseState::Overdue {
                            since: day(2026, 11, 1),
                            closes_on: None,
                        },
                    )],
                ),
                antigen(
                    "OPV",
                    vec![dose(
                        3,
                        DoseState::Due {
                            due_from: day(2026, 11, 25),
                            due_until: day(2026, 12, 25),
                        },
                    )],
                ),
                antigen(
                    "JE",
                    vec![dose(
                        1,
                        DoseState::NotYetEligible {
                            waits_on_dose: 0,
                            projected_earliest: day(2026, 12, 20),
                            projected_due: day(2026, 12, 20),
                        },
                    )],
                ),
                antigen(
                    "Rotavirus",
                    vec![dose(
                        2,
                        DoseState::NoLongerGiven {
                            closed_on: day(2026, 11, 1),
                        },
                    )],
                ),
            ],
            outside_schedule: vec![],
        };
        let inputs = PersonInputs {
            vaccinations: Some(&status),
            ..only(&p.person)
        };
        let mut found = reminders_for(&inputs, window(30));
        sort(&mut found);
        let got: Vec<_> = found
            .iter()
            .map(|r| (r.id.clone(), r.remind_on, r.event_date))
            .collect();
        let person = &p.person.id;
        assert_eq!(
            got,
            vec![
                // Overdue and already due: at once. Listed by id on the same day.
                (
                    format!("dose-overdue:{person}:2026-11-01"),
                    day(2026, 12, 1),
                    day(2026, 11, 1)
                ),
                (
                    format!("dose:{person}:2026-11-25"),
                    day(2026, 12, 1),
                    day(2026, 11, 25)
                ),
                // DTP 2 and Hib 2 due on 15 Dec: one reminder on 8 Dec.
                (
                    format!("dose:{person}:2026-12-15"),
                    day(2026, 12, 8),
                    day(2026, 12, 15)
                ),
            ]
        );
        let combined = &found[2];
        assert!(
            combined.text_vi.contains("DTP (vi) mũi 2, Hib (vi) mũi 2"),
            "{}",
            combined.text_vi
        );
        assert!(
            combined
                .text_en
                .contains("DTP (en) dose 2, Hib (en) dose 2"),
            "{}",
            combined.text_en
        );
        assert!(found[0].text_en.contains("overdue"), "{}", found[0].text_en);
        assert!(found
            .iter()
            .all(|r| r.kind == ReminderKind::VaccineDose && r.record_id.is_none()));
    }

    #[test]
    fn notification_ids_are_fnv1a_of_the_id_in_31_bits() {
        // FNV-1a 32 of "a" is 0xe40c292c.
        assert_eq!(notification_id("a"), 0x640c_292c);
        assert_eq!(notification_id("reexam:x"), notification_id("reexam:x"));
        assert_ne!(notification_id("reexam:x"), notification_id("reexam:y"));
        assert!(notification_id("dose:sample-1-p3:2026-12-15") >= 0);
    }
}
