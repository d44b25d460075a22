import Foundation
import HealthBookDemoKit
import HealthBookKit
import XCTest

/// Opening the book with the key from the key store, and closing it.
final class UnlockTests: XCTestCase {
    @MainActor
    func testANewBookIsCreatedAndOpensAgainWithItsKey() async throws {
        let url = Fixtures.newBookURL()
        let keys = InMemoryKeyStore.random()
        let first = UnlockViewModel(bookURL: url, keyStore: keys)
        await first.unlock()
        XCTAssertEqual(first.state, .unlocked, "the new book opens")
        let session = try XCTUnwrap(first.session, "the open book")
        let people = try await session.run { book in try book.people() }
        XCTAssertTrue(people.isEmpty, "a new book has nobody in it")
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), "the book file exists")
        await first.lock()
        XCTAssertEqual(first.state, .locked, "locked again")
        XCTAssertNil(first.session, "locking lets go of the book")

        let again = UnlockViewModel(bookURL: url, keyStore: keys)
        await again.unlock()
        XCTAssertEqual(again.state, .unlocked, "the book opens again with its key")
    }

    @MainActor
    func testAWrongKeyIsToldAndTheFileIsLeftAsItWas() async throws {
        let url = Fixtures.newBookURL()
        let owner = UnlockViewModel(bookURL: url, keyStore: InMemoryKeyStore.random())
        await owner.unlock()
        XCTAssertEqual(owner.state, .unlocked, "the book is created")
        await owner.lock()
        let before = try Data(contentsOf: url)

        let stranger = UnlockViewModel(bookURL: url, keyStore: InMemoryKeyStore.random())
        await stranger.unlock()
        guard case let .failed(message) = stranger.state else {
            return XCTFail("a wrong key gave \(stranger.state)")
        }
        XCTAssertEqual(message, .wrongKey)
        XCTAssertTrue(message.text.vi.hasPrefix("Không mở được sổ sức khoẻ trên máy này."), message.text.vi)
        XCTAssertTrue(message.text.en.hasPrefix("The health book cannot be opened on this phone."), message.text.en)
        XCTAssertNil(stranger.session, "no book is open")
        XCTAssertEqual(try Data(contentsOf: url), before, "the file after a wrong key")
    }

    @MainActor
    func testAKeyStoreThatCannotGiveTheKeyIsToldAndNoBookIsMade() async throws {
        let url = Fixtures.newBookURL()
        let model = UnlockViewModel(bookURL: url, keyStore: UnavailableKeyStore())
        await model.unlock()
        guard case let .failed(message) = model.state else {
            return XCTFail("a key store that refused gave \(model.state)")
        }
        XCTAssertEqual(message, .keyUnavailable, "the key store's failure has its own message")
        XCTAssertTrue(message.text.en.contains("Nothing was deleted"), message.text.en)
        XCTAssertEqual(message.action, .retry, "trying again may work once the phone is unlocked")
        XCTAssertNil(model.session, "no book is open")
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path), "no book is made without its key")
    }

    @MainActor
    func testAScreenStillShownAfterLockingSaysTheBookIsLocked() async throws {
        let unlock = UnlockViewModel(bookURL: Fixtures.newBookURL(), keyStore: InMemoryKeyStore.random())
        await unlock.unlock()
        let session = try XCTUnwrap(unlock.session)
        let family = FamilyViewModel(session: session, today: { Fixtures.today })
        await family.load()
        XCTAssertNil(family.message, "the open book reads")

        await unlock.lock()
        await family.load()
        XCTAssertEqual(family.message, .bookClosed, "a closed book is told, not a crash or a storage error")
        do {
            _ = try await session.run { book in try book.people() }
            XCTFail("a closed book still answered")
        } catch HealthBookError.Closed {
        }
    }
}
