// The family's reminders for the next 60 days, and notifications for them. On Android 13 and newer
// notifications need the citizen's permission: the screen asks, then reschedules.

package vn.healthbook.demo.ui

import android.Manifest
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import android.provider.Settings
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import androidx.lifecycle.compose.LifecycleResumeEffect
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import vn.healthbook.Reminder
import vn.healthbook.ReminderKind
import vn.healthbook.demo.R
import vn.healthbook.demo.viewmodel.LocalText
import vn.healthbook.demo.viewmodel.RemindersViewModel
import vn.healthbook.demo.viewmodel.display

@Composable
fun RemindersScreen(reminders: RemindersViewModel, onBack: () -> Unit) {
    val state by reminders.state.collectAsStateWithLifecycle()
    val context = LocalContext.current
    var allowed by remember { mutableStateOf(notificationsAllowed(context)) }
    // After one refusal Android may not ask again; then the button opens the app's settings.
    var asked by rememberSaveable { mutableStateOf(false) }
    val requestPermission = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        asked = true
        allowed = notificationsAllowed(context)
        // Now the notifications can show: schedule again (reminders already due fire at once).
        if (granted) reminders.refresh()
    }
    // Back from the system settings, or notifications switched on elsewhere.
    LifecycleResumeEffect(context) {
        val now = notificationsAllowed(context)
        if (now && !allowed) reminders.refresh()
        allowed = now
        onPauseOrDispose { }
    }

    ScreenScaffold(
        title = stringResource(R.string.reminders_title),
        onBack = onBack,
        actions = {
            IconButton(onClick = { reminders.refresh() }) {
                Icon(Icons.Filled.Refresh, contentDescription = stringResource(R.string.refresh))
            }
        },
    ) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            if (!allowed) {
                PermissionCard(
                    onAllow = {
                        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU && !asked) {
                            requestPermission.launch(Manifest.permission.POST_NOTIFICATIONS)
                        } else {
                            context.startActivity(
                                Intent(Settings.ACTION_APP_NOTIFICATION_SETTINGS)
                                    .putExtra(Settings.EXTRA_APP_PACKAGE, context.packageName),
                            )
                        }
                    },
                )
            }
            LoadableContent(state, onRetry = { reminders.refresh() }) { loaded ->
                if (loaded.reminders.isEmpty()) {
                    Text(
                        stringResource(R.string.reminders_empty),
                        modifier = Modifier.fillMaxWidth().padding(32.dp),
                        textAlign = TextAlign.Center,
                    )
                } else {
                    LazyColumn(Modifier.fillMaxSize()) {
                        item {
                            Text(
                                stringResource(R.string.reminders_scheduled, loaded.changes.scheduled, loaded.changes.cancelled),
                                modifier = Modifier.padding(horizontal = 16.dp, vertical = 8.dp),
                                style = MaterialTheme.typography.bodySmall,
                                color = MaterialTheme.colorScheme.onSurfaceVariant,
                            )
                        }
                        items(loaded.reminders) { reminder ->
                            ReminderItem(reminder)
                            HorizontalDivider()
                        }
                    }
                }
            }
        }
    }
}

@Composable
private fun PermissionCard(onAllow: () -> Unit) {
    Card(
        Modifier.fillMaxWidth().padding(16.dp),
        colors = CardDefaults.cardColors(
            containerColor = MaterialTheme.colorScheme.secondaryContainer,
            contentColor = MaterialTheme.colorScheme.onSecondaryContainer,
        ),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            Text(stringResource(R.string.reminders_permission_explanation))
            Button(onClick = onAllow) { Text(stringResource(R.string.reminders_permission_button)) }
        }
    }
}

@Composable
private fun ReminderItem(reminder: Reminder) {
    ListItem(
        overlineContent = { Text("${reminder.remindOn.display()} · ${stringResource(reminder.kind.labelRes())}") },
        headlineContent = { Text(LocalText(reminder.textVi, reminder.textEn).localized()) },
        supportingContent = {
            Text(stringResource(R.string.reminders_for, reminder.personName, reminder.eventDate.display()))
        },
    )
}

private fun ReminderKind.labelRes(): Int = when (this) {
    ReminderKind.RE_EXAM -> R.string.reminder_kind_re_exam
    ReminderKind.VACCINE_DOSE -> R.string.reminder_kind_vaccine_dose
    ReminderKind.REFERRAL_EXPIRING -> R.string.reminder_kind_referral_expiring
    ReminderKind.PRESCRIPTION_RUNNING_OUT -> R.string.reminder_kind_prescription_running_out
}

private fun notificationsAllowed(context: Context): Boolean {
    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU &&
        ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
    ) {
        return false
    }
    return NotificationManagerCompat.from(context).areNotificationsEnabled()
}
