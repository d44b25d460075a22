// The view models' checks, against the real core: each opens its own encrypted book in a
// temporary folder. Those that sync or share need the backend (HEALTHBOOK_BACKEND_URL) and are
// skipped without it.
//
// Plain functions, so that XCTest (HealthBookDemoKitTests.swift) and the plain runner
// (Runner/main.swift, for toolchains without XCTest) run the very same checks.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HealthBook
import HealthBookDemoKit

@MainActor
enum ViewModelChecks {
    static let all: [Check] = [
        Check("unlock: a new book is created, and opens again with the same key", unlockCreatesAndReopens),
        Check("unlock: a wrong key says the book cannot be opened here, and leaves the file as it was", wrongKeyIsTold),
        Check("unlock: a key store that cannot give the key is told, and no book is made", keyUnavailableIsTold),
        Check("messages: every core error becomes a message a citizen understands", everyErrorHasACitizenMessage),
        Check("messages: a validation error names the field", validationNamesTheField),
        Check("family: the owner and two managed children, in order", familyListsOwnerAndChildren),
        Check("family: a child past the guardian age limit is read-only", childPastTheAgeLimitIsReadOnly),
        Check("timeline: pages of 20 bring every entry once, newest first", timelinePagesWithoutDuplicates),
        Check("details: every kind of record has titled sections of rows", detailsForEveryKind),
        Check("vaccinations: the baby's doses, given and to come", babyVaccinationStatus),
        Check("reminders: scheduled once, then reconciled with what changed", remindersScheduledAndReconciled),
        Check("reminders: nothing is scheduled when notifications are off", remindersWithNotificationsOff),
        Check("reminders: the plan keeps, removes, adds and caps", reminderPlan),
        Check("share: the countdown runs out into the expired state", shareCountdown),
        Check("app: unlocks a new book and asks to sign in before syncing", appAsksToSignInBeforeSyncing),
        Check("sync (backend): progress, cancel, and the next sync finishes", syncProgressCancelAndResume),
        Check("sync (backend): a token the backend refuses asks to sign in again", refusedTokenAsksToSignInAgain),
        Check("app (backend): sign in, sync, family and reminders", appSignsInAndSyncs),
        Check("share (backend): QR, countdown, the doctor opens it, revoke", shareWithADoctor),
        Check("share (backend): a child's vaccination card", shareVaccinationCard),
    ]

    // MARK: Unlock

    static func unlockCreatesAndReopens() async throws {
        let url = Fixtures.newBookURL()
        let keys = InMemoryKeyStore.random()
        let first = UnlockViewModel(bookURL: url, keyStore: keys)
        await first.unlock()
        try expectEqual(first.state, .unlocked, "the new book opens")
        let session = try unwrap(first.session, "the open book")
        let people = try await session.run { book in try book.people() }
        try expect(people.isEmpty, "a new book has nobody in it")
        try expect(FileManager.default.fileExists(atPath: url.path), "the book file exists")
        first.lock()
        try expect(first.session == nil, "locking closes the book")

        let again = UnlockViewModel(bookURL: url, keyStore: keys)
        await again.unlock()
        try expectEqual(again.state, .unlocked, "the book opens again with its key")
    }

    static func wrongKeyIsTold() async throws {
        let url = Fixtures.newBookURL()
        let owner = UnlockViewModel(bookURL: url, keyStore: InMemoryKeyStore.random())
        await owner.unlock()
        try expectEqual(owner.state, .unlocked, "the book is created")
        owner.lock()
        let before = try Data(contentsOf: url)

        let stranger = UnlockViewModel(bookURL: url, keyStore: InMemoryKeyStore.random())
        await stranger.unlock()
        guard case let .failed(message) = stranger.state else {
            throw CheckFailure(description: "a wrong key gave \(stranger.state)")
        }
        try expect(
            message.text.vi.hasPrefix("Không mở được sổ sức khoẻ trên máy này."),
            "the Vietnamese message: \(message.text.vi)"
        )
        try expect(message.text.en.hasPrefix("The health book cannot be opened on this phone."), "the English message")
        try expect(stranger.session == nil, "no book is open")
        try expectEqual(try Data(contentsOf: url), before, "the file after a wrong key")
    }

