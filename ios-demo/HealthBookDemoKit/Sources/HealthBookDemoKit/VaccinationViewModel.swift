// A child's vaccination status against the national expanded programme's schedule: per antigen,
// each dose given, due, overdue, upcoming, waiting on an earlier dose, or no longer given.

import Foundation
import HealthBookKit
import Observation

/// The state of one dose, as a badge.
public enum DoseBadge: String, CaseIterable, Equatable, Hashable, Sendable {
    case given
    case due
    case overdue
    case upcoming
    case notYetEligible
    case noLongerGiven

    public init(_ state: DoseState) {
        switch state {
        case .given: self = .given
        case .due: self = .due
        case .overdue: self = .overdue
        case .upcoming: self = .upcoming
        case .notYetEligible: self = .notYetEligible
        case .noLongerGiven: self = .noLongerGiven
        }
    }

    public var label: Bilingual {
        switch self {
        case .given: return Bilingual("Đã tiêm", "Given")
        case .due: return Bilingual("Đến hạn", "Due")
        case .overdue: return Bilingual("Quá hạn", "Overdue")
        case .upcoming: return Bilingual("Sắp tới", "Upcoming")
        case .notYetEligible: return Bilingual("Chờ mũi trước", "Waiting for an earlier dose")
        case .noLongerGiven: return Bilingual("Không còn tiêm", "No longer given")
        }
    }

    /// Needs the parent's attention now.
    public var needsAction: Bool { self == .due || self == .overdue }
}

/// One dose of an antigen.
public struct DoseRow: Identifiable, Equatable, Sendable {
    public let id: String
    /// The antigen's name, for a dose shown outside its antigen's section.
    public let antigenName: Bilingual
    public let doseNumber: UInt32
    /// "Mũi sơ sinh (trong 24 giờ)" where the schedule names the dose, "Mũi 2" otherwise.
    public let name: Bilingual
    public let badge: DoseBadge
    /// The dates that matter for this state: when it was given, until when it is due, …
    public let detail: Bilingual
    /// Given after its on-time window.
    public let late: Bool

    public init(antigen: AntigenStatus, dose: DoseStatus) {
        id = "\(antigen.antigen)-\(dose.doseNumber)"
        antigenName = Bilingual(antigen.nameVi, antigen.nameEn)
        doseNumber = dose.doseNumber
        name = Bilingual(
            dose.labelVi ?? "Mũi \(dose.doseNumber)",
            dose.labelEn ?? "Dose \(dose.doseNumber)"
        )
        badge = DoseBadge(dose.state)
        let (detail, late) = Self.detail(dose.state)
        self.detail = detail
        self.late = late
    }

    static func detail(_ state: DoseState) -> (Bilingual, Bool) {
        let d = BookDates.display(_:)
        switch state {
        case let .given(date, _, late):
            return late
                ? (Bilingual("Tiêm ngày \(d(date)) (muộn)", "Given on \(d(date)) (late)"), true)
                : (Bilingual("Tiêm ngày \(d(date))", "Given on \(d(date))"), false)
        case let .due(_, dueUntil):
            return (Bilingual("Nên tiêm trước \(d(dueUntil))", "Give by \(d(dueUntil))"), false)
        case let .overdue(since, closesOn?):
            return (Bilingual(
                "Quá hạn từ \(d(since)); còn tiêm được đến \(d(closesOn))",
                "Overdue since \(d(since)); can still be given until \(d(closesOn))"
            ), false)
        case let .overdue(since, .none):
            return (Bilingual("Quá hạn từ \(d(since)); hãy tiêm sớm", "Overdue since \(d(since)); give it soon"), false)
        case let .upcoming(_, dueFrom, dueUntil):
            return (Bilingual(
                "Tiêm từ \(d(dueFrom)) đến \(d(dueUntil))",
                "Due from \(d(dueFrom)) to \(d(dueUntil))"
            ), false)
        case let .notYetEligible(waitsOnDose, _, projectedDue):
            return (Bilingual(
                "Sau mũi \(waitsOnDose); dự kiến khoảng \(d(projectedDue))",
                "After dose \(waitsOnDose); expected around \(d(projectedDue))"
            ), false)
        case let .noLongerGiven(closedOn):
            return (Bilingual("Quá tuổi tiêm từ \(d(closedOn))", "Past the age for it since \(d(closedOn))"), false)
        }
    }
}

/// One antigen (disease) and its doses.
public struct AntigenRow: Identifiable, Equatable, Sendable {
    public var id: String { antigen }
    public let antigen: String
    public let name: Bilingual
    public let doses: [DoseRow]
    /// Doses given but not counted (too early, too soon after the previous one, too late).
    public let notCounted: [Bilingual]

