//! The national identifiers a health book record carries, and the format rules each one follows:
//! the personal id (CCCD / số định danh), the health insurance (BHYT) number, the facility code,
//! ICD-10 codes, the national prescription code and the guardian's mobile number.
//! Checks only validate, never normalise: callers trim and fix case first, so a stray space or a
//! lower-case letter here is reported rather than silently repaired.

use chrono::{Datelike, NaiveDate};

use super::{Checked, Sex, ValidationError};

/// What the 12 digits of a personal id say about its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PersonalIdParts {
    /// Province where the birth was registered, 1–96.
    pub province_code: u16,
    /// Never `Undetermined`: the id encodes only male or female.
    pub sex: Sex,
    pub birth_year: i32,
}

/// The three forms a BHYT number is written in. Cards issued before 2025 print the 15-character
/// form; the 10-digit social insurance number and the personal id are both accepted in its place.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InsuranceNumberForm {
    LegacyCard {
        group: String,
        benefit_level: u8,
        province_code: u8,
        social_insurance_number: String,
    },
    SocialInsuranceNumber(String),
    PersonalId(String),
}

/// A national prescription code split into its parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrescriptionCode {
    pub facility_code: String,
    pub serial: String,
    pub kind: PrescriptionKind,
}

/// The kind of prescription, which decides which national form and controls apply.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, uniffi::Enum,
)]
#[serde(rename_all = "snake_case")]
pub enum PrescriptionKind {
    General,
    Addictive,
    Psychotropic,
    Traditional,
}

impl PrescriptionKind {
    const ALL: [PrescriptionKind; 4] = [
        PrescriptionKind::General,
        PrescriptionKind::Addictive,
        PrescriptionKind::Psychotropic,
        PrescriptionKind::Traditional,
    ];

    /// The letter that ends the code in the national prescription API.
    pub fn api_letter(self) -> char {
        match self {
            PrescriptionKind::General => 'c',
            PrescriptionKind::Addictive => 'n',
            PrescriptionKind::Psychotropic => 'h',
            PrescriptionKind::Traditional => 'y',
        }
    }

    /// The letter printed on paper forms; traditional medicine prints `T` although the API uses `y`.
    pub fn printed_letter(self) -> char {
        match self {
            PrescriptionKind::General => 'C',
            PrescriptionKind::Addictive => 'N',
            PrescriptionKind::Psychotropic => 'H',
            PrescriptionKind::Traditional => 'T',
        }
    }

    pub fn from_api_letter(c: char) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.api_letter() == c)
    }

    fn from_printed_letter(c: char) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.printed_letter() == c)
    }
}

const PERSONAL_ID_LEN: usize = 12;
const SOCIAL_INSURANCE_LEN: usize = 10;
const LEGACY_CARD_LEN: usize = 15;
const FACILITY_CODE_LEN: usize = 5;
const PRESCRIPTION_CODE_LEN: usize = 14;
const PRESCRIPTION_SERIAL_LEN: usize = 7;
const PHONE_SUBSCRIBER_DIGITS: usize = 9;

/// Checks a personal id and, when the caller knows them, that it agrees with the birth date and sex.
pub fn validate_personal_id(
    field: &str,
    id: &str,
    birth_date: Option<NaiveDate>,
    sex: Option<Sex>,
) -> Checked<PersonalIdParts> {
    let parts = personal_id_parts(id).map_err(|reason| ValidationError::new(field, reason))?;
    if let Some(date) = birth_date {
        if date.year() != parts.birth_year {
            return Err(ValidationError::new(
                field,
                format!(
                    "the id encodes birth year {} but the birth date is in {}; digit 4 gives the century and digits 5-6 the year",
                    parts.birth_year,
                    date.year()
                ),
            ));
        }
    }
    // Undetermined sex cannot be compared: the id only ever encodes male or female.
    if let Some(expected @ (Sex::Male | Sex::Female)) = sex {
        if expected != parts.sex {
            return Err(ValidationError::new(
                field,
                format!(
                    "the id encodes {} (digit 4 even for male, odd for female) but sex is {}",
                    sex_word(parts.sex),
                    sex_word(expected)
                ),
            ));
        }
    }
    Ok(parts)
}

/// Checks a BHYT number and says which of its three forms it is.
pub fn validate_insurance_number(field: &str, number: &str) -> Checked<InsuranceNumberForm> {
    insurance_form(number).map_err(|reason| ValidationError::new(field, reason))
}