    static func keyUnavailableIsTold() async throws {
        let url = Fixtures.newBookURL()
        let model = UnlockViewModel(bookURL: url, keyStore: UnavailableKeyStore())
        await model.unlock()
        guard case let .failed(message) = model.state else {
            throw CheckFailure(description: "a key store that refused gave \(model.state)")
        }
        try expectEqual(message, .keyUnavailable, "the key store's failure has its own message")
        try expect(message.text.en.contains("Nothing was deleted"), "the book is safe: \(message.text.en)")
        try expectEqual(message.action, .retry, "trying again may work once the phone is unlocked")
        try expect(model.session == nil, "no book is open")
        try expect(!FileManager.default.fileExists(atPath: url.path), "no book is made without its key")
    }

    // MARK: Messages

    static func everyErrorHasACitizenMessage() async throws {
        let errors: [HealthBookError] = [
            .WrongKey(reason: "r"), .Validation(field: "person.personal_id", reason: "r"),
            .NotFound(reason: "r"), .Network(reason: "r"), .AuthExpired(reason: "r"),
            .Server(status: 503, reason: "r"), .Storage(reason: "r"), .ShareExpired(reason: "r"),
            .ShareUnreadable(reason: "r"), .Cancelled(reason: "r"), .ReadOnly(reason: "r"),
        ]
        for error in errors {
            let message = CitizenMessage(for: error)
            try expect(!message.text.vi.isEmpty && !message.text.en.isEmpty, "a message for \(error)")
            try expect(!message.text.vi.contains("HealthBookError"), "no type names for \(error)")
        }
        try expectEqual(
            CitizenMessage(for: HealthBookError.Network(reason: "timed out")).text.vi,
            "Không có kết nối mạng. Sổ của bạn vẫn xem được khi ngoại tuyến.",
            "the offline message"
        )
        try expectEqual(CitizenMessage(for: URLError(.notConnectedToInternet)), .offline, "the platform's offline error")
        try expectEqual(
            CitizenMessage(for: HealthBookError.AuthExpired(reason: "401")).action, .signInAgain,
            "an expired login asks to sign in again"
        )
        try expectEqual(
            CitizenMessage(for: HealthBookError.ShareExpired(reason: "gone")).action, .newShare,
            "an expired share offers a new one"
        )
        try expect(
            CitizenMessage(for: HealthBookError.Server(status: 503, reason: "busy")).text.vi.contains("503"),
            "a server error gives its code"
        )
    }

    static func validationNamesTheField() async throws {
        // Typed into the sign-in form: refused before anything is sent.
        let signIn = SignInViewModel(serverAddress: "http://127.0.0.1:9")
        signIn.personalId = "12345"
        await signIn.signIn()
        guard case let .failed(typed) = signIn.state else {
            throw CheckFailure(description: "a 5-digit CCCD gave \(signIn.state)")
        }
        try expect(typed.text.vi.contains("số CCCD"), "the form's message names the CCCD: \(typed.text.vi)")

        // Refused by the core: a CCCD whose birth-year digits disagree with the birth date.
        let session = try await BookSession.open(at: Fixtures.newBookURL(), keyStore: InMemoryKeyStore.random())
        var mother = try unwrap(Fixtures.sample().people.first, "the sample mother")
        let cccd = try unwrap(mother.personalId, "her CCCD")
        let digits = Array(cccd)
        let year = try unwrap(Int(String(digits[4...5])), "the CCCD's year digits")
        mother.personalId = String(digits[0..<4]) + twoDigits((year + 1) % 100) + String(digits[6...])
        let refused = mother
        do {
            _ = try await session.run { book in try book.addPerson(person: refused) }
            throw CheckFailure(description: "a CCCD with the wrong birth year was accepted")
        } catch let error as HealthBookError {
            guard case let .Validation(field, _) = error else {
                throw CheckFailure(description: "expected Validation, got \(error)")
            }
            try expectEqual(field, "person.personal_id", "the field the core names")
            let message = CitizenMessage(for: error)
            try expect(message.text.vi.contains("số CCCD"), "the message names the CCCD: \(message.text.vi)")
            try expect(message.text.en.contains("citizen ID number"), "and in English: \(message.text.en)")
        }
    }

