// Reminders (re-exams, vaccine doses, referral slips expiring, prescriptions running out) and
// keeping the phone's scheduled notifications in step with them.

package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import vn.healthbook.HealthBook
import vn.healthbook.Reminder
import java.time.LocalDate

/**
 * The platform's local notifications. Android: AlarmManager + NotificationManager
 * (`AndroidReminderScheduler` in the app); a reminder's `notificationId` is stable across runs,
 * so scheduling the same one again replaces it.
 */
interface ReminderScheduler {
    /** The notification ids scheduled now. */
    fun scheduled(): Set<Int>

    /** Show [reminder] on its `remindOn` day (morning); replaces one with the same id. */
    fun schedule(reminder: Reminder)

    fun cancel(notificationId: Int)
}

/** What one refresh changed in the scheduled notifications. */
data class ReminderChanges(val scheduled: Int, val cancelled: Int)

data class RemindersState(val reminders: List<Reminder>, val changes: ReminderChanges)

class RemindersViewModel(
    private val book: HealthBook,
    private val scheduler: ReminderScheduler,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
    private val today: () -> LocalDate = ::todayInVietnam,
    /** How far ahead to look. */
    private val days: UInt = 60u,
) {
    private val _state = MutableStateFlow<Loadable<RemindersState>>(Loadable.Loading)
    val state: StateFlow<Loadable<RemindersState>> = _state

    /** Read the reminders for the whole family and reschedule: after unlock, after every sync. */
    fun refresh(): Job = scope.load(_state, io) {
        val reminders = book.reminders(today(), days)
        RemindersState(reminders, reschedule(reminders))
    }

    private fun reschedule(reminders: List<Reminder>): ReminderChanges {
        val wanted = reminders.map { it.notificationId }.toSet()
        val stale = scheduler.scheduled() - wanted
        stale.forEach(scheduler::cancel)
        reminders.forEach(scheduler::schedule)
        return ReminderChanges(scheduled = reminders.size, cancelled = stale.size)
    }
}
