// Dates as the core passes them (ISO-8601 calendar dates "2024-05-01" and RFC 3339 instants
// "2024-05-01T08:30:00+07:00", both `String` in Swift) and as a Vietnamese reader writes them
// ("01/05/2024", "01/05/2024 08:30").
//
// An instant is shown at the wall-clock time it carries (the facility's, +07:00), not converted
// to the phone's time zone: a visit at 08:30 in Hà Nội stays 08:30 for a citizen abroad.

import Foundation
import HealthBook

public enum BookDates {
    /// Vietnam's time zone; "today" for the book is today in Vietnam.
    public static let vietnam: TimeZone =
        TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? TimeZone(secondsFromGMT: 7 * 3600) ?? .current

    /// Today in Vietnam as the core takes it ("2024-05-01").
    public static func today(now: Date = Date()) -> CalendarDate {
        calendarDate(of: now)
    }

    /// The calendar date in Vietnam of an instant.
    public static func calendarDate(of date: Date) -> CalendarDate {
        let parts = vietnamCalendar.dateComponents([.year, .month, .day], from: date)
        return "\(pad(parts.year ?? 1970, 4))-\(pad(parts.month ?? 1, 2))-\(pad(parts.day ?? 1, 2))"
    }

    /// "2024-05-01" → (2024, 5, 1); nil when it is not a calendar date.
    public static func components(_ date: CalendarDate) -> (year: Int, month: Int, day: Int)? {
        let parts = date.prefix(10).split(separator: "-")
        guard parts.count == 3,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        return (year, month, day)
    }

    /// The instant at `hour`:`minute` Vietnam time on a calendar date (when a reminder fires).
    public static func moment(on date: CalendarDate, hour: Int, minute: Int = 0) -> Date? {
        guard let day = components(date) else { return nil }
        var parts = DateComponents()
        parts.year = day.year
        parts.month = day.month
        parts.day = day.day
        parts.hour = hour
        parts.minute = minute
        return vietnamCalendar.date(from: parts)
    }

    /// "2024-05-01" → "01/05/2024".
    public static func display(_ date: CalendarDate) -> String {
        guard let parts = components(date) else { return date }
        return "\(pad(parts.day, 2))/\(pad(parts.month, 2))/\(pad(parts.year, 4))"
    }

    /// "2024-05-01T08:30:00+07:00" → "01/05/2024 08:30", at the time the value carries.
    public static func display(instant value: DateTimeOffset) -> String {
        let characters = Array(value)
        guard characters.count >= 16, characters[10] == "T" || characters[10] == " " else {
            return display(value)
        }
        let time = String(characters[11..<16])
        return "\(display(String(characters[0..<10]))) \(time)"
    }

    /// The instant an RFC 3339 value names; nil when it is not one.
    public static func instant(_ value: DateTimeOffset) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: value) {
            return date
        }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: value) {
            return date
        }
        // "2024-05-01T08:30+07:00": seconds left out, as some writers do when they are zero.
        let characters = Array(value)
        if characters.count > 16, characters[13] == ":", characters[16] != ":" {
            let withSeconds = String(characters[0..<16]) + ":00" + String(characters[16...])
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.date(from: withSeconds)
        }
        return nil
    }

    /// Whole days from one calendar date to another (negative when `to` is earlier).
    public static func days(from: CalendarDate, to: CalendarDate) -> Int? {
        guard let start = moment(on: from, hour: 12), let end = moment(on: to, hour: 12) else {
            return nil
        }
        return vietnamCalendar.dateComponents([.day], from: start, to: end).day
    }

    /// "mm:ss" (or "h:mm:ss" from an hour up) for a countdown.
    public static func countdown(seconds: Int) -> String {
        let seconds = max(0, seconds)
        let hours = seconds / 3600
        let minutes = (seconds % 3600) / 60
        let rest = seconds % 60
        if hours > 0 {
            return "\(hours):\(pad(minutes, 2)):\(pad(rest, 2))"
        }
        return "\(pad(minutes, 2)):\(pad(rest, 2))"
    }

    private static var vietnamCalendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = vietnam
        return calendar
    }

    static func pad(_ number: Int, _ width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
