import Foundation
import HealthBookDemoKit
import HealthBookKit
import XCTest

/// Sharing with a doctor at check-in: the QR, its countdown, the doctor's side, revoking.
final class ShareTests: XCTestCase {
    /// One synced book for the tests that share (signing in and syncing takes a while).
    @MainActor private static var synced: SyncedBook?

    struct SyncedBook {
        let session: BookSession
        let auth: SessionAuth
        let config: SyncConfig
        let family: [FamilyRow]
    }

    @MainActor
    private func syncedBook() async throws -> SyncedBook {
        if let synced = Self.synced {
            return synced
        }
        let signIn = try await signedInAsMother()
        let config = try XCTUnwrap(signIn.syncConfig, "the sync configuration")
        let session = try await Fixtures.emptyBook()
        let sync = SyncViewModel(session: session, auth: signIn.auth, config: config)
        let report = await sync.sync()
        XCTAssertNotNil(report, "the first sync: \(sync.state)")
        let family = FamilyViewModel(session: session, today: { Fixtures.today })
        await family.load()
        XCTAssertEqual(family.rows.count, 3, "the synced family")
        let book = SyncedBook(session: session, auth: signIn.auth, config: config, family: family.rows)
        Self.synced = book
        return book
    }

    @MainActor
    func testShareWithADoctorThenRevoke() async throws {
        let book = try await syncedBook()
        let owner = try XCTUnwrap(book.family.first, "the mother")
        let started = Date()
        let model = ShareViewModel(session: book.session, auth: book.auth, config: book.config)
        await model.create(ShareRequest(personId: owner.id, kinds: [.visit, .prescription], label: "Khám bệnh"))
        XCTAssertEqual(model.state, .active, "the share is made: \(String(describing: model.message))")
        let share = try XCTUnwrap(model.share, "the share")
        let png = try XCTUnwrap(model.qrPNG, "the QR")
        XCTAssertGreaterThan(png.count, 100)
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "the QR is a PNG")
        XCTAssertTrue((1...1800).contains(model.remainingSeconds), "30 minutes at most: \(model.remainingSeconds)")
        XCTAssertTrue(
            model.countdownText == "30:00" || (model.countdownText.count == 5 && model.countdownText.hasPrefix("29:")),
            "the countdown: \(model.countdownText)"
        )
        let expiresAt = try XCTUnwrap(model.expiresAt, "when it expires")
        XCTAssertEqual(expiresAt.timeIntervalSince(started), 1800, accuracy: 120, "in about 30 minutes")
        XCTAssertTrue(model.statusText.vi.contains(model.countdownText), model.statusText.vi)

        // The countdown ticks by itself while the QR is shown.
        let before = model.remainingSeconds
        try await waitUntil("a tick of the countdown", timeout: 5) { model.remainingSeconds < before }
        model.stopCountdown()

        let opened = try await openShareLink(link: share.link.absoluteString, recipient: "BS. Trần Bình", passcode: nil)
        XCTAssertEqual(opened.records.count, Int(share.recordCount), "the doctor sees what was shared")
        XCTAssertEqual(opened.label, "Khám bệnh", "with its label")
        XCTAssertEqual(opened.patient.fullName, owner.name, "whose records they are")
        XCTAssertTrue(
            opened.records.allSatisfy { [.visit, .prescription].contains(RecordDetails.kind(of: $0)) },
            "only the kinds chosen"
        )

        model.tick(at: expiresAt.addingTimeInterval(1))
        XCTAssertEqual(model.state, .expired, "past its time the QR is shown as expired")
        XCTAssertEqual(model.remainingSeconds, 0, "nothing left")

        await model.revoke()
        XCTAssertEqual(model.state, .revoked, "revoked: \(String(describing: model.message))")
        XCTAssertNil(model.message)
        do {
            _ = try await openShareLink(link: share.link.absoluteString, recipient: "BS. Trần Bình", passcode: nil)
            XCTFail("a revoked share still opened")
        } catch let error as HealthBookError {
            XCTAssertEqual(CitizenMessage(for: error), .shareExpired, "a revoked link is expired for the doctor: \(error)")
        }

        model.dismiss()
        XCTAssertEqual(model.state, .idle)
        XCTAssertNil(model.share)
        XCTAssertNil(model.expiresAt)
    }

    @MainActor
    func testAChildsVaccinationCard() async throws {
        let book = try await syncedBook()
        let baby = try XCTUnwrap(book.family.last, "the baby")
        XCTAssertTrue(baby.isChild)
        let model = ShareViewModel(session: book.session, auth: book.auth, config: book.config)
        await model.createVaccinationCard(childId: baby.id)
        XCTAssertEqual(model.state, .active, "the card is shared: \(String(describing: model.message))")
        let share = try XCTUnwrap(model.share, "the share")
        XCTAssertEqual(share.personId, baby.id, "the baby's book")
        model.stopCountdown()
        let opened = try await openShareLink(link: share.link.absoluteString, recipient: "BS. Lê Hoa", passcode: nil)
        XCTAssertFalse(opened.records.isEmpty, "the doctor sees the doses")
        XCTAssertTrue(opened.records.allSatisfy { RecordDetails.kind(of: $0) == .immunization }, "only immunizations")
        await model.revoke()
        XCTAssertEqual(model.state, .revoked)
    }

    @MainActor
    func testClosingTheScreenWhileTheShareIsMadeKeepsNothing() async throws {
        let book = try await syncedBook()
        let owner = try XCTUnwrap(book.family.first)
        let before = try await book.session.run { session in try session.shares(personId: owner.id) }
        let model = ShareViewModel(session: book.session, auth: book.auth, config: book.config)
        // The screen's Task, cancelled as the screen goes away.
        let screen = Task { await model.create(ShareRequest(personId: owner.id, label: "Huỷ")) }
        screen.cancel()
        await screen.value
        XCTAssertEqual(model.state, .idle, "no QR")
        XCTAssertNil(model.share)
        XCTAssertNil(model.message, "a cancelled share is not an error")
        let after = try await book.session.run { session in try session.shares(personId: owner.id) }
        XCTAssertEqual(after.map(\.id), before.map(\.id), "nothing is kept of a share cancelled before the backend confirmed it")
    }

    @MainActor
    func testWithoutAServerOrASignInNothingIsShared() async throws {
        let session = try await Fixtures.emptyBook()
        let noServer = ShareViewModel(session: session, auth: SessionAuth(token: "t"), config: { nil })
        noServer.tick(at: Date())
        XCTAssertEqual(noServer.state, .idle, "no share, no countdown")
        await noServer.create(ShareRequest(personId: "nobody"))
        XCTAssertEqual(noServer.state, .idle, "no share without a server address")
        XCTAssertNotNil(noServer.message, "the citizen is told why")

        let signedOut = ShareViewModel(
            session: session,
            auth: SessionAuth(),
            config: SyncConfig(serverUrl: try XCTUnwrap(URL(string: Backend.nowhere)))
        )
        await signedOut.createVaccinationCard(childId: "nobody")
        XCTAssertEqual(signedOut.state, .idle)
        XCTAssertEqual(signedOut.message, .notSignedIn, "sharing needs a sign-in")
        XCTAssertNil(signedOut.leftOutText)
        XCTAssertEqual(signedOut.statusText, Bilingual("Chưa chia sẻ", "Not shared"))
    }
}
