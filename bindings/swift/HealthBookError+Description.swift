import Foundation

// The generated `HealthBookError` has the core's sentence as `description` but does not say it
// conforms to `CustomStringConvertible`, so `localizedDescription` (which the generated
// `errorDescription` builds with `String(reflecting:)`) would print the enum's fields. With the
// conformance, `localizedDescription`, `"\(error)"` and `String(describing:)` are the sentence:
// "wrong key: the key does not open this book; …".
extension HealthBookError: CustomStringConvertible {}
