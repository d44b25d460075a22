// A child's vaccination book: each antigen of the national schedule and the state of each dose.

package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import vn.healthbook.AntigenStatus
import vn.healthbook.DoseState
import vn.healthbook.DoseStatus
import vn.healthbook.HealthBook
import vn.healthbook.VaccinationStatus
import java.time.LocalDate

/** How a dose is drawn: the UI gives each its own colour. */
enum class DoseBadge { GIVEN, DUE, OVERDUE, UPCOMING, NOT_YET_ELIGIBLE, NO_LONGER_GIVEN }

data class DoseRow(val label: LocalText, val badge: DoseBadge, val detail: LocalText)

data class AntigenRow(val antigen: String, val name: LocalText, val doses: List<DoseRow>, val warnings: Int)

data class VaccinationCard(
    val childId: String,
    val onDate: LocalDate,
    val antigens: List<AntigenRow>,
    /** Doses due or overdue today, for the banner at the top. */
    val dueNow: Int,
    /** The circulars the schedule comes from. */
    val scheduleSource: String,
    val outsideSchedule: List<String>,
)

class VaccinationViewModel(
    private val book: HealthBook,
    private val childId: String,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
    private val today: () -> LocalDate = ::todayInVietnam,
) {
    private val _state = MutableStateFlow<Loadable<VaccinationCard>>(Loadable.Loading)
    val state: StateFlow<Loadable<VaccinationCard>> = _state

    fun load(): Job = scope.load(_state, io) { card(book.vaccinationStatus(childId, today())) }
}

internal fun card(status: VaccinationStatus): VaccinationCard {
    val antigens = status.antigens.map(::antigenRow)
    return VaccinationCard(
        childId = status.personId,
        onDate = status.onDate,
        antigens = antigens,
        dueNow = antigens.sumOf { row -> row.doses.count { it.badge == DoseBadge.DUE || it.badge == DoseBadge.OVERDUE } },
        scheduleSource = status.scheduleSource,
        outsideSchedule = status.outsideSchedule,
    )
}

private fun antigenRow(antigen: AntigenStatus) = AntigenRow(
    antigen = antigen.antigen,
    name = LocalText(antigen.nameVi, antigen.nameEn),
    doses = antigen.doses.map(::doseRow),
    warnings = antigen.flagged.size,
)

private fun doseRow(dose: DoseStatus): DoseRow {
    val label = LocalText(
        dose.labelVi ?: "Mũi ${dose.doseNumber}",
        dose.labelEn ?: "Dose ${dose.doseNumber}",
    )
    return when (val state = dose.state) {
        is DoseState.Given -> DoseRow(
            label, DoseBadge.GIVEN,
            LocalText(
                "Đã tiêm ${state.date.display()}" + if (state.late) " (muộn)" else "",
                "Given ${state.date.display()}" + if (state.late) " (late)" else "",
            ),
        )
        is DoseState.Due -> DoseRow(
            label, DoseBadge.DUE,
            LocalText("Cần tiêm trước ${state.dueUntil.display()}", "Due by ${state.dueUntil.display()}"),
        )
        is DoseState.Overdue -> DoseRow(
            label, DoseBadge.OVERDUE,
            LocalText("Quá hạn từ ${state.since.display()}", "Overdue since ${state.since.display()}"),
        )
        is DoseState.Upcoming -> DoseRow(
            label, DoseBadge.UPCOMING,
            LocalText("Từ ${state.dueFrom.display()}", "From ${state.dueFrom.display()}"),
        )
        is DoseState.NotYetEligible -> DoseRow(
            label, DoseBadge.NOT_YET_ELIGIBLE,
            LocalText(
                "Sau mũi ${state.waitsOnDose}, dự kiến ${state.projectedDue.display()}",
                "After dose ${state.waitsOnDose}, around ${state.projectedDue.display()}",
            ),
        )
        is DoseState.NoLongerGiven -> DoseRow(
            label, DoseBadge.NO_LONGER_GIVEN,
            LocalText("Không tiêm nữa từ ${state.closedOn.display()}", "No longer given since ${state.closedOn.display()}"),
        )
    }
}
