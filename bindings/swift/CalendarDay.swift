import Foundation

/// A day on the calendar, with no time of day and no time zone: a birth date, the day a dose was
/// given, a re-exam date. The core's dates are such days (a birth date does not move when the phone
/// changes time zone); instants, such as when a share expires, are `Date`.
///
/// It crosses the FFI as ISO 8601 (`"2024-05-01"`). Convert with `date(in:)` and `init(_:in:)`.
public struct CalendarDay: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A checked day: month 1–12, a day the month has (29 February only in leap years), year 1–9999.
    public init(year: Int, month: Int, day: Int) throws {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...CalendarDay.days(inMonth: month, of: year)).contains(day)
        else {
            throw CalendarDayError(text: "\(year)-\(month)-\(day)")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Reads `YYYY-MM-DD`, exactly (what the core sends).
    public init(iso8601 text: String) throws {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else {
            throw CalendarDayError(text: text)
        }
        do {
            try self.init(year: year, month: month, day: day)
        } catch {
            throw CalendarDayError(text: text)
        }
    }

    /// The day `date` falls on in `timeZone` (by default Vietnam's, UTC+7, the book's own).
    public init(_ date: Date, in timeZone: TimeZone = CalendarDay.vietnam) {
        let seconds = Int64((date.timeIntervalSince1970).rounded(.down))
            + Int64(timeZone.secondsFromGMT(for: date))
        let civil = CalendarDay.civil(fromDays: CalendarDay.floorDiv(seconds, 86_400))
        self.year = civil.year
        self.month = civil.month
        self.day = civil.day
    }

    /// Today in `timeZone` (by default Vietnam's).
    public static func today(in timeZone: TimeZone = CalendarDay.vietnam) -> CalendarDay {
        CalendarDay(Date(), in: timeZone)
    }

    /// Vietnam's time zone (UTC+7, no daylight saving): where the book's days begin and end.
    public static let vietnam = TimeZone(secondsFromGMT: 7 * 3600)!

    /// `"2024-05-01"`.
    public var iso8601: String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let y = String(year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + two(month) + "-" + two(day)
    }

    public var description: String { iso8601 }

    /// The instant this day begins in `timeZone`.
    public func date(in timeZone: TimeZone = CalendarDay.vietnam) -> Date {
        let midnightUTC = Date(timeIntervalSince1970: TimeInterval(daysSince1970 * 86_400))
        return midnightUTC.addingTimeInterval(-TimeInterval(timeZone.secondsFromGMT(for: midnightUTC)))
    }

    /// Year, month and day, for `Calendar` and the date formatters.
    public var dateComponents: DateComponents {
        DateComponents(calendar: Calendar(identifier: .gregorian), year: year, month: month, day: day)
    }

    /// The day `count` days later (earlier when negative).
    public func adding(days count: Int) -> CalendarDay {
        let civil = CalendarDay.civil(fromDays: daysSince1970 + Int64(count))
        return CalendarDay(checked: civil)
    }

    /// Days from `self` to `other` (negative when `other` is earlier).
    public func days(until other: CalendarDay) -> Int {
        Int(other.daysSince1970 - daysSince1970)
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: Decoder) throws {
        try self.init(iso8601: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601)
    }

    // MARK: Day arithmetic (proleptic Gregorian calendar, days since 1970-01-01)

    private init(checked civil: (year: Int, month: Int, day: Int)) {
        self.year = civil.year
        self.month = civil.month
        self.day = civil.day
    }

    var daysSince1970: Int64 {
        // Howard Hinnant's days_from_civil.
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = CalendarDay.floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A text that is not a calendar day (`YYYY-MM-DD` with a month and day that exist).
public struct CalendarDayError: Error, LocalizedError, Sendable {
    public let text: String
    public var errorDescription: String? { "not a calendar day (YYYY-MM-DD): \(text)" }
}
