//! `cargo xtask`: the developer commands of healthbook.
//!
//! This file only reads the command line and hands over to the module that does the work:
//! `tools` (setup), `bindings`, `ci` (test), `kotlin`, `viewmodels` (the Android demo's view-model
//! tests), `swift`, `demo` and `bench`; `backend` starts and stops the reference backend for the
//! Kotlin tests and the demo; `android` and
//! `apple` package the core for app developers (with what they share in `package`).

mod android;
mod apple;
mod backend;
mod bench;
mod bindings;
mod ci;
mod demo;
mod fuzz;
mod kotlin;
mod package;
mod process;
mod size;
mod staticlib;
mod swift;
mod tools;
mod viewmodels;
mod workspace;

use std::process::ExitCode;

use anyhow::{bail, Result};

use crate::bindings::Profile;
use crate::package::ShipProfile;
use crate::workspace::Workspace;

const USAGE: &str = "\
Usage: cargo xtask <command> [options]

Main entry points:
  demo [--out DIR] [-- ARGS...]
        Install what is missing, build, start the backend with the sample family, and run
        the Kotlin console demo (tests/kotlin-demo), which syncs the mother's book from it,
        against the debug build. DIR (default: a new target/demo-<unix time>) is passed to
        the demo as its first argument; ARGS follow it.
  test  Everything CI runs: setup, cargo fmt --check, clippy, cargo test, bindings,
        Kotlin tests and the Android demo's view-model tests on the JVM (with the
        backend running), and the Swift binding and iOS view-model tests with
        `swift test` (swift from PATH, else ../shared/swift/install; without either
        the run fails and says how to install Swift).

Other commands:
  setup                 Make sure libssl-dev, Java, JNA, JUnit 4, the Kotlin compiler, Chromium
                        and the npm package jose are present, installing what is missing. Quick when
                        everything is there.
  bindings [--release]  Build healthbook-core and generate the Kotlin and Swift bindings
                        into target/bindings/{kotlin,swift}.
  test-kotlin [FILTER...]
                        Only the Kotlin tests: build, generate bindings, start the backend,
                        compile and run the tests whose names contain one of the FILTERs
                        (all when none given; then the Android view-model tests run too).
  test-swift            Only the Swift tests: build, generate bindings, write the package
                        target/swift/HealthBookKit, start the backend, and `swift test` it
                        and ios-demo/HealthBookDemoKit.
  bench [ARGS...]       Run the criterion benchmarks of healthbook-core; ARGS go to
                        `cargo bench` (e.g. `-- search` to run the benchmarks matching `search`).
  size                  Build the core with the size-optimised `mobile` profile, generate the
                        bindings from it, strip a copy and report its size for this machine.
  fuzz [TARGET...] [--seconds N] [--runs N]
                        Coverage-guided fuzzing (libFuzzer, on the stable toolchain) of the
                        share-link parser, the JWE reader, FHIR import and the sync wire reader
                        (targets share_link, jwe, fhir_import, sync_wire; all by default), each
                        for N seconds (60) or N executions, seeded from ../shared/vectors and the
                        sample family. Corpora and crashes under target/fuzz/.
  check-staticlib       Build the core as a static library, make every symbol but the FFI's
                        local (as package-ios does), and check with readelf and a C program
                        that has its own SQLite that SQLCipher's sqlite3_* stay inside.
  package-android [--profile mobile|release]
                        The Android library target/android/healthbook.aar (the core for
                        arm64-v8a, armeabi-v7a and x86_64, the compiled Kotlin bindings,
                        manifest with minSdk 26, keep rules) and healthbook.pom. Needs the
                        Android Rust targets, cargo-ndk and the NDK; says what is missing first.
  package-ios [--profile mobile|release]
                        On macOS with Xcode: target/ios/HealthBookFFI.xcframework (device and
                        simulator static libraries) and the Swift package target/ios/HealthBookKit.
                        Elsewhere it stops and says so.
  help                  Show this text.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The chain of contexts, most general first; no backtrace: the messages say where.
            eprintln!("\nerror: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  because: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let Some((command, rest)) = args.split_first() else {
        print!("{USAGE}");
        return Ok(());
    };
    let ws = Workspace::locate()?;
    match command.as_str() {
        "setup" => {
            no_arguments(command, rest)?;
            tools::setup(&ws).map(|_| ())
        }
        "bindings" => {
            let profile = match rest {
                [] => Profile::Debug,
                [flag] if flag == "--release" => Profile::Release,
                _ => bail!("`bindings` takes only `--release`, got {rest:?}\n\n{USAGE}"),
            };
            bindings::build(&ws, profile).map(|_| ())
        }
        "test" => {
            no_arguments(command, rest)?;
            ci::test(&ws)
        }
        "test-kotlin" => ci::test_kotlin(&ws, rest),
        "test-swift" => {
            no_arguments(command, rest)?;
            ci::test_swift(&ws)
        }
        "demo" => demo::run(&ws, demo::Options::parse(rest)?),
        "bench" => bench::run(&ws, rest),
        "size" => {
            no_arguments(command, rest)?;
            size::run(&ws)
        }
        "fuzz" => fuzz::run(&ws, &fuzz::Options::parse(rest)?).map(|_| ()),
        "check-staticlib" => {
            no_arguments(command, rest)?;
            staticlib::check(&ws)
        }
        "package-android" => android::run(&ws, ShipProfile::parse(command, rest)?),
        "package-ios" => apple::run(&ws, ShipProfile::parse(command, rest)?),
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

fn no_arguments(command: &str, rest: &[String]) -> Result<()> {
    if !rest.is_empty() {
        bail!("`{command}` takes no arguments, got {rest:?}\n\n{USAGE}");
    }
    Ok(())
}
