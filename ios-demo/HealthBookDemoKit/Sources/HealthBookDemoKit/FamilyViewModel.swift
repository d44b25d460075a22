// The family list: the citizen's own book first, then the children's, each with what the app
// may do with it today (manage it until a date, or only read it).

import Foundation
import HealthBookKit
import Observation

/// What the app may do with a person's book today.
public enum AccessBadge: Equatable, Hashable, Sendable {
    case ownBook
    /// A child's book the citizen manages; `until` is the first day it turns read-only.
    case managedChild(until: CalendarDay?)
    /// The guardian's management ended on `since`.
    case readOnly(since: CalendarDay)

    public init(_ access: BookAccess) {
        switch access {
        case .owner:
            self = .ownBook
        case let .managed(until):
            self = .managedChild(until: until)
        case let .readOnly(since):
            self = .readOnly(since: since)
        }
    }

    public var text: Bilingual {
        switch self {
        case .ownBook:
            return Bilingual("Sổ của tôi", "My own book")
        case let .managedChild(until?):
            let day = BookDates.display(until)
            return Bilingual("Con, bạn quản lý đến \(day)", "Child, managed by you until \(day)")
        case .managedChild(.none):
            return Bilingual("Con, bạn quản lý", "Child, managed by you")
        case let .readOnly(since):
            let day = BookDates.display(since)
            return Bilingual("Chỉ xem (từ \(day))", "Read-only (since \(day))")
        }
    }

    /// Records may be added and the book shared.
    public var canChange: Bool {
        switch self {
        case .ownBook, .managedChild:
            return true
        case .readOnly:
            return false
        }
    }
}

/// One person in the family list.
public struct FamilyRow: Identifiable, Equatable, Sendable {
    public var id: String { person.id }
    public let person: Person
    public let access: AccessBadge
    public let age: Bilingual
    public let ageYears: UInt32
    public let ageMonths: UInt32

    public var name: String { person.fullName }
    public var isChild: Bool { person.role == .dependant }
    /// The vaccination status is shown for children (the schedule is the children's programme).
    public var showsVaccinations: Bool { isChild }

    public init(_ member: FamilyMember) {
        person = member.person
        access = AccessBadge(member.access)
        ageYears = member.ageYears
        ageMonths = member.ageMonths
        age = Self.age(years: member.ageYears, months: member.ageMonths)
    }

    /// "36 tuổi", or in months under two years ("10 tháng tuổi"), as Vietnamese parents count.
    public static func age(years: UInt32, months: UInt32) -> Bilingual {
        if years >= 2 {
            return Bilingual("\(years) tuổi", years == 1 ? "1 year old" : "\(years) years old")
        }
        return Bilingual("\(months) tháng tuổi", months == 1 ? "1 month old" : "\(months) months old")
    }
}

@MainActor
public final class FamilyViewModel: Observable, TrackedModel {
    @Tracked public private(set) var rows: [FamilyRow] = []
    @Tracked public private(set) var isLoading = false
    @Tracked public private(set) var message: CitizenMessage?

    private let session: BookSession
    private let today: @Sendable () -> CalendarDay
    public nonisolated let observationRegistrar = ObservationRegistrar()

    public init(session: BookSession, today: @escaping @Sendable () -> CalendarDay = { CalendarDay.today() }) {
        self.session = session
        self.today = today
    }

    public var owner: FamilyRow? { rows.first { $0.access == .ownBook } }
    public var children: [FamilyRow] { rows.filter(\.isChild) }
    /// A new book has nobody in it until the first sync.
    public var isEmpty: Bool { rows.isEmpty && !isLoading }

    public func load() async {
        isLoading = true
        defer { isLoading = false }
        let day = today()
        do {
            let members = try await session.run { book in try book.family(onDate: day) }
            rows = members.map(FamilyRow.init)
            message = nil
        } catch {
            message = CitizenMessage(for: error)
        }
    }
}
