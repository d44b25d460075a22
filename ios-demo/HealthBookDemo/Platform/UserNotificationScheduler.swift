// Reminders as local notifications through UNUserNotificationCenter. The reminder's stable id (the
// core's `Reminder.id`, e.g. `reexam:<record id>`; `notificationId` is for platforms whose ids are
// integers) is the request's identifier, and its day rides along in userInfo, so the view model
// can tell what is already scheduled (pending, or delivered and still in Notification Centre) and
// for which day.
//
// The app also remembers, for each reminder it handed over, only its id and its day (never its
// text): a reminder the citizen has already seen and swiped away is then not delivered again at
// the next sync. The view model removes the ids the core no longer returns, and they are
// forgotten with them.

import Foundation
import HealthBookDemoKit
import HealthBookKit
import UserNotifications

final class UserNotificationScheduler: NotificationScheduler, @unchecked Sendable {
    // @unchecked: UNUserNotificationCenter and UserDefaults are thread-safe, and the remembered
    // days are read and written under `lock`; older SDKs do not mark these types Sendable.
    private let center = UNUserNotificationCenter.current()
    private let defaults = UserDefaults.standard
    private let lock = NSLock()
    private let banners = ForegroundBanners()
    private static let remindOnKey = "remindOn"
    /// id → day of every reminder handed to the notification centre and not removed since.
    private static let handedOverKey = "vn.healthbook.demo.reminders.handed-over"

    init() {
        // The centre holds its delegate weakly: `banners` lives as long as this scheduler, which
        // the app model keeps for the app's lifetime.
        center.delegate = banners
    }

    func requestAuthorization() async -> Bool {
        let settings = await center.notificationSettings()
        switch settings.authorizationStatus {
        case .authorized, .provisional, .ephemeral:
            return true
        case .notDetermined:
            return (try? await center.requestAuthorization(options: [.alert, .sound, .badge])) ?? false
        case .denied:
            return false
        @unknown default:
            return false
        }
    }

    func scheduled() async -> [ScheduledNotification] {
        let pending = await center.pendingNotificationRequests()
        let delivered = await center.deliveredNotifications().map(\.request)
        var days = handedOver()
        // What the centre still holds says the day it was scheduled for.
        for request in pending + delivered {
            if let remindOn = request.content.userInfo[Self.remindOnKey] as? String {
                days[request.identifier] = remindOn
            }
        }
        // A day that does not read is as good as a wrong one: the view model then removes that
        // notification and schedules its reminder again.
        return days.map { id, day in
            ScheduledNotification(id: id, remindOn: (try? CalendarDay(iso8601: day)) ?? Self.noReminderDay)
        }
    }

    /// 1 January 1970: a day no reminder has.
    private static let noReminderDay = CalendarDay(Date(timeIntervalSince1970: 0))

    func add(_ notification: LocalNotification) async throws {
        let content = UNMutableNotificationContent()
        content.title = notification.title
        content.body = notification.body
        content.sound = .default
        content.threadIdentifier = notification.personId
        content.userInfo = [Self.remindOnKey: notification.remindOn.iso8601]
        let trigger: UNNotificationTrigger
        let moment = notification.deliverAt
        if moment.timeIntervalSinceNow > 60 {
            trigger = UNCalendarNotificationTrigger(dateMatching: Self.vietnamComponents(of: moment), repeats: false)
        } else {
            // Its day has come (a reminder caught up on after a sync): deliver it now.
            trigger = UNTimeIntervalNotificationTrigger(timeInterval: 5, repeats: false)
        }
        try await center.add(UNNotificationRequest(identifier: notification.id, content: content, trigger: trigger))
        updateHandedOver { $0[notification.id] = notification.remindOn.iso8601 }
    }

    func remove(ids: [String]) async {
        center.removePendingNotificationRequests(withIdentifiers: ids)
        center.removeDeliveredNotifications(withIdentifiers: ids)
        updateHandedOver { days in
            for id in ids {
                days[id] = nil
            }
        }
    }

    /// The moment as a wall-clock time in Việt Nam, with the time zone in the components: the
    /// trigger then fires at 08:00 Vietnam time even if the phone's time zone changes before it.
    static func vietnamComponents(of moment: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = CalendarDay.vietnam
        var parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: moment)
        parts.calendar = calendar
        parts.timeZone = CalendarDay.vietnam
        return parts
    }

    // Plain functions: NSLock may not be taken across an await.
    private func handedOver() -> [String: String] {
        lock.lock()
        defer { lock.unlock() }
        return defaults.dictionary(forKey: Self.handedOverKey) as? [String: String] ?? [:]
    }

    private func updateHandedOver(_ change: (inout [String: String]) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        var days = defaults.dictionary(forKey: Self.handedOverKey) as? [String: String] ?? [:]
        change(&days)
        defaults.set(days, forKey: Self.handedOverKey)
    }
}

/// Shows a reminder that comes due while the app is open (banner, Notification Centre, sound):
/// without a delegate iOS silences a notification delivered to the app in the foreground, and a
/// reminder scheduled "now" after a sync in the app would never be seen.
final class ForegroundBanners: NSObject, UNUserNotificationCenterDelegate {
    func userNotificationCenter(
        _ center: UNUserNotificationCenter,
        willPresent notification: UNNotification,
        withCompletionHandler completionHandler: @escaping (UNNotificationPresentationOptions) -> Void
    ) {
        completionHandler([.banner, .list, .sound])
    }
}
