// Sign in with the citizen ID (the reference backend's development login, standing in for the
// national ID login), then sync.

import HealthBookDemoKit
import SwiftUI

@MainActor
struct SignInView: View {
    @Bindable var model: SignInViewModel
    let submit: () -> Void
    @Environment(\.dismiss) private var dismiss

    init(model: SignInViewModel, submit: @escaping () -> Void) {
        self.model = model
        self.submit = submit
    }

    var body: some View {
        NavigationStack {
            Form {
                if let notice = model.notice {
                    Section { MessageBanner(message: notice) }
                }
                Section {
                    TextField("Số CCCD (12 chữ số)", text: $model.personalId)
                        .keyboardType(.numberPad)
                        .textContentType(.username)
                } header: {
                    BilingualText("Căn cước công dân", "Citizen ID number", font: .footnote)
                } footer: {
                    BilingualText(
                        "Bản thử nghiệm đăng nhập bằng số CCCD; ứng dụng thật dùng VNeID.",
                        "This demo signs in with the ID number; the real app uses the national ID login."
                    )
                }
                Section {
                    TextField("http://127.0.0.1:8080", text: $model.serverAddress)
                        .keyboardType(.URL)
                        .textInputAutocapitalization(.never)
                        .autocorrectionDisabled()
                } header: {
                    BilingualText("Máy chủ", "Server", font: .footnote)
                }
                if case let .failed(message) = model.state {
                    Section { MessageBanner(message: message) }
                }
                Section {
                    Button(action: submit) {
                        if model.state == .signingIn {
                            ProgressView()
                        } else {
                            Text("Đăng nhập và đồng bộ · Sign in and sync")
                        }
                    }
                    .disabled(model.state == .signingIn)
                }
            }
            .navigationTitle("Đăng nhập")
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button("Đóng") { dismiss() }
                }
            }
        }
    }
}
