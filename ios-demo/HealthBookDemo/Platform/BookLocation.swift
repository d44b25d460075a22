// Where the book lives on the phone, and which backend the demo talks to by default.

import Foundation

enum BookLocation {
    /// Info.plist's `HealthBookServerURL`; a simulator reaches a backend on the Mac as 127.0.0.1.
    static var defaultServerAddress: String {
        Bundle.main.object(forInfoDictionaryKey: "HealthBookServerURL") as? String ?? "http://127.0.0.1:8080"
    }

    /// `Application Support/HealthBook/book.db`.
    ///
    /// The folder is readable after the first unlock (so a background sync can open the book) and
    /// left out of backups: the key is a this-device-only Keychain item, so a backup restored on
    /// another phone could not open the book anyway; the records come back with the first sync.
    static func bookURL() -> URL {
        let files = FileManager.default
        let base = (try? files.url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true))
            ?? files.temporaryDirectory
        var folder = base.appendingPathComponent("HealthBook", isDirectory: true)
        try? files.createDirectory(
            at: folder,
            withIntermediateDirectories: true,
            attributes: [.protectionKey: FileProtectionType.completeUntilFirstUserAuthentication]
        )
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try? folder.setResourceValues(values)
        return folder.appendingPathComponent("book.db")
    }
}
