//! The records of a health book, one type per kind, and the `Record` enum the app receives.
//! Every record carries `id` (empty when adding: the book assigns one), `person_id`, where it came from,
//! and whether the citizen marked it sensitive.

use serde::{Deserialize, Serialize};

use super::identifiers::PrescriptionKind;
use super::time::{CalendarDate, DateTimeOffset};

/// Where a record came from. Facility records are authoritative; the citizen writes only their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum RecordSource {
    Facility,
    Citizen,
    Imported,
}

/// A health facility as coded nationally (5 digits: province + sequence), with its name for display.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Facility {
    pub code: String,
    pub name: String,
}

/// A coded diagnosis: ICD-10 code and the text the doctor wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Diagnosis {
    pub icd10: String,
    pub text: String,
}

/// Treatment result of an episode (KET_QUA_DTRI in the claim tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum TreatmentResult {
    Cured,
    Improved,
    Unchanged,
    Worse,
    Died,
    SevereDischargedOnRequest,
    Undetermined,
}

impl TreatmentResult {
    pub fn code(self) -> u8 {
        self as u8 + 1
    }
}

/// How an episode ended (MA_LOAI_RV). `Transferred` and `TransferredOnRequest` mean a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum DischargeType {
    Discharged,
    Transferred,
    LeftWithoutPermission,
    DischargedOnRequest,
    TransferredOnRequest,
}

impl DischargeType {
    pub fn code(self) -> u8 {
        self as u8 + 1
    }
    pub fn is_referral(self) -> bool {
        matches!(
            self,
            DischargeType::Transferred | DischargeType::TransferredOnRequest
        )
    }
}

/// A visit (encounter): outpatient exam or inpatient stay at a facility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Visit {
    pub id: String,
    pub person_id: String,
    pub source: RecordSource,
    pub sensitive: bool,
    /// The facility's episode key (MA_LK): a correction of the same episode carries the same key.
    pub episode_key: Option<String>,
    pub facility: Facility,
    pub department: Option<String>,
    pub start: DateTimeOffset,
    pub end: Option<DateTimeOffset>,
    pub inpatient: bool,
    pub reason: Option<String>,
    pub diagnosis_text: String,
    pub main_icd10: Option<String>,
    pub secondary_icd10: Vec<String>,
    pub procedures: Vec<String>,
    pub treatment_result: Option<TreatmentResult>,
    pub discharge_type: Option<DischargeType>,
    pub weight_kg: Option<f64>,
    pub instructions: Option<String>,
    pub re_exam_dates: Vec<CalendarDate>,
    pub practitioner_name: Option<String>,
    pub practitioner_licence: Option<String>,
    pub summary: Option<String>,
}

/// How to take one drug: dose per time, times per day, route, timing, for how many days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Dosage {
    pub dose_per_time: f64,
    pub times_per_day: u32,
    pub route: Option<String>,
    pub timing: Option<String>,
    pub days: u32,
}

/// One line of a prescription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct DrugLine {
    pub drug_code: Option<String>,
    pub brand_name: String,
    pub active_ingredient: String,
    pub strength: Option<String>,
    pub unit: String,
    pub quantity: f64,
    pub dosage: Dosage,
}

/// A prescription (đơn thuốc). A sent prescription never changes: a correction is a new one that `replaces` it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Prescription {
    pub id: String,
    pub person_id: String,
    pub source: RecordSource,
    pub sensitive: bool,
    /// The 14-character national prescription code, e.g. `01001abc1234-c`.
    pub national_code: Option<String>,
    pub kind: PrescriptionKind,
    pub issued_at: DateTimeOffset,
    pub facility: Facility,
    pub prescriber_name: Option<String>,
    pub prescriber_licence: Option<String>,
    pub diagnoses: Vec<Diagnosis>,
    pub lines: Vec<DrugLine>,
    pub advice: Option<String>,
    pub re_exam_date: Option<CalendarDate>,
    /// Required for children under 72 months.
    pub patient_age_months: Option<u32>,
    pub patient_weight_kg: Option<f64>,
    /// National code of the prescription this one corrects.
    pub replaces: Option<String>,
}

/// Why a patient is referred (LY_DO_CT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ReferralReason {
    MeetsCriteria,
    BeyondCapacity,
    PatientRequest,
}

