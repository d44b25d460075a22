// The console demo: what an app does with the core, through the generated Kotlin bindings.
// Opens an encrypted book, loads the synthetic family, prints the parent's timeline and a search.
// Argument: the output folder (the encrypted book is left at <out>/book.db).

package vn.healthbook.demo

import vn.healthbook.HealthBook
import vn.healthbook.Person
import vn.healthbook.PersonRole
import vn.healthbook.RecordKind
import vn.healthbook.TimelineEntry
import vn.healthbook.TimelineQuery
import vn.healthbook.sampleFamily
import java.io.File
import java.security.SecureRandom
import java.time.LocalDate
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import kotlin.system.exitProcess

private val dayFormat = DateTimeFormatter.ofPattern("dd/MM/yyyy")

fun main(args: Array<String>) {
    val out = File(args.firstOrNull() ?: run {
        System.err.println("usage: Demo <output folder>")
        exitProcess(2)
    })
    out.mkdirs()
    val bookFile = File(out, "book.db")
    if (bookFile.exists()) {
        System.err.println("${bookFile.path} already exists: choose an empty folder with --out")
        exitProcess(2)
    }

    // In the apps this key is created once and kept wrapped by Android Keystore / iOS Keychain.
    // The demo writes it beside the book so the book can be opened again; only the demo does that.
    val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
    val keyFile = File(out, "book.key.hex")
    keyFile.writeText(key.joinToString("") { "%02x".format(it) })

    val today = LocalDate.now(ZoneOffset.ofHours(7))
    val secrets = mutableListOf("SQLite format 3")
    HealthBook.open(bookFile.path, key).use { book ->
        val family = sampleFamily(42uL, today)
        family.people.forEach { book.addPerson(it) }
        book.addRecords(family.records)

        val people = book.people()
        println("The book holds ${people.size} people and ${family.records.size} records:")
        people.forEach { println("  ${describe(it)}") }

        val owner = people.first { it.role == PersonRole.OWNER }
        secrets += owner.fullName
        val page = book.timeline(owner.id, TimelineQuery(limit = 15u))
        println()
        println("Timeline of ${owner.fullName} (first page, newest first):")
        page.entries.forEach { println("  ${line(it)}") }
        if (page.nextCursor != null) println("  … more on the next page")
        secrets += page.entries.map { it.title }.filter { it.length >= 6 }.take(5)

        val text = "viem phoi"
        val hits = book.search(owner.id, text, 10u)
        println()
        println("Search \"$text\" (typed without diacritics): ${hits.size} results")
        hits.forEach { println("  ${line(it)}") }

        val active = book.activePrescriptions(owner.id, today)
        val upcoming = book.upcomingAppointments(owner.id, today)
        println()
        println("Active prescriptions on ${today.format(dayFormat)}: ${active.size}; upcoming re-exams: ${upcoming.size}")
        upcoming.forEach { println("  ${it.appointmentDate.format(dayFormat)}  ${it.facility.name}  ${it.department ?: ""}") }
    }

    val bytes = bookFile.readBytes()
    val found = secrets.distinct().filter { needle ->
        val pattern = needle.toByteArray(Charsets.UTF_8)
        (0..bytes.size - pattern.size).any { i -> pattern.indices.all { bytes[i + it] == pattern[it] } }
    }
    println()
    println("Encrypted book: ${bookFile.absolutePath} (${bytes.size} bytes)")
    println(
        "  plaintext check for ${secrets.distinct().size} strings (owner's name, record titles, SQLite header): " +
            if (found.isEmpty()) "none found" else "FOUND $found",
    )
    println("Demo key (the app keeps it in the keystore): ${keyFile.absolutePath}")
    if (found.isNotEmpty()) exitProcess(1)
}

private fun describe(person: Person): String {
    val role = if (person.role == PersonRole.OWNER) "owner" else "child, guardian ${person.guardian?.name ?: "?"}"
    return "${person.fullName}, born ${person.dateOfBirth.format(dayFormat)} ($role)"
}

private fun line(entry: TimelineEntry): String {
    val day = entry.at.toLocalDate().format(dayFormat)
    val kind = when (entry.kind) {
        RecordKind.VISIT -> "Khám bệnh"
        RecordKind.PRESCRIPTION -> "Đơn thuốc"
        RecordKind.REFERRAL -> "Chuyển viện"
        RecordKind.APPOINTMENT -> "Hẹn tái khám"
        RecordKind.IMMUNIZATION -> "Tiêm chủng"
        RecordKind.ALLERGY -> "Dị ứng"
        RecordKind.CONDITION -> "Tiền sử"
        RecordKind.OBSERVATION -> "Theo dõi"
    }
    val place = entry.facilityName?.let { "  ($it)" } ?: ""
    return "$day  ${kind.padEnd(12)} ${entry.title}$place"
}
