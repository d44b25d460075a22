// The console demo: what an app does with the core, through the generated Kotlin bindings.
// Logs in to the backend as the mother of the sample family, syncs her encrypted book from it
// (collecting `syncEvents`, the Flow shipped with the bindings), prints what arrived, her
// timeline and a search, the baby's vaccinations and the family's reminders, shares the last
// visit with a doctor (QR, open, revoke), adds a blood-pressure reading and pushes it, then
// checks that the book file holds none of it in plain text.
// Argument: the output folder (the encrypted book is left at <out>/book.db).
// System property healthbook.backend.url: the backend (`cargo xtask demo` starts one, seeded).

package vn.healthbook.demo

import kotlinx.coroutines.runBlocking
import vn.healthbook.DoseState
import vn.healthbook.HealthBook
import vn.healthbook.HealthBookException
import vn.healthbook.Observation
import vn.healthbook.ObservationKind
import vn.healthbook.ObservationValue
import vn.healthbook.Person
import vn.healthbook.PersonRole
import vn.healthbook.Record
import vn.healthbook.RecordKind
import vn.healthbook.RecordSource
import vn.healthbook.ShareRequest
import vn.healthbook.SyncAuth
import vn.healthbook.SyncConfig
import vn.healthbook.SyncEvent
import vn.healthbook.SyncPhase
import vn.healthbook.SyncProgress
import vn.healthbook.SyncReport
import vn.healthbook.TimelineEntry
import vn.healthbook.TimelineQuery
import vn.healthbook.openShareLink
import vn.healthbook.sampleFamily
import vn.healthbook.syncEvents
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.security.SecureRandom
import java.time.Duration
import java.time.LocalDate
import java.time.OffsetDateTime
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import kotlin.system.exitProcess

private val dayFormat = DateTimeFormatter.ofPattern("dd/MM/yyyy")
private val vietnam = ZoneOffset.ofHours(7)