/// Checks a 5-digit health facility code (e.g. 01001, Bạch Mai hospital).
pub fn validate_facility_code(field: &str, code: &str) -> Checked<()> {
    facility_code(code).map_err(|reason| ValidationError::new(field, reason))
}

/// Checks one ICD-10 code such as `E11`, `J18.9` or `S72.00`.
pub fn validate_icd10(field: &str, code: &str) -> Checked<()> {
    icd10(code).map_err(|reason| ValidationError::new(field, reason))
}

/// Checks a list of ICD-10 codes: each one valid, none repeated, and no more than `max`.
pub fn validate_icd10_list(field: &str, codes: &[String], max: usize) -> Checked<()> {
    if codes.len() > max {
        return Err(ValidationError::new(
            field,
            format!("must list at most {max} codes; got {}", codes.len()),
        ));
    }
    for (i, code) in codes.iter().enumerate() {
        let item = format!("{field}[{i}]");
        validate_icd10(&item, code)?;
        // Codes are strictly upper case by now, so an exact comparison finds every repeat.
        if let Some(first) = codes[..i].iter().position(|earlier| earlier == code) {
            return Err(ValidationError::new(
                item,
                format!("repeats {field}[{first}] ({code}); list each code once"),
            ));
        }
    }
    Ok(())
}

/// Splits a national prescription code (e.g. `01001abc1234-c`) into facility, serial and kind.
pub fn parse_prescription_code(field: &str, code: &str) -> Checked<PrescriptionCode> {
    prescription_code(code).map_err(|reason| ValidationError::new(field, reason))
}

/// Checks a Vietnamese mobile number written as `0xxxxxxxxx` or `+84xxxxxxxxx`.
pub fn validate_phone(field: &str, phone: &str) -> Checked<()> {
    phone_number(phone).map_err(|reason| ValidationError::new(field, reason))
}

// The helpers below return only the reason, so a composite identifier (a prescription code
// containing a facility code, a BHYT number that is a personal id) can reuse them and say
// which part failed.

fn personal_id_parts(id: &str) -> Result<PersonalIdParts, String> {
    if let Some(bad) = id.chars().find(|c| !c.is_ascii_digit()) {
        return Err(format!(
            "must be {PERSONAL_ID_LEN} digits 0-9; found '{bad}'"
        ));
    }
    let digits = id.as_bytes();
    if digits.len() != PERSONAL_ID_LEN {
        return Err(format!(
            "must be {PERSONAL_ID_LEN} digits; got {}",
            digits.len()
        ));
    }
    let province_code = number_of(&digits[0..3]);
    if !(1..=96).contains(&province_code) {
        return Err(format!(
            "digits 1-3 must be a province code 001-096; got {}",
            &id[0..3]
        ));
    }
    let century_sex = number_of(&digits[3..4]);
    let sex = if century_sex.is_multiple_of(2) {
        Sex::Male
    } else {
        Sex::Female
    };
    // Digit 4 steps through the centuries in pairs: 0/1 for the 1900s, 2/3 for the 2000s, ...
    let century = 1900 + 100 * i32::from(century_sex / 2);
    let birth_year = century + i32::from(number_of(&digits[4..6]));
    Ok(PersonalIdParts {
        province_code,
        sex,
        birth_year,
    })
}

fn insurance_form(number: &str) -> Result<InsuranceNumberForm, String> {
    if let Some(lower) = number.chars().find(char::is_ascii_lowercase) {
        return Err(format!(
            "letters must be upper case, e.g. DN4010123456789; found '{lower}'"
        ));
    }
    let length = number.chars().count();
    let all_digits = number.bytes().all(|b| b.is_ascii_digit());
    match length {
        SOCIAL_INSURANCE_LEN if all_digits => Ok(InsuranceNumberForm::SocialInsuranceNumber(
            number.to_owned(),
        )),
        PERSONAL_ID_LEN if all_digits => personal_id_parts(number)
            .map(|_| InsuranceNumberForm::PersonalId(number.to_owned()))
            .map_err(|reason| format!("as a personal id, {reason}")),
        SOCIAL_INSURANCE_LEN | PERSONAL_ID_LEN => Err(format!(
            "a {length}-character insurance number must be all digits; letters appear only in the 15-character card form"
        )),
        LEGACY_CARD_LEN => legacy_card(number),
        _ => Err(format!(
            "must be a 10-digit social insurance number, a 12-digit personal id or a 15-character card number like DN4010123456789; got {length} characters"
        )),
    }
}