    // MARK: Family

    static func familyListsOwnerAndChildren() async throws {
        let (session, family) = try await Fixtures.sampleBook()
        let today = Fixtures.today
        let model = FamilyViewModel(session: session, today: { today })
        await model.load()
        try expect(model.message == nil, "no error: \(String(describing: model.message))")
        try expectEqual(model.rows.map(\.id), family.people.map(\.id), "the owner first, then the children")
        try expectEqual(model.rows[0].access, .ownBook, "the mother's own book")
        for child in model.rows.dropFirst() {
            guard case let .managedChild(until) = child.access else {
                throw CheckFailure(description: "\(child.name) is \(child.access), expected a managed child")
            }
            let limit = try unwrap(until, "the day \(child.name)'s book turns read-only")
            try expect(limit > today, "managed until a day after today: \(limit)")
            try expect(child.access.text.vi.contains(BookDates.display(limit)), "the badge gives the day")
            try expect(child.isChild && child.access.canChange, "a managed child's book can be changed")
        }
        try expectEqual(model.children.count, 2, "two children")
        let baby = model.rows[2]
        try expect(baby.ageYears == 0 && baby.age.vi.hasSuffix("tháng tuổi"), "the baby's age in months: \(baby.age)")
        try expect(model.rows[0].age.vi.hasSuffix("tuổi") && model.rows[0].ageYears >= 18, "the mother's age")
    }

    static func childPastTheAgeLimitIsReadOnly() async throws {
        let (session, family) = try await Fixtures.sampleBook()
        // The older child is about seven: with a limit of five their book is no longer managed.
        try await session.run { book in try book.setGuardianAgeLimit(years: 5) }
        let today = Fixtures.today
        let model = FamilyViewModel(session: session, today: { today })
        await model.load()
        let older = try unwrap(model.rows.first { $0.id == family.people[1].id }, "the older child")
        guard case let .readOnly(since) = older.access else {
            throw CheckFailure(description: "the older child is \(older.access), expected read-only")
        }
        try expect(since <= today, "read-only since a day already past: \(since)")
        try expect(!older.access.canChange, "a read-only book cannot be changed")
        try expect(older.access.text.vi.hasPrefix("Chỉ xem"), "the badge says read-only: \(older.access.text.vi)")
        let baby = try unwrap(model.rows.first { $0.id == family.people[2].id }, "the baby")
        guard case .managedChild = baby.access else {
            throw CheckFailure(description: "the baby is \(baby.access), expected managed")
        }
    }

    // MARK: Timeline

    static func timelinePagesWithoutDuplicates() async throws {
        let (session, family) = try await Fixtures.sampleBook()
        let owner = family.people[0]
        let expected = Set(family.records.filter { $0.recordPersonId() == owner.id }.map { $0.recordId() })
        try expect(expected.count > 100, "the mother has years of records: \(expected.count)")

        let model = TimelineViewModel(session: session, personId: owner.id)
        await model.reload()
        try expectEqual(model.rows.count, Int(TimelineViewModel.pageSize), "the first page")
        try expect(model.hasMore, "more after the first page")

        // "Load more" tapped twice at once still brings one page.
        let first = Task { await model.loadMore() }
        let second = Task { await model.loadMore() }
        await first.value
        await second.value
        try expectEqual(model.rows.count, 2 * Int(TimelineViewModel.pageSize), "two pages after a double tap")

        var pages = 2
        while model.hasMore {
            let before = model.rows.count
            await model.loadMore()
            pages += 1
            try expect(model.rows.count > before, "page \(pages) added entries")
            try expect(pages < 1000, "paging ends")
        }
        try expect(model.message == nil, "no error while paging")
        let ids = model.rows.map(\.id)
        try expectEqual(Set(ids).count, ids.count, "no entry twice")
        try expectEqual(Set(ids), expected, "every one of the mother's records, and only hers")

        let instants = try model.rows.map { try unwrap(BookDates.instant($0.entry.at), "an instant: \($0.entry.at)") }
        for (newer, older) in zip(instants, instants.dropFirst()) {
            try expect(newer >= older, "newest first")
        }
        try expect(model.rows.allSatisfy { !$0.title.isEmpty && $0.when.count == 16 }, "a title and a day and time for each")

        await model.reload()
        try expectEqual(model.rows.count, Int(TimelineViewModel.pageSize), "reload starts over")
    }

