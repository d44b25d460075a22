// Syncing the book with the server: progress as pages arrive, a cancel button (what was already
// committed stays), and what the sync did. An expired or missing session leads to sign-in.

package vn.healthbook.demo.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberUpdatedState
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.flow.drop
import vn.healthbook.SyncReport
import vn.healthbook.demo.R
import vn.healthbook.demo.viewmodel.SyncState
import vn.healthbook.demo.viewmodel.SyncViewModel

@Composable
fun SyncScreen(sync: SyncViewModel, signedIn: Boolean, onSignIn: () -> Unit, onBack: () -> Unit) {
    val state by sync.state.collectAsStateWithLifecycle()
    val currentOnSignIn by rememberUpdatedState(onSignIn)
    var stopping by remember { mutableStateOf(false) }
    val start = {
        stopping = false
        sync.sync()
        Unit
    }

    // Nobody signed in, or the session expired: go to sign-in when that happens here (not again
    // when coming back to this screen with the same failure still shown).
    LaunchedEffect(sync) {
        sync.state.drop(1).collect { current ->
            if (current is SyncState.Failed && current.signInAgain) currentOnSignIn()
        }
    }
    // Back from sign-in, signed in: carry on with the sync that asked for it.
    LaunchedEffect(signedIn) {
        val current = sync.state.value
        if (signedIn && current is SyncState.Failed && current.signInAgain) start()
    }

    ScreenScaffold(title = stringResource(R.string.sync_title), onBack = onBack) { padding ->
        Column(
            Modifier.padding(padding).fillMaxSize().verticalScroll(rememberScrollState()).padding(24.dp),
            verticalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            when (val current = state) {
                is SyncState.Idle -> {
                    Text(stringResource(R.string.sync_explanation))
                    Button(onClick = start, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.sync_now)) }
                }
                is SyncState.Running -> {
                    LinearProgressIndicator(Modifier.fillMaxWidth())
                    Text(current.label.localized(), style = MaterialTheme.typography.titleMedium)
                    Text(
                        stringResource(R.string.sync_pages, current.pages.toLong()),
                        style = MaterialTheme.typography.bodySmall,
                    )
                    OutlinedButton(
                        onClick = {
                            stopping = true
                            sync.cancel()
                        },
                        enabled = !stopping,
                        modifier = Modifier.fillMaxWidth(),
                    ) {
                        Text(stringResource(if (stopping) R.string.sync_stopping else R.string.sync_cancel))
                    }
                }
                is SyncState.Done -> {
                    MessageCard(current.summary.localized(), isError = false)
                    ReportCard(current.report)
                    Button(onClick = start, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.sync_again)) }
                }
                is SyncState.Failed -> {
                    MessageCard(current.message.localized(), isError = true)
                    if (current.signInAgain) {
                        Button(onClick = onSignIn, modifier = Modifier.fillMaxWidth()) {
                            Text(stringResource(R.string.sign_in_button))
                        }
                        OutlinedButton(onClick = start, modifier = Modifier.fillMaxWidth()) {
                            Text(stringResource(R.string.retry))
                        }
                    } else {
                        Button(onClick = start, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.retry)) }
                    }
                }
            }
        }
    }
}

@Composable
private fun ReportCard(report: SyncReport) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            ReportLine(stringResource(R.string.sync_report_pages), report.pages.toLong())
            ReportLine(stringResource(R.string.sync_report_received), report.recordsReceived.toLong())
            ReportLine(stringResource(R.string.sync_report_deleted), report.recordsDeleted.toLong())
            ReportLine(stringResource(R.string.sync_report_people), report.peopleChanged.toLong())
            ReportLine(stringResource(R.string.sync_report_sent), report.recordsSent.toLong())
            ReportLine(stringResource(R.string.sync_report_conflicts), report.conflicts.toLong())
        }
    }
}

@Composable
private fun ReportLine(label: String, value: Long) {
    Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
        Text(label, style = MaterialTheme.typography.bodyMedium)
        Text(value.toString(), style = MaterialTheme.typography.bodyMedium)
    }
}
