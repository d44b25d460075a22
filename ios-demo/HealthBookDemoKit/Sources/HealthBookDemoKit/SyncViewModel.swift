// Sync with the backend: progress as pages arrive, and a Stop button.
//
// The sync is the core's `async` call; stopping it is cancelling its Task, either with the Stop
// button (`cancel()`) or by cancelling the Task that awaits `sync()` (a screen's `.task` going
// away, the app locking the book). The core stops at its next step and keeps every page it
// applied; the next sync resumes from there. `sync()` returns only once the core has stopped,
// so a sync started right after a cancelled one does not meet it still running.
//
// The core reports progress on its own thread; it reaches the main actor through an
// `AsyncStream` that keeps only the newest report, so progress is shown in order and a slow
// screen never holds the sync back.

import Foundation
import HealthBookKit
import Observation

@MainActor
public final class SyncViewModel: Observable, TrackedModel {
    public enum State: Equatable, Sendable {
        case idle
        case syncing
        case finished(SyncReport)
        case cancelled
        case failed(CitizenMessage)
    }

    @Tracked public private(set) var state: State = .idle
    /// The last progress report of the sync running now (nil before the first).
    @Tracked public private(set) var progress: SyncProgress?

    private let session: BookSession
    private let auth: SessionAuth
    private let config: @MainActor () -> SyncConfig?
    /// The sync running now, for the Stop button.
    private var running: Task<SyncReport, Error>?
    public nonisolated let observationRegistrar = ObservationRegistrar()

    /// `config` is asked at each sync, so a server address changed on the sign-in screen applies.
    public init(session: BookSession, auth: SessionAuth, config: @escaping @MainActor () -> SyncConfig?) {
        self.session = session
        self.auth = auth
        self.config = config
    }

    public convenience init(session: BookSession, auth: SessionAuth, config: SyncConfig) {
        self.init(session: session, auth: auth, config: { config })
    }

    public var isSyncing: Bool { state == .syncing }

    /// "Đang tải về: trang 3, 1200 mục" while syncing, the report's summary when done.
    public var statusText: Bilingual? {
        switch state {
        case .idle:
            return nil
        case .syncing:
            guard let progress else {
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

    /// Runs one sync to its end, its cancellation or its failure, and returns the report when it
    /// finished. Nothing happens while a sync runs already. Cancelling the calling Task stops the
    /// sync as the Stop button does.
    @discardableResult
    public func sync() async -> SyncReport? {
        guard state != .syncing else { return nil }
        guard let config = config() else {
            state = .failed(SignInError.invalidServer.message)
            return nil
        }
        guard auth.isSignedIn else {
            state = .failed(.notSignedIn)
            return nil
        }
        progress = nil
        state = .syncing

        let (reports, relay) = ProgressRelay.stream()
        let showing = Task { [weak self] in
            for await report in reports {
                self?.show(report)
            }
        }
        let book = session.book
        let auth = self.auth
        let sync = Task { try await book.sync(config: config, auth: auth, progress: relay) }
        running = sync
        defer {
            running = nil
            relay.finish()
            showing.cancel()
        }
        do {
            let report = try await withTaskCancellationHandler {
                try await sync.value
            } onCancel: {
                sync.cancel()
            }
            state = .finished(report)
            return report
        } catch is CancellationError {
            state = .cancelled
        } catch HealthBookError.Cancelled {
            state = .cancelled
        } catch {
            state = .failed(CitizenMessage(for: error))
        }
        return nil
    }

    /// The Stop button: the running sync ends as `.cancelled` once the core has stopped.
    public func cancel() {
        running?.cancel()
    }

    private func show(_ report: SyncProgress) {
        // A report that arrives after the sync ended must not move the screen back.
        guard state == .syncing else { return }
        progress = report
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

/// The core's `SyncProgressListener`: hands each report to a stream that keeps the newest.
final class ProgressRelay: SyncProgressListener {
    private let continuation: AsyncStream<SyncProgress>.Continuation

    private init(_ continuation: AsyncStream<SyncProgress>.Continuation) {
        self.continuation = continuation
    }

    static func stream() -> (AsyncStream<SyncProgress>, ProgressRelay) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: SyncProgress.self,
            bufferingPolicy: .bufferingNewest(1)
        )
        return (stream, ProgressRelay(continuation))
    }

    func onProgress(progress: SyncProgress) {
        continuation.yield(progress)
    }

    func finish() {
        continuation.finish()
    }
}