    // MARK: Details

    static func detailsForEveryKind() async throws {
        let (session, family) = try await Fixtures.sampleBook()
        for kind in RecordKinds.all {
            let record = try unwrap(
                family.records.first { RecordDetails.kind(of: $0) == kind },
                "a sample record of kind \(kind)"
            )
            let sections = RecordDetails.sections(for: record)
            try expect(sections.count >= 2, "\(kind): the record's section and where it comes from")
            try expectEqual(sections[0].title, RecordKinds.label(kind), "\(kind): the first section's title")
            try expect(sections[0].rows.count >= 2, "\(kind): the first section has rows: \(sections[0].rows)")
            for section in sections {
                try expect(!section.title.vi.isEmpty && !section.title.en.isEmpty, "\(kind): a titled section")
                try expect(!section.rows.isEmpty, "\(kind): \(section.title) has rows")
                for row in section.rows {
                    try expect(!row.label.vi.isEmpty && !row.label.en.isEmpty, "\(kind): a labelled row")
                    try expect(!row.value.vi.isEmpty && !row.value.en.isEmpty, "\(kind): \(row.label) has a value")
                }
            }

            let model = RecordDetailViewModel(session: session, recordId: record.recordId())
            await model.load()
            try expect(model.message == nil, "\(kind): read from the book")
            try expectEqual(
                model.sections.map { $0.rows.map(\.label) },
                sections.map { $0.rows.map(\.label) },
                "\(kind): the same rows read back from the book"
            )
            try expectEqual(model.title, RecordKinds.label(kind), "\(kind): the screen's title")
        }

        // A prescription: a section per drug line, each with its dosage.
        let prescription = try unwrap(family.records.lazy.compactMap { record -> Prescription? in
            if case let .prescription(prescription) = record, !prescription.lines.isEmpty { return prescription }
            return nil
        }.first, "a sample prescription with drug lines")
        let sections = RecordDetails.sections(for: .prescription(prescription: prescription))
        try expectEqual(sections.count, 1 + prescription.lines.count + 1, "the prescription, its medicines, the source")
        for (line, section) in zip(prescription.lines, sections.dropFirst()) {
            try expect(section.title.vi.contains(line.brandName), "the medicine's section is titled with its name")
            let dosage = try unwrap(section.rows.first { $0.label.en == "Dosage" }, "a dosage row for \(line.brandName)")
            try expect(dosage.value.vi.contains("lần/ngày"), "the dosage in Vietnamese: \(dosage.value.vi)")
            try expect(dosage.value.en.contains("a day"), "the dosage in English: \(dosage.value.en)")
        }
        try expectEqual(RecordDetails.number(2), "2", "a whole number")
        try expectEqual(RecordDetails.number(0.5), "0,5", "a decimal comma")
    }

    // MARK: Vaccinations

