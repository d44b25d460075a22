// Reminders as local notifications: AlarmManager wakes ReminderReceiver at 08:00 Việt Nam time on
// the reminder's day, and the receiver posts the notification in the phone's language.

package vn.healthbook.demo

import android.Manifest
import android.app.AlarmManager
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import androidx.core.app.NotificationCompat
import androidx.core.content.ContextCompat
import vn.healthbook.Reminder
import vn.healthbook.demo.viewmodel.LocalText
import vn.healthbook.demo.viewmodel.ReminderScheduler
import java.time.LocalDate
import java.time.LocalTime
import java.time.ZoneId

/**
 * [ReminderScheduler] on AlarmManager, with inexact alarms (`setAndAllowWhileIdle`): a reminder
 * a few minutes late is fine, and inexact alarms need no special permission.
 *
 * What is scheduled is remembered in a small preference set, one entry per notification id with
 * its reminder day and whether it was shown (`"<id>|<yyyy-mm-dd>|<0 or 1>"`): never a name or
 * health text. The text travels only inside the alarm's intent, held in memory by the system.
 *
 * `RemindersViewModel.refresh()` schedules every current reminder on each refresh (after unlock,
 * after each sync). A reminder due today whose 08:00 has passed fires at once; one already shown
 * for the same day is not scheduled again, so refreshing never repeats a notification. Alarms do
 * not survive a reboot: the next refresh (the next time the book is opened) sets them again.
 */
class AndroidReminderScheduler(context: Context) : ReminderScheduler {
    private val context = context.applicationContext
    private val alarms: AlarmManager = checkNotNull(this.context.getSystemService(AlarmManager::class.java))

    override fun scheduled(): Set<Int> = synchronized(LOCK) { ScheduledEntries.read(context).keys }

    override fun schedule(reminder: Reminder) {
        synchronized(LOCK) {
            val entries = ScheduledEntries.read(context)
            val known = entries[reminder.notificationId]
            if (known != null && known.day == reminder.remindOn && known.shown) return
            val trigger = maxOf(morningOf(reminder.remindOn), System.currentTimeMillis())
            alarms.setAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, trigger, alarmIntent(reminder))
            entries[reminder.notificationId] = ScheduledEntries.Entry(reminder.remindOn, shown = false)
            ScheduledEntries.write(context, entries)
        }
    }

    override fun cancel(notificationId: Int) {
        synchronized(LOCK) {
            existingAlarmIntent(notificationId)?.let { pending ->
                alarms.cancel(pending)
                pending.cancel()
            }
            // The reminder is gone (the dose was given, the appointment cancelled): so is its notification.
            context.notificationManager.cancel(notificationId)
            val entries = ScheduledEntries.read(context)
            if (entries.remove(notificationId) != null) {
                ScheduledEntries.write(context, entries)
            }
        }
    }

    private fun alarmIntent(reminder: Reminder): PendingIntent {
        val intent = receiverIntent()
            .putExtra(ReminderReceiver.EXTRA_ID, reminder.notificationId)
            .putExtra(ReminderReceiver.EXTRA_DAY, reminder.remindOn.toString())
            .putExtra(ReminderReceiver.EXTRA_PERSON, reminder.personName)
            .putExtra(ReminderReceiver.EXTRA_TEXT_VI, reminder.textVi)
            .putExtra(ReminderReceiver.EXTRA_TEXT_EN, reminder.textEn)
        // One PendingIntent per notification id (the request code); scheduling the same id again
        // replaces its extras and its alarm.
        return PendingIntent.getBroadcast(
            context,
            reminder.notificationId,
            intent,
            PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
        )
    }

    private fun existingAlarmIntent(notificationId: Int): PendingIntent? = PendingIntent.getBroadcast(
        context,
        notificationId,
        receiverIntent(),
        PendingIntent.FLAG_NO_CREATE or PendingIntent.FLAG_IMMUTABLE,
    )

    private fun receiverIntent() = Intent(context, ReminderReceiver::class.java).setAction(ReminderReceiver.ACTION)

    internal companion object {
        /** Guards the preference set between the scheduler (a background thread) and the receiver. */
        val LOCK = Any()

        private val VIETNAM_ZONE: ZoneId = ZoneId.of("Asia/Ho_Chi_Minh")
        private val MORNING: LocalTime = LocalTime.of(8, 0)

        fun morningOf(day: LocalDate): Long =
            day.atTime(MORNING).atZone(VIETNAM_ZONE).toInstant().toEpochMilli()
    }
}

/** The preference set of scheduled notification ids (and their day, and whether shown). */
internal object ScheduledEntries {
    private const val PREFERENCES = "reminder-schedule"
    private const val KEY = "scheduled"

    data class Entry(val day: LocalDate, val shown: Boolean)

    fun read(context: Context): MutableMap<Int, Entry> {
        val stored = context.getSharedPreferences(PREFERENCES, Context.MODE_PRIVATE).getStringSet(KEY, emptySet()).orEmpty()
        val entries = mutableMapOf<Int, Entry>()
        for (line in stored) {
            val parts = line.split('|')
            val id = parts.getOrNull(0)?.toIntOrNull() ?: continue
            val day = parts.getOrNull(1)?.let { runCatching { LocalDate.parse(it) }.getOrNull() } ?: continue
            entries[id] = Entry(day, shown = parts.getOrNull(2) == "1")
        }
        return entries
    }

