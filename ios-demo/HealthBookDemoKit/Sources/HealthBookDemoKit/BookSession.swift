// The opened book, and the one way the view models reach the core.
//
// Every core call blocks (SQLCipher reads and writes, HTTP for sync and sharing), so none may run
// on the main thread: `run` hands the call to a dedicated concurrent queue and resumes the
// caller when it is done. The queue is concurrent because the core has one writer and a pool of
// readers: a timeline page need not wait behind a sync.

import Dispatch
import Foundation
import HealthBook

/// Where the book's key lives (the Keychain in the app).
public protocol BookKeyStore: Sendable {
    /// The book's raw 32-byte key, created and stored on first use. The caller zeroes its copy
    /// once the book is open.
    func loadOrCreateKey() throws -> Data
}

/// An open book. Holding it keeps the book open; the core closes it when the last reference goes.
public final class BookSession: @unchecked Sendable {
    // @unchecked: both properties are immutable and thread-safe (`HealthBook` is Sendable, and
    // a DispatchQueue may be used from any thread); older SDKs do not mark DispatchQueue Sendable.
    public let book: HealthBook
    private let queue: DispatchQueue

    public init(book: HealthBook) {
        self.book = book
        self.queue = DispatchQueue(label: "vn.healthbook.core", qos: .userInitiated, attributes: .concurrent)
    }

    /// Runs `work` with the book on the core's queue, off the main thread.
    public func run<T>(_ work: @escaping @Sendable (HealthBook) throws -> T) async throws -> T {
        let book = self.book
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work(book) })
            }
        }
    }

    /// Opens (or on first use creates) the book at `url` with the key from `keyStore`, off the
    /// main thread. The key's bytes are zeroed once the core has its own copy.
    public static func open(at url: URL, keyStore: BookKeyStore) async throws -> BookSession {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result<BookSession, Error> {
                    var key = try keyStore.loadOrCreateKey()
                    defer { key.resetBytes(in: key.startIndex..<key.endIndex) }
                    let book = try HealthBook.open(path: url.path, key: key)
                    return BookSession(book: book)
                })
            }
        }
    }
}
