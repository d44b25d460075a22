//! Swift, built and tested for real with SwiftPM: the binding tests in `tests/swift/` and the iOS
//! demo's view-model tests in `ios-demo/HealthBookDemoKit`, both with `swift test` (XCTest)
//! against the built core and the running reference backend.
//!
//! 1. The toolchain: `swift` on PATH, else the one `../shared/swift/install` unpacks, else the
//!    step fails and says how to install Swift ([`choose_toolchain`]). A skipped Swift step is a
//!    failure, not a pass.
//! 2. The package `target/swift/HealthBookKit` is written from the generated bindings: the C
//!    module `HealthBookFFI` (header + module map that links `healthbook_core`), the Swift module
//!    `HealthBookKit` (the generated file and the hand-written `bindings/swift/*.swift`), and the
//!    test target `HealthBookKitTests`, which is `tests/swift/` itself (a symbolic link, so that
//!    compiler messages name the files in the repository).
//! 3. `swift test` runs on it, then on the view models' package, which finds the bindings through
//!    `HEALTHBOOK_SWIFT_PACKAGE`. The linker gets the core's folder (`-L`, `-rpath`) on the
//!    command line, so the packages themselves hold no machine's paths.
//! 4. Each run's XCTest summary ("Executed N tests, with M failures") is read back: no tests, a
//!    skipped test or a failure fails the step; the counts are printed at the end.
//!
//! The view models may import only Foundation, Observation and the bindings (no SwiftUI, UIKit
//! or Combine), so that they stay plain Swift that compiles and is tested off the phone; that is
//! checked before anything is built.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, ensure, Context, Result};

use crate::backend::Backend;
use crate::bindings::Bindings;
use crate::process;
use crate::workspace::{files_with_extension, fresh_dir, Workspace};

/// The Swift module of the bindings and its C module (uniffi.toml says the same).
pub const MODULE: &str = "HealthBookKit";
pub const FFI_MODULE: &str = "HealthBookFFI";

/// Hand-written Swift shipped with the generated code: `CalendarDay`, the text conversions and
/// the Task-cancellation overloads.
pub const SHIPPED: &str = "bindings/swift";

/// The binding tests: the test target of the package.
const TESTS_DIR: &str = "tests/swift";

/// The iOS demo's view-model package and its library's sources.
const DEMO_KIT_DIR: &str = "ios-demo/HealthBookDemoKit";
const DEMO_KIT_SOURCES: &str = "Sources/HealthBookDemoKit";

/// What the demo kit's Package.swift reads to find the bindings' package.
const PACKAGE_VARIABLE: &str = "HEALTHBOOK_SWIFT_PACKAGE";
/// The environment variable that tells the Swift tests where the backend listens.
const BACKEND_URL_VARIABLE: &str = "HEALTHBOOK_BACKEND_URL";

/// The installer of a Swift toolchain for machines without one, next to the project.
pub const INSTALLER: &str = "../shared/swift/install";

/// Modules the view models may import: they are plain Swift, tested off the phone.
const VIEW_MODEL_IMPORTS: &[&str] = &[
    "Foundation",
    "FoundationNetworking",
    "Dispatch",
    "Observation",
    MODULE,
];

/// The package's manifest; the platforms are those of `cargo xtask package-ios`'s package.
const PACKAGE_MANIFEST: &str = r#"// swift-tools-version:6.0
//
// The HealthBookKit package for building and testing off the phone: the generated bindings and
// the Swift shipped with them, on the C module of the core library (libhealthbook_core, found
// through the linker's search path: `swift build -Xlinker -L<dir> -Xlinker -rpath -Xlinker <dir>`).
// Written by `cargo xtask test`; an iOS app uses the package `cargo xtask package-ios` writes.
import PackageDescription

let package = Package(
    name: "HealthBookKit",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "HealthBookKit", targets: ["HealthBookKit"]),
    ],
    targets: [
        .systemLibrary(name: "HealthBookFFI", path: "Sources/HealthBookFFI"),
        .target(name: "HealthBookKit", dependencies: ["HealthBookFFI"]),
        .testTarget(name: "HealthBookKitTests", dependencies: ["HealthBookKit"]),
    ]
)
"#;