    fun write(context: Context, entries: Map<Int, Entry>) {
        val lines = entries.map { (id, entry) -> "$id|${entry.day}|${if (entry.shown) 1 else 0}" }.toSet()
        context.getSharedPreferences(PREFERENCES, Context.MODE_PRIVATE).edit().putStringSet(KEY, lines).apply()
    }
}

/** Posts a reminder's notification when its alarm goes off. */
class ReminderReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action != ACTION) return
        val id = intent.getIntExtra(EXTRA_ID, -1)
        val day = intent.getStringExtra(EXTRA_DAY)?.let { runCatching { LocalDate.parse(it) }.getOrNull() }
        val textVi = intent.getStringExtra(EXTRA_TEXT_VI)
        val textEn = intent.getStringExtra(EXTRA_TEXT_EN)
        if (id < 0 || day == null || textVi == null || textEn == null) return
        val person = intent.getStringExtra(EXTRA_PERSON).orEmpty()

        val locale = context.resources.configuration.locales[0]
        val posted = ReminderNotifications.post(context, id, person, LocalText(textVi, textEn).pick(locale))
        // Not shown (notifications not allowed yet): the next refresh schedules it again, so it
        // appears once the citizen allows notifications.
        if (posted) markShown(context, id, day)
    }

    private fun markShown(context: Context, id: Int, day: LocalDate) {
        synchronized(AndroidReminderScheduler.LOCK) {
            val entries = ScheduledEntries.read(context)
            val entry = entries[id]
            if (entry != null && entry.day == day) {
                entries[id] = entry.copy(shown = true)
                ScheduledEntries.write(context, entries)
            }
        }
    }

    companion object {
        const val ACTION = "vn.healthbook.demo.action.REMINDER"
        const val EXTRA_ID = "vn.healthbook.demo.extra.NOTIFICATION_ID"
        const val EXTRA_DAY = "vn.healthbook.demo.extra.REMIND_ON"
        const val EXTRA_PERSON = "vn.healthbook.demo.extra.PERSON_NAME"
        const val EXTRA_TEXT_VI = "vn.healthbook.demo.extra.TEXT_VI"
        const val EXTRA_TEXT_EN = "vn.healthbook.demo.extra.TEXT_EN"
    }
}

/** The reminders' notification channel and the notification itself. */
object ReminderNotifications {
    private const val CHANNEL_ID = "reminders"

    fun createChannel(context: Context) {
        val channel = NotificationChannel(
            CHANNEL_ID,
            context.getString(R.string.notification_channel_name),
            NotificationManager.IMPORTANCE_DEFAULT,
        ).apply {
            description = context.getString(R.string.notification_channel_description)
            // A reminder's text names the person and the kind of visit: not for the lock screen.
            lockscreenVisibility = android.app.Notification.VISIBILITY_PRIVATE
        }
        context.notificationManager.createNotificationChannel(channel)
    }

    /** True if the notification was posted; false when the citizen has not allowed notifications. */
    fun post(context: Context, notificationId: Int, personName: String, text: String): Boolean {
        val manager = context.notificationManager
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU &&
            ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
        ) {
            return false
        }
        if (!manager.areNotificationsEnabled()) return false
        createChannel(context)

        // Back to the app as it is: SINGLE_TOP with CLEAR_TOP hands a running MainActivity the intent
        // (onNewIntent) instead of finishing and recreating it, which would close and reopen the
        // book and lose the screen the citizen was on.
        val open = PendingIntent.getActivity(
            context,
            0,
            Intent(context, MainActivity::class.java).addFlags(
                Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP or Intent.FLAG_ACTIVITY_SINGLE_TOP,
            ),
            PendingIntent.FLAG_IMMUTABLE,
        )
        // What a locked screen shows instead of the text.
        val public = NotificationCompat.Builder(context, CHANNEL_ID)
            .setSmallIcon(R.drawable.ic_notification)
            .setContentTitle(context.getString(R.string.app_name))
            .setContentText(context.getString(R.string.notification_public_text))
            .build()
        val notification = NotificationCompat.Builder(context, CHANNEL_ID)
            .setSmallIcon(R.drawable.ic_notification)
            .setContentTitle(personName.ifBlank { context.getString(R.string.app_name) })
            .setContentText(text)
            .setStyle(NotificationCompat.BigTextStyle().bigText(text))
            .setCategory(NotificationCompat.CATEGORY_REMINDER)
            .setVisibility(NotificationCompat.VISIBILITY_PRIVATE)
            .setPublicVersion(public)
            .setContentIntent(open)
            .setAutoCancel(true)
            .build()
        manager.notify(notificationId, notification)
        return true
    }
}

private val Context.notificationManager: NotificationManager
    get() = checkNotNull(getSystemService(NotificationManager::class.java))
