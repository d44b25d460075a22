// The family screen: the citizen and the children whose books they manage.

package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import vn.healthbook.BookAccess
import vn.healthbook.FamilyMember
import vn.healthbook.HealthBook
import vn.healthbook.PersonRole
import java.time.LocalDate

data class FamilyMemberItem(
    val personId: String,
    val name: String,
    val age: LocalText,
    val access: LocalText,
    /** A child's book: the vaccination screen applies. */
    val isChild: Boolean,
    /** Whether the citizen may add or change records in this book. */
    val canEdit: Boolean,
)

class FamilyViewModel(
    private val book: HealthBook,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
    private val today: () -> LocalDate = ::todayInVietnam,
) {
    private val _state = MutableStateFlow<Loadable<List<FamilyMemberItem>>>(Loadable.Loading)
    val state: StateFlow<Loadable<List<FamilyMemberItem>>> = _state

    fun load(): Job = scope.load(_state, io) { book.family(today()).map(::item) }
}

internal fun item(member: FamilyMember): FamilyMemberItem {
    val years = member.ageYears.toInt()
    val age = if (years < 2) {
        LocalText("${member.ageMonths} tháng tuổi", "${member.ageMonths} months old")
    } else {
        LocalText("$years tuổi", "$years years old")
    }
    val access = when (val access = member.access) {
        BookAccess.Owner -> LocalText("Sổ của bạn", "Your book")
        is BookAccess.Managed -> access.until?.let {
            LocalText("Bạn quản lý đến ${it.display()}", "Managed by you until ${it.display()}")
        } ?: LocalText("Bạn quản lý", "Managed by you")
        is BookAccess.ReadOnly -> LocalText(
            "Chỉ xem từ ${access.since.display()}",
            "Read-only since ${access.since.display()}",
        )
    }
    return FamilyMemberItem(
        personId = member.person.id,
        name = member.person.fullName,
        age = age,
        access = access,
        isChild = member.person.role == PersonRole.DEPENDANT,
        canEdit = member.access !is BookAccess.ReadOnly,
    )
}
