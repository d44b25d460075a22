import Foundation
import HealthBookDemoKit
import HealthBookKit
import XCTest

/// Syncing with the reference backend: progress, the Stop button, the owner going away, and
/// what the citizen is told when it cannot sync.
final class SyncTests: XCTestCase {
    /// Small pages, so that a sync of the sample family takes about two hundred of them and can
    /// be stopped half-way.
    static let smallPages: UInt32 = 5

    @MainActor
    private func syncViewModel() async throws -> (SyncViewModel, BookSession) {
        let signIn = try await signedInAsMother()
        let server = try XCTUnwrap(signIn.serverURL)
        let session = try await Fixtures.emptyBook()
        let sync = SyncViewModel(
            session: session,
            auth: signIn.auth,
            config: SyncConfig(serverUrl: server, pageSize: Self.smallPages)
        )
        return (sync, session)
    }

    @MainActor
    func testProgressThenTheStopButtonThenTheNextSyncResumes() async throws {
        let (sync, session) = try await syncViewModel()
        let running = Task { await sync.sync() }
        try await waitUntil("the first page") { sync.state != .idle && ((sync.progress?.pages ?? 0) >= 1 || !sync.isSyncing) }
        XCTAssertEqual(sync.state, .syncing, "still syncing after the first page")
        XCTAssertTrue(sync.statusText?.vi.hasPrefix("Đang tải về: trang") == true, "progress is shown: \(String(describing: sync.statusText))")

        sync.cancel()
        let stopped = await running.value
        XCTAssertNil(stopped, "a stopped sync has no report")
        XCTAssertEqual(sync.state, .cancelled, "the sync stopped")
        XCTAssertEqual(sync.statusText, CitizenMessage.syncCancelled.text, "and says what it kept")
        let kept = try await session.run { book in try book.people() }
        XCTAssertFalse(kept.isEmpty, "the pages applied before the stop are kept")

        let next = await sync.sync()
        let report = try XCTUnwrap(next, "the next sync's report: \(sync.state)")
        XCTAssertEqual(sync.state, .finished(report), "the next sync finishes")
        let total = Fixtures.sample().records.count
        XCTAssertGreaterThan(report.recordsReceived, 0)
        XCTAssertLessThan(Int(report.recordsReceived), total, "it brings only what the stopped sync had not")
        XCTAssertTrue(sync.statusText?.vi.hasPrefix("Đã đồng bộ") == true, "the summary: \(String(describing: sync.statusText))")
    }

    @MainActor
    func testCancellingTheTaskThatAwaitsTheSyncStopsIt() async throws {
        let (sync, session) = try await syncViewModel()
        // The owner of the sync: a screen's `.task`, say, that goes away.
        let owner = Task { await sync.sync() }
        try await waitUntil("the first page") { sync.state != .idle && ((sync.progress?.pages ?? 0) >= 1 || !sync.isSyncing) }
        XCTAssertEqual(sync.state, .syncing)
        owner.cancel()
        let report = await owner.value
        XCTAssertNil(report, "a cancelled sync has no report")
        XCTAssertEqual(sync.state, .cancelled, "cancelling the owner stops the sync")

        // `sync()` returned once the core had stopped: the next one does not meet it running.
        let next = await sync.sync()
        XCTAssertNotNil(next, "the next sync finishes: \(sync.state)")
        let members = try await session.run { book in try book.family(onDate: Fixtures.today) }
        XCTAssertEqual(members.count, 3, "the whole family after the next sync")
    }

    @MainActor
    func testASecondSyncOfTheSameBookWhileOneRunsIsTold() async throws {
        let (first, session) = try await syncViewModel()
        let signIn = try await signedInAsMother()
        let second = SyncViewModel(
            session: session,
            auth: signIn.auth,
            config: SyncConfig(serverUrl: try XCTUnwrap(signIn.serverURL), pageSize: Self.smallPages)
        )
        let running = Task { await first.sync() }
        try await waitUntil("the first page") { first.state != .idle && ((first.progress?.pages ?? 0) >= 1 || !first.isSyncing) }
        XCTAssertEqual(first.state, .syncing)

        let report = await second.sync()
        XCTAssertNil(report)
        XCTAssertEqual(second.state, .failed(.syncInProgress), "the second one is told to wait")
        XCTAssertEqual(first.state, .syncing, "the first one goes on")
        first.cancel()
        _ = await running.value
        XCTAssertEqual(first.state, .cancelled)
    }

    @MainActor
    func testATokenTheBackendRefusesAsksToSignInAgain() async throws {
        let server = try Backend.url()
        let sync = SyncViewModel(
            session: try await Fixtures.emptyBook(),
            auth: SessionAuth(token: "not-a-token-the-backend-issued"),
            config: SyncConfig(serverUrl: server)
        )
        await sync.sync()
        guard case let .failed(message) = sync.state else {
            return XCTFail("a refused token gave \(sync.state)")
        }
        XCTAssertEqual(message, .signInExpired, "the citizen is asked to sign in again")
        XCTAssertEqual(message.action, .signInAgain, "with the sign-in button")
    }

    @MainActor
    func testNoServerSaysTheBookStillWorksOffline() async throws {
        let sync = SyncViewModel(
            session: try await Fixtures.emptyBook(),
            auth: SessionAuth(token: "some-token"),
            config: SyncConfig(serverUrl: try XCTUnwrap(URL(string: Backend.nowhere)), maxAttempts: 1)
        )
        let report = await sync.sync()
        XCTAssertNil(report)
        XCTAssertEqual(sync.state, .failed(.offline))
        XCTAssertTrue(sync.statusText?.en.contains("read offline") == true, "\(String(describing: sync.statusText))")
    }

    @MainActor
    func testWithoutASignInNothingIsSent() async throws {
        let sync = SyncViewModel(
            session: try await Fixtures.emptyBook(),
            auth: SessionAuth(),
            config: SyncConfig(serverUrl: try XCTUnwrap(URL(string: Backend.nowhere)))
        )
        await sync.sync()
        XCTAssertEqual(sync.state, .failed(.notSignedIn))
        XCTAssertEqual(CitizenMessage.notSignedIn.action, .signInAgain)
    }

    @MainActor
    func testATokenProviderWithoutATokenEndsTheCoresCallAsAnExpiredLogin() async throws {
        // The core asks the provider for each request; one that throws sends nothing.
        let session = try await Fixtures.emptyBook()
        do {
            _ = try await session.book.sync(
                config: SyncConfig(serverUrl: try XCTUnwrap(URL(string: Backend.nowhere))),
                auth: SessionAuth()
            )
            XCTFail("a sync without a token went through")
        } catch let error as HealthBookError {
            guard case .AuthExpired = error else { return XCTFail("expected AuthExpired, got \(error)") }
            XCTAssertEqual(CitizenMessage(for: error), .signInExpired)
        }
    }
}
