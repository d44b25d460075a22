import Foundation

// The network calls as Swift expects them: cancelling the calling `Task` stops the work in the
// core. UniFFI's generated `async` functions do not pass a Task's cancellation through, so each
// takes a `Cancellation`; these overloads (without it) make one, cancel it when the Task is
// cancelled, and end with `CancellationError` then, as Swift's own async APIs do. What the call
// had finished is kept: a sync keeps every page it applied and resumes there next time.
//
// `book.sync(config:auth:)` resolves to these overloads; pass `cancellation:` explicitly to use
// a `Cancellation` of your own instead (e.g. one a Cancel button holds).

extension HealthBook {
    /// Syncs with the backend; see the core's documentation of `sync`. Cancel the Task to stop.
    public func sync(
        config: SyncConfig, auth: SyncAuth, progress: SyncProgressListener? = nil
    ) async throws -> SyncReport {
        try await whileTaskRuns { cancellation in
            try await self.sync(
                config: config, auth: auth, progress: progress, cancellation: cancellation)
        }
    }

    /// Shares records with a doctor; see `createShare(request:config:auth:cancellation:)`.
    public func createShare(
        request: ShareRequest, config: SyncConfig, auth: SyncAuth
    ) async throws -> CreatedShare {
        try await whileTaskRuns { cancellation in
            try await self.createShare(
                request: request, config: config, auth: auth, cancellation: cancellation)
        }
    }

    /// A child's vaccination card as a share; see `shareVaccinationCard(childId:config:auth:cancellation:)`.
    public func shareVaccinationCard(
        childId: String, config: SyncConfig, auth: SyncAuth
    ) async throws -> CreatedShare {
        try await whileTaskRuns { cancellation in
            try await self.shareVaccinationCard(
                childId: childId, config: config, auth: auth, cancellation: cancellation)
        }
    }

    /// Revokes a share on the backend; see `revokeShare(shareId:auth:cancellation:)`.
    public func revokeShare(shareId: String, auth: SyncAuth) async throws {
        try await whileTaskRuns { cancellation in
            try await self.revokeShare(shareId: shareId, auth: auth, cancellation: cancellation)
        }
    }

    /// The sync as a stream: `.progress` after each page and phase, then `.finished` with the
    /// report; an error ends the stream with it. Stopping iteration (or cancelling the Task that
    /// iterates) cancels the sync.
    public func syncEvents(config: SyncConfig, auth: SyncAuth) -> AsyncThrowingStream<SyncEvent, Error> {
        AsyncThrowingStream { continuation in
            let listener = StreamingProgress(continuation)
            let task = Task {
                do {
                    let report = try await self.sync(config: config, auth: auth, progress: listener)
                    continuation.yield(.finished(report))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// Opens a share link on the doctor's side; see `openShareLink(link:recipient:passcode:cancellation:)`.
/// Cancel the Task to stop.
public func openShareLink(
    link: String, recipient: String, passcode: String? = nil
) async throws -> OpenedShare {
    try await whileTaskRuns { cancellation in
        try await openShareLink(
            link: link, recipient: recipient, passcode: passcode, cancellation: cancellation)
    }
}

/// What `HealthBook.syncEvents(config:auth:)` yields.
public enum SyncEvent: Sendable {
    case progress(SyncProgress)
    case finished(SyncReport)
}

/// Runs `call` with a `Cancellation` that the current Task's cancellation triggers.
private func whileTaskRuns<T: Sendable>(
    _ call: @Sendable (Cancellation) async throws -> T
) async throws -> T {
    let cancellation = Cancellation()
    do {
        return try await withTaskCancellationHandler {
            try await call(cancellation)
        } onCancel: {
            cancellation.cancel()
        }
    } catch HealthBookError.Cancelled where Task.isCancelled {
        throw CancellationError()
    }
}

private final class StreamingProgress: SyncProgressListener, @unchecked Sendable {
    // `AsyncThrowingStream.Continuation` may be used from any thread.
    private let continuation: AsyncThrowingStream<SyncEvent, Error>.Continuation

    init(_ continuation: AsyncThrowingStream<SyncEvent, Error>.Continuation) {
        self.continuation = continuation
    }

    func onProgress(progress: SyncProgress) throws {
        continuation.yield(.progress(progress))
    }
}