    static func babyVaccinationStatus() async throws {
        let (session, family) = try await Fixtures.sampleBook()
        let baby = family.people[2]
        let today = Fixtures.today
        let model = VaccinationViewModel(session: session, childId: baby.id, today: { today })
        await model.load()
        try expect(model.message == nil, "no error: \(String(describing: model.message))")
        try expect(model.antigens.count >= 8, "the programme's antigens: \(model.antigens.map(\.antigen))")
        try expect(model.schedule != nil, "where the schedule comes from")

        let hepB = try unwrap(model.antigens.first { $0.antigen == "HepB" }, "hepatitis B")
        let birthDose = try unwrap(hepB.doses.first, "the birth dose")
        try expectEqual(birthDose.badge, .given, "the birth dose is given")
        try expect(birthDose.detail.vi.contains(BookDates.display(baby.dateOfBirth)), "given on the birth day: \(birthDose.detail)")

        let counts = model.counts
        try expect((counts[.given] ?? 0) >= 3, "doses given: \(counts)")
        let toCome = [DoseBadge.due, .overdue, .upcoming, .notYetEligible].reduce(0) { $0 + (counts[$1] ?? 0) }
        try expect(toCome > 0, "doses still to come for a ten-month-old: \(counts)")
        try expect(
            model.outsideSchedule.allSatisfy { $0.contains(" · ") && !$0.hasPrefix("sample-") },
            "vaccines outside the programme are named, not record ids: \(model.outsideSchedule)"
        )
        for antigen in model.antigens {
            try expect(!antigen.name.vi.isEmpty && !antigen.name.en.isEmpty, "\(antigen.antigen) is named")
            try expect(!antigen.doses.isEmpty, "\(antigen.antigen) has doses")
            for dose in antigen.doses {
                try expect(!dose.detail.vi.isEmpty && !dose.badge.label.vi.isEmpty, "\(antigen.antigen) dose \(dose.doseNumber) explained")
            }
        }
    }

    // MARK: Reminders

    static func remindersScheduledAndReconciled() async throws {
        let (session, family) = try await Fixtures.sampleBook()
        let scheduler = RecordingScheduler()
        let today = Fixtures.today
        // The sample's one booked re-exam is up to 35 days ahead: look 60 days ahead to be sure of it.
        let model = RemindersViewModel(session: session, scheduler: scheduler, today: { today }, horizonDays: 60)

        await model.refresh()
        try expect(model.message == nil, "no error: \(String(describing: model.message))")
        let mother = family.people[0].id
        try expect(
            model.rows.contains { $0.reminder.kind == .reExam && $0.reminder.personId == mother },
            "the mother's booked re-exam is reminded: \(model.rows.map(\.id))"
        )
        let wanted = Set(model.rows.prefix(ReminderSchedule.maxScheduled).map(\.id))
        let added = await scheduler.added
        try expectEqual(Set(added.map(\.id)), wanted, "one notification per reminder, by its id")
        try expectEqual(added.count, wanted.count, "none twice")
        for notification in added {
            let reminder = try unwrap(model.rows.first { $0.id == notification.id }?.reminder, "the reminder")
            try expect(notification.body.contains(reminder.textVi) && notification.body.contains(reminder.textEn), "both languages")
            try expectEqual(notification.remindOn, reminder.remindOn, "on the reminder's day")
            try expect(notification.deliverAt != nil, "a moment to deliver it")
        }

        // Nothing changed: nothing is added or removed.
        await scheduler.clearLog()
        await model.refresh()
        let addedAgain = await scheduler.added
        let removedAgain = await scheduler.removed
        try expectEqual(addedAgain.count, 0, "nothing added the second time")
        try expectEqual(removedAgain.count, 0, "nothing removed the second time")
        try expectEqual(model.lastPlan?.keep.count, wanted.count, "everything kept")

        // One that is no longer a reminder, and one whose day moved.
        let moved = try unwrap(added.first, "a scheduled reminder")
        await scheduler.preschedule(ScheduledNotification(id: "reexam:gone", remindOn: today))
        await scheduler.preschedule(ScheduledNotification(id: moved.id, remindOn: "2000-01-01"))
        await scheduler.clearLog()
        await model.refresh()
        let removed = await scheduler.removed
        let readded = await scheduler.added
        let pending = await scheduler.pending
        try expectEqual(Set(removed), ["reexam:gone", moved.id], "the stale and the moved are removed")
        try expectEqual(readded.map(\.id), [moved.id], "the moved one is added again")
        try expectEqual(pending[moved.id]?.remindOn, moved.remindOn, "on its real day")
        try expectEqual(Set(pending.keys), wanted, "exactly the reminders are scheduled")
    }

