//! The people in a book: the owner and the dependants (children) the owner is guardian of.
//! Owns the profile fields and their rules; records about a person live in `records`.

use serde::{Deserialize, Serialize};

use super::identifiers::{
    validate_facility_code, validate_insurance_number, validate_personal_id, validate_phone,
};
use super::time::CalendarDate;
use super::{Checked, Sex, ValidationError};

/// Whose book this is in the app: the citizen who owns the file, or a child they manage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum PersonRole {
    Owner,
    Dependant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum AboGroup {
    A,
    B,
    Ab,
    O,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum RhFactor {
    Positive,
    Negative,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct BloodGroup {
    pub abo: AboGroup,
    pub rh: RhFactor,
}

/// Address as administrative codes (province and commune, after the 2025 two-level reform) plus a free line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Address {
    pub province_code: Option<String>,
    pub commune_code: Option<String>,
    pub line: Option<String>,
}

/// The health insurance card (thẻ BHYT): number in any accepted form, primary-care facility, validity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct InsuranceCard {
    pub number: String,
    pub primary_care_facility_code: Option<String>,
    pub valid_from: Option<CalendarDate>,
    pub valid_to: Option<CalendarDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum GuardianRelation {
    Mother,
    Father,
    Grandparent,
    Sibling,
    LegalGuardian,
    Other,
}

/// Who manages a dependant's book. `guardian_person_id` points at the owner when the guardian is in this book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct GuardianLink {
    pub guardian_person_id: Option<String>,
    pub name: String,
    pub relation: GuardianRelation,
    pub personal_id: Option<String>,
    pub phone: Option<String>,
    pub since: Option<CalendarDate>,
    pub until: Option<CalendarDate>,
}

/// A person's profile. `id` is the book's own id; leave it empty when adding and the book assigns one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Person {
    pub id: String,
    pub role: PersonRole,
    pub full_name: String,
    pub date_of_birth: CalendarDate,
    pub sex: Sex,
    /// The 12-digit personal id (CCCD / số định danh); newborns may not have one yet.
    pub personal_id: Option<String>,
    /// Earlier personal ids: numbers can be reissued, and old records still carry them.
    pub previous_personal_ids: Vec<String>,
    pub ethnicity: Option<String>,
    pub nationality: Option<String>,
    pub occupation: Option<String>,
    pub address: Option<Address>,
    pub insurance: Option<InsuranceCard>,
    pub blood_group: Option<BloodGroup>,
    /// Risk factors as stated (smoking, alcohol, …); diagnoses belong in condition records.
    pub risk_factors: Vec<String>,
    pub guardian: Option<GuardianLink>,
}

impl Person {
    pub fn validate(&self) -> Checked {
        if self.full_name.trim().is_empty() {
            return Err(ValidationError::new("person.full_name", "is required"));
        }
        if let Some(id) = &self.personal_id {
            validate_personal_id(
                "person.personal_id",
                id,
                Some(self.date_of_birth),
                Some(self.sex),
            )?;
        }
        for (i, id) in self.previous_personal_ids.iter().enumerate() {
            validate_personal_id(
                &format!("person.previous_personal_ids[{i}]"),
                id,
                None,
                None,
            )?;
        }
        if let Some(card) = &self.insurance {
            validate_insurance_number("person.insurance.number", &card.number)?;
            if let Some(code) = &card.primary_care_facility_code {
                validate_facility_code("person.insurance.primary_care_facility_code", code)?;
            }
            if let (Some(from), Some(to)) = (card.valid_from, card.valid_to) {
                if to < from {
                    return Err(ValidationError::new(
                        "person.insurance.valid_to",
                        format!("ends ({to}) before the card is valid from ({from})"),
                    ));
                }
            }
        }
        if let Some(guardian) = &self.guardian {
            if self.role == PersonRole::Owner {
                return Err(ValidationError::new(
                    "person.guardian",
                    "the book's owner has no guardian link; only dependants do",
                ));
            }
            if guardian.name.trim().is_empty() {
                return Err(ValidationError::new("person.guardian.name", "is required"));
            }
            if let Some(id) = &guardian.personal_id {
                validate_personal_id("person.guardian.personal_id", id, None, None)?;
            }
            if let Some(phone) = &guardian.phone {
                validate_phone("person.guardian.phone", phone)?;
            }
        }
        Ok(())
    }
}
