// swift-tools-version:6.0
//
// The iOS demo's view models (plain Swift: Foundation, Observation and the HealthBookKit
// bindings) and their XCTest tests. The SwiftUI app in ../HealthBookDemo uses the library.
//
// HealthBookKit is the bindings' Swift package. By default it is the one `cargo xtask package-ios`
// writes for the app (the XCFramework of the core and the Swift sources). `cargo xtask test-swift`
// sets HEALTHBOOK_SWIFT_PACKAGE to the package it writes for this machine (target/swift/HealthBookKit,
// on the core built for Linux or macOS), so that `swift test` runs the tests here against the
// real core and the reference backend.

import Foundation
import PackageDescription

let bindingsPath = ProcessInfo.processInfo.environment["HEALTHBOOK_SWIFT_PACKAGE"]
    ?? "../../target/ios/HealthBookKit"
/// A package added by path is known by its folder's name.
let bindingsPackage = URL(fileURLWithPath: bindingsPath).lastPathComponent
let bindings = Target.Dependency.product(name: "HealthBookKit", package: bindingsPackage)

let package = Package(
    name: "HealthBookDemoKit",
    platforms: [.iOS(.v17), .macOS(.v14)],
    products: [
        .library(name: "HealthBookDemoKit", targets: ["HealthBookDemoKit"]),
    ],
    dependencies: [
        .package(path: bindingsPath),
    ],
    targets: [
        .target(
            name: "HealthBookDemoKit",
            dependencies: [bindings]
        ),
        .testTarget(
            name: "HealthBookDemoKitTests",
            dependencies: ["HealthBookDemoKit", bindings]
        ),
    ],
    swiftLanguageModes: [.v6]
)
