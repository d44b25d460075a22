// Reminders as local notifications through UNUserNotificationCenter. The reminder's stable id is
// the request's identifier and its day rides along in userInfo, so the view model can tell what
// is already scheduled (pending, or delivered and still in Notification Centre) and for which day.

import Foundation
import HealthBookDemoKit
import UserNotifications

final class UserNotificationScheduler: NotificationScheduler, @unchecked Sendable {
    // @unchecked: UNUserNotificationCenter is thread-safe; older SDKs do not mark it Sendable.
    private let center = UNUserNotificationCenter.current()
    private static let remindOnKey = "remindOn"

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
        var seen = Set<String>()
        return (pending + delivered).compactMap { request in
            guard seen.insert(request.identifier).inserted,
                  let remindOn = request.content.userInfo[Self.remindOnKey] as? String
            else { return nil }
            return ScheduledNotification(id: request.identifier, remindOn: remindOn)
        }
    }

    func add(_ notification: LocalNotification) async throws {
        let content = UNMutableNotificationContent()
        content.title = notification.title
        content.body = notification.body
        content.sound = .default
        content.threadIdentifier = notification.personId
        content.userInfo = [Self.remindOnKey: notification.remindOn]
        let trigger: UNNotificationTrigger
        if let moment = notification.deliverAt, moment.timeIntervalSinceNow > 60 {
            let parts = Calendar.current.dateComponents([.year, .month, .day, .hour, .minute], from: moment)
            trigger = UNCalendarNotificationTrigger(dateMatching: parts, repeats: false)
        } else {
            // Its day has come (a reminder caught up on after a sync): deliver it now.
            trigger = UNTimeIntervalNotificationTrigger(timeInterval: 5, repeats: false)
        }
        try await center.add(UNNotificationRequest(identifier: notification.id, content: content, trigger: trigger))
    }

    func remove(ids: [String]) async {
        center.removePendingNotificationRequests(withIdentifiers: ids)
        center.removeDeliveredNotifications(withIdentifiers: ids)
    }
}
