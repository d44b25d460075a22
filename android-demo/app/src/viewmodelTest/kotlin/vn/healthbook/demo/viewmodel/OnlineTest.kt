// Sign-in, sync and sharing against the reference backend that `cargo xtask test` starts, seeded
// with the sample family of seed 42 for today.

package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import vn.healthbook.HealthBook
import vn.healthbook.HealthBookException
import vn.healthbook.PersonRole
import vn.healthbook.RecordKind
import vn.healthbook.SyncConfig
import vn.healthbook.SyncPhase
import vn.healthbook.openShareLink
import vn.healthbook.sampleFamily
import java.io.File
import java.net.ServerSocket
import java.time.Duration
import java.time.Instant

class OnlineTest {
    private val mother = sampleFamily(42uL, todayInVietnam()).people[0]

    private fun emptyBook() = HealthBook.open(File(tempFolder(), "book.db").path, MemoryKeyStore().databaseKey())

    private suspend fun signedIn(scope: kotlinx.coroutines.CoroutineScope): SignInViewModel {
        val signIn = SignInViewModel(backendUrl(), scope)
        signIn.signIn(mother.personalId!!).join()
        assertTrue("signed in: ${signIn.state.value}", signIn.state.value is SignInState.SignedIn)
        return signIn
    }

    @Test
    fun syncBringsTheFamilyWithProgressAlongTheWay() = runBlocking {
        val book = emptyBook()
        val signIn = signedIn(this)
        val sync = SyncViewModel(book, SyncConfig(serverUrl = backendUrl(), pageSize = 10u), { signIn.session }, this)
        val seen = java.util.Collections.synchronizedList(mutableListOf<SyncState>())
        val watcher = launchCollect(sync.state, seen)
        sync.sync().join()
        watcher.cancel()

        val done = sync.state.value as SyncState.Done
        assertTrue(done.report.recordsReceived > 10u)
        assertTrue(done.summary.en, done.summary.en.startsWith("Synced: ${done.report.recordsReceived} records received"))
        assertTrue("progress was shown: $seen", seen.any { it is SyncState.Running && it.phase == SyncPhase.PULLING && it.pages > 0u })

        val family = FamilyViewModel(book, this)
        family.load().join()
        assertEquals(3, (family.state.value as Loadable.Loaded).value.size)
        book.close()
    }

    @Test
    fun stopEndsTheSyncAtTheNextPageKeepsWhatArrivedAndTheNextSyncBringsTheRest() = runBlocking {
        val book = emptyBook()
        val signIn = signedIn(this)
        val sync = SyncViewModel(book, SyncConfig(serverUrl = backendUrl(), pageSize = 10u), { signIn.session }, this)
        val running = sync.sync()
        awaitState(sync.state) { it is SyncState.Running && it.pages > 0u }
        sync.cancel()
        running.join()

        val failed = sync.state.value as SyncState.Failed
        assertFalse(failed.signInAgain)
        assertTrue(failed.message.en, failed.message.en.startsWith("Stopped."))
        assertTrue("the people of the first page stayed", book.people().isNotEmpty())
        val kept = recordCount(book)

        // The stopped sync has let go of the book once its job is done: Sync again works at once.
        sync.sync().join()
        val after = sync.state.value
        assertTrue("the sync after Stop: $after", after is SyncState.Done)
        val total = recordCount(book)
        assertTrue("the stopped sync had not brought everything: $kept of $total records", kept < total)
        assertEquals("only the rest arrives", total - kept, (after as SyncState.Done).report.recordsReceived.toInt())
        book.close()
    }

    @Test
    fun aSyncWhoseOwnerIsGoneStopsInsteadOfRunningOn() = runBlocking {
        val book = emptyBook()
        val signIn = signedIn(this)
        val config = SyncConfig(serverUrl = backendUrl(), pageSize = 10u)
        val owner = kotlinx.coroutines.CoroutineScope(kotlinx.coroutines.Job())
        val sync = SyncViewModel(book, config, { signIn.session }, owner)
        val running = sync.sync()
        awaitState(sync.state) { it is SyncState.Running && it.pages > 0u }
        owner.cancel()
        running.join()

        // Nobody asked to stop it: back to Idle (never Done, never still running).
        assertEquals(SyncState.Idle, sync.state.value)
        val kept = book.people().size
        assertTrue("the people of the pages applied stayed", kept > 0)
        // A full sync afterwards brings the rest: the stopped one did not finish.
        val full = SyncViewModel(book, config, { signIn.session }, this)
        full.sync().join()
        assertTrue("the second sync still had records to bring", (full.state.value as SyncState.Done).report.recordsReceived > 0u)
        book.close()
    }

