// The Android ViewModels. They only create the plain view models (app/src/viewmodel) with their
// viewModelScope, so those live as long as their screen and stop their work when it goes away.

package vn.healthbook.demo

import androidx.compose.runtime.Composable
import androidx.lifecycle.ViewModel
import androidx.lifecycle.ViewModelProvider
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import androidx.lifecycle.viewmodel.initializer
import androidx.lifecycle.viewmodel.viewModelFactory
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.drop
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.healthbook.demo.viewmodel.SignInViewModel
import vn.healthbook.demo.viewmodel.SyncState
import vn.healthbook.demo.viewmodel.SyncViewModel
import vn.healthbook.demo.viewmodel.UnlockViewModel

/**
 * What the whole activity shares: the open book and the signed-in session. Opening starts at once,
 * so the unlock screen only shows progress or an error.
 */
class BookViewModel(private val container: AppContainer) : ViewModel() {
    val unlock = UnlockViewModel(container.databasePath, container.databaseKeys, viewModelScope)
    val signIn = SignInViewModel(container.serverUrl, viewModelScope)

    private val _changes = MutableStateFlow(0)

    /** Counts changes to the book from outside the screens (syncs): lists reload when it moves. */
    val changes: StateFlow<Int> = _changes.asStateFlow()

    init {
        unlock.unlock()
    }

    fun bookChanged() {
        _changes.update { it + 1 }
    }

    override fun onCleared() {
        // Closing the book waits for a write under way and folds the WAL back into the file: not on
        // the main thread. A sync still running on the book ends with Closed at its next page.
        container.backgroundScope.launch { unlock.lock() }
    }

    companion object {
        fun factory(container: AppContainer): ViewModelProvider.Factory = viewModelFactory {
            initializer { BookViewModel(container) }
        }
    }
}

/** Holds one plain view model, made by [create] with this ViewModel's scope. */
class ScreenModel<T : Any>(create: (CoroutineScope) -> T) : ViewModel() {
    val model: T = create(viewModelScope)
}

/**
 * The plain view model of type [T] for the current ViewModelStoreOwner (a navigation destination,
 * or the activity outside the NavHost), made on first use by [create] with the owner's
 * viewModelScope. [key] tells apart two models of the same type for the same owner.
 */
@Composable
inline fun <reified T : Any> rememberScreenModel(key: String = "", noinline create: (CoroutineScope) -> T): T {
    val holder: ScreenModel<T> = viewModel(
        key = "${T::class.java.name}:$key",
        factory = viewModelFactory { initializer { ScreenModel(create) } },
    )
    return holder.model
}

/** Run [action] now and again after each change of the book, while this scope lives. */
fun CoroutineScope.onBookChanges(changes: StateFlow<Int>, action: () -> Unit): Job =
    launch { changes.collect { action() } }

/**
 * Run [action] each time a sync of [sync] ends, while this scope lives: done, failed or stopped
 * alike, because the pages a sync committed before it failed or was stopped stay in the book.
 */
fun CoroutineScope.onSyncEnded(sync: SyncViewModel, action: () -> Unit): Job = launch {
    sync.state
        .map { it is SyncState.Running }
        .distinctUntilChanged()
        .drop(1)
        .filter { running -> !running }
        .collect { action() }
}
