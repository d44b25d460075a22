// A child's vaccination status: each antigen's doses with their state, and the vaccination card
// to show a doctor.

import HealthBook
import HealthBookDemoKit
import SwiftUI

@MainActor
struct VaccinationView: View {
    let app: AppModel
    let child: FamilyRow
    @StateObject private var model: VaccinationViewModel
    @StateObject private var share: ShareViewModel
    @State private var showsCard = false

    init(app: AppModel, session: BookSession, child: FamilyRow) {
        self.app = app
        self.child = child
        _model = StateObject(wrappedValue: VaccinationViewModel(session: session, childId: child.id))
        _share = StateObject(wrappedValue: app.sharing(with: session))
    }

    var body: some View {
        List {
            if let message = model.message {
                Section { MessageBanner(message: message) }
            }
            if !model.needingAction.isEmpty {
                Section {
                    ForEach(model.needingAction) { dose in
                        VStack(alignment: .leading, spacing: 2) {
                            Text("\(dose.antigenName.vi): \(dose.name.vi)").font(.headline)
                            BilingualText(dose.detail, font: .footnote)
                        }
                    }
                } header: {
                    BilingualText("Cần tiêm", "Needs a dose now", font: .footnote)
                }
            }
            ForEach(model.antigens) { antigen in
                Section {
                    ForEach(antigen.doses) { dose in
                        HStack(alignment: .top) {
                            VStack(alignment: .leading, spacing: 2) {
                                Text(dose.name.vi)
                                BilingualText(dose.detail, font: .footnote)
                            }
                            Spacer()
                            DoseBadgeView(badge: dose.badge)
                        }
                    }
                    ForEach(antigen.notCounted, id: \.self) { note in
                        BilingualText(note, font: .footnote)
                    }
                } header: {
                    HStack {
                        Text("\(antigen.name.vi) · \(antigen.name.en)")
                        Spacer()
                        Text(antigen.summary.vi)
                    }
                    .font(.footnote)
                }
            }
            if !model.outsideSchedule.isEmpty {
                Section {
                    ForEach(model.outsideSchedule, id: \.self) { Text($0) }
                } header: {
                    BilingualText("Ngoài chương trình tiêm chủng mở rộng", "Outside the expanded programme", font: .footnote)
                }
            }
            if let schedule = model.schedule {
                Section { BilingualText(schedule, font: .footnote) }
            }
        }
        .navigationTitle("Tiêm chủng · \(child.name)")
        .toolbar {
            if child.access.canChange {
                ToolbarItem(placement: .primaryAction) {
                    Button {
                        showsCard = true
                        Task { await share.createVaccinationCard(childId: child.id) }
                    } label: {
                        Label("Chia sẻ sổ tiêm", systemImage: "qrcode")
                    }
                }
            }
        }
        .task { await model.load() }
        .refreshable { await model.load() }
        .fullScreenCover(isPresented: $showsCard) {
            ShareView(model: share) { action in
                if action == .signInAgain {
                    showsCard = false
                    app.showsSignIn = true
                } else if action == .newShare {
                    Task { await share.createVaccinationCard(childId: child.id) }
                }
            } close: {
                share.dismiss()
                showsCard = false
            }
        }
    }
}

struct DoseBadgeView: View {
    let badge: DoseBadge

    var body: some View {
        Text(badge.label.vi)
            .font(.caption.bold())
            .padding(.horizontal, 8)
            .padding(.vertical, 3)
            .background(color.opacity(0.15), in: Capsule())
            .foregroundStyle(color)
            .accessibilityLabel("\(badge.label.vi), \(badge.label.en)")
    }

    private var color: Color {
        switch badge {
        case .given: return .green
        case .due: return .orange
        case .overdue: return .red
        case .upcoming: return .blue
        case .notYetEligible: return .gray
        case .noLongerGiven: return .secondary
        }
    }
}
