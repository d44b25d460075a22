import Foundation

/// How instants and web addresses cross the FFI: as text, converted here to `Date` and `URL`
/// (the generated code calls these; see uniffi.toml). Plain arithmetic, no formatter objects,
/// so that a page of records converts quickly and from any thread.
enum CoreText {
    /// `2024-05-01T08:30:00+07:00`, with `.123` (up to nanoseconds) after the seconds and `Z`
    /// allowed: what the core writes (RFC 3339).
    static func date(rfc3339 text: String) throws -> Date {
        let chars = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= chars.count else { return nil }
            var value = 0
            for c in chars[from..<(from + count)] {
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        func at(_ index: Int, _ c: Character) -> Bool {
            index < chars.count && chars[index] == c.asciiValue!
        }
        guard let year = number(0, 4), at(4, "-"), let month = number(5, 2), at(7, "-"),
              let day = number(8, 2), at(10, "T") || at(10, "t") || at(10, " "),
              let hour = number(11, 2), at(13, ":"), let minute = number(14, 2), at(16, ":"),
              let second = number(17, 2), hour < 24, minute < 60, second < 61,
              let calendarDay = try? CalendarDay(year: year, month: month, day: day)
        else {
            throw CoreTextError.notAnInstant(text)
        }
        var index = 19
        var fraction = 0.0
        if at(index, ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
                fraction += Double(chars[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { throw CoreTextError.notAnInstant(text) }
        }
        var offsetSeconds = 0
        if at(index, "Z") || at(index, "z") {
            index += 1
        } else if at(index, "+") || at(index, "-"), let hours = number(index + 1, 2),
                  at(index + 3, ":"), let minutes = number(index + 4, 2) {
            offsetSeconds = (hours * 3600 + minutes * 60) * (at(index, "-") ? -1 : 1)
            index += 6
        } else {
            throw CoreTextError.notAnInstant(text)
        }
        guard index == chars.count else { throw CoreTextError.notAnInstant(text) }
        let seconds = calendarDay.daysSince1970 * 86_400
            + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
        return Date(timeIntervalSince1970: TimeInterval(seconds) + fraction)
    }

    /// The instant in Vietnam's time (`+07:00`, the offset the book keeps), to the millisecond.
    static func rfc3339(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) + 7 * 3_600_000
        let days = CalendarDay.floorDiv(millis, 86_400_000)
        let inDay = Int(millis - days * 86_400_000)
        let civil = CalendarDay.civil(fromDays: days)
        func pad(_ n: Int, _ width: Int) -> String {
            let text = String(n)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var text = pad(civil.year, 4) + "-" + pad(civil.month, 2) + "-" + pad(civil.day, 2)
        text += "T" + pad(inDay / 3_600_000, 2) + ":" + pad(inDay / 60_000 % 60, 2)
        text += ":" + pad(inDay / 1000 % 60, 2)
        if inDay % 1000 != 0 {
            text += "." + pad(inDay % 1000, 3)
        }
        return text + "+07:00"
    }

    /// A web address the core sent (a share's link, the backend's URL).
    static func url(_ text: String) throws -> URL {
        guard let url = URL(string: text) else { throw CoreTextError.notAURL(text) }
        return url
    }
}

/// The core sent a text that is not what its type says: a bug in the core, not in the app.
enum CoreTextError: Error, LocalizedError {
    case notAnInstant(String)
    case notAURL(String)

    var errorDescription: String? {
        switch self {
        case .notAnInstant(let text): return "the core sent an instant that is not RFC 3339: \(text)"
        case .notAURL(let text): return "the core sent a web address that is not a URL: \(text)"
        }
    }
}
