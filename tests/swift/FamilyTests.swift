import Foundation
import XCTest
@testable import HealthBookKit

/// A parent's book with two children: who is in the family and what the app may do with each
/// book, each child's vaccination status, reminders across the family, and a child's book turning
/// read-only at the guardian age limit or when the guardian link ends.
final class FamilyTests: XCTestCase {
    /// A new book holding the sample family: the mother, a child of about seven, a baby of about ten months.
    private func familyBook() throws -> (HealthBook, SampleFamily) {
        let sample = sampleFamily(seed: 11, today: todayVN())
        let book = try newBook()
        for person in sample.people { _ = try book.addPerson(person: person) }
        _ = try book.addRecords(records: sample.records)
        return (book, sample)
    }

    /// `person` with another id, name, personal id, birth date and guardian link.
    private func copy(
        _ person: Person, id: String = "", fullName: String, personalId: String?, dateOfBirth: CalendarDay,
        guardian: GuardianLink?
    ) -> Person {
        Person(
            id: id, role: person.role, fullName: fullName, dateOfBirth: dateOfBirth, sex: person.sex,
            personalId: personalId, previousPersonalIds: [], ethnicity: person.ethnicity,
            nationality: person.nationality, occupation: person.occupation, address: person.address,
            insurance: person.insurance, bloodGroup: person.bloodGroup, riskFactors: person.riskFactors,
            guardian: guardian)
    }

    private func link(_ link: GuardianLink?, since: CalendarDay?, until: CalendarDay?) -> GuardianLink? {
        link.map {
            GuardianLink(
                guardianPersonId: $0.guardianPersonId, name: $0.name, relation: $0.relation,
                personalId: $0.personalId, phone: $0.phone, since: since, until: until)
        }
    }

    /// `months` calendar months after `day`, the last day of the month when it is shorter.
    private func addingMonths(_ months: Int, to day: CalendarDay) throws -> CalendarDay {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let start = try XCTUnwrap(calendar.date(from: day.dateComponents))
        let end = try XCTUnwrap(calendar.date(byAdding: .month, value: months, to: start))
        return CalendarDay(end, in: calendar.timeZone)
    }

