// The app's flow, without any UI: unlock the book, show the family (offline, no sign-in
// needed), sign in to sync, and after each sync refresh the family and reschedule reminders.
// The screens' view models are made here, so every one of them gets the same open book, the
// same login and the same notion of today.

import Foundation
import HealthBookKit
import Observation

@MainActor
public final class AppModel: Observable, TrackedModel {
    public enum Screen: Equatable, Sendable {
        /// The book is not open (yet, or it could not be opened: `unlock.state` says why).
        case locked
        /// The book is open.
        case book
    }

    @Tracked public private(set) var screen: Screen = .locked
    /// The sign-in sheet is wanted: the citizen asked to sync without a login, or it expired.
    @Tracked public var showsSignIn = false

    public let unlock: UnlockViewModel
    public let signIn: SignInViewModel
    @Tracked public private(set) var family: FamilyViewModel?
    @Tracked public private(set) var sync: SyncViewModel?
    @Tracked public private(set) var reminders: RemindersViewModel?

    private let scheduler: NotificationScheduler
    private let today: @Sendable () -> CalendarDay
    public nonisolated let observationRegistrar = ObservationRegistrar()

    public init(
        bookURL: URL,
        keyStore: BookKeyStore,
        scheduler: NotificationScheduler,
        serverAddress: String,
        today: @escaping @Sendable () -> CalendarDay = { CalendarDay.today() }
    ) {
        unlock = UnlockViewModel(bookURL: bookURL, keyStore: keyStore)
        signIn = SignInViewModel(serverAddress: serverAddress)
        self.scheduler = scheduler
        self.today = today
    }

    /// The open book, once unlocked.
    public var session: BookSession? { unlock.session }

    /// Opens the book and shows what it holds.
    public func start() async {
        guard screen == .locked else { return }
        await unlock.unlock()
        guard screen == .locked, let session = unlock.session else { return }
        let signIn = self.signIn
        family = FamilyViewModel(session: session, today: today)
        sync = SyncViewModel(session: session, auth: signIn.auth, config: { signIn.syncConfig })
        reminders = RemindersViewModel(session: session, scheduler: scheduler, today: today)
        screen = .book
        await family?.load()
        await reminders?.refresh()
    }

    /// Syncs now, asking to sign in first when there is no login. Cancelling the calling Task
    /// stops the sync, as its Stop button does.
    public func syncNow() async {
        guard let sync else { return }
        guard signIn.isSignedIn else {
            showsSignIn = true
            return
        }
        let report = await sync.sync()
        if case let .failed(message) = sync.state, message.action == .signInAgain {
            signIn.signInAgain(because: message)
            showsSignIn = true
        }
        if report != nil || sync.state == .cancelled {
            // A cancelled sync keeps the pages it applied: show them too.
            await family?.load()
            await reminders?.refresh()
        }
    }

    /// Signs in with what the sign-in form holds, then syncs.
    public func signInAndSync() async {
        await signIn.signIn()
        guard signIn.isSignedIn else { return }
        showsSignIn = false
        await syncNow()
    }

    /// A screen met a login the backend refused (`AuthExpired`): forget it and show the sign-in
    /// sheet with the message.
    public func signInAgain(because message: CitizenMessage = .signInExpired) {
        signIn.signInAgain(because: message)
        showsSignIn = true
    }

    /// Closes the book and goes back to the unlock screen: stops a running sync, then waits for
    /// the calls in flight (call it from a Task that outlives the screen).
    public func lock() async {
        guard screen == .book else { return }
        sync?.cancel()
        family = nil
        sync = nil
        reminders = nil
        screen = .locked
        await unlock.lock()
    }

    /// A share screen's model, with the current login and server address.
    public func sharing(with session: BookSession) -> ShareViewModel {
        let signIn = self.signIn
        return ShareViewModel(session: session, auth: signIn.auth, config: { signIn.syncConfig })
    }
}
