// Sharing with a doctor through the generated Kotlin bindings, against the backend `cargo xtask`
// starts: the mother's phone syncs, shares her visits and prescriptions, the doctor's side opens
// the link with `openShareLink`, the mother sees who opened it, revokes it, and it no longer
// opens. A share's time is checked, and a share cancelled part-way leaves nothing in the book.

package vn.healthbook.tests

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import vn.healthbook.*
import java.io.File
import java.time.Duration
import java.time.LocalDate
import java.time.ZoneOffset

private val SHARE_KEY = ByteArray(32) { (it * 13 + 5).toByte() }

private fun shareBackendUrl(): String = System.getProperty("healthbook.backend.url")
    ?: fail("the system property healthbook.backend.url is not set: run these tests with `cargo xtask test-kotlin`")

private class ShareToken(private val token: String) : SyncAuth {
    override fun accessToken(): String = token
}

/** Hands out [token], after running [before] (on the core's thread, just before the upload). */
private class TokenThen(private val token: String, private val before: () -> Unit) : SyncAuth {
    override fun accessToken(): String {
        before()
        return token
    }
}

private fun mother() = sampleFamily(42uL, LocalDate.now(ZoneOffset.ofHours(7))).people[0]

/** A book synced from the mother's account, its owner, the config and her login. */
private suspend fun syncedBook(): Triple<HealthBook, Person, ShareToken> {
    val auth = ShareToken(devLogin(shareBackendUrl(), assertNotNull(mother().personalId)))
    val book = HealthBook.open(File(tempDir(), "share.db").path, SHARE_KEY)
    book.sync(SyncConfig(serverUrl = shareBackendUrl()), auth)
    return Triple(book, book.people().single { it.role == PersonRole.OWNER }, auth)
}

private fun visitsAndPrescriptions(personId: String, validFor: Duration? = null) = ShareRequest(
    personId = personId,
    kinds = listOf(RecordKind.VISIT, RecordKind.PRESCRIPTION),
    label = "Khám bệnh",
    validFor = validFor,
)

val shareTests: List<TestCase> = listOf(
    suspendTest("share: a doctor opens the mother's share, she sees who, revokes it, and it is dead") {
        val config = SyncConfig(serverUrl = shareBackendUrl())
        val (book, owner, auth) = syncedBook()
        book.use {
            val created = book.createShare(visitsAndPrescriptions(owner.id, validFor = Duration.ofMinutes(10)), config, auth)
            val share = created.share
            assertTrue(share.link.startsWith("${shareBackendUrl()}/view#shlink:/"), share.link)
            assertTrue(share.shlink.startsWith("shlink:/"), share.shlink)
            assertEquals(Duration.ofMinutes(10), Duration.between(share.createdAt, share.expiresAt), "valid for ten minutes")
            assertTrue(share.qr.version <= 12u, "QR version ${share.qr.version}")
            assertEquals(share.qr.size * share.qr.size, share.qr.modules.size.toUInt(), "module matrix")
            assertTrue(share.qr.png.size > 100 && share.qr.png[1] == 'P'.code.toByte(), "PNG bytes")
            assertTrue(share.qr.svg.contains("<svg"), "SVG")
            // The link carries the key: what a log line or a crash report prints of a share must not.
            val payload = share.shlink.removePrefix("shlink:/")
            for (shown in listOf(share.toString(), created.toString(), share.qr.toString())) {
                assertFalse(shown.contains(payload), "toString shows the link's payload: $shown")
            }

            val opened = openShareLink(share.link, "BS. Trần Bình")
            assertEquals("Khám bệnh", opened.label)
            assertEquals(share.recordCount.toInt(), opened.records.size, "records the doctor sees")
            assertTrue(
                opened.records.all { it is Record.Visit || it is Record.Prescription },
                "only visits and prescriptions",
            )
            assertEquals(owner.fullName, opened.patient.fullName)

            book.sync(config, auth)
            val log = book.shareAccessLog(share.id)
            assertEquals(listOf("BS. Trần Bình"), log.map { it.recipient }, "the access log")

            book.revokeShare(share.id, auth)
            val dead = assertThrows<HealthBookException.ShareExpired>("a revoked link") {
                openShareLink(share.link, "BS. Trần Bình")
            }
            assertTrue(dead.message.startsWith("share expired: "), "the core's sentence: ${dead.message}")
            assertTrue(book.shares(owner.id).single { it.id == share.id }.revoked, "marked revoked")
        }
    },

    suspendTest("share: a time outside 1 minute to 24 hours is Validation on request.valid_for, and nothing is stored") {
        val config = SyncConfig(serverUrl = shareBackendUrl())
        val (book, owner, auth) = syncedBook()
        book.use {
            for (validFor in listOf(Duration.ofSeconds(30), Duration.ofHours(25))) {
                val error = assertThrows<HealthBookException.Validation>("valid for $validFor") {
                    book.createShare(visitsAndPrescriptions(owner.id, validFor), config, auth)
                }
                assertEquals("request.valid_for", error.field)
                assertTrue(error.message.startsWith("invalid request.valid_for: "), "names the field: ${error.message}")
            }
            assertEquals(emptyList<Share>(), book.shares(owner.id), "no share stored")
        }
    },

    suspendTest("share: a createShare cancelled with a Cancellation before its upload throws Cancelled and stores nothing") {
        val config = SyncConfig(serverUrl = shareBackendUrl())
        val (book, owner, auth) = syncedBook()
        book.use {
            val stop = Cancellation()
            // The token is asked for just before the upload: cancel there, in the middle of the call.
            val cancelling = TokenThen(auth.accessToken()) { stop.cancel() }
            assertThrows<HealthBookException.Cancelled> {
                book.createShare(visitsAndPrescriptions(owner.id), config, cancelling, stop)
            }
            assertEquals(emptyList<Share>(), book.shares(owner.id), "no share stored")
            // The book is fine: the same share made again works.
            book.createShare(visitsAndPrescriptions(owner.id), config, auth)
            assertEquals(1, book.shares(owner.id).size, "the share made afterwards")
        }
    },

    suspendTest("share: a createShare whose coroutine is cancelled before its upload stores nothing") {
        val config = SyncConfig(serverUrl = shareBackendUrl())
        val (book, owner, auth) = syncedBook()
        book.use {
            // The core logs each failed call by its kind: that line says the cancelled call has ended.
            val ended = CompletableDeferred<String>()
            setLogSink(
                object : LogSink {
                    override fun log(level: LogLevel, target: String, message: String) {
                        if (message.contains("Cancelled")) ended.complete(message)
                    }
                },
                LogLevel.WARN,
            )
            try {
                lateinit var call: Job
                // Just before the upload: cancel the coroutine, and hand out the token once its
                // cancellation has reached the core (the coroutine has completed).
                val cancelling = TokenThen(auth.accessToken()) {
                    call.cancel()
                    runBlocking { withTimeout(10_000) { call.join() } }
                }
                var created: CreatedShare? = null
                call = launch(Dispatchers.Default, start = CoroutineStart.LAZY) {
                    created = book.createShare(visitsAndPrescriptions(owner.id), config, cancelling)
                }
                call.join()
                assertTrue(call.isCancelled, "the coroutine was cancelled")
                assertEquals(null, created, "createShare did not return")
                withTimeout(10_000) { ended.await() }
            } finally {
                setLogSink(null, LogLevel.WARN)
            }
            assertEquals(emptyList<Share>(), book.shares(owner.id), "no share stored")
        }
    },
)
