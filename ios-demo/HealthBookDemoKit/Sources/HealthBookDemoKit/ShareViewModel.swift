// Share with a doctor: make the share, show its QR full screen with a countdown to when it
// stops working, revoke it, and say plainly when it has expired.
//
// The QR is the core's PNG (8 px per module); the screen scales it without smoothing. The
// countdown ticks every second on the main actor; the expiry itself is enforced by the server,
// so the countdown only tells the citizen what the server will do.
//
// Making and revoking a share are the core's `async` calls: cancelling the Task that awaits
// them (the screen closing) stops them. A share cancelled before the backend confirmed it is
// not kept; a revoke cancelled before the backend confirmed it leaves the QR live and shown.

import Foundation
import HealthBookKit
import Observation

@MainActor
public final class ShareViewModel: Observable, TrackedModel {
    public enum State: Equatable, Sendable {
        case idle
        case creating
        /// The QR works; `share` holds it.
        case active
        case revoking
        case expired
        case revoked
    }

    @Tracked public private(set) var state: State = .idle
    @Tracked public private(set) var share: Share?
    /// Seconds until the link stops working (0 once expired).
    @Tracked public private(set) var remainingSeconds = 0
    /// Records left out because they are sensitive (the citizen did not choose to include them).
    @Tracked public private(set) var leftOutSensitive: UInt32 = 0
    @Tracked public private(set) var message: CitizenMessage?

    private let session: BookSession
    private let auth: SessionAuth
    private let config: @MainActor () -> SyncConfig?
    private let now: @Sendable () -> Date
    private var countdown: Task<Void, Never>?
    public nonisolated let observationRegistrar = ObservationRegistrar()

    public init(
        session: BookSession,
        auth: SessionAuth,
        config: @escaping @MainActor () -> SyncConfig?,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.session = session
        self.auth = auth
        self.config = config
        self.now = now
    }

    public convenience init(session: BookSession, auth: SessionAuth, config: SyncConfig) {
        self.init(session: session, auth: auth, config: { config })
    }

    /// The QR code as PNG bytes, while the share is shown.
    public var qrPNG: Data? { share?.qr.png }

    /// When the link stops working.
    public var expiresAt: Date? { share?.expiresAt }

    /// "29:58"
    public var countdownText: String { BookDates.countdown(seconds: remainingSeconds) }

    /// The line under the QR.
    public var statusText: Bilingual {
        switch state {
        case .idle:
            return Bilingual("Chưa chia sẻ", "Not shared")
        case .creating:
            return Bilingual("Đang tạo mã chia sẻ…", "Making the share…")
        case .active:
            return Bilingual(
                "Bác sĩ quét mã này. Mã hết hạn sau \(countdownText).",
                "The doctor scans this code. It expires in \(countdownText)."
            )
        case .revoking:
            return Bilingual("Đang thu hồi…", "Revoking…")
        case .expired:
            return Bilingual("Mã đã hết hạn. Tạo mã mới nếu bác sĩ cần xem tiếp.", "The code has expired. Make a new one if the doctor needs more time.")
        case .revoked:
            return Bilingual("Đã thu hồi: mã không còn mở được.", "Revoked: the code no longer opens.")
        }
    }

    /// The note about sensitive records left out, if any.
    public var leftOutText: Bilingual? {
        guard leftOutSensitive > 0 else { return nil }
        return Bilingual(
            "\(leftOutSensitive) mục nhạy cảm không được chia sẻ.",
            "\(leftOutSensitive) sensitive \(leftOutSensitive == 1 ? "record was" : "records were") left out."
        )
    }

    /// Shares what `request` selects (the owner's or a managed child's records).
    public func create(_ request: ShareRequest) async {
        await make { book, config, auth in
            try await book.createShare(request: request, config: config, auth: auth)
        }
    }

    /// A child's vaccination card: every immunization, for 30 minutes.
    public func createVaccinationCard(childId: String) async {
        await make { book, config, auth in
            try await book.shareVaccinationCard(childId: childId, config: config, auth: auth)
        }
    }

    /// Ends the share now. The QR is marked revoked only once the server confirmed it, so the
    /// citizen never believes a live link is dead.
    public func revoke() async {
        guard state == .active || state == .expired, let share = share else { return }
        let previous = state
        state = .revoking
        do {
            try await session.book.revokeShare(shareId: share.id, auth: auth)
            stopCountdown()
            remainingSeconds = 0
            state = .revoked
            message = nil
        } catch is CancellationError {
            // Not confirmed: the link may still be live, so the QR stays as it was.
            state = previous
        } catch {
            state = previous
            message = CitizenMessage(for: error)
        }
        if state == .active {
            tick()
        }
    }

    /// Recomputes the countdown at `date`; a shown share turns expired when it runs out.
    public func tick(at date: Date) {
        guard state == .active || state == .revoking, let expiresAt else { return }
        let left = Int(expiresAt.timeIntervalSince(date).rounded(.up))
        remainingSeconds = max(0, left)
        if left <= 0, state == .active {
            state = .expired
            stopCountdown()
        }
    }

    public func tick() {
        tick(at: now())
    }

    /// Starts the once-a-second countdown (the screen calls it when shown; `create` does too).
    public func startCountdown() {
        guard state == .active, countdown == nil else { return }
        countdown = Task { [weak self] in
            while true {
                do {
                    try await Task.sleep(for: .seconds(1))
                } catch {
                    return
                }
                guard let self, self.state == .active || self.state == .revoking else { return }
                self.tick()
            }
        }
    }

    /// Stops the countdown (the screen going away); the share itself stays active.
    public func stopCountdown() {
        countdown?.cancel()
        countdown = nil
    }

    /// Closes the QR screen, leaving the share as it is on the server.
    public func dismiss() {
        stopCountdown()
        share = nil
        message = nil
        state = .idle
        remainingSeconds = 0
        leftOutSensitive = 0
    }

    private func make(
        _ call: @escaping @Sendable (HealthBook, SyncConfig, SyncAuth) async throws -> CreatedShare
    ) async {
        guard state != .creating, state != .revoking else { return }
        guard let config = config() else {
            message = SignInError.invalidServer.message
            return
        }
        guard auth.isSignedIn else {
            message = .notSignedIn
            return
        }
        stopCountdown()
        state = .creating
        message = nil
        do {
            let created = try await call(session.book, config, auth)
            share = created.share
            leftOutSensitive = created.leftOutSensitive
            state = .active
            tick()
            startCountdown()
        } catch is CancellationError {
            // The screen went away while the share was being made: nothing to show or tell.
            share = nil
            state = .idle
        } catch {
            share = nil
            state = .idle
            message = CitizenMessage(for: error)
        }
    }
}
