import Foundation
import HealthBookDemoKit
import HealthBookKit
import XCTest

/// The family list: the owner's book, then the children's with what the app may do with each.
final class FamilyTests: XCTestCase {
    @MainActor
    func testTheOwnerFirstThenTwoManagedChildren() async throws {
        let (session, family) = try await Fixtures.sampleBook()
        let today = Fixtures.today
        let model = FamilyViewModel(session: session, today: { today })
        await model.load()
        XCTAssertNil(model.message)
        XCTAssertFalse(model.isLoading)
        XCTAssertEqual(model.rows.map(\.id), family.people.map(\.id), "the owner first, then the children")
        XCTAssertEqual(model.rows.first?.access, .ownBook, "the mother's own book")
        XCTAssertEqual(model.owner?.id, family.people.first?.id)
        for child in model.rows.dropFirst() {
            guard case let .managedChild(until) = child.access else {
                return XCTFail("\(child.name) is \(child.access), expected a managed child")
            }
            let limit = try XCTUnwrap(until, "the day \(child.name)'s book turns read-only")
            XCTAssertGreaterThan(limit, today, "managed until a day after today")
            XCTAssertTrue(child.access.text.vi.contains(BookDates.display(limit)), "the badge gives the day")
            XCTAssertTrue(child.isChild && child.access.canChange, "a managed child's book can be changed")
            XCTAssertTrue(child.showsVaccinations)
        }
        XCTAssertEqual(model.children.count, 2, "two children")
        let baby = model.rows[2]
        XCTAssertEqual(baby.ageYears, 0)
        XCTAssertTrue(baby.age.vi.hasSuffix("tháng tuổi"), "the baby's age in months: \(baby.age)")
        XCTAssertTrue(model.rows[0].age.vi.hasSuffix("tuổi") && model.rows[0].ageYears >= 18, "the mother's age")
    }

    @MainActor
    func testAChildPastTheGuardianAgeLimitIsReadOnly() async throws {
        let (session, family) = try await Fixtures.sampleBook()
        // The older child is about seven: with a limit of five their book is no longer managed.
        try await session.run { book in try book.setGuardianAgeLimit(years: 5) }
        let today = Fixtures.today
        let model = FamilyViewModel(session: session, today: { today })
        await model.load()
        let older = try XCTUnwrap(model.rows.first { $0.id == family.people[1].id }, "the older child")
        guard case let .readOnly(since) = older.access else {
            return XCTFail("the older child is \(older.access), expected read-only")
        }
        XCTAssertLessThanOrEqual(since, today, "read-only since a day already past")
        XCTAssertFalse(older.access.canChange, "a read-only book cannot be changed")
        XCTAssertTrue(older.access.text.vi.hasPrefix("Chỉ xem"), older.access.text.vi)
        let baby = try XCTUnwrap(model.rows.first { $0.id == family.people[2].id }, "the baby")
        guard case .managedChild = baby.access else {
            return XCTFail("the baby is \(baby.access), expected managed")
        }
    }

    @MainActor
    func testANewBookIsEmptyUntilTheFirstSync() async throws {
        let model = FamilyViewModel(session: try await Fixtures.emptyBook())
        await model.load()
        XCTAssertTrue(model.isEmpty)
        XCTAssertNil(model.owner)
        XCTAssertNil(model.message)
    }
}
