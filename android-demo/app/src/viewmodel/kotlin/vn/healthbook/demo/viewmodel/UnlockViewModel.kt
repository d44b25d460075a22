// Opening the encrypted book with the key the platform keeps.

package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import vn.healthbook.HealthBook

/**
 * Where the book's raw 32-byte database key lives. On Android it is a random key wrapped by an
 * Android Keystore key (`KeystoreDatabaseKey` in the app); the clear key exists only in memory,
 * and callers zero the array they get once the book is open.
 */
fun interface DatabaseKeyStore {
    /** The key, created on first use; a fresh array each call. */
    fun databaseKey(): ByteArray
}

sealed interface UnlockState {
    data object Locked : UnlockState
    data object Opening : UnlockState
    class Open(val book: HealthBook) : UnlockState
    data class Failed(val message: LocalText) : UnlockState
}

class UnlockViewModel(
    private val databasePath: String,
    private val keys: DatabaseKeyStore,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    private val _state = MutableStateFlow<UnlockState>(UnlockState.Locked)
    val state: StateFlow<UnlockState> = _state

    /** Open the book; a second call while it is opening or open does nothing. */
    fun unlock(): Job = scope.launch {
        if (_state.value is UnlockState.Opening || _state.value is UnlockState.Open) return@launch
        _state.value = UnlockState.Opening
        _state.value = callCore(io, ::open).fold(
            onSuccess = { UnlockState.Open(it) },
            onFailure = { UnlockState.Failed(citizenMessage(it)) },
        )
    }

    /**
     * Close the book (the app going to the background for long, or signing out). Closing waits
     * for a write under way, so it runs on [io]; call it from a scope that outlives the screen.
     * Calls on the closed book, from screens still holding it, are `HealthBookException.Closed`;
     * a sync still running ends that way at its next page, keeping what it applied.
     */
    suspend fun lock() {
        val open = _state.value as? UnlockState.Open
        _state.value = UnlockState.Locked
        if (open != null) withContext(io) { open.book.close() }
    }

    private fun open(): HealthBook {
        val key = try {
            keys.databaseKey()
        } catch (error: Exception) {
            throw DatabaseKeyUnavailable(error)
        }
        try {
            return HealthBook.open(databasePath, key)
        } finally {
            key.fill(0)
        }
    }
}
