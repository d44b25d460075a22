// What the view-model tests share: real books in temporary folders, the sample family, and the
// backend that `cargo xtask test` starts (its URL is the system property `healthbook.backend.url`).

package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeout
import vn.healthbook.HealthBook
import vn.healthbook.SampleFamily
import vn.healthbook.sampleFamily
import java.io.File
import java.nio.file.Files
import java.security.SecureRandom

/** A fresh folder that is deleted when the JVM exits. */
fun tempFolder(): File = Files.createTempDirectory("healthbook-vm-test").toFile().also { it.deleteOnExit() }

/** A key store that holds one random key in memory: the stand-in for Android Keystore. */
class MemoryKeyStore(private val key: ByteArray = ByteArray(32).also { SecureRandom().nextBytes(it) }) : DatabaseKeyStore {
    val handedOut = mutableListOf<ByteArray>()
    override fun databaseKey(): ByteArray = key.copyOf().also { handedOut += it }
}

/** A book holding the sample family (a mother and two children) generated for today. */
fun sampleBook(seed: ULong = 42uL): Pair<HealthBook, SampleFamily> {
    val family = sampleFamily(seed, todayInVietnam())
    val book = HealthBook.open(File(tempFolder(), "book.db").path, MemoryKeyStore().databaseKey())
    family.people.forEach { book.addPerson(it) }
    book.addRecords(family.records)
    return book to family
}

fun backendUrl(): String = System.getProperty("healthbook.backend.url")
    ?: throw AssertionError("the system property healthbook.backend.url is not set: run these tests with `cargo xtask test`, which starts the backend")

/** Wait (up to 30 s) for [state] to hold a value [done] accepts, and return it. */
suspend fun <T> awaitState(state: StateFlow<T>, done: (T) -> Boolean): T =
    withTimeout(30_000) { state.first(done) }
