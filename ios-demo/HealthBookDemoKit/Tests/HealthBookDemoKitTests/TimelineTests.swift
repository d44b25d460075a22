import Foundation
import HealthBookDemoKit
import HealthBookKit
import XCTest

/// A person's timeline, twenty entries a page.
final class TimelineTests: XCTestCase {
    @MainActor
    func testPagesOfTwentyBringEveryEntryOnceNewestFirst() async throws {
        let (session, family) = try await Fixtures.sampleBook()
        let owner = family.people[0]
        let expected = Set(family.records.filter { $0.recordPersonId() == owner.id }.map { $0.recordId() })
        XCTAssertGreaterThan(expected.count, 100, "the mother has years of records")

        let model = TimelineViewModel(session: session, personId: owner.id)
        await model.reload()
        XCTAssertEqual(model.rows.count, Int(TimelineViewModel.pageSize), "the first page")
        XCTAssertTrue(model.hasMore, "more after the first page")
        XCTAssertTrue(model.shouldLoadMore(after: try XCTUnwrap(model.rows.last)), "the last row asks for more")
        XCTAssertFalse(model.shouldLoadMore(after: model.rows[0]), "another row does not")

        // "Load more" tapped twice at once still brings one page.
        async let first: Void = model.loadMore()
        async let second: Void = model.loadMore()
        _ = await (first, second)
        XCTAssertEqual(model.rows.count, 2 * Int(TimelineViewModel.pageSize), "two pages after a double tap")

        var pages = 2
        while model.hasMore {
            let before = model.rows.count
            await model.loadMore()
            pages += 1
            XCTAssertGreaterThan(model.rows.count, before, "page \(pages) added entries")
            guard pages < 1000 else { return XCTFail("paging does not end") }
        }
        XCTAssertNil(model.message, "no error while paging")
        let ids = model.rows.map(\.id)
        XCTAssertEqual(Set(ids).count, ids.count, "no entry twice")
        XCTAssertEqual(Set(ids), expected, "every one of the mother's records, and only hers")
        for (newer, older) in zip(model.rows, model.rows.dropFirst()) {
            XCTAssertGreaterThanOrEqual(newer.entry.at, older.entry.at, "newest first")
        }
        for row in model.rows {
            XCTAssertFalse(row.title.isEmpty)
            XCTAssertEqual(row.when.count, 16, "a day and a time: \(row.when)")
        }

        await model.reload()
        XCTAssertEqual(model.rows.count, Int(TimelineViewModel.pageSize), "reload starts over")
    }

    @MainActor
    func testAFailedPageKeepsTheRowsShown() async throws {
        let (session, family) = try await Fixtures.sampleBook()
        let owner = family.people[0]
        let model = TimelineViewModel(session: session, personId: owner.id, kinds: [.visit])
        await model.reload()
        let shown = model.rows
        XCTAssertEqual(shown.count, Int(TimelineViewModel.pageSize))
        XCTAssertTrue(shown.allSatisfy { $0.kind == .visit }, "only visits")

        await session.close()
        await model.loadMore()
        XCTAssertEqual(model.rows, shown, "the rows already shown stay")
        XCTAssertEqual(model.message, .bookClosed, "and the failure is told")
        XCTAssertTrue(model.hasMore, "the page that failed can be asked again")
    }
}
