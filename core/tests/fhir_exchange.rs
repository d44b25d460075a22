//! Export and import of FHIR R4 Bundles through the book.

mod common;

use common::*;
use healthbook_core::HealthBookError;

#[test]
fn export_is_a_fhir_r4_document_bundle_about_the_person() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner").id;
    test.book.add_records(one_of_each(&owner)).expect("write");
    let json = test.book.export_fhir(owner).expect("export");
    let bundle: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "document");
    let entries = bundle["entry"].as_array().expect("entries");
    assert_eq!(entries[0]["resource"]["resourceType"], "Composition");
    let patient = entries
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "Patient")
        .expect("a Patient");
    assert_eq!(patient["birthDate"], "1990-03-14");
    assert!(
        json.contains("001190012345"),
        "the personal id is the patient's identifier"
    );
    for resource_type in [
        "Encounter",
        "MedicationRequest",
        "ServiceRequest",
        "Appointment",
        "Immunization",
        "AllergyIntolerance",
        "Condition",
        "Observation",
    ] {
        assert!(
            entries
                .iter()
                .any(|e| e["resource"]["resourceType"] == resource_type),
            "no {resource_type}"
        );
    }
}

#[test]
fn a_book_exported_and_imported_into_another_book_has_the_same_records() {
    let source = new_book();
    let owner = source.book.add_person(mother()).expect("owner").id;
    source.book.add_records(one_of_each(&owner)).expect("write");
    let json = source.book.export_fhir(owner.clone()).expect("export");

    let target = new_book();
    let person = target
        .book
        .add_person(mother())
        .expect("same person, another book")
        .id;
    let report = target.book.import_fhir(json.clone()).expect("import");
    assert_eq!(report.person_id, person);
    assert_eq!(report.imported.len(), 8, "skipped: {:?}", report.skipped);

    let before = all_records(&source, &owner);
    let after = all_records(&target, &person);
    assert_eq!(after.len(), before.len());
    for (old, new) in before.iter().zip(after.iter()) {
        assert_eq!(old.kind(), new.kind());
        assert_eq!(old.title(), new.title());
        assert_eq!(old.at(), new.at());
    }

    // Importing the same bundle again replaces rather than duplicates.
    target.book.import_fhir(json).expect("import again");
    assert_eq!(all_records(&target, &person).len(), before.len());
}

#[test]
fn malformed_json_or_a_non_bundle_imports_nothing() {
    let test = new_book();
    let owner = test.book.add_person(mother()).expect("owner").id;
    for (input, field) in [
        ("{\"resourceType\": \"Bundle\", \"type\": ", "bundle_json"),
        (
            "{\"resourceType\": \"Patient\", \"id\": \"x\"}",
            "bundle_json",
        ),
    ] {
        match test.book.import_fhir(input.into()) {
            Err(HealthBookError::Validation { field: got, reason }) => {
                assert!(
                    got.starts_with(field) || got.starts_with("bundle"),
                    "field {got} for {input}"
                );
                assert!(!reason.is_empty());
            }
            other => panic!("expected a validation error for {input:?}, got {other:?}"),
        }
    }
    assert!(all_records(&test, &owner).is_empty());
}

#[test]
fn a_bundle_about_someone_not_in_the_book_imports_nothing() {
    let source = new_book();
    let owner = source.book.add_person(mother()).expect("owner").id;
    source.book.add_records(one_of_each(&owner)).expect("write");
    let json = source.book.export_fhir(owner).expect("export");

    let target = new_book();
    let mut stranger = mother();
    stranger.full_name = "Hoàng Văn Nam".into();
    stranger.date_of_birth = date("1985-07-07");
    stranger.sex = healthbook_core::model::Sex::Male;
    stranger.personal_id = Some("001085012345".into());
    let id = target.book.add_person(stranger).expect("stranger").id;
    let error = target.book.import_fhir(json).expect_err("must fail");
    assert!(
        matches!(error, HealthBookError::Validation { ref field, .. } if field == "bundle.Patient"),
        "{error:?}"
    );
    assert!(all_records(&target, &id).is_empty());
}

#[test]
fn a_namesake_with_another_personal_id_is_not_matched() {
    let source = new_book();
    let owner = source.book.add_person(mother()).expect("owner").id;
    source.book.add_records(one_of_each(&owner)).expect("write");
    let json = source.book.export_fhir(owner).expect("export");

    let target = new_book();
    let mut namesake = mother();
    namesake.personal_id = Some("079190054321".into()); // same name and birth date, another citizen
    let id = target.book.add_person(namesake).expect("namesake").id;
    let error = target.book.import_fhir(json).expect_err("must not match");
    assert!(
        matches!(error, HealthBookError::Validation { ref field, .. } if field == "bundle.Patient"),
        "{error:?}"
    );
    assert!(all_records(&target, &id).is_empty());
}
