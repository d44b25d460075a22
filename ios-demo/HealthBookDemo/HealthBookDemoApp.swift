// The iOS demo app: the citizen's health book on SwiftUI. The screens are thin; what they show
// and do lives in the view models of HealthBookDemoKit (plain Swift, tested on their own). The
// view models are `Observable`: a screen holds the one it owns in `@State` and is redrawn when a
// property it read changes.

import HealthBookDemoKit
import SwiftUI

@main
@MainActor
struct HealthBookDemoApp: App {
    @State private var app = AppModel(
        bookURL: BookLocation.bookURL(),
        keyStore: KeychainKeyStore(),
        scheduler: UserNotificationScheduler(),
        serverAddress: BookLocation.defaultServerAddress
    )

    var body: some Scene {
        WindowGroup {
            RootView(app: app)
        }
    }
}
