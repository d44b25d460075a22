// What the citizen is told when something fails: what happened and what to do, in words a
// citizen understands, never an error's type name or a stack of developer detail.
//
// The core's `HealthBookError` messages (`localizedDescription`) are written for developers:
// English sentences that name fields such as `person.personal_id`, fit for a log. This is the
// one place errors become messages for people.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HealthBookKit

/// A message for the citizen, and the one thing the screen offers to do about it.
public struct CitizenMessage: Equatable, Hashable, Sendable, Error, CustomStringConvertible {
    public enum Action: Equatable, Hashable, Sendable {
        /// Nothing to do but read it.
        case none
        /// Trying again may work (network, server).
        case retry
        /// The login expired or was refused: show the sign-in screen.
        case signInAgain
        /// The share is gone: make a new one.
        case newShare
    }

    public let text: Bilingual
    public let action: Action

    public init(_ text: Bilingual, action: Action = .none) {
        self.text = text
        self.action = action
    }

    public var description: String { text.description }

    // MARK: The messages

    public static let wrongKey = CitizenMessage(Bilingual(
        "Không mở được sổ sức khoẻ trên máy này. Sổ vẫn được giữ nguyên.",
        "The health book cannot be opened on this phone. It has not been changed."
    ))

    public static let keyUnavailable = CitizenMessage(Bilingual(
        "Không đọc được khoá bảo vệ sổ trên máy này. Sổ không bị xoá. Hãy mở khoá máy rồi thử lại.",
        "The key that protects the book on this phone cannot be read. Nothing was deleted. Unlock the phone and try again."
    ), action: .retry)

    public static let offline = CitizenMessage(Bilingual(
        "Không có kết nối mạng. Sổ của bạn vẫn xem được khi ngoại tuyến.",
        "No network connection. Your book can still be read offline."
    ), action: .retry)

    public static let signInExpired = CitizenMessage(Bilingual(
        "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.",
        "Your sign-in has expired. Please sign in again."
    ), action: .signInAgain)

    public static let notSignedIn = CitizenMessage(Bilingual(
        "Bạn chưa đăng nhập. Hãy đăng nhập để đồng bộ và chia sẻ sổ.",
        "You are not signed in. Sign in to sync and share the book."
    ), action: .signInAgain)

    public static let notFound = CitizenMessage(Bilingual(
        "Không tìm thấy mục này trong sổ. Có thể mục đã bị xoá khi đồng bộ.",
        "This item is not in the book. It may have been removed by a sync."
    ))

    public static let storage = CitizenMessage(Bilingual(
        "Không đọc hoặc ghi được sổ trên máy. Sổ không bị thay đổi. Hãy thử lại hoặc giải phóng dung lượng máy.",
        "The book could not be read or written on this phone. Nothing was changed. Try again, or free some storage."
    ), action: .retry)

    public static let shareExpired = CitizenMessage(Bilingual(
        "Mã chia sẻ đã hết hạn hoặc đã bị thu hồi. Hãy tạo mã mới.",
        "The share has expired or was revoked. Make a new one."
    ), action: .newShare)

    public static let shareUnreadable = CitizenMessage(Bilingual(
        "Không đọc được nội dung được chia sẻ. Hãy xin mã mới.",
        "The shared content cannot be read. Ask for a new code."
    ))

    public static let syncCancelled = CitizenMessage(Bilingual(
        "Đã dừng đồng bộ. Những gì đã tải về vẫn được giữ; lần sau sẽ tải tiếp.",
        "Sync stopped. What arrived is kept; the next sync continues from there."
    ))

    public static let syncInProgress = CitizenMessage(Bilingual(
        "Sổ đang được đồng bộ. Hãy đợi lần đồng bộ này xong.",
        "The book is already syncing. Wait for that sync to finish."
    ))

    public static let bookClosed = CitizenMessage(Bilingual(
        "Sổ đã được khoá. Hãy mở lại sổ để tiếp tục.",
        "The book is locked. Open it again to go on."
    ))

    /// A fault in the app or the core, not in the book: nothing half-done was written.
    public static let appFault = CitizenMessage(Bilingual(
        "Ứng dụng gặp lỗi. Sổ không bị thay đổi. Vui lòng thử lại.",
        "The app ran into a problem. The book was not changed. Please try again."
    ), action: .retry)

    public static let readOnly = CitizenMessage(Bilingual(
        "Sổ này chỉ còn xem được: con đã đến tuổi tự quản lý sổ sức khoẻ.",
        "This book can only be read now: the child manages their own health book."
    ))

    public static let unknownCitizen = CitizenMessage(Bilingual(
        "Không tìm thấy công dân với số CCCD này. Hãy kiểm tra lại số.",
        "No citizen with this ID number is known. Check the number."
    ))

    public static let somethingWentWrong = CitizenMessage(Bilingual(
        "Đã có lỗi xảy ra. Vui lòng thử lại.",
        "Something went wrong. Please try again."
    ), action: .retry)

    public static func server(status: Int) -> CitizenMessage {
        CitizenMessage(Bilingual(
            "Máy chủ đang gặp sự cố (mã \(status)). Vui lòng thử lại sau.",
            "The server has a problem (code \(status)). Please try again later."
        ), action: .retry)
    }

