import Foundation
import HealthBookDemoKit
import HealthBookKit
import XCTest

/// A record's detail screen, for every kind.
final class RecordDetailsTests: XCTestCase {
    @MainActor
    func testEveryKindHasTitledSectionsOfRows() async throws {
        let (session, family) = try await Fixtures.sampleBook()
        for kind in RecordKinds.all {
            let record = try XCTUnwrap(
                family.records.first { RecordDetails.kind(of: $0) == kind },
                "a sample record of kind \(kind)"
            )
            let sections = RecordDetails.sections(for: record)
            XCTAssertGreaterThanOrEqual(sections.count, 2, "\(kind): the record's section and where it comes from")
            XCTAssertEqual(sections.first?.title, RecordKinds.label(kind), "\(kind): the first section's title")
            XCTAssertGreaterThanOrEqual(sections.first?.rows.count ?? 0, 2, "\(kind): the first section has rows")
            for section in sections {
                XCTAssertFalse(section.title.vi.isEmpty || section.title.en.isEmpty, "\(kind): a titled section")
                XCTAssertFalse(section.rows.isEmpty, "\(kind): \(section.title) has rows")
                for row in section.rows {
                    XCTAssertFalse(row.label.vi.isEmpty || row.label.en.isEmpty, "\(kind): a labelled row")
                    XCTAssertFalse(row.value.vi.isEmpty || row.value.en.isEmpty, "\(kind): \(row.label) has a value")
                }
            }

            let model = RecordDetailViewModel(session: session, recordId: record.recordId())
            XCTAssertEqual(model.title, Bilingual("Chi tiết", "Details"), "before it is read")
            await model.load()
            XCTAssertNil(model.message, "\(kind): read from the book")
            XCTAssertEqual(
                model.sections.map { $0.rows.map(\.label) },
                sections.map { $0.rows.map(\.label) },
                "\(kind): the same rows read back from the book"
            )
            XCTAssertEqual(model.title, RecordKinds.label(kind), "\(kind): the screen's title")
        }
    }

    @MainActor
    func testAPrescriptionHasASectionPerMedicineWithItsDosage() throws {
        let family = Fixtures.sample()
        let prescription = try XCTUnwrap(family.records.lazy.compactMap { record -> Prescription? in
            if case let .prescription(prescription) = record, !prescription.lines.isEmpty { return prescription }
            return nil
        }.first, "a sample prescription with drug lines")
        let sections = RecordDetails.sections(for: .prescription(prescription: prescription))
        XCTAssertEqual(sections.count, 1 + prescription.lines.count + 1, "the prescription, its medicines, the source")
        for (line, section) in zip(prescription.lines, sections.dropFirst()) {
            XCTAssertTrue(section.title.vi.contains(line.brandName), "the medicine's section is titled with its name")
            let dosage = try XCTUnwrap(section.rows.first { $0.label.en == "Dosage" }, "a dosage row for \(line.brandName)")
            XCTAssertTrue(dosage.value.vi.contains("lần/ngày"), dosage.value.vi)
            XCTAssertTrue(dosage.value.en.contains("a day"), dosage.value.en)
        }
        XCTAssertEqual(RecordDetails.number(2), "2", "a whole number")
        XCTAssertEqual(RecordDetails.number(0.5), "0,5", "a decimal comma")
    }

    @MainActor
    func testARecordThatIsGoneIsTold() async throws {
        let model = RecordDetailViewModel(session: try await Fixtures.emptyBook(), recordId: "no-such-record")
        await model.load()
        XCTAssertEqual(model.message, .notFound)
        XCTAssertTrue(model.sections.isEmpty)
    }

    func testDaysAndInstantsAreWrittenTheVietnameseWay() throws {
        XCTAssertEqual(BookDates.display(try Fixtures.day("2024-05-01")), "01/05/2024")
        // 01:30 UTC is 08:30 in Vietnam, whatever the phone's time zone.
        let instant = Date(timeIntervalSince1970: 1_714_527_000)
        XCTAssertEqual(BookDates.display(instant: instant), "01/05/2024 08:30")
        // 18:00 UTC on 1 May is already 2 May in Vietnam.
        XCTAssertEqual(BookDates.display(instant: Date(timeIntervalSince1970: 1_714_586_400)), "02/05/2024 01:00")
        XCTAssertEqual(BookDates.countdown(seconds: 1799), "29:59")
        XCTAssertEqual(BookDates.countdown(seconds: 3600 * 2 + 5), "2:00:05", "hours when there are")
        XCTAssertEqual(BookDates.countdown(seconds: -3), "00:00", "never below zero")
    }
}
