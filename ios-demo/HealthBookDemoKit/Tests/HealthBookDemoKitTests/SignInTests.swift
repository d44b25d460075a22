import Foundation
import HealthBookDemoKit
import HealthBookKit
import XCTest

/// The development login, standing in for the national ID login.
final class SignInTests: XCTestCase {
    @MainActor
    func testSigningInGivesTheCoreAToken() async throws {
        let signIn = try await signedInAsMother()
        XCTAssertTrue(signIn.isSignedIn)
        XCTAssertTrue(signIn.auth.isSignedIn)
        XCTAssertFalse(try signIn.auth.accessToken().isEmpty, "a bearer token for the core")
        XCTAssertNotNil(signIn.syncConfig)

        signIn.signInAgain()
        XCTAssertFalse(signIn.isSignedIn)
        XCTAssertEqual(signIn.notice, .signInExpired)
        XCTAssertThrowsError(try signIn.auth.accessToken(), "the token is forgotten")
    }

    @MainActor
    func testAnUnknownCitizenIsTold() async throws {
        let server = try Backend.url()
        let signIn = SignInViewModel(serverAddress: server.absoluteString + "/")
        XCTAssertEqual(signIn.serverURL, server, "a trailing slash is dropped")
        // The mother's province, sex and birth year, with a serial no one has.
        signIn.personalId = String(try Fixtures.motherPersonalId().prefix(6)) + "999998"
        await signIn.signIn()
        XCTAssertEqual(signIn.state, .failed(.unknownCitizen))
    }

    @MainActor
    func testNoServerIsToldAsOffline() async throws {
        let signIn = SignInViewModel(serverAddress: Backend.nowhere)
        signIn.personalId = try Fixtures.motherPersonalId()
        await signIn.signIn()
        XCTAssertEqual(signIn.state, .failed(.offline))
    }

    @MainActor
    func testAnAddressThatIsNotAWebAddressIsRefused() async throws {
        let signIn = SignInViewModel(serverAddress: "ftp://example.vn")
        signIn.personalId = try Fixtures.motherPersonalId()
        XCTAssertNil(signIn.serverURL)
        XCTAssertNil(signIn.syncConfig)
        await signIn.signIn()
        guard case let .failed(message) = signIn.state else { return XCTFail("\(signIn.state)") }
        XCTAssertTrue(message.text.vi.contains("địa chỉ máy chủ"), message.text.vi)
    }
}
