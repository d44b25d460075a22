import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import HealthBookKit

// What the test files share: keys, temporary books, records of every kind, the running backend
// and its development login, and small listeners. No tests here.

let testKey = Data((0..<32).map { UInt8(truncatingIfNeeded: $0 * 7 + 1) })
let otherKey = Data((0..<32).map { UInt8(255 - $0) })

/// The day in Việt Nam: the sample family and the backend's seed are dated from it.
func todayVN() -> CalendarDay { CalendarDay.today() }

/// A calendar day written as text; the tests' literals are valid days.
func day(_ text: String) -> CalendarDay {
    try! CalendarDay(iso8601: text)
}

/// An instant written as RFC 3339 text.
func instant(_ text: String) -> Date {
    try! CoreText.date(rfc3339: text)
}

extension XCTestCase {
    /// A path for a new book in a new folder, removed with everything in it when the test ends.
    func newBookPath(_ name: String = "book.db") -> String {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("healthbook-swift-\(UUID().uuidString)", isDirectory: true)
        XCTAssertNoThrow(try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true))
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder.appendingPathComponent(name).path
    }

    /// A book opened with `key` on a new file, closed when the test ends.
    func newBook(key: Data = testKey) throws -> HealthBook {
        let book = try HealthBook.open(path: newBookPath(), key: key)
        // Teardown blocks run last first: the book is closed before its folder is removed.
        addTeardownBlock { book.close() }
        return book
    }
}

// MARK: - Errors

/// Runs `body`, which must throw a `HealthBookError`; returns it for the test to look at.
@discardableResult
func assertHealthBookError<T>(
    _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line,
    _ body: () throws -> T
) -> HealthBookError? {
    do {
        let value = try body()
        XCTFail("expected a HealthBookError but got \(value). \(message())", file: file, line: line)
    } catch let error as HealthBookError {
        return error
    } catch {
        XCTFail("expected a HealthBookError but got \(type(of: error)): \(error). \(message())", file: file, line: line)
    }
    return nil
}

/// The async form of `assertHealthBookError`.
@discardableResult
func assertHealthBookErrorAsync<T>(
    _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line,
    _ body: () async throws -> T
) async -> HealthBookError? {
    do {
        let value = try await body()
        XCTFail("expected a HealthBookError but got \(value). \(message())", file: file, line: line)
    } catch let error as HealthBookError {
        return error
    } catch {
        XCTFail("expected a HealthBookError but got \(type(of: error)): \(error). \(message())", file: file, line: line)
    }
    return nil
}

/// The `field` of a `Validation` error, failing the test for any other error.
func validationField(
    _ error: HealthBookError?, file: StaticString = #filePath, line: UInt = #line
) -> String? {
    guard case .Validation(let field, let reason)? = error else {
        XCTFail("expected Validation, got \(String(describing: error))", file: file, line: line)
        return nil
    }
    XCTAssertFalse(reason.isEmpty, "a validation error says why", file: file, line: line)
    return field
}

/// The variant's name, for messages and comparisons: `WrongKey`, `Cancelled`, …
func kindOf(_ error: HealthBookError?) -> String {
    guard let error else { return "no error" }
    switch error {
    case .WrongKey: return "WrongKey"
    case .Validation: return "Validation"
    case .NotFound: return "NotFound"
    case .Network: return "Network"
    case .AuthExpired: return "AuthExpired"
    case .Server: return "Server"
    case .Storage: return "Storage"
    case .ShareExpired: return "ShareExpired"
    case .ShareUnreadable: return "ShareUnreadable"
    case .Cancelled: return "Cancelled"
    case .SyncInProgress: return "SyncInProgress"
    case .Closed: return "Closed"
    case .CallbackFailed: return "CallbackFailed"
    case .Internal: return "Internal"
    case .ReadOnly: return "ReadOnly"
    }
}

// MARK: - People and records

let bachMai = Facility(code: "01001", name: "Bệnh viện Bạch Mai")

let motherName = "Nguyễn Thị Lan"
let motherPersonalId = "001190012345"

func mother(dateOfBirth: CalendarDay = day("1990-03-14")) -> Person {
    Person(
        id: "", role: .owner, fullName: motherName, dateOfBirth: dateOfBirth, sex: .female,
        personalId: motherPersonalId, previousPersonalIds: [], ethnicity: "Kinh", nationality: "VN",
        occupation: nil, address: nil,
        insurance: InsuranceCard(
            number: "GD4010123456789", primaryCareFacilityCode: "01001",
            validFrom: day("2026-01-01"), validTo: day("2026-12-31")),
        bloodGroup: BloodGroup(abo: .o, rh: .positive), riskFactors: [], guardian: nil)
}

func child(of owner: Person) -> Person {
    Person(
        id: "", role: .dependant, fullName: "Trần Minh Khang", dateOfBirth: day("2026-01-15"), sex: .male,
        personalId: "001226000321", previousPersonalIds: [], ethnicity: "Kinh", nationality: "VN",
        occupation: nil, address: nil, insurance: nil, bloodGroup: nil, riskFactors: [],
        guardian: GuardianLink(
            guardianPersonId: owner.id, name: owner.fullName, relation: .mother,
            personalId: owner.personalId, phone: "0912345678", since: nil, until: nil))
}

