import Foundation
import XCTest
@testable import HealthBookKit

/// `HealthBook.sync` against the reference backend `cargo xtask test-swift` starts, seeded with the
/// sample family (`sampleFamily(seed: 42, today:)`: a mother and two children). Each test logs in
/// as the mother with the backend's development login and syncs new books from her account. None
/// of them changes the account, so each can expect exactly the seeded family.
final class SyncTests: XCTestCase {
    func testANewBookReceivesTheMotherHerChildrenAndAllTheirRecordsWithProgress() async throws {
        let server = try backendURL()
        let token = try await motherToken(server)
        let family = seededFamily()
        let book = try newBook()

        let progress = RecordingProgress()
        let report = try await book.sync(config: syncConfig(server), auth: FixedToken(token), progress: progress)
        XCTAssertEqual(Int(report.recordsReceived), family.records.count, "records received")
        XCTAssertEqual(report.recordsSent, 0)
        XCTAssertEqual(report.conflicts, 0)
        XCTAssertEqual(report.recordsDeleted, 0)
        XCTAssertGreaterThanOrEqual(report.pages, 2, "\(family.records.count) records at 500 a page: \(report.pages)")

        let reports = progress.all
        XCTAssertEqual(reports.last?.phase, .done, "the last progress report")
        XCTAssertTrue(reports.contains { $0.phase == .pulling && $0.pages >= 1 }, "progress while pulling")
        XCTAssertEqual(reports.map(\.pages), reports.map(\.pages).sorted(), "pages only grow")
        XCTAssertEqual(reports.last?.recordsReceived, report.recordsReceived)

        let people = try book.people()
        XCTAssertEqual(people.count, 3)
        XCTAssertEqual(
            Dictionary(uniqueKeysWithValues: people.map { ($0.personalId ?? "", $0.fullName) }),
            Dictionary(uniqueKeysWithValues: family.people.map { ($0.personalId ?? "", $0.fullName) }),
            "names by personal id")
        let mother = try XCTUnwrap(people.first { $0.role == .owner })
        XCTAssertEqual(mother.personalId, family.people[0].personalId, "the owner is the mother who logged in")
        XCTAssertEqual(Set(people.filter { $0.role == .dependant }.map(\.dateOfBirth)),
                       Set(family.people.dropFirst().map(\.dateOfBirth)), "the children")
        XCTAssertEqual(try kindsByPersonalId(book), kindsByPersonalId(family), "records per kind of each person")

        let page = try book.timeline(personId: mother.id, query: TimelineQuery(limit: 50))
        XCTAssertEqual(page.entries.count, 50)
        let sampleIds = Set(family.records.map { $0.recordId() })
        XCTAssertTrue(page.entries.allSatisfy { sampleIds.contains($0.recordId) }, "the sample's record ids kept")

        let again = try await book.sync(config: syncConfig(server), auth: FixedToken(token))
        XCTAssertEqual(again.recordsReceived, 0, "a second sync has nothing new")
        XCTAssertEqual(again.recordsSent, 0)
        XCTAssertEqual(try totalRecords(book), family.records.count)
    }

    func testSyncEventsYieldProgressThenFinished() async throws {
        let server = try backendURL()
        let token = try await motherToken(server)
        let book = try newBook()

        var events: [SyncEvent] = []
        for try await event in book.syncEvents(config: syncConfig(server, pageSize: 200), auth: FixedToken(token)) {
            events.append(event)
        }
        let progress = events.compactMap { event -> SyncProgress? in
            if case .progress(let report) = event { return report }
            return nil
        }
        XCTAssertGreaterThanOrEqual(progress.count, 5, "a report per page at 200 a page: \(progress.count)")
        guard case .finished(let report)? = events.last else {
            return XCTFail("the stream ends with .finished: \(String(describing: events.last))")
        }
        XCTAssertEqual(events.dropLast().count, progress.count, "only progress before .finished")
        XCTAssertEqual(Int(report.recordsReceived), seededFamily().records.count)
        XCTAssertEqual(progress.last?.phase, .done)
        XCTAssertEqual(progress.last?.recordsReceived, report.recordsReceived)
    }

