import Foundation
import XCTest
@testable import HealthBookKit

/// Records in the book: every kind written and read back, the timeline, search, validation, FHIR.
final class RecordTests: XCTestCase {
    func testEveryKindIsWrittenAndReadBackAsItsRecordCase() throws {
        let book = try newBook()
        let owner = try book.addPerson(person: mother())
        XCTAssertFalse(owner.id.isEmpty, "the person gets an id")
        let written = try book.addRecords(records: oneOfEach(personId: owner.id))
        XCTAssertEqual(written.count, 8)
        XCTAssertEqual(written.map { $0.recordKind() }, allRecordKinds, "one of each kind, in the order given")
        XCTAssertEqual(Set(written.map { $0.recordId() }).count, 8, "ids assigned, all different")
        for record in written {
            XCTAssertEqual(record.recordPersonId(), owner.id)
            XCTAssertFalse(record.recordId().isEmpty)
            XCTAssertEqual(try book.record(recordId: record.recordId()), record, "read back exactly as written")
        }

        for record in written {
            switch try book.record(recordId: record.recordId()) {
            case .visit(let visit):
                XCTAssertEqual(visit.mainIcd10, "J18.9")
                XCTAssertEqual(visit.start, instant("2026-11-19T01:30:00Z"))
                XCTAssertEqual(visit.treatmentResult, .improved)
            case .prescription(let prescription):
                XCTAssertEqual(prescription.nationalCode, "01001abc1234-c")
                XCTAssertEqual(prescription.lines.map(\.dosage.days), [7])
                XCTAssertEqual(prescription.issuedAt.timeIntervalSince(instant("2026-11-19T08:30:00+07:00")), 1800)
            case .referral(let referral):
                XCTAssertEqual(referral.validUntil, day("2026-12-04"), "10 working days after Friday 20/11")
                XCTAssertEqual(referral.reason, .beyondCapacity)
            case .appointment(let appointment):
                XCTAssertEqual(appointment.appointmentDate, day("2026-12-03"))
                XCTAssertEqual(appointment.status, .booked)
            case .immunization(let immunization):
                XCTAssertEqual(immunization.cvx, 35)
                XCTAssertEqual(immunization.antigens, ["Td"])
                XCTAssertEqual(immunization.date, day("2025-10-01"))
            case .allergy(let allergy):
                XCTAssertEqual(allergy.substance, "Penicillin")
                XCTAssertEqual(allergy.criticality, .high)
            case .condition(let condition):
                XCTAssertEqual(condition.history, .medical)
                XCTAssertEqual(condition.icd10, "E11")
            case .observation(let observation):
                XCTAssertEqual(observation.value, .bloodPressure(systolic: 128, diastolic: 82))
                XCTAssertEqual(observation.at, instant("2026-11-21T13:00:00Z"))
            }
        }
    }

    func testAddRecordReturnsTheStoredRecordAndUpcomingAppointmentsFindsIt() throws {
        let book = try newBook()
        let owner = try book.addPerson(person: mother())
        let records = oneOfEach(personId: owner.id)
        let stored = try book.addRecord(record: records[3])
        guard case .appointment(let appointment) = stored else {
            return XCTFail("an appointment comes back as .appointment: \(stored)")
        }
        XCTAssertEqual(try book.upcomingAppointments(personId: owner.id, fromDate: day("2026-12-01")).map(\.id),
                       [appointment.id])
        XCTAssertEqual(try book.upcomingAppointments(personId: owner.id, fromDate: day("2026-12-04")), [])
    }

    func testTimelinePagesWithACursorCoverEveryRecordOnceNewestFirst() throws {
        let book = try newBook()
        let owner = try book.addPerson(person: mother())
        let start = instant("2020-01-01T08:00:00+07:00")
        // Two visits a day: pages have to cut between records of the same day.
        let records = (0..<120).map {
            visit(personId: owner.id, start: start.addingTimeInterval(Double($0 / 2) * 86_400),
                  diagnosis: "Viêm họng cấp", icd10: "J02.9")
        }
        let written = try book.addRecords(records: records)

        var seen: [TimelineEntry] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try book.timeline(personId: owner.id, query: TimelineQuery(limit: 25, cursor: cursor))
            XCTAssertLessThanOrEqual(page.entries.count, 25)
            seen += page.entries
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil && pages < 100
        XCTAssertEqual(pages, 5)
        XCTAssertEqual(seen.count, 120, "every record once")
        XCTAssertEqual(Set(seen.map(\.recordId)), Set(written.map { $0.recordId() }), "no duplicates, none missing")
        XCTAssertEqual(seen.map(\.at), seen.map(\.at).sorted(by: >), "newest first")
        XCTAssertEqual(seen.first?.at, start.addingTimeInterval(59 * 86_400))
        XCTAssertTrue(seen.allSatisfy { $0.kind == .visit && $0.facilityName == bachMai.name })
    }

