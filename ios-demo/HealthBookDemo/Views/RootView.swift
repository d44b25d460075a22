// Locked until the book opens; then the family, with sign-in as a sheet when a sync needs it.

import HealthBookDemoKit
import SwiftUI

@MainActor
struct RootView: View {
    @Bindable var app: AppModel

    var body: some View {
        Group {
            switch app.screen {
            case .locked:
                UnlockView(model: app.unlock) {
                    Task { await app.start() }
                }
            case .book:
                if let session = app.session, let family = app.family, let sync = app.sync {
                    NavigationStack {
                        FamilyView(app: app, session: session, family: family, sync: sync)
                    }
                }
            }
        }
        .task { await app.start() }
        .sheet(isPresented: $app.showsSignIn) {
            SignInView(model: app.signIn) {
                // Not tied to the sheet: the sync goes on once the sheet has closed.
                Task { await app.signInAndSync() }
            }
        }
    }
}
