// The family: the citizen and the children whose books they manage. A person opens their
// timeline; a child also has a vaccination book; anyone's records can be shared with a doctor.

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
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Notifications
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import vn.healthbook.demo.R
import vn.healthbook.demo.viewmodel.FamilyMemberItem
import vn.healthbook.demo.viewmodel.FamilyViewModel

@Composable
fun FamilyScreen(
    family: FamilyViewModel,
    onOpenTimeline: (FamilyMemberItem) -> Unit,
    onOpenVaccination: (FamilyMemberItem) -> Unit,
    onShare: (FamilyMemberItem) -> Unit,
    onSync: () -> Unit,
    onReminders: () -> Unit,
) {
    val state by family.state.collectAsStateWithLifecycle()
    ScreenScaffold(
        title = stringResource(R.string.family_title),
        onBack = null,
        actions = {
            IconButton(onClick = onReminders) {
                Icon(Icons.Filled.Notifications, contentDescription = stringResource(R.string.reminders_title))
            }
            IconButton(onClick = onSync) {
                Icon(Icons.Filled.Refresh, contentDescription = stringResource(R.string.sync_title))
            }
        },
    ) { padding ->
        LoadableContent(state, onRetry = { family.load() }, Modifier.padding(padding)) { members ->
            if (members.isEmpty()) {
                EmptyBook(onSync)
            } else {
                LazyColumn(
                    Modifier.fillMaxSize(),
                    contentPadding = PaddingValues(16.dp),
                    verticalArrangement = Arrangement.spacedBy(12.dp),
                ) {
                    items(members, key = { it.personId }) { member ->
                        MemberCard(
                            member,
                            onOpen = { onOpenTimeline(member) },
                            onVaccination = { onOpenVaccination(member) },
                            onShare = { onShare(member) },
                        )
                    }
                }
            }
        }
    }
}

@Composable
private fun MemberCard(member: FamilyMemberItem, onOpen: () -> Unit, onVaccination: () -> Unit, onShare: () -> Unit) {
    Card(onClick = onOpen, modifier = Modifier.fillMaxWidth()) {
        Column(Modifier.padding(start = 16.dp, top = 16.dp, end = 8.dp, bottom = 4.dp)) {
            Text(member.name, style = MaterialTheme.typography.titleMedium)
            Text(member.age.localized(), style = MaterialTheme.typography.bodyMedium)
            Text(
                member.access.localized(),
                style = MaterialTheme.typography.bodySmall,
                color = MaterialTheme.colorScheme.onSurfaceVariant,
            )
            Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.End) {
                TextButton(onClick = onOpen) { Text(stringResource(R.string.family_open_timeline)) }
                if (member.isChild) {
                    TextButton(onClick = onVaccination) { Text(stringResource(R.string.family_vaccinations)) }
                }
                TextButton(onClick = onShare) { Text(stringResource(R.string.family_share)) }
            }
        }
    }
}

@Composable
private fun EmptyBook(onSync: () -> Unit) {
    Column(
        Modifier.fillMaxSize().padding(32.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        Text(stringResource(R.string.family_empty), textAlign = TextAlign.Center)
        Button(onClick = onSync) { Text(stringResource(R.string.family_sync_now)) }
    }
}