func visit(personId: String, start: Date, diagnosis: String, icd10: String?) -> Record {
    .visit(visit: Visit(
        id: "", personId: personId, source: .facility, sensitive: false, episodeKey: nil,
        facility: bachMai, department: "Khoa Hô hấp", start: start, end: nil, inpatient: false,
        reason: "Ho, sốt", diagnosisText: diagnosis, mainIcd10: icd10, secondaryIcd10: [], procedures: [],
        treatmentResult: .improved, dischargeType: .discharged, weightKg: 52, instructions: nil,
        reExamDates: [], practitionerName: "BS. Phạm Văn Hùng", practitionerLicence: nil, summary: nil))
}

/// One record of each kind for `personId`, dated 19–21 November 2026 (the immunization, allergy and
/// condition earlier). Four of them mention "Viêm phổi"; the condition is "Tiểu đường type 2".
func oneOfEach(personId: String) -> [Record] {
    let at = instant("2026-11-19T08:30:00+07:00")
    return [
        visit(personId: personId, start: at, diagnosis: "Viêm phổi", icd10: "J18.9"),
        .prescription(prescription: Prescription(
            id: "", personId: personId, source: .facility, sensitive: false,
            nationalCode: "01001abc1234-c", kind: .general, issuedAt: at.addingTimeInterval(30 * 60),
            facility: bachMai, prescriberName: "BS. Phạm Văn Hùng", prescriberLicence: nil,
            diagnoses: [Diagnosis(icd10: "J18.9", text: "Viêm phổi")],
            lines: [DrugLine(
                drugCode: nil, brandName: "Augmentin 625mg", activeIngredient: "Amoxicillin + acid clavulanic",
                strength: "500mg/125mg", unit: "viên", quantity: 14,
                dosage: Dosage(dosePerTime: 1, timesPerDay: 2, route: "uống", timing: "sau ăn", days: 7))],
            advice: nil, reExamDate: nil, patientAgeMonths: nil, patientWeightKg: nil, replaces: nil)),
        .referral(referral: ReferralSlip(
            id: "", personId: personId, source: .facility, sensitive: false, slipNumber: "CT-2026-0042",
            fromFacility: Facility(code: "01123", name: "Trung tâm Y tế quận Đống Đa"), toFacility: bachMai,
            clinicalSigns: "Khó thở", diagnosisText: "Viêm phổi nặng", icd10: ["J18.9"], diseaseCourse: nil,
            keyResults: nil, treatmentGiven: nil, conditionAtTransfer: nil, reason: .beyondCapacity,
            plannedTreatment: "Điều trị nội trú", transport: "Xe cứu thương", escort: nil, doctorName: nil,
            doctorLicence: nil, signedAt: instant("2026-11-20T10:00:00+07:00"), chronicDisease: false,
            validUntil: nil)),
        .appointment(appointment: ReAppointment(
            id: "", personId: personId, source: .facility, sensitive: false, slipNumber: "HK-1",
            facility: bachMai, department: "Khoa Hô hấp", appointmentDate: day("2026-12-03"),
            diagnosisText: "Viêm phổi", icd10: ["J18.9"], doctorName: nil,
            issuedAt: instant("2026-11-20T10:00:00+07:00"), status: .booked)),
        .immunization(immunization: Immunization(
            id: "", personId: personId, source: .facility, sensitive: false, vaccineCode: "VAT",
            vaccineName: "Uốn ván hấp phụ (VAT)", cvx: 35, antigens: ["Td"], doseNumber: 1,
            date: day("2025-10-01"), lot: "L01", facility: nil, programme: .expanded, reactions: nil)),
        .allergy(allergy: Allergy(
            id: "", personId: personId, source: .citizen, sensitive: false, substance: "Penicillin",
            category: .medication, criticality: .high, reaction: "Nổi mề đay", recordedOn: day("2020-05-01"),
            note: nil)),
        .condition(condition: Condition(
            id: "", personId: personId, source: .citizen, sensitive: false, history: .medical,
            text: "Tiểu đường type 2", icd10: "E11", onset: day("2022-06-01"), recordedOn: day("2022-06-01"),
            status: .active, relative: nil)),
        .observation(observation: Observation(
            id: "", personId: personId, source: .citizen, sensitive: false, kind: .bloodPressure,
            at: instant("2026-11-21T20:00:00+07:00"),
            value: .bloodPressure(systolic: 128, diastolic: 82), note: "Đo ở nhà")),
    ]
}

/// Every record kind, in the order of the Record enum (`RecordKind` is not `CaseIterable`).
let allRecordKinds: [RecordKind] = [
    .visit, .prescription, .referral, .appointment, .immunization, .allergy, .condition, .observation,
]

