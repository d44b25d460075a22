// Opening the book: normally a moment on launch; a wrong key is said plainly and nothing is
// deleted.

import HealthBookDemoKit
import SwiftUI

@MainActor
struct UnlockView: View {
    let model: UnlockViewModel
    let retry: () -> Void

    var body: some View {
        VStack(spacing: 20) {
            Image(systemName: "lock.shield").font(.system(size: 56)).foregroundStyle(.tint)
            BilingualText("Sổ sức khoẻ điện tử", "Electronic health book", font: .title2.bold())
            switch model.state {
            case .locked, .opening, .closing:
                ProgressView()
            case .unlocked:
                EmptyView()
            case let .failed(message):
                MessageBanner(message: message) { _ in retry() }
                // The banner has its own "Try again" when the message offers one.
                if message.action == CitizenMessage.Action.none {
                    Button("Thử lại · Try again", action: retry).buttonStyle(.borderedProminent)
                }
            }
        }
        .padding()
    }
}
