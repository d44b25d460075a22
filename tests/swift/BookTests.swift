import Foundation
import XCTest
@testable import HealthBookKit

/// Opening the book: the key, a wrong key that leaves the file as it was, rekey, close.
final class BookTests: XCTestCase {
    func testANewBookOpensWithA32ByteKeyAndHasNoPeople() throws {
        let path = newBookPath()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        let book = try HealthBook.open(path: path, key: testKey)
        XCTAssertEqual(try book.people(), [])
        book.close()
        XCTAssertTrue(FileManager.default.fileExists(atPath: path), "the database file exists after opening")
        XCTAssertEqual(try HealthBook.open(path: path, key: testKey).people(), [], "it opens again")
    }

    func testAWrongKeyIsWrongKeyAndTheFileIsByteIdentical() throws {
        let path = newBookPath()
        let book = try HealthBook.open(path: path, key: testKey)
        let owner = try book.addPerson(person: mother())
        _ = try book.addRecords(records: oneOfEach(personId: owner.id))
        book.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertGreaterThan(before.count, 0)

        let error = assertHealthBookError { try HealthBook.open(path: path, key: otherKey) }
        guard case .WrongKey(let reason)? = error else {
            return XCTFail("expected WrongKey, got \(String(describing: error))")
        }
        XCTAssertFalse(reason.isEmpty, "the error says why")

        let after = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(before, after, "the file changed after a wrong key")
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let left = try FileManager.default.contentsOfDirectory(atPath: folder)
        XCTAssertEqual(left, ["book.db"], "no -wal, -shm or other file left by the failed open")

        let again = try HealthBook.open(path: path, key: testKey)
        XCTAssertEqual(try again.people().map(\.fullName), [motherName], "the right key still opens it")
        XCTAssertEqual(try allEntries(again, owner.id).count, 8)
    }

    func testAKeyOfTheWrongLengthIsAValidationErrorOnKey() {
        let path = newBookPath()
        let error = assertHealthBookError { try HealthBook.open(path: path, key: Data(count: 16)) }
        XCTAssertEqual(validationField(error), "key")
        XCTAssertTrue(error?.localizedDescription.contains("16") == true,
                      "says what was given: \(String(describing: error))")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "no file is made for a bad key")
    }

    func testAFileThatIsNotABookIsWrongKeyAndUntouched() throws {
        let path = newBookPath()
        let text = Data("Sổ sức khỏe — not a database".utf8)
        try text.write(to: URL(fileURLWithPath: path))
        let error = assertHealthBookError { try HealthBook.open(path: path, key: testKey) }
        XCTAssertEqual(kindOf(error), "WrongKey")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), text, "never deleted or recreated")
    }

    func testRekeyTheNewKeyOpensTheBookAndTheOldOneNoLongerDoes() throws {
        let path = newBookPath()
        let book = try HealthBook.open(path: path, key: testKey)
        let owner = try book.addPerson(person: mother())
        _ = try book.addRecords(records: oneOfEach(personId: owner.id))
        try book.rekey(newKey: otherKey)
        XCTAssertEqual(try allEntries(book, owner.id).count, 8, "the open book still reads")
        book.close()

        XCTAssertEqual(kindOf(assertHealthBookError { try HealthBook.open(path: path, key: testKey) }), "WrongKey")
        let reopened = try HealthBook.open(path: path, key: otherKey)
        XCTAssertEqual(try reopened.people().map(\.personalId), [motherPersonalId])
        XCTAssertEqual(try allEntries(reopened, owner.id).count, 8)
    }

    func testRekeyWithAShortKeyIsRefusedAndTheOldKeyStillWorks() throws {
        let path = newBookPath()
        let book = try HealthBook.open(path: path, key: testKey)
        _ = try book.addPerson(person: mother())
        XCTAssertEqual(validationField(assertHealthBookError { try book.rekey(newKey: Data(count: 31)) }), "new_key")
        book.close()
        XCTAssertEqual(try HealthBook.open(path: path, key: testKey).people().count, 1)
    }

    func testAfterCloseEveryCallIsClosedAndCloseIsIdempotent() throws {
        let path = newBookPath()
        let book = try HealthBook.open(path: path, key: testKey)
        let owner = try book.addPerson(person: mother())
        book.close()
        book.close()
        for (name, call) in [
            ("people", { _ = try book.people() }),
            ("timeline", { _ = try book.timeline(personId: owner.id, query: TimelineQuery()) }),
            ("addPerson", { _ = try book.addPerson(person: mother()) }),
            ("rekey", { try book.rekey(newKey: otherKey) }),
        ] as [(String, () throws -> Void)] {
            let error = assertHealthBookError(name) { try call() }
            guard case .Closed(let reason)? = error else {
                XCTFail("\(name) after close: expected Closed, got \(String(describing: error))")
                continue
            }
            XCTAssertFalse(reason.isEmpty)
        }
        // The file was left whole, under the old key.
        XCTAssertEqual(try HealthBook.open(path: path, key: testKey).people().map(\.id), [owner.id])
    }

    func testASyncAfterCloseIsClosed() async throws {
        let book = try HealthBook.open(path: newBookPath(), key: testKey)
        book.close()
        // No network needed: the book refuses before it connects.
        let config = SyncConfig(serverUrl: URL(string: "http://127.0.0.1:9")!)
        let error = await assertHealthBookErrorAsync {
            try await book.sync(config: config, auth: FixedToken("unused"))
        }
        XCTAssertEqual(kindOf(error), "Closed")
    }

    func testAnUnknownRecordIdIsNotFoundNamingIt() throws {
        let book = try newBook()
        let error = assertHealthBookError { try book.record(recordId: "missing-record") }
        guard case .NotFound(let reason)? = error else {
            return XCTFail("expected NotFound, got \(String(describing: error))")
        }
        XCTAssertTrue(reason.contains("missing-record"), reason)
        XCTAssertEqual(kindOf(assertHealthBookError { try book.person(personId: "nobody") }), "NotFound")
    }
}
