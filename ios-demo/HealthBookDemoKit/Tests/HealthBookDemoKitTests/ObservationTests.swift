import Foundation
import HealthBookDemoKit
import HealthBookKit
import Observation
import XCTest

/// SwiftUI redraws a view when a view model's property it read changes: the view models are
/// `Observable`, and their state reports its reads and writes to the Observation framework.
final class ObservationTests: XCTestCase {
    /// Whether `change` changes what `read` reads, as SwiftUI would notice it.
    @MainActor
    private func notices(_ read: @escaping @MainActor () -> Void, when change: () async -> Void) async -> Bool {
        let changed = LockedFlag()
        withObservationTracking {
            read()
        } onChange: {
            changed.set()
        }
        await change()
        return changed.value
    }

    @MainActor
    func testAViewThatReadsTheStateIsToldWhenItChanges() async throws {
        let (session, _) = try await Fixtures.sampleBook()
        let family = FamilyViewModel(session: session, today: { Fixtures.today })
        let rowsChanged = await notices({ _ = family.rows }, when: { await family.load() })
        XCTAssertTrue(rowsChanged, "the family rows are observed")
        XCTAssertEqual(family.rows.count, 3)

        let messageUnchanged = await notices({ _ = family.message }, when: { })
        XCTAssertFalse(messageUnchanged, "nothing is told when nothing changed")
    }

    @MainActor
    func testAFormFieldBoundByKeyPathIsObserved() async {
        // `@Bindable` writes through the property's key path.
        let signIn = SignInViewModel(serverAddress: Backend.nowhere)
        let field: ReferenceWritableKeyPath<SignInViewModel, String> = \.personalId
        let changed = await notices({ _ = signIn.personalId }, when: { signIn[keyPath: field] = "012345678901" })
        XCTAssertTrue(changed)
        XCTAssertEqual(signIn.personalId, "012345678901")
    }
}

/// A flag set from any thread (`onChange` runs where the change happens).
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var isSet = false

    func set() {
        lock.withLock { isSet = true }
    }

    var value: Bool { lock.withLock { isSet } }
}