/// What the Swift step ran.
pub struct Summary {
    pub binding_tests: TestCount,
    pub view_model_tests: TestCount,
}

/// Run the binding tests and the view-model tests.
pub fn test(ws: &Workspace, bindings: &Bindings) -> Result<Summary> {
    let demo_kit = ws.root.join(DEMO_KIT_DIR);
    check_view_model_imports(&demo_kit.join(DEMO_KIT_SOURCES))?;
    let swift = toolchain(ws)?;
    let package = write_package(ws, bindings)?;

    let backend = Backend::start(ws, &bindings.library_dir, &ws.target.join("swift/backend"))?;
    let ran = run_both(ws, &swift, bindings, &package, &demo_kit, &backend.url);
    // The tests' failure says more than one in stopping the backend, so it comes first.
    let stopped = backend.stop();
    let summary = ran?;
    stopped?;
    println!(
        "Swift: binding tests {}; iOS view-model tests {}",
        summary.binding_tests, summary.view_model_tests
    );
    Ok(summary)
}

fn run_both(
    ws: &Workspace,
    swift: &Path,
    bindings: &Bindings,
    package: &Path,
    demo_kit: &Path,
    backend_url: &str,
) -> Result<Summary> {
    let binding_tests = swift_test(ws, swift, bindings, package, "bindings", backend_url)
        .with_context(|| {
            format!(
                "the Swift binding tests ({}) failed: see the messages above",
                ws.show(&ws.root.join(TESTS_DIR))
            )
        })?;
    let view_model_tests = swift_test(ws, swift, bindings, demo_kit, "demo-kit", backend_url)
        .with_context(|| {
            format!(
                "the iOS view-model tests ({}) failed: see the messages above",
                ws.show(demo_kit)
            )
        })?;
    Ok(Summary {
        binding_tests,
        view_model_tests,
    })
}

/// The `swift` to use: from PATH, else from the installer (which prints its bin folder).
pub fn toolchain(ws: &Workspace) -> Result<PathBuf> {
    let installer = ws.root.join(INSTALLER);
    match choose_toolchain(process::find_on_path("swift"), installer.is_file().then_some(installer)) {
        Toolchain::OnPath(swift) => Ok(swift),
        Toolchain::Install(installer) => {
            println!("No swift on PATH: installing the toolchain with {}", installer.display());
            installed_swift(&installer, &ws.root)
        }
        Toolchain::Missing => bail!(
            "no Swift toolchain: the Swift bindings and the iOS view models cannot be built or tested. \
             Install Swift 6 (https://www.swift.org/install/ on Linux, Xcode 16 or later on macOS) \
             so that `swift` is on PATH, then run this again"
        ),
    }
}

/// Runs the installer in `dir` and returns the `swift` in the bin folder it prints. Only its
/// stdout is the answer: its progress (on a first run, "unpacking …") goes to stderr, which
/// passes through to the terminal.
fn installed_swift(installer: &Path, dir: &Path) -> Result<PathBuf> {
    let out = Command::new(installer)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("could not run {}", installer.display()))?;
    ensure!(
        out.status.success(),
        "{} failed ({}); its messages are above",
        installer.display(),
        out.status
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    let bin = printed
        .lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty())
        .context("the Swift installer printed no folder")?;
    let swift = Path::new(bin).join("swift");
    ensure!(
        swift.is_file(),
        "the Swift installer printed {bin}, which has no `swift`"
    );
    Ok(swift)
}

/// Where the Swift toolchain comes from.
#[derive(Debug, PartialEq, Eq)]
pub enum Toolchain {
    /// `swift` on PATH: a person's own toolchain always wins.
    OnPath(PathBuf),
    /// None on PATH, but the installer is there.
    Install(PathBuf),
    Missing,
}

pub fn choose_toolchain(on_path: Option<PathBuf>, installer: Option<PathBuf>) -> Toolchain {
    match (on_path, installer) {
        (Some(swift), _) => Toolchain::OnPath(swift),
        (None, Some(installer)) => Toolchain::Install(installer),
        (None, None) => Toolchain::Missing,
    }
}

