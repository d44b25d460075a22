// A sync as a Flow, for view models and screens that collect it. Shipped with the generated
// bindings (same package, in the same jar and AAR); it only calls the generated API.

package vn.healthbook

import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/** What [syncEvents] emits: progress while the sync runs, then its report. */
sealed interface SyncEvent {
    /** After each page applied and at each phase (see [HealthBook.sync]). */
    data class Progress(val progress: SyncProgress) : SyncEvent

    /** The sync is done; the flow completes after this event. */
    data class Finished(val report: SyncReport) : SyncEvent
}

/**
 * [HealthBook.sync] as a cold [Flow]: each collection runs one sync and emits a
 * [SyncEvent.Progress] for each report, then [SyncEvent.Finished], and completes.
 *
 * - A sync that fails ends the flow with its [HealthBookException] (`AuthExpired`, `Network`,
 *   `SyncInProgress`, …); the pages it applied before stay in the book.
 * - Cancelling the collector stops the sync, and the flow waits until the core has let go of the
 *   book (within about 50 ms; longer while a page is being written): once collection has ended,
 *   nothing of this sync is running, so a new one can start at once. What was applied stays and
 *   the next sync resumes there.
 * - Progress goes through a buffer: a collector that falls far behind misses progress reports,
 *   never [SyncEvent.Finished].
 */
fun HealthBook.syncEvents(config: SyncConfig, auth: SyncAuth): Flow<SyncEvent> = callbackFlow {
    val stop = Cancellation()
    val progress = object : SyncProgressListener {
        // Called on the core's thread.
        override fun onProgress(progress: SyncProgress) {
            trySend(SyncEvent.Progress(progress))
        }
    }
    // Not a child of this producer, so that a cancelled collector stops the sync through `stop`
    // and waits for it below, instead of dropping the call while the core is still winding down.
    val call = launch(NonCancellable) {
        try {
            send(SyncEvent.Finished(sync(config, auth, progress, stop)))
            close()
        } catch (failed: Throwable) {
            close(failed)
        }
    }
    try {
        awaitClose()
    } finally {
        stop.cancel()
        withContext(NonCancellable) { call.join() }
        stop.destroy()
    }
}