impl ReferralReason {
    pub fn code(self) -> u8 {
        self as u8 + 1
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Escort {
    pub name: String,
    pub role: String,
}

/// A referral slip (phiếu chuyển cơ sở khám bệnh, chữa bệnh).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ReferralSlip {
    pub id: String,
    pub person_id: String,
    pub source: RecordSource,
    pub sensitive: bool,
    pub slip_number: String,
    pub from_facility: Facility,
    pub to_facility: Facility,
    pub clinical_signs: String,
    pub diagnosis_text: String,
    pub icd10: Vec<String>,
    pub disease_course: Option<String>,
    pub key_results: Option<String>,
    pub treatment_given: Option<String>,
    pub condition_at_transfer: Option<String>,
    pub reason: ReferralReason,
    pub planned_treatment: String,
    pub transport: String,
    pub escort: Option<Escort>,
    pub doctor_name: Option<String>,
    pub doctor_licence: Option<String>,
    pub signed_at: DateTimeOffset,
    /// Chronic diseases on the national list get a one-year slip instead of ten working days.
    pub chronic_disease: bool,
    /// Filled in by the book from `signed_at` when absent.
    pub valid_until: Option<CalendarDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Booked,
    Attended,
    Missed,
    Cancelled,
}

/// A re-exam appointment slip (phiếu hẹn khám lại): used once, one per finished episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct ReAppointment {
    pub id: String,
    pub person_id: String,
    pub source: RecordSource,
    pub sensitive: bool,
    pub slip_number: Option<String>,
    pub facility: Facility,
    pub department: Option<String>,
    pub appointment_date: CalendarDate,
    pub diagnosis_text: Option<String>,
    pub icd10: Vec<String>,
    pub doctor_name: Option<String>,
    pub issued_at: DateTimeOffset,
    pub status: AppointmentStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ImmunizationProgramme {
    /// Tiêm chủng mở rộng: the free national programme.
    Expanded,
    PaidService,
    Campaign,
}

/// A vaccine dose given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Immunization {
    pub id: String,
    pub person_id: String,
    pub source: RecordSource,
    pub sensitive: bool,
    /// The national vaccine code (or the product name when none is known).
    pub vaccine_code: String,
    pub vaccine_name: String,
    pub cvx: Option<u32>,
    /// Antigens this dose counts for, e.g. `["DTP", "HepB", "Hib", "IPV"]` for a 6-in-1 dose.
    pub antigens: Vec<String>,
    pub dose_number: Option<u32>,
    pub date: CalendarDate,
    pub lot: Option<String>,
    pub facility: Option<Facility>,
    pub programme: ImmunizationProgramme,
    pub reactions: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum AllergyCategory {
    Medication,
    Food,
    Environment,
    Biologic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum AllergyCriticality {
    Low,
    High,
    UnableToAssess,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Allergy {
    pub id: String,
    pub person_id: String,
    pub source: RecordSource,
    pub sensitive: bool,
    pub substance: String,
    pub category: AllergyCategory,
    pub criticality: Option<AllergyCriticality>,
    pub reaction: Option<String>,
    pub recorded_on: CalendarDate,
    pub note: Option<String>,
}

/// Which history a condition belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    Medical,
    Surgical,
    Family,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ConditionStatus {
    Active,
    Resolved,
}

/// An entry of medical, surgical or family history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Condition {
    pub id: String,
    pub person_id: String,
    pub source: RecordSource,
    pub sensitive: bool,
    pub history: HistoryKind,
    pub text: String,
    pub icd10: Option<String>,
    pub onset: Option<CalendarDate>,
    pub recorded_on: CalendarDate,
    pub status: ConditionStatus,
    /// For family history: whose condition it is (e.g. "mẹ", "mother").
    pub relative: Option<String>,
}

/// What an observation measures. `Note` is free text the citizen or a doctor wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ObservationKind {
    Note,
    BodyWeight,
    BodyHeight,
    BloodPressure,
    HeartRate,
    BodyTemperature,
    BloodGlucose,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ObservationValue {
    Quantity { value: f64, unit: String },
    BloodPressure { systolic: u32, diastolic: u32 },
    Text { text: String },
}

/// A measurement or a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct Observation {
    pub id: String,
    pub person_id: String,
    pub source: RecordSource,
    pub sensitive: bool,
    pub kind: ObservationKind,
    pub at: DateTimeOffset,
    pub value: ObservationValue,
    pub note: Option<String>,
}

/// The kinds of record, for filters and for the app's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, uniffi::Enum)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Visit,
    Prescription,
    Referral,
    Appointment,
    Immunization,
    Allergy,
    Condition,
    Observation,
}

