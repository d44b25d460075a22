//! Swift, where the machine has a Swift toolchain (`swiftc` on PATH): the binding tests in
//! `tests/swift/` and the iOS demo's view-model checks in `ios-demo/HealthBookDemoKit`.
//!
//! 1. The generated bindings are compiled into a library module `HealthBook` (as an app would
//!    import it).
//! 2. Every `tests/swift/*.swift` file is compiled into one executable that imports it;
//!    `main.swift` holds the top-level code that runs the tests and exits non-zero on a failure.
//! 3. The view models (`ios-demo/HealthBookDemoKit/Sources/HealthBookDemoKit`) are compiled into
//!    a library module `HealthBookDemoKit`, and their checks
//!    (`Tests/HealthBookDemoKitTests/*.swift`) with `Runner/main.swift` into an executable.
//!    The checks are plain functions so that they need no XCTest (Linux toolchains may lack it);
//!    `-D HEALTHBOOK_PLAIN_RUNNER` leaves out the file that wraps them for XCTest, which
//!    `swift test` and Xcode use on a Mac.
//! 4. Both executables run with the reference backend started around them; its URL is in
//!    `HEALTHBOOK_BACKEND_URL`, so the view-model checks that sync and share run too.
//!
//! Without `swiftc` this prints one SKIPPED line naming both and does nothing else: the bindings
//! are generated either way. What needs no compiler runs either way: the view models may import
//! only Foundation, Combine and the bindings (no SwiftUI or UIKit), so that they stay plain
//! Swift that compiles and is tested off the phone.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::backend::Backend;
use crate::bindings::Bindings;
use crate::process;
use crate::tools::Tools;
use crate::workspace::{files_with_extension, fresh_dir, Workspace};

/// The Swift module name set in uniffi.toml; the FFI module is `<name>FFI`.
const MODULE: &str = "HealthBook";

/// The iOS demo's view-model package, its library module and the checks' runner.
const DEMO_KIT_DIR: &str = "ios-demo/HealthBookDemoKit";
const DEMO_KIT_MODULE: &str = "HealthBookDemoKit";
const DEMO_KIT_SOURCES: &str = "Sources/HealthBookDemoKit";
const DEMO_KIT_CHECKS: &str = "Tests/HealthBookDemoKitTests";
const DEMO_KIT_RUNNER: &str = "Runner/main.swift";
/// Defined when the checks are compiled without XCTest.
const PLAIN_RUNNER_FLAG: &str = "HEALTHBOOK_PLAIN_RUNNER";

/// The environment variable that tells the Swift tests where the backend listens.
const BACKEND_URL_VARIABLE: &str = "HEALTHBOOK_BACKEND_URL";

/// Modules the view models may import: they are plain Swift, tested off the phone.
const VIEW_MODEL_IMPORTS: &[&str] = &[
    "Foundation",
    "FoundationNetworking",
    "Dispatch",
    "Combine",
    MODULE,
];

/// What happened to the Swift tests.
pub enum Outcome {
    Passed,
    Skipped(String),
}

