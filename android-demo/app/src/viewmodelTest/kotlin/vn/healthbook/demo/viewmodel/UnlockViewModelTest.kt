package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import vn.healthbook.HealthBook
import vn.healthbook.sampleFamily
import java.io.File

class UnlockViewModelTest {
    @Test
    fun opensTheBookAndZeroesTheKeyItWasGiven() = runBlocking {
        val path = File(tempFolder(), "book.db").path
        val keys = MemoryKeyStore()
        val unlock = UnlockViewModel(path, keys, this)
        unlock.unlock().join()

        val open = unlock.state.value as UnlockState.Open
        open.book.addPerson(sampleFamily(42uL, todayInVietnam()).people[0])
        assertEquals(1, open.book.people().size)
        assertEquals(1, keys.handedOut.size)
        assertTrue("the key array handed to the core is zeroed", keys.handedOut[0].all { it == 0.toByte() })

        unlock.lock()
        assertEquals(UnlockState.Locked, unlock.state.value)
        unlock.unlock().join()
        assertEquals("the same key opens it again", 1, (unlock.state.value as UnlockState.Open).book.people().size)
        unlock.lock()
    }

    @Test
    fun aKeyStoreThatCannotGiveTheKeySaysSoAndCreatesNothing() = runBlocking {
        val path = File(tempFolder(), "book.db").path
        val unlock = UnlockViewModel(path, { throw java.io.IOException("wrapped key damaged") }, this)
        unlock.unlock().join()

        val failed = unlock.state.value as UnlockState.Failed
        assertTrue(failed.message.en, failed.message.en.contains("cannot be read"))
        assertTrue("no book file was created", !File(path).exists())
    }

    @Test
    fun aWrongKeyIsAMessageAndTheFileIsUntouched() = runBlocking {
        val path = File(tempFolder(), "book.db").path
        HealthBook.open(path, MemoryKeyStore().databaseKey()).use { book ->
            book.addPerson(sampleFamily(7uL, todayInVietnam()).people[0])
        }
        val before = File(path).readBytes()

        val unlock = UnlockViewModel(path, MemoryKeyStore(), this)
        unlock.unlock().join()

        val failed = unlock.state.value as UnlockState.Failed
        assertTrue(failed.message.vi, failed.message.vi.contains("khoá bảo vệ không khớp"))
        assertTrue(failed.message.en, failed.message.en.contains("Nothing was deleted"))
        assertArrayEquals("the book's file is byte for byte the same", before, File(path).readBytes())
    }
}
