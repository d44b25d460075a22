// The app's screens and how they connect. The book is opened first (UnlockScreen); once open, a
// NavHost shows the family and everything reached from it.

package vn.healthbook.demo.ui

import android.net.Uri
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import androidx.navigation.NavType
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.rememberNavController
import androidx.navigation.navArgument
import vn.healthbook.HealthBook
import vn.healthbook.demo.AppContainer
import vn.healthbook.demo.BookViewModel
import vn.healthbook.demo.onBookChanges
import vn.healthbook.demo.onSyncEnded
import vn.healthbook.demo.rememberScreenModel
import vn.healthbook.demo.viewmodel.FamilyMemberItem
import vn.healthbook.demo.viewmodel.FamilyViewModel
import vn.healthbook.demo.viewmodel.Loadable
import vn.healthbook.demo.viewmodel.RecordDetailsViewModel
import vn.healthbook.demo.viewmodel.RemindersViewModel
import vn.healthbook.demo.viewmodel.ShareViewModel
import vn.healthbook.demo.viewmodel.SignInState
import vn.healthbook.demo.viewmodel.SyncViewModel
import vn.healthbook.demo.viewmodel.TimelineViewModel
import vn.healthbook.demo.viewmodel.UnlockState
import vn.healthbook.demo.viewmodel.VaccinationViewModel

@Composable
fun HealthBookApp(container: AppContainer) {
    val app: BookViewModel = viewModel(factory = BookViewModel.factory(container))
    val unlockState by app.unlock.state.collectAsStateWithLifecycle()
    when (val state = unlockState) {
        is UnlockState.Open -> BookScreens(state.book, app, container)
        else -> UnlockScreen(state, onRetry = { app.unlock.unlock() })
    }
}

private object Routes {
    const val FAMILY = "family"
    const val TIMELINE = "timeline/{personId}"
    const val RECORD = "record/{recordId}"
    const val VACCINATION = "vaccination/{childId}"
    const val SHARE = "share/{personId}?child={child}"
    const val REMINDERS = "reminders"
    const val SYNC = "sync"
    const val SIGN_IN = "sign-in"

    fun timeline(personId: String) = "timeline/${Uri.encode(personId)}"
    fun record(recordId: String) = "record/${Uri.encode(recordId)}"
    fun vaccination(childId: String) = "vaccination/${Uri.encode(childId)}"
    fun share(personId: String, child: Boolean) = "share/${Uri.encode(personId)}?child=$child"
}

