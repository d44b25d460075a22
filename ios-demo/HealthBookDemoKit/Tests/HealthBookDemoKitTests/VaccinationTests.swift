import Foundation
import HealthBookDemoKit
import HealthBookKit
import XCTest

/// A child's vaccinations against the national expanded programme.
final class VaccinationTests: XCTestCase {
    @MainActor
    func testTheBabysDosesGivenAndToCome() async throws {
        let (session, family) = try await Fixtures.sampleBook()
        let baby = family.people[2]
        let today = Fixtures.today
        let model = VaccinationViewModel(session: session, childId: baby.id, today: { today })
        await model.load()
        XCTAssertNil(model.message)
        XCTAssertGreaterThanOrEqual(model.antigens.count, 8, "the programme's antigens: \(model.antigens.map(\.antigen))")
        XCTAssertNotNil(model.schedule, "where the schedule comes from")

        let hepB = try XCTUnwrap(model.antigens.first { $0.antigen == "HepB" }, "hepatitis B")
        let birthDose = try XCTUnwrap(hepB.doses.first, "the birth dose")
        XCTAssertEqual(birthDose.badge, .given, "the birth dose is given")
        XCTAssertTrue(birthDose.detail.vi.contains(BookDates.display(baby.dateOfBirth)), "given on the birth day: \(birthDose.detail)")

        let counts = model.counts
        XCTAssertGreaterThanOrEqual(counts[.given] ?? 0, 3, "doses given: \(counts)")
        let toCome = [DoseBadge.due, .overdue, .upcoming, .notYetEligible].reduce(0) { $0 + (counts[$1] ?? 0) }
        XCTAssertGreaterThan(toCome, 0, "doses still to come for a ten-month-old: \(counts)")
        XCTAssertEqual(model.needingAction.count, (counts[.due] ?? 0) + (counts[.overdue] ?? 0))
        XCTAssertTrue(
            model.outsideSchedule.allSatisfy { $0.contains(" · ") && !$0.hasPrefix("sample-") },
            "vaccines outside the programme are named, not record ids: \(model.outsideSchedule)"
        )
        for antigen in model.antigens {
            XCTAssertFalse(antigen.name.vi.isEmpty || antigen.name.en.isEmpty, "\(antigen.antigen) is named")
            XCTAssertFalse(antigen.doses.isEmpty, "\(antigen.antigen) has doses")
            for dose in antigen.doses {
                XCTAssertFalse(dose.detail.vi.isEmpty || dose.badge.label.vi.isEmpty, "\(antigen.antigen) dose \(dose.doseNumber) explained")
            }
        }
    }

    @MainActor
    func testSomeoneNotInTheBookIsTold() async throws {
        let model = VaccinationViewModel(session: try await Fixtures.emptyBook(), childId: "nobody")
        await model.load()
        XCTAssertEqual(model.message, .notFound)
        XCTAssertTrue(model.antigens.isEmpty)
    }
}
