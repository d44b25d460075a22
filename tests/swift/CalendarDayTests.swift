import XCTest
@testable import HealthBookKit

/// The Swift shipped with the bindings: the calendar day and the text conversions the generated
/// code calls for every date, instant and URL.
final class CalendarDayTests: XCTestCase {
    func testReadsAndWritesISODays() throws {
        let day = try CalendarDay(iso8601: "2024-02-29")
        XCTAssertEqual(day.year, 2024)
        XCTAssertEqual(day.month, 2)
        XCTAssertEqual(day.day, 29)
        XCTAssertEqual(day.iso8601, "2024-02-29")
        XCTAssertEqual(day.adding(days: 1).iso8601, "2024-03-01")
        XCTAssertEqual(day.adding(days: -60).iso8601, "2023-12-31")
        XCTAssertEqual(try CalendarDay(iso8601: "1990-01-01").days(until: day), 12_477)
    }

    func testRefusesDaysThatDoNotExist() {
        for text in ["2023-02-29", "2024-13-01", "2024-04-31", "24-01-01", "2024-1-01", "2024-01-01T00:00", ""] {
            XCTAssertThrowsError(try CalendarDay(iso8601: text), text)
        }
    }

    func testOrdersByDate() throws {
        let days = try ["2024-05-01", "2023-12-31", "2024-01-15"].map { try CalendarDay(iso8601: $0) }
        XCTAssertEqual(days.sorted().map(\.iso8601), ["2023-12-31", "2024-01-15", "2024-05-01"])
    }

    func testTheDayOfAnInstantIsVietnamsDay() throws {
        // 2024-05-01 18:30 UTC is already 2 May in Vietnam (UTC+7).
        let instant = try CoreText.date(rfc3339: "2024-05-01T18:30:00Z")
        XCTAssertEqual(CalendarDay(instant).iso8601, "2024-05-02")
        XCTAssertEqual(CalendarDay(instant, in: TimeZone(secondsFromGMT: 0)!).iso8601, "2024-05-01")
        XCTAssertEqual(
            try CalendarDay(iso8601: "2024-05-02").date(),
            try CoreText.date(rfc3339: "2024-05-02T00:00:00+07:00"))
    }

    func testInstantsRoundTripInVietnamTime() throws {
        let instant = try CoreText.date(rfc3339: "2024-05-01T08:30:15.250+07:00")
        XCTAssertEqual(instant.timeIntervalSince1970, 1_714_527_015.25, accuracy: 0.0005)
        XCTAssertEqual(CoreText.rfc3339(instant), "2024-05-01T08:30:15.250+07:00")
        XCTAssertEqual(
            CoreText.rfc3339(try CoreText.date(rfc3339: "2024-05-01T01:30:00Z")),
            "2024-05-01T08:30:00+07:00")
        XCTAssertEqual(
            try CoreText.date(rfc3339: "1969-12-31T23:59:59-00:30").timeIntervalSince1970, 1799)
        for text in ["2024-05-01", "2024-05-01T08:30:00", "2024-05-01T08:30:00+0700", "2024-05-01T25:00:00Z"] {
            XCTAssertThrowsError(try CoreText.date(rfc3339: text), text)
        }
    }

    func testCodableAsText() throws {
        let day = try CalendarDay(iso8601: "2025-09-02")
        let json = try JSONEncoder().encode([day])
        XCTAssertEqual(String(decoding: json, as: UTF8.self), #"["2025-09-02"]"#)
        XCTAssertEqual(try JSONDecoder().decode([CalendarDay].self, from: json), [day])
    }
}
