// Sharing with a doctor at check-in: a time-limited link shown as a QR code, a countdown to its
// expiry, and revocation. The records are encrypted on the phone; the key is only in the QR.

package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.launch
import vn.healthbook.CreatedShare
import vn.healthbook.HealthBook
import vn.healthbook.RecordKind
import vn.healthbook.ShareRequest
import vn.healthbook.SyncAuth
import vn.healthbook.SyncConfig
import java.time.Duration
import java.time.Instant
import java.time.OffsetDateTime

/** What the full-screen QR shows. */
class ShareCard(
    val shareId: String,
    /** The link in the QR (`…/view#shlink:/…`): a doctor without a scanner can type or open it. */
    val link: String,
    /** The QR as PNG bytes, ready for an image view; [qrSize] × [qrSize] modules. */
    val qrPng: ByteArray,
    val qrSize: Int,
    val expiresAt: OffsetDateTime,
    val recordCount: Int,
    /** Sensitive records the share left out (the citizen did not include them). */
    val leftOutSensitive: Int,
    val label: String?,
)

sealed interface ShareState {
    data object Idle : ShareState
    data object Creating : ShareState
    /** On screen, [secondsLeft] until it expires; [message] if a revoke just failed. */
    data class Showing(val card: ShareCard, val secondsLeft: Long, val message: LocalText? = null) : ShareState {
        val countdown: String get() = "%d:%02d".format(secondsLeft / 60, secondsLeft % 60)
    }
    data class Revoked(val card: ShareCard) : ShareState
    data class Expired(val card: ShareCard) : ShareState
    data class Failed(val message: LocalText, val signInAgain: Boolean) : ShareState
}

class ShareViewModel(
    private val book: HealthBook,
    private val config: SyncConfig,
    private val auth: () -> SyncAuth?,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
    private val clock: () -> Instant = Instant::now,
    private val tick: Duration = Duration.ofSeconds(1),
) {
    private val _state = MutableStateFlow<ShareState>(ShareState.Idle)
    val state: StateFlow<ShareState> = _state
    private var countdown: Job? = null
    private var creating: Job? = null

    /** Share [personId]'s records of [kinds] (all kinds when empty) for [validFor] (1 minute to 24 hours). */
    fun shareRecords(
        personId: String,
        kinds: List<RecordKind> = emptyList(),
        validFor: Duration = Duration.ofMinutes(30),
        label: String? = null,
    ): Job = create { session ->
        book.createShare(ShareRequest(personId = personId, kinds = kinds, validFor = validFor, label = label), config, session)
    }

    /** A child's vaccination card: immunizations and allergies, for a vaccination visit. */
    fun shareVaccinationCard(childId: String): Job = create { session ->
        book.shareVaccinationCard(childId, config, session)
    }

    /** Revoke the share on screen: the server stops serving it at once. */
    fun revoke(): Job = scope.launch {
        val showing = _state.value as? ShareState.Showing ?: return@launch
        val session = auth()
        if (session == null) {
            _state.value = showing.copy(message = citizenMessage(SignInRequired()))
            return@launch
        }
        callCore(io) { book.revokeShare(showing.card.shareId, session) }.fold(
            onSuccess = {
                countdown?.cancel()
                _state.value = ShareState.Revoked(showing.card)
            },
            onFailure = { error ->
                val current = _state.value
                if (current is ShareState.Showing) _state.value = current.copy(message = citizenMessage(error))
            },
        )
    }

    /**
     * The screen is gone: stop a share being made (the core stops it; nothing is stored) and the
     * countdown (a share already made stays valid until it expires or is revoked).
     */
    fun close() {
        creating?.cancel()
        countdown?.cancel()
        _state.value = ShareState.Idle
    }

    private fun create(call: suspend (SyncAuth) -> CreatedShare): Job = scope.launch {
        countdown?.cancel()
        val session = auth()
        if (session == null) {
            _state.value = ShareState.Failed(citizenMessage(SignInRequired()), signInAgain = true)
            return@launch
        }
        _state.value = ShareState.Creating
        callCore(io) { card(call(session)) }.fold(
            onSuccess = { card -> if (showTimeLeft(card)) countdown = scope.launch { countDown(card) } },
            onFailure = { _state.value = ShareState.Failed(citizenMessage(it), needsSignIn(it)) },
        )
    }.also { creating = it }

    private suspend fun countDown(card: ShareCard) {
        do {
            delay(tick.toMillis())
        } while (showTimeLeft(card))
    }

    /** Show the time [card] has left; false once it has expired. */
    private fun showTimeLeft(card: ShareCard): Boolean {
        val left = Duration.between(clock(), card.expiresAt.toInstant()).seconds
        if (left <= 0) {
            _state.value = ShareState.Expired(card)
            return false
        }
        val message = (_state.value as? ShareState.Showing)?.message
        _state.value = ShareState.Showing(card, left, message)
        return true
    }
}

private fun card(created: CreatedShare): ShareCard {
    val share = created.share
    return ShareCard(
        shareId = share.id,
        link = share.link,
        qrPng = share.qr.png,
        qrSize = share.qr.size.toInt(),
        expiresAt = share.expiresAt,
        recordCount = share.recordCount.toInt(),
        leftOutSensitive = created.leftOutSensitive.toInt(),
        label = share.label,
    )
}
