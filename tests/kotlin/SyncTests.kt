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

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
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

/** Records every progress report, and runs [onReport] on each (on the core's thread). */
private class RecordingListener(private val onReport: (SyncProgress) -> Unit = {}) : SyncProgressListener {
    val progress: MutableList<SyncProgress> = java.util.Collections.synchronizedList(mutableListOf<SyncProgress>())
    override fun onProgress(progress: SyncProgress) {
        this.progress += progress
        onReport(progress)
    }
}

private fun newBook(): HealthBook = HealthBook.open(File(tempDir(), "book.db").path, SYNC_KEY)

private fun config(pageSize: UInt = 500u) = SyncConfig(serverUrl = backendUrl(), pageSize = pageSize)

private suspend fun syncWith(
    book: HealthBook,
    token: String,
    listener: SyncProgressListener? = null,
    pageSize: UInt = 500u,
    cancellation: Cancellation? = null,
): SyncReport = book.sync(config(pageSize), FixedToken(token), listener, cancellation)

/**
 * Waits until no sync of [book] is running. A coroutine's cancellation frees the core's call at
 * once, but the core stops at its next check (within about 50 ms, or when the page it is writing
 * is written). A sync whose token provider refuses asks for the token before anything else: it is
 * `SyncInProgress` while the stopped one still holds the book, and `AuthExpired`, changing nothing,
 * once it has let go.
 */
