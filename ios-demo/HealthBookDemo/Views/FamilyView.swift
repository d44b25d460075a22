// The family: the citizen's own book and the children's, each with its access; sync status and
// reminders above.

import HealthBookDemoKit
import SwiftUI

@MainActor
struct FamilyView: View {
    let app: AppModel
    let session: BookSession
    let family: FamilyViewModel
    let sync: SyncViewModel

    var body: some View {
        List {
            Section {
                SyncStatusView(sync: sync) { action in
                    if action == .signInAgain {
                        app.showsSignIn = true
                    } else {
                        // Not tied to this screen: the sync goes on if the citizen opens a book.
                        Task { await app.syncNow() }
                    }
                }
            }
            if let message = family.message {
                Section { MessageBanner(message: message) }
            }
            Section {
                ForEach(family.rows) { row in
                    NavigationLink {
                        PersonView(app: app, session: session, row: row)
                    } label: {
                        FamilyRowView(row: row)
                    }
                }
                if family.isEmpty {
                    BilingualText(
                        "Sổ chưa có dữ liệu. Đăng nhập và đồng bộ để tải sổ về máy.",
                        "The book is empty. Sign in and sync to bring it to this phone."
                    )
                }
            } header: {
                BilingualText("Gia đình", "Family", font: .footnote)
            }
            if let reminders = app.reminders {
                Section {
                    NavigationLink {
                        RemindersView(model: reminders)
                    } label: {
                        BilingualText("Lời nhắc 30 ngày tới", "Reminders for the next 30 days")
                    }
                }
            }
        }
        .navigationTitle("Sổ sức khoẻ")
        .refreshable { await app.syncNow() }
        .toolbar {
            ToolbarItem(placement: .primaryAction) {
                Button {
                    Task { await app.syncNow() }
                } label: {
                    Label("Đồng bộ", systemImage: "arrow.triangle.2.circlepath")
                }
                .disabled(sync.isSyncing)
            }
        }
    }
}

struct FamilyRowView: View {
    let row: FamilyRow

    var body: some View {
        HStack(spacing: 12) {
            Image(systemName: row.isChild ? "figure.and.child.holdinghands" : "person.crop.circle")
                .font(.title2)
                .foregroundStyle(row.access.canChange ? Color.accentColor : Color.secondary)
            VStack(alignment: .leading, spacing: 4) {
                Text(row.name).font(.headline)
                Text("\(row.age.vi) · \(row.age.en)").font(.subheadline).foregroundStyle(.secondary)
                BilingualText(row.access.text, font: .footnote)
            }
        }
        .padding(.vertical, 2)
    }
}

/// Sync: progress while it runs (with a cancel button), the summary or the problem after.
@MainActor
struct SyncStatusView: View {
    let sync: SyncViewModel
    let act: (CitizenMessage.Action) -> Void

    var body: some View {
        switch sync.state {
        case .idle:
            BilingualText("Chưa đồng bộ lần nào từ khi mở ứng dụng.", "Not synced since the app opened.", font: .footnote)
        case .syncing:
            VStack(alignment: .leading, spacing: 8) {
                ProgressView()
                if let status = sync.statusText {
                    BilingualText(status, font: .footnote)
                }
                Button("Dừng · Stop", role: .cancel) { sync.cancel() }
            }
        case .finished, .cancelled:
            if let status = sync.statusText {
                BilingualText(status, font: .footnote)
            }
        case let .failed(message):
            MessageBanner(message: message, onAction: act)
        }
    }
}
