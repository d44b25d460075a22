// The QR full screen for the doctor to scan: a countdown to when it stops working, a revoke
// button, and a plain "expired" once the time is up.
//
// While the QR is up and the app in front, the screen is at full brightness (a dim screen is hard
// for a scanner to read) and kept awake (the phone must not lock in the citizen's hand at the
// desk); both go back as they were when the QR goes.
//
// The screen makes the share itself (`make`, in `.task`): closing it before the backend has
// confirmed the share cancels that Task, and the core then keeps nothing of it. Revoking runs in
// a Task of its own, so that a revoke the citizen asked for is not cut short by closing.

import HealthBookDemoKit
import SwiftUI
import UIKit

@MainActor
struct ShareView: View {
    let model: ShareViewModel
    /// Makes the share; run when the screen appears and again for "Make a new code".
    let make: () async -> Void
    /// The backend refused the login: the owner closes this screen and shows the sign-in.
    let signInAgain: () -> Void
    let close: () -> Void
    @Environment(\.scenePhase) private var scenePhase
    /// The screen's brightness before the QR raised it; nil while it is not raised.
    @State private var brightnessBefore: CGFloat?
    /// Bumped to make the share again; `.task(id:)` cancels a making still under way.
    @State private var attempt = 0

    init(
        model: ShareViewModel,
        make: @escaping () async -> Void,
        signInAgain: @escaping () -> Void,
        close: @escaping () -> Void
    ) {
        self.model = model
        self.make = make
        self.signInAgain = signInAgain
        self.close = close
    }

    var body: some View {
        VStack(spacing: 24) {
            Spacer()
            content
            if let message = model.message {
                MessageBanner(message: message) { handle($0) }.padding(.horizontal)
            }
            Spacer()
            Button("Đóng · Close", action: close).buttonStyle(.bordered)
        }
        .padding()
        .task(id: attempt) { await make() }
        .onAppear {
            model.startCountdown()
            updateScreen()
        }
        .onDisappear {
            model.stopCountdown()
            restoreScreen()
        }
        .onChange(of: model.state) { updateScreen() }
        .onChange(of: scenePhase) { updateScreen() }
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
                // The core's PNG has 8 px per module: scaled up without smoothing, the modules
                // keep their sharp edges.
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
            Button("Tạo mã mới · Make a new code") { attempt += 1 }
        case .revoked:
            Image(systemName: "xmark.shield").font(.system(size: 64)).foregroundStyle(.secondary)
            BilingualText(model.statusText)
        }
    }

    /// "Try again" retries what failed: revoking while the QR is still shown (the link is still
    /// live), making the share otherwise.
    private func handle(_ action: CitizenMessage.Action) {
        switch action {
        case .retry where model.state == .active || model.state == .expired:
            Task { await model.revoke() }
        case .retry, .newShare:
            attempt += 1
        case .signInAgain:
            signInAgain()
        case .none:
            break
        }
    }

    // MARK: The screen while the QR is shown

    private var showsQR: Bool {
        model.state == .active || model.state == .revoking
    }

    private func updateScreen() {
        if showsQR && scenePhase == .active {
            brighten()
        } else {
            restoreScreen()
        }
    }

    private func brighten() {
        UIApplication.shared.isIdleTimerDisabled = true
        guard brightnessBefore == nil, let screen = Self.screen else { return }
        brightnessBefore = screen.brightness
        screen.brightness = 1
    }

    private func restoreScreen() {
        UIApplication.shared.isIdleTimerDisabled = false
        guard let before = brightnessBefore else { return }
        brightnessBefore = nil
        Self.screen?.brightness = before
    }

    /// The screen of the app's window scene (UIScreen.main is deprecated from iOS 16).
    private static var screen: UIScreen? {
        let scenes = UIApplication.shared.connectedScenes.compactMap { $0 as? UIWindowScene }
        return (scenes.first { $0.activationState == .foregroundActive } ?? scenes.first)?.screen
    }
}