fun main(args: Array<String>): Unit = runBlocking {
    val out = File(args.firstOrNull() ?: run {
        System.err.println("usage: Demo <output folder>  (with -Dhealthbook.backend.url=http://127.0.0.1:PORT)")
        exitProcess(2)
    })
    val serverUrl = System.getProperty("healthbook.backend.url") ?: run {
        System.err.println("the system property healthbook.backend.url is not set: run the demo with `cargo xtask demo`, which starts the backend")
        exitProcess(2)
    }
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

    val today = LocalDate.now(vietnam)
    // The backend was seeded with this family; the mother logs in with her CCCD. In the app the
    // token comes from the national ID (VNeID) login; the backend's dev login stands in for it.
    val motherId = sampleFamily(42uL, today).people[0].personalId ?: run {
        System.err.println("the sample mother has no personal id")
        exitProcess(1)
    }
    val login = devLogin(serverUrl, motherId)
    println("Logged in to $serverUrl as $motherId (development login; token valid for ${login.expiresIn} s)")

    val secrets = mutableListOf("SQLite format 3")
    HealthBook.open(bookFile.path, key).use { book ->
        val config = SyncConfig(serverUrl = serverUrl)
        val auth = object : SyncAuth {
            override fun accessToken(): String = login.token
        }
        println()
        println("Syncing a new book from the backend:")
        var report: SyncReport? = null
        try {
            book.syncEvents(config, auth).collect { event ->
                when (event) {
                    is SyncEvent.Progress -> printProgress(event.progress)
                    is SyncEvent.Finished -> report = event.report
                }
            }
        } catch (e: HealthBookException) {
            System.err.println("sync failed: ${e.message}")
            exitProcess(1)
        }
        println("  ${describe(report ?: error("the sync ended without its report"))}")

        val people = book.people()
        println()
        println("The book now holds ${people.size} people:")
        people.forEach { println("  ${describe(it)}") }

        println()
        println("What arrived, per person and kind:")
        people.forEach { person ->
            val kinds = allEntries(book, person.id).groupingBy { it.kind }.eachCount()
            val counts = RecordKind.entries.filter { it in kinds }.joinToString(", ") { "${kindName(it)} ${kinds[it]}" }
            println("  ${person.fullName}, ${kinds.values.sum()} records: $counts")
        }

        val owner = people.first { it.role == PersonRole.OWNER }
        secrets += owner.fullName
        val page = book.timeline(owner.id, TimelineQuery(limit = 15u))
        println()
        println("Timeline of ${owner.fullName} (latest 15, newest first):")
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

        val youngest = people.filter { it.role == PersonRole.DEPENDANT }.maxByOrNull { it.dateOfBirth }
        if (youngest != null) {
            val member = book.family(today).first { it.person.id == youngest.id }
            val status = book.vaccinationStatus(youngest.id, today)
            println()
            println("Vaccinations of ${youngest.fullName} (${member.ageMonths} months) on ${today.format(dayFormat)}, ${status.scheduleSource}:")
            status.antigens.forEach { antigen ->
                val doses = antigen.doses.joinToString("; ") { "${it.doseNumber}: ${doseState(it.state)}" }
                println("  ${antigen.nameVi.padEnd(28)} $doses")
                antigen.flagged.forEach { println("    ! dose of ${it.date.format(dayFormat)} not counted: ${it.reason}") }
            }
        }

        val reminders = book.reminders(today, 30u)
        println()
        println("The family's reminders for the next 30 days (${reminders.size}):")
        reminders.take(10).forEach { println("  ${it.remindOn.format(dayFormat)}  ${it.textVi}") }

        // At the check-in desk: share the last visit and its prescriptions with the doctor.
        val lastVisit = book.timeline(owner.id, TimelineQuery(kinds = listOf(RecordKind.VISIT), limit = 1u)).entries.firstOrNull()
        if (lastVisit != null) {
            val visitDay = lastVisit.at.toLocalDate()
            val prescriptions = book.timeline(
                owner.id,
                TimelineQuery(kinds = listOf(RecordKind.PRESCRIPTION), from = visitDay, to = visitDay, limit = 50u),
            ).entries.map { it.recordId }
            val created = book.createShare(
                ShareRequest(personId = owner.id, recordIds = listOf(lastVisit.recordId) + prescriptions, label = "Khám bệnh"),
                config,
                auth,
            )
            val share = created.share
            File(out, "share-qr.png").writeBytes(share.qr.png)
            File(out, "share-link.txt").writeText(share.link + "\n")
            println()
            println("Shared with the doctor: ${share.recordCount} records (the visit of ${visitDay.format(dayFormat)} and its prescriptions), " +
                "until ${share.expiresAt.toLocalTime().withNano(0)}; QR version ${share.qr.version} (${share.qr.size}×${share.qr.size}) " +
                "in ${File(out, "share-qr.png").path}, link in ${File(out, "share-link.txt").path}")

            val seen = openShareLink(share.link, "BS. Lê Minh (phòng khám số 3)")
            println("What the doctor sees (${seen.patient.fullName}, born ${seen.patient.dateOfBirth.format(dayFormat)}):")
            seen.records.forEach { println("  ${doctorLine(it)}") }
            book.sync(config, auth)
            book.shareAccessLog(share.id).forEach { println("  opened by ${it.recipient} at ${it.at.toLocalTime().withNano(0)}") }

            book.revokeShare(share.id, auth)
            try {
                openShareLink(share.link, "BS. Lê Minh (phòng khám số 3)")
                println("Revoked, but the link still opened: this is a bug")
                exitProcess(1)
            } catch (e: HealthBookException.ShareExpired) {
                println("Revoked; opening the link again: ${e.message}")
            }
        }

        println()
        val again = book.sync(config, auth)
        println("Syncing again: ${again.recordsReceived} records received (only what changed since the last sync)")

        book.addRecord(
            Record.Observation(
                Observation(
                    id = "", personId = owner.id, source = RecordSource.CITIZEN, sensitive = false,
                    kind = ObservationKind.BLOOD_PRESSURE, at = OffsetDateTime.now(vietnam).withNano(0),
                    value = ObservationValue.BloodPressure(126u, 81u), note = "Đo ở nhà",
                ),
            ),
        )
        val pushed = book.sync(config, auth)
        println("Added a blood-pressure reading taken at home and synced: ${pushed.recordsSent} sent, ${pushed.conflicts} conflicts")
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

private class Login(val token: String, val expiresIn: String)

/** `POST /auth/dev-login {"personal_id": ...}`: the backend's development login. */
private fun devLogin(serverUrl: String, personalId: String): Login {
    val request = HttpRequest.newBuilder(URI.create("$serverUrl/auth/dev-login"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("""{"personal_id":"$personalId"}"""))
        .build()
    val response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString())
    val body = response.body()
    fun field(name: String, pattern: String) = Regex("\"$name\"\\s*:\\s*$pattern").find(body)?.groupValues?.get(1)
    val token = field("access_token", "\"([^\"]+)\"")
    if (response.statusCode() != 200 || token == null) {
        System.err.println("logging in as $personalId failed: HTTP ${response.statusCode()}: $body")
        exitProcess(1)
    }
    return Login(token, field("expires_in", "(\\d+)") ?: "?")
}

/** Prints each page as it is applied. */
private fun printProgress(progress: SyncProgress) {
    when (progress.phase) {
        SyncPhase.PULLING -> println("  pulling: ${progress.pages} pages, ${progress.recordsReceived} records so far")
        SyncPhase.PUSHING -> println("  pushing: ${progress.recordsSent} records sent")
        SyncPhase.DONE -> {}
    }
}

/** Every timeline entry of a person, page by page. */
private fun allEntries(book: HealthBook, personId: String): List<TimelineEntry> {
    val entries = mutableListOf<TimelineEntry>()
    var cursor: String? = null
    do {
        val page = book.timeline(personId, TimelineQuery(limit = 500u, cursor = cursor))
        entries += page.entries
        cursor = page.nextCursor
    } while (cursor != null)
    return entries
}

private fun describe(report: SyncReport): String =
    "${report.pages} pages, ${report.recordsReceived} records received, ${report.recordsDeleted} deleted, " +
        "${report.peopleChanged} people changed, ${report.recordsSent} sent, ${report.conflicts} conflicts"

private fun describe(person: Person): String {
    val role = if (person.role == PersonRole.OWNER) "owner" else "child, guardian ${person.guardian?.name ?: "?"}"
    return "${person.fullName}, born ${person.dateOfBirth.format(dayFormat)} ($role)"
}

private fun line(entry: TimelineEntry): String {
    val day = entry.at.toLocalDate().format(dayFormat)
    val kind = kindName(entry.kind)
    val place = entry.facilityName?.let { "  ($it)" } ?: ""
    return "$day  ${kind.padEnd(12)} ${entry.title}$place"
}

private fun doctorLine(record: Record): String = when (record) {
    is Record.Visit -> "Khám bệnh  ${record.visit.start.toLocalDate().format(dayFormat)}  ${record.visit.diagnosisText} (${record.visit.mainIcd10 ?: "-"})  ${record.visit.facility.name}"
    is Record.Prescription -> "Đơn thuốc  ${record.prescription.issuedAt.toLocalDate().format(dayFormat)}  " +
        record.prescription.lines.joinToString(", ") { "${it.brandName} ${it.dosage.days} ngày" }
    else -> record.toString().take(100)
}

private fun doseState(state: DoseState): String = when (state) {
    is DoseState.Given -> "tiêm ${state.date.format(dayFormat)}" + if (state.late) " (muộn)" else ""
    is DoseState.Due -> "ĐẾN HẠN đến ${state.dueUntil.format(dayFormat)}"
    is DoseState.Overdue -> "QUÁ HẠN từ ${state.since.format(dayFormat)}"
    is DoseState.Upcoming -> "từ ${state.dueFrom.format(dayFormat)}"
    is DoseState.NotYetEligible -> "sau mũi ${state.waitsOnDose} (dự kiến ${state.projectedDue.format(dayFormat)})"
    is DoseState.NoLongerGiven -> "không tiêm nữa (từ ${state.closedOn.format(dayFormat)})"
}

private fun kindName(kind: RecordKind): String = when (kind) {
    RecordKind.VISIT -> "Khám bệnh"
    RecordKind.PRESCRIPTION -> "Đơn thuốc"
    RecordKind.REFERRAL -> "Chuyển viện"
    RecordKind.APPOINTMENT -> "Hẹn tái khám"
    RecordKind.IMMUNIZATION -> "Tiêm chủng"
    RecordKind.ALLERGY -> "Dị ứng"
    RecordKind.CONDITION -> "Tiền sử"
    RecordKind.OBSERVATION -> "Theo dõi"
}
