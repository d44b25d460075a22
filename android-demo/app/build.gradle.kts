import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

// The repository this app lives in (android-demo/..): the core's build outputs are under target/.
val repository: File = rootProject.projectDir.parentFile

// The core as an Android library, built by `cargo xtask package-android`: jni/<abi>/libhealthbook_core.so
// for arm64-v8a, armeabi-v7a and x86_64, classes.jar with the generated Kotlin bindings (package
// vn.healthbook), and consumer ProGuard rules for JNA and the bindings.
val coreAar: File = repository.resolve("target/android/healthbook.aar")

// The host build of the core (libhealthbook_core.so / .dylib), which the JVM unit tests load through
// JNA: `cargo build -p healthbook-core` (or any `cargo xtask test` run) puts it in target/debug.
val hostCoreDir: File = providers.gradleProperty("healthbook.hostLibraryDir")
    .map { File(it) }
    .getOrElse(repository.resolve("target/debug"))

val serverUrl: String = providers.gradleProperty("healthbook.serverUrl").getOrElse("http://127.0.0.1:8080")
val testBackendUrl: String = providers.gradleProperty("healthbook.backendUrl").getOrElse("http://127.0.0.1:8080")

android {
    namespace = "vn.healthbook.demo"
    compileSdk = 35

    defaultConfig {
        applicationId = "vn.healthbook.demo"
        // The bindings use java.time (LocalDate, OffsetDateTime), which Android has from API 26.
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"

        // The sync server (and the development sign-in). See gradle.properties.
        buildConfigField("String", "SERVER_URL", "\"$serverUrl\"")

        // The ABIs the core is built for; JNA's AAR carries more, which would only add dead weight.
        ndk {
            abiFilters.addAll(listOf("arm64-v8a", "armeabi-v7a", "x86_64"))
        }
    }

    buildTypes {
        release {
            // R8 keeps what JNA and the bindings need through the consumer rules inside the AAR.
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }

    sourceSets {
        // The view-model layer is plain Kotlin (no Android imports) so that `cargo xtask test` can
        // compile it with kotlinc and run its JUnit tests on the desktop JVM; here the same folders
        // are part of the app and of its local unit tests. (Kotlin files in a java source directory
        // are compiled by the Kotlin plugin like those in src/main/kotlin.)
        getByName("main") {
            java.srcDir("src/viewmodel/kotlin")
        }
        getByName("test") {
            java.srcDir("src/viewmodelTest/kotlin")
        }
    }

    packaging {
        resources {
            excludes += "/META-INF/{AL2.0,LGPL2.1}"
        }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

// JNA for the JVM unit tests: the plain jar, which carries libjnidispatch for Linux, macOS and
// Windows (the @aar below has Android's only). It is resolved in a configuration of its own and
// added as files, so that Gradle does not merge it with the @aar artifact of the same module.
val jnaDesktop: Configuration by configurations.creating {
    isCanBeConsumed = false
}

dependencies {
    // The core and its bindings. A local file, not a Maven coordinate: build it first with
    // `cargo xtask package-android` (see README.md). What it needs at run time follows.
    implementation(files(coreAar))
    implementation("net.java.dev.jna:jna:${libs.versions.jna.get()}@aar")
    implementation(libs.kotlinx.coroutines.core)
    implementation(libs.kotlinx.coroutines.android)

    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.activity.compose)
    implementation(libs.androidx.lifecycle.viewmodel.compose)
    implementation(libs.androidx.lifecycle.runtime.compose)
    implementation(libs.androidx.navigation.compose)
    implementation(platform(libs.androidx.compose.bom))
    implementation(libs.androidx.compose.ui)
    implementation(libs.androidx.compose.ui.graphics)
    implementation(libs.androidx.compose.ui.tooling.preview)
    implementation(libs.androidx.compose.material3)
    implementation(libs.androidx.compose.material.icons.core)
    debugImplementation(libs.androidx.compose.ui.tooling)

    // The view-model tests (src/viewmodelTest): JUnit 4 on the JVM against the real core.
    testImplementation(libs.junit)
    jnaDesktop("net.java.dev.jna:jna:${libs.versions.jna.get()}@jar")
    testImplementation(files(jnaDesktop))
}

// The view-model tests run the bindings against the host build of the core (not the Android
// libraries in the AAR), and sign-in, sync and sharing tests need the reference backend running,
// seeded for today. `cargo xtask test` does both for its own run; from Gradle:
//   cargo build -p healthbook-core
//   cargo run -p healthbook-backend -- --seed --db /tmp/hb-test/backend.db --listen 127.0.0.1:8080
//   ./gradlew :app:testDebugUnitTest            (-Phealthbook.backendUrl=... for another address)
tasks.withType<Test>().configureEach {
    systemProperty("jna.library.path", hostCoreDir.path)
    systemProperty("healthbook.backend.url", testBackendUrl)
}

// Say what to do when the core's AAR has not been built, rather than failing on unresolved
// references to vn.healthbook.
val checkCoreAar by tasks.registering {
    val aar = coreAar
    doLast {
        check(aar.isFile) {
            "The core's Android library is missing: $aar. Build it from the repository root with " +
                "`cargo xtask package-android` (it needs the Android NDK, cargo-ndk and the Rust Android targets; see android-demo/README.md)."
        }
    }
}
tasks.named("preBuild") {
    dependsOn(checkCoreAar)
}
