// Unlock: open the encrypted book with the key the app keeps in the Keychain.
//
// A wrong key never deletes or recreates the book (the core leaves the file byte-identical);
// the screen says the book cannot be opened on this phone and stays locked.

import Foundation
import HealthBookKit
import Observation

@MainActor
public final class UnlockViewModel: Observable, TrackedModel {
    public enum State: Equatable, Sendable {
        case locked
        case opening
        case unlocked
        case closing
        case failed(CitizenMessage)
    }

    @Tracked public private(set) var state: State = .locked
    /// The open book while `state` is `.unlocked`.
    @Tracked public private(set) var session: BookSession?

    public let bookURL: URL
    private let keyStore: BookKeyStore
    public nonisolated let observationRegistrar = ObservationRegistrar()

    public init(bookURL: URL, keyStore: BookKeyStore) {
        self.bookURL = bookURL
        self.keyStore = keyStore
    }

    /// Opens the book; does nothing while it is opening, closing or already open.
    public func unlock() async {
        switch state {
        case .opening, .unlocked, .closing:
            return
        case .locked, .failed:
            break
        }
        state = .opening
        do {
            session = try await BookSession.open(at: bookURL, keyStore: keyStore)
            state = .unlocked
        } catch {
            session = nil
            state = .failed(CitizenMessage(for: error))
        }
    }

    /// Closes the book (the app going to the background, for instance). Waits for the calls in
    /// flight, so call it from a Task that outlives the screen. A sync or share still running
    /// ends with `Closed` at its next write.
    public func lock() async {
        guard state == .unlocked, let session else { return }
        state = .closing
        self.session = nil
        await session.close()
        state = .locked
    }
}
