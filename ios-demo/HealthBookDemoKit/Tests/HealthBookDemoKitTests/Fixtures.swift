// What the view-model tests share: fixtures on the real core (a new encrypted book in a temporary
// folder, the sample family, the backend from HEALTHBOOK_BACKEND_URL) and the platform fakes.
//
// The only fakes are at the platform boundary: the Keychain (a key held in memory) and the
// notification centre (a scheduler that records what it is asked). The core and the backend are
// the real ones.

import Foundation
import HealthBookDemoKit
import HealthBookKit
import XCTest

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
    private let allowed: Bool

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
        pending[notification.id] = LocalNotification(Fixtures.reminder(
            notification.id, on: notification.remindOn, text: "cũ"
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
    static let today = CalendarDay.today()

    static func newBookURL() -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("healthbook-demo-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("book.db")
    }

    static func sample() -> SampleFamily {
        sampleFamily(seed: seed, today: today)
    }

    /// A new, empty book.
    static func emptyBook() async throws -> BookSession {
        try await BookSession.open(at: newBookURL(), keyStore: InMemoryKeyStore.random())
    }

    /// A new book holding the sample family (a mother and her two children, about 950 records).
    static func sampleBook() async throws -> (BookSession, SampleFamily) {
        let session = try await emptyBook()
        let family = sample()
        try await session.run { book in
            for person in family.people {
                _ = try book.addPerson(person: person)
            }
            _ = try book.addRecords(records: family.records)
        }
        return (session, family)
    }

    /// The seeded mother's CCCD, to sign in as.
    static func motherPersonalId() throws -> String {
        try XCTUnwrap(sample().people.first?.personalId, "the sample mother's personal id")
    }

    /// A reminder as the core words one.
    static func reminder(_ id: String, on day: CalendarDay, text: String? = nil) -> Reminder {
        Reminder(
            id: id, notificationId: 7, personId: "p", personName: "Bé An", kind: .vaccineDose,
            remindOn: day, eventDate: day, recordId: nil,
            textVi: text ?? "Nhắc \(id)", textEn: text ?? "Remind \(id)"
        )
    }

    static func day(_ text: String) throws -> CalendarDay {
        try CalendarDay(iso8601: text)
    }
}

/// The backend is needed and was not given.
struct NoBackend: Error, CustomStringConvertible {
    var description: String { Backend.missing }
}

enum Backend {
    static let missing = "HEALTHBOOK_BACKEND_URL is not set: these tests sync and share with the reference "
        + "backend. Run `cargo xtask test-swift`, which builds the core, starts the backend and runs them"

    /// The backend to sync and share with. Without one the test fails (it is never skipped).
    static func url(file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        guard let text = ProcessInfo.processInfo.environment["HEALTHBOOK_BACKEND_URL"], !text.isEmpty else {
            XCTFail(missing, file: file, line: line)
            throw NoBackend()
        }
        return try XCTUnwrap(URL(string: text), "HEALTHBOOK_BACKEND_URL is not a URL: \(text)", file: file, line: line)
    }

    /// A server address where nothing listens (port 9, "discard", is closed on these machines).
    static let nowhere = "http://127.0.0.1:9"
}

/// Signs in as the sample mother with the development login.
@MainActor
func signedInAsMother(file: StaticString = #filePath, line: UInt = #line) async throws -> SignInViewModel {
    let server = try Backend.url(file: file, line: line)
    let signIn = SignInViewModel(serverAddress: server.absoluteString)
    signIn.personalId = try Fixtures.motherPersonalId()
    await signIn.signIn()
    XCTAssertEqual(signIn.state, .signedIn, "signed in as the mother", file: file, line: line)
    return signIn
}

/// Waits, letting the main actor run, until `condition` holds; fails after `timeout` seconds.
@MainActor
func waitUntil(
    _ what: String,
    timeout: TimeInterval = 60,
    file: StaticString = #filePath,
    line: UInt = #line,
    _ condition: @MainActor () -> Bool
) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        guard Date() < deadline else {
            XCTFail("timed out waiting for \(what)", file: file, line: line)
            throw TimedOut(what: what)
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}

struct TimedOut: Error {
    let what: String
}