    func testTimelineFiltersByKindAndByDateRange() throws {
        let book = try newBook()
        let owner = try book.addPerson(person: mother())
        _ = try book.addRecords(records: oneOfEach(personId: owner.id))
        let visits = try book.timeline(personId: owner.id, query: TimelineQuery(kinds: [.visit]))
        XCTAssertEqual(visits.entries.map(\.kind), [.visit])
        XCTAssertNil(visits.nextCursor)
        let inNovember = try book.timeline(
            personId: owner.id, query: TimelineQuery(from: day("2026-11-19"), to: day("2026-11-21")))
        XCTAssertEqual(Set(inNovember.entries.map(\.kind)), [.visit, .prescription, .referral, .observation])
        XCTAssertEqual(
            validationField(assertHealthBookError {
                try book.timeline(personId: owner.id, query: TimelineQuery(limit: 0))
            })?.hasSuffix("limit"), true)
    }

    func testSearchIgnoresCaseAndVietnameseDiacritics() throws {
        let book = try newBook()
        let owner = try book.addPerson(person: mother())
        _ = try book.addRecords(records: oneOfEach(personId: owner.id))

        let diabetes = try book.search(personId: owner.id, text: "tieu duong", limit: 20)
        XCTAssertEqual(diabetes.map(\.kind), [.condition])
        guard case .condition(let condition)? = diabetes.first?.record else {
            return XCTFail("the hit carries its record: \(diabetes)")
        }
        XCTAssertEqual(condition.text, "Tiểu đường type 2")

        let pneumonia = try book.search(personId: owner.id, text: "VIEM PHOI", limit: 20)
        XCTAssertEqual(Set(pneumonia.map(\.kind)), [.visit, .prescription, .referral, .appointment])
        XCTAssertEqual(try book.search(personId: owner.id, text: "Viêm phổi", limit: 2).count, 2, "the limit holds")
        XCTAssertEqual(try book.search(personId: owner.id, text: "sốt xuất huyết", limit: 20), [])
    }

    func testAnInvalidICD10CodeNamesTheFieldAndNothingOfTheBatchIsWritten() throws {
        let book = try newBook()
        let owner = try book.addPerson(person: mother())
        let records = oneOfEach(personId: owner.id)
            + [visit(personId: owner.id, start: instant("2026-01-01T08:00:00+07:00"), diagnosis: "Viêm phổi",
                     icd10: "J18.123")]
        let error = assertHealthBookError { try book.addRecords(records: records) }
        XCTAssertEqual(validationField(error), "records[8].visit.main_icd10")
        XCTAssertEqual(try book.timeline(personId: owner.id, query: TimelineQuery()).entries, [], "the book is unchanged")
    }

    func testAPersonalIdThatDisagreesWithTheBirthYearIsRefused() throws {
        let book = try newBook()
        let error = assertHealthBookError { try book.addPerson(person: mother(dateOfBirth: day("1991-03-14"))) }
        XCTAssertEqual(validationField(error), "person.personal_id")
        XCTAssertEqual(try book.people(), [], "nobody was added")
    }