@Composable
private fun BookScreens(book: HealthBook, app: BookViewModel, container: AppContainer) {
    val navController = rememberNavController()
    val signInState by app.signIn.state.collectAsStateWithLifecycle()
    val signedIn = signInState is SignInState.SignedIn
    // The book's identity in the keys: models made for a book that was closed are never reused.
    val bookKey = System.identityHashCode(book).toString()

    // Activity-wide: the family (the start screen, and where other screens find a person's name)
    // and the reminders, which are brought in step with the scheduled notifications after unlock
    // and after every sync, whether or not the reminders screen is open.
    val family = rememberScreenModel(bookKey) { scope ->
        FamilyViewModel(book, scope).also { model -> scope.onBookChanges(app.changes) { model.load() } }
    }
    val reminders = rememberScreenModel(bookKey) { scope ->
        RemindersViewModel(book, container.reminderScheduler, scope).also { model ->
            scope.onBookChanges(app.changes) { model.refresh() }
        }
    }
    // The sync is activity-wide too: it is a coroutine of its model's scope and stops when that
    // scope ends, so it lives above the sync screen to go on when the citizen leaves that screen
    // (its end, and the reload of the lists it changed, must not depend on the back stack).
    val sync = rememberScreenModel(bookKey) { scope ->
        SyncViewModel(book, container.syncConfig, { app.signIn.session }, scope).also { model ->
            // A sync that ran changed the book, even one that failed or was stopped part-way (the
            // pages it committed stay): the family, timelines and reminders reload.
            scope.onSyncEnded(model) { app.bookChanged() }
        }
    }

    // Sign-in starts from a clean state, so a stale session is never reused after AuthExpired.
    fun openSignIn() {
        app.signIn.signOut()
        navController.navigate(Routes.SIGN_IN) { launchSingleTop = true }
    }

    NavHost(navController = navController, startDestination = Routes.FAMILY) {
        composable(Routes.FAMILY) {
            FamilyScreen(
                family = family,
                onOpenTimeline = { navController.navigate(Routes.timeline(it.personId)) },
                onOpenVaccination = { navController.navigate(Routes.vaccination(it.personId)) },
                onShare = { navController.navigate(Routes.share(it.personId, it.isChild)) },
                onSync = { navController.navigate(Routes.SYNC) { launchSingleTop = true } },
                onReminders = { navController.navigate(Routes.REMINDERS) { launchSingleTop = true } },
            )
        }

        composable(Routes.TIMELINE, arguments = listOf(navArgument("personId") { type = NavType.StringType })) { entry ->
            val personId = requireNotNull(entry.arguments?.getString("personId"))
            val timeline = rememberScreenModel(bookKey) { scope ->
                TimelineViewModel(book, personId, scope).also { model ->
                    scope.onBookChanges(app.changes) { model.refresh() }
                }
            }
            TimelineScreen(
                timeline = timeline,
                personName = memberOf(family, personId)?.name,
                onOpenRecord = { navController.navigate(Routes.record(it.recordId)) },
                onBack = { navController.navigateUp() },
            )
        }

        composable(Routes.RECORD, arguments = listOf(navArgument("recordId") { type = NavType.StringType })) { entry ->
            val recordId = requireNotNull(entry.arguments?.getString("recordId"))
            val details = rememberScreenModel(bookKey) { scope ->
                RecordDetailsViewModel(book, recordId, scope).also { it.load() }
            }
            RecordDetailsScreen(details, onBack = { navController.navigateUp() })
        }

        composable(Routes.VACCINATION, arguments = listOf(navArgument("childId") { type = NavType.StringType })) { entry ->
            val childId = requireNotNull(entry.arguments?.getString("childId"))
            val vaccination = rememberScreenModel(bookKey) { scope ->
                VaccinationViewModel(book, childId, scope).also { model ->
                    scope.onBookChanges(app.changes) { model.load() }
                }
            }
            VaccinationScreen(
                vaccination = vaccination,
                childName = memberOf(family, childId)?.name,
                onShareCard = { navController.navigate(Routes.share(childId, child = true)) },
                onBack = { navController.navigateUp() },
            )
        }

        composable(
            Routes.SHARE,
            arguments = listOf(
                navArgument("personId") { type = NavType.StringType },
                navArgument("child") {
                    type = NavType.BoolType
                    defaultValue = false
                },
            ),
        ) { entry ->
            val personId = requireNotNull(entry.arguments?.getString("personId"))
            val child = entry.arguments?.getBoolean("child") ?: false
            val share = rememberScreenModel(bookKey) { scope ->
                ShareViewModel(book, container.syncConfig, { app.signIn.session }, scope)
            }
            ShareScreen(
                share = share,
                personId = personId,
                personName = memberOf(family, personId)?.name,
                isChild = child,
                signedIn = signedIn,
                onSignIn = { openSignIn() },
                onBack = { navController.navigateUp() },
            )
        }

        composable(Routes.REMINDERS) {
            RemindersScreen(reminders, onBack = { navController.navigateUp() })
        }

        composable(Routes.SYNC) {
            SyncScreen(sync, signedIn = signedIn, onSignIn = { openSignIn() }, onBack = { navController.navigateUp() })
        }

        composable(Routes.SIGN_IN) {
            SignInScreen(
                signIn = app.signIn,
                onSignedIn = { navController.popBackStack() },
                onBack = { navController.navigateUp() },
            )
        }
    }
}

/** A person of the family, once the family is loaded (for names in titles). */
@Composable
private fun memberOf(family: FamilyViewModel, personId: String): FamilyMemberItem? {
    val state by family.state.collectAsStateWithLifecycle()
    return when (val loaded = state) {
        is Loadable.Loaded -> loaded.value.firstOrNull { it.personId == personId }
        else -> null
    }
}