    private func note(for personId: String) -> Record {
        .observation(observation: Observation(
            id: "", personId: personId, source: .citizen, sensitive: false, kind: .note,
            at: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)),
            value: .text(text: "Sốt nhẹ"), note: nil))
    }

    func testTheFamilyListsTheMotherAndHerTwoChildrenWithTheirAccess() throws {
        let (book, sample) = try familyBook()
        let today = todayVN()
        let members = try book.family(onDate: today)
        XCTAssertEqual(members.map(\.person.id), sample.people.map(\.id), "members in order")
        XCTAssertEqual(members.map(\.person.role), [.owner, .dependant, .dependant])
        XCTAssertEqual(members.first?.access, .owner, "the mother's own book")
        for member in members.dropFirst() {
            guard case .managed(let until) = member.access else {
                XCTFail("\(member.person.fullName) is managed: \(member.access)")
                continue
            }
            let birth = member.person.dateOfBirth
            XCTAssertEqual(until, try CalendarDay(year: birth.year + 14, month: birth.month, day: birth.day),
                           "managed until the 14th birthday")
            XCTAssertEqual(member.person.guardian?.guardianPersonId, sample.people[0].id)
        }
        XCTAssertEqual(members[1].ageYears, 7, "the older child's age")
        XCTAssertTrue((9...10).contains(members[2].ageMonths), "the baby is 9–10 months: \(members[2].ageMonths)")
        XCTAssertEqual(members[2].ageYears, 0)
        XCTAssertEqual(try book.guardianAgeLimit(), 14)
        XCTAssertEqual(try book.bookAccess(personId: sample.people[0].id, onDate: today), .owner)
    }

    func testEachChildsVaccinationStatusCountsTheDosesGivenAndNamesWhatIsDue() throws {
        let (book, sample) = try familyBook()
        let today = todayVN()
        for child in sample.people.dropFirst() {
            let status = try book.vaccinationStatus(childId: child.id, onDate: today)
            XCTAssertEqual(status.personId, child.id)
            XCTAssertEqual(status.onDate, today)
            XCTAssertFalse(status.scheduleSource.isEmpty, "the schedule names its source")
            XCTAssertFalse(status.scheduleVersion.isEmpty)
            let ownImmunizations = Set(sample.records.compactMap { record -> String? in
                guard case .immunization(let dose) = record, dose.personId == child.id else { return nil }
                return dose.id
            })
            var given = 0
            for antigen in status.antigens {
                for dose in antigen.doses {
                    if case .given(_, let recordId, _) = dose.state {
                        given += 1
                        XCTAssertTrue(ownImmunizations.contains(recordId),
                                      "a given dose points at the child's own record \(recordId)")
                    }
                }
            }
            XCTAssertGreaterThan(given, 0, "\(child.fullName) has doses given")
            let hepB = try XCTUnwrap(status.antigens.first { $0.antigen == "HepB" }, "HepB in the schedule")
            guard case .given? = hepB.doses.first?.state else {
                XCTFail("HepB birth dose given: \(String(describing: hepB.doses.first?.state))")
                continue
            }
            XCTAssertEqual(status.antigens.flatMap(\.flagged), [], "the sample's doses all count")
        }
        // The baby of about ten months has the 12-month Japanese encephalitis dose to come.
        let baby = try book.vaccinationStatus(childId: sample.people[2].id, onDate: today)
        let je = try XCTUnwrap(baby.antigens.first { $0.antigen == "JE" }, "JE in the schedule")
        guard case .upcoming(_, let dueFrom, _)? = je.doses.first?.state else {
            return XCTFail("JE dose 1 upcoming: \(String(describing: je.doses.first?.state))")
        }
        XCTAssertGreaterThan(dueFrom, today)

        let error = assertHealthBookError { try book.vaccinationStatus(childId: "nobody", onDate: today) }
        guard case .NotFound(let reason)? = error else { return XCTFail("NotFound: \(String(describing: error))") }
        XCTAssertTrue(reason.contains("nobody"), reason)
        let born = sample.people[2].dateOfBirth
        XCTAssertEqual(kindOf(assertHealthBookError {
            try book.vaccinationStatus(childId: sample.people[2].id, onDate: born.adding(days: -1))
        }), "Validation", "a day before the birth")
    }

    func testRemindersCoverTheFamilyKeepTheirIdsAndNameTheDueDoses() throws {
        let (book, sample) = try familyBook()
        let today = todayVN()
        let reminders = try book.reminders(fromDate: today, days: 60)
        XCTAssertEqual(reminders.map(\.remindOn), reminders.map(\.remindOn).sorted(), "soonest first")
        let mother = sample.people[0]
        XCTAssertTrue(reminders.contains { $0.kind == .reExam && $0.personId == mother.id }, "the mother's re-exam")
        XCTAssertFalse(reminders.contains { $0.kind == .vaccineDose && $0.personId == mother.id },
                       "doses are for children")
        for reminder in reminders {
            XCTAssertFalse(reminder.textVi.isEmpty)
            XCTAssertFalse(reminder.textEn.isEmpty)
            XCTAssertGreaterThanOrEqual(reminder.notificationId, 0)
        }
        XCTAssertEqual(try book.reminders(fromDate: today, days: 60).map(\.id), reminders.map(\.id),
                       "the same ids on the next call")

        // A baby born seven weeks ago and a bit: the 2-month doses, a week before, in one reminder.
        let born = today.adding(days: -50)
        let newborn = try book.addPerson(person: copy(
            sample.people[2], fullName: "Hoàng Gia Bảo", personalId: nil, dateOfBirth: born,
            guardian: link(sample.people[2].guardian, since: born, until: nil)))
        let twoMonths = try addingMonths(2, to: born)
        let due = try book.reminders(fromDate: today, days: 60)
            .first { $0.personId == newborn.id && $0.eventDate == twoMonths }
        let dose = try XCTUnwrap(due, "the 2-month doses are reminded")
        XCTAssertEqual(dose.kind, .vaccineDose)
        XCTAssertEqual(dose.remindOn, twoMonths.adding(days: -7), "a week before")
        XCTAssertEqual(dose.personName, "Hoàng Gia Bảo")

        XCTAssertEqual(kindOf(assertHealthBookError { try book.reminders(fromDate: today, days: 0) }), "Validation")
    }

    func testAtTheGuardianAgeLimitAChildsBookIsReadOnlyWithoutReminders() throws {
        let (book, sample) = try familyBook()
        let today = todayVN()
        let older = sample.people[1]
        // A re-exam in ten days: reminded while the mother manages the book.
        _ = try book.addRecord(record: .appointment(appointment: ReAppointment(
            id: "", personId: older.id, source: .facility, sensitive: false, slipNumber: "HK-7",
            facility: bachMai, department: "Khoa Nhi", appointmentDate: today.adding(days: 10),
            diagnosisText: "Viêm phế quản", icd10: ["J20.9"], doctorName: nil,
            issuedAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) - 86_400),
            status: .booked)))
        XCTAssertTrue(try book.reminders(fromDate: today, days: 60).contains {
            $0.personId == older.id && $0.kind == .reExam && $0.eventDate == today.adding(days: 10)
        }, "the older child's re-exam is reminded while managed")

        try book.setGuardianAgeLimit(years: 7)
        XCTAssertEqual(try book.guardianAgeLimit(), 7)
        guard case .readOnly(let since) = try book.bookAccess(personId: older.id, onDate: today) else {
            return XCTFail("read-only at 7: \(try book.bookAccess(personId: older.id, onDate: today))")
        }
        XCTAssertLessThanOrEqual(since, today)
        XCTAssertFalse(try book.reminders(fromDate: today, days: 60).contains { $0.personId == older.id },
                       "no reminders for a read-only book")
        let before = try allEntries(book, older.id).count
        let error = assertHealthBookError { try book.addRecord(record: note(for: older.id)) }
        guard case .ReadOnly(let reason)? = error else { return XCTFail("ReadOnly: \(String(describing: error))") }
        XCTAssertFalse(reason.isEmpty)
        XCTAssertEqual(try allEntries(book, older.id).count, before, "nothing written")
        // Still readable, and its vaccination status still works.
        XCTAssertNoThrow(try book.vaccinationStatus(childId: older.id, onDate: today))

        XCTAssertEqual(validationField(assertHealthBookError { try book.setGuardianAgeLimit(years: 0) })?
            .isEmpty, false)
        try book.setGuardianAgeLimit(years: 14)
        _ = try book.addRecord(record: note(for: older.id))
        XCTAssertEqual(try allEntries(book, older.id).count, before + 1)
    }

    func testAGuardianLinkThatEndedMakesTheBookReadOnly() throws {
        let (book, sample) = try familyBook()
        let today = todayVN()
        let baby = sample.people[2]
        let ended = copy(
            baby, id: baby.id, fullName: baby.fullName, personalId: baby.personalId, dateOfBirth: baby.dateOfBirth,
            guardian: link(baby.guardian, since: baby.dateOfBirth, until: today.adding(days: -1)))
        _ = try book.updatePerson(person: ended)
        guard case .readOnly = try book.bookAccess(personId: baby.id, onDate: today) else {
            return XCTFail("read-only once the link ended: \(try book.bookAccess(personId: baby.id, onDate: today))")
        }
        XCTAssertEqual(kindOf(assertHealthBookError { try book.addRecord(record: note(for: baby.id)) }), "ReadOnly")
        XCTAssertFalse(try book.reminders(fromDate: today, days: 60).contains { $0.personId == baby.id })
        guard case .managed = try book.bookAccess(personId: baby.id, onDate: today.adding(days: -2)) else {
            return XCTFail("managed before the link ended")
        }
    }
}