    @Test
    fun syncWithoutSignInOrWithAnExpiredTokenAsksToSignIn() = runBlocking {
        val book = emptyBook()
        val config = SyncConfig(serverUrl = backendUrl())
        val nobody = SyncViewModel(book, config, { null }, this)
        nobody.sync().join()
        val notSignedIn = nobody.state.value as SyncState.Failed
        assertTrue(notSignedIn.signInAgain)
        assertTrue(notSignedIn.message.en, notSignedIn.message.en.startsWith("Sign in to sync"))

        val stale = SyncViewModel(book, config, { Session(mother.personalId!!, "not-a-token") }, this)
        stale.sync().join()
        val failed = stale.state.value as SyncState.Failed
        assertTrue(failed.signInAgain)
        assertTrue(failed.message.en, failed.message.en.contains("sign in again"))
        assertTrue("nothing was stored", book.people().isEmpty())
        book.close()
    }

    @Test
    fun noServerIsAnOfflineMessageAndTheBookIsKept() = runBlocking {
        val (book, family) = sampleBook()
        val deadUrl = ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).use { "http://127.0.0.1:${it.localPort}" }
        val config = SyncConfig(serverUrl = deadUrl, maxAttempts = 1u, requestTimeout = Duration.ofSeconds(2))
        val sync = SyncViewModel(book, config, { Session(mother.personalId!!, "token") }, this)
        sync.sync().join()
        val failed = sync.state.value as SyncState.Failed
        assertFalse(failed.signInAgain)
        assertTrue(failed.message.en, failed.message.en.contains("works offline"))
        assertEquals(family.people.size, book.people().size)

        val signIn = SignInViewModel(deadUrl, this)
        signIn.signIn(mother.personalId!!).join()
        assertTrue((signIn.state.value as SignInState.Failed).message.en.contains("Could not reach the server"))
        book.close()
    }

    @Test
    fun aPersonalIdThatIsNotTwelveDigitsIsRejectedBeforeAnyRequest() = runBlocking {
        val signIn = SignInViewModel("http://127.0.0.1:1", this)
        signIn.signIn("12345").join()
        val failed = signIn.state.value as SignInState.Failed
        assertTrue(failed.message.en, failed.message.en.contains("personal_id"))
    }

    @Test
    fun aShareShowsItsQrCountsDownOpensForTheDoctorAndDiesWhenRevoked() = runBlocking {
        val book = emptyBook()
        val signIn = signedIn(this)
        val config = SyncConfig(serverUrl = backendUrl())
        SyncViewModel(book, config, { signIn.session }, this).sync().join()
        val owner = book.people().single { it.role == PersonRole.OWNER }

        val share = ShareViewModel(book, config, { signIn.session }, this, tick = Duration.ofMillis(50))
        share.shareRecords(owner.id, listOf(RecordKind.VISIT), validFor = Duration.ofMinutes(10), label = "Khám").join()
        val showing = share.state.value as ShareState.Showing
        assertTrue("about ten minutes left: ${showing.secondsLeft}", showing.secondsLeft in 590..600)
        assertTrue(showing.countdown, showing.countdown.matches(Regex("(9|10):\\d\\d")))
        assertEquals(0x89.toByte(), showing.card.qrPng[0])
        assertTrue(showing.card.qrSize >= 21)

        val opened = openShareLink(showing.card.link, "BS. Lê Hoa")
        assertEquals(showing.card.recordCount, opened.records.size)
        assertEquals(owner.fullName, opened.patient.fullName)

        share.revoke().join()
        assertTrue(share.state.value is ShareState.Revoked)
        try {
            openShareLink(showing.card.link, "BS. Lê Hoa")
            fail("a revoked link still opened")
        } catch (expected: HealthBookException.ShareExpired) {
        }
        share.close()
        book.close()
    }

    @Test
    fun aShareOnScreenTurnsExpiredWhenItsTimeIsUp() = runBlocking {
        val book = emptyBook()
        val signIn = signedIn(this)
        val config = SyncConfig(serverUrl = backendUrl())
        SyncViewModel(book, config, { signIn.session }, this).sync().join()
        val child = book.people().first { it.role == PersonRole.DEPENDANT }

        var now = Instant.now()
        val share = ShareViewModel(book, config, { signIn.session }, this, clock = { now }, tick = Duration.ofMillis(20))
        share.shareVaccinationCard(child.id).join()
        val showing = share.state.value as ShareState.Showing
        assertTrue(showing.card.recordCount > 0)

        now = showing.card.expiresAt.toInstant().plusSeconds(1)
        val expired = awaitState(share.state) { it !is ShareState.Showing }
        assertTrue("$expired", expired is ShareState.Expired)
        book.close()
    }
}

/** Every record in the book, by counting each person's timeline. */
private fun recordCount(book: HealthBook): Int = book.people().sumOf { person ->
    var count = 0
    var cursor: String? = null
    do {
        val page = book.timeline(person.id, vn.healthbook.TimelineQuery(limit = 500u, cursor = cursor))
        count += page.entries.size
        cursor = page.nextCursor
    } while (cursor != null)
    count
}

private fun <T> kotlinx.coroutines.CoroutineScope.launchCollect(
    flow: kotlinx.coroutines.flow.StateFlow<T>,
    into: MutableList<T>,
) = launch(kotlinx.coroutines.Dispatchers.Unconfined) { flow.collect { into += it } }
