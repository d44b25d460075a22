// The offline screens: family, timeline paging, record details, vaccination, reminders.

package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Test
import vn.healthbook.PersonRole
import vn.healthbook.RecordKind
import vn.healthbook.Reminder

class BookScreensTest {
    @Test
    fun theFamilyShowsTheMotherAndTheChildrenSheManages() = runBlocking {
        val (book, family) = sampleBook()
        val vm = FamilyViewModel(book, this)
        vm.load().join()

        val members = (vm.state.value as Loadable.Loaded).value
        assertEquals(family.people.map { it.fullName }.toSet(), members.map { it.name }.toSet())
        val mother = members.single { !it.isChild }
        assertEquals(LocalText("Sổ của bạn", "Your book"), mother.access)
        val children = members.filter { it.isChild }
        assertEquals(2, children.size)
        assertTrue(children.all { it.canEdit && it.access.en.startsWith("Managed by you") })
        book.close()
    }

    @Test
    fun theTimelinePagesThroughEveryRecordOnceNewestFirst() = runBlocking {
        val (book, family) = sampleBook()
        val mother = family.people.single { it.role == PersonRole.OWNER }
        val expected = family.records.count { it.personId() == mother.id }
        assertTrue("the sample mother has more than two pages of records ($expected)", expected > 10)

        val vm = TimelineViewModel(book, mother.id, this, pageSize = 5u)
        vm.refresh().join()
        assertEquals(5, vm.state.value.rows.size)
        assertTrue(vm.state.value.hasMore)
        var pages = 1
        while (vm.state.value.hasMore) {
            vm.loadMore().join()
            pages++
        }
        val rows = vm.state.value.rows
        assertEquals(expected, rows.size)
        assertEquals("no record twice", rows.size, rows.map { it.recordId }.toSet().size)
        assertEquals((expected + 4) / 5, pages)
        assertEquals("newest first", rows.map { it.date }.sortedDescending(), rows.map { it.date })
        assertFalse(vm.state.value.loading)

        vm.loadMore().join()
        assertEquals("past the last page nothing changes", expected, vm.state.value.rows.size)
        vm.refresh().join()
        assertEquals("refresh starts again at the first page", 5, vm.state.value.rows.size)
        book.close()
    }

    @Test
    fun everyKindOfRecordHasDetailsToRead() = runBlocking {
        val (book, family) = sampleBook()
        val kinds = family.records.groupBy { it.kind() }
        assertEquals("the sample family has every kind", RecordKind.entries.toSet(), kinds.keys)
        for ((kind, records) in kinds) {
            val vm = RecordDetailsViewModel(book, records.first().id(), this)
            vm.load().join()
            val details = (vm.state.value as Loadable.Loaded).value
            assertEquals(kind, details.kind)
            assertTrue("$kind has a title", details.title.isNotBlank())
            assertTrue("$kind has rows", details.sections.isNotEmpty() && details.sections.all { it.rows.isNotEmpty() })
            assertTrue("$kind shows no empty values", details.sections.flatMap { it.rows }.all { it.value.isNotBlank() })
        }
        val prescription = kinds.getValue(RecordKind.PRESCRIPTION).first()
        val vm = RecordDetailsViewModel(book, prescription.id(), this)
        vm.load().join()
        val medicines = (vm.state.value as Loadable.Loaded).value.sections.single { it.title.en == "Medicines" }
        assertEquals(
            (prescription as vn.healthbook.Record.Prescription).prescription.lines.size,
            medicines.rows.size,
        )
        book.close()
    }

    @Test
    fun aMissingRecordIsAMessage() = runBlocking {
        val (book, _) = sampleBook()
        val vm = RecordDetailsViewModel(book, "no-such-record", this)
        vm.load().join()
        val failed = vm.state.value as Loadable.Failed
        assertTrue(failed.message.en, failed.message.en.contains("not in the book"))
        book.close()
    }