    public init(_ status: AntigenStatus) {
        antigen = status.antigen
        name = Bilingual(status.nameVi, status.nameEn)
        doses = status.doses.map { DoseRow(antigen: status, dose: $0) }
        notCounted = status.flagged.map(Self.flagged)
    }

    /// "2/3 mũi"
    public var summary: Bilingual {
        let given = doses.filter { $0.badge == .given }.count
        return Bilingual("\(given)/\(doses.count) mũi đã tiêm", "\(given) of \(doses.count) doses given")
    }

    public var needsAction: Bool { doses.contains { $0.badge.needsAction } }

    static func flagged(_ dose: FlaggedDose) -> Bilingual {
        let d = BookDates.display(_:)
        let day = d(dose.date)
        switch dose.reason {
        case let .belowMinimumAge(earliestValid):
            return Bilingual(
                "Mũi tiêm ngày \(day) không được tính: trẻ chưa đủ tuổi (tính từ \(d(earliestValid)))",
                "The dose on \(day) does not count: given below the minimum age (valid from \(d(earliestValid)))"
            )
        case let .intervalTooShort(previous, earliestValid):
            return Bilingual(
                "Mũi tiêm ngày \(day) không được tính: quá gần mũi ngày \(d(previous)) (tính từ \(d(earliestValid)))",
                "The dose on \(day) does not count: too soon after \(d(previous)) (valid from \(d(earliestValid)))"
            )
        case let .afterMaximumAge(closedOn):
            return Bilingual(
                "Mũi tiêm ngày \(day) không được tính: đã quá tuổi từ \(d(closedOn))",
                "The dose on \(day) does not count: past the maximum age since \(d(closedOn))"
            )
        }
    }
}

@MainActor
public final class VaccinationViewModel: Observable, TrackedModel {
    @Tracked public private(set) var antigens: [AntigenRow] = []
    /// "Lịch tiêm chủng mở rộng … (phiên bản …)": where the schedule comes from.
    @Tracked public private(set) var schedule: Bilingual?
    /// Vaccines given that the schedule does not cover (pneumococcal, influenza, …), as
    /// "Vaccine name · 01/05/2024". The core names them by record id; the records give the name.
    @Tracked public private(set) var outsideSchedule: [String] = []
    @Tracked public private(set) var isLoading = false
    @Tracked public private(set) var message: CitizenMessage?

    public let childId: String
    private let session: BookSession
    private let today: @Sendable () -> CalendarDay
    public nonisolated let observationRegistrar = ObservationRegistrar()

    public init(
        session: BookSession,
        childId: String,
        today: @escaping @Sendable () -> CalendarDay = { CalendarDay.today() }
    ) {
        self.session = session
        self.childId = childId
        self.today = today
    }

    /// How many doses are in each state.
    public var counts: [DoseBadge: Int] {
        var counts: [DoseBadge: Int] = [:]
        for dose in antigens.flatMap(\.doses) {
            counts[dose.badge, default: 0] += 1
        }
        return counts
    }

    /// Doses due or overdue now, for the banner at the top.
    public var needingAction: [DoseRow] {
        antigens.flatMap(\.doses).filter { $0.badge.needsAction }
    }

    public func load() async {
        isLoading = true
        defer { isLoading = false }
        let childId = self.childId
        let day = today()
        do {
            let (status, outside) = try await session.run { book -> (VaccinationStatus, [String]) in
                let status = try book.vaccinationStatus(childId: childId, onDate: day)
                let outside = status.outsideSchedule.compactMap {
                    VaccinationViewModel.outsideScheduleLine(book, recordId: $0)
                }
                return (status, outside)
            }
            antigens = status.antigens.map(AntigenRow.init)
            schedule = Bilingual(
                "Lịch: \(status.scheduleSource) (phiên bản \(status.scheduleVersion))",
                "Schedule: \(status.scheduleSource) (version \(status.scheduleVersion))"
            )
            outsideSchedule = outside
            message = nil
        } catch {
            message = CitizenMessage(for: error)
        }
    }

    /// "Vaccine name · 01/05/2024" for an immunization outside the schedule; nil when the record
    /// is gone (removed by a sync since) or is not an immunization.
    nonisolated static func outsideScheduleLine(_ book: HealthBook, recordId: String) -> String? {
        guard let record = try? book.record(recordId: recordId),
              case let .immunization(immunization) = record
        else { return nil }
        return "\(immunization.vaccineName) · \(BookDates.display(immunization.date))"
    }
}
