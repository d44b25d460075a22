//! Swift tests, where the machine has a Swift toolchain (`swiftc` on PATH).
//!
//! The generated bindings are compiled into a library module `HealthBook` (as an app would
//! import it), then every `tests/swift/*.swift` file is compiled into one executable that
//! imports it; `main.swift` holds the top-level code that runs the tests and exits non-zero on
//! a failure. Without `swiftc` this says so plainly and does nothing else: the bindings are
//! generated either way.

use std::ffi::OsString;
use std::process::Command;

use anyhow::{Context, Result};

use crate::bindings::Bindings;
use crate::process;
use crate::tools::Tools;
use crate::workspace::{files_with_extension, fresh_dir, Workspace};

/// The Swift module name set in uniffi.toml; the FFI module is `<name>FFI`.
const MODULE: &str = "HealthBook";

/// What happened to the Swift tests.
pub enum Outcome {
    Passed,
    Skipped(String),
}

pub fn test(ws: &Workspace, tools: &Tools, bindings: &Bindings) -> Result<Outcome> {
    let Some(swiftc) = &tools.swiftc else {
        let reason = "no swiftc on this machine".to_owned();
        println!(
            "SKIPPED: Swift tests ({reason}); Swift bindings were generated at {}",
            ws.show(&bindings.swift_dir)
        );
        return Ok(Outcome::Skipped(reason));
    };
    let tests_dir = ws.root.join("tests/swift");
    let tests = files_with_extension(&tests_dir, "swift")?;
    if tests.is_empty() {
        let reason = format!("no .swift files in {}", ws.show(&tests_dir));
        println!("SKIPPED: Swift tests ({reason})");
        return Ok(Outcome::Skipped(reason));
    }

    let out = ws.target.join("swift-tests");
    fresh_dir(&out)?;
    let swift_dir = &bindings.swift_dir;
    let module_map = swift_dir.join(format!("{MODULE}FFI.modulemap"));
    let mut module_map_flag = OsString::from("-fmodule-map-file=");
    module_map_flag.push(&module_map);
    let library_name = format!(
        "{}{MODULE}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );

    // 1. The bindings as a library module, linked against the core library.
    process::run(
        Command::new(swiftc)
            .current_dir(&ws.root)
            .args(["-emit-library", "-emit-module", "-parse-as-library"])
            .args(["-module-name", MODULE])
            .arg("-emit-module-path")
            .arg(out.join(format!("{MODULE}.swiftmodule")))
            .arg("-o")
            .arg(out.join(&library_name))
            .arg("-I")
            .arg(swift_dir)
            .arg("-Xcc")
            .arg(&module_map_flag)
            .arg("-L")
            .arg(&bindings.library_dir)
            .arg("-lhealthbook_core")
            .arg(swift_dir.join(format!("{MODULE}.swift"))),
    )
    .context("compiling the generated Swift bindings failed: see the swiftc errors above")?;

    // 2. The tests, importing that module.
    let executable = out.join("healthbook-swift-tests");
    process::run(
        Command::new(swiftc)
            .current_dir(&ws.root)
            .arg("-I")
            .arg(&out)
            .arg("-I")
            .arg(swift_dir)
            .arg("-Xcc")
            .arg(&module_map_flag)
            .arg("-L")
            .arg(&out)
            .arg("-L")
            .arg(&bindings.library_dir)
            .arg(format!("-l{MODULE}"))
            .arg("-lhealthbook_core")
            .arg("-o")
            .arg(&executable)
            .args(&tests),
    )
    .with_context(|| {
        format!(
            "compiling the Swift tests in {} failed",
            ws.show(&tests_dir)
        )
    })?;

    // 3. Run them, finding both libraries next to where they were built.
    let library_path = std::env::join_paths([out.as_path(), bindings.library_dir.as_path()])
        .context("a library folder contains the path separator")?;
    process::run(
        Command::new(&executable)
            .current_dir(&ws.root)
            .env(library_path_variable(), library_path),
    )
    .context("Swift tests failed")?;
    Ok(Outcome::Passed)
}

fn library_path_variable() -> &'static str {
    if cfg!(target_os = "macos") {
        "DYLD_LIBRARY_PATH"
    } else {
        "LD_LIBRARY_PATH"
    }
}
