//! The identifier systems, code systems and extension URLs the book's FHIR resources use, and the
//! code tables for the book's own enumerations (treatment result, discharge type, referral reason,
//! prescription kind, immunization programme, history kind) in both directions.
//! Export and import both read these, so a code written out is always a code read back in.
//! Never invent a system elsewhere: docs/fhir-mapping.md lists exactly what is here.

use crate::model::{
    AllergyCategory, AllergyCriticality, AppointmentStatus, DischargeType, GuardianRelation,
    HistoryKind, ImmunizationProgramme, ObservationKind, PrescriptionKind, ReferralReason,
    TreatmentResult,
};

// Vietnamese identifier systems, under the Ministry of Health's draft FHIR guide canonical.
pub const VN_CORE: &str = "http://fhir.ehealth.gov.vn/core";
pub const PERSONAL_ID: &str = "http://fhir.ehealth.gov.vn/core/NamingSystem/cccd";
pub const INSURANCE_NUMBER: &str = "http://fhir.ehealth.gov.vn/core/NamingSystem/bhyt";
pub const FACILITY_CODE: &str = "http://fhir.ehealth.gov.vn/core/NamingSystem/facility-code";
pub const NATIONAL_PRESCRIPTION_CODE: &str =
    "http://fhir.ehealth.gov.vn/core/NamingSystem/national-prescription-code";
pub const REFERRAL_SLIP: &str = "http://fhir.ehealth.gov.vn/core/NamingSystem/referral-slip";
pub const APPOINTMENT_SLIP: &str = "http://fhir.ehealth.gov.vn/core/NamingSystem/appointment-slip";
/// Episode keys are only unique within a facility, so values are `<facility code>/<episode key>`.
pub const EPISODE_KEY: &str = "http://fhir.ehealth.gov.vn/core/NamingSystem/episode-key";
pub const PRACTITIONER_LICENCE: &str =
    "http://fhir.ehealth.gov.vn/core/NamingSystem/practitioner-licence";
pub const VACCINE_CODE: &str = "http://fhir.ehealth.gov.vn/core/NamingSystem/vaccine-code";
/// The drug code of the claim tables (MA_THUOC).
pub const DRUG_CODE: &str = "http://fhir.ehealth.gov.vn/core/NamingSystem/drug-code";

// Code systems for the book's codes that have no standard system.
pub const TREATMENT_RESULT: &str = "http://fhir.ehealth.gov.vn/core/CodeSystem/treatment-result";
pub const DISCHARGE_TYPE: &str = "http://fhir.ehealth.gov.vn/core/CodeSystem/discharge-type";
pub const REFERRAL_REASON: &str = "http://fhir.ehealth.gov.vn/core/CodeSystem/referral-reason";
pub const PRESCRIPTION_KIND: &str = "http://fhir.ehealth.gov.vn/core/CodeSystem/prescription-kind";
pub const IMMUNIZATION_PROGRAMME: &str =
    "http://fhir.ehealth.gov.vn/core/CodeSystem/immunization-programme";
pub const HISTORY_KIND: &str = "http://fhir.ehealth.gov.vn/core/CodeSystem/history-kind";

// International terminologies.
pub const ICD10: &str = "http://hl7.org/fhir/sid/icd-10";
pub const CVX: &str = "http://hl7.org/fhir/sid/cvx";
pub const LOINC: &str = "http://loinc.org";
pub const SNOMED: &str = "http://snomed.info/sct";
pub const UCUM: &str = "http://unitsofmeasure.org";
pub const URN_RFC3986: &str = "urn:ietf:rfc:3986";

// HL7 terminology.
pub const V3_ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
pub const V3_ROLE_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
pub const V3_CONFIDENTIALITY: &str = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
pub const V3_PARTICIPATION_TYPE: &str =
    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
pub const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
pub const CONDITION_VERIFICATION: &str =
    "http://terminology.hl7.org/CodeSystem/condition-ver-status";
pub const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
pub const ALLERGY_CLINICAL: &str =
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
pub const ALLERGY_VERIFICATION: &str =
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification";
pub const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
pub const LIST_EMPTY_REASON: &str = "http://terminology.hl7.org/CodeSystem/list-empty-reason";
pub const FUNDING_SOURCE: &str =
    "http://terminology.hl7.org/CodeSystem/immunization-funding-source";
/// IPS codes stating that nothing is known ("no known allergies"): not entries the book keeps.
pub const IPS_ABSENT_UNKNOWN: &str = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips";
pub const PATIENT_NATIONALITY: &str = "http://hl7.org/fhir/StructureDefinition/patient-nationality";

