// Sharing with a doctor at check-in. Choose what to share (or a child's vaccination card), then the
// QR fills the screen with the time it has left, bright and awake, until it expires or is revoked.
// The records are encrypted on the phone; the key is only in the QR.

package vn.healthbook.demo.ui

import android.graphics.BitmapFactory
import android.view.WindowManager
import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.Card
import androidx.compose.material3.Checkbox
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberUpdatedState
import androidx.compose.runtime.saveable.Saver
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.FilterQuality
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.platform.LocalView
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.flow.drop
import vn.healthbook.RecordKind
import vn.healthbook.demo.R
import vn.healthbook.demo.viewmodel.ShareState
import vn.healthbook.demo.viewmodel.ShareViewModel
import vn.healthbook.demo.viewmodel.kindLabel
import java.time.Duration

private val MINUTE_CHOICES = listOf(15, 30, 60)

@Composable
fun ShareScreen(
    share: ShareViewModel,
    personId: String,
    personName: String?,
    isChild: Boolean,
    signedIn: Boolean,
    onSignIn: () -> Unit,
    onBack: () -> Unit,
) {
    val state by share.state.collectAsStateWithLifecycle()
    val currentOnSignIn by rememberUpdatedState(onSignIn)

    // Nobody signed in, or the session expired: go to sign-in when that happens here (not again
    // when coming back to this screen with the same failure still shown).
    LaunchedEffect(share) {
        share.state.drop(1).collect { current ->
            if (current is ShareState.Failed && current.signInAgain) currentOnSignIn()
        }
    }
    // Back from sign-in, signed in: show the choice again.
    LaunchedEffect(signedIn) {
        val current = share.state.value
        if (signedIn && current is ShareState.Failed && current.signInAgain) share.close()
    }

    ScreenScaffold(
        title = personName?.let { stringResource(R.string.share_title_for, it) } ?: stringResource(R.string.share_title),
        onBack = onBack,
    ) { padding ->
        val modifier = Modifier.padding(padding).fillMaxSize()
        when (val current = state) {
            is ShareState.Idle -> ShareChooser(
                isChild = isChild,
                onShareRecords = { kinds, minutes -> share.shareRecords(personId, kinds, Duration.ofMinutes(minutes.toLong())) },
                onShareVaccinationCard = { share.shareVaccinationCard(personId) },
                modifier = modifier,
            )
            is ShareState.Creating -> Progress(modifier, label = stringResource(R.string.share_creating))
            is ShareState.Showing -> ShareQr(current, onRevoke = { share.revoke() }, onDone = onBack, modifier = modifier)
            is ShareState.Revoked -> ShareEnded(
                stringResource(R.string.share_revoked),
                onNew = { share.close() },
                onDone = onBack,
                modifier = modifier,
            )
            is ShareState.Expired -> ShareEnded(
                stringResource(R.string.share_expired),
                onNew = { share.close() },
                onDone = onBack,
                modifier = modifier,
            )
            is ShareState.Failed -> Column(
                modifier.padding(24.dp),
                verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
                horizontalAlignment = Alignment.CenterHorizontally,
            ) {
                MessageCard(current.message.localized(), isError = true)
                if (current.signInAgain) {
                    Button(onClick = onSignIn) { Text(stringResource(R.string.sign_in_button)) }
                }
                OutlinedButton(onClick = { share.close() }) { Text(stringResource(R.string.retry)) }
            }
        }
    }
}

/** Kinds to share as a comma-separated list of names, so the choice survives rotation. */
private val KindsSaver = Saver<Set<RecordKind>, String>(
    save = { kinds -> kinds.joinToString(",") { it.name } },
    restore = { saved ->
        saved.split(',').mapNotNull { name -> RecordKind.entries.firstOrNull { it.name == name } }.toSet()
    },
)

