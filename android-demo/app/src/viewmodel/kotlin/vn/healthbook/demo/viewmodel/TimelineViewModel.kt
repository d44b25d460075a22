// A person's timeline, newest first, a page at a time.

package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import vn.healthbook.HealthBook
import vn.healthbook.RecordKind
import vn.healthbook.TimelineEntry
import vn.healthbook.TimelineQuery
import java.time.LocalDate

data class TimelineRow(
    val recordId: String,
    val kind: RecordKind,
    val kindLabel: LocalText,
    val date: LocalDate,
    val title: String,
    val facilityName: String?,
)

data class TimelineState(
    val rows: List<TimelineRow> = emptyList(),
    /** Another page can be loaded ([TimelineViewModel.loadMore]). */
    val hasMore: Boolean = false,
    val loading: Boolean = false,
    /** The last page that failed to load; the rows already shown stay. */
    val error: LocalText? = null,
)

class TimelineViewModel(
    private val book: HealthBook,
    private val personId: String,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
    private val pageSize: UInt = 20u,
    private val kinds: List<RecordKind> = emptyList(),
) {
    private val _state = MutableStateFlow(TimelineState())
    val state: StateFlow<TimelineState> = _state

    private val paging = Mutex()
    private var cursor: String? = null

    /** The first page again (after a sync, or pull to refresh). */
    fun refresh(): Job = scope.launch {
        paging.withLock {
            cursor = null
            _state.value = TimelineState(loading = true)
            loadPage()
        }
    }

    /** The next page, appended; nothing when the last page is shown or a page is loading. */
    fun loadMore(): Job = scope.launch {
        if (!paging.tryLock()) return@launch
        try {
            if (!_state.value.hasMore) return@launch
            _state.value = _state.value.copy(loading = true, error = null)
            loadPage()
        } finally {
            paging.unlock()
        }
    }

    private suspend fun loadPage() {
        val query = TimelineQuery(kinds = kinds, limit = pageSize, cursor = cursor)
        callCore(io) { book.timeline(personId, query) }.fold(
            onSuccess = { page ->
                cursor = page.nextCursor
                _state.value = _state.value.copy(
                    rows = _state.value.rows + page.entries.map(::row),
                    hasMore = page.nextCursor != null,
                    loading = false,
                )
            },
            onFailure = { _state.value = _state.value.copy(loading = false, error = citizenMessage(it)) },
        )
    }
}

private fun row(entry: TimelineEntry) = TimelineRow(
    recordId = entry.recordId,
    kind = entry.kind,
    kindLabel = kindLabel(entry.kind),
    date = entry.at.atZoneSameInstant(VIETNAM).toLocalDate(),
    title = entry.title,
    facilityName = entry.facilityName,
)

fun kindLabel(kind: RecordKind): LocalText = when (kind) {
    RecordKind.VISIT -> LocalText("Lần khám", "Visit")
    RecordKind.PRESCRIPTION -> LocalText("Đơn thuốc", "Prescription")
    RecordKind.REFERRAL -> LocalText("Giấy chuyển tuyến", "Referral slip")
    RecordKind.APPOINTMENT -> LocalText("Giấy hẹn tái khám", "Re-exam appointment")
    RecordKind.IMMUNIZATION -> LocalText("Tiêm chủng", "Vaccination")
    RecordKind.ALLERGY -> LocalText("Dị ứng", "Allergy")
    RecordKind.CONDITION -> LocalText("Tiền sử bệnh", "Medical history")
    RecordKind.OBSERVATION -> LocalText("Chỉ số sức khoẻ", "Measurement")
}
