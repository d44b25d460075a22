// The Kotlin test runner: `cargo xtask test` (or `cargo xtask test-kotlin [FILTER...]`) compiles
// every .kt file under tests/kotlin together with the generated bindings and runs this `main`.
//
// A test is a name and a function that throws when the test fails. Each test file defines a list,
// e.g. `val bookTests: List<TestCase> = listOf("opens a book" to { ... })`, and `allTests` below
// includes it; a test that calls the core's suspend functions is `suspendTest("name") { ... }`.
// Arguments to `main` select the tests whose names contain one of them.

package vn.healthbook.tests

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import java.io.File
import java.nio.file.Files
import kotlin.system.exitProcess
import kotlin.time.Duration
import kotlin.time.Duration.Companion.minutes

typealias TestCase = Pair<String, () -> Unit>

/**
 * A test that calls suspend functions: [body] runs in `runBlocking`, and fails when it takes
 * longer than [timeout] (a sync or a callback that never returns fails the test, not the run).
 */
fun suspendTest(name: String, timeout: Duration = 2.minutes, body: suspend CoroutineScope.() -> Unit): TestCase =
    name to { runBlocking { withTimeout(timeout) { body() } } }

/** Every test the runner knows. Add a new file's list here. */
val allTests: List<TestCase>
    get() = bookTests + syncTests + familyTests + shareTests

fun main(args: Array<String>) {
    val selected = if (args.isEmpty()) allTests else allTests.filter { (name, _) -> args.any { name.contains(it) } }
    if (selected.isEmpty()) {
        println(if (args.isEmpty()) "No Kotlin tests are registered." else "No Kotlin test matches ${args.toList()}.")
        exitProcess(1)
    }

    val failed = mutableListOf<String>()
    for ((name, test) in selected) {
        try {
            test()
            println("ok      $name")
        } catch (e: Throwable) {
            failed += name
            println("FAILED  $name")
            report(e)
        } finally {
            deleteTempDirs()
        }
    }

    println()
    if (failed.isNotEmpty()) {
        println("Failed tests:")
        failed.forEach { println("    $it") }
    }
    println("${selected.size - failed.size} passed, ${failed.size} failed")
    exitProcess(if (failed.isEmpty()) 0 else 1)
}

/** The failure's message, its causes, and where in the test files it happened. */
private fun report(e: Throwable) {
    val what = if (e is AssertionError) e.message else "${e::class.qualifiedName}: ${e.message}"
    println("        $what")
    var cause = e.cause
    while (cause != null) {
        println("        caused by ${cause::class.qualifiedName}: ${cause.message}")
        cause = cause.cause
    }
    e.stackTrace
        .filter { it.className.startsWith("vn.healthbook.tests") && it.fileName != "TestRunner.kt" }
        .take(3)
        .forEach { println("        at ${it.fileName}:${it.lineNumber}") }
}

// ---- Assertions -------------------------------------------------------------------------------

fun fail(message: String): Nothing = throw AssertionError(message)

fun assertTrue(condition: Boolean, message: String) {
    if (!condition) fail(message)
}

fun assertFalse(condition: Boolean, message: String) {
    if (condition) fail(message)
}

fun assertEquals(expected: Any?, actual: Any?, message: String = "") {
    if (expected != actual) fail(prefixed(message, "expected <$expected> but was <$actual>"))
}

fun <T : Any> assertNotNull(value: T?, message: String = ""): T =
    value ?: fail(prefixed(message, "expected a value but was null"))

/** Runs [block], which must throw a [T]; returns that exception so the test can look at it. */
inline fun <reified T : Throwable> assertThrows(message: String = "", block: () -> Unit): T {
    val thrown = try {
        block()
        null
    } catch (e: Throwable) {
        e
    }
    return when (thrown) {
        is T -> thrown
        null -> fail(prefixed(message, "expected ${T::class.qualifiedName} but nothing was thrown"))
        else -> throw AssertionError(
            prefixed(message, "expected ${T::class.qualifiedName} but got ${thrown::class.qualifiedName}: ${thrown.message}"),
            thrown,
        )
    }
}

fun prefixed(message: String, detail: String): String = if (message.isEmpty()) detail else "$message: $detail"

// ---- Temporary files --------------------------------------------------------------------------

private val tempDirs = mutableListOf<File>()

/** A new empty folder for this test; it is deleted when the test ends. */
fun tempDir(): File {
    val dir = Files.createTempDirectory("healthbook-test-").toFile()
    tempDirs += dir
    return dir
}

private fun deleteTempDirs() {
    tempDirs.forEach { it.deleteRecursively() }
    tempDirs.clear()
}
