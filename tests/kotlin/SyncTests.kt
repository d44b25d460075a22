// HealthBook.sync against the reference backend, through the generated Kotlin bindings.
//
// `cargo xtask test` and `cargo xtask test-kotlin` start healthbook-backend on a fresh database
// seeded with the sample family (`sampleFamily(42, today)`: a mother and two children) and pass
// its URL as the system property `healthbook.backend.url`. Each test logs in as the mother with
// the backend's development login and syncs new books from her account.
//
// The tests run in the order listed. Only the last one changes the account (it pushes an
// allergy), so the ones before it can expect exactly the seeded family.

package vn.healthbook.tests

import vn.healthbook.*
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.time.LocalDate
import java.time.ZoneOffset
import java.util.UUID

private val SYNC_KEY = ByteArray(32) { (it * 11 + 3).toByte() }

/** The backend's URL, from the property `cargo xtask` sets. */
private fun backendUrl(): String = System.getProperty("healthbook.backend.url")
    ?: fail("the system property healthbook.backend.url is not set: run these tests with `cargo xtask test-kotlin`, which starts the backend")

/** The seeded family: the backend seeds it with the same seed and today's date in Việt Nam. */
private val family: SampleFamily by lazy { sampleFamily(42uL, LocalDate.now(ZoneOffset.ofHours(7))) }

private fun motherPersonalId(): String = assertNotNull(family.people[0].personalId, "the sample mother's personal id")

/** `POST /auth/dev-login`: the backend's stand-in for the national ID login; returns the bearer token. */
fun devLogin(serverUrl: String, personalId: String): String {
    val request = HttpRequest.newBuilder(URI.create("$serverUrl/auth/dev-login"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("""{"personal_id":"$personalId"}"""))
        .build()
    val response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString())
    if (response.statusCode() != 200) fail("dev-login as $personalId: HTTP ${response.statusCode()}: ${response.body()}")
    val token = Regex("\"access_token\"\\s*:\\s*\"([^\"]+)\"").find(response.body())?.groupValues?.get(1)
    return token ?: fail("dev-login answered without an access_token: ${response.body()}")
}

private class FixedToken(private val token: String) : SyncAuth {
    override fun accessToken(): String = token
}

/** Records every progress report; cancels once [cancelWhen] says so. */
private class RecordingListener(private val cancelWhen: (List<SyncProgress>) -> Boolean = { false }) : SyncListener {
    val progress = java.util.Collections.synchronizedList(mutableListOf<SyncProgress>())
    override fun onProgress(progress: SyncProgress) {
        this.progress += progress
    }
    override fun isCancelled(): Boolean = synchronized(progress) { cancelWhen(progress.toList()) }
}

private fun newBook(): HealthBook = HealthBook.open(File(tempDir(), "book.db").path, SYNC_KEY)

private fun syncWith(book: HealthBook, token: String, listener: SyncListener = RecordingListener(), pageSize: UInt = 500u): SyncReport =
    book.sync(SyncConfig(serverUrl = backendUrl(), pageSize = pageSize), FixedToken(token), listener)

/** Every timeline entry of a person, newest first, page by page. */
private fun allEntries(book: HealthBook, personId: String): List<TimelineEntry> {
    val entries = mutableListOf<TimelineEntry>()
    var cursor: String? = null
    do {
        val page = book.timeline(personId, TimelineQuery(limit = 500u, cursor = cursor))
        entries += page.entries
        cursor = page.nextCursor
    } while (cursor != null)
    return entries
}

/** Records per kind for each person, keyed by personal id: what the sample family holds. */
private fun expectedKinds(): Map<String?, Map<RecordKind, Int>> {
    val personalIds = family.people.associate { it.id to it.personalId }
    return family.records
        .groupBy { personalIds[it.recordPersonId()] }
        .mapValues { (_, records) -> records.groupingBy { it.recordKind() }.eachCount() }
}

/** The same count for a book, keyed by personal id. */
private fun bookKinds(book: HealthBook): Map<String?, Map<RecordKind, Int>> =
    book.people().associate { person ->
        person.personalId to allEntries(book, person.id).groupingBy { it.kind }.eachCount()
    }

private fun totalRecords(book: HealthBook): Int = book.people().sumOf { allEntries(book, it.id).size }

