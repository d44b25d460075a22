// One record, as sections of label/value rows (RecordDetailsViewModel lays them out per kind).

package vn.healthbook.demo.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import vn.healthbook.demo.R
import vn.healthbook.demo.viewmodel.DetailSection
import vn.healthbook.demo.viewmodel.Loadable
import vn.healthbook.demo.viewmodel.RecordDetailsViewModel

@Composable
fun RecordDetailsScreen(details: RecordDetailsViewModel, onBack: () -> Unit) {
    val state by details.state.collectAsStateWithLifecycle()
    val title = when (val current = state) {
        is Loadable.Loaded -> current.value.kindLabel.localized()
        else -> stringResource(R.string.record_title)
    }
    ScreenScaffold(title = title, onBack = onBack) { padding ->
        LoadableContent(state, onRetry = { details.load() }, Modifier.padding(padding)) { record ->
            LazyColumn(
                Modifier.fillMaxSize(),
                contentPadding = PaddingValues(16.dp),
                verticalArrangement = Arrangement.spacedBy(12.dp),
            ) {
                item {
                    Text(record.title, style = MaterialTheme.typography.headlineSmall)
                    if (record.sensitive) {
                        Text(
                            stringResource(R.string.record_sensitive),
                            style = MaterialTheme.typography.bodySmall,
                            color = MaterialTheme.colorScheme.error,
                        )
                    }
                }
                items(record.sections) { section -> SectionCard(section) }
            }
        }
    }
}

@Composable
private fun SectionCard(section: DetailSection) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(section.title.localized(), style = MaterialTheme.typography.titleMedium)
            SelectionContainer {
                Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    section.rows.forEach { row ->
                        Column {
                            Text(
                                row.label.localized(),
                                style = MaterialTheme.typography.labelMedium,
                                color = MaterialTheme.colorScheme.onSurfaceVariant,
                            )
                            Text(row.value, style = MaterialTheme.typography.bodyLarge)
                        }
                    }
                }
            }
        }
    }
}