/// Every timeline entry of a person, newest first, page by page.
func allEntries(_ book: HealthBook, _ personId: String, pageSize: UInt32 = 500) throws -> [TimelineEntry] {
    var entries: [TimelineEntry] = []
    var cursor: String?
    repeat {
        let page = try book.timeline(personId: personId, query: TimelineQuery(limit: pageSize, cursor: cursor))
        entries += page.entries
        cursor = page.nextCursor
    } while cursor != nil
    return entries
}

func totalRecords(_ book: HealthBook) throws -> Int {
    try book.people().reduce(0) { $0 + (try allEntries(book, $1.id)).count }
}

/// Records per kind of each person, keyed by personal id.
func kindsByPersonalId(_ book: HealthBook) throws -> [String: [RecordKind: Int]] {
    var result: [String: [RecordKind: Int]] = [:]
    for person in try book.people() {
        var counts: [RecordKind: Int] = [:]
        for entry in try allEntries(book, person.id) { counts[entry.kind, default: 0] += 1 }
        result[person.personalId ?? "none"] = counts
    }
    return result
}

/// The same counts for the sample family.
func kindsByPersonalId(_ family: SampleFamily) -> [String: [RecordKind: Int]] {
    let personalIds = Dictionary(uniqueKeysWithValues: family.people.map { ($0.id, $0.personalId ?? "none") })
    var result: [String: [RecordKind: Int]] = [:]
    for record in family.records {
        result[personalIds[record.recordPersonId()] ?? "?", default: [:]][record.recordKind(), default: 0] += 1
    }
    return result
}

// MARK: - The backend

/// The environment variable `cargo xtask test-swift` sets to the URL of the backend it started.
let backendVariable = "HEALTHBOOK_BACKEND_URL"

/// The running backend's URL; fails the test (never skips it) when it is not set.
func backendURL(file: StaticString = #filePath, line: UInt = #line) throws -> URL {
    guard let text = ProcessInfo.processInfo.environment[backendVariable], !text.isEmpty,
          let url = URL(string: text)
    else {
        XCTFail(
            "\(backendVariable) is not set: run these tests with `cargo xtask test-swift`, which starts the backend",
            file: file, line: line)
        throw BackendMissing()
    }
    return url
}

struct BackendMissing: Error, CustomStringConvertible {
    var description: String { "\(backendVariable) is not set: run `cargo xtask test-swift`" }
}

/// The sample family the backend seeds (`--seed`: seed 42, today in Việt Nam).
func seededFamily() -> SampleFamily { sampleFamily(seed: 42, today: todayVN()) }

struct LoginFailed: Error, CustomStringConvertible {
    let description: String
}

/// `POST /auth/dev-login`: the backend's stand-in for the national ID login; the bearer token.
func devLogin(_ server: URL, personalId: String) async throws -> String {
    var request = URLRequest(url: server.appendingPathComponent("auth/dev-login"))
    request.httpMethod = "POST"
    request.timeoutInterval = 30
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.httpBody = try JSONSerialization.data(withJSONObject: ["personal_id": personalId])
    let (data, response) = try await URLSession.shared.data(for: request)
    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
    guard status == 200 else {
        throw LoginFailed(description: "dev-login as \(personalId): HTTP \(status): \(String(decoding: data, as: UTF8.self))")
    }
    guard let body = try JSONSerialization.jsonObject(with: data) as? [String: Any],
          let token = body["access_token"] as? String, !token.isEmpty
    else {
        throw LoginFailed(description: "dev-login answered without an access_token: \(String(decoding: data, as: UTF8.self))")
    }
    return token
}

/// The seeded mother's token, from the development login.
func motherToken(_ server: URL) async throws -> String {
    let family = seededFamily()
    let personalId = try XCTUnwrap(family.people[0].personalId, "the sample mother's personal id")
    return try await devLogin(server, personalId: personalId)
}

// MARK: - Callbacks

final class FixedToken: SyncAuth {
    let token: String
    init(_ token: String) { self.token = token }
    func accessToken() throws -> String { token }
}

/// A token provider whose refresh failed, with the app's own error.
final class FailingToken: SyncAuth {
    struct RefreshFailed: Error, CustomStringConvertible {
        var description: String { "the national ID app did not answer" }
    }
    func accessToken() throws -> String { throw RefreshFailed() }
}

/// Keeps every progress report; calls `onReport` (on the core's thread) after each.
final class RecordingProgress: SyncProgressListener, @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [SyncProgress] = []
    private let onReport: @Sendable ([SyncProgress]) -> Void

    init(onReport: @escaping @Sendable ([SyncProgress]) -> Void = { _ in }) {
        self.onReport = onReport
    }

    var all: [SyncProgress] { lock.withLock { reports } }

    func onProgress(progress: SyncProgress) throws {
        let seen = lock.withLock {
            reports.append(progress)
            return reports
        }
        onReport(seen)
    }
}

/// A value set once from another thread (e.g. a Task to cancel from a callback).
final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    var value: T? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