    static func remindersWithNotificationsOff() async throws {
        let (session, _) = try await Fixtures.sampleBook()
        let scheduler = RecordingScheduler(allowed: false)
        let today = Fixtures.today
        let model = RemindersViewModel(session: session, scheduler: scheduler, today: { today }, horizonDays: 60)
        await model.refresh()
        try expect(!model.rows.isEmpty, "the list still shows")
        try expect(!model.notificationsAllowed, "notifications are off")
        try expect(model.message?.text.vi.contains("Cài đặt") == true, "the citizen is told where to turn them on")
        let added = await scheduler.added
        try expectEqual(added.count, 0, "nothing scheduled")
    }

    static func reminderPlan() async throws {
        func reminder(_ id: String, on day: CalendarDate) -> Reminder {
            Reminder(
                id: id, notificationId: 7, personId: "p", personName: "Bé An", kind: .vaccineDose,
                remindOn: day, eventDate: day, recordId: nil, textVi: "Nhắc \(id)", textEn: "Remind \(id)"
            )
        }
        let reminders = [reminder("b", on: "2026-05-03"), reminder("a", on: "2026-05-01"), reminder("c", on: "2026-05-02")]

        let fresh = RemindersViewModel.plan(reminders: reminders, scheduled: [])
        try expectEqual(fresh.add.map(\.id), ["a", "c", "b"], "everything added, soonest first")
        try expect(fresh.remove.isEmpty && fresh.keep.isEmpty, "nothing to remove or keep")

        let later = RemindersViewModel.plan(reminders: reminders, scheduled: [
            ScheduledNotification(id: "a", remindOn: "2026-05-01"),
            ScheduledNotification(id: "c", remindOn: "2026-04-30"),
            ScheduledNotification(id: "old", remindOn: "2026-04-01"),
        ])
        try expectEqual(later.keep, ["a"], "the unchanged one is kept")
        try expectEqual(Set(later.remove), ["c", "old"], "the moved and the stale are removed")
        try expectEqual(later.add.map(\.id), ["c", "b"], "the moved and the new are added")

        let capped = RemindersViewModel.plan(reminders: reminders, scheduled: [], limit: 2)
        try expectEqual(capped.add.map(\.id), ["a", "c"], "the soonest within the cap")

        let twice = RemindersViewModel.plan(reminders: reminders + [reminder("a", on: "2026-05-01")], scheduled: [])
        try expectEqual(twice.add.map(\.id), ["a", "c", "b"], "an id given twice is scheduled once")
    }

    // MARK: Share without the backend

    static func shareCountdown() async throws {
        // Without a share there is nothing to count down, and failing to make one is told.
        let session = try await BookSession.open(at: Fixtures.newBookURL(), keyStore: InMemoryKeyStore.random())
        let model = ShareViewModel(session: session, auth: SessionAuth(token: "t"), config: { nil })
        model.tick(at: Date())
        try expectEqual(model.state, .idle, "no share, no countdown")
        await model.create(ShareRequest(personId: "nobody"))
        try expectEqual(model.state, .idle, "no share without a server address")
        try expect(model.message != nil, "the citizen is told why")
        try expectEqual(BookDates.countdown(seconds: 1799), "29:59", "the countdown's text")
        try expectEqual(BookDates.countdown(seconds: 3600 * 2 + 5), "2:00:05", "hours when there are")
        try expectEqual(BookDates.countdown(seconds: -3), "00:00", "never below zero")
    }

    // MARK: App flow without the backend

    static func appAsksToSignInBeforeSyncing() async throws {
        let scheduler = RecordingScheduler()
        let app = AppModel(
            bookURL: Fixtures.newBookURL(),
            keyStore: InMemoryKeyStore.random(),
            scheduler: scheduler,
            serverAddress: "http://127.0.0.1:9"
        )
        try expectEqual(app.screen, .locked, "locked before start")
        await app.start()
        try expectEqual(app.screen, .book, "the book is open")
        let family = try unwrap(app.family, "the family list")
        try expect(family.isEmpty, "a new book is empty until the first sync")
        await app.syncNow()
        try expect(app.showsSignIn, "syncing without a login asks to sign in")
        try expectEqual(app.sync?.state, .idle, "nothing was synced")
    }

