// Syncing the book with the server, with progress the UI can show and a cancel button.

package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import vn.healthbook.HealthBook
import vn.healthbook.SyncAuth
import vn.healthbook.SyncConfig
import vn.healthbook.SyncListener
import vn.healthbook.SyncPhase
import vn.healthbook.SyncProgress
import vn.healthbook.SyncReport
import java.util.concurrent.atomic.AtomicBoolean

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

class SyncViewModel(
    private val book: HealthBook,
    private val config: SyncConfig,
    /** The signed-in session, or null. */
    private val auth: () -> SyncAuth?,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    private val _state = MutableStateFlow<SyncState>(SyncState.Idle)
    val state: StateFlow<SyncState> = _state
    private val cancelled = AtomicBoolean(false)

    /** Sync now; a second call while one runs does nothing. */
    fun sync(): Job = scope.launch {
        if (_state.value is SyncState.Running) return@launch
        val session = auth()
        if (session == null) {
            _state.value = SyncState.Failed(citizenMessage(SignInRequired()), signInAgain = true)
            return@launch
        }
        cancelled.set(false)
        _state.value = SyncState.Running(SyncPhase.PULLING, 0u, 0u, 0u)
        // The core's sync is one blocking call: it stops at the next page when the citizen taps
        // Stop or when whatever owns this sync is gone (its scope cancelled).
        val owner = coroutineContext.job
        val listener = object : SyncListener {
            // Called on the sync's own thread; a StateFlow takes values from any thread.
            override fun onProgress(progress: SyncProgress) {
                _state.value = SyncState.Running(progress.phase, progress.pages, progress.recordsReceived, progress.recordsSent)
            }
            override fun isCancelled(): Boolean = cancelled.get() || !owner.isActive
        }
        try {
            _state.value = callCore(io) { book.sync(config, session, listener) }.fold(
                onSuccess = { SyncState.Done(it, summary(it)) },
                onFailure = { SyncState.Failed(citizenMessage(it), needsSignIn(it)) },
            )
        } catch (cancelled: CancellationException) {
            // The owner is gone and the core has stopped: what was applied stays.
            _state.value = SyncState.Idle
            throw cancelled
        }
    }

    /** Stop at the next page: what was committed stays. */
    fun cancel() {
        cancelled.set(true)
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