    func testAFacilityRecordIsReadOnlyAndTheCitizensOwnCanBeChangedAndDeleted() throws {
        let book = try newBook()
        let owner = try book.addPerson(person: mother())
        let written = try book.addRecords(records: oneOfEach(personId: owner.id))
        guard case .allergy(let allergy) = written[5], case .visit(let visit) = written[0] else {
            return XCTFail("unexpected order: \(written.map { $0.recordKind() })")
        }
        let changed = Allergy(
            id: allergy.id, personId: allergy.personId, source: allergy.source, sensitive: allergy.sensitive,
            substance: allergy.substance, category: allergy.category, criticality: .low,
            reaction: "Ngứa", recordedOn: allergy.recordedOn, note: "Tự ghi")
        _ = try book.updateRecord(record: .allergy(allergy: changed))
        XCTAssertEqual(try book.record(recordId: allergy.id), .allergy(allergy: changed))

        let error = assertHealthBookError { try book.deleteRecord(recordId: visit.id) }
        XCTAssertNotEqual(kindOf(error), "no error", "a facility's visit cannot be deleted")
        XCTAssertEqual(try book.record(recordId: visit.id), written[0], "and it is still there")

        try book.deleteRecord(recordId: allergy.id)
        XCTAssertEqual(kindOf(assertHealthBookError { try book.record(recordId: allergy.id) }), "NotFound")
        XCTAssertEqual(try allEntries(book, owner.id).count, 7)
    }

    func testTheSampleFamilyLoadsAndTheParentsTimelineHasAFirstPage() throws {
        let book = try newBook()
        let family = sampleFamily(seed: 42, today: day("2026-11-22"))
        XCTAssertEqual(family.people.count, 3)
        XCTAssertEqual(family, sampleFamily(seed: 42, today: day("2026-11-22")), "the same for the same seed")
        for person in family.people { _ = try book.addPerson(person: person) }
        _ = try book.addRecords(records: family.records)
        let owner = try XCTUnwrap(try book.people().first { $0.role == .owner })
        let page = try book.timeline(personId: owner.id, query: TimelineQuery(limit: 50))
        XCTAssertEqual(page.entries.count, 50)
        XCTAssertNotNil(page.nextCursor, "more than one page")
        XCTAssertEqual(try kindsByPersonalId(book), kindsByPersonalId(family))
    }

    func testFHIRExportIsADocumentBundleThatImportsIntoAnotherBook() throws {
        let source = try newBook()
        let owner = try source.addPerson(person: mother())
        let written = try source.addRecords(records: oneOfEach(personId: owner.id))
        let json = try source.exportFhir(personId: owner.id)

        let bundle = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "a JSON object")
        XCTAssertEqual(bundle["resourceType"] as? String, "Bundle")
        XCTAssertEqual(bundle["type"] as? String, "document")
        let types = ((bundle["entry"] as? [[String: Any]]) ?? [])
            .compactMap { ($0["resource"] as? [String: Any])?["resourceType"] as? String }
        XCTAssertEqual(types.first, "Composition", "a document starts with its Composition")
        for type in ["Patient", "Encounter", "MedicationRequest", "ServiceRequest", "Appointment",
                     "Immunization", "AllergyIntolerance", "Condition", "Observation"] {
            XCTAssertTrue(types.contains(type), "the bundle has a \(type): \(types)")
        }

        let target = try newBook()
        let other = try target.addPerson(person: mother())
        let report = try target.importFhir(bundleJson: json)
        XCTAssertEqual(report.personId, other.id, "matched by personal id")
        XCTAssertEqual(report.imported.count, 8)
        XCTAssertEqual(report.imported.map(\.kind).sorted { "\($0)" < "\($1)" },
                       allRecordKinds.sorted { "\($0)" < "\($1)" })
        let imported = try allEntries(target, other.id)
        XCTAssertEqual(Set(imported.map(\.title)), Set(try allEntries(source, owner.id).map(\.title)))
        guard case .referral(let referral)? = imported.first(where: { $0.kind == .referral })?.record,
              case .referral(let original) = written[2]
        else { return XCTFail("the referral came through") }
        XCTAssertEqual(referral.slipNumber, original.slipNumber)
        XCTAssertEqual(referral.signedAt, original.signedAt)
        XCTAssertEqual(referral.plannedTreatment, "Điều trị nội trú")

        let again = try target.importFhir(bundleJson: json)
        XCTAssertEqual(try allEntries(target, other.id).count, 8, "importing twice changes nothing: \(again)")

        XCTAssertEqual(kindOf(assertHealthBookError { try target.importFhir(bundleJson: "{ not json") }), "Validation")
        XCTAssertEqual(try allEntries(target, other.id).count, 8)
    }
}
