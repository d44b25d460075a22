import Foundation
import HealthBookDemoKit
import HealthBookKit
import XCTest

/// Reminders as local notifications, reconciled by the core's stable ids.
final class RemindersTests: XCTestCase {
    @MainActor
    func testScheduledOnceThenReconciledWithWhatChanged() async throws {
        let (session, family) = try await Fixtures.sampleBook()
        let scheduler = RecordingScheduler()
        let today = Fixtures.today
        // The sample's one booked re-exam is up to 35 days ahead: look 60 days ahead to be sure of it.
        let model = RemindersViewModel(session: session, scheduler: scheduler, today: { today }, horizonDays: 60)

        await model.refresh()
        XCTAssertNil(model.message)
        XCTAssertTrue(model.notificationsAllowed)
        let mother = family.people[0].id
        XCTAssertTrue(
            model.rows.contains { $0.reminder.kind == .reExam && $0.reminder.personId == mother },
            "the mother's booked re-exam is reminded: \(model.rows.map(\.id))"
        )
        let wanted = Set(model.rows.prefix(ReminderSchedule.maxScheduled).map(\.id))
        let added = await scheduler.added
        XCTAssertEqual(Set(added.map(\.id)), wanted, "one notification per reminder, by its id")
        XCTAssertEqual(added.count, wanted.count, "none twice")
        for notification in added {
            let reminder = try XCTUnwrap(model.rows.first { $0.id == notification.id }?.reminder, "the reminder")
            XCTAssertTrue(notification.body.contains(reminder.textVi) && notification.body.contains(reminder.textEn), "both languages")
            XCTAssertEqual(notification.remindOn, reminder.remindOn, "on the reminder's day")
            XCTAssertEqual(CalendarDay(notification.deliverAt), reminder.remindOn, "delivered on that day in Vietnam")
        }

        // Nothing changed: nothing is added or removed.
        await scheduler.clearLog()
        await model.refresh()
        let addedAgain = await scheduler.added
        let removedAgain = await scheduler.removed
        XCTAssertEqual(addedAgain.count, 0, "nothing added the second time")
        XCTAssertEqual(removedAgain.count, 0, "nothing removed the second time")
        XCTAssertEqual(model.lastPlan?.keep.count, wanted.count, "everything kept")

        // One that is no longer a reminder, and one whose day moved.
        let moved = try XCTUnwrap(added.first, "a scheduled reminder")
        await scheduler.preschedule(ScheduledNotification(id: "reexam:gone", remindOn: today))
        await scheduler.preschedule(ScheduledNotification(id: moved.id, remindOn: try Fixtures.day("2000-01-01")))
        await scheduler.clearLog()
        await model.refresh()
        let removed = await scheduler.removed
        let readded = await scheduler.added
        let pending = await scheduler.pending
        XCTAssertEqual(Set(removed), ["reexam:gone", moved.id], "the stale and the moved are removed")
        XCTAssertEqual(readded.map(\.id), [moved.id], "the moved one is added again")
        XCTAssertEqual(pending[moved.id]?.remindOn, moved.remindOn, "on its real day")
        XCTAssertEqual(Set(pending.keys), wanted, "exactly the reminders are scheduled")
    }

    @MainActor
    func testNothingIsScheduledWhenNotificationsAreOff() async throws {
        let (session, _) = try await Fixtures.sampleBook()
        let scheduler = RecordingScheduler(allowed: false)
        let today = Fixtures.today
        let model = RemindersViewModel(session: session, scheduler: scheduler, today: { today }, horizonDays: 60)
        await model.refresh()
        XCTAssertFalse(model.rows.isEmpty, "the list still shows")
        XCTAssertFalse(model.notificationsAllowed, "notifications are off")
        XCTAssertTrue(model.message?.text.vi.contains("Cài đặt") == true, "the citizen is told where to turn them on")
        let added = await scheduler.added
        XCTAssertEqual(added.count, 0, "nothing scheduled")
    }

    func testThePlanKeepsRemovesAddsAndCaps() throws {
        let reminders = [
            Fixtures.reminder("b", on: try Fixtures.day("2026-05-03")),
            Fixtures.reminder("a", on: try Fixtures.day("2026-05-01")),
            Fixtures.reminder("c", on: try Fixtures.day("2026-05-02")),
        ]

        let fresh = RemindersViewModel.plan(reminders: reminders, scheduled: [])
        XCTAssertEqual(fresh.add.map(\.id), ["a", "c", "b"], "everything added, soonest first")
        XCTAssertTrue(fresh.remove.isEmpty && fresh.keep.isEmpty, "nothing to remove or keep")

        let later = RemindersViewModel.plan(reminders: reminders, scheduled: [
            ScheduledNotification(id: "a", remindOn: try Fixtures.day("2026-05-01")),
            ScheduledNotification(id: "c", remindOn: try Fixtures.day("2026-04-30")),
            ScheduledNotification(id: "old", remindOn: try Fixtures.day("2026-04-01")),
        ])
        XCTAssertEqual(later.keep, ["a"], "the unchanged one is kept")
        XCTAssertEqual(Set(later.remove), ["c", "old"], "the moved and the stale are removed")
        XCTAssertEqual(later.add.map(\.id), ["c", "b"], "the moved and the new are added")

        let capped = RemindersViewModel.plan(reminders: reminders, scheduled: [], limit: 2)
        XCTAssertEqual(capped.add.map(\.id), ["a", "c"], "the soonest within the cap")

        let twice = RemindersViewModel.plan(
            reminders: reminders + [Fixtures.reminder("a", on: try Fixtures.day("2026-05-01"))],
            scheduled: []
        )
        XCTAssertEqual(twice.add.map(\.id), ["a", "c", "b"], "an id given twice is scheduled once")
    }

    func testDeliveredAtEightInTheMorningVietnamTime() throws {
        let notification = LocalNotification(Fixtures.reminder("a", on: try Fixtures.day("2026-05-01")))
        // 2026-05-01 08:00 +07:00 is 01:00 UTC.
        XCTAssertEqual(notification.deliverAt, Date(timeIntervalSince1970: 1_777_597_200))
        XCTAssertEqual(notification.hour, ReminderSchedule.deliveryHour)
        XCTAssertEqual(notification.title, "Sổ sức khoẻ · Bé An")
        XCTAssertEqual(notification.body, "Nhắc a\nRemind a")
    }
}
