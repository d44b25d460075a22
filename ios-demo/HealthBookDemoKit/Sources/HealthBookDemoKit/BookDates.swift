// Dates as a Vietnamese reader writes them: "01/05/2024", "01/05/2024 08:30", and the "29:58" of
// a countdown.
//
// The core's days are `CalendarDay`s and its instants `Date`s; nothing here parses text. An
// instant is shown at Vietnam's wall-clock time (UTC+7, the time the facility wrote), not the
// phone's: a visit at 08:30 in Hà Nội stays 08:30 for a citizen abroad.

import Foundation
import HealthBookKit

public enum BookDates {
    /// "01/05/2024".
    public static func display(_ day: CalendarDay) -> String {
        "\(pad(day.day, 2))/\(pad(day.month, 2))/\(pad(day.year, 4))"
    }

    /// "01/05/2024 08:30", in Vietnam's time.
    public static func display(instant: Date) -> String {
        let seconds = Int((instant.timeIntervalSince1970).rounded(.down))
            + CalendarDay.vietnam.secondsFromGMT(for: instant)
        let inDay = ((seconds % 86_400) + 86_400) % 86_400
        let time = "\(pad(inDay / 3600, 2)):\(pad(inDay / 60 % 60, 2))"
        return "\(display(CalendarDay(instant, in: CalendarDay.vietnam))) \(time)"
    }

    /// "mm:ss" (or "h:mm:ss" from an hour up) for a countdown; never below "00:00".
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

    static func pad(_ number: Int, _ width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
