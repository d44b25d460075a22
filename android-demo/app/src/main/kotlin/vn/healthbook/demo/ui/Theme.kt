// A simple Material 3 theme: a calm teal, light and dark, and the colours of the dose badges.

package vn.healthbook.demo.ui

import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color
import vn.healthbook.demo.viewmodel.DoseBadge

private val LightColors = lightColorScheme(
    primary = Color(0xFF00696E),
    onPrimary = Color(0xFFFFFFFF),
    primaryContainer = Color(0xFF9CF1F6),
    onPrimaryContainer = Color(0xFF002022),
    secondary = Color(0xFF4A6365),
    onSecondary = Color(0xFFFFFFFF),
    secondaryContainer = Color(0xFFCCE8EA),
    onSecondaryContainer = Color(0xFF051F21),
    background = Color(0xFFF4FBFB),
    surface = Color(0xFFF4FBFB),
)

private val DarkColors = darkColorScheme(
    primary = Color(0xFF80D4DA),
    onPrimary = Color(0xFF003739),
    primaryContainer = Color(0xFF004F53),
    onPrimaryContainer = Color(0xFF9CF1F6),
    secondary = Color(0xFFB0CCCE),
    onSecondary = Color(0xFF1B3436),
    secondaryContainer = Color(0xFF324B4D),
    onSecondaryContainer = Color(0xFFCCE8EA),
    background = Color(0xFF0E1415),
    surface = Color(0xFF0E1415),
)

@Composable
fun HealthBookTheme(content: @Composable () -> Unit) {
    MaterialTheme(colorScheme = if (isSystemInDarkTheme()) DarkColors else LightColors, content = content)
}

/** Badge colours; every badge also carries its name, so colour is never the only signal. */
fun DoseBadge.containerColor(): Color = when (this) {
    DoseBadge.GIVEN -> Color(0xFF2E7D32)
    DoseBadge.DUE -> Color(0xFFF9A825)
    DoseBadge.OVERDUE -> Color(0xFFC62828)
    DoseBadge.UPCOMING -> Color(0xFF1565C0)
    DoseBadge.NOT_YET_ELIGIBLE -> Color(0xFF757575)
    DoseBadge.NO_LONGER_GIVEN -> Color(0xFFBDBDBD)
}

fun DoseBadge.contentColor(): Color = when (this) {
    DoseBadge.DUE, DoseBadge.NO_LONGER_GIVEN -> Color(0xFF1A1A1A)
    else -> Color(0xFFFFFFFF)
}
