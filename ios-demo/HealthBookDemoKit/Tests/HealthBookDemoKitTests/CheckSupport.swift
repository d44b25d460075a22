// What the view-model checks share: assertions that throw (so the same checks run under XCTest
// and under the plain runner), skips, and fixtures on the real core: a new encrypted book in a
// temporary folder, the sample family, the backend from HEALTHBOOK_BACKEND_URL.
//
// The only fakes are at the platform boundary: the Keychain (a key held in memory) and the
// notification centre (a scheduler that records what it is asked).

import Foundation
import HealthBook
import HealthBookDemoKit

/// A check that did not hold.
struct CheckFailure: Error, CustomStringConvertible {
    let description: String
}

/// A check that cannot run here (no backend); XCTest reports it as XCTSkip.
struct CheckSkipped: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// A named check, for the plain runner.
struct Check {
    let name: String
    let run: @MainActor () async throws -> Void

    init(_ name: String, _ run: @escaping @MainActor () async throws -> Void) {
        self.name = name
        self.run = run
    }
}

func expect(
    _ condition: Bool,
    _ message: @autoclosure () -> String,
    file: StaticString = #fileID,
    line: UInt = #line
) throws {
    if !condition {
        throw CheckFailure(description: "\(file):\(line): \(message())")
    }
}

func expectEqual<T: Equatable>(
    _ actual: T,
    _ expected: T,
    _ message: @autoclosure () -> String,
    file: StaticString = #fileID,
    line: UInt = #line
) throws {
    if actual != expected {
        throw CheckFailure(description: "\(file):\(line): \(message()): expected \(expected), got \(actual)")
    }
}

func unwrap<T>(
    _ value: T?,
    _ message: @autoclosure () -> String,
    file: StaticString = #fileID,
    line: UInt = #line
) throws -> T {
    guard let value = value else {
        throw CheckFailure(description: "\(file):\(line): \(message()): nil")
    }
    return value
}

/// Waits (on the main actor, letting other work run) until `condition` holds.
@MainActor
func waitUntil(
    _ what: String,
    timeout: TimeInterval = 60,
    file: StaticString = #fileID,
    line: UInt = #line,
    _ condition: @MainActor () -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() > deadline {
            throw CheckFailure(description: "\(file):\(line): timed out waiting for \(what)")
        }
        try await Task.sleep(nanoseconds: 5_000_000)
    }
}

// MARK: Platform fakes

/// The Keychain's part: a fixed key, handed out as a fresh copy each time (the caller zeroes it).
struct InMemoryKeyStore: BookKeyStore {
    let key: Data

    static func random() -> InMemoryKeyStore {
        var generator = SystemRandomNumberGenerator()
        return InMemoryKeyStore(key: Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }))
    }

    func loadOrCreateKey() throws -> Data {
        Data(key)
    }
}

/// A Keychain that refuses to give the key (locked before the first unlock, a damaged item).
struct UnavailableKeyStore: BookKeyStore {
    struct Refused: Error {}

    func loadOrCreateKey() throws -> Data {
        throw Refused()
    }
}

/// The notification centre's part: holds what it is given and records every call.
actor RecordingScheduler: NotificationScheduler {
    private(set) var pending: [String: LocalNotification] = [:]
    private(set) var added: [LocalNotification] = []
    private(set) var removed: [String] = []
    private var allowed: Bool

    init(allowed: Bool = true) {
        self.allowed = allowed
    }

    func requestAuthorization() async -> Bool {
        allowed
    }

    func scheduled() async -> [ScheduledNotification] {
        pending.values.map { ScheduledNotification(id: $0.id, remindOn: $0.remindOn) }
    }

    func add(_ notification: LocalNotification) async throws {
        pending[notification.id] = notification
        added.append(notification)
    }

    func remove(ids: [String]) async {
        for id in ids {
            pending[id] = nil
        }
        removed.append(contentsOf: ids)
    }

    /// Something scheduled earlier, outside the view model (an old run of the app).
    func preschedule(_ notification: ScheduledNotification) {
        pending[notification.id] = LocalNotification(Reminder(
            id: notification.id,
            notificationId: 1,
            personId: "someone",
            personName: "Someone",
            kind: .reExam,
            remindOn: notification.remindOn,
            eventDate: notification.remindOn,
            recordId: nil,
            textVi: "cũ",
            textEn: "old"
        ))
    }

    func clearLog() {
        added = []
        removed = []
    }
}

// MARK: Fixtures on the real core

enum Fixtures {
    /// The sample family's seed; the backend seeds the same family (`--seed`).
    static let seed: UInt64 = 42

    /// Today in Vietnam: the sample family is dated relative to it, and so is the backend's.
    static let today: CalendarDate = BookDates.today()

    static func newBookURL() -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("healthbook-demo-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("book.db")
    }

    static func sample() -> SampleFamily {
        sampleFamily(seed: seed, today: today)
    }

    /// A new book holding the sample family (a mother and her two children, about 950 records).
    static func sampleBook() async throws -> (BookSession, SampleFamily) {
        let session = try await BookSession.open(at: newBookURL(), keyStore: InMemoryKeyStore.random())
        let family = sample()
        try await session.run { book in
            for person in family.people {
                _ = try book.addPerson(person: person)
            }
            _ = try book.addRecords(records: family.records)
        }
        return (session, family)
    }

    /// The backend to sync and share with, or a skip when none is given.
    static func backendURL() throws -> URL {
        guard let text = ProcessInfo.processInfo.environment["HEALTHBOOK_BACKEND_URL"], !text.isEmpty else {
            throw CheckSkipped(reason: "HEALTHBOOK_BACKEND_URL is not set (start the backend with `cargo run -p healthbook-backend -- --seed` and set it to its URL)")
        }
        guard let url = URL(string: text) else {
            throw CheckFailure(description: "HEALTHBOOK_BACKEND_URL is not a URL: \(text)")
        }
        return url
    }

    /// The seeded mother's CCCD, to sign in as.
    static func motherPersonalId() throws -> String {
        try unwrap(sample().people.first?.personalId, "the sample mother's personal id")
    }
}