// The book's own: record ids and the extensions for fields FHIR R4 has no element for.
pub const RECORD_ID: &str = "https://healthbook.vn/fhir/record-id";
/// The backend's id of a person, on the Patient in sync pages and pushes.
pub const SERVER_PATIENT_ID: &str = "https://healthbook.vn/fhir/patient-id";
/// `meta.tag` systems of the sync wire: who wrote a record, the person's role in the book,
/// and whether a change-feed page is the last one for now.
pub const TAG_RECORD_SOURCE: &str = "https://healthbook.vn/fhir/CodeSystem/record-source";
pub const TAG_BOOK_ROLE: &str = "https://healthbook.vn/fhir/CodeSystem/book-role";
pub const TAG_SYNC_STATE: &str = "https://healthbook.vn/fhir/CodeSystem/sync-state";
pub const EXT_TREATMENT_RESULT: &str =
    "https://healthbook.vn/fhir/StructureDefinition/treatment-result";
pub const EXT_INSTRUCTIONS: &str =
    "https://healthbook.vn/fhir/StructureDefinition/doctor-instructions";
pub const EXT_SUMMARY: &str = "https://healthbook.vn/fhir/StructureDefinition/episode-summary";
pub const EXT_RE_EXAM_DATE: &str = "https://healthbook.vn/fhir/StructureDefinition/re-exam-date";
pub const EXT_PATIENT_AGE: &str = "https://healthbook.vn/fhir/StructureDefinition/patient-age";
pub const EXT_BRAND_NAME: &str = "https://healthbook.vn/fhir/StructureDefinition/brand-name";
pub const EXT_ACTIVE_INGREDIENT: &str =
    "https://healthbook.vn/fhir/StructureDefinition/active-ingredient";
pub const EXT_STRENGTH: &str = "https://healthbook.vn/fhir/StructureDefinition/strength";
pub const EXT_REFERRAL_NOTE: &str = "https://healthbook.vn/fhir/StructureDefinition/referral-note";
pub const EXT_ESCORT: &str = "https://healthbook.vn/fhir/StructureDefinition/referral-escort";
pub const EXT_CHRONIC_DISEASE: &str =
    "https://healthbook.vn/fhir/StructureDefinition/chronic-disease";
pub const EXT_PROVINCE_CODE: &str = "https://healthbook.vn/fhir/StructureDefinition/province-code";
pub const EXT_COMMUNE_CODE: &str = "https://healthbook.vn/fhir/StructureDefinition/commune-code";

// LOINC codes: IPS document and section codes, and the observations the book keeps.
pub const LOINC_PATIENT_SUMMARY: &str = "60591-5";
pub const LOINC_BODY_WEIGHT: &str = "29463-7";
pub const LOINC_BODY_HEIGHT: &str = "8302-2";
pub const LOINC_BLOOD_PRESSURE_PANEL: &str = "85354-9";
/// The older "blood pressure systolic and diastolic" panel some IPS documents still use.
pub const LOINC_BLOOD_PRESSURE_PAIR: &str = "55284-4";
pub const LOINC_SYSTOLIC: &str = "8480-6";
pub const LOINC_DIASTOLIC: &str = "8462-4";
pub const LOINC_HEART_RATE: &str = "8867-4";
pub const LOINC_BODY_TEMPERATURE: &str = "8310-5";
pub const LOINC_GLUCOSE_MASS: &str = "2339-0";
pub const LOINC_GLUCOSE_MOLES: &str = "15074-8";
pub const LOINC_NOTE: &str = "34109-9";

/// SNOMED CT "Patient referral": the category of a referral ServiceRequest.
pub const SNOMED_PATIENT_REFERRAL: &str = "3457005";
/// SNOMED CT codes meaning "nothing known" that IPS documents use in place of an entry.
/// (IPS "Absent or Unknown SNOMED" value set.)
pub const SNOMED_NOTHING_KNOWN: [&str; 8] = [
    "716186003",
    "409137002",
    "428607008",
    "429625007",
    "787483001",
    "787482006",
    "787481004",
    "160245001",
];

/// Every code table below is (enum value, code, display). Displays are Vietnamese, as the book shows them.
pub const TREATMENT_RESULTS: [(TreatmentResult, &str, &str); 7] = [
    (TreatmentResult::Cured, "1", "Khỏi"),
    (TreatmentResult::Improved, "2", "Đỡ"),
    (TreatmentResult::Unchanged, "3", "Không thay đổi"),
    (TreatmentResult::Worse, "4", "Nặng hơn"),
    (TreatmentResult::Died, "5", "Tử vong"),
    (
        TreatmentResult::SevereDischargedOnRequest,
        "6",
        "Tiên lượng nặng xin về",
    ),
    (TreatmentResult::Undetermined, "7", "Chưa xác định"),
];