    @Test
    fun aChildsVaccinationCardMatchesTheCore() = runBlocking {
        val (book, family) = sampleBook()
        val child = family.people.filter { it.role == PersonRole.DEPENDANT }.maxBy { it.dateOfBirth }
        val vm = VaccinationViewModel(book, child.id, this)
        vm.load().join()
        val card = (vm.state.value as Loadable.Loaded).value

        val status = book.vaccinationStatus(child.id, todayInVietnam())
        assertEquals(status.antigens.map { it.nameVi }, card.antigens.map { it.name.vi })
        assertEquals(status.antigens.sumOf { it.doses.size }, card.antigens.sumOf { it.doses.size })
        val given = status.antigens.sumOf { a -> a.doses.count { it.state is vn.healthbook.DoseState.Given } }
        assertEquals(given, card.antigens.sumOf { a -> a.doses.count { it.badge == DoseBadge.GIVEN } })
        assertTrue("a young child has doses given", given > 0)
        book.close()
    }

    @Test
    fun remindersAreScheduledAndStaleOnesCancelled() = runBlocking {
        val (book, _) = sampleBook()
        val scheduler = RecordingScheduler()
        scheduler.schedule(staleReminder)
        val vm = RemindersViewModel(book, scheduler, this)
        vm.refresh().join()

        val state = (vm.state.value as Loadable.Loaded).value
        val expected = book.reminders(todayInVietnam(), 60u)
        assertTrue("the sample family has reminders in the next 60 days", expected.isNotEmpty())
        assertEquals(expected.map { it.id }, state.reminders.map { it.id })
        assertEquals(expected.map { it.notificationId }.toSet(), scheduler.scheduled())
        assertEquals(ReminderChanges(scheduled = expected.size, cancelled = 1), state.changes)

        vm.refresh().join()
        assertEquals("a second refresh changes nothing", expected.map { it.notificationId }.toSet(), scheduler.scheduled())
        assertEquals(0, (vm.state.value as Loadable.Loaded).value.changes.cancelled)
        book.close()
    }

    @Test
    fun coreCallsRunOffTheCallersThread() = runBlocking {
        val (book, _) = sampleBook()
        val caller = Thread.currentThread()
        var readOn: Thread? = null
        val io = kotlinx.coroutines.Dispatchers.IO
        val vm = FamilyViewModel(book, this, io, today = { readOn = Thread.currentThread(); todayInVietnam() })
        vm.load().join()
        assertNotNull(readOn)
        assertTrue("the family was read on ${readOn!!.name}, not the caller's thread", readOn !== caller)
        book.close()
    }
}

/** The notification side of the platform: remembers what is scheduled. */
class RecordingScheduler : ReminderScheduler {
    private val byId = linkedMapOf<Int, Reminder>()
    override fun scheduled(): Set<Int> = byId.keys.toSet()
    override fun schedule(reminder: Reminder) {
        byId[reminder.notificationId] = reminder
    }
    override fun cancel(notificationId: Int) {
        byId.remove(notificationId)
    }
}

private val staleReminder = Reminder(
    id = "gone",
    notificationId = -12345,
    personId = "p",
    personName = "Old",
    kind = vn.healthbook.ReminderKind.RE_EXAM,
    remindOn = todayInVietnam(),
    eventDate = todayInVietnam(),
    recordId = null,
    textVi = "cũ",
    textEn = "old",
)

fun vn.healthbook.Record.id(): String = recordDetails(this).recordId
fun vn.healthbook.Record.kind(): RecordKind = recordDetails(this).kind
fun vn.healthbook.Record.personId(): String = when (this) {
    is vn.healthbook.Record.Visit -> visit.personId
    is vn.healthbook.Record.Prescription -> prescription.personId
    is vn.healthbook.Record.Referral -> referral.personId
    is vn.healthbook.Record.Appointment -> appointment.personId
    is vn.healthbook.Record.Immunization -> immunization.personId
    is vn.healthbook.Record.Allergy -> allergy.personId
    is vn.healthbook.Record.Condition -> condition.personId
    is vn.healthbook.Record.Observation -> observation.personId
}
