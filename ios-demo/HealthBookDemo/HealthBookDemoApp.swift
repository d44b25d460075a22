// The iOS demo app: the citizen's health book on SwiftUI. The screens are thin; what they show
// and do lives in the view models of HealthBookDemoKit (plain Swift, tested on their own).

import HealthBookDemoKit
import SwiftUI

@main
@MainActor
struct HealthBookDemoApp: App {
    @StateObject private var app = AppModel(
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
