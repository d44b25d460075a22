import Foundation
import HealthBookDemoKit
import HealthBookKit
import XCTest

/// How the view models reach the core: local calls off the main thread, closing after the calls
/// in flight.
final class BookSessionTests: XCTestCase {
    @MainActor
    func testLocalCallsRunOffTheMainThread() async throws {
        let session = try await Fixtures.emptyBook()
        let onMain = try await session.run { _ in Thread.isMainThread }
        XCTAssertFalse(onMain, "the core's blocking call does not run on the main thread")
    }

    @MainActor
    func testClosingWaitsForTheCallInFlight() async throws {
        let (session, family) = try await Fixtures.sampleBook()
        let started = LockedFlag()
        let read = Task {
            try await session.run { book -> Int in
                started.set()
                // Still reading when the book is asked to close.
                Thread.sleep(forTimeInterval: 0.2)
                return try book.people().count
            }
        }
        try await waitUntil("the read to start") { started.value }
        await session.close()
        let people = try await read.value
        XCTAssertEqual(people, family.people.count, "the read in flight was answered before the book closed")
        do {
            _ = try await session.run { book in try book.people() }
            XCTFail("the closed book still answered")
        } catch HealthBookError.Closed {
        }
    }
}
