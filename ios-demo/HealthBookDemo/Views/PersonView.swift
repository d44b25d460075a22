// One person's book: the timeline, page by page; the vaccination status for a child; sharing
// with a doctor while the book is the citizen's to share.

import HealthBookDemoKit
import HealthBookKit
import SwiftUI

@MainActor
struct PersonView: View {
    let app: AppModel
    let session: BookSession
    let row: FamilyRow
    @State private var timeline: TimelineViewModel
    @State private var share: ShareViewModel
    @State private var showsShare = false
    /// The share found the login refused: the sign-in sheet comes once the QR screen is gone
    /// (SwiftUI does not present a sheet while a full-screen cover is still going away).
    @State private var signInAfterShare = false

    init(app: AppModel, session: BookSession, row: FamilyRow) {
        self.app = app
        self.session = session
        self.row = row
        _timeline = State(initialValue: TimelineViewModel(session: session, personId: row.id))
        _share = State(initialValue: app.sharing(with: session))
    }

    var body: some View {
        List {
            Section {
                BilingualText(row.access.text, font: .footnote)
                if row.showsVaccinations {
                    NavigationLink {
                        VaccinationView(app: app, session: session, child: row)
                    } label: {
                        Label("Tiêm chủng · Vaccinations", systemImage: "syringe")
                    }
                }
                if row.access.canChange {
                    Button {
                        // Sharing needs the backend: sign in (and sync) first.
                        guard app.signIn.isSignedIn else {
                            app.showsSignIn = true
                            return
                        }
                        // The share screen makes the share, and stops it if it closes first.
                        showsShare = true
                    } label: {
                        Label("Chia sẻ với bác sĩ · Share with a doctor", systemImage: "qrcode")
                    }
                }
            }
            TimelineSection(session: session, timeline: timeline)
        }
        .navigationTitle(row.name)
        .task {
            if timeline.rows.isEmpty {
                await timeline.reload()
            }
        }
        .refreshable { await timeline.reload() }
        .fullScreenCover(isPresented: $showsShare, onDismiss: {
            if signInAfterShare {
                signInAfterShare = false
                app.signInAgain()
            }
        }) {
            ShareView(model: share) {
                await share.create(shareRequest)
            } signInAgain: {
                share.dismiss()
                signInAfterShare = true
                showsShare = false
            } close: {
                share.dismiss()
                showsShare = false
            }
        }
    }

    private var shareRequest: ShareRequest {
        ShareRequest(personId: row.id, label: "Khám bệnh")
    }
}

/// The timeline rows, with "load more" at the end.
@MainActor
struct TimelineSection: View {
    let session: BookSession
    let timeline: TimelineViewModel

    var body: some View {
        Section {
            if let message = timeline.message {
                MessageBanner(message: message) { _ in
                    Task { await timeline.retry() }
                }
            }
            ForEach(timeline.rows) { row in
                NavigationLink {
                    RecordDetailView(session: session, entry: row.entry)
                } label: {
                    TimelineRowView(row: row)
                }
                .onAppear {
                    if timeline.shouldLoadMore(after: row) {
                        Task { await timeline.loadMore() }
                    }
                }
            }
            if timeline.isLoading {
                ProgressView()
            } else if timeline.hasMore {
                Button("Xem thêm · Load more") {
                    Task { await timeline.loadMore() }
                }
            } else if timeline.rows.isEmpty {
                BilingualText("Chưa có mục nào.", "Nothing recorded yet.", font: .footnote)
            }
        } header: {
            BilingualText("Dòng thời gian", "Timeline", font: .footnote)
        }
    }
}

struct TimelineRowView: View {
    let row: TimelineRow

    var body: some View {
        HStack(alignment: .top, spacing: 12) {
            Image(systemName: Self.symbol(row.kind))
                .frame(width: 28)
                .foregroundStyle(.tint)
            VStack(alignment: .leading, spacing: 3) {
                Text(row.title).font(.body)
                Text("\(row.kindLabel.vi) · \(row.when)").font(.footnote).foregroundStyle(.secondary)
                if let facility = row.facilityName {
                    Text(facility).font(.footnote).foregroundStyle(.secondary)
                }
            }
        }
    }

    static func symbol(_ kind: RecordKind) -> String {
        switch kind {
        case .visit: return "stethoscope"
        case .prescription: return "pills"
        case .referral: return "arrow.right.doc.on.clipboard"
        case .appointment: return "calendar.badge.clock"
        case .immunization: return "syringe"
        case .allergy: return "allergens"
        case .condition: return "list.clipboard"
        case .observation: return "heart.text.square"
        }
    }
}

/// A record's details: titled sections of label/value rows.
@MainActor
struct RecordDetailView: View {
    @State private var model: RecordDetailViewModel

    init(session: BookSession, entry: TimelineEntry) {
        _model = State(initialValue: RecordDetailViewModel(
            session: session,
            recordId: entry.recordId,
            record: entry.record
        ))
    }

    var body: some View {
        List {
            if let message = model.message {
                Section { MessageBanner(message: message) }
            }
            ForEach(Array(model.sections.enumerated()), id: \.offset) { _, section in
                Section {
                    ForEach(Array(section.rows.enumerated()), id: \.offset) { _, row in
                        VStack(alignment: .leading, spacing: 4) {
                            Text("\(row.label.vi) · \(row.label.en)").font(.caption).foregroundStyle(.secondary)
                            BilingualText(row.value)
                        }
                        .accessibilityElement(children: .combine)
                    }
                } header: {
                    BilingualText(section.title, font: .footnote)
                }
            }
        }
        .navigationTitle(model.title.vi)
        .task { await model.load() }
    }
}