val syncTests: List<TestCase> = listOf(
    "sync: a new book receives the mother, her two children and all their records" to {
        val token = devLogin(backendUrl(), motherPersonalId())
        newBook().use { book ->
            val listener = RecordingListener()
            val report = syncWith(book, token, listener)
            assertEquals(family.records.size, report.recordsReceived.toInt(), "records received")
            assertEquals(0u, report.recordsSent, "records sent")
            assertEquals(0u, report.conflicts, "conflicts")
            assertTrue(report.pages >= 2u, "953 records at 500 a page come in several pages: ${report.pages}")
            assertEquals(SyncPhase.DONE, listener.progress.lastOrNull()?.phase, "the last progress report")
            assertTrue(listener.progress.any { it.phase == SyncPhase.PULLING }, "progress while pulling")

            val people = book.people()
            assertEquals(3, people.size, "people in the book")
            assertEquals(
                family.people.associate { it.personalId to it.fullName },
                people.associate { it.personalId to it.fullName },
                "names by personal id",
            )
            val mother = people.single { it.role == PersonRole.OWNER }
            assertEquals(motherPersonalId(), mother.personalId, "the owner is the mother who logged in")
            val children = people.filter { it.role == PersonRole.DEPENDANT }
            assertEquals(2, children.size, "dependants")
            assertEquals(
                family.people.drop(1).map { it.dateOfBirth }.toSet(),
                children.map { it.dateOfBirth }.toSet(),
                "the children's birth dates",
            )

            assertEquals(expectedKinds(), bookKinds(book), "records per kind of each person")

            val page = book.timeline(mother.id, TimelineQuery(limit = 50u))
            assertEquals(50, page.entries.size, "the mother's first timeline page")
            assertNotNull(page.nextCursor, "more than one page")
            assertTrue(page.entries.zipWithNext().all { (a, b) -> !a.at.isBefore(b.at) }, "newest first")
            val sampleIds = family.records.map { it.recordId() }.toSet()
            assertTrue(page.entries.all { it.recordId in sampleIds }, "the entries keep the sample's record ids")

            val again = syncWith(book, token)
            assertEquals(0u, again.recordsReceived, "a second sync has nothing new")
            assertEquals(0u, again.recordsSent, "and nothing to send")
            assertEquals(family.records.size, totalRecords(book), "records after the second sync")
        }
    },

    "sync: a cancelled sync throws Cancelled, keeps its pages, and the next one resumes" to {
        val token = devLogin(backendUrl(), motherPersonalId())
        newBook().use { book ->
            assertThrows<HealthBookException.Cancelled>("cancelled before it starts") {
                syncWith(book, token, RecordingListener { true })
            }
            assertEquals(emptyList<Person>(), book.people(), "nothing applied")

            val stopper = RecordingListener { progress -> progress.any { it.pages >= 2u } }
            val error = assertThrows<HealthBookException.Cancelled>("cancelled after two pages") {
                syncWith(book, token, stopper, pageSize = 100u)
            }
            assertTrue(!error.message.isNullOrBlank(), "the exception has a message")
            val kept = totalRecords(book)
            assertTrue(kept in 200 until family.records.size, "the applied pages are kept: $kept records")

            val rest = syncWith(book, token, pageSize = 100u)
            assertEquals(family.records.size - kept, rest.recordsReceived.toInt(), "the next sync brings only the rest")
            assertEquals(expectedKinds(), bookKinds(book), "records per kind after resuming")
        }
    },

    "sync: a token the backend does not know throws AuthExpired and changes nothing" to {
        newBook().use { book ->
            val error = assertThrows<HealthBookException.AuthExpired> { syncWith(book, "not-a-token-the-backend-issued") }
            assertTrue(!error.message.isNullOrBlank(), "the exception has a message")
            assertEquals(emptyList<Person>(), book.people(), "nothing applied")
        }
    },

    // Last: it adds a record to the mother's account on the backend.
    "sync: a citizen's allergy is pushed and a second book receives it" to {
        val token = devLogin(backendUrl(), motherPersonalId())
        val substance = "Thuốc thử ${UUID.randomUUID().toString().take(8)}"
        val (allergyId, received) = newBook().use { book ->
            val received = syncWith(book, token).recordsReceived.toInt()
            val mother = book.people().single { it.role == PersonRole.OWNER }
            val allergy = book.addRecord(
                Record.Allergy(
                    Allergy(
                        id = "", personId = mother.id, source = RecordSource.CITIZEN, sensitive = false,
                        substance = substance, category = AllergyCategory.MEDICATION, criticality = AllergyCriticality.HIGH,
                        reaction = "Nổi mề đay", recordedOn = LocalDate.now(ZoneOffset.ofHours(7)), note = "Tự ghi",
                    ),
                ),
            )
            val pushed = syncWith(book, token)
            assertEquals(1u, pushed.recordsSent, "records sent")
            assertEquals(0u, pushed.conflicts, "conflicts")
            assertEquals(emptyList<SyncConflict>(), book.syncConflicts(), "no conflicts to show")
            assertEquals(0u, syncWith(book, token).recordsSent, "sent once only")
            allergy.recordId() to received
        }

        newBook().use { other ->
            val report = syncWith(other, token)
            assertEquals(received + 1, report.recordsReceived.toInt(), "the second book receives the pushed allergy too")
            val mother = other.people().single { it.role == PersonRole.OWNER }
            val allergies = other.timeline(mother.id, TimelineQuery(kinds = listOf(RecordKind.ALLERGY), limit = 500u)).entries
            val entry = assertNotNull(allergies.firstOrNull { it.title.contains(substance) }, "the pushed allergy in the timeline")
            assertEquals(allergyId, entry.recordId, "it keeps its id")
            val record = other.record(entry.recordId) as Record.Allergy
            assertEquals(RecordSource.CITIZEN, record.allergy.source, "still the citizen's entry")
            assertEquals("Nổi mề đay", record.allergy.reaction, "its reaction")
        }
    },
)
