// Text the app shows: Vietnamese first, English beneath it.
//
// The citizen reads Vietnamese; the English line is for the foreign resident and the reviewer.
// Keeping both in one value (rather than two lookups) means a screen can never show one
// language's label with the other's value.

import Foundation

/// A text in Vietnamese with its English translation.
public struct Bilingual: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let vi: String
    public let en: String

    public init(_ vi: String, _ en: String) {
        self.vi = vi
        self.en = en
    }

    /// Data that reads the same in both languages: a name, a code, a number.
    public static func same(_ text: String) -> Bilingual {
        Bilingual(text, text)
    }

    /// Whether the English line would only repeat the Vietnamese one.
    public var isSameInBoth: Bool { vi == en }

    /// "Vietnamese / English" on one line, or the text once when both are the same.
    public var description: String { isSameInBoth ? vi : "\(vi) / \(en)" }
}