    // MARK: With the backend

    static func syncProgressCancelAndResume() async throws {
        let server = try Fixtures.backendURL()
        let session = try await BookSession.open(at: Fixtures.newBookURL(), keyStore: InMemoryKeyStore.random())
        let signIn = SignInViewModel(serverAddress: server.absoluteString)
        signIn.personalId = try Fixtures.motherPersonalId()
        await signIn.signIn()
        try expectEqual(signIn.state, .signedIn, "signed in as the mother")

        var config = try unwrap(signIn.syncConfig, "the sync configuration")
        config.pageSize = 100
        let sync = SyncViewModel(session: session, auth: signIn.auth, config: config)
        let running = Task { await sync.sync() }
        try await waitUntil("the first page") { (sync.progress?.pages ?? 0) >= 1 || sync.state != .syncing }
        try expect(sync.statusText?.vi.isEmpty == false, "progress is shown")
        sync.cancel()
        let cancelled = await running.value
        try expect(cancelled == nil, "a cancelled sync has no report")
        try expectEqual(sync.state, .cancelled, "the sync stopped")

        let next = await sync.sync()
        let report = try unwrap(next, "the next sync's report")
        try expectEqual(sync.state, .finished(report), "the next sync finishes")
        let total = Fixtures.sample().records.count
        try expect(
            report.recordsReceived > 0 && Int(report.recordsReceived) < total,
            "it brings only what the cancelled sync had not: \(report.recordsReceived) of \(total)"
        )
        try expect(sync.statusText?.vi.hasPrefix("Đã đồng bộ") == true, "the summary: \(String(describing: sync.statusText))")
    }

    static func refusedTokenAsksToSignInAgain() async throws {
        let server = try Fixtures.backendURL()
        let session = try await BookSession.open(at: Fixtures.newBookURL(), keyStore: InMemoryKeyStore.random())
        let sync = SyncViewModel(
            session: session,
            auth: SessionAuth(token: "not-a-token-the-backend-issued"),
            config: SyncConfig(serverUrl: server.absoluteString)
        )
        await sync.sync()
        guard case let .failed(message) = sync.state else {
            throw CheckFailure(description: "a refused token gave \(sync.state)")
        }
        try expectEqual(message, .signInExpired, "the citizen is asked to sign in again")
        try expectEqual(message.action, .signInAgain, "with the sign-in button")
    }

    static func appSignsInAndSyncs() async throws {
        let server = try Fixtures.backendURL()
        let scheduler = RecordingScheduler()
        let app = AppModel(
            bookURL: Fixtures.newBookURL(),
            keyStore: InMemoryKeyStore.random(),
            scheduler: scheduler,
            serverAddress: server.absoluteString
        )
        await app.start()
        app.signIn.personalId = try Fixtures.motherPersonalId()
        await app.signInAndSync()
        try expect(!app.showsSignIn, "signed in")
        guard case .finished = app.sync?.state else {
            throw CheckFailure(description: "the sync ended as \(String(describing: app.sync?.state))")
        }
        let family = try unwrap(app.family, "the family list")
        try expectEqual(family.rows.map(\.access.canChange), [true, true, true], "the mother and two managed children")
        try expectEqual(family.rows.first?.access, .ownBook, "the mother first")
        try expect(app.reminders?.lastPlan != nil, "reminders reconciled after the sync")
    }

    /// One synced book for the share checks (signing in and syncing takes a while).
    private static var synced: (session: BookSession, auth: SessionAuth, config: SyncConfig, family: [FamilyRow])?

