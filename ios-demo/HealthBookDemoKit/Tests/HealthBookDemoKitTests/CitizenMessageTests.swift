import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HealthBookDemoKit
import HealthBookKit
import XCTest

/// What the citizen reads when something fails.
final class CitizenMessageTests: XCTestCase {
    static let everyCoreError: [HealthBookError] = [
        .WrongKey(reason: "the key does not open it"),
        .Validation(field: "person.personal_id", reason: "12 digits"),
        .NotFound(reason: "no record r1"),
        .Network(reason: "connection refused"),
        .AuthExpired(reason: "401"),
        .Server(status: 503, reason: "busy"),
        .Storage(reason: "disk I/O error"),
        .ShareExpired(reason: "gone"),
        .ShareUnreadable(reason: "bad tag"),
        .Cancelled(reason: "cancelled by the caller"),
        .SyncInProgress(reason: "another sync runs"),
        .Closed(reason: "closed"),
        .CallbackFailed(reason: "the progress listener threw"),
        .Internal(reason: "a bug"),
        .ReadOnly(reason: "guardian age limit"),
    ]

    func testEveryCoreErrorHasAMessageInBothLanguagesWithoutDeveloperDetail() {
        for error in Self.everyCoreError {
            let message = CitizenMessage(for: error)
            XCTAssertFalse(message.text.vi.isEmpty, "\(error)")
            XCTAssertFalse(message.text.en.isEmpty, "\(error)")
            XCTAssertNotEqual(message.text.vi, message.text.en, "translated: \(error)")
            // The core's sentence is for developers and logs: the citizen never reads it.
            let developerText = error.localizedDescription
            XCTAssertFalse(developerText.isEmpty)
            XCTAssertNotEqual(message.text.en, developerText, "\(error)")
            for detail in ["HealthBookError", "reason", "12 digits", "connection refused", "disk I/O", "a bug", "listener"] {
                XCTAssertFalse(message.description.contains(detail), "\(detail) shown for \(error): \(message)")
            }
        }
    }

    func testWhatEachErrorOffersToDo() {
        XCTAssertEqual(CitizenMessage(for: HealthBookError.Network(reason: "timed out")), .offline)
        XCTAssertEqual(
            CitizenMessage.offline.text.vi,
            "Không có kết nối mạng. Sổ của bạn vẫn xem được khi ngoại tuyến.",
            "offline, and the book still works"
        )
        XCTAssertEqual(CitizenMessage(for: HealthBookError.AuthExpired(reason: "401")).action, .signInAgain)
        XCTAssertEqual(CitizenMessage(for: HealthBookError.ShareExpired(reason: "gone")).action, .newShare)
        XCTAssertEqual(CitizenMessage(for: HealthBookError.Server(status: 503, reason: "busy")).action, .retry)
        XCTAssertTrue(CitizenMessage(for: HealthBookError.Server(status: 503, reason: "busy")).text.vi.contains("503"))
        XCTAssertEqual(CitizenMessage(for: HealthBookError.SyncInProgress(reason: "r")), .syncInProgress)
        XCTAssertEqual(CitizenMessage(for: HealthBookError.Closed(reason: "r")), .bookClosed)
        XCTAssertEqual(CitizenMessage(for: HealthBookError.Internal(reason: "r")), .appFault)
        XCTAssertTrue(CitizenMessage.appFault.text.en.contains("not changed"), "the book is safe")
        XCTAssertTrue(CitizenMessage.wrongKey.text.en.contains("not been changed"), "the book is safe")
    }

    func testErrorsFromOutsideTheCore() {
        XCTAssertEqual(CitizenMessage(for: URLError(.notConnectedToInternet)), .offline, "the platform's offline error")
        XCTAssertEqual(CitizenMessage(for: BookKeyUnavailable(reason: "errSecInteractionNotAllowed")), .keyUnavailable)
        XCTAssertEqual(CitizenMessage(for: NotSignedIn()), .notSignedIn)
        XCTAssertNotEqual(CitizenMessage.notSignedIn, CitizenMessage.signInExpired, "not signed in is not an expired sign-in")
        XCTAssertEqual(CitizenMessage(for: SignInError.unknownCitizen), .unknownCitizen)
        XCTAssertThrowsError(try CalendarDay(iso8601: "2024-02-30")) { error in
            XCTAssertEqual(CitizenMessage(for: error), .somethingWentWrong, "any other error")
        }
    }

    @MainActor
    func testAValidationErrorNamesTheField() async throws {
        // Typed into the sign-in form: refused before anything is sent.
        let signIn = SignInViewModel(serverAddress: Backend.nowhere)
        signIn.personalId = "12345"
        await signIn.signIn()
        guard case let .failed(typed) = signIn.state else {
            return XCTFail("a 5-digit CCCD gave \(signIn.state)")
        }
        XCTAssertTrue(typed.text.vi.contains("số CCCD"), typed.text.vi)

        // Refused by the core: a CCCD whose birth-year digits disagree with the birth date.
        let session = try await Fixtures.emptyBook()
        let mother = try XCTUnwrap(Fixtures.sample().people.first, "the sample mother")
        let digits = Array(try XCTUnwrap(mother.personalId, "her CCCD"))
        let year = try XCTUnwrap(Int(String(digits[4...5])), "the CCCD's year digits")
        let nextYear = (year + 1) % 100
        let wrongYear = String(digits[0..<4]) + (nextYear < 10 ? "0" : "") + String(nextYear) + String(digits[6...])
        let refused = Person(
            id: mother.id, role: mother.role, fullName: mother.fullName, dateOfBirth: mother.dateOfBirth,
            sex: mother.sex, personalId: wrongYear, previousPersonalIds: mother.previousPersonalIds,
            ethnicity: mother.ethnicity, nationality: mother.nationality, occupation: mother.occupation,
            address: mother.address, insurance: mother.insurance, bloodGroup: mother.bloodGroup,
            riskFactors: mother.riskFactors, guardian: mother.guardian
        )
        do {
            _ = try await session.run { book in try book.addPerson(person: refused) }
            XCTFail("a CCCD with the wrong birth year was accepted")
        } catch let error as HealthBookError {
            guard case let .Validation(field, _) = error else {
                return XCTFail("expected Validation, got \(error)")
            }
            XCTAssertEqual(field, "person.personal_id", "the field the core names")
            let message = CitizenMessage(for: error)
            XCTAssertTrue(message.text.vi.contains("số CCCD"), message.text.vi)
            XCTAssertTrue(message.text.en.contains("citizen ID number"), message.text.en)
        }
        XCTAssertEqual(CitizenMessage.fieldName("request.valid_for").en, "sharing time")
        XCTAssertEqual(CitizenMessage.fieldName("referral.to_facility.code").vi, "mục referral.to_facility.code")
    }
}