/// Writes `target/swift/HealthBookKit` from the generated bindings (see the module's doc).
fn write_package(ws: &Workspace, bindings: &Bindings) -> Result<PathBuf> {
    let package = ws.target.join("swift").join(MODULE);
    let ffi = package.join("Sources").join(FFI_MODULE);
    let module = package.join("Sources").join(MODULE);
    fresh_dir(&ffi)?;
    fresh_dir(&module)?;
    std::fs::write(package.join("Package.swift"), PACKAGE_MANIFEST)
        .context("writing the Swift package manifest")?;

    let header = format!("{FFI_MODULE}.h");
    copy(&bindings.swift_dir.join(&header), &ffi.join(&header))?;
    std::fs::write(ffi.join("module.modulemap"), module_map(&header))
        .context("writing the FFI module map")?;

    let generated = format!("{MODULE}.swift");
    copy(
        &bindings.swift_dir.join(&generated),
        &module.join(&generated),
    )?;
    let shipped = files_with_extension(&ws.root.join(SHIPPED), "swift")?;
    ensure!(
        !shipped.is_empty(),
        "no Swift in {}: CalendarDay.swift and CoreText.swift belong there (uniffi.toml uses them)",
        SHIPPED
    );
    for file in shipped {
        let name = file
            .file_name()
            .context("a shipped Swift file has no name")?;
        copy(&file, &module.join(name))?;
    }

    let tests = package.join("Tests").join(format!("{MODULE}Tests"));
    std::fs::create_dir_all(package.join("Tests"))?;
    if tests.symlink_metadata().is_ok() {
        std::fs::remove_file(&tests)
            .or_else(|_| std::fs::remove_dir_all(&tests))
            .with_context(|| format!("removing the old {}", tests.display()))?;
    }
    std::os::unix::fs::symlink(ws.root.join(TESTS_DIR), &tests)
        .with_context(|| format!("linking {} to {TESTS_DIR}", tests.display()))?;
    Ok(package)
}

/// The C module of the core: its header, and the library to link.
fn module_map(header: &str) -> String {
    format!(
        "module {FFI_MODULE} {{\n    header \"{header}\"\n    link \"healthbook_core\"\n    export *\n}}\n"
    )
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    std::fs::copy(from, to)
        .map(|_| ())
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))
}

/// `swift test` on `package`, printing its output as it comes, and what XCTest counted.
fn swift_test(
    ws: &Workspace,
    swift: &Path,
    bindings: &Bindings,
    package: &Path,
    scratch: &str,
    backend_url: &str,
) -> Result<TestCount> {
    let library_dir = &bindings.library_dir;
    let mut command = Command::new(swift);
    command
        .current_dir(&ws.root)
        .arg("test")
        .arg("--package-path")
        .arg(package)
        .arg("--scratch-path")
        .arg(ws.target.join("swift/build").join(scratch))
        // XCTest only: the summary line is XCTest's.
        .arg("--disable-swift-testing")
        .args(["-Xlinker", "-L", "-Xlinker"])
        .arg(library_dir)
        .args(["-Xlinker", "-rpath", "-Xlinker"])
        .arg(library_dir)
        .env(PACKAGE_VARIABLE, ws.target.join("swift").join(MODULE))
        .env(BACKEND_URL_VARIABLE, backend_url)
        .stdout(Stdio::piped());
    let line = process::show(&command);
    println!("$ {line}");
    let mut child = command
        .spawn()
        .with_context(|| format!("could not start `{line}`"))?;
    let mut summary = None;
    let stdout = child.stdout.take().context("no stdout from swift test")?;
    for text in BufReader::new(stdout).lines() {
        let text = text.context("reading the output of swift test")?;
        println!("{text}");
        if let Some(count) = TestCount::parse(&text) {
            // The last summary is the one of all suites.
            summary = Some(count);
        }
    }
    let status = child.wait().context("waiting for swift test")?;
    let count =
        summary.with_context(|| format!("`{line}` printed no XCTest summary ({status})"))?;
    ensure!(status.success(), "`{line}` failed ({status}): {count}");
    count.check()?;
    Ok(count)
}

/// XCTest's summary of a run.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct TestCount {
    pub executed: u32,
    pub skipped: u32,
    pub failures: u32,
}