    static func syncedBook() async throws -> (session: BookSession, auth: SessionAuth, config: SyncConfig, family: [FamilyRow]) {
        if let synced = synced {
            return synced
        }
        let server = try Fixtures.backendURL()
        let session = try await BookSession.open(at: Fixtures.newBookURL(), keyStore: InMemoryKeyStore.random())
        let signIn = SignInViewModel(serverAddress: server.absoluteString)
        signIn.personalId = try Fixtures.motherPersonalId()
        await signIn.signIn()
        try expectEqual(signIn.state, .signedIn, "signed in as the mother")
        let config = try unwrap(signIn.syncConfig, "the sync configuration")
        let sync = SyncViewModel(session: session, auth: signIn.auth, config: config)
        let report = await sync.sync()
        try expect(report != nil, "the first sync: \(sync.state)")
        let today = Fixtures.today
        let family = FamilyViewModel(session: session, today: { today })
        await family.load()
        try expectEqual(family.rows.count, 3, "the synced family")
        let result = (session: session, auth: signIn.auth, config: config, family: family.rows)
        synced = result
        return result
    }

    static func shareWithADoctor() async throws {
        let book = try await syncedBook()
        let owner = try unwrap(book.family.first, "the mother")
        let started = Date()
        let model = ShareViewModel(session: book.session, auth: book.auth, config: book.config)
        await model.create(ShareRequest(personId: owner.id, kinds: [.visit, .prescription], label: "Khám bệnh"))
        try expectEqual(model.state, .active, "the share is made: \(String(describing: model.message))")
        let share = try unwrap(model.share, "the share")
        let png = try unwrap(model.qrPNG, "the QR")
        try expect(png.count > 100 && Array(png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47], "the QR is a PNG")
        try expect((1...1800).contains(model.remainingSeconds), "30 minutes at most: \(model.remainingSeconds)")
        try expect(model.countdownText.count == 5 && model.countdownText.hasPrefix("29:") || model.countdownText == "30:00",
                   "the countdown: \(model.countdownText)")
        let expiresAt = try unwrap(model.expiresAt, "when it expires")
        try expect(abs(expiresAt.timeIntervalSince(started) - 1800) < 120, "in about 30 minutes")
        model.stopCountdown()

        let opened = try openShareLink(link: share.link, recipient: "BS. Trần Bình", passcode: nil)
        try expectEqual(opened.records.count, Int(share.recordCount), "the doctor sees what was shared")
        try expectEqual(opened.label, "Khám bệnh", "with its label")

        model.tick(at: expiresAt.addingTimeInterval(1))
        try expectEqual(model.state, .expired, "past its time the QR is shown as expired")
        try expectEqual(model.remainingSeconds, 0, "nothing left")

        await model.revoke()
        try expectEqual(model.state, .revoked, "revoked: \(String(describing: model.message))")
        do {
            _ = try openShareLink(link: share.link, recipient: "BS. Trần Bình", passcode: nil)
            throw CheckFailure(description: "a revoked share still opened")
        } catch let error as HealthBookError {
            try expectEqual(CitizenMessage(for: error), .shareExpired, "a revoked link is expired for the doctor")
        }
    }

    static func shareVaccinationCard() async throws {
        let book = try await syncedBook()
        let baby = try unwrap(book.family.last, "the baby")
        try expect(baby.isChild, "the last one is a child")
        let model = ShareViewModel(session: book.session, auth: book.auth, config: book.config)
        await model.createVaccinationCard(childId: baby.id)
        try expectEqual(model.state, .active, "the card is shared: \(String(describing: model.message))")
        let share = try unwrap(model.share, "the share")
        try expectEqual(share.personId, baby.id, "the baby's book")
        model.stopCountdown()
        let opened = try openShareLink(link: share.link, recipient: "BS. Lê Hoa", passcode: nil)
        try expect(!opened.records.isEmpty, "the doctor sees the doses")
        try expect(opened.records.allSatisfy { RecordDetails.kind(of: $0) == .immunization }, "only immunizations")
        await model.revoke()
        try expectEqual(model.state, .revoked, "revoked")
    }
}

/// A two-digit year, for the CCCD check.
private func twoDigits(_ number: Int) -> String {
    number < 10 ? "0\(number)" : "\(number)"
}