    func testSyncEventsEndWithTheErrorOfAFailedSync() async throws {
        let server = try backendURL()
        let book = try newBook()
        var events = 0
        do {
            for try await _ in book.syncEvents(config: syncConfig(server), auth: FixedToken("not-a-token")) {
                events += 1
            }
            XCTFail("the stream finished without an error")
        } catch let error as HealthBookError {
            XCTAssertEqual(kindOf(error), "AuthExpired")
        }
        XCTAssertEqual(try book.people(), [])
    }

    func testCancellingTheTaskMidSyncThrowsCancellationErrorKeepsItsPagesAndTheNextSyncResumes() async throws {
        let server = try backendURL()
        let token = try await motherToken(server)
        let family = seededFamily()
        let book = try newBook()

        let task = Box<Task<SyncReport, Error>>()
        let progress = RecordingProgress { reports in
            if reports.contains(where: { $0.pages >= 2 }) { task.value?.cancel() }
        }
        let sync = Task {
            // Starts once the box holds it, so the listener can always cancel it.
            while task.value == nil { await Task.yield() }
            return try await book.sync(config: syncConfig(server, pageSize: 100), auth: FixedToken(token),
                                       progress: progress)
        }
        task.value = sync
        do {
            let report = try await sync.value
            XCTFail("the sync finished although cancelled: \(report)")
        } catch is CancellationError {
            // What Swift's own APIs throw for a cancelled Task.
        } catch {
            XCTFail("expected CancellationError, got \(type(of: error)): \(error)")
        }

        let kept = try totalRecords(book)
        XCTAssertTrue((200..<family.records.count).contains(kept), "the applied pages are kept: \(kept) records")
        XCTAssertTrue(try book.people().contains { $0.personalId == family.people[0].personalId },
                      "the mother came with the first pages")

        let rest = try await book.sync(config: syncConfig(server, pageSize: 100), auth: FixedToken(token))
        XCTAssertEqual(Int(rest.recordsReceived), family.records.count - kept, "the next sync brings only the rest")
        XCTAssertEqual(try kindsByPersonalId(book), kindsByPersonalId(family), "the whole family after resuming")
    }

    func testAnExplicitCancellationStopsTheSyncWithCancelled() async throws {
        let server = try backendURL()
        let token = try await motherToken(server)
        let family = seededFamily()
        let book = try newBook()

        let already = Cancellation()
        already.cancel()
        XCTAssertTrue(already.isCancelled())
        let before = await assertHealthBookErrorAsync {
            try await book.sync(config: syncConfig(server), auth: FixedToken(token), progress: nil, cancellation: already)
        }
        XCTAssertEqual(kindOf(before), "Cancelled", "cancelled before it starts")
        XCTAssertEqual(try book.people(), [], "nothing applied")

        let switchOff = Cancellation()
        let progress = RecordingProgress { reports in
            if reports.contains(where: { $0.pages >= 2 }) { switchOff.cancel() }
        }
        let error = await assertHealthBookErrorAsync {
            try await book.sync(config: syncConfig(server, pageSize: 100), auth: FixedToken(token),
                                progress: progress, cancellation: switchOff)
        }
        guard case .Cancelled(let reason)? = error else {
            return XCTFail("expected Cancelled, got \(String(describing: error))")
        }
        XCTAssertFalse(reason.isEmpty)
        let kept = try totalRecords(book)
        XCTAssertTrue((200..<family.records.count).contains(kept), "the applied pages are kept: \(kept) records")

        let rest = try await book.sync(config: syncConfig(server, pageSize: 100), auth: FixedToken(token),
                                       progress: nil, cancellation: Cancellation())
        XCTAssertEqual(Int(rest.recordsReceived), family.records.count - kept)
        XCTAssertEqual(try totalRecords(book), family.records.count)
    }

