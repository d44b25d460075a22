// Small pieces every screen uses: a text in both languages, and a message with its action.

import HealthBookDemoKit
import SwiftUI

/// Vietnamese, with the English beneath it in a smaller, quieter line.
struct BilingualText: View {
    let text: Bilingual
    var font: Font = .body

    init(_ text: Bilingual, font: Font = .body) {
        self.text = text
        self.font = font
    }

    init(_ vi: String, _ en: String, font: Font = .body) {
        self.init(Bilingual(vi, en), font: font)
    }

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            Text(text.vi).font(font)
            if !text.isSameInBoth {
                Text(text.en).font(.caption).foregroundStyle(.secondary)
            }
        }
    }
}

/// What went wrong, and the one thing to do about it.
struct MessageBanner: View {
    let message: CitizenMessage
    var onAction: (CitizenMessage.Action) -> Void = { _ in }

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            HStack(alignment: .top) {
                Image(systemName: "exclamationmark.circle").foregroundStyle(.orange)
                BilingualText(message.text)
            }
            // One element for VoiceOver: the message; the button stays its own element.
            .accessibilityElement(children: .combine)
            switch message.action {
            case .none:
                EmptyView()
            case .retry:
                Button("Thử lại · Try again") { onAction(.retry) }
            case .signInAgain:
                Button("Đăng nhập lại · Sign in again") { onAction(.signInAgain) }
            case .newShare:
                Button("Tạo mã mới · Make a new code") { onAction(.newShare) }
            }
        }
        .padding(.vertical, 4)
    }
}
