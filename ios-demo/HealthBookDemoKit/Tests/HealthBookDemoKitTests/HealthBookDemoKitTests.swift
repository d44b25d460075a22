// XCTest's view of the view-model checks (`swift test`, or the test action in Xcode): one test
// method per check in ViewModelChecks.swift, a missing backend reported as a skip.
//
// Left out where there is no XCTest: `cargo xtask test` compiles the checks with swiftc and
// -D HEALTHBOOK_PLAIN_RUNNER, and Runner/main.swift runs them.

#if !HEALTHBOOK_PLAIN_RUNNER
import XCTest

final class HealthBookDemoKitTests: XCTestCase {
    @MainActor
    func testEveryCheckHasATestMethod() async {
        XCTAssertEqual(ViewModelChecks.all.count, 20, "add a test method for each new check")
    }

    @MainActor
    func testUnlockCreatesAndReopens() async throws {
        try await run(ViewModelChecks.unlockCreatesAndReopens)
    }

    @MainActor
    func testWrongKeyIsTold() async throws {
        try await run(ViewModelChecks.wrongKeyIsTold)
    }

    @MainActor
    func testKeyUnavailableIsTold() async throws {
        try await run(ViewModelChecks.keyUnavailableIsTold)
    }

    @MainActor
    func testEveryErrorHasACitizenMessage() async throws {
        try await run(ViewModelChecks.everyErrorHasACitizenMessage)
    }

    @MainActor
    func testValidationNamesTheField() async throws {
        try await run(ViewModelChecks.validationNamesTheField)
    }

    @MainActor
    func testFamilyListsOwnerAndChildren() async throws {
        try await run(ViewModelChecks.familyListsOwnerAndChildren)
    }

    @MainActor
    func testChildPastTheAgeLimitIsReadOnly() async throws {
        try await run(ViewModelChecks.childPastTheAgeLimitIsReadOnly)
    }

    @MainActor
    func testTimelinePagesWithoutDuplicates() async throws {
        try await run(ViewModelChecks.timelinePagesWithoutDuplicates)
    }

    @MainActor
    func testDetailsForEveryKind() async throws {
        try await run(ViewModelChecks.detailsForEveryKind)
    }

    @MainActor
    func testBabyVaccinationStatus() async throws {
        try await run(ViewModelChecks.babyVaccinationStatus)
    }

    @MainActor
    func testRemindersScheduledAndReconciled() async throws {
        try await run(ViewModelChecks.remindersScheduledAndReconciled)
    }

    @MainActor
    func testRemindersWithNotificationsOff() async throws {
        try await run(ViewModelChecks.remindersWithNotificationsOff)
    }

    @MainActor
    func testReminderPlan() async throws {
        try await run(ViewModelChecks.reminderPlan)
    }

    @MainActor
    func testShareCountdown() async throws {
        try await run(ViewModelChecks.shareCountdown)
    }

    @MainActor
    func testAppAsksToSignInBeforeSyncing() async throws {
        try await run(ViewModelChecks.appAsksToSignInBeforeSyncing)
    }

    @MainActor
    func testSyncProgressCancelAndResume() async throws {
        try await run(ViewModelChecks.syncProgressCancelAndResume)
    }

    @MainActor
    func testRefusedTokenAsksToSignInAgain() async throws {
        try await run(ViewModelChecks.refusedTokenAsksToSignInAgain)
    }

    @MainActor
    func testAppSignsInAndSyncs() async throws {
        try await run(ViewModelChecks.appSignsInAndSyncs)
    }

    @MainActor
    func testShareWithADoctor() async throws {
        try await run(ViewModelChecks.shareWithADoctor)
    }

    @MainActor
    func testShareVaccinationCard() async throws {
        try await run(ViewModelChecks.shareVaccinationCard)
    }

    @MainActor
    private func run(_ check: @MainActor () async throws -> Void) async throws {
        do {
            try await check()
        } catch let skipped as CheckSkipped {
            throw XCTSkip(skipped.reason)
        }
    }
}
#endif