    func testATokenProviderThatThrowsIsAuthExpiredAndChangesNothing() async throws {
        let server = try backendURL()
        let book = try newBook()
        let error = await assertHealthBookErrorAsync {
            try await book.sync(config: syncConfig(server), auth: FailingToken())
        }
        guard case .AuthExpired(let reason)? = error else {
            return XCTFail("expected AuthExpired, got \(String(describing: error))")
        }
        XCTAssertTrue(reason.contains("the national ID app did not answer"), "the provider's message is kept: \(reason)")
        XCTAssertEqual(try book.people(), [], "nothing applied")
    }

    func testATokenProviderThrowingAuthExpiredIsAuthExpired() async throws {
        final class Expired: SyncAuth {
            func accessToken() throws -> String { throw HealthBookError.AuthExpired(reason: "signed out") }
        }
        let server = try backendURL()
        let book = try newBook()
        let error = await assertHealthBookErrorAsync { try await book.sync(config: syncConfig(server), auth: Expired()) }
        XCTAssertEqual(kindOf(error), "AuthExpired")
        XCTAssertEqual(try book.people(), [])
    }

    func testATokenTheBackendRefusesIsAuthExpiredAndChangesNothing() async throws {
        let server = try backendURL()
        let book = try newBook()
        let error = await assertHealthBookErrorAsync {
            try await book.sync(config: syncConfig(server), auth: FixedToken("not-a-token-the-backend-issued"))
        }
        guard case .AuthExpired(let reason)? = error else {
            return XCTFail("expected AuthExpired, got \(String(describing: error))")
        }
        XCTAssertFalse(reason.isEmpty)
        XCTAssertFalse(reason.contains("not-a-token-the-backend-issued"), "the token is not repeated: \(reason)")
        XCTAssertEqual(try book.people(), [], "nothing applied")
    }

    func testASecondSyncWhileOneRunsIsSyncInProgressAndTheFirstCompletes() async throws {
        let server = try backendURL()
        let token = try await motherToken(server)
        let book = try newBook()

        // The first sync's listener holds it at its first report until the second one has failed.
        let release = DispatchSemaphore(value: 0)
        let held = RecordingProgress { reports in
            if reports.count == 1 { _ = release.wait(timeout: .now() + 60) }
        }
        let first = Task { try await book.sync(config: syncConfig(server), auth: FixedToken(token), progress: held) }
        let deadline = Date().addingTimeInterval(30)
        while held.all.isEmpty && Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        XCTAssertFalse(held.all.isEmpty, "the first sync reported progress")

        let second = await assertHealthBookErrorAsync {
            try await book.sync(config: syncConfig(server), auth: FixedToken(token))
        }
        release.signal()
        guard case .SyncInProgress(let reason)? = second else {
            _ = try? await first.value
            return XCTFail("expected SyncInProgress, got \(String(describing: second))")
        }
        XCTAssertFalse(reason.isEmpty)

        let report = try await first.value
        XCTAssertEqual(Int(report.recordsReceived), seededFamily().records.count, "the first one goes on")
        let after = try await book.sync(config: syncConfig(server), auth: FixedToken(token))
        XCTAssertEqual(after.recordsReceived, 0, "and a sync after it runs")
    }

    func testAPageSizeOutOfRangeNamesTheFieldBeforeAnyRequest() async throws {
        // Nothing listens on port 9: the config is refused before the network is used.
        let nowhere = try XCTUnwrap(URL(string: "http://127.0.0.1:9"))
        let book = try newBook()
        for size: UInt32 in [0, 1001] {
            let error = await assertHealthBookErrorAsync {
                try await book.sync(config: SyncConfig(serverUrl: nowhere, pageSize: size), auth: FixedToken("t"))
            }
            XCTAssertEqual(validationField(error), "config.page_size", "page size \(size)")
        }
    }
}

private func syncConfig(_ server: URL, pageSize: UInt32 = 500) -> SyncConfig {
    SyncConfig(serverUrl: server, pageSize: pageSize)
}
