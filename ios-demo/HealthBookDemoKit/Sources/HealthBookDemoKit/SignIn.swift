// Sign in with the reference backend's development login, and hand the token to the core.
//
// `POST {server}/auth/dev-login` with `{"personal_id": "<CCCD>"}` answers
// `{"access_token": "...", "token_type": "Bearer", "expires_in": 3600, "patient_id": "..."}`.
// It stands where the national ID login (VNeID) plugs in: a production app gets the same kind
// of bearer token from that login instead, and nothing else here changes.
//
// The token is kept in memory only: a restarted app signs in again before it syncs (reading the
// book needs no sign-in).

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HealthBookKit
import Observation

/// Why signing in failed.
public enum SignInError: Error, Equatable, Sendable {
    /// Not the 12 digits of a CCCD.
    case invalidPersonalId
    /// Not an http(s) address.
    case invalidServer
    /// The server issues no token for that number (401; 404 from older servers).
    case unknownCitizen
    /// Any other refusal or failure of the server.
    case server(status: Int)
    /// The answer was not the expected JSON.
    case unreadableAnswer
    /// No connection to the server.
    case offline

    public var message: CitizenMessage {
        switch self {
        case .invalidPersonalId:
            return .invalid(field: "personal_id", reason: "12 digits")
        case .invalidServer:
            return .invalid(field: "server_url", reason: "an http:// or https:// address")
        case .unknownCitizen:
            return .unknownCitizen
        case let .server(status):
            return .server(status: status)
        case .unreadableAnswer:
            return .somethingWentWrong
        case .offline:
            return .offline
        }
    }
}

/// A bearer token from the login.
public struct AccessToken: Equatable, Sendable {
    public let value: String
    /// The backend's id for the citizen who signed in.
    public let patientId: String?
    public let expiresAt: Date?
}

/// The development login's client.
public struct DevLoginClient: Sendable {
    public let serverURL: URL

    public init(serverURL: URL) {
        self.serverURL = serverURL
    }

    /// Whether `text` looks like a CCCD: 12 digits. The server checks the rest.
    public static func isPersonalId(_ text: String) -> Bool {
        text.count == 12 && text.allSatisfy { $0.isASCII && $0.isNumber }
    }

    public func signIn(personalId: String) async throws -> AccessToken {
        guard Self.isPersonalId(personalId) else { throw SignInError.invalidPersonalId }
        guard let scheme = serverURL.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw SignInError.invalidServer
        }
        var request = URLRequest(url: serverURL.appendingPathComponent("auth/dev-login"))
        request.httpMethod = "POST"
        request.timeoutInterval = 30
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.httpBody = try JSONEncoder().encode(Body(personalId: personalId))

        let (data, response) = try await Self.send(request)
        guard let http = response as? HTTPURLResponse else { throw SignInError.unreadableAnswer }
        switch http.statusCode {
        case 200:
            break
        case 401, 404:
            // The development login answers every personal id it has no book for with one 401.
            throw SignInError.unknownCitizen
        case 400:
            throw SignInError.invalidPersonalId
        default:
            throw SignInError.server(status: http.statusCode)
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: data), !answer.accessToken.isEmpty else {
            throw SignInError.unreadableAnswer
        }
        return AccessToken(
            value: answer.accessToken,
            patientId: answer.patientId,
            expiresAt: answer.expiresIn.map { Date().addingTimeInterval(TimeInterval($0)) }
        )
    }

    /// One request. Cancelling the calling Task cancels it (and ends with `CancellationError`).
    private static func send(_ request: URLRequest) async throws -> (Data, URLResponse) {
        do {
            return try await URLSession.shared.data(for: request)
        } catch {
            try Task.checkCancellation()
            throw SignInError.offline
        }
    }

    private struct Body: Encodable {
        let personalId: String

        enum CodingKeys: String, CodingKey {
            case personalId = "personal_id"
        }
    }

    private struct Answer: Decodable {
        let accessToken: String
        let expiresIn: Int?
        let patientId: String?

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case expiresIn = "expires_in"
            case patientId = "patient_id"
        }
    }
}

/// No one has signed in (or the login was forgotten): there is no token to give the core.
public struct NotSignedIn: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "not signed in: no access token" }
}

/// The app's side of the core's `SyncAuth`: the current token, read by the core on its own
/// thread for each request, replaced when the citizen signs in again. Without a token it throws,
/// so the core sends nothing and ends the call with `AuthExpired`.
public final class SessionAuth: SyncAuth, Sendable {
    private let token: LockedValue<String?>

    public init(token: String? = nil) {
        self.token = LockedValue(token.flatMap { $0.isEmpty ? nil : $0 })
    }

    public var isSignedIn: Bool { token.value != nil }

    public func accessToken() throws -> String {
        guard let token = token.value else { throw NotSignedIn() }
        return token
    }

    /// A new token from the login; nil forgets it.
    public func replace(token: String?) {
        self.token.value = token.flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// A value read and written from any thread, under a lock.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `stored` is only touched under `lock`.
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) {
        stored = value
    }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

@MainActor
public final class SignInViewModel: Observable, TrackedModel {
    public enum State: Equatable, Sendable {
        case signedOut
        case signingIn
        case signedIn
        case failed(CitizenMessage)
    }

    /// What the citizen types: the 12 digits of the CCCD.
    @Tracked public var personalId: String = ""
    /// The backend's address; editable in the demo (a simulator reaches the Mac as 127.0.0.1).
    @Tracked public var serverAddress: String
    @Tracked public private(set) var state: State = .signedOut
    /// Shown above the form when the previous sign-in expired.
    @Tracked public private(set) var notice: CitizenMessage?

    /// The token for the core, once signed in. The same object stays valid across sign-ins, so
    /// view models holding it see the new token.
    public let auth = SessionAuth()
    public nonisolated let observationRegistrar = ObservationRegistrar()

    public init(serverAddress: String) {
        self.serverAddress = serverAddress
    }

    public var isSignedIn: Bool { state == .signedIn }

    /// The server address as a URL, without a trailing slash; nil when it is not one.
    public var serverURL: URL? {
        var text = serverAddress.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasSuffix("/") {
            text.removeLast()
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host != nil
        else { return nil }
        return url
    }

    /// The sync configuration for this server; nil until the address is valid.
    public var syncConfig: SyncConfig? {
        serverURL.map { SyncConfig(serverUrl: $0) }
    }

    /// Signs in with the form's CCCD. Cancelling the calling Task stops the request and leaves
    /// the citizen signed out, with no message.
    public func signIn() async {
        if state == .signingIn {
            return
        }
        let personalId = self.personalId.trimmingCharacters(in: .whitespacesAndNewlines)
        guard DevLoginClient.isPersonalId(personalId) else {
            state = .failed(SignInError.invalidPersonalId.message)
            return
        }
        guard let serverURL = serverURL else {
            state = .failed(SignInError.invalidServer.message)
            return
        }
        state = .signingIn
        do {
            let token = try await DevLoginClient(serverURL: serverURL).signIn(personalId: personalId)
            auth.replace(token: token.value)
            notice = nil
            state = .signedIn
        } catch is CancellationError {
            state = .signedOut
        } catch {
            state = .failed(CitizenMessage(for: error))
        }
    }

    /// The core said the login expired (`AuthExpired`): forget the token and ask again.
    public func signInAgain(because message: CitizenMessage = .signInExpired) {
        auth.replace(token: nil)
        notice = message
        state = .signedOut
    }
}