fn legacy_card(number: &str) -> Result<InsuranceNumberForm, String> {
    // The parts below are sliced by byte, which is only safe once every char is one byte.
    if !number.is_ascii() {
        return Err("a card number uses only A-Z and 0-9, like DN4010123456789".to_owned());
    }
    let bytes = number.as_bytes();
    if !bytes[0..2].iter().all(u8::is_ascii_uppercase) {
        return Err(format!(
            "a 15-character card number starts with a 2-letter group code like DN; got {}",
            &number[0..2]
        ));
    }
    if let Some(bad) = number[2..].chars().find(|c| !c.is_ascii_digit()) {
        return Err(format!(
            "a card number is 2 letters then 13 digits, like DN4010123456789; found '{bad}'"
        ));
    }
    let benefit_level = bytes[2] - b'0';
    if !(1..=5).contains(&benefit_level) {
        return Err(format!(
            "character 3 of a card number is the benefit level 1-5; got {benefit_level}"
        ));
    }
    let province_code = (bytes[3] - b'0') * 10 + (bytes[4] - b'0');
    // No social insurance office is numbered 00, so it can only be a typing slip.
    if province_code == 0 {
        return Err("characters 4-5 of a card number are a province code 01-99; got 00".to_owned());
    }
    Ok(InsuranceNumberForm::LegacyCard {
        group: number[0..2].to_owned(),
        benefit_level,
        province_code,
        social_insurance_number: number[5..].to_owned(),
    })
}

fn facility_code(code: &str) -> Result<(), String> {
    if let Some(bad) = code.chars().find(|c| !c.is_ascii_digit()) {
        return Err(format!(
            "must be {FACILITY_CODE_LEN} digits like 01001; found '{bad}'"
        ));
    }
    let digits = code.as_bytes();
    if digits.len() != FACILITY_CODE_LEN {
        return Err(format!(
            "must be {FACILITY_CODE_LEN} digits like 01001; got {}",
            digits.len()
        ));
    }
    // 97 and 98 are the defence and public security health systems, which sit outside the provinces.
    let province = number_of(&digits[0..2]);
    if !(1..=98).contains(&province) {
        return Err(format!(
            "digits 1-2 must be a province code 01-96, or 97 (defence) or 98 (public security); got {}",
            &code[0..2]
        ));
    }
    if number_of(&digits[2..5]) == 0 {
        return Err("digits 3-5 must be a facility number 001-999; got 000".to_owned());
    }
    Ok(())
}

fn icd10(code: &str) -> Result<(), String> {
    const SHAPE: &str = "a letter, two digits and an optional dot with 1-2 characters, like J18.9";
    if let Some(lower) = code.chars().find(char::is_ascii_lowercase) {
        return Err(format!(
            "ICD-10 letters must be upper case, like J18.9; found '{lower}'"
        ));
    }
    if !code.is_ascii() {
        return Err(format!("must be {SHAPE}; found a non-ASCII character"));
    }
    let bytes = code.as_bytes();
    let category_ok = bytes.len() >= 3
        && bytes[0].is_ascii_uppercase()
        && bytes[1].is_ascii_digit()
        && bytes[2].is_ascii_digit();
    if !category_ok {
        return Err(format!("must be {SHAPE}; got {code}"));
    }
    match &bytes[3..] {
        [] => Ok(()),
        [b'.', detail @ ..]
            if (1..=2).contains(&detail.len())
                && detail
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) =>
        {
            Ok(())
        }
        [b'.', ..] => Err(format!(
            "after the dot must come 1-2 letters or digits, like J18.9 or S72.00; got {code}"
        )),
        _ => Err(format!("must be {SHAPE}; got {code}")),
    }
}

