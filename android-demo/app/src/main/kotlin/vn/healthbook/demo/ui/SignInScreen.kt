// Signing in with the citizen's 12-digit personal id (CCCD). The reference backend's development
// login stands in for the national ID login.

package vn.healthbook.demo.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.rememberUpdatedState
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.flow.drop
import kotlinx.coroutines.flow.filterIsInstance
import kotlinx.coroutines.flow.first
import vn.healthbook.demo.R
import vn.healthbook.demo.viewmodel.SignInState
import vn.healthbook.demo.viewmodel.SignInViewModel

private const val PERSONAL_ID_DIGITS = 12

@Composable
fun SignInScreen(signIn: SignInViewModel, onSignedIn: () -> Unit, onBack: () -> Unit) {
    val state by signIn.state.collectAsStateWithLifecycle()
    var personalId by rememberSaveable { mutableStateOf("") }
    val currentOnSignedIn by rememberUpdatedState(onSignedIn)

    // Back to the screen that asked, as soon as a sign-in started here succeeds.
    LaunchedEffect(signIn) {
        signIn.state.drop(1).filterIsInstance<SignInState.SignedIn>().first()
        currentOnSignedIn()
    }

    val submit = { if (state !is SignInState.SigningIn) signIn.signIn(personalId) }

    ScreenScaffold(title = stringResource(R.string.sign_in_title), onBack = onBack) { padding ->
        Column(
            Modifier.padding(padding).fillMaxSize().verticalScroll(rememberScrollState()).padding(24.dp),
            verticalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            Text(stringResource(R.string.sign_in_explanation), style = MaterialTheme.typography.bodyMedium)
            OutlinedTextField(
                value = personalId,
                onValueChange = { typed -> personalId = typed.filter(Char::isDigit).take(PERSONAL_ID_DIGITS) },
                modifier = Modifier.fillMaxWidth(),
                label = { Text(stringResource(R.string.sign_in_personal_id)) },
                supportingText = { Text(stringResource(R.string.sign_in_personal_id_hint, personalId.length, PERSONAL_ID_DIGITS)) },
                singleLine = true,
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number, imeAction = ImeAction.Done),
                keyboardActions = KeyboardActions(onDone = { submit() }),
                isError = state is SignInState.Failed,
            )
            when (val current = state) {
                is SignInState.SigningIn -> CircularProgressIndicator(Modifier.align(Alignment.CenterHorizontally))
                is SignInState.Failed -> MessageCard(current.message.localized(), isError = true)
                is SignInState.SignedIn -> MessageCard(stringResource(R.string.sign_in_done), isError = false)
                SignInState.SignedOut -> Unit
            }
            Button(
                onClick = { submit() },
                enabled = personalId.length == PERSONAL_ID_DIGITS && state !is SignInState.SigningIn,
                modifier = Modifier.fillMaxWidth(),
            ) {
                Text(stringResource(R.string.sign_in_button))
            }
            Text(stringResource(R.string.sign_in_demo_hint), style = MaterialTheme.typography.bodySmall)
        }
    }
}
