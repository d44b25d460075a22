// A person's timeline, newest first, twenty entries at a time with "load more".
//
// Pages follow the core's cursor, so an entry added while the citizen scrolls neither repeats
// nor shifts the next page; entries already shown are still skipped by id, so a "load more"
// tapped twice can never show one twice.

import Foundation
import HealthBookKit
import Observation

/// One line of the timeline.
public struct TimelineRow: Identifiable, Equatable, Sendable {
    public var id: String { entry.recordId }
    public let entry: TimelineEntry
    public let kindLabel: Bilingual
    /// "01/05/2024 08:30"
    public let when: String

    public var title: String { entry.title }
    public var facilityName: String? { entry.facilityName }
    public var kind: RecordKind { entry.kind }

    public init(_ entry: TimelineEntry) {
        self.entry = entry
        kindLabel = RecordKinds.label(entry.kind)
        when = BookDates.display(instant: entry.at)
    }
}

@MainActor
public final class TimelineViewModel: Observable, TrackedModel {
    public static let pageSize: UInt32 = 20

    @Tracked public private(set) var rows: [TimelineRow] = []
    @Tracked public private(set) var isLoading = false
    @Tracked public private(set) var message: CitizenMessage?
    /// More entries wait behind "load more".
    @Tracked public private(set) var hasMore = false

    public let personId: String
    /// Only these kinds; empty shows every kind.
    public let kinds: [RecordKind]
    private let session: BookSession
    private var nextCursor: String?
    private var shown: Set<String> = []
    /// Bumped by `reload`, so a page that was on its way for the old list is dropped.
    private var generation = 0
    public nonisolated let observationRegistrar = ObservationRegistrar()

    public init(session: BookSession, personId: String, kinds: [RecordKind] = []) {
        self.session = session
        self.personId = personId
        self.kinds = kinds
    }

    /// The first page, replacing what is shown (on opening, and after a sync).
    public func reload() async {
        generation += 1
        rows = []
        shown = []
        nextCursor = nil
        hasMore = false
        await fetch(cursor: nil)
    }

    /// The next page; nothing while a page is loading or when there is none.
    public func loadMore() async {
        guard hasMore, !isLoading, let cursor = nextCursor else { return }
        await fetch(cursor: cursor)
    }

    /// After a failed page: the first page again when nothing is shown, else the page that failed
    /// (its cursor is kept).
    public func retry() async {
        if rows.isEmpty {
            await reload()
        } else {
            await loadMore()
        }
    }

    /// Whether to ask for the next page when `row` appears (the list's last row scrolled in).
    public func shouldLoadMore(after row: TimelineRow) -> Bool {
        hasMore && !isLoading && row.id == rows.last?.id
    }

    private func fetch(cursor: String?) async {
        let started = generation
        isLoading = true
        defer {
            if started == generation {
                isLoading = false
            }
        }
        let query = TimelineQuery(kinds: kinds, limit: Self.pageSize, cursor: cursor)
        let personId = self.personId
        do {
            let page = try await session.run { book in try book.timeline(personId: personId, query: query) }
            guard started == generation else { return }
            for entry in page.entries where shown.insert(entry.recordId).inserted {
                rows.append(TimelineRow(entry))
            }
            nextCursor = page.nextCursor
            hasMore = page.nextCursor != nil
            message = nil
        } catch {
            guard started == generation else { return }
            message = CitizenMessage(for: error)
        }
    }
}
