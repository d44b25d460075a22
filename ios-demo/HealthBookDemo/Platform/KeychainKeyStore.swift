// The book's key in the Keychain: 32 random bytes from SecRandomCopyBytes, made once, kept as a
// generic-password item readable after the first unlock and only on this device (never synced to
// iCloud Keychain, never in a backup), and never written anywhere else (not UserDefaults, not a
// file).
//
// A key that cannot be read is an error, never a reason to make a new one: a new key would lock
// the citizen out of the book on this phone.

import Foundation
import HealthBookDemoKit
import Security

struct KeychainKeyStore: BookKeyStore {
    var service = "vn.healthbook.demo.book-key"
    var account = "book.db"

    static let keyLength = 32

    func loadOrCreateKey() throws -> Data {
        if let existing = try read() {
            return existing
        }
        var key = Data(count: Self.keyLength)
        let random = key.withUnsafeMutableBytes { buffer -> OSStatus in
            guard let base = buffer.baseAddress else { return errSecAllocate }
            return SecRandomCopyBytes(kSecRandomDefault, buffer.count, base)
        }
        guard random == errSecSuccess else {
            key.resetBytes(in: key.startIndex..<key.endIndex)
            throw KeychainError(status: random)
        }
        var item = baseQuery
        item[kSecValueData as String] = key
        item[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        let added = SecItemAdd(item as CFDictionary, nil)
        switch added {
        case errSecSuccess:
            return key
        case errSecDuplicateItem:
            // Made a moment ago by another launch: that one is the book's key.
            key.resetBytes(in: key.startIndex..<key.endIndex)
            guard let existing = try read() else { throw KeychainError(status: added) }
            return existing
        default:
            key.resetBytes(in: key.startIndex..<key.endIndex)
            throw KeychainError(status: added)
        }
    }

    private func read() throws -> Data? {
        var query = baseQuery
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let key = item as? Data, key.count == Self.keyLength else {
                throw KeychainError(status: errSecDecode)
            }
            return key
        case errSecItemNotFound:
            return nil
        default:
            // errSecInteractionNotAllowed before the first unlock after a restart, for instance.
            throw KeychainError(status: status)
        }
    }

    private var baseQuery: [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecAttrSynchronizable as String: false,
        ]
    }
}

struct KeychainError: Error, CustomStringConvertible {
    let status: OSStatus

    var description: String {
        let text = SecCopyErrorMessageString(status, nil) as String? ?? "unknown"
        return "Keychain error \(status): \(text)"
    }
}
