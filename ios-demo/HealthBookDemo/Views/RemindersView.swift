// The reminders of the coming days, and whether they are scheduled as notifications.

import HealthBookDemoKit
import SwiftUI

@MainActor
struct RemindersView: View {
    let model: RemindersViewModel

    var body: some View {
        List {
            if let message = model.message {
                Section { MessageBanner(message: message) }
            }
            Section {
                ForEach(model.rows) { row in
                    VStack(alignment: .leading, spacing: 4) {
                        Text("\(row.day) · \(row.kindLabel.vi)").font(.footnote).foregroundStyle(.secondary)
                        BilingualText(row.text)
                    }
                }
                if model.rows.isEmpty {
                    BilingualText("Không có lời nhắc nào.", "Nothing to remind.", font: .footnote)
                }
            } footer: {
                if let plan = model.lastPlan {
                    Text("Thông báo: \(plan.add.count) mới, \(plan.keep.count) giữ nguyên, \(plan.remove.count) đã bỏ")
                }
            }
        }
        .navigationTitle("Lời nhắc")
        .task { await model.refresh() }
        .refreshable { await model.refresh() }
    }
}
