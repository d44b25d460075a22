// Runs the view-model checks without XCTest: `cargo xtask test` compiles this file with the
// checks in Tests/HealthBookDemoKitTests (with -D HEALTHBOOK_PLAIN_RUNNER, which leaves out the
// XCTest wrapper) into one executable. Arguments filter the checks by name.
//
// Exits non-zero when a check fails; a check that needs the backend is skipped, and says so,
// when HEALTHBOOK_BACKEND_URL is not set.

import Foundation

let filters = CommandLine.arguments.dropFirst()
var passed = 0
var failed = 0
var skipped = 0

for check in ViewModelChecks.all where filters.isEmpty || filters.contains(where: { check.name.contains($0) }) {
    do {
        try await check.run()
        passed += 1
        print("ok       \(check.name)")
    } catch let skip as CheckSkipped {
        skipped += 1
        print("skipped  \(check.name): \(skip.reason)")
    } catch {
        failed += 1
        print("FAILED   \(check.name): \(error)")
    }
}

print("HealthBookDemoKit: \(passed) passed, \(failed) failed, \(skipped) skipped")
exit(failed == 0 ? 0 : 1)
