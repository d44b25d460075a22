// A child's vaccination status: each antigen's doses with their state, and the vaccination card
// to show a doctor.

import HealthBookDemoKit
import SwiftUI

@MainActor
struct VaccinationView: View {
    let app: AppModel
    let child: FamilyRow
    @State private var model: VaccinationViewModel
    @State private var share: ShareViewModel
    @State private var showsCard = false
    /// The card found the login refused: the sign-in sheet comes once the QR screen is gone.
    @State private var signInAfterCard = false

    init(app: AppModel, session: BookSession, child: FamilyRow) {
        self.app = app
        self.child = child
        _model = State(initialValue: VaccinationViewModel(session: session, childId: child.id))
        _share = State(initialValue: app.sharing(with: session))
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
                    ForEach(Array(antigen.notCounted.enumerated()), id: \.offset) { _, note in
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
                    ForEach(Array(model.outsideSchedule.enumerated()), id: \.offset) { _, vaccine in
                        Text(vaccine)
                    }
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
            ToolbarItem(placement: .primaryAction) {
                // The condition inside the item's view (plain ViewBuilder on every iOS), not
                // around the item.
                if child.access.canChange {
                    Button {
                        // Sharing needs the backend: sign in (and sync) first.
                        guard app.signIn.isSignedIn else {
                            app.showsSignIn = true
                            return
                        }
                        // The share screen makes the card, and stops it if it closes first.
                        showsCard = true
                    } label: {
                        Label("Chia sẻ sổ tiêm", systemImage: "qrcode")
                    }
                }
            }
        }
        .task { await model.load() }
        .refreshable { await model.load() }
        .fullScreenCover(isPresented: $showsCard, onDismiss: {
            if signInAfterCard {
                signInAfterCard = false
                app.signInAgain()
            }
        }) {
            ShareView(model: share) {
                await share.createVaccinationCard(childId: child.id)
            } signInAgain: {
                share.dismiss()
                signInAfterCard = true
                showsCard = false
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
