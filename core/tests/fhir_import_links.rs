//! How import ties a visit's parts to it when the Encounter does not list them: Conditions,
//! Procedures and a weight that point at the Encounter (`encounter`, or the older `context`; by
//! fullUrl, `Type/id`, an absolute URL ending in `Type/id`, or a versioned reference) are folded
//! into the visit, in bundle order; what points at an Encounter the bundle does not hold stays a
//! record of its own. (Import finds them through an index made once per bundle.)

use healthbook_core::fhir::plan_import;
use healthbook_core::model::Record;
use serde_json::json;

fn condition(
    id: &str,
    link_key: &str,
    reference: &str,
    code: &str,
    text: &str,
) -> serde_json::Value {
    json!({
        "fullUrl": format!("urn:uuid:{id}"),
        "resource": {
            "resourceType": "Condition",
            "id": id,
            "subject": { "reference": "urn:uuid:patient" },
            link_key: { "reference": reference },
            "code": {
                "coding": [{ "system": "http://hl7.org/fhir/sid/icd-10", "code": code }],
                "text": text
            },
            "recordedDate": "2026-03-02"
        }
    })
}

#[test]
fn parts_pointing_at_an_encounter_are_folded_into_its_visit_in_bundle_order() {
    let bundle = json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:patient",
                "resource": {
                    "resourceType": "Patient",
                    "id": "patient",
                    "name": [{ "text": "Nguyễn Thị Lan" }],
                    "gender": "female",
                    "birthDate": "1990-03-14"
                }
            },
            {
                "fullUrl": "urn:uuid:org",
                "resource": {
                    "resourceType": "Organization",
                    "id": "org",
                    "identifier": [{
                        "system": "http://fhir.ehealth.gov.vn/core/NamingSystem/facility-code",
                        "value": "01001"
                    }],
                    "name": "Bệnh viện Bạch Mai"
                }
            },
            condition("c-main", "encounter", "http://example.org/fhir/Encounter/enc", "J18.9", "Viêm phổi"),
            {
                "fullUrl": "http://example.org/fhir/Encounter/enc",
                "resource": {
                    "resourceType": "Encounter",
                    "id": "enc",
                    "status": "finished",
                    "class": { "code": "AMB" },
                    "subject": { "reference": "urn:uuid:patient" },
                    "serviceProvider": { "reference": "urn:uuid:org" },
                    "period": { "start": "2026-03-02T08:00:00+07:00" }
                }
            },
            condition("c-second", "context", "Encounter/enc", "E11.9", "Đái tháo đường"),
            {
                "fullUrl": "urn:uuid:proc",
                "resource": {
                    "resourceType": "Procedure",
                    "id": "proc",
                    "status": "completed",
                    "subject": { "reference": "urn:uuid:patient" },
                    "encounter": { "reference": "https://other.example/fhir/Encounter/enc" },
                    "code": { "text": "Chụp X-quang ngực" }
                }
            },
            {
                "fullUrl": "urn:uuid:weight",
                "resource": {
                    "resourceType": "Observation",
                    "id": "weight",
                    "status": "final",
                    "subject": { "reference": "urn:uuid:patient" },
                    "encounter": { "reference": "Encounter/enc/_history/2" },
                    "code": { "coding": [{ "system": "http://loinc.org", "code": "29463-7" }] },
                    "effectiveDateTime": "2026-03-02T08:10:00+07:00",
                    "valueQuantity": { "value": 52.5, "unit": "kg", "code": "kg", "system": "http://unitsofmeasure.org" }
                }
            },
            condition("c-elsewhere", "encounter", "Encounter/not-in-this-bundle", "I10", "Tăng huyết áp"),
        ]
    });

    let plan = plan_import(&bundle.to_string()).expect("the bundle plans");

    assert!(
        plan.skipped.is_empty(),
        "nothing left out: {:?}",
        plan.skipped
    );
    let visits: Vec<_> = plan
        .records
        .iter()
        .filter_map(|(r, _)| match r {
            Record::Visit { visit } => Some(visit),
            _ => None,
        })
        .collect();
    assert_eq!(visits.len(), 1);
    let visit = visits[0];
    assert_eq!(
        visit.main_icd10.as_deref(),
        Some("J18.9"),
        "the first Condition in bundle order"
    );
    assert_eq!(visit.diagnosis_text, "Viêm phổi");
    assert_eq!(
        visit.secondary_icd10,
        vec!["E11.9".to_string()],
        "linked by context"
    );
    assert_eq!(
        visit.procedures,
        vec!["Chụp X-quang ngực".to_string()],
        "linked by absolute URL"
    );
    assert_eq!(
        visit.weight_kg,
        Some(52.5),
        "linked by a versioned reference"
    );
    let sources: Vec<&str> = plan.records.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        sources,
        vec!["Encounter/enc", "Condition/c-elsewhere"],
        "the visit's parts are not records of their own; the unlinked Condition is"
    );
}
