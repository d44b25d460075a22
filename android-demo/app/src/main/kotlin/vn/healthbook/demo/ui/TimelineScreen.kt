// A person's timeline, newest first. The next page loads as the list nears its end; pulling down
// (or the refresh button) loads the first page again.

package vn.healthbook.demo.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.lazy.rememberLazyListState
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.pulltorefresh.PullToRefreshBox
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.snapshotFlow
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.filter
import vn.healthbook.demo.R
import vn.healthbook.demo.viewmodel.TimelineRow
import vn.healthbook.demo.viewmodel.TimelineViewModel
import vn.healthbook.demo.viewmodel.display

/** Ask for the next page when the last visible row is this close to the end of the list. */
private const val LOAD_AHEAD = 5

@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun TimelineScreen(
    timeline: TimelineViewModel,
    personName: String?,
    onOpenRecord: (TimelineRow) -> Unit,
    onBack: () -> Unit,
) {
    val state by timeline.state.collectAsStateWithLifecycle()
    val listState = rememberLazyListState()

    // Near the end: load more. Keyed on the item count too, so a page that still leaves the end in
    // view asks again; TimelineViewModel ignores the call while a page loads or after the last one.
    LaunchedEffect(listState, timeline) {
        snapshotFlow {
            val layout = listState.layoutInfo
            val lastVisible = layout.visibleItemsInfo.lastOrNull()?.index ?: -1
            val nearEnd = layout.totalItemsCount > 0 && lastVisible >= layout.totalItemsCount - LOAD_AHEAD
            nearEnd to layout.totalItemsCount
        }
            .distinctUntilChanged()
            .filter { (nearEnd, _) -> nearEnd }
            .collect { timeline.loadMore() }
    }

    ScreenScaffold(
        title = personName ?: stringResource(R.string.timeline_title),
        onBack = onBack,
        actions = {
            IconButton(onClick = { timeline.refresh() }) {
                Icon(Icons.Filled.Refresh, contentDescription = stringResource(R.string.refresh))
            }
        },
    ) { padding ->
        PullToRefreshBox(
            isRefreshing = state.loading && state.rows.isEmpty(),
            onRefresh = { timeline.refresh() },
            modifier = Modifier.padding(padding).fillMaxSize(),
        ) {
            LazyColumn(Modifier.fillMaxSize(), state = listState) {
                items(state.rows) { row ->
                    TimelineRowItem(row, onClick = { onOpenRecord(row) })
                    HorizontalDivider()
                }
                item {
                    val error = state.error
                    when {
                        error != null -> Column(
                            Modifier.fillMaxWidth().padding(16.dp),
                            verticalArrangement = Arrangement.spacedBy(8.dp),
                        ) {
                            MessageCard(error.localized(), isError = true)
                            TextButton(
                                onClick = { if (state.rows.isEmpty()) timeline.refresh() else timeline.loadMore() },
                                modifier = Modifier.align(Alignment.End),
                            ) { Text(stringResource(R.string.retry)) }
                        }
                        state.loading && state.rows.isNotEmpty() -> Box(
                            Modifier.fillMaxWidth().padding(16.dp),
                            contentAlignment = Alignment.Center,
                        ) { CircularProgressIndicator() }
                        !state.loading && state.rows.isEmpty() -> Text(
                            stringResource(R.string.timeline_empty),
                            modifier = Modifier.fillMaxWidth().padding(32.dp),
                            textAlign = TextAlign.Center,
                        )
                        !state.hasMore -> Text(
                            stringResource(R.string.timeline_end),
                            modifier = Modifier.fillMaxWidth().padding(16.dp),
                            textAlign = TextAlign.Center,
                            style = MaterialTheme.typography.bodySmall,
                            color = MaterialTheme.colorScheme.onSurfaceVariant,
                        )
                    }
                }
            }
        }
    }
}

@Composable
private fun TimelineRowItem(row: TimelineRow, onClick: () -> Unit) {
    val facility = row.facilityName
    ListItem(
        modifier = Modifier.clickable(onClick = onClick),
        overlineContent = { Text("${row.date.display()} · ${row.kindLabel.localized()}") },
        headlineContent = { Text(row.title) },
        supportingContent = if (facility != null) {
            { Text(facility) }
        } else {
            null
        },
    )
}
