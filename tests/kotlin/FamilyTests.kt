// A parent's book with two children through the generated Kotlin bindings: who is in the family and
// what the app may do with each book, each child's vaccination status, reminders across the family,
// and a child's book turning read-only at the guardian age limit.

package vn.healthbook.tests

import vn.healthbook.*
import java.io.File
import java.time.LocalDate
import java.time.ZoneOffset

private val FAMILY_KEY = ByteArray(32) { (it * 5 + 9).toByte() }

private fun today(): LocalDate = LocalDate.now(ZoneOffset.ofHours(7))

/** A new book holding the sample family: the mother, a child of about seven and a baby of about ten months. */
private fun familyBook(): Pair<HealthBook, SampleFamily> {
    val sample = sampleFamily(11uL, today())
    val book = HealthBook.open(File(tempDir(), "family.db").path, FAMILY_KEY)
    sample.people.forEach { book.addPerson(it) }
    book.addRecords(sample.records)
    return book to sample
}

val familyTests: List<TestCase> = listOf(
    "the family lists the mother and her two children with their access" to {
        val (book, sample) = familyBook()
        book.use {
            val members = book.family(today())
            assertEquals(sample.people.map { it.id }, members.map { it.person.id }, "members in order")
            assertEquals(BookAccess.Owner, members[0].access, "the mother's own book")
            for (child in members.drop(1)) {
                val access = child.access
                assertTrue(access is BookAccess.Managed, "${child.person.fullName} is managed: $access")
                val until = assertNotNull((access as BookAccess.Managed).until, "management end")
                assertEquals(child.person.dateOfBirth.plusYears(14), until, "managed until the 14th birthday")
            }
            assertEquals(7u, members[1].ageYears, "the older child's age")
            assertTrue(members[2].ageMonths in 9u..10u, "the baby is 9–10 months: ${members[2].ageMonths}")
        }
    },

    "each child's vaccination status counts the doses given and names what is due" to {
        val (book, sample) = familyBook()
        book.use {
            for (child in sample.people.drop(1)) {
                val status = book.vaccinationStatus(child.id, today())
                assertEquals(child.id, status.personId)
                assertTrue(status.scheduleSource.isNotBlank(), "the schedule names its source")
                val doses = status.antigens.flatMap { a -> a.doses.map { a.antigen to it } }
                val given = doses.mapNotNull { (_, d) -> d.state as? DoseState.Given }
                val childRecords = sample.records.filterIsInstance<Record.Immunization>()
                    .filter { it.immunization.personId == child.id }
                    .map { it.immunization.id }
                    .toSet()
                assertTrue(given.isNotEmpty(), "${child.fullName} has doses given")
                for (dose in given) {
                    assertTrue(dose.recordId in childRecords, "a given dose points at the child's own record ${dose.recordId}")
                }
                // The hepatitis B birth dose was given at the maternity hospital for both sample children.
                val hepB = assertNotNull(status.antigens.find { it.antigen == "HepB" }, "HepB in the schedule")
                assertTrue(hepB.doses.first().state is DoseState.Given, "HepB birth dose given: ${hepB.doses.first().state}")
                assertTrue(status.antigens.all { it.flagged.isEmpty() }, "the sample's doses all count: ${status.antigens.flatMap { it.flagged }}")
            }
            // The baby of about ten months has the 12-month Japanese encephalitis dose to come.
            val baby = book.vaccinationStatus(sample.people[2].id, today())
            val je = assertNotNull(baby.antigens.find { it.antigen == "JE" }, "JE in the schedule")
            assertTrue(je.doses.first().state is DoseState.Upcoming, "JE dose 1 upcoming: ${je.doses.first().state}")
            val ex = assertThrows<HealthBookException.NotFound> { book.vaccinationStatus("nobody", today()) }
            assertTrue(ex.message.contains("nobody"), ex.message)
        }
    },

    "reminders cover the family, keep their ids, and stop for a child past the age limit" to {
        val (book, sample) = familyBook()
        book.use {
            val reminders = book.reminders(today(), 60u)
            assertTrue(reminders.zipWithNext().all { (a, b) -> a.remindOn <= b.remindOn }, "soonest first")
            val mother = sample.people[0]
            assertTrue(reminders.any { it.kind == ReminderKind.RE_EXAM && it.personId == mother.id }, "the mother's re-exam")
            assertTrue(reminders.none { it.kind == ReminderKind.VACCINE_DOSE && it.personId == mother.id }, "doses are for children")
            assertTrue(reminders.all { it.textVi.isNotBlank() && it.textEn.isNotBlank() && it.notificationId >= 0 }, "texts and ids")
            assertEquals(reminders.map { it.id }, book.reminders(today(), 60u).map { it.id }, "the same ids on the next call")

            // A baby born seven weeks ago and a bit: the 2-month doses, a week before, in one reminder.
            val born = today().minusMonths(2).plusDays(20)
            val baby = book.addPerson(
                sample.people[2].copy(id = "", fullName = "Hoàng Gia Bảo", personalId = null, dateOfBirth = born,
                    guardian = sample.people[2].guardian?.copy(since = born)),
            )
            val twoMonths = born.plusMonths(2)
            val due = book.reminders(today(), 60u).find { it.personId == baby.id && it.eventDate == twoMonths }
            val dose = assertNotNull(due, "the 2-month doses are reminded")
            assertEquals(ReminderKind.VACCINE_DOSE, dose.kind)
            assertEquals(twoMonths.minusDays(7), dose.remindOn, "a week before")

            // With the limit at 7 the older child's book is read-only: no reminders, no edits.
            val older = sample.people[1]
            book.setGuardianAgeLimit(7u)
            assertTrue(book.reminders(today(), 60u).none { it.personId == older.id }, "no reminders for a read-only book")
            val access = book.bookAccess(older.id, today())
            assertTrue(access is BookAccess.ReadOnly, "read-only: $access")
            val note = Record.Observation(
                Observation(
                    id = "", personId = older.id, source = RecordSource.CITIZEN, sensitive = false,
                    kind = ObservationKind.NOTE, at = java.time.OffsetDateTime.now(ZoneOffset.ofHours(7)).withNano(0),
                    value = ObservationValue.Text("Sốt nhẹ"), note = null,
                ),
            )
            assertThrows<HealthBookException.ReadOnly> { book.addRecord(note) }
            book.setGuardianAgeLimit(14u)
            book.addRecord(note)
        }
    },
)
