import Foundation
import XCTest
@testable import HealthBookKit

/// What every call leans on: the core's log lines in the app's sink (never whose or what), the
/// errors' sentences, the cancellation switch.
final class SupportTests: XCTestCase {
    /// Keeps every line; thread-safe, since the core calls it on its own threads.
    final class CollectingSink: LogSink, @unchecked Sendable {
        struct Line: Equatable {
            let level: LogLevel
            let target: String
            let message: String
        }

        private let lock = NSLock()
        private var kept: [Line] = []
        var lines: [Line] { lock.withLock { kept } }

        func log(level: LogLevel, target: String, message: String) throws {
            lock.withLock { kept.append(Line(level: level, target: target, message: message)) }
        }
    }

    override func tearDown() {
        setLogSink(sink: nil, level: .error)
        super.tearDown()
    }

    func testALogSinkReceivesTheCoresLinesAndNoneNamesThePersonOrTheirIds() async throws {
        let server = try backendURL()
        let token = try await motherToken(server)
        let family = seededFamily()
        let sink = CollectingSink()
        setLogSink(sink: sink, level: .trace)

        let path = newBookPath()
        let book = try HealthBook.open(path: path, key: testKey)
        let config = SyncConfig(serverUrl: server, pageSize: 300)
        _ = try await book.sync(config: config, auth: FixedToken(token))
        let owner = try XCTUnwrap(try book.people().first { $0.role == .owner })
        _ = try book.search(personId: owner.id, text: "viem", limit: 5)
        let share = try await book.createShare(
            request: ShareRequest(personId: owner.id, kinds: [.allergy]), config: config, auth: FixedToken(token)
        ).share
        _ = try await openShareLink(link: share.link.absoluteString, recipient: "BS. Trần Bình")
        try await book.revokeShare(shareId: share.id, auth: FixedToken(token))
        _ = await assertHealthBookErrorAsync {
            try await book.sync(config: config, auth: FixedToken("not-a-token"))
        }
        book.close()
        _ = assertHealthBookError { try HealthBook.open(path: path, key: otherKey) }

        let lines = sink.lines
        XCTAssertFalse(lines.isEmpty, "the sink received lines")
        XCTAssertTrue(lines.contains { $0.message.contains("sync finished") }, "a finished sync is logged: \(lines)")
        XCTAssertTrue(lines.contains { $0.level == .warn && $0.message.contains("AuthExpired") },
                      "a failed call is logged by its kind")
        XCTAssertTrue(lines.allSatisfy { $0.target.hasPrefix("healthbook") }, "only the core's own targets")

        var secrets = [token, share.id, share.link.absoluteString, share.shlink.absoluteString, "not-a-token",
                       "BS. Trần Bình", path]
        for person in family.people {
            secrets.append(person.fullName)
            secrets += person.personalId.map { [$0] } ?? []
            secrets += person.insurance.map { [$0.number] } ?? []
        }
        for line in lines {
            for secret in secrets where line.message.contains(secret) || line.target.contains(secret) {
                XCTFail("a log line holds \(secret): \(line.message)")
            }
        }

        setLogSink(sink: nil, level: .trace)
        let count = sink.lines.count
        _ = assertHealthBookError { try HealthBook.open(path: path, key: otherKey) }
        XCTAssertEqual(sink.lines.count, count, "no lines once the sink is removed")
    }

    func testASinkThatThrowsLosesItsLinesAndNothingElse() throws {
        final class Broken: LogSink, @unchecked Sendable {
            private let lock = NSLock()
            private var count = 0
            var calls: Int { lock.withLock { count } }
            func log(level: LogLevel, target: String, message: String) throws {
                lock.withLock { count += 1 }
                throw HealthBookError.Internal(reason: "the log file is full")
            }
        }
        let sink = Broken()
        setLogSink(sink: sink, level: .debug)
        let path = newBookPath()
        _ = try HealthBook.open(path: path, key: testKey).addPerson(person: mother())
        _ = assertHealthBookError { try HealthBook.open(path: path, key: otherKey) }
        XCTAssertGreaterThan(sink.calls, 0, "the sink was called")
        XCTAssertEqual(try HealthBook.open(path: path, key: testKey).people().map(\.fullName), [motherName])
    }

    func testAnErrorsLocalizedDescriptionIsTheCoresSentence() throws {
        let path = newBookPath()
        _ = try HealthBook.open(path: path, key: testKey)
        let wrongKey = try XCTUnwrap(assertHealthBookError { try HealthBook.open(path: path, key: otherKey) })
        let invalid = try XCTUnwrap(assertHealthBookError { try HealthBook.open(path: path, key: Data(count: 3)) })

        for error in [wrongKey, invalid] {
            let text = error.localizedDescription
            XCTAssertFalse(text.contains("HealthBookError"), text)
            XCTAssertFalse(text.contains("reason:"), text)
            XCTAssertEqual(text, "\(error)")
            XCTAssertEqual(text, String(describing: error))
            XCTAssertEqual((error as Error).localizedDescription, text, "the same through `any Error`")
        }
        XCTAssertTrue(wrongKey.localizedDescription.hasPrefix("wrong key: "), wrongKey.localizedDescription)
        XCTAssertTrue(wrongKey.localizedDescription.contains("the file was not changed"),
                      wrongKey.localizedDescription)
        XCTAssertTrue(invalid.localizedDescription.hasPrefix("invalid key: "), invalid.localizedDescription)
        XCTAssertEqual(HealthBookError.NotFound(reason: "record 'x' is not in this book").localizedDescription,
                       "not found: record 'x' is not in this book")
        XCTAssertEqual(HealthBookError.Server(status: 503, reason: "try later").localizedDescription,
                       "server error 503: try later")
    }

    func testACancellationSwitchStaysCancelled() {
        let cancellation = Cancellation()
        XCTAssertFalse(cancellation.isCancelled())
        cancellation.cancel()
        cancellation.cancel()
        XCTAssertTrue(cancellation.isCancelled())
    }

    func testDatesAndInstantsCrossTheFFIUnchanged() throws {
        let book = try newBook()
        let born = day("2024-02-29")
        let person = try book.addPerson(person: mother(dateOfBirth: day("1990-03-14")))
        XCTAssertEqual(person.dateOfBirth, day("1990-03-14"))
        XCTAssertEqual(person.insurance?.validTo, day("2026-12-31"))
        let at = instant("2024-02-29T23:59:59.250+07:00")
        let note = try book.addRecord(record: .observation(observation: Observation(
            id: "", personId: person.id, source: .citizen, sensitive: false, kind: .bodyTemperature, at: at,
            value: .quantity(value: 38.5, unit: "Cel"), note: nil)))
        guard case .observation(let stored) = try book.record(recordId: note.recordId()) else {
            return XCTFail("an observation")
        }
        XCTAssertEqual(try book.record(recordId: note.recordId()), note, "read back as addRecord returned it")
        // The book keeps instants to the whole second (as FHIR carries them): the fraction is dropped.
        XCTAssertEqual(stored.at, instant("2024-02-29T23:59:59+07:00"))
        XCTAssertEqual(CalendarDay(stored.at), born, "still 29 February in Việt Nam")
        let entry = try XCTUnwrap(try book.timeline(personId: person.id, query: TimelineQuery(
            from: born, to: born)).entries.first)
        XCTAssertEqual(entry.recordId, note.recordId(), "the day range is Việt Nam's day")
    }
}
