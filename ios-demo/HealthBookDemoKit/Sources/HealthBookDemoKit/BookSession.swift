// The opened book, and how the view models reach the core.
//
// The core's local calls (open, read, write, schedule) block on SQLCipher. They are quick, but
// none may run on the main thread: `run` hands them to a dedicated concurrent queue and resumes
// the caller when they are done. The queue is concurrent because the core has one writer and a
// pool of readers, so a timeline page need not wait behind a write.
//
// The network calls (sync, sharing) are `async` in the core and run on its own threads; the
// view models await them directly, and cancelling the awaiting Task stops them.

import Dispatch
import Foundation
import HealthBookKit

/// Where the book's key lives (the Keychain in the app).
public protocol BookKeyStore: Sendable {
    /// The book's raw 32-byte key, created and stored on first use. The caller zeroes its copy
    /// once the book is open. A key that exists but cannot be read is an error, never a reason to
    /// make a new one.
    func loadOrCreateKey() throws -> Data
}

/// The key store could not give the book's key (the Keychain refused it, or its item is damaged).
/// Nothing was deleted and no new key was made: the book is left as it is for the next try.
public struct BookKeyUnavailable: Error, CustomStringConvertible {
    /// What the key store said, for developers; the citizen is shown `CitizenMessage.keyUnavailable`.
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "the book's key cannot be read: \(reason)" }
}

/// An open book. `close()` closes it; otherwise the core closes it when the last reference goes.
public final class BookSession: Sendable {
    public let book: HealthBook
    private let queue: DispatchQueue

    public init(book: HealthBook) {
        self.book = book
        self.queue = DispatchQueue(label: "vn.healthbook.core", qos: .userInitiated, attributes: .concurrent)
    }

    /// Runs a local call with the book on the core's queue, off the main thread.
    public func run<T: Sendable>(_ work: @escaping @Sendable (HealthBook) throws -> T) async throws -> T {
        let book = self.book
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work(book) })
            }
        }
    }

    /// Closes the book once the calls in flight on the queue are done (a barrier on it), and
    /// the write the core may have under way. A sync or share still running ends with `Closed`
    /// at its next write, keeping what it had committed. Calls after this one are `Closed`.
    public func close() async {
        let book = self.book
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async(flags: .barrier) {
                book.close()
                continuation.resume()
            }
        }
    }

    /// Opens (or on first use creates) the book at `url` with the key from `keyStore`, off the
    /// main thread. The key's bytes are zeroed once the core has its own copy. Whatever the key
    /// store throws becomes `BookKeyUnavailable`.
    public static func open(at url: URL, keyStore: BookKeyStore) async throws -> BookSession {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result<BookSession, Error> {
                    var key: Data
                    do {
                        key = try keyStore.loadOrCreateKey()
                    } catch {
                        throw BookKeyUnavailable(reason: String(describing: error))
                    }
                    defer { key.resetBytes(in: key.startIndex..<key.endIndex) }
                    return BookSession(book: try HealthBook.open(path: url.path, key: key))
                })
            }
        }
    }
}
