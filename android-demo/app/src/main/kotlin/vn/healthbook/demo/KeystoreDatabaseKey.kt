// The book's database key, kept the way Android recommends for a secret an app must read back:
// a random 32-byte key, encrypted (wrapped) with an AES-256-GCM key that Android Keystore
// generates and never lets out of its secure hardware or process. Only the IV and the ciphertext
// are stored, in a small file in noBackupFilesDir; nothing is kept in SharedPreferences.

package vn.healthbook.demo

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import vn.healthbook.demo.viewmodel.DatabaseKeyStore
import java.io.File
import java.io.FileOutputStream
import java.io.IOException
import java.security.KeyStore
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * [DatabaseKeyStore] backed by Android Keystore.
 *
 * File format (version 1): `[1][iv length][iv][AES-GCM ciphertext of the 32-byte key + 16-byte tag]`.
 *
 * The first call creates the key; later calls unwrap it. Each call returns a fresh array that the
 * caller zeroes once the book is open (`UnlockViewModel` does). Intermediate copies made here are
 * zeroed too; the JCE provider's own buffers are out of reach.
 */
class KeystoreDatabaseKey(
    private val file: File,
    private val alias: String = DEFAULT_ALIAS,
) : DatabaseKeyStore {

    @Synchronized
    override fun databaseKey(): ByteArray = if (file.exists()) unwrap(file.readBytes()) else create()

    private fun create(): ByteArray {
        val key = ByteArray(KEY_BYTES)
        SecureRandom().nextBytes(key)
        try {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            // Keystore keys choose their own random IV (a caller-chosen IV is refused by default).
            cipher.init(Cipher.ENCRYPT_MODE, wrappingKey(createIfMissing = true))
            store(cipher.iv, cipher.doFinal(key))
            return key
        } catch (error: Exception) {
            key.fill(0)
            throw error
        }
    }

    private fun unwrap(stored: ByteArray): ByteArray {
        val ivLength = if (stored.size > 2) stored[1].toInt() and 0xFF else 0
        val sealedOffset = 2 + ivLength
        if (stored.size < sealedOffset + KEY_BYTES + TAG_BYTES || stored[0] != FORMAT_VERSION || ivLength == 0) {
            throw IOException("The stored database key in $file is damaged (unexpected format).")
        }
        // The Keystore key is gone (the user cleared the app's keys, or the file came from elsewhere):
        // the book cannot be opened. Never make a new key here, which would only hide that.
        val wrappingKey = wrappingKey(createIfMissing = false)
            ?: throw IllegalStateException("The key that protects the book is no longer in Android Keystore.")
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, wrappingKey, GCMParameterSpec(TAG_BYTES * 8, stored, 2, ivLength))
        val key = cipher.doFinal(stored, sealedOffset, stored.size - sealedOffset)
        if (key.size != KEY_BYTES) {
            key.fill(0)
            throw IOException("The stored database key in $file has the wrong length.")
        }
        return key
    }

    /** Write atomically: a crash leaves either no file (a new key next time) or the whole file. */
    private fun store(iv: ByteArray, sealed: ByteArray) {
        file.parentFile?.mkdirs()
        val partial = File(file.path + ".partial")
        FileOutputStream(partial).use { out ->
            out.write(FORMAT_VERSION.toInt())
            out.write(iv.size)
            out.write(iv)
            out.write(sealed)
            out.fd.sync()
        }
        if (!partial.renameTo(file)) {
            partial.delete()
            throw IOException("Could not store the database key in $file.")
        }
    }

    private fun wrappingKey(createIfMissing: Boolean): SecretKey? {
        val keyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
        (keyStore.getKey(alias, null) as? SecretKey)?.let { return it }
        if (!createIfMissing) return null
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
        generator.init(
            KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                // The demo opens the book without asking for the screen lock. A production app can
                // require it: setUserAuthenticationRequired(true) plus, on API 30+,
                // setUserAuthenticationParameters(timeoutSeconds, AUTH_BIOMETRIC_STRONG or
                // AUTH_DEVICE_CREDENTIAL), then unlock through BiometricPrompt before databaseKey().
                // setIsStrongBoxBacked(true) asks for a secure element where the phone has one
                // (StrongBoxUnavailableException where it does not).
                .build(),
        )
        return generator.generateKey()
    }

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val DEFAULT_ALIAS = "vn.healthbook.demo.database-key"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val KEY_BYTES = 32
        const val TAG_BYTES = 16
        const val FORMAT_VERSION: Byte = 1
    }
}