fn prescription_code(code: &str) -> Result<PrescriptionCode, String> {
    const EXAMPLE: &str = "like 01001abc1234-c";
    let length = code.chars().count();
    if length != PRESCRIPTION_CODE_LEN {
        return Err(format!(
            "must be {PRESCRIPTION_CODE_LEN} characters {EXAMPLE}; got {length}"
        ));
    }
    if !code.is_ascii() {
        return Err(format!(
            "must use only digits, lower-case letters and '-', {EXAMPLE}"
        ));
    }
    let (facility, rest) = code.split_at(FACILITY_CODE_LEN);
    let (serial, rest) = rest.split_at(PRESCRIPTION_SERIAL_LEN);
    let (dash, letter) = rest.split_at(1);

    facility_code(facility)
        .map_err(|reason| format!("the facility part (characters 1-5) {reason}"))?;
    if let Some(bad) = serial
        .chars()
        .find(|c| !(c.is_ascii_digit() || c.is_ascii_lowercase()))
    {
        return Err(format!(
            "characters 6-12 must be digits or lower-case letters, {EXAMPLE}; found '{bad}'"
        ));
    }
    if dash != "-" {
        return Err(format!("character 13 must be '-', {EXAMPLE}; got '{dash}'"));
    }
    let Some(type_letter) = letter.chars().next() else {
        return Err(format!("must end with a type letter, {EXAMPLE}"));
    };
    if let Some(kind) = PrescriptionKind::from_api_letter(type_letter) {
        return Ok(PrescriptionCode {
            facility_code: facility.to_owned(),
            serial: serial.to_owned(),
            kind,
        });
    }
    // Codes copied from a paper form carry the printed upper-case letter; name the API letter to use.
    let printed = PrescriptionKind::from_printed_letter(type_letter)
        .or_else(|| PrescriptionKind::from_api_letter(type_letter.to_ascii_lowercase()));
    match printed {
        Some(kind) => Err(format!(
            "the type letter in the API form is lower case: '{type_letter}' is written '{}'",
            kind.api_letter()
        )),
        None => Err(format!(
            "the type letter must be c (general), n (addictive), h (psychotropic) or y (traditional medicine); got '{type_letter}'"
        )),
    }
}

fn phone_number(phone: &str) -> Result<(), String> {
    const SHAPE: &str = "0 or +84 then 9 digits, like 0912345678 or +84912345678";
    let subscriber = phone
        .strip_prefix("+84")
        .or_else(|| phone.strip_prefix('0'))
        .ok_or_else(|| format!("must be {SHAPE}; it must start with 0 or +84"))?;
    if let Some(bad) = subscriber.chars().find(|c| !c.is_ascii_digit()) {
        return Err(format!("must be {SHAPE}, without spaces; found '{bad}'"));
    }
    if subscriber.len() != PHONE_SUBSCRIBER_DIGITS {
        return Err(format!(
            "must be {SHAPE}; got {} digits after the prefix",
            subscriber.len()
        ));
    }
    Ok(())
}

/// The value of a short run of ASCII digits; callers have already checked they are digits.
/// Saturating, so a misuse gives a wrong number rather than an overflow panic.
fn number_of(digits: &[u8]) -> u16 {
    digits.iter().fold(0, |acc: u16, d| {
        acc.saturating_mul(10)
            .saturating_add(u16::from(d.wrapping_sub(b'0')))
    })
}

