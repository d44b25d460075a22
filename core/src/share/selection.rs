//! Which records a share holds: the kinds, record ids and days asked for, less the records the
//! citizen marked sensitive and those whose diagnoses are on the sensitive list (HIV, sexually
//! transmitted diseases, mental health …), unless the citizen includes them on purpose.

use crate::model::time::vn_date;
use crate::model::{CalendarDate, Record, RecordKind};

/// What to share from one person's book.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only these kinds; empty means every kind.
    pub kinds: Vec<RecordKind>,
    /// Only these records; empty means every record of the kinds.
    pub record_ids: Vec<String>,
    pub from: Option<CalendarDate>,
    pub to: Option<CalendarDate>,
    pub include_sensitive: bool,
}

/// The records chosen, in the order given, and how many were left out as sensitive.
pub fn select(
    records: Vec<Record>,
    selection: &Selection,
    sensitive_codes: &[String],
) -> (Vec<Record>, u32) {
    let mut left_out = 0;
    let chosen = records
        .into_iter()
        .filter(|record| selection.kinds.is_empty() || selection.kinds.contains(&record.kind()))
        .filter(|record| {
            selection.record_ids.is_empty()
                || selection.record_ids.iter().any(|id| id == record.id())
        })
        .filter(|record| {
            let day = vn_date(&record.at());
            selection.from.is_none_or(|from| from <= day) && selection.to.is_none_or(|to| day <= to)
        })
        .filter(|record| {
            let keep = selection.include_sensitive || !is_sensitive(record, sensitive_codes);
            if !keep {
                left_out += 1;
            }
            keep
        })
        .collect();
    (chosen, left_out)
}

/// Marked sensitive by the citizen, or carrying a diagnosis code that starts with a sensitive prefix.
pub fn is_sensitive(record: &Record, sensitive_codes: &[String]) -> bool {
    record.sensitive()
        || diagnosis_codes(record).iter().any(|code| {
            let code = code.trim().to_ascii_uppercase();
            sensitive_codes
                .iter()
                .any(|prefix| code.starts_with(prefix.as_str()))
        })
}

/// Every ICD-10 code a record carries.
pub fn diagnosis_codes(record: &Record) -> Vec<&str> {
    match record {
        Record::Visit { visit } => visit
            .main_icd10
            .iter()
            .chain(visit.secondary_icd10.iter())
            .map(String::as_str)
            .collect(),
        Record::Prescription { prescription } => prescription
            .diagnoses
            .iter()
            .map(|d| d.icd10.as_str())
            .collect(),
        Record::Referral { referral } => referral.icd10.iter().map(String::as_str).collect(),
        Record::Appointment { appointment } => {
            appointment.icd10.iter().map(String::as_str).collect()
        }
        Record::Condition { condition } => condition.icd10.iter().map(String::as_str).collect(),
        Record::Immunization { .. } | Record::Allergy { .. } | Record::Observation { .. } => {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::sample::sample_family;

    fn family_records() -> (String, Vec<Record>) {
        let family = sample_family(5, NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"));
        let owner = family.people[0].id.clone();
        let records = family
            .records
            .into_iter()
            .filter(|r| r.person_id() == owner)
            .collect();
        (owner, records)
    }

    fn codes(list: &[&str]) -> Vec<String> {
        list.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn kinds_ids_and_days_narrow_the_selection() {
        let (_, records) = family_records();
        let total = records.len();
        // The sample owner marked some records sensitive herself: they stay out by default.
        let marked = records.iter().filter(|r| r.sensitive()).count();
        assert!(marked > 0);
        let (all, left_out) = select(records.clone(), &Selection::default(), &[]);
        assert_eq!((all.len(), left_out as usize), (total - marked, marked));

        let only = Selection {
            kinds: vec![RecordKind::Prescription, RecordKind::Visit],
            ..Selection::default()
        };
        let (chosen, _) = select(records.clone(), &only, &[]);
        assert!(!chosen.is_empty());
        assert!(chosen
            .iter()
            .all(|r| matches!(r.kind(), RecordKind::Prescription | RecordKind::Visit)));

        let picked: Vec<String> = records.iter().take(3).map(|r| r.id().to_string()).collect();
        let by_id = Selection {
            record_ids: picked.clone(),
            ..Selection::default()
        };
        let (chosen, _) = select(records.clone(), &by_id, &[]);
        assert_eq!(
            chosen
                .iter()
                .map(|r| r.id().to_string())
                .collect::<Vec<_>>(),
            picked
        );

        let day = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
        let last_day = NaiveDate::from_ymd_opt(2024, 12, 31).expect("date");
        let in_2024 = Selection {
            from: Some(day),
            to: Some(last_day),
            ..Selection::default()
        };
        let (chosen, _) = select(records, &in_2024, &[]);
        assert!(!chosen.is_empty());
        assert!(chosen.iter().all(|r| {
            let on = vn_date(&r.at());
            day <= on && on <= last_day
        }));
    }

    #[test]
    fn sensitive_records_stay_out_unless_included() {
        let (_, mut records) = family_records();
        // The citizen marks one record sensitive; another carries an HIV diagnosis.
        let marked = records[0].id().to_string();
        match &mut records[0] {
            Record::Visit { visit } => visit.sensitive = true,
            Record::Prescription { prescription } => prescription.sensitive = true,
            Record::Immunization { immunization } => immunization.sensitive = true,
            Record::Observation { observation } => observation.sensitive = true,
            Record::Allergy { allergy } => allergy.sensitive = true,
            Record::Condition { condition } => condition.sensitive = true,
            Record::Referral { referral } => referral.sensitive = true,
            Record::Appointment { appointment } => appointment.sensitive = true,
        }
        let hiv = records
            .iter_mut()
            .find_map(|r| match r {
                Record::Visit { visit } => {
                    visit.main_icd10 = Some("B20.1".into());
                    Some(visit.id.clone())
                }
                _ => None,
            })
            .expect("a visit");
        let total = records.len();
        let sensitive_before = records
            .iter()
            .filter(|r| r.sensitive() && r.id() != marked && r.id() != hiv)
            .count();
        let list = codes(&["B20", "Z21"]);
        let (chosen, left_out) = select(records.clone(), &Selection::default(), &list);
        let ours = if marked == hiv { 1 } else { 2 };
        assert_eq!(left_out as usize, sensitive_before + ours);
        assert_eq!(chosen.len(), total - left_out as usize);
        assert!(chosen.iter().all(|r| r.id() != marked && r.id() != hiv));

        let include = Selection {
            include_sensitive: true,
            ..Selection::default()
        };
        let (chosen, left_out) = select(records, &include, &list);
        assert_eq!((chosen.len(), left_out), (total, 0));
    }
}