impl RecordKind {
    pub const ALL: [RecordKind; 8] = [
        RecordKind::Visit,
        RecordKind::Prescription,
        RecordKind::Referral,
        RecordKind::Appointment,
        RecordKind::Immunization,
        RecordKind::Allergy,
        RecordKind::Condition,
        RecordKind::Observation,
    ];

    /// The stable name stored in the database and used in cursors.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Visit => "visit",
            RecordKind::Prescription => "prescription",
            RecordKind::Referral => "referral",
            RecordKind::Appointment => "appointment",
            RecordKind::Immunization => "immunization",
            RecordKind::Allergy => "allergy",
            RecordKind::Condition => "condition",
            RecordKind::Observation => "observation",
        }
    }

    pub fn parse(name: &str) -> Option<RecordKind> {
        RecordKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// One record of any kind: a sealed class in Kotlin, an enum in Swift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Enum)]
// Externally tagged: decoding streams straight into the variant (an internal tag would buffer
// every record first, which doubled the cost of reading a timeline page).
#[serde(rename_all = "snake_case")]
pub enum Record {
    Visit { visit: Visit },
    Prescription { prescription: Prescription },
    Referral { referral: ReferralSlip },
    Appointment { appointment: ReAppointment },
    Immunization { immunization: Immunization },
    Allergy { allergy: Allergy },
    Condition { condition: Condition },
    Observation { observation: Observation },
}

/// Runs `$body` with `$r` bound to the inner record, whatever its kind; the fields every kind shares.
macro_rules! each_kind {
    ($record:expr, $r:ident => $body:expr) => {
        match $record {
            Record::Visit { visit: $r } => $body,
            Record::Prescription { prescription: $r } => $body,
            Record::Referral { referral: $r } => $body,
            Record::Appointment { appointment: $r } => $body,
            Record::Immunization { immunization: $r } => $body,
            Record::Allergy { allergy: $r } => $body,
            Record::Condition { condition: $r } => $body,
            Record::Observation { observation: $r } => $body,
        }
    };
}

impl Record {
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Visit { .. } => RecordKind::Visit,
            Record::Prescription { .. } => RecordKind::Prescription,
            Record::Referral { .. } => RecordKind::Referral,
            Record::Appointment { .. } => RecordKind::Appointment,
            Record::Immunization { .. } => RecordKind::Immunization,
            Record::Allergy { .. } => RecordKind::Allergy,
            Record::Condition { .. } => RecordKind::Condition,
            Record::Observation { .. } => RecordKind::Observation,
        }
    }

    pub fn id(&self) -> &str {
        each_kind!(self, r => &r.id)
    }

    pub fn set_id(&mut self, id: String) {
        each_kind!(self, r => r.id = id)
    }

    pub fn person_id(&self) -> &str {
        each_kind!(self, r => &r.person_id)
    }

    pub fn set_person_id(&mut self, person_id: String) {
        each_kind!(self, r => r.person_id = person_id)
    }

    pub fn source(&self) -> RecordSource {
        each_kind!(self, r => r.source)
    }

    pub fn set_source(&mut self, source: RecordSource) {
        each_kind!(self, r => r.source = source)
    }

    pub fn sensitive(&self) -> bool {
        each_kind!(self, r => r.sensitive)
    }
}

/// What every kind shares, callable from Kotlin and Swift without a `when`/`switch` over the kinds.
#[uniffi::export]
impl Record {
    /// The record's id in the book.
    pub fn record_id(&self) -> String {
        self.id().to_string()
    }

    /// The person the record is about.
    pub fn record_person_id(&self) -> String {
        self.person_id().to_string()
    }

    pub fn record_kind(&self) -> RecordKind {
        self.kind()
    }
}