impl TestCount {
    /// `Executed 12 tests, with 0 failures (0 unexpected) in 1.2 (1.3) seconds`, or
    /// `Executed 3 tests, with 1 test skipped and 0 failures (0 unexpected) in …`.
    pub fn parse(line: &str) -> Option<TestCount> {
        let rest = line.trim().strip_prefix("Executed ")?;
        let (executed, rest) = rest.split_once(' ')?;
        let rest = rest
            .strip_prefix("tests, with ")
            .or_else(|| rest.strip_prefix("test, with "))?;
        let (skipped, rest) = match rest.split_once(" skipped and ") {
            Some((skipped, rest)) => (skipped.split(' ').next()?.parse().ok()?, rest),
            None => (0, rest),
        };
        let (failures, _) = rest.split_once(' ')?;
        Some(TestCount {
            executed: executed.parse().ok()?,
            skipped,
            failures: failures.parse().ok()?,
        })
    }

    /// No tests, a skipped test or a failure is a failed step.
    pub fn check(self) -> Result<()> {
        ensure!(self.executed > 0, "no Swift tests ran");
        ensure!(
            self.skipped == 0,
            "{} Swift tests were skipped: a skipped test is not a pass",
            self.skipped
        );
        ensure!(self.failures == 0, "{} Swift tests failed", self.failures);
        Ok(())
    }
}

impl std::fmt::Display for TestCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} executed, {} failed, {} skipped",
            self.executed, self.failures, self.skipped
        )
    }
}

/// Fails when a view model imports a module other than [`VIEW_MODEL_IMPORTS`] (SwiftUI, UIKit,
/// Combine, …): the view models must stay plain Swift.
fn check_view_model_imports(sources: &Path) -> Result<()> {
    let mut wrong = Vec::new();
    for file in files_with_extension(sources, "swift")? {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        for (number, line) in text.lines().enumerate() {
            if let Some(module) = imported_module(line) {
                if !VIEW_MODEL_IMPORTS.contains(&module) {
                    wrong.push(format!(
                        "{}:{}: import {module}",
                        file.display(),
                        number + 1
                    ));
                }
            }
        }
    }
    if !wrong.is_empty() {
        bail!(
            "the iOS view models must import only {} (UI code belongs in ios-demo/HealthBookDemo):\n  {}",
            VIEW_MODEL_IMPORTS.join(", "),
            wrong.join("\n  ")
        );
    }
    Ok(())
}

