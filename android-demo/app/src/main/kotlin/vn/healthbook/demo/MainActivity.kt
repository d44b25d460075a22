package vn.healthbook.demo

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import vn.healthbook.demo.ui.HealthBookApp
import vn.healthbook.demo.ui.HealthBookTheme

class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        enableEdgeToEdge()
        super.onCreate(savedInstanceState)
        val container = appContainer
        setContent {
            HealthBookTheme {
                HealthBookApp(container)
            }
        }
    }
}