fn sex_word(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "male",
        Sex::Female => "female",
        Sex::Undetermined => "undetermined",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
        match NaiveDate::from_ymd_opt(year, month, day) {
            Some(date) => date,
            None => panic!("test date {year}-{month}-{day} does not exist"),
        }
    }

    /// Asserts a rejection names `field` and that its reason contains each of `reason_has`.
    fn assert_rejected<T: std::fmt::Debug>(
        result: Checked<T>,
        field: &str,
        reason_has: &[&str],
        case: &str,
    ) {
        match result {
            Ok(value) => panic!("{case}: expected a rejection, got {value:?}"),
            Err(error) => {
                assert_eq!(error.field, field, "{case}: wrong field");
                for part in reason_has {
                    assert!(
                        error.reason.contains(part),
                        "{case}: reason {:?} should mention {part:?}",
                        error.reason
                    );
                }
            }
        }
    }

    const ID_FIELD: &str = "person.personal_id";

    #[test]
    fn personal_id_decodes_province_sex_and_birth_year() {
        let cases = [
            ("001090123456", 1, Sex::Male, 1990),
            ("001190123456", 1, Sex::Female, 1990),
            ("079203012345", 79, Sex::Male, 2003),
            ("096300000001", 96, Sex::Female, 2000),
            ("048499000000", 48, Sex::Male, 2199),
            ("002999000000", 2, Sex::Female, 2399),
        ];
        for (id, province_code, sex, birth_year) in cases {
            assert_eq!(
                validate_personal_id(ID_FIELD, id, None, None),
                Ok(PersonalIdParts {
                    province_code,
                    sex,
                    birth_year
                }),
                "{id}"
            );
        }
    }

    #[test]
    fn personal_id_agreeing_with_birth_date_and_sex_is_accepted() {
        let cases = [
            ("001090123456", ymd(1990, 5, 17), Sex::Male),
            ("001190123456", ymd(1990, 1, 1), Sex::Female),
            ("079203012345", ymd(2003, 12, 31), Sex::Male),
            ("031305000000", ymd(2005, 6, 1), Sex::Female),
        ];
        for (id, birth_date, sex) in cases {
            let result = validate_personal_id(ID_FIELD, id, Some(birth_date), Some(sex));
            assert!(result.is_ok(), "{id}: {result:?}");
        }
    }

    #[test]
    fn personal_id_sex_is_not_compared_when_undetermined() {
        for id in ["001090123456", "001190123456"] {
            let result = validate_personal_id(ID_FIELD, id, None, Some(Sex::Undetermined));
            assert!(result.is_ok(), "{id}: {result:?}");
        }
    }

    #[test]
    fn personal_id_of_wrong_length_is_rejected_with_the_count() {
        let cases = [
            ("00109012345", "got 11"),
            ("0010901234567", "got 13"),
            ("", "got 0"),
        ];
        for (id, count) in cases {
            let result = validate_personal_id(ID_FIELD, id, None, None);
            assert_rejected(result, ID_FIELD, &["12 digits", count], id);
        }
    }

    #[test]
    fn personal_id_with_non_digits_is_rejected() {
        let cases = [
            ("00109012345A", "'A'"),
            ("O01090123456", "'O'"),
            ("001 90123456", "' '"),
            ("٠٠١٠٩٠١٢٣٤٥٦", "'٠'"),
        ];
        for (id, shown) in cases {
            let result = validate_personal_id(ID_FIELD, id, None, None);
            assert_rejected(result, ID_FIELD, &["digits 0-9", shown], id);
        }
    }

    #[test]
    fn personal_id_province_outside_001_to_096_is_rejected() {
        for (id, code) in [
            ("097090123456", "097"),
            ("000090123456", "000"),
            ("999090123456", "999"),
        ] {
            let result = validate_personal_id(ID_FIELD, id, None, None);
            assert_rejected(result, ID_FIELD, &["001-096", code], id);
        }
    }

    #[test]
    fn personal_id_year_disagreeing_with_birth_date_is_rejected() {
        let cases = [
            // Century digit says the 2000s, birth date says the 1900s.
            ("079203012345", ymd(1903, 3, 1), "2003", "1903"),
            // Century digit says the 1900s, birth date says the 2000s.
            ("001090123456", ymd(2090, 3, 1), "1990", "2090"),
            ("001090123456", ymd(1991, 3, 1), "1990", "1991"),
        ];
        for (id, birth_date, encoded, actual) in cases {
            let result = validate_personal_id(ID_FIELD, id, Some(birth_date), None);
            let expected =
                format!("encodes birth year {encoded} but the birth date is in {actual}");
            assert_rejected(result, ID_FIELD, &[&expected], id);
        }
    }

    #[test]
    fn personal_id_sex_disagreeing_with_given_sex_is_rejected() {
        let cases = [
            ("001090123456", Sex::Female, "encodes male", "sex is female"),
            ("001190123456", Sex::Male, "encodes female", "sex is male"),
            ("079303012345", Sex::Male, "encodes female", "sex is male"),
        ];
        for (id, sex, encoded, given) in cases {
            let result = validate_personal_id(ID_FIELD, id, None, Some(sex));
            assert_rejected(result, ID_FIELD, &[encoded, given], id);
        }
    }

    const BHYT_FIELD: &str = "person.insurance_number";

    #[test]
    fn insurance_legacy_card_is_split_into_its_parts() {
        let cases = [
            ("DN4010123456789", "DN", 4, 1, "0123456789"),
            ("HT3799876543210", "HT", 3, 79, "9876543210"),
            ("TE1980000000001", "TE", 1, 98, "0000000001"),
        ];
        for (number, group, benefit_level, province_code, sin) in cases {
            assert_eq!(
                validate_insurance_number(BHYT_FIELD, number),
                Ok(InsuranceNumberForm::LegacyCard {
                    group: group.to_owned(),
                    benefit_level,
                    province_code,
                    social_insurance_number: sin.to_owned(),
                }),
                "{number}"
            );
        }
    }

    #[test]
    fn insurance_ten_digits_is_a_social_insurance_number() {
        for number in ["0123456789", "7912345678"] {
            assert_eq!(
                validate_insurance_number(BHYT_FIELD, number),
                Ok(InsuranceNumberForm::SocialInsuranceNumber(
                    number.to_owned()
                )),
                "{number}"
            );
        }
    }

    #[test]
    fn insurance_twelve_digits_is_a_personal_id() {
        for number in ["001090123456", "079203012345"] {
            assert_eq!(
                validate_insurance_number(BHYT_FIELD, number),
                Ok(InsuranceNumberForm::PersonalId(number.to_owned())),
                "{number}"
            );
        }
    }

    #[test]
    fn insurance_personal_id_form_applies_the_province_rule() {
        for number in ["097090123456", "000090123456"] {
            let result = validate_insurance_number(BHYT_FIELD, number);
            assert_rejected(result, BHYT_FIELD, &["personal id", "001-096"], number);
        }
    }

    #[test]
    fn insurance_number_of_other_lengths_is_rejected() {
        let cases = [
            ("012345678", "got 9"),
            ("01234567890", "got 11"),
            ("0123456789012", "got 13"),
            ("DN401012345678", "got 14"),
            ("DN40101234567890", "got 16"),
            ("", "got 0"),
        ];
        for (number, count) in cases {
            let result = validate_insurance_number(BHYT_FIELD, number);
            assert_rejected(result, BHYT_FIELD, &["15-character", count], number);
        }
    }

    #[test]
    fn insurance_number_with_lower_case_letters_is_rejected() {
        for number in ["dn4010123456789", "Dn4010123456789", "dn40"] {
            let result = validate_insurance_number(BHYT_FIELD, number);
            assert_rejected(result, BHYT_FIELD, &["upper case"], number);
        }
    }

    #[test]
    fn insurance_short_forms_with_letters_are_rejected() {
        for number in ["DN01234567", "DN0123456789"] {
            let result = validate_insurance_number(BHYT_FIELD, number);
            assert_rejected(result, BHYT_FIELD, &["all digits"], number);
        }
    }

    #[test]
    fn insurance_legacy_card_with_a_bad_part_is_rejected() {
        let cases = [
            ("DN0010123456789", "benefit level 1-5"),
            ("DN6010123456789", "benefit level 1-5"),
            ("DN4000123456789", "province code 01-99"),
            ("124010123456789", "2-letter group code"),
            ("D44010123456789", "2-letter group code"),
            ("DN40101234567X9", "'X'"),
            ("DN401012345678 ", "' '"),
            ("ĐN4010123456789", "A-Z and 0-9"),
        ];
        for (number, reason) in cases {
            let result = validate_insurance_number(BHYT_FIELD, number);
            assert_rejected(result, BHYT_FIELD, &[reason], number);
        }
    }

    const FACILITY_FIELD: &str = "visit.facility_code";

    #[test]
    fn facility_code_in_a_province_or_the_armed_services_is_accepted() {
        for code in ["01001", "79001", "96999", "97001", "98123"] {
            assert_eq!(
                validate_facility_code(FACILITY_FIELD, code),
                Ok(()),
                "{code}"
            );
        }
    }

    #[test]
    fn facility_code_outside_01_to_98_is_rejected() {
        for code in ["99001", "00001"] {
            let result = validate_facility_code(FACILITY_FIELD, code);
            assert_rejected(result, FACILITY_FIELD, &["01-96", &code[0..2]], code);
        }
    }

    #[test]
    fn facility_number_000_is_rejected() {
        let result = validate_facility_code(FACILITY_FIELD, "01000");
        assert_rejected(result, FACILITY_FIELD, &["001-999"], "01000");
    }

    #[test]
    fn facility_code_that_is_not_five_digits_is_rejected() {
        let cases = [
            ("0100A", "'A'"),
            ("0100", "got 4"),
            ("010011", "got 6"),
            ("", "got 0"),
            ("01 001", "' '"),
        ];
        for (code, reason) in cases {
            let result = validate_facility_code(FACILITY_FIELD, code);
            assert_rejected(result, FACILITY_FIELD, &["5 digits", reason], code);
        }
    }

    const ICD_FIELD: &str = "visit.main_icd10";

    #[test]
    fn icd10_category_with_optional_subcategory_is_accepted() {
        for code in ["J18.9", "E11", "A09", "S72.00", "U07.1", "Z00.0", "T81.4A"] {
            assert_eq!(validate_icd10(ICD_FIELD, code), Ok(()), "{code}");
        }
    }

    #[test]
    fn icd10_in_lower_case_is_rejected() {
        for code in ["j18.9", "J18.a", "e11"] {
            let result = validate_icd10(ICD_FIELD, code);
            assert_rejected(result, ICD_FIELD, &["upper case"], code);
        }
    }

    #[test]
    fn icd10_with_a_malformed_category_is_rejected() {
        for code in ["J1", "", "18.9", "JJ8.9", "J1A", "J189", "J18,9", "Ĵ18.9"] {
            let result = validate_icd10(ICD_FIELD, code);
            assert_rejected(result, ICD_FIELD, &["like J18.9"], code);
        }
    }

    #[test]
    fn icd10_subcategory_must_be_one_or_two_characters_after_the_dot() {
        for code in ["J18.", "J18.123", "J18.-", "J18..9"] {
            let result = validate_icd10(ICD_FIELD, code);
            assert_rejected(result, ICD_FIELD, &["after the dot", code], code);
        }
    }

    const LIST_FIELD: &str = "visit.secondary_icd10";

    fn codes(list: &[&str]) -> Vec<String> {
        list.iter().map(|code| (*code).to_owned()).collect()
    }

    #[test]
    fn icd10_list_of_distinct_valid_codes_up_to_max_is_accepted() {
        let twelve = codes(&[
            "A00", "A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09", "B00", "B01",
        ]);
        let cases = [codes(&[]), codes(&["J18.9", "E11", "I10"]), twelve];
        for list in cases {
            assert_eq!(
                validate_icd10_list(LIST_FIELD, &list, 12),
                Ok(()),
                "{list:?}"
            );
        }
    }

    #[test]
    fn icd10_list_longer_than_max_is_rejected() {
        let cases = [
            (codes(&["J18.9", "E11"]), 1, "at most 1 codes; got 2"),
            (codes(&["A00"; 13]), 12, "at most 12 codes; got 13"),
        ];
        for (list, max, reason) in cases {
            let result = validate_icd10_list(LIST_FIELD, &list, max);
            assert_rejected(result, LIST_FIELD, &[reason], reason);
        }
    }

    #[test]
    fn icd10_list_names_the_index_of_an_invalid_code() {
        let cases = [
            (codes(&["j18.9"]), "visit.secondary_icd10[0]"),
            (codes(&["J18.9", "E11", "J18."]), "visit.secondary_icd10[2]"),
        ];
        for (list, field) in cases {
            let result = validate_icd10_list(LIST_FIELD, &list, 12);
            assert_rejected(result, field, &[], field);
        }
    }

    #[test]
    fn icd10_list_with_a_repeated_code_is_rejected_at_the_repeat() {
        let cases = [
            (codes(&["J18.9", "J18.9"]), "[1]", "[0]"),
            (codes(&["E11", "I10", "J18.9", "I10"]), "[3]", "[1]"),
        ];
        for (list, at, first) in cases {
            let result = validate_icd10_list(LIST_FIELD, &list, 12);
            let field = format!("{LIST_FIELD}{at}");
            let original = format!("{LIST_FIELD}{first}");
            assert_rejected(result, &field, &["repeats", &original], &field);
        }
    }

    const RX_FIELD: &str = "prescription.code";

    #[test]
    fn prescription_code_is_split_into_facility_serial_and_kind() {
        let cases = [
            (
                "01001abc1234-c",
                "01001",
                "abc1234",
                PrescriptionKind::General,
            ),
            (
                "79001zzzzzzz-n",
                "79001",
                "zzzzzzz",
                PrescriptionKind::Addictive,
            ),
            (
                "97001a0b1c2d-h",
                "97001",
                "a0b1c2d",
                PrescriptionKind::Psychotropic,
            ),
            (
                "980010000000-y",
                "98001",
                "0000000",
                PrescriptionKind::Traditional,
            ),
        ];
        for (code, facility_code, serial, kind) in cases {
            assert_eq!(
                parse_prescription_code(RX_FIELD, code),
                Ok(PrescriptionCode {
                    facility_code: facility_code.to_owned(),
                    serial: serial.to_owned(),
                    kind,
                }),
                "{code}"
            );
        }
    }

    #[test]
    fn prescription_code_of_wrong_length_is_rejected() {
        for (code, count) in [
            ("01001abc123-c", "got 13"),
            ("01001abc12345-c", "got 15"),
            ("", "got 0"),
        ] {
            let result = parse_prescription_code(RX_FIELD, code);
            assert_rejected(result, RX_FIELD, &["14 characters", count], code);
        }
    }

    #[test]
    fn prescription_code_with_a_printed_type_letter_is_rejected() {
        let cases = [
            ("01001abc1234-C", "'c'"),
            ("01001abc1234-N", "'n'"),
            ("01001abc1234-H", "'h'"),
            ("01001abc1234-T", "'y'"),
            ("01001abc1234-Y", "'y'"),
        ];
        for (code, api_letter) in cases {
            let result = parse_prescription_code(RX_FIELD, code);
            assert_rejected(result, RX_FIELD, &["lower case", api_letter], code);
        }
    }

    #[test]
    fn prescription_code_with_an_unknown_type_letter_is_rejected() {
        for code in ["01001abc1234-x", "01001abc1234-t", "01001abc1234-1"] {
            let result = parse_prescription_code(RX_FIELD, code);
            assert_rejected(result, RX_FIELD, &["c (general)"], code);
        }
    }

    #[test]
    fn prescription_code_with_a_bad_facility_part_is_rejected() {
        let cases = [
            ("99001abc1234-c", "01-96"),
            ("0100Aabc1234-c", "'A'"),
            ("01000abc1234-c", "001-999"),
        ];
        for (code, reason) in cases {
            let result = parse_prescription_code(RX_FIELD, code);
            assert_rejected(result, RX_FIELD, &["facility part", reason], code);
        }
    }

    #[test]
    fn prescription_serial_must_be_digits_or_lower_case_letters() {
        for (code, shown) in [("01001ABC1234-c", "'A'"), ("01001abc_234-c", "'_'")] {
            let result = parse_prescription_code(RX_FIELD, code);
            assert_rejected(result, RX_FIELD, &["characters 6-12", shown], code);
        }
    }

    #[test]
    fn prescription_code_without_the_dash_is_rejected() {
        for code in ["01001abc1234_c", "01001abc12345c"] {
            let result = parse_prescription_code(RX_FIELD, code);
            assert_rejected(result, RX_FIELD, &["character 13 must be '-'"], code);
        }
    }

    #[test]
    fn prescription_code_with_non_ascii_is_rejected() {
        let result = parse_prescription_code(RX_FIELD, "01001abc123đ-c");
        assert_rejected(
            result,
            RX_FIELD,
            &["lower-case letters"],
            "non-ASCII serial",
        );
    }

    #[test]
    fn prescription_kind_letters_follow_the_api_and_printed_forms() {
        let cases = [
            (PrescriptionKind::General, 'c', 'C'),
            (PrescriptionKind::Addictive, 'n', 'N'),
            (PrescriptionKind::Psychotropic, 'h', 'H'),
            (PrescriptionKind::Traditional, 'y', 'T'),
        ];
        for (kind, api, printed) in cases {
            assert_eq!(kind.api_letter(), api, "{kind:?}");
            assert_eq!(kind.printed_letter(), printed, "{kind:?}");
            assert_eq!(PrescriptionKind::from_api_letter(api), Some(kind), "{api}");
        }
    }

    #[test]
    fn prescription_kind_from_api_letter_rejects_other_letters() {
        for letter in ['C', 'T', 'Y', 't', 'x', '-'] {
            assert_eq!(PrescriptionKind::from_api_letter(letter), None, "{letter}");
        }
    }

    #[test]
    fn prescription_kind_serialises_in_snake_case() {
        let cases = [
            (PrescriptionKind::General, "\"general\""),
            (PrescriptionKind::Addictive, "\"addictive\""),
            (PrescriptionKind::Psychotropic, "\"psychotropic\""),
            (PrescriptionKind::Traditional, "\"traditional\""),
        ];
        for (kind, json) in cases {
            assert_eq!(serde_json::to_string(&kind).ok().as_deref(), Some(json));
            assert_eq!(
                serde_json::from_str::<PrescriptionKind>(json).ok(),
                Some(kind)
            );
        }
    }

    const PHONE_FIELD: &str = "guardian.phone";

    #[test]
    fn phone_with_0_or_plus84_and_nine_digits_is_accepted() {
        for phone in ["0912345678", "+84912345678", "0312345678"] {
            assert_eq!(validate_phone(PHONE_FIELD, phone), Ok(()), "{phone}");
        }
    }

    #[test]
    fn phone_without_a_0_or_plus84_prefix_is_rejected() {
        for phone in ["912345678", "84912345678", "+1912345678", ""] {
            let result = validate_phone(PHONE_FIELD, phone);
            assert_rejected(result, PHONE_FIELD, &["start with 0 or +84"], phone);
        }
    }

    #[test]
    fn phone_with_other_than_nine_digits_after_the_prefix_is_rejected() {
        let cases = [
            ("091234567", "got 8"),
            ("09123456789", "got 10"),
            ("+8491234567", "got 8"),
            ("+840912345678", "got 10"),
        ];
        for (phone, count) in cases {
            let result = validate_phone(PHONE_FIELD, phone);
            assert_rejected(result, PHONE_FIELD, &["9 digits", count], phone);
        }
    }

    #[test]
    fn phone_with_spaces_or_punctuation_is_rejected() {
        for (phone, shown) in [("0912 345 678", "' '"), ("+84-912345678", "'-'")] {
            let result = validate_phone(PHONE_FIELD, phone);
            assert_rejected(result, PHONE_FIELD, &["without spaces", shown], phone);
        }
    }
}
