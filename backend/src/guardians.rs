//! Whose books a citizen's token reaches: their own, and those of the children they are guardian
//! of, while the link is in force (since ≤ today, until absent or after today) and the child is
//! under the guardian age limit (`--guardian-age-limit`, 14 by default). On the child's birthday
//! at the limit the guardian's access ends; the book stays with the child's own account.

use healthbook_core::model::guardianship::under_age_limit;
use healthbook_core::model::{CalendarDate, GuardianLink, PersonRole};

use crate::storage::{Reader, StorageResult, StoredLink, StoredPerson};

/// A person the token may read and write, in the order the change feed serves them.
#[derive(Debug, Clone, PartialEq)]
pub struct Visible {
    pub person: StoredPerson,
    pub role: PersonRole,
    /// For a child: the link to the token's citizen (`guardian_person_id` = their patient id).
    pub link: Option<GuardianLink>,
}

impl Visible {
    pub fn patient_id(&self) -> &str {
        &self.person.patient_id
    }
}

/// The citizen first, then the children in their care by patient id.
pub fn visible_people(
    reader: &dyn Reader,
    citizen: &StoredPerson,
    today: CalendarDate,
    age_limit: u32,
) -> StorageResult<Vec<Visible>> {
    let mut visible = vec![Visible {
        person: citizen.clone(),
        role: PersonRole::Owner,
        link: None,
    }];
    let Some(personal_id) = citizen.person.personal_id.as_deref() else {
        return Ok(visible);
    };
    for stored in reader.links_of_guardian(personal_id)? {
        if stored.child_id == citizen.patient_id || !in_force(&stored, today) {
            continue;
        }
        let Some(child) = reader.person(&stored.child_id)? else {
            continue;
        };
        if !under_age_limit(child.person.date_of_birth, today, age_limit) {
            continue;
        }
        let mut link = stored.link;
        link.guardian_person_id = Some(citizen.patient_id.clone());
        link.personal_id = Some(personal_id.to_string());
        visible.push(Visible {
            person: child,
            role: PersonRole::Dependant,
            link: Some(link),
        });
    }
    Ok(visible)
}

fn in_force(stored: &StoredLink, today: CalendarDate) -> bool {
    stored.link.since.is_none_or(|since| since <= today)
        && stored.link.until.is_none_or(|until| until > today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> CalendarDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn the_age_limit_ends_on_the_birthday() {
        let born = day(2012, 6, 15);
        assert!(under_age_limit(born, day(2026, 6, 14), 14));
        assert!(!under_age_limit(born, day(2026, 6, 15), 14));
        assert!(under_age_limit(born, day(2026, 6, 15), 15));
    }
}
