// Reminders as local notifications: re-exams, children's doses, referral slips running out,
// long prescriptions ending.
//
// The core gives each reminder a stable `id` (`reexam:<record id>`, `dose:<person id>:<day>` …).
// After each sync or edit the app reconciles: it removes the notifications whose id the core no
// longer returns (or whose day moved), and adds those it has not scheduled yet. So a notification
// is never doubled, and a dose given early, or an appointment cancelled, stops being reminded.
//
// The platform (UNUserNotificationCenter in the app) is behind `NotificationScheduler`.

import Foundation
import HealthBookKit
import Observation

/// A notification to schedule.
public struct LocalNotification: Equatable, Hashable, Sendable {
    /// The reminder's stable id, used as the notification's identifier.
    public let id: String
    /// The reminder's day, kept with the notification so a moved day is noticed.
    public let remindOn: CalendarDay
    public let title: String
    /// Vietnamese, then English on the next line. The core keeps diagnoses out of these texts,
    /// since a notification shows on a locked screen.
    public let body: String
    /// When to deliver it: `hour` o'clock Vietnam time on `remindOn`.
    public let hour: Int
    public let personId: String

    public init(_ reminder: Reminder, hour: Int = ReminderSchedule.deliveryHour) {
        id = reminder.id
        remindOn = reminder.remindOn
        title = "Sổ sức khoẻ · \(reminder.personName)"
        body = "\(reminder.textVi)\n\(reminder.textEn)"
        self.hour = hour
        personId = reminder.personId
    }

    /// The moment to deliver it; a platform delivers at once what is already past (a reminder
    /// whose day has come but whose event has not). Vietnam keeps no summer time, so the hour
    /// is the same on every day.
    public var deliverAt: Date {
        remindOn.date(in: CalendarDay.vietnam).addingTimeInterval(TimeInterval(hour * 3600))
    }
}

/// A notification the platform holds (pending, or delivered and still shown).
public struct ScheduledNotification: Equatable, Hashable, Sendable {
    public let id: String
    public let remindOn: CalendarDay

    public init(id: String, remindOn: CalendarDay) {
        self.id = id
        self.remindOn = remindOn
    }
}

/// The platform's local notifications.
public protocol NotificationScheduler: Sendable {
    /// Asks the citizen once; true when notifications may be shown.
    func requestAuthorization() async -> Bool
    /// The notifications this app has scheduled, pending or delivered.
    func scheduled() async -> [ScheduledNotification]
    func add(_ notification: LocalNotification) async throws
    func remove(ids: [String]) async
}

/// What a reconciliation does.
public struct ReminderPlan: Equatable, Sendable {
    public var add: [LocalNotification] = []
    public var remove: [String] = []
    /// Already scheduled for the right day: left alone.
    public var keep: [String] = []

    public init(add: [LocalNotification] = [], remove: [String] = [], keep: [String] = []) {
        self.add = add
        self.remove = remove
        self.keep = keep
    }
}

/// One reminder in the list.
public struct ReminderRow: Identifiable, Equatable, Sendable {
    public var id: String { reminder.id }
    public let reminder: Reminder
    public let text: Bilingual
    /// "02/05/2024"
    public let day: String
    public let kindLabel: Bilingual

    public init(_ reminder: Reminder) {
        self.reminder = reminder
        text = Bilingual(reminder.textVi, reminder.textEn)
        day = BookDates.display(reminder.remindOn)
        kindLabel = Self.label(reminder.kind)
    }

    static func label(_ kind: ReminderKind) -> Bilingual {
        switch kind {
        case .reExam: return Bilingual("Tái khám", "Re-exam")
        case .vaccineDose: return Bilingual("Tiêm chủng", "Vaccination")
        case .referralExpiring: return Bilingual("Giấy chuyển tuyến sắp hết hạn", "Referral slip expiring")
        case .prescriptionRunningOut: return Bilingual("Sắp hết thuốc", "Medicine running out")
        }
    }
}

