// The state of a screen that loads something from the book, and calling the core off the
// caller's thread.

package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

sealed interface Loadable<out T> {
    data object Loading : Loadable<Nothing>
    data class Loaded<T>(val value: T) : Loadable<T>
    data class Failed(val message: LocalText) : Loadable<Nothing>
}

/**
 * Run [call] on [io], off the caller's thread: its result, or the error it threw. [call] may be a
 * blocking call of the core (a read or a write) or a suspending one (the network calls, which
 * stop when this coroutine is cancelled). A cancelled coroutine is not an error: its
 * cancellation is rethrown.
 */
internal suspend fun <T> callCore(io: CoroutineDispatcher, call: suspend () -> T): Result<T> =
    try {
        Result.success(withContext(io) { call() })
    } catch (cancelled: CancellationException) {
        throw cancelled
    } catch (error: Exception) {
        Result.failure(error)
    }

/** Run [read] on [io] and publish Loading, then Loaded or Failed, into [state]. */
internal fun <T> CoroutineScope.load(
    state: MutableStateFlow<Loadable<T>>,
    io: CoroutineDispatcher,
    read: () -> T,
): Job = launch {
    state.value = Loadable.Loading
    state.value = callCore(io) { read() }.fold(
        onSuccess = { Loadable.Loaded(it) },
        onFailure = { Loadable.Failed(citizenMessage(it)) },
    )
}
