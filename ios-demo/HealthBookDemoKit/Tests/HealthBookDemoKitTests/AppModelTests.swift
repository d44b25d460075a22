import Foundation
import HealthBookDemoKit
import HealthBookKit
import XCTest

/// The app's flow: unlock, the family offline, sign in to sync, lock.
final class AppModelTests: XCTestCase {
    @MainActor
    private func app(server: String) -> (AppModel, RecordingScheduler) {
        let scheduler = RecordingScheduler()
        let app = AppModel(
            bookURL: Fixtures.newBookURL(),
            keyStore: InMemoryKeyStore.random(),
            scheduler: scheduler,
            serverAddress: server
        )
        return (app, scheduler)
    }

    @MainActor
    func testUnlocksANewBookAndAsksToSignInBeforeSyncing() async throws {
        let (app, _) = app(server: Backend.nowhere)
        XCTAssertEqual(app.screen, .locked, "locked before start")
        await app.start()
        XCTAssertEqual(app.screen, .book, "the book is open")
        let family = try XCTUnwrap(app.family, "the family list")
        XCTAssertTrue(family.isEmpty, "a new book is empty until the first sync")
        await app.syncNow()
        XCTAssertTrue(app.showsSignIn, "syncing without a login asks to sign in")
        XCTAssertEqual(app.sync?.state, .idle, "nothing was synced")
    }

    @MainActor
    func testSignsInSyncsAndShowsTheFamilyAndReminders() async throws {
        let server = try Backend.url()
        let (app, scheduler) = app(server: server.absoluteString)
        await app.start()
        app.signIn.personalId = try Fixtures.motherPersonalId()
        await app.signInAndSync()
        XCTAssertFalse(app.showsSignIn, "signed in")
        guard case .finished = app.sync?.state else {
            return XCTFail("the sync ended as \(String(describing: app.sync?.state))")
        }
        let family = try XCTUnwrap(app.family, "the family list")
        XCTAssertEqual(family.rows.map(\.access.canChange), [true, true, true], "the mother and two managed children")
        XCTAssertEqual(family.rows.first?.access, .ownBook, "the mother first")
        XCTAssertNotNil(app.reminders?.lastPlan, "reminders reconciled after the sync")
        let scheduled = await scheduler.pending
        XCTAssertEqual(scheduled.count, app.reminders?.lastPlan?.add.count, "the reminders are scheduled")

        let session = try XCTUnwrap(app.session)
        let share = app.sharing(with: session)
        await share.createVaccinationCard(childId: try XCTUnwrap(family.children.last).id)
        XCTAssertEqual(share.state, .active, "a share with the app's login: \(String(describing: share.message))")
        await share.revoke()
    }

    @MainActor
    func testAnExpiredLoginShowsTheSignInSheetWithTheReason() async throws {
        let server = try Backend.url()
        let (app, _) = app(server: server.absoluteString)
        await app.start()
        app.signIn.personalId = try Fixtures.motherPersonalId()
        await app.signIn.signIn()
        XCTAssertTrue(app.signIn.isSignedIn)
        app.signIn.auth.replace(token: "expired-token")
        await app.syncNow()
        XCTAssertTrue(app.showsSignIn, "the sign-in sheet")
        XCTAssertEqual(app.signIn.notice, .signInExpired, "saying why")
        XCTAssertFalse(app.signIn.isSignedIn, "the refused token is forgotten")
    }

    @MainActor
    func testLockingGoesBackToTheUnlockScreenAndUnlocksAgain() async throws {
        let (app, _) = app(server: Backend.nowhere)
        await app.start()
        XCTAssertEqual(app.screen, .book)
        await app.lock()
        XCTAssertEqual(app.screen, .locked)
        XCTAssertEqual(app.unlock.state, .locked)
        XCTAssertNil(app.session)
        XCTAssertNil(app.family)
        await app.start()
        XCTAssertEqual(app.screen, .book, "the same book opens again")
        XCTAssertNotNil(app.family)
    }
}