/// How far ahead, how many, and at what time.
public enum ReminderSchedule {
    /// Days ahead the app schedules; it reschedules on every sync, so a month is plenty.
    public static let horizonDays: UInt32 = 30
    /// iOS keeps at most 64 pending local notifications per app; leave room for others.
    public static let maxScheduled = 60
    /// Reminders are delivered at 08:00 Vietnam time.
    public static let deliveryHour = 8
}

@MainActor
public final class RemindersViewModel: Observable, TrackedModel {
    @Tracked public private(set) var rows: [ReminderRow] = []
    /// What the last reconciliation did.
    @Tracked public private(set) var lastPlan: ReminderPlan?
    /// Notifications are off: the list still shows, nothing is scheduled.
    @Tracked public private(set) var notificationsAllowed = true
    @Tracked public private(set) var message: CitizenMessage?

    private let session: BookSession
    private let scheduler: NotificationScheduler
    private let today: @Sendable () -> CalendarDay
    private let horizonDays: UInt32
    public nonisolated let observationRegistrar = ObservationRegistrar()

    public init(
        session: BookSession,
        scheduler: NotificationScheduler,
        today: @escaping @Sendable () -> CalendarDay = { CalendarDay.today() },
        horizonDays: UInt32 = ReminderSchedule.horizonDays
    ) {
        self.session = session
        self.scheduler = scheduler
        self.today = today
        self.horizonDays = horizonDays
    }

    /// Reads the reminders and reconciles the scheduled notifications with them.
    public func refresh() async {
        let day = today()
        let days = horizonDays
        let reminders: [Reminder]
        do {
            reminders = try await session.run { book in try book.reminders(fromDate: day, days: days) }
        } catch {
            message = CitizenMessage(for: error)
            return
        }
        rows = reminders.map(ReminderRow.init)
        message = nil

        notificationsAllowed = await scheduler.requestAuthorization()
        guard notificationsAllowed else {
            message = CitizenMessage(Bilingual(
                "Thông báo đang tắt: hãy bật trong Cài đặt để được nhắc lịch khám và lịch tiêm.",
                "Notifications are off: turn them on in Settings to be reminded of visits and vaccinations."
            ))
            return
        }
        let scheduled = await scheduler.scheduled()
        let plan = Self.plan(reminders: reminders, scheduled: scheduled)
        if !plan.remove.isEmpty {
            await scheduler.remove(ids: plan.remove)
        }
        var failed = 0
        for notification in plan.add {
            do {
                try await scheduler.add(notification)
            } catch {
                failed += 1
            }
        }
        if failed > 0 {
            message = CitizenMessage(Bilingual(
                "Không đặt được \(failed) lời nhắc. Ứng dụng sẽ thử lại lần sau.",
                "\(failed) reminders could not be scheduled. The app will try again next time."
            ))
        }
        lastPlan = plan
    }

    /// The reconciliation: soonest first, at most `limit`; a reminder whose day moved is removed
    /// and added again.
    public nonisolated static func plan(
        reminders: [Reminder],
        scheduled: [ScheduledNotification],
        limit: Int = ReminderSchedule.maxScheduled
    ) -> ReminderPlan {
        var wanted: [String: LocalNotification] = [:]
        var order: [LocalNotification] = []
        let soonestFirst = reminders.enumerated().sorted { a, b in
            a.element.remindOn != b.element.remindOn ? a.element.remindOn < b.element.remindOn : a.offset < b.offset
        }
        for (_, reminder) in soonestFirst where wanted[reminder.id] == nil && order.count < limit {
            let notification = LocalNotification(reminder)
            wanted[reminder.id] = notification
            order.append(notification)
        }
        var plan = ReminderPlan()
        var held: [String: CalendarDay] = [:]
        for notification in scheduled {
            held[notification.id] = notification.remindOn
            if let want = wanted[notification.id], want.remindOn == notification.remindOn {
                plan.keep.append(notification.id)
            } else {
                plan.remove.append(notification.id)
            }
        }
        plan.add = order.filter { held[$0.id] != $0.remindOn }
        return plan
    }
}
