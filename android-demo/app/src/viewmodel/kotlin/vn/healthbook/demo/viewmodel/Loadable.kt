// The state of a screen that loads something from the book.

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

/** Run [read] on [io] and publish Loading, then Loaded or Failed, into [state]. */
internal fun <T> CoroutineScope.load(
    state: MutableStateFlow<Loadable<T>>,
    io: CoroutineDispatcher,
    read: () -> T,
): Job = launch {
    state.value = Loadable.Loading
    state.value = try {
        Loadable.Loaded(withContext(io) { read() })
    } catch (cancelled: CancellationException) {
        throw cancelled
    } catch (error: Exception) {
        Loadable.Failed(citizenMessage(error))
    }
}