pub const DISCHARGE_TYPES: [(DischargeType, &str, &str); 5] = [
    (DischargeType::Discharged, "1", "Ra viện"),
    (
        DischargeType::Transferred,
        "2",
        "Chuyển cơ sở khám bệnh, chữa bệnh",
    ),
    (DischargeType::LeftWithoutPermission, "3", "Trốn viện"),
    (DischargeType::DischargedOnRequest, "4", "Xin ra viện"),
    (
        DischargeType::TransferredOnRequest,
        "5",
        "Chuyển cơ sở theo yêu cầu người bệnh",
    ),
];

pub const REFERRAL_REASONS: [(ReferralReason, &str, &str); 3] = [
    (
        ReferralReason::MeetsCriteria,
        "1",
        "Đủ điều kiện chuyển cơ sở",
    ),
    (
        ReferralReason::BeyondCapacity,
        "2",
        "Vượt quá khả năng của cơ sở",
    ),
    (
        ReferralReason::PatientRequest,
        "3",
        "Theo yêu cầu của người bệnh",
    ),
];

/// Codes are the API letters of the national prescription code, so the code and the letter agree.
pub const PRESCRIPTION_KINDS: [(PrescriptionKind, &str, &str); 4] = [
    (PrescriptionKind::General, "c", "Đơn thuốc thông thường"),
    (PrescriptionKind::Addictive, "n", "Đơn thuốc gây nghiện"),
    (
        PrescriptionKind::Psychotropic,
        "h",
        "Đơn thuốc hướng thần, tiền chất",
    ),
    (
        PrescriptionKind::Traditional,
        "y",
        "Đơn thuốc y học cổ truyền",
    ),
];

pub const IMMUNIZATION_PROGRAMMES: [(ImmunizationProgramme, &str, &str); 3] = [
    (
        ImmunizationProgramme::Expanded,
        "expanded",
        "Tiêm chủng mở rộng",
    ),
    (
        ImmunizationProgramme::PaidService,
        "paid-service",
        "Tiêm chủng dịch vụ",
    ),
    (
        ImmunizationProgramme::Campaign,
        "campaign",
        "Chiến dịch tiêm chủng",
    ),
];

pub const HISTORY_KINDS: [(HistoryKind, &str, &str); 3] = [
    (HistoryKind::Medical, "medical", "Tiền sử bệnh"),
    (HistoryKind::Surgical, "surgical", "Tiền sử phẫu thuật"),
    (HistoryKind::Family, "family", "Tiền sử gia đình"),
];

/// FHIR R4 `AllergyIntolerance.category` codes.
pub const ALLERGY_CATEGORIES: [(AllergyCategory, &str); 4] = [
    (AllergyCategory::Medication, "medication"),
    (AllergyCategory::Food, "food"),
    (AllergyCategory::Environment, "environment"),
    (AllergyCategory::Biologic, "biologic"),
];

/// FHIR R4 `AllergyIntolerance.criticality` codes.
pub const ALLERGY_CRITICALITIES: [(AllergyCriticality, &str); 3] = [
    (AllergyCriticality::Low, "low"),
    (AllergyCriticality::High, "high"),
    (AllergyCriticality::UnableToAssess, "unable-to-assess"),
];

/// FHIR R4 `Appointment.status` for each state of a re-exam slip.
pub const APPOINTMENT_STATUSES: [(AppointmentStatus, &str); 4] = [
    (AppointmentStatus::Booked, "booked"),
    (AppointmentStatus::Attended, "fulfilled"),
    (AppointmentStatus::Missed, "noshow"),
    (AppointmentStatus::Cancelled, "cancelled"),
];

/// HL7 v2 table 0131, contact role: where "other" (`O`) is. v3 RoleCode has no such code.
pub const V2_CONTACT_ROLE: &str = "http://terminology.hl7.org/CodeSystem/v2-0131";

/// A guardian's relation to the child (Patient.contact.relationship, RelatedPerson.relationship):
/// system, code, display. Both value sets are in FHIR's contact-relationship binding.
pub const GUARDIAN_RELATIONS: [(GuardianRelation, &str, &str, &str); 6] = [
    (GuardianRelation::Mother, V3_ROLE_CODE, "MTH", "mother"),
    (GuardianRelation::Father, V3_ROLE_CODE, "FTH", "father"),
    (
        GuardianRelation::Grandparent,
        V3_ROLE_CODE,
        "GRPRN",
        "grandparent",
    ),
    (GuardianRelation::Sibling, V3_ROLE_CODE, "SIB", "sibling"),
    (
        GuardianRelation::LegalGuardian,
        V3_ROLE_CODE,
        "GUARD",
        "guardian",
    ),
    (GuardianRelation::Other, V2_CONTACT_ROLE, "O", "Other"),
];