pub fn test(ws: &Workspace, tools: &Tools, bindings: &Bindings) -> Result<Outcome> {
    let demo_kit = ws.root.join(DEMO_KIT_DIR);
    check_view_model_imports(&demo_kit.join(DEMO_KIT_SOURCES))?;

    let Some(swiftc) = &tools.swiftc else {
        let reason = "no swiftc on this machine".to_owned();
        println!(
            "SKIPPED: Swift tests ({reason}): neither the binding tests ({}) nor the iOS view-model checks ({}) were compiled or run; the Swift bindings were generated at {}",
            ws.show(&ws.root.join("tests/swift")),
            ws.show(&demo_kit),
            ws.show(&bindings.swift_dir)
        );
        return Ok(Outcome::Skipped(reason));
    };

    let out = ws.target.join("swift-tests");
    fresh_dir(&out)?;
    let swift = Swiftc::new(swiftc, ws, bindings, &out);

    // 1. The bindings as a library module, linked against the core library.
    swift
        .library(
            MODULE,
            &[bindings.swift_dir.join(format!("{MODULE}.swift"))],
            &[],
        )
        .context("compiling the generated Swift bindings failed: see the swiftc errors above")?;

    // 2. The binding tests, importing that module.
    let tests_dir = ws.root.join("tests/swift");
    let tests = files_with_extension(&tests_dir, "swift")?;
    let binding_tests = if tests.is_empty() {
        println!(
            "SKIPPED: Swift binding tests (no .swift files in {})",
            ws.show(&tests_dir)
        );
        None
    } else {
        let executable = out.join("healthbook-swift-tests");
        swift
            .executable(&executable, &tests, &[MODULE], &[])
            .with_context(|| {
                format!(
                    "compiling the Swift tests in {} failed",
                    ws.show(&tests_dir)
                )
            })?;
        Some(executable)
    };

    // 3. The view models as a library module, and their checks with the plain runner.
    let sources = files_with_extension(&demo_kit.join(DEMO_KIT_SOURCES), "swift")?;
    if sources.is_empty() {
        bail!(
            "no view models in {}: the iOS demo's view models belong there",
            ws.show(&demo_kit.join(DEMO_KIT_SOURCES))
        );
    }
    swift
        .library(DEMO_KIT_MODULE, &sources, &[MODULE])
        .with_context(|| {
            format!(
                "compiling the iOS view models in {} failed",
                ws.show(&demo_kit.join(DEMO_KIT_SOURCES))
            )
        })?;
    let mut checks = files_with_extension(&demo_kit.join(DEMO_KIT_CHECKS), "swift")?;
    checks.push(demo_kit.join(DEMO_KIT_RUNNER));
    let checks_executable = out.join("healthbook-demo-kit-checks");
    swift
        .executable(
            &checks_executable,
            &checks,
            &[DEMO_KIT_MODULE, MODULE],
            &[PLAIN_RUNNER_FLAG],
        )
        .with_context(|| {
            format!(
                "compiling the iOS view-model checks in {} failed",
                ws.show(&demo_kit.join(DEMO_KIT_CHECKS))
            )
        })?;

    // 4. Run them, with the backend for the checks that sync and share.
    let backend = Backend::start(ws, &bindings.library_dir, &out.join("backend"))?;
    let ran = run_tests(
        ws,
        &swift,
        binding_tests.as_deref(),
        &checks_executable,
        &backend.url,
    );
    // The tests' failure says more than one in stopping the backend, so it comes first.
    let stopped = backend.stop();
    ran?;
    stopped?;
    Ok(Outcome::Passed)
}

fn run_tests(
    ws: &Workspace,
    swift: &Swiftc<'_>,
    binding_tests: Option<&Path>,
    checks: &Path,
    backend_url: &str,
) -> Result<()> {
    let library_path = swift.library_path()?;
    if let Some(executable) = binding_tests {
        process::run(
            Command::new(executable)
                .current_dir(&ws.root)
                .env(library_path_variable(), &library_path)
                .env(BACKEND_URL_VARIABLE, backend_url),
        )
        .context("Swift binding tests failed")?;
    }
    process::run(
        Command::new(checks)
            .current_dir(&ws.root)
            .env(library_path_variable(), &library_path)
            .env(BACKEND_URL_VARIABLE, backend_url),
    )
    .context("iOS view-model checks failed: see the FAILED lines above")
}

/// swiftc with what every step needs: the bindings' C module, the built modules and libraries.
struct Swiftc<'a> {
    swiftc: &'a Path,
    root: &'a Path,
    /// The generated bindings: `HealthBook.swift`, the FFI header and module map.
    swift_dir: &'a Path,
    /// The core library's folder.
    library_dir: &'a Path,
    /// Where the modules, libraries and executables go.
    out: &'a Path,
}

impl<'a> Swiftc<'a> {
    fn new(swiftc: &'a Path, ws: &'a Workspace, bindings: &'a Bindings, out: &'a Path) -> Self {
        Self {
            swiftc,
            root: &ws.root,
            swift_dir: &bindings.swift_dir,
            library_dir: &bindings.library_dir,
            out,
        }
    }

    /// A command with the search paths for modules and libraries, linked to the core.
    fn command(&self) -> Command {
        let mut module_map_flag = OsString::from("-fmodule-map-file=");
        module_map_flag.push(self.swift_dir.join(format!("{MODULE}FFI.modulemap")));
        let mut command = Command::new(self.swiftc);
        command
            .current_dir(self.root)
            .arg("-I")
            .arg(self.out)
            .arg("-I")
            .arg(self.swift_dir)
            .arg("-Xcc")
            .arg(module_map_flag)
            .arg("-L")
            .arg(self.out)
            .arg("-L")
            .arg(self.library_dir);
        for dir in [self.out, self.library_dir] {
            command.args(["-Xlinker", "-rpath", "-Xlinker"]).arg(dir);
        }
        command
    }

