// A child's vaccination book against the national expanded programme: each antigen with its doses
// as coloured badges, and a banner when a dose is due or overdue today.

package vn.healthbook.demo.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Share
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import vn.healthbook.demo.R
import vn.healthbook.demo.viewmodel.AntigenRow
import vn.healthbook.demo.viewmodel.DoseBadge
import vn.healthbook.demo.viewmodel.DoseRow
import vn.healthbook.demo.viewmodel.VaccinationViewModel
import vn.healthbook.demo.viewmodel.display

@Composable
fun VaccinationScreen(
    vaccination: VaccinationViewModel,
    childName: String?,
    onShareCard: () -> Unit,
    onBack: () -> Unit,
) {
    val state by vaccination.state.collectAsStateWithLifecycle()
    ScreenScaffold(
        title = childName?.let { stringResource(R.string.vaccination_title_for, it) } ?: stringResource(R.string.vaccination_title),
        onBack = onBack,
    ) { padding ->
        LoadableContent(state, onRetry = { vaccination.load() }, Modifier.padding(padding)) { card ->
            LazyColumn(
                Modifier.fillMaxSize(),
                contentPadding = PaddingValues(16.dp),
                verticalArrangement = Arrangement.spacedBy(12.dp),
            ) {
                item {
                    if (card.dueNow > 0) {
                        MessageCard(stringResource(R.string.vaccination_due_now, card.dueNow), isError = true)
                    } else {
                        MessageCard(stringResource(R.string.vaccination_up_to_date), isError = false)
                    }
                }
                item {
                    Text(
                        stringResource(R.string.vaccination_on_date, card.onDate.display()),
                        style = MaterialTheme.typography.bodySmall,
                        color = MaterialTheme.colorScheme.onSurfaceVariant,
                    )
                }
                items(card.antigens) { antigen -> AntigenCard(antigen) }
                if (card.outsideSchedule.isNotEmpty()) {
                    item {
                        Text(
                            stringResource(R.string.vaccination_outside_schedule, card.outsideSchedule.joinToString(", ")),
                            style = MaterialTheme.typography.bodySmall,
                        )
                    }
                }
                item {
                    Text(
                        stringResource(R.string.vaccination_source, card.scheduleSource),
                        style = MaterialTheme.typography.bodySmall,
                        color = MaterialTheme.colorScheme.onSurfaceVariant,
                    )
                }
                item {
                    Button(onClick = onShareCard, modifier = Modifier.fillMaxWidth()) {
                        Icon(Icons.Filled.Share, contentDescription = null, modifier = Modifier.padding(end = 8.dp))
                        Text(stringResource(R.string.vaccination_share_card))
                    }
                }
            }
        }
    }
}

@Composable
private fun AntigenCard(antigen: AntigenRow) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(antigen.name.localized(), style = MaterialTheme.typography.titleMedium)
            if (antigen.warnings > 0) {
                Text(
                    stringResource(R.string.vaccination_warnings, antigen.warnings),
                    style = MaterialTheme.typography.bodySmall,
                    color = MaterialTheme.colorScheme.error,
                )
            }
            antigen.doses.forEach { dose -> DoseLine(dose) }
        }
    }
}

@Composable
private fun DoseLine(dose: DoseRow) {
    Row(
        Modifier.fillMaxWidth(),
        horizontalArrangement = Arrangement.spacedBy(12.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Column(Modifier.weight(1f)) {
            Text(dose.label.localized(), style = MaterialTheme.typography.bodyLarge)
            Text(
                dose.detail.localized(),
                style = MaterialTheme.typography.bodySmall,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
            )
        }
        Badge(dose.badge)
    }
}

@Composable
private fun Badge(badge: DoseBadge) {
    Surface(
        shape = RoundedCornerShape(50),
        color = badge.containerColor(),
        contentColor = badge.contentColor(),
    ) {
        Text(
            stringResource(badge.labelRes()),
            modifier = Modifier.padding(horizontal = 10.dp, vertical = 4.dp),
            style = MaterialTheme.typography.labelMedium,
        )
    }
}

private fun DoseBadge.labelRes(): Int = when (this) {
    DoseBadge.GIVEN -> R.string.badge_given
    DoseBadge.DUE -> R.string.badge_due
    DoseBadge.OVERDUE -> R.string.badge_overdue
    DoseBadge.UPCOMING -> R.string.badge_upcoming
    DoseBadge.NOT_YET_ELIGIBLE -> R.string.badge_not_yet_eligible
    DoseBadge.NO_LONGER_GIVEN -> R.string.badge_no_longer_given
}