/// The relation a coding names: the table above, and `O` under v3 RoleCode, which this book
/// wrote before (and which some systems still send).
pub fn guardian_relation(system: Option<&str>, code: &str) -> Option<GuardianRelation> {
    GUARDIAN_RELATIONS
        .iter()
        .find(|(_, s, c, _)| system == Some(*s) && code == *c)
        .map(|(relation, _, _, _)| *relation)
        .or_else(|| {
            (system == Some(V3_ROLE_CODE) && code == "O").then_some(GuardianRelation::Other)
        })
}

/// LOINC code and display of each measurement kind (blood glucose depends on the unit: see `glucose_loinc`).
pub const OBSERVATION_CODES: [(ObservationKind, &str, &str); 7] = [
    (ObservationKind::Note, LOINC_NOTE, "Note"),
    (
        ObservationKind::BodyWeight,
        LOINC_BODY_WEIGHT,
        "Body weight",
    ),
    (
        ObservationKind::BodyHeight,
        LOINC_BODY_HEIGHT,
        "Body height",
    ),
    (
        ObservationKind::BloodPressure,
        LOINC_BLOOD_PRESSURE_PANEL,
        "Blood pressure panel with all children optional",
    ),
    (ObservationKind::HeartRate, LOINC_HEART_RATE, "Heart rate"),
    (
        ObservationKind::BodyTemperature,
        LOINC_BODY_TEMPERATURE,
        "Body temperature",
    ),
    (
        ObservationKind::BloodGlucose,
        LOINC_GLUCOSE_MASS,
        "Glucose [Mass/volume] in Blood",
    ),
];

/// Blood glucose in mmol/L is a different LOINC concept (moles per volume) than in mg/dL.
pub fn glucose_loinc(unit: &str) -> (&'static str, &'static str) {
    if ucum_code(unit) == Some("mmol/L") {
        (LOINC_GLUCOSE_MOLES, "Glucose [Moles/volume] in Blood")
    } else {
        (LOINC_GLUCOSE_MASS, "Glucose [Mass/volume] in Blood")
    }
}

/// The measurement kind a LOINC code stands for, as import reads it.
pub fn observation_kind_of_loinc(code: &str) -> Option<ObservationKind> {
    match code {
        LOINC_BLOOD_PRESSURE_PAIR => Some(ObservationKind::BloodPressure),
        LOINC_GLUCOSE_MOLES => Some(ObservationKind::BloodGlucose),
        _ => OBSERVATION_CODES
            .iter()
            .find(|(_, c, _)| *c == code)
            .map(|(kind, _, _)| *kind),
    }
}

/// The UCUM code for a unit as people write it; None when the unit is not one the book knows,
/// in which case the Quantity carries the unit text only (a code without a system is not allowed).
pub fn ucum_code(unit: &str) -> Option<&'static str> {
    let code = match unit.trim() {
        "kg" => "kg",
        "g" => "g",
        "lb" | "lbs" | "[lb_av]" => "[lb_av]",
        "cm" => "cm",
        "m" => "m",
        "mm" => "mm",
        "in" | "[in_i]" => "[in_i]",
        "mmHg" | "mm Hg" | "mm[Hg]" => "mm[Hg]",
        "/min" | "bpm" | "beats/min" | "lần/phút" | "nhịp/phút" => "/min",
        "Cel" | "°C" | "C" | "độ C" => "Cel",
        "[degF]" | "°F" | "F" => "[degF]",
        "mg/dL" | "mg/dl" => "mg/dL",
        "mmol/L" | "mmol/l" => "mmol/L",
        _ => return None,
    };
    Some(code)
}

/// Looks a code up in one of the tables above.
pub fn from_code<T: Copy>(table: &[(T, &str, &str)], code: &str) -> Option<T> {
    table
        .iter()
        .find(|(_, c, _)| *c == code)
        .map(|(value, _, _)| *value)
}

/// Code and display of a value in one of the tables above.
pub fn code_of<T: Copy + PartialEq>(
    table: &[(T, &'static str, &'static str)],
    value: T,
) -> Option<(&'static str, &'static str)> {
    table
        .iter()
        .find(|(v, _, _)| *v == value)
        .map(|(_, code, display)| (*code, *display))
}

/// Looks a code up in a two-column table (FHIR's own codes, which need no display).
pub fn from_fhir_code<T: Copy>(table: &[(T, &str)], code: &str) -> Option<T> {
    table
        .iter()
        .find(|(_, c)| *c == code)
        .map(|(value, _)| *value)
}

/// The FHIR code of a value in a two-column table.
pub fn fhir_code<T: Copy + PartialEq>(
    table: &[(T, &'static str)],
    value: T,
) -> Option<&'static str> {
    table
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, code)| *code)
}
