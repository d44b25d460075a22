// Sync with the backend: progress as pages arrive, and a cancel button.
//
// The core calls the listener on its own thread: progress hops to the main actor, and the
// cancel flag is read under a lock. A cancelled sync keeps every page it applied; the next one
// resumes from there.

#if canImport(Combine)
import Combine
#endif
import Foundation
import HealthBook

@MainActor
public final class SyncViewModel: ObservableObject {
    public enum State: Equatable {
        case idle
        case syncing
        case finished(SyncReport)
        case cancelled
        case failed(CitizenMessage)
    }

    @Published public private(set) var state: State = .idle
    /// The last progress report of the sync running now (nil before the first).
    @Published public private(set) var progress: SyncProgress?

    private let session: BookSession
    private let auth: SyncAuth
    private let config: @MainActor () -> SyncConfig?
    private var relay: SyncRelay?

    /// `config` is asked at each sync, so a server address changed on the sign-in screen applies.
    public init(session: BookSession, auth: SyncAuth, config: @escaping @MainActor () -> SyncConfig?) {
        self.session = session
        self.auth = auth
        self.config = config
    }

    public convenience init(session: BookSession, auth: SyncAuth, config: SyncConfig) {
        self.init(session: session, auth: auth, config: { config })
    }

    public var isSyncing: Bool { state == .syncing }

    /// "Đang tải trang 3 · 1 200 mục" while syncing, the report's summary when done.
    public var statusText: Bilingual? {
        switch state {
        case .idle:
            return nil
        case .syncing:
            guard let progress = progress else {
                return Bilingual("Đang kết nối…", "Connecting…")
            }
            switch progress.phase {
            case .pulling:
                return Bilingual(
                    "Đang tải về: trang \(progress.pages), \(progress.recordsReceived) mục",
                    "Downloading: page \(progress.pages), \(progress.recordsReceived) records"
                )
            case .pushing:
                return Bilingual(
                    "Đang gửi lên: \(progress.recordsSent) mục",
                    "Uploading: \(progress.recordsSent) records"
                )
            case .done:
                return Bilingual("Sắp xong…", "Finishing…")
            }
        case let .finished(report):
            return Self.summary(of: report)
        case .cancelled:
            return CitizenMessage.syncCancelled.text
        case let .failed(message):
            return message.text
        }
    }

    /// Runs one sync to its end (or cancellation, or failure). Returns the report when it finished.
    @discardableResult
    public func sync() async -> SyncReport? {
        guard state != .syncing else { return nil }
        guard let config = config() else {
            state = .failed(SignInError.invalidServer.message)
            return nil
        }
        let relay = SyncRelay { [weak self] progress in
            Task { @MainActor [weak self] in
                self?.show(progress)
            }
        }
        self.relay = relay
        defer { self.relay = nil }
        progress = nil
        state = .syncing
        let auth = self.auth
        do {
            let report = try await session.run { book in
                try book.sync(config: config, auth: auth, listener: relay)
            }
            state = .finished(report)
            return report
        } catch HealthBookError.Cancelled {
            state = .cancelled
        } catch {
            state = .failed(CitizenMessage(for: error))
        }
        return nil
    }

    /// Asks the running sync to stop; it ends as `.cancelled` once the core notices (between
    /// steps, and every 50 ms while it waits on the network).
    public func cancel() {
        relay?.cancel()
    }

    private func show(_ progress: SyncProgress) {
        // A report that arrives after the sync ended must not move the screen back.
        guard state == .syncing else { return }
        self.progress = progress
    }

    public static func summary(of report: SyncReport) -> Bilingual {
        var vi = "Đã đồng bộ: nhận \(report.recordsReceived) mục, gửi \(report.recordsSent) mục"
        var en = "Synced: \(report.recordsReceived) records received, \(report.recordsSent) sent"
        if report.recordsDeleted > 0 {
            vi += ", xoá \(report.recordsDeleted) mục"
            en += ", \(report.recordsDeleted) removed"
        }
        if report.conflicts > 0 {
            vi += ". \(report.conflicts) mục bạn sửa chưa được máy chủ nhận"
            en += ". \(report.conflicts) of your edits were not accepted by the server"
        }
        return Bilingual(vi + ".", en + ".")
    }
}

/// The core's `SyncListener`: forwards progress, answers whether to stop.
final class SyncRelay: SyncListener, @unchecked Sendable {
    // @unchecked: `cancelled` is guarded by `lock`; `forward` is immutable and Sendable.
    private let lock = NSLock()
    private var cancelled = false
    private let forward: @Sendable (SyncProgress) -> Void

    init(forward: @escaping @Sendable (SyncProgress) -> Void) {
        self.forward = forward
    }

    func onProgress(progress: SyncProgress) {
        forward(progress)
    }

    func isCancelled() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    func cancel() {
        lock.lock()
        defer { lock.unlock() }
        cancelled = true
    }
}
