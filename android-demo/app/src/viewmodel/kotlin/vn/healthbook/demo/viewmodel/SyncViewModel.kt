// Syncing the book with the server, with progress the UI can show and a cancel button.

package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import vn.healthbook.HealthBook
import vn.healthbook.SyncAuth
import vn.healthbook.SyncConfig
import vn.healthbook.SyncEvent
import vn.healthbook.SyncPhase
import vn.healthbook.SyncReport
import vn.healthbook.syncEvents
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicReference

sealed interface SyncState {
    data object Idle : SyncState
    data class Running(val phase: SyncPhase, val pages: UInt, val received: UInt, val sent: UInt) : SyncState {
        val label: LocalText get() = when (phase) {
            SyncPhase.PULLING -> LocalText("Đang tải về… ($received hồ sơ)", "Downloading… ($received records)")
            SyncPhase.PUSHING -> LocalText("Đang gửi lên… ($sent hồ sơ)", "Uploading… ($sent records)")
            SyncPhase.DONE -> LocalText("Sắp xong…", "Finishing…")
        }
    }
    data class Done(val report: SyncReport, val summary: LocalText) : SyncState
    data class Failed(val message: LocalText, val signInAgain: Boolean) : SyncState
}

/**
 * The sync is a coroutine of [scope]: it stops when [cancel] is called or when [scope] is
 * cancelled (whatever owns it is gone), and its job completes only once the core has stopped,
 * so a new sync can start right after. The pages applied before stay in the book.
 */
class SyncViewModel(
    private val book: HealthBook,
    private val config: SyncConfig,
    /** The signed-in session, or null. */
    private val auth: () -> SyncAuth?,
    private val scope: CoroutineScope,
) {
    private val _state = MutableStateFlow<SyncState>(SyncState.Idle)
    val state: StateFlow<SyncState> = _state
    private val running = AtomicReference<Job?>(null)
    private val stopAsked = AtomicBoolean(false)

    /** Sync now; a second call while one runs does nothing. */
    fun sync(): Job = scope.launch {
        if (_state.value is SyncState.Running) return@launch
        val session = auth()
        if (session == null) {
            _state.value = SyncState.Failed(citizenMessage(SignInRequired()), signInAgain = true)
            return@launch
        }
        val self = coroutineContext.job
        running.set(self)
        stopAsked.set(false)
        _state.value = SyncState.Running(SyncPhase.PULLING, 0u, 0u, 0u)
        try {
            // The progress events come from the core's thread; a StateFlow takes values from any thread.
            book.syncEvents(config, session).collect { event ->
                _state.value = when (event) {
                    is SyncEvent.Progress -> with(event.progress) { SyncState.Running(phase, pages, recordsReceived, recordsSent) }
                    is SyncEvent.Finished -> SyncState.Done(event.report, summary(event.report))
                }
            }
        } catch (cancelled: CancellationException) {
            // Stopped, and the core has let go of the book: what was applied stays.
            _state.value = if (stopAsked.get()) SyncState.Failed(STOPPED, signInAgain = false) else SyncState.Idle
            throw cancelled
        } catch (error: Exception) {
            _state.value = SyncState.Failed(citizenMessage(error), needsSignIn(error))
        } finally {
            running.compareAndSet(self, null)
        }
    }

    /** Stop the sync at the next page: what was committed stays. */
    fun cancel() {
        val sync = running.get() ?: return
        stopAsked.set(true)
        sync.cancel()
    }
}

private fun summary(report: SyncReport): LocalText {
    val conflicts = if (report.conflicts > 0u) {
        LocalText(" ${report.conflicts} hồ sơ cần bạn chọn bản giữ lại.", " ${report.conflicts} records need you to choose a version.")
    } else {
        LocalText("", "")
    }
    return LocalText(
        "Đã đồng bộ: nhận ${report.recordsReceived}, gửi ${report.recordsSent} hồ sơ.${conflicts.vi}",
        "Synced: ${report.recordsReceived} records received, ${report.recordsSent} sent.${conflicts.en}",
    )
}