    /// Input that broke a rule, naming the field as the citizen knows it; `reason` is the app's
    /// own English hint (the form's rule), shown on the English line.
    public static func invalid(field: String, reason: String?) -> CitizenMessage {
        let name = fieldName(field)
        let detail = reason.map { $0.isEmpty ? "" : " (\($0))" } ?? ""
        return CitizenMessage(Bilingual(
            "Thông tin chưa hợp lệ: \(name.vi). Vui lòng kiểm tra lại.",
            "Please check the \(name.en)\(detail)."
        ))
    }

    // MARK: From an error

    /// The message for any error a view model meets: the core's, the sign-in's, the network's.
    public init(for error: Error) {
        if let message = error as? CitizenMessage {
            self = message
        } else if let error = error as? HealthBookError {
            self = CitizenMessage.from(error)
        } else if error is BookKeyUnavailable {
            self = .keyUnavailable
        } else if let error = error as? SignInError {
            self = error.message
        } else if error is URLError {
            self = .offline
        } else if error is CancellationError {
            self = .syncCancelled
        } else if error is NotSignedIn {
            self = .notSignedIn
        } else {
            self = .somethingWentWrong
        }
    }

    static func from(_ error: HealthBookError) -> CitizenMessage {
        switch error {
        case .WrongKey:
            return .wrongKey
        case let .Validation(field, _):
            // The core's reason is English for developers: the citizen is told the field only.
            return .invalid(field: field, reason: nil)
        case .NotFound:
            return .notFound
        case .Network:
            return .offline
        case .AuthExpired:
            return .signInExpired
        case let .Server(status, _):
            // 401 and 403 end a sync as AuthExpired; a 403 here is a share the token may not make.
            if status == 403 {
                return CitizenMessage(Bilingual(
                    "Bạn không có quyền chia sẻ sổ này.",
                    "You may not share this book."
                ))
            }
            return .server(status: Int(status))
        case .Storage:
            return .storage
        case .ShareExpired:
            return .shareExpired
        case .ShareUnreadable:
            return .shareUnreadable
        case .Cancelled:
            return .syncCancelled
        case .ReadOnly:
            return .readOnly
        case .SyncInProgress:
            return .syncInProgress
        case .Closed:
            return .bookClosed
        case .CallbackFailed, .Internal:
            return .appFault
        }
    }

    // MARK: Field names

    /// The core's field names (`person.personal_id`, `request.valid_for`, …) as a citizen calls them.
    public static func fieldName(_ field: String) -> Bilingual {
        if let known = fieldNames[field] {
            return known
        }
        // `referral.to_facility.code` → look up `to_facility.code`, then `code`.
        var parts = field.split(separator: ".").map(String.init)
        while parts.count > 1 {
            parts.removeFirst()
            if let known = fieldNames[parts.joined(separator: ".")] {
                return known
            }
        }
        return Bilingual("mục \(field)", field.replacingOccurrences(of: "_", with: " "))
    }

    private static let fieldNames: [String: Bilingual] = [
        "personal_id": Bilingual("số CCCD", "citizen ID number"),
        "person.personal_id": Bilingual("số CCCD", "citizen ID number"),
        "person.full_name": Bilingual("họ và tên", "full name"),
        "person.insurance.number": Bilingual("số thẻ BHYT", "health insurance card number"),
        "person.insurance_number": Bilingual("số thẻ BHYT", "health insurance card number"),
        "person.insurance.valid_to": Bilingual("hạn thẻ BHYT", "insurance card expiry"),
        "person.guardian.name": Bilingual("tên người giám hộ", "guardian's name"),
        "person.guardian.personal_id": Bilingual("số CCCD người giám hộ", "guardian's ID number"),
        "person.guardian.phone": Bilingual("số điện thoại người giám hộ", "guardian's phone number"),
        "server_url": Bilingual("địa chỉ máy chủ", "server address"),
        "config.server_url": Bilingual("địa chỉ máy chủ", "server address"),
        "passcode": Bilingual("mã bảo vệ", "passcode"),
        "request.passcode": Bilingual("mã bảo vệ", "passcode"),
        "request.valid_for": Bilingual("thời gian chia sẻ", "sharing time"),
        "request.to": Bilingual("ngày cuối của nội dung chia sẻ", "last day shared"),
        "request.label": Bilingual("tên lượt chia sẻ", "share label"),
        "request.max_uses": Bilingual("số lần được mở", "number of openings"),
        "request.person_id": Bilingual("người được chia sẻ sổ", "whose book is shared"),
        "request": Bilingual("nội dung chia sẻ", "what to share"),
        "link": Bilingual("đường dẫn chia sẻ", "share link"),
        "on_date": Bilingual("ngày", "date"),
        "diagnosis_text": Bilingual("chẩn đoán", "diagnosis"),
        "facility": Bilingual("cơ sở y tế", "health facility"),
        "substance": Bilingual("tác nhân gây dị ứng", "allergy substance"),
        "value": Bilingual("giá trị đo", "measured value"),
        "unit": Bilingual("đơn vị", "unit"),
        "at": Bilingual("thời điểm", "time"),
        "date": Bilingual("ngày", "date"),
        "text": Bilingual("nội dung", "text"),
    ]
}
