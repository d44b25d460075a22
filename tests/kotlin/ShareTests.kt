// Sharing with a doctor through the generated Kotlin bindings, against the backend `cargo xtask`
// starts: the mother's phone syncs, shares her visits and prescriptions, the doctor's side opens
// the link with `openShareLink`, the mother sees who opened it, revokes it, and it no longer opens.

package vn.healthbook.tests

import vn.healthbook.*
import java.io.File
import java.time.LocalDate
import java.time.ZoneOffset

private val SHARE_KEY = ByteArray(32) { (it * 13 + 5).toByte() }

private fun shareBackendUrl(): String = System.getProperty("healthbook.backend.url")
    ?: fail("the system property healthbook.backend.url is not set: run these tests with `cargo xtask test-kotlin`")

private class ShareToken(private val token: String) : SyncAuth {
    override fun accessToken(): String = token
}

private object NoProgress : SyncListener {
    override fun onProgress(progress: SyncProgress) {}
    override fun isCancelled(): Boolean = false
}

val shareTests: List<TestCase> = listOf(
    "share: a doctor opens the mother's share, she sees who, revokes it, and it is dead" to {
        val mother = sampleFamily(42uL, LocalDate.now(ZoneOffset.ofHours(7))).people[0]
        val config = SyncConfig(serverUrl = shareBackendUrl())
        val auth = ShareToken(devLogin(shareBackendUrl(), assertNotNull(mother.personalId)))
        HealthBook.open(File(tempDir(), "share.db").path, SHARE_KEY).use { book ->
            book.sync(config, auth, NoProgress)
            val owner = book.people().single { it.role == PersonRole.OWNER }

            val created = book.createShare(
                ShareRequest(
                    personId = owner.id,
                    kinds = listOf(RecordKind.VISIT, RecordKind.PRESCRIPTION),
                    label = "Khám bệnh",
                ),
                config,
                auth,
            )
            val share = created.share
            assertTrue(share.link.startsWith("${shareBackendUrl()}/view#shlink:/"), share.link)
            assertTrue(share.qr.version <= 12u, "QR version ${share.qr.version}")
            assertEquals(share.qr.size * share.qr.size, share.qr.modules.size.toUInt(), "module matrix")
            assertTrue(share.qr.png.size > 100 && share.qr.png[1] == 'P'.code.toByte(), "PNG bytes")
            assertTrue(share.qr.svg.contains("<svg"), "SVG")

            val opened = openShareLink(share.link, "BS. Trần Bình", null)
            assertEquals("Khám bệnh", opened.label)
            assertEquals(share.recordCount.toInt(), opened.records.size, "records the doctor sees")
            assertTrue(
                opened.records.all { it is Record.Visit || it is Record.Prescription },
                "only visits and prescriptions",
            )
            assertEquals(owner.fullName, opened.patient.fullName)

            book.sync(config, auth, NoProgress)
            val log = book.shareAccessLog(share.id)
            assertEquals(listOf("BS. Trần Bình"), log.map { it.recipient }, "the access log")

            book.revokeShare(share.id, auth)
            assertThrows<HealthBookException.ShareExpired>("a revoked link") {
                openShareLink(share.link, "BS. Trần Bình", null)
            }
            assertTrue(book.shares(owner.id).single { it.id == share.id }.revoked, "marked revoked")
        }
    },
)
