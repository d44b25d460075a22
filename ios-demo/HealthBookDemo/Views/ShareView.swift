// The QR full screen for the doctor to scan: a countdown to when it stops working, a revoke
// button, and a plain "expired" once the time is up.

import HealthBookDemoKit
import SwiftUI
import UIKit

@MainActor
struct ShareView: View {
    @ObservedObject var model: ShareViewModel
    let act: (CitizenMessage.Action) -> Void
    let close: () -> Void

    var body: some View {
        VStack(spacing: 24) {
            Spacer()
            content
            if let message = model.message {
                MessageBanner(message: message, onAction: act).padding(.horizontal)
            }
            Spacer()
            Button("Đóng · Close", action: close).buttonStyle(.bordered)
        }
        .padding()
        .onAppear { model.startCountdown() }
        .onDisappear { model.stopCountdown() }
    }

    @ViewBuilder
    private var content: some View {
        switch model.state {
        case .idle:
            EmptyView()
        case .creating:
            ProgressView()
            BilingualText(model.statusText)
        case .active, .revoking:
            if let png = model.qrPNG, let image = UIImage(data: png) {
                Image(uiImage: image)
                    .interpolation(.none)
                    .resizable()
                    .scaledToFit()
                    .frame(maxWidth: 340)
                    .accessibilityLabel("Mã QR chia sẻ · Share QR code")
            }
            Text(model.countdownText)
                .font(.system(size: 44, weight: .semibold, design: .monospaced))
                .accessibilityLabel("Còn \(model.countdownText)")
            BilingualText(model.statusText)
            if let leftOut = model.leftOutText {
                BilingualText(leftOut, font: .footnote)
            }
            Button(role: .destructive) {
                Task { await model.revoke() }
            } label: {
                Text("Thu hồi ngay · Revoke now")
            }
            .buttonStyle(.borderedProminent)
            .disabled(model.state == .revoking)
        case .expired:
            Image(systemName: "clock.badge.xmark").font(.system(size: 64)).foregroundStyle(.secondary)
            BilingualText(model.statusText)
            Button("Tạo mã mới · Make a new code") { act(.newShare) }
        case .revoked:
            Image(systemName: "xmark.shield").font(.system(size: 64)).foregroundStyle(.secondary)
            BilingualText(model.statusText)
        }
    }
}