@Composable
private fun ShareChooser(
    isChild: Boolean,
    onShareRecords: (List<RecordKind>, Int) -> Unit,
    onShareVaccinationCard: () -> Unit,
    modifier: Modifier,
) {
    var selected by rememberSaveable(stateSaver = KindsSaver) { mutableStateOf(emptySet<RecordKind>()) }
    var minutes by rememberSaveable { mutableIntStateOf(30) }

    Column(
        modifier.verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        if (isChild) {
            Card(Modifier.fillMaxWidth()) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    Text(stringResource(R.string.share_vaccination_card_title), style = MaterialTheme.typography.titleMedium)
                    Text(stringResource(R.string.share_vaccination_card_explanation), style = MaterialTheme.typography.bodyMedium)
                    Button(onClick = onShareVaccinationCard) { Text(stringResource(R.string.share_vaccination_card_button)) }
                }
            }
        }

        Text(stringResource(R.string.share_choose_kinds), style = MaterialTheme.typography.titleMedium)
        Text(stringResource(R.string.share_kinds_hint), style = MaterialTheme.typography.bodySmall)
        RecordKind.entries.forEach { kind ->
            val checked = kind in selected
            Row(
                Modifier
                    .fillMaxWidth()
                    .toggleable(
                        value = checked,
                        role = Role.Checkbox,
                        onValueChange = { on -> selected = if (on) selected + kind else selected - kind },
                    )
                    .padding(vertical = 4.dp),
                verticalAlignment = Alignment.CenterVertically,
            ) {
                Checkbox(checked = checked, onCheckedChange = null)
                Text(kindLabel(kind).localized(), modifier = Modifier.padding(start = 12.dp))
            }
        }

        Text(stringResource(R.string.share_minutes_title), style = MaterialTheme.typography.titleMedium)
        Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            MINUTE_CHOICES.forEach { choice ->
                FilterChip(
                    selected = minutes == choice,
                    onClick = { minutes = choice },
                    label = { Text(stringResource(R.string.share_minutes, choice)) },
                )
            }
        }
        Text(stringResource(R.string.share_sensitive_note), style = MaterialTheme.typography.bodySmall)
        Button(
            onClick = { onShareRecords(RecordKind.entries.filter { it in selected }, minutes) },
            modifier = Modifier.fillMaxWidth(),
        ) {
            Text(stringResource(R.string.share_create))
        }
    }
}

@Composable
private fun ShareQr(state: ShareState.Showing, onRevoke: () -> Unit, onDone: () -> Unit, modifier: Modifier) {
    KeepScreenBrightAndPrivate()
    val card = state.card
    // The core renders the QR one pixel per module; FilterQuality.None scales it up with hard edges.
    val qr = remember(card.shareId) { BitmapFactory.decodeByteArray(card.qrPng, 0, card.qrPng.size)?.asImageBitmap() }

    Column(
        modifier.verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        if (qr != null) {
            Image(
                bitmap = qr,
                contentDescription = stringResource(R.string.share_qr_description),
                modifier = Modifier
                    .fillMaxWidth()
                    .aspectRatio(1f)
                    .background(Color.White)
                    .padding(16.dp),
                contentScale = ContentScale.Fit,
                filterQuality = FilterQuality.None,
            )
        } else {
            MessageCard(stringResource(R.string.share_qr_unreadable), isError = true)
        }
        Text(
            stringResource(R.string.share_time_left, state.countdown),
            style = MaterialTheme.typography.headlineMedium,
        )
        Text(stringResource(R.string.share_record_count, card.recordCount), textAlign = TextAlign.Center)
        if (card.leftOutSensitive > 0) {
            Text(
                stringResource(R.string.share_left_out_sensitive, card.leftOutSensitive),
                style = MaterialTheme.typography.bodySmall,
                textAlign = TextAlign.Center,
            )
        }
        state.message?.let { MessageCard(it.localized(), isError = true) }
        // For a desk without a scanner: the same link, to open or type.
        SelectionContainer {
            Text(card.link, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
        }
        Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
            OutlinedButton(onClick = onDone) { Text(stringResource(R.string.share_done)) }
            Button(
                onClick = onRevoke,
                colors = ButtonDefaults.buttonColors(
                    containerColor = MaterialTheme.colorScheme.error,
                    contentColor = MaterialTheme.colorScheme.onError,
                ),
            ) {
                Text(stringResource(R.string.share_revoke))
            }
        }
        Text(
            stringResource(R.string.share_leave_note),
            style = MaterialTheme.typography.bodySmall,
            color = MaterialTheme.colorScheme.onSurfaceVariant,
            textAlign = TextAlign.Center,
        )
    }
}

/**
 * While the QR is on screen: the screen stays on at full brightness (scanners read a bright
 * screen best), and FLAG_SECURE keeps the QR, which holds the records' key, out of screenshots,
 * screen recordings and the recent-apps thumbnail. All three end with the screen.
 */
@Composable
private fun KeepScreenBrightAndPrivate() {
    val view = LocalView.current
    DisposableEffect(view) {
        val window = view.context.findActivity()?.window
        val previousBrightness = window?.attributes?.screenBrightness ?: WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_NONE
        view.keepScreenOn = true
        window?.let { w ->
            w.addFlags(WindowManager.LayoutParams.FLAG_SECURE)
            w.attributes = w.attributes.apply { screenBrightness = WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_FULL }
        }
        onDispose {
            view.keepScreenOn = false
            window?.let { w ->
                w.clearFlags(WindowManager.LayoutParams.FLAG_SECURE)
                w.attributes = w.attributes.apply { screenBrightness = previousBrightness }
            }
        }
    }
}

@Composable
private fun ShareEnded(message: String, onNew: () -> Unit, onDone: () -> Unit, modifier: Modifier) {
    Column(
        modifier.padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        MessageCard(message, isError = false)
        Button(onClick = onNew) { Text(stringResource(R.string.share_new)) }
        OutlinedButton(onClick = onDone) { Text(stringResource(R.string.share_done)) }
    }
}
