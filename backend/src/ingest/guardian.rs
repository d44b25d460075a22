//! A facility's `RelatedPerson` naming a guardian of the transaction's Patient: who (their CCCD),
//! how related (v3 RoleCode), their name, birth date and phone, and since/until when (`period`).
//! It becomes the guardian link through which the guardian's token reaches the child's book. The
//! name and birth date are also what ingest checks against a guardian the server already knows.

use healthbook_core::fhir::systems as sys;
use healthbook_core::model::identifiers::{validate_personal_id, validate_phone};
use healthbook_core::model::{CalendarDate, GuardianLink, GuardianRelation};
use serde_json::Value;

use super::read::{list, text};
use crate::outcome::Issue;

/// A guardian link the transaction makes, from its `RelatedPerson` entry at `index`.
#[derive(Debug, Clone)]
pub struct PlannedGuardian {
    pub index: usize,
    /// The facility's id of the RelatedPerson: a later `DELETE RelatedPerson/<id>` ends the link.
    pub id: String,
    pub guardian_personal_id: String,
    pub link: GuardianLink,
    /// The guardian's `birthDate`, when the RelatedPerson has one.
    pub birth_date: Option<CalendarDate>,
}

/// What a RelatedPerson says: the guardian's CCCD, the link, the guardian's birth date.
pub type ReadGuardian = (String, GuardianLink, Option<CalendarDate>);

/// v3 RoleCode codes a guardian may be given, beyond the book's own table (`GUARDIAN_RELATIONS`).
const MORE_RELATIONS: [(&str, GuardianRelation); 7] = [
    ("GRMTH", GuardianRelation::Grandparent),
    ("GRFTH", GuardianRelation::Grandparent),
    ("MGRMTH", GuardianRelation::Grandparent),
    ("MGRFTH", GuardianRelation::Grandparent),
    ("PGRMTH", GuardianRelation::Grandparent),
    ("PGRFTH", GuardianRelation::Grandparent),
    ("NMTH", GuardianRelation::Mother),
];

/// Reads the RelatedPerson at `at`; `is_patient` tells whether a reference names the Patient.
pub fn read_guardian(
    resource: &Value,
    at: &str,
    is_patient: &dyn Fn(&str) -> bool,
) -> Result<ReadGuardian, Vec<Issue>> {
    let mut issues = Vec::new();
    let birth_date = day(
        resource,
        "birthDate",
        &format!("{at}.birthDate"),
        &mut issues,
    );
    let about_patient = resource
        .get("patient")
        .and_then(|p| text(p, "reference"))
        .is_some_and(is_patient);
    if !about_patient {
        issues.push(Issue::invalid(
            format!("{at}.patient"),
            "must refer to the transaction's Patient: a RelatedPerson names a guardian of that patient",
        ));
    }
    let personal_id = list(resource, "identifier")
        .iter()
        .filter(|i| text(i, "system") == Some(sys::PERSONAL_ID))
        .find_map(|i| text(i, "value"));
    match personal_id {
        None => issues.push(Issue::invalid(
            format!("{at}.identifier"),
            format!(
                "the guardian's personal id (CCCD) is required, with system {}",
                sys::PERSONAL_ID
            ),
        )),
        Some(id) => {
            if let Err(e) = validate_personal_id("identifier", id, birth_date, None) {
                issues.push(Issue::invalid(
                    format!("{at}.identifier"),
                    format!("the guardian's CCCD is not valid: {}", e.reason),
                ));
            }
        }
    }
    let relation = list(resource, "relationship").iter().find_map(relation_of);
    if relation.is_none() {
        issues.push(Issue::invalid(
            format!("{at}.relationship"),
            format!(
                "needs a code of {} saying how the guardian is related (MTH, FTH, GRPRN, GRMTH, GRFTH, SIB, GUARD), or O (other) of {}",
                sys::V3_ROLE_CODE, sys::V2_CONTACT_ROLE
            ),
        ));
    }
    let name = name_of(resource);
    if name.is_none() {
        issues.push(Issue::invalid(
            format!("{at}.name"),
            "the guardian's name is required",
        ));
    }
    let phone = list(resource, "telecom")
        .iter()
        .find(|t| text(t, "system") == Some("phone"))
        .and_then(|t| text(t, "value"));
    if let Some(phone) = phone {
        if let Err(e) = validate_phone("telecom", phone) {
            issues.push(Issue::invalid(
                format!("{at}.telecom"),
                format!("the phone number is not valid: {}", e.reason),
            ));
        }
    }
    let period = resource.get("period").unwrap_or(&Value::Null);
    let since = day(period, "start", &format!("{at}.period.start"), &mut issues);
    let until = day(period, "end", &format!("{at}.period.end"), &mut issues);
    if let (Some(start), Some(end)) = (since, until) {
        if end < start {
            issues.push(Issue::invalid(
                format!("{at}.period.end"),
                "ends before the guardianship starts",
            ));
        }
    }
    match (personal_id, relation, name, issues.is_empty()) {
        (Some(personal_id), Some(relation), Some(name), true) => Ok((
            personal_id.to_string(),
            GuardianLink {
                guardian_person_id: None,
                name,
                relation,
                personal_id: Some(personal_id.to_string()),
                phone: phone.map(str::to_string),
                since,
                until,
            },
            birth_date,
        )),
        _ => Err(issues),
    }
}

fn relation_of(concept: &Value) -> Option<GuardianRelation> {
    list(concept, "coding").iter().find_map(|c| {
        let (system, code) = (text(c, "system"), text(c, "code")?);
        sys::guardian_relation(system, code).or_else(|| {
            (system == Some(sys::V3_ROLE_CODE))
                .then(|| MORE_RELATIONS.iter().find(|(m, _)| *m == code))
                .flatten()
                .map(|(_, relation)| *relation)
        })
    })
}

/// `name.text`, else family name then given names (Vietnamese order).
fn name_of(resource: &Value) -> Option<String> {
    let name = list(resource, "name").first()?;
    if let Some(full) = text(name, "text") {
        return Some(full.to_string());
    }
    let parts: Vec<&str> = text(name, "family")
        .into_iter()
        .chain(list(name, "given").iter().filter_map(Value::as_str))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// A date (or the date part of a date-time) at `key`; a malformed one is an issue.
fn day(value: &Value, key: &str, at: &str, issues: &mut Vec<Issue>) -> Option<CalendarDate> {
    let value = text(value, key)?;
    let date = value.get(..10).unwrap_or(value);
    match chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        Ok(day) => Some(day),
        Err(_) => {
            issues.push(Issue::invalid(at, "is not a date (YYYY-MM-DD)"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn relation(system: &str, code: &str) -> Option<GuardianRelation> {
        relation_of(&json!({ "coding": [{ "system": system, "code": code }] }))
    }

    #[test]
    fn relations_are_read_under_their_own_code_system() {
        assert_eq!(
            relation(sys::V2_CONTACT_ROLE, "O"),
            Some(GuardianRelation::Other)
        );
        assert_eq!(
            relation(sys::V3_ROLE_CODE, "O"),
            Some(GuardianRelation::Other),
            "the v3 O older systems send"
        );
        assert_eq!(
            relation(sys::V3_ROLE_CODE, "GRMTH"),
            Some(GuardianRelation::Grandparent)
        );
        assert_eq!(
            relation(sys::V3_ROLE_CODE, "MTH"),
            Some(GuardianRelation::Mother)
        );
        assert_eq!(relation(sys::V2_CONTACT_ROLE, "MTH"), None);
        assert_eq!(relation("http://example.org/roles", "MTH"), None);
    }
}
