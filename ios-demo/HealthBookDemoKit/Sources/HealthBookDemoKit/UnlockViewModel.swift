// Unlock: open the encrypted book with the key the app keeps in the Keychain.
//
// A wrong key never deletes or recreates the book (the core leaves the file byte-identical);
// the screen says the book cannot be opened on this phone and stays locked.

#if canImport(Combine)
import Combine
#endif
import Foundation
import HealthBook

@MainActor
public final class UnlockViewModel: ObservableObject {
    public enum State: Equatable {
        case locked
        case opening
        case unlocked
        case failed(CitizenMessage)
    }

    @Published public private(set) var state: State = .locked
    /// The open book once `state` is `.unlocked`.
    @Published public private(set) var session: BookSession?

    public let bookURL: URL
    private let keyStore: BookKeyStore

    public init(bookURL: URL, keyStore: BookKeyStore) {
        self.bookURL = bookURL
        self.keyStore = keyStore
    }

    /// Opens the book; does nothing while it is opening or already open.
    public func unlock() async {
        switch state {
        case .opening, .unlocked:
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

    /// Closes the book (the app going to the background, for instance).
    public func lock() {
        session = nil
        state = .locked
    }
}
