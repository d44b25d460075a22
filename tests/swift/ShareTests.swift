import Foundation
import XCTest
@testable import HealthBookKit

/// Sharing with a doctor against the backend `cargo xtask test-swift` starts: the mother's phone
/// syncs and shares, the doctor's side opens the link with `openShareLink`, the mother sees who
/// opened it and revokes it; used-up, expired, tampered and cancelled shares.
final class ShareTests: XCTestCase {
    private struct Synced {
        let server: URL
        let config: SyncConfig
        let auth: FixedToken
        let book: HealthBook
        let owner: Person
    }

    /// A new book synced from the seeded mother's account.
    private func syncedBook() async throws -> Synced {
        let server = try backendURL()
        let auth = FixedToken(try await motherToken(server))
        let config = SyncConfig(serverUrl: server)
        let book = try newBook()
        _ = try await book.sync(config: config, auth: auth)
        let owner = try XCTUnwrap(try book.people().first { $0.role == .owner })
        return Synced(server: server, config: config, auth: auth, book: book, owner: owner)
    }

    func testADoctorOpensTheShareTheMotherSeesWhoRevokesItAndItIsDead() async throws {
        let s = try await syncedBook()
        let created = try await s.book.createShare(
            request: ShareRequest(personId: s.owner.id, kinds: [.visit, .prescription], label: "Khám bệnh"),
            config: s.config, auth: s.auth)
        let share = created.share
        XCTAssertTrue(share.link.absoluteString.hasPrefix(s.server.absoluteString + "/view#shlink:/"),
                      share.link.absoluteString)
        XCTAssertTrue(share.shlink.absoluteString.hasPrefix("shlink:/"), share.shlink.absoluteString)
        XCTAssertEqual(share.personId, s.owner.id)
        XCTAssertEqual(share.label, "Khám bệnh")
        XCTAssertFalse(share.revoked)
        XCTAssertEqual(share.expiresAt.timeIntervalSince(share.createdAt), 30 * 60, accuracy: 1,
                       "30 minutes by default")
        XCTAssertGreaterThan(share.recordCount, 0)
        XCTAssertLessThanOrEqual(share.qr.version, 12)
        XCTAssertEqual(Int(share.qr.size * share.qr.size), share.qr.modules.count, "module matrix")
        XCTAssertEqual(Array(share.qr.png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "PNG bytes")
        XCTAssertTrue(share.qr.svg.contains("<svg"))
        // The link carries the key: what a log line or a crash report prints of a share must not.
        let payload = String(share.shlink.absoluteString.dropFirst("shlink:/".count))
        for shown in [String(reflecting: share), String(reflecting: created), String(reflecting: share.qr)] {
            XCTAssertFalse(shown.contains(payload), "the debug description shows the link's payload: \(shown)")
        }
        XCTAssertEqual(try s.book.shares(personId: s.owner.id).map(\.id), [share.id])

        let opened = try await openShareLink(link: share.link.absoluteString, recipient: "BS. Trần Bình")
        XCTAssertEqual(opened.label, "Khám bệnh")
        XCTAssertEqual(opened.records.count, Int(share.recordCount), "the records the doctor sees")
        XCTAssertTrue(opened.records.allSatisfy { [.visit, .prescription].contains($0.recordKind()) },
                      "only visits and prescriptions")
        XCTAssertEqual(opened.patient.fullName, s.owner.fullName)
        XCTAssertEqual(opened.patient.personalId, s.owner.personalId)
        let expires = try XCTUnwrap(opened.expiresAt)
        XCTAssertEqual(expires.timeIntervalSince(share.expiresAt), 0, accuracy: 1)
        let ownVisits = try allEntries(s.book, s.owner.id).filter { $0.kind == .visit }
        let sharedVisit = try XCTUnwrap(opened.records.first { $0.recordKind() == .visit })
        guard case .visit(let shared) = sharedVisit else { return XCTFail("a visit") }
        XCTAssertTrue(ownVisits.contains {
            if case .visit(let own) = $0.record { return own.start == shared.start && own.diagnosisText == shared.diagnosisText }
            return false
        }, "a shared visit is one of the mother's")
        XCTAssertTrue(opened.bundleJson.contains("\"Bundle\""))

        _ = try await s.book.sync(config: s.config, auth: s.auth)
        let log = try s.book.shareAccessLog(shareId: share.id)
        XCTAssertEqual(log.map(\.recipient), ["BS. Trần Bình"], "the access log")

        try await s.book.revokeShare(shareId: share.id, auth: s.auth)
        let error = await assertHealthBookErrorAsync("a revoked link") {
            try await openShareLink(link: share.link.absoluteString, recipient: "BS. Trần Bình")
        }
        guard case .ShareExpired(let reason)? = error else {
            return XCTFail("expected ShareExpired, got \(String(describing: error))")
        }
        XCTAssertFalse(reason.isEmpty)
        XCTAssertEqual(try s.book.shares(personId: s.owner.id).first { $0.id == share.id }?.revoked, true,
                       "marked revoked")
    }

    func testAShareOfOneUseIsShareExpiredTheSecondTimeAndAPasscodeIsAsked() async throws {
        let s = try await syncedBook()
        let share = try await s.book.createShare(
            request: ShareRequest(personId: s.owner.id, kinds: [.allergy, .condition], maxUses: 1, passcode: "4826"),
            config: s.config, auth: s.auth
        ).share
        XCTAssertTrue(share.passcodeProtected)
        let link = share.link.absoluteString

        let wrong = await assertHealthBookErrorAsync {
            try await openShareLink(link: link, recipient: "BS. Lê Hoa", passcode: "0000")
        }
        XCTAssertEqual(validationField(wrong), "passcode")
        let opened = try await openShareLink(link: link, recipient: "BS. Lê Hoa", passcode: "4826")
        XCTAssertEqual(opened.records.count, Int(share.recordCount))
        XCTAssertTrue(opened.records.allSatisfy { [.allergy, .condition].contains($0.recordKind()) })

        let again = await assertHealthBookErrorAsync("used up") {
            try await openShareLink(link: link, recipient: "BS. Lê Hoa", passcode: "4826")
        }
        XCTAssertEqual(kindOf(again), "ShareExpired")
    }

    func testAShareIsShareExpiredOnceItsTimeIsUp() async throws {
        let s = try await syncedBook()
        let share = try await s.book.createShare(
            request: ShareRequest(personId: s.owner.id, kinds: [.immunization], validFor: 60),
            config: s.config, auth: s.auth
        ).share
        XCTAssertEqual(share.expiresAt.timeIntervalSince(share.createdAt), 60, accuracy: 1)
        let link = share.link.absoluteString
        let opened = try await openShareLink(link: link, recipient: "BS. Trần Bình")
        XCTAssertEqual(opened.records.count, Int(share.recordCount), "it opens while it lasts")

        let wait = share.expiresAt.timeIntervalSinceNow + 2
        XCTAssertLessThan(wait, 70)
        if wait > 0 { try await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000)) }
        let error = await assertHealthBookErrorAsync("expired") {
            try await openShareLink(link: link, recipient: "BS. Trần Bình")
        }
        XCTAssertEqual(kindOf(error), "ShareExpired")
    }

    func testAShareRequestOutOfRangeNamesItsField() async throws {
        let s = try await syncedBook()
        for (request, field) in [
            (ShareRequest(personId: s.owner.id, validFor: 30), "request.valid_for"),
            (ShareRequest(personId: s.owner.id, maxUses: 0), "request.max_uses"),
            (ShareRequest(personId: s.owner.id, label: String(repeating: "a", count: 81)), "request.label"),
        ] {
            let error = await assertHealthBookErrorAsync(field) {
                try await s.book.createShare(request: request, config: s.config, auth: s.auth)
            }
            XCTAssertEqual(validationField(error), field)
        }
        XCTAssertEqual(try s.book.shares(personId: s.owner.id), [], "nothing stored")
    }

    func testALinkWithAnotherKeyIsShareUnreadable() async throws {
        let s = try await syncedBook()
        let share = try await s.book.createShare(
            request: ShareRequest(personId: s.owner.id, kinds: [.allergy]), config: s.config, auth: s.auth
        ).share
        let text = share.shlink.absoluteString
        let encoded = String(text.dropFirst("shlink:/".count))
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        var payload = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: XCTUnwrap(Data(base64Encoded: base64))) as? [String: Any])
        XCTAssertEqual((payload["key"] as? String)?.count, 43, "a 32-byte key in base64url")
        payload["key"] = String(repeating: "A", count: 43)
        let tampered = "shlink:/" + (try JSONSerialization.data(withJSONObject: payload)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let error = await assertHealthBookErrorAsync {
            try await openShareLink(link: tampered, recipient: "BS. Trần Bình")
        }
        XCTAssertEqual(kindOf(error), "ShareUnreadable")
    }

    func testCancellingTheTaskMidShareIsCancellationErrorAndNothingIsStored() async throws {
        let s = try await syncedBook()
        /// Cancels the share's Task when the core asks for the token, just before the upload.
        final class CancellingToken: SyncAuth, @unchecked Sendable {
            let token: String
            let task = Box<Task<CreatedShare, Error>>()
            init(_ token: String) { self.token = token }
            func accessToken() throws -> String {
                task.value?.cancel()
                return token
            }
        }
        let auth = CancellingToken(s.auth.token)
        let request = ShareRequest(personId: s.owner.id, kinds: [.visit])
        let book = s.book
        let config = s.config
        let share = Task {
            while auth.task.value == nil { await Task.yield() }
            return try await book.createShare(request: request, config: config, auth: auth)
        }
        auth.task.value = share
        do {
            let created = try await share.value
            XCTFail("the share was made although cancelled: \(created.share.id)")
        } catch is CancellationError {
        } catch {
            XCTFail("expected CancellationError, got \(type(of: error)): \(error)")
        }
        XCTAssertEqual(try s.book.shares(personId: s.owner.id), [], "nothing stored on the phone")

        // An explicit switch, already off: the same, as the core's own error.
        let off = Cancellation()
        off.cancel()
        let error = await assertHealthBookErrorAsync {
            try await s.book.createShare(request: request, config: s.config, auth: s.auth, cancellation: off)
        }
        XCTAssertEqual(kindOf(error), "Cancelled")
        XCTAssertEqual(try s.book.shares(personId: s.owner.id), [])

        // And the next share goes through.
        let made = try await s.book.createShare(request: request, config: s.config, auth: s.auth)
        XCTAssertEqual(try s.book.shares(personId: s.owner.id).map(\.id), [made.share.id])
    }

    func testACancelledRevokeLeavesTheShareActive() async throws {
        let s = try await syncedBook()
        let share = try await s.book.createShare(
            request: ShareRequest(personId: s.owner.id, kinds: [.allergy]), config: s.config, auth: s.auth
        ).share
        let off = Cancellation()
        off.cancel()
        let error = await assertHealthBookErrorAsync {
            try await s.book.revokeShare(shareId: share.id, auth: s.auth, cancellation: off)
        }
        XCTAssertEqual(kindOf(error), "Cancelled")
        XCTAssertEqual(try s.book.shares(personId: s.owner.id).first?.revoked, false)

        let book = s.book
        let auth = s.auth
        let revoke = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await book.revokeShare(shareId: share.id, auth: auth)
        }
        do {
            try await revoke.value
            XCTFail("a revoke in a cancelled Task went through")
        } catch is CancellationError {
        } catch {
            XCTFail("expected CancellationError, got \(type(of: error)): \(error)")
        }
        XCTAssertEqual(try s.book.shares(personId: s.owner.id).first?.revoked, false)
        let opened = try await openShareLink(link: share.link.absoluteString, recipient: "BS. Trần Bình")
        XCTAssertEqual(opened.records.count, Int(share.recordCount), "still served")
    }

    func testAChildsVaccinationCardHoldsOnlyTheChildsImmunizations() async throws {
        let s = try await syncedBook()
        let baby = try XCTUnwrap(try s.book.family(onDate: todayVN()).last?.person)
        XCTAssertEqual(baby.role, .dependant)
        let card = try await s.book.shareVaccinationCard(childId: baby.id, config: s.config, auth: s.auth).share
        XCTAssertEqual(card.label, "Sổ tiêm chủng")
        XCTAssertEqual(card.personId, baby.id)
        XCTAssertEqual(card.expiresAt.timeIntervalSince(card.createdAt), 30 * 60, accuracy: 1)
        let doses = try allEntries(s.book, baby.id).filter { $0.kind == .immunization }
        XCTAssertEqual(Int(card.recordCount), doses.count)

        let opened = try await openShareLink(link: card.link.absoluteString, recipient: "Trạm Y tế phường")
        XCTAssertEqual(opened.patient.fullName, baby.fullName)
        XCTAssertEqual(opened.records.count, doses.count)
        XCTAssertTrue(opened.records.allSatisfy { $0.recordKind() == .immunization })

        let error = await assertHealthBookErrorAsync("the owner is not a child") {
            try await s.book.shareVaccinationCard(childId: s.owner.id, config: s.config, auth: s.auth)
        }
        XCTAssertEqual(kindOf(error), "Validation")
    }
}