/// The module an `import` line brings in: `import Foundation`, `@testable import X`,
/// `@preconcurrency import X`, `import struct X.Y`; None for any other line.
fn imported_module(line: &str) -> Option<&str> {
    let mut words = line.split_whitespace();
    let mut word = words.next()?;
    while word.starts_with('@') {
        word = words.next()?;
    }
    if word != "import" {
        return None;
    }
    let mut path = words.next()?;
    if matches!(
        path,
        "typealias" | "struct" | "class" | "enum" | "protocol" | "let" | "var" | "func"
    ) {
        path = words.next()?;
    }
    path.split('.').next()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A first install prints progress on stderr after the folder on stdout; the folder wins.
    #[cfg(unix)]
    #[test]
    fn the_installers_folder_is_read_from_stdout_whatever_it_says_on_stderr() {
        use std::os::unix::fs::PermissionsExt;
        let dir =
            std::env::temp_dir().join(format!("healthbook-swift-install-{}", std::process::id()));
        let bin = dir.join("toolchain/usr/bin");
        std::fs::create_dir_all(&bin).expect("bin folder");
        std::fs::write(bin.join("swift"), "").expect("a swift");
        let installer = dir.join("install");
        std::fs::write(
            &installer,
            format!(
                "#!/bin/sh\necho '{}'\necho 'swift/install: unpacking Swift into somewhere' >&2\n",
                bin.display()
            ),
        )
        .expect("installer");
        std::fs::set_permissions(&installer, std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let swift = installed_swift(&installer, &dir);
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(swift.expect("the swift it printed"), bin.join("swift"));
    }

    #[test]
    fn the_toolchain_on_path_wins_then_the_installer_then_nothing() {
        let on_path = PathBuf::from("/usr/bin/swift");
        let installer = PathBuf::from("../shared/swift/install");
        assert_eq!(
            choose_toolchain(Some(on_path.clone()), Some(installer.clone())),
            Toolchain::OnPath(on_path.clone())
        );
        assert_eq!(
            choose_toolchain(Some(on_path.clone()), None),
            Toolchain::OnPath(on_path)
        );
        assert_eq!(
            choose_toolchain(None, Some(installer.clone())),
            Toolchain::Install(installer)
        );
        assert_eq!(choose_toolchain(None, None), Toolchain::Missing);
    }

    #[test]
    fn xctest_summaries_are_read() {
        assert_eq!(
            TestCount::parse(
                "\t Executed 42 tests, with 0 failures (0 unexpected) in 3.120 (3.121) seconds"
            ),
            Some(TestCount {
                executed: 42,
                skipped: 0,
                failures: 0
            })
        );
        assert_eq!(
            TestCount::parse(
                "Executed 1 test, with 1 failure (0 unexpected) in 0.001 (0.001) seconds"
            ),
            Some(TestCount {
                executed: 1,
                skipped: 0,
                failures: 1
            })
        );
        assert_eq!(
            TestCount::parse(
                "Executed 3 tests, with 1 test skipped and 2 failures (0 unexpected) in 0.1 (0.1) seconds"
            ),
            Some(TestCount {
                executed: 3,
                skipped: 1,
                failures: 2
            })
        );
        assert_eq!(
            TestCount::parse("Test Case 'A.b' passed (0.001 seconds)"),
            None
        );
        assert_eq!(TestCount::parse("✔ Test run with 0 tests passed"), None);
    }

    #[test]
    fn no_tests_a_skip_or_a_failure_fails_the_step() {
        let count = |executed, skipped, failures| TestCount {
            executed,
            skipped,
            failures,
        };
        assert!(count(5, 0, 0).check().is_ok());
        assert!(count(0, 0, 0)
            .check()
            .unwrap_err()
            .to_string()
            .contains("no Swift tests"));
        assert!(count(5, 1, 0)
            .check()
            .unwrap_err()
            .to_string()
            .contains("skipped"));
        assert!(count(5, 0, 2)
            .check()
            .unwrap_err()
            .to_string()
            .contains("2 Swift tests failed"));
    }

    #[test]
    fn the_module_map_links_the_core() {
        let map = module_map("HealthBookFFI.h");
        assert!(map.starts_with("module HealthBookFFI {"), "{map}");
        assert!(map.contains("header \"HealthBookFFI.h\""), "{map}");
        assert!(map.contains("link \"healthbook_core\""), "{map}");
    }

    #[test]
    fn import_lines_give_their_module() {
        let cases = [
            ("import Foundation", Some("Foundation")),
            ("  import SwiftUI", Some("SwiftUI")),
            (
                "@testable import HealthBookDemoKit",
                Some("HealthBookDemoKit"),
            ),
            (
                "@preconcurrency import HealthBookKit",
                Some("HealthBookKit"),
            ),
            ("import struct UIKit.UIImage", Some("UIKit")),
            ("import Foundation.NSString", Some("Foundation")),
            ("// import SwiftUI", None),
            ("let important = 1", None),
            ("#if canImport(Combine)", None),
            ("", None),
        ];
        for (line, module) in cases {
            assert_eq!(imported_module(line), module, "{line:?}");
        }
    }

    #[test]
    fn the_view_models_import_no_ui() {
        let sources = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(DEMO_KIT_DIR)
            .join(DEMO_KIT_SOURCES);
        assert!(
            !files_with_extension(&sources, "swift").unwrap().is_empty(),
            "no view models in {}",
            sources.display()
        );
        check_view_model_imports(&sources).unwrap();
    }

    #[test]
    fn a_view_model_importing_swiftui_or_combine_is_refused() {
        let dir = std::env::temp_dir().join(format!("xtask-swift-imports-{}", std::process::id()));
        fresh_dir(&dir).unwrap();
        std::fs::write(
            dir.join("Screen.swift"),
            "import Foundation\nimport SwiftUI\nimport Combine\n",
        )
        .unwrap();
        let error = check_view_model_imports(&dir).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(error.contains("Screen.swift:2: import SwiftUI"), "{error}");
        assert!(error.contains("Screen.swift:3: import Combine"), "{error}");
    }
}
