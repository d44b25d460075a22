// `ObservableObject` and `@Published` come from Combine, which Apple platforms have and Linux
// does not. The view models are compiled and tested on Linux too (`cargo xtask test` with a
// Swift toolchain), so there these two names stand for minimal equivalents that store the value
// and publish nothing. SwiftUI only ever sees Combine's own.

#if !canImport(Combine)
/// Linux stand-in for Combine's `ObservableObject`: no change notifications.
public protocol ObservableObject: AnyObject {}

/// Linux stand-in for Combine's `@Published`: a plain stored value.
@propertyWrapper
public struct Published<Value> {
    public var wrappedValue: Value

    public init(wrappedValue: Value) {
        self.wrappedValue = wrappedValue
    }
}
#endif
