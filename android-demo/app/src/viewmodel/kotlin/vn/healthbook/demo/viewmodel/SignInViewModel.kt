// Signing in to the backend. The reference backend's development login stands in for the national
// ID login: it takes the citizen's 12-digit personal id and answers a bearer token.

package vn.healthbook.demo.viewmodel

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.launch
import vn.healthbook.HealthBookException
import vn.healthbook.SyncAuth
import java.io.IOException
import java.net.HttpURLConnection
import java.net.URL

/** A signed-in citizen: what sync and sharing send to the server. */
class Session(val personalId: String, private val token: String) : SyncAuth {
    override fun accessToken(): String = token
}

sealed interface SignInState {
    data object SignedOut : SignInState
    data object SigningIn : SignInState
    data class SignedIn(val session: Session) : SignInState
    data class Failed(val message: LocalText) : SignInState
}

class SignInViewModel(
    private val serverUrl: String,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    private val _state = MutableStateFlow<SignInState>(SignInState.SignedOut)
    val state: StateFlow<SignInState> = _state

    /** The session, or null when nobody is signed in. */
    val session: Session? get() = (_state.value as? SignInState.SignedIn)?.session

    fun signIn(personalId: String): Job = scope.launch {
        val id = personalId.trim()
        if (!PERSONAL_ID.matches(id)) {
            _state.value = SignInState.Failed(
                citizenMessage(HealthBookException.Validation("personal_id", "12 chữ số / 12 digits")),
            )
            return@launch
        }
        _state.value = SignInState.SigningIn
        _state.value = callCore(io) { devLogin(id) }.fold(
            onSuccess = { SignInState.SignedIn(Session(id, it)) },
            onFailure = { SignInState.Failed(citizenMessage(it)) },
        )
    }

    /** After `AuthExpired`: forget the token so the UI asks again. */
    fun signOut() {
        _state.value = SignInState.SignedOut
    }

    private fun devLogin(personalId: String): String {
        val connection = URL("${serverUrl.trimEnd('/')}/auth/dev-login").openConnection() as HttpURLConnection
        try {
            connection.requestMethod = "POST"
            connection.connectTimeout = TIMEOUT_MS
            connection.readTimeout = TIMEOUT_MS
            connection.doOutput = true
            connection.setRequestProperty("Content-Type", "application/json")
            connection.outputStream.use { it.write("""{"personal_id":"$personalId"}""".toByteArray()) }
            val status = connection.responseCode
            if (status != 200) {
                throw HealthBookException.Server(status.toUShort(), "sign-in answered HTTP $status")
            }
            val body = connection.inputStream.use { it.readBytes().decodeToString() }
            return TOKEN.find(body)?.groupValues?.get(1)
                ?: throw HealthBookException.Server(status.toUShort(), "sign-in answered without a token")
        } catch (error: IOException) {
            throw HealthBookException.Network(error.message ?: "no connection")
        } finally {
            connection.disconnect()
        }
    }

    private companion object {
        val PERSONAL_ID = Regex("\\d{12}")
        val TOKEN = Regex("\"access_token\"\\s*:\\s*\"([^\"]+)\"")
        const val TIMEOUT_MS = 15_000
    }
}
