// swift-tools-version:5.9
//
// The iOS demo's view models (plain Swift: Foundation, Combine where the platform has it, and the
// HealthBook bindings) and their tests. The SwiftUI app in ../HealthBookDemo uses the library.
//
// `HealthBook` is the Swift package that `cargo xtask package-ios` writes (the XCFramework of the
// core plus the generated bindings). Set HEALTHBOOK_SWIFT_PACKAGE to use one elsewhere.

import Foundation
import PackageDescription

let bindingsPackage = ProcessInfo.processInfo.environment["HEALTHBOOK_SWIFT_PACKAGE"]
    ?? "../../target/ios/HealthBook"
/// A package added by path is known by its folder's name.
let bindingsPackageName = URL(fileURLWithPath: bindingsPackage).lastPathComponent
let bindings = Target.Dependency.product(name: "HealthBook", package: bindingsPackageName)

let package = Package(
    name: "HealthBookDemoKit",
    platforms: [.iOS(.v16)],
    products: [
        .library(name: "HealthBookDemoKit", targets: ["HealthBookDemoKit"]),
    ],
    dependencies: [
        .package(path: bindingsPackage),
    ],
    targets: [
        .target(
            name: "HealthBookDemoKit",
            dependencies: [bindings]
        ),
        // The checks are plain functions (ViewModelChecks.swift); XCTest runs them through
        // HealthBookDemoKitTests.swift, and Runner/main.swift runs the same checks where there
        // is no XCTest (`cargo xtask test` compiles them with swiftc).
        .testTarget(
            name: "HealthBookDemoKitTests",
            dependencies: ["HealthBookDemoKit", bindings]
        ),
    ]
)