private suspend fun awaitNoSyncRunning(book: HealthBook) {
    val refusing = object : SyncAuth {
        override fun accessToken(): String = throw HealthBookException.AuthExpired("not signed in")
    }
    withTimeout(10_000) {
        while (true) {
            try {
                book.sync(config(), refusing)
                fail("a sync without a token succeeded")
            } catch (running: HealthBookException.SyncInProgress) {
                delay(20)
            } catch (free: HealthBookException.AuthExpired) {
                return@withTimeout
            }
        }
    }
}

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
    suspendTest("sync: a new book receives the mother, her two children and all their records") {
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

    suspendTest("sync: cancelled with a Cancellation it throws Cancelled, keeps its pages, and the next one resumes") {
        val token = devLogin(backendUrl(), motherPersonalId())
        newBook().use { book ->
            val cancelledBefore = Cancellation().also { it.cancel() }
            assertThrows<HealthBookException.Cancelled>("cancelled before it starts") {
                syncWith(book, token, cancellation = cancelledBefore)
            }
            assertEquals(emptyList<Person>(), book.people(), "nothing applied")

            val stop = Cancellation()
            var receivedWhenStopped = 0u
            val stopper = RecordingListener { progress ->
                if (progress.pages >= 2u && !stop.isCancelled()) {
                    receivedWhenStopped = progress.recordsReceived
                    stop.cancel()
                }
            }
            val error = assertThrows<HealthBookException.Cancelled>("cancelled after two pages") {
                syncWith(book, token, stopper, pageSize = 100u, cancellation = stop)
            }
            assertTrue(error.message.startsWith("cancelled: "), "the message is the core's sentence: ${error.message}")
            // The call returns once the core has stopped: nothing is applied after it.
            val kept = totalRecords(book)
            assertTrue(kept in 1 until family.records.size, "some pages, not all: $kept records")
            assertEquals(receivedWhenStopped.toInt(), kept, "exactly the pages applied before the cancel are kept")

            val rest = syncWith(book, token, pageSize = 100u)
            assertEquals(family.records.size - kept, rest.recordsReceived.toInt(), "the next sync brings only the rest")
            assertEquals(expectedKinds(), bookKinds(book), "records per kind after resuming")
        }
    },

    suspendTest("sync: cancelling its coroutine after the first page stops it, keeps the pages, and the next one resumes") {
        val token = devLogin(backendUrl(), motherPersonalId())
        newBook().use { book ->
            val firstPage = CompletableDeferred<SyncProgress>()
            val listener = RecordingListener { progress -> if (progress.pages >= 1u) firstPage.complete(progress) }
            var returned: SyncReport? = null
            val job = launch(Dispatchers.Default) { returned = syncWith(book, token, listener, pageSize = 100u) }
            val first = firstPage.await()
            job.cancel()
            job.join()
            assertTrue(job.isCancelled, "the coroutine was cancelled")
            assertEquals(null, returned, "the sync did not run to its end")

            awaitNoSyncRunning(book)
            val kept = totalRecords(book)
            assertTrue(
                kept >= first.recordsReceived.toInt() && kept < family.records.size,
                "the first page and perhaps the one being written, not all: $kept records",
            )
            val rest = syncWith(book, token, pageSize = 100u)
            assertEquals(family.records.size - kept, rest.recordsReceived.toInt(), "the next sync brings only the rest")
            assertEquals(expectedKinds(), bookKinds(book), "records per kind after resuming")
        }
    },

    suspendTest("sync: a second sync of the same book while one runs is SyncInProgress, and the first one finishes") {
        val token = devLogin(backendUrl(), motherPersonalId())
        newBook().use { book ->
            // The first sync holds the book while its progress listener waits.
            val holding = CompletableDeferred<Unit>()
            val release = java.util.concurrent.CountDownLatch(1)
            val listener = RecordingListener {
                holding.complete(Unit)
                release.await(30, java.util.concurrent.TimeUnit.SECONDS)
            }
            val first = async(Dispatchers.Default) { syncWith(book, token, listener, pageSize = 100u) }
            try {
                holding.await()
                val error = assertThrows<HealthBookException.SyncInProgress>("a second sync") { syncWith(book, token) }
                assertTrue(error.message.startsWith("sync already running: "), "the core's sentence: ${error.message}")
            } finally {
                release.countDown()
            }
            assertEquals(family.records.size, first.await().recordsReceived.toInt(), "the first sync went on to the end")
            assertEquals(0u, syncWith(book, token).recordsReceived, "and the book is free again")
        }
    },

    suspendTest("sync: syncEvents emits the progress and then Finished, and completes") {
        val token = devLogin(backendUrl(), motherPersonalId())
        newBook().use { book ->
            val events = book.syncEvents(config(pageSize = 200u), FixedToken(token)).toList()
            val finished = events.last() as? SyncEvent.Finished ?: fail("the last event is not Finished: ${events.last()}")
            assertEquals(family.records.size, finished.report.recordsReceived.toInt(), "records received")
            val progress = events.dropLast(1).map { (it as? SyncEvent.Progress ?: fail("not progress: $it")).progress }
            val pulled = progress.filter { it.phase == SyncPhase.PULLING }
            assertEquals(finished.report.pages.toInt(), pulled.size, "one progress event per page")
            assertEquals((1..pulled.size).map { it.toUInt() }, pulled.map { it.pages }, "pages in order")
            assertEquals(SyncPhase.DONE, progress.last().phase, "the last progress report")
            assertEquals(family.records.size, totalRecords(book), "the records are in the book")
        }
    },

    suspendTest("sync: a collector that stops after the first page stops the sync, and a new sync can start at once") {
        val token = devLogin(backendUrl(), motherPersonalId())
        newBook().use { book ->
            val first = book.syncEvents(config(pageSize = 100u), FixedToken(token)).first() as SyncEvent.Progress
            assertEquals(1u, first.progress.pages, "the first event is the first page")
            // The flow waited for the core to stop: no SyncInProgress now, and nothing arrives later.
            val kept = totalRecords(book)
            assertTrue(kept in first.progress.recordsReceived.toInt() until family.records.size, "stopped early: $kept records")
            val rest = syncWith(book, token, pageSize = 100u)
            assertEquals(family.records.size - kept, rest.recordsReceived.toInt(), "the next sync brings only the rest")
        }
    },

    suspendTest("sync: a token the backend does not know throws AuthExpired and changes nothing, also through syncEvents") {
        newBook().use { book ->
            val error = assertThrows<HealthBookException.AuthExpired> { syncWith(book, "not-a-token-the-backend-issued") }
            assertTrue(error.message.startsWith("authentication expired: "), "the core's sentence: ${error.message}")
            assertThrows<HealthBookException.AuthExpired>("the flow ends with the error") {
                book.syncEvents(config(), FixedToken("not-a-token-the-backend-issued")).collect {}
            }
            assertEquals(emptyList<Person>(), book.people(), "nothing applied")
        }
    },

    suspendTest("sync: a token provider that throws ends the sync with AuthExpired, saying why, and nothing is sent") {
        newBook().use { book ->
            val signedOut = object : SyncAuth {
                override fun accessToken(): String = throw HealthBookException.AuthExpired("the national ID session ended")
            }
            val error = assertThrows<HealthBookException.AuthExpired> { book.sync(config(), signedOut) }
            assertTrue(error.message.contains("the national ID session ended"), "the provider's reason: ${error.message}")

            val broken = object : SyncAuth {
                override fun accessToken(): String = throw IllegalStateException("no account on this phone")
            }
            val unexpected = assertThrows<HealthBookException.AuthExpired> { book.sync(config(), broken) }
            assertTrue(unexpected.message.contains("no account on this phone"), "what the provider threw: ${unexpected.message}")
            assertEquals(emptyList<Person>(), book.people(), "nothing applied")
        }
    },

    suspendTest("sync: the core's log lines reach the app's LogSink and name no person, token or URL") {
        val token = devLogin(backendUrl(), motherPersonalId())
        val lines = java.util.Collections.synchronizedList(mutableListOf<Triple<LogLevel, String, String>>())
        setLogSink(
            object : LogSink {
                override fun log(level: LogLevel, target: String, message: String) {
                    lines += Triple(level, target, message)
                }
            },
            LogLevel.INFO,
        )
        try {
            newBook().use { book -> syncWith(book, token) }
        } finally {
            setLogSink(null, LogLevel.INFO)
        }
        val messages = lines.map { it.third }
        assertTrue(messages.any { it.contains("sync started") }, "the start is logged: $messages")
        assertTrue(messages.any { it.contains("sync finished") && it.contains("${family.records.size}") }, "the end with its counts: $messages")
        assertTrue(lines.all { it.first != LogLevel.DEBUG && it.first != LogLevel.TRACE }, "nothing below INFO")
        assertTrue(lines.all { it.second.startsWith("healthbook") }, "only the core's own lines: ${lines.map { it.second }}")
        val secrets = listOf(token, backendUrl(), motherPersonalId()) + family.people.map { it.fullName }
        val leaks = messages.filter { line -> secrets.any { line.contains(it) } }
        assertEquals(emptyList<String>(), leaks, "log lines that name a secret")

        val before = lines.size
        newBook().use { book -> syncWith(book, token) }
        assertEquals(before, lines.size, "no lines after the sink is removed")
    },

    // Last: it adds a record to the mother's account on the backend.
    suspendTest("sync: a citizen's allergy is pushed and a second book receives it") {
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
