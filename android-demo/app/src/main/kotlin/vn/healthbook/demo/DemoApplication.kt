// The application and the few things every screen shares: where the book lives, its key, the
// server, and the phone's notification scheduler.

package vn.healthbook.demo

import android.app.Application
import android.content.Context
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import vn.healthbook.SyncConfig
import vn.healthbook.demo.viewmodel.DatabaseKeyStore
import vn.healthbook.demo.viewmodel.ReminderScheduler
import java.io.File

class DemoApplication : Application() {
    val container: AppContainer by lazy { AppContainer(this) }

    override fun onCreate() {
        super.onCreate()
        // Created (or renamed into the current language) before any reminder can fire.
        ReminderNotifications.createChannel(this)
    }
}

/** Built once per process; nothing here touches the disk or the core until it is used. */
class AppContainer(context: Context) {
    private val appContext = context.applicationContext

    /**
     * The encrypted book and its wrapped key. noBackupFilesDir: never in a backup, never moved
     * to another phone, where the key (in this phone's Android Keystore) could not follow.
     */
    private val privateFiles: File by lazy { appContext.noBackupFilesDir }

    val databasePath: String by lazy { File(privateFiles, "healthbook.db").path }

    val databaseKeys: DatabaseKeyStore by lazy { KeystoreDatabaseKey(File(privateFiles, "healthbook.key")) }

    /** From `healthbook.serverUrl` in gradle.properties; the emulator's host by default. */
    val serverUrl: String = BuildConfig.SERVER_URL.trimEnd('/')

    val syncConfig: SyncConfig by lazy { SyncConfig(serverUrl = serverUrl) }

    val reminderScheduler: ReminderScheduler by lazy { AndroidReminderScheduler(appContext) }

    /** Work that must finish even when the screen that started it is gone (closing the book). */
    val backgroundScope: CoroutineScope = CoroutineScope(SupervisorJob() + Dispatchers.IO)
}

val Context.appContainer: AppContainer
    get() = (applicationContext as DemoApplication).container
