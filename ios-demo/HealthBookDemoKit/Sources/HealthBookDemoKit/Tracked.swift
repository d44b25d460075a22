// How the view models are observed: the Observation framework (iOS 17), as SwiftUI reads it
// with `@State` and `@Bindable`.
//
// This is what the `@Observable` macro writes, spelled out: each view model conforms to
// `Observable` and owns an `ObservationRegistrar`; each `@Tracked` property reports its reads
// (`access`) and writes (`withMutation`) to it, so a view that read a property is redrawn when
// that property changes, and only then.
//
// Why not the macro itself: the view models are compiled and tested on Linux as well, and the
// Linux toolchain used there cannot expand macros (it lacks the swift-syntax libraries that
// macro plugins load). The observable behaviour is the same; when the toolchain can, these
// become `@Observable` classes and `@Tracked` goes away.

import Observation

/// A view model whose `@Tracked` properties are observed. (Public only because the properties
/// are: the app reads the properties, never the registrar.)
public protocol TrackedModel: Observable, AnyObject {
    /// The registrar the model's `@Tracked` properties report to.
    var observationRegistrar: ObservationRegistrar { get }
}

/// A property of a `TrackedModel` that SwiftUI (or `withObservationTracking`) observes.
@propertyWrapper
public struct Tracked<Value> {
    private var value: Value

    public init(wrappedValue: Value) {
        value = wrappedValue
    }

    @available(*, unavailable, message: "@Tracked is only for properties of a TrackedModel class")
    public var wrappedValue: Value {
        get { fatalError("@Tracked is only for properties of a TrackedModel class") }
        set { fatalError("@Tracked is only for properties of a TrackedModel class") }
    }

    public static subscript<Model: TrackedModel>(
        _enclosingInstance model: Model,
        wrapped property: ReferenceWritableKeyPath<Model, Value>,
        storage storage: ReferenceWritableKeyPath<Model, Tracked<Value>>
    ) -> Value {
        get {
            model.observationRegistrar.access(model, keyPath: property)
            return model[keyPath: storage].value
        }
        set {
            model.observationRegistrar.withMutation(of: model, keyPath: property) {
                model[keyPath: storage].value = newValue
            }
        }
    }
}