    /// A library module `module` from `sources`, linked to the modules in `links` and the core.
    fn library(&self, module: &str, sources: &[PathBuf], links: &[&str]) -> Result<()> {
        let mut command = self.command();
        command
            .args(["-emit-library", "-emit-module", "-parse-as-library"])
            .args(["-module-name", module])
            .arg("-emit-module-path")
            .arg(self.out.join(format!("{module}.swiftmodule")))
            .arg("-o")
            .arg(self.out.join(library_file(module)));
        for link in links {
            command.arg(format!("-l{link}"));
        }
        process::run(command.arg("-lhealthbook_core").args(sources))
    }

    /// An executable from `sources` (one of them `main.swift`), with `-D` for each of `defines`.
    fn executable(
        &self,
        executable: &Path,
        sources: &[PathBuf],
        links: &[&str],
        defines: &[&str],
    ) -> Result<()> {
        let mut command = self.command();
        for define in defines {
            command.args(["-D", define]);
        }
        for link in links {
            command.arg(format!("-l{link}"));
        }
        process::run(
            command
                .arg("-lhealthbook_core")
                .arg("-o")
                .arg(executable)
                .args(sources),
        )
    }

    /// Where the executables find the libraries built here and the core's.
    fn library_path(&self) -> Result<OsString> {
        std::env::join_paths([self.out, self.library_dir])
            .context("a library folder contains the path separator")
    }
}

/// `libHealthBook.so`, `libHealthBook.dylib`, …
fn library_file(module: &str) -> String {
    format!(
        "{}{module}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

fn library_path_variable() -> &'static str {
    if cfg!(target_os = "macos") {
        "DYLD_LIBRARY_PATH"
    } else {
        "LD_LIBRARY_PATH"
    }
}

/// Fails when a view model imports a module other than [`VIEW_MODEL_IMPORTS`] (SwiftUI, UIKit,
/// …): the view models must stay plain Swift.
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

    #[test]
    fn import_lines_give_their_module() {
        let cases = [
            ("import Foundation", Some("Foundation")),
            ("  import SwiftUI", Some("SwiftUI")),
            (
                "@testable import HealthBookDemoKit",
                Some("HealthBookDemoKit"),
            ),
            ("@preconcurrency import HealthBook", Some("HealthBook")),
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
    fn a_view_model_importing_swiftui_is_refused() {
        let dir = std::env::temp_dir().join(format!("xtask-swift-imports-{}", std::process::id()));
        fresh_dir(&dir).unwrap();
        std::fs::write(
            dir.join("Screen.swift"),
            "import Foundation\nimport SwiftUI\n",
        )
        .unwrap();
        let error = check_view_model_imports(&dir).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(error.contains("Screen.swift:2: import SwiftUI"), "{error}");
    }

    #[test]
    fn every_check_has_its_xctest_method() {
        let kit = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(DEMO_KIT_DIR);
        let checks =
            std::fs::read_to_string(kit.join(DEMO_KIT_CHECKS).join("ViewModelChecks.swift"))
                .unwrap();
        let xctest = std::fs::read_to_string(
            kit.join(DEMO_KIT_CHECKS)
                .join("HealthBookDemoKitTests.swift"),
        )
        .unwrap();
        let names: Vec<&str> = checks
            .lines()
            .filter_map(|line| line.trim().strip_prefix("Check(\""))
            .filter_map(|rest| rest.rsplit_once(", ")?.1.strip_suffix("),"))
            .collect();
        assert!(names.len() > 10, "checks found: {names:?}");
        for name in &names {
            assert!(
                xctest.contains(&format!("ViewModelChecks.{name})")),
                "HealthBookDemoKitTests.swift has no test method for {name}"
            );
        }
        assert!(
            xctest.contains(&format!("ViewModelChecks.all.count, {}", names.len())),
            "HealthBookDemoKitTests.swift counts {} checks",
            names.len()
        );
    }
}
