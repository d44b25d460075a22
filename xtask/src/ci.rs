//! `cargo xtask test`: everything CI runs, in order, stopping at the first failure:
//! setup, formatting, clippy, the Rust tests, the bindings, the Kotlin tests and the Android demo's
//! view-model tests on the JVM, and the Swift binding and iOS view-model tests with `swift test`
//! (a machine without Swift fails the run and is told how to install it), and a short smoke run of
//! each fuzz target. Also
//! `cargo xtask test-kotlin` and `cargo xtask test-swift`, one language alone.
//!
//! The Kotlin tests run with the reference backend started around them (a fresh database seeded
//! with the sample family, see [`crate::backend`]); its URL is the JVM system property
//! `healthbook.backend.url`, which the sync tests (`tests/kotlin/SyncTests.kt`) read.
//!
//! Kotlin test convention: every `.kt` file under `tests/kotlin/` is compiled together with the
//! generated bindings; `tests/kotlin/TestRunner.kt` (package `vn.healthbook.tests`) has the
//! `main` that runs the registered tests and the assertion functions. A test file defines a list
//! such as `val bookTests: List<TestCase>` and TestRunner.kt's `allTests` includes it.

use std::ffi::OsString;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::backend::{self, Backend};
use crate::bindings::{self, Bindings, Profile};
use crate::kotlin;
use crate::process;
use crate::swift;
use crate::tools::{self, Tools};
use crate::viewmodels;
use crate::workspace::Workspace;

/// The JVM class of `tests/kotlin/TestRunner.kt`'s `main`.
const KOTLIN_TEST_MAIN: &str = "vn.healthbook.tests.TestRunnerKt";

pub fn test(ws: &Workspace) -> Result<()> {
    let mut steps = Steps::new(9);

    steps.begin("Setup");
    let tools = tools::setup(ws)?;

    steps.begin("Formatting: cargo fmt --all -- --check");
    process::run(
        process::cargo()
            .current_dir(&ws.root)
            .args(["fmt", "--all", "--", "--check"]),
    )
    .context("the code is not formatted as rustfmt wants: run `cargo fmt --all`")?;

    // `bench-baseline` so the benchmarks behind it are linted too. Not --all-features: that would
    // also turn on `vendored-openssl`, which builds OpenSSL from source for Android packages only.
    steps.begin(
        "Lints: cargo clippy --workspace --all-targets --features healthbook-core/bench-baseline,healthbook-core/sample -- -D warnings",
    );
    process::run(process::cargo().current_dir(&ws.root).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--features",
        "healthbook-core/bench-baseline,healthbook-core/sample",
        "--",
        "-D",
        "warnings",
    ]))
    .context("clippy found problems: fix the warnings above (CI treats them as errors)")?;

    steps.begin("Rust tests: cargo test --workspace --features healthbook-core/sample");
    process::run(
        process::cargo()
            .current_dir(&ws.root)
            // The sample family is a feature (the shipped library leaves it out); the tests that
            // build on it need it on.
            .args([
                "test",
                "--workspace",
                "--features",
                "healthbook-core/sample",
            ]),
    )
    .context("Rust tests failed: see the failures above")?;

    steps.begin("Bindings (debug build)");
    let bindings = bindings::build(ws, Profile::Debug)?;

    steps.begin("Static library: only the FFI's symbols global, SQLite's kept inside");
    crate::staticlib::check(ws)?;

    steps.begin(
        "Kotlin tests and the Android demo's view-model tests on the JVM, with the backend running",
    );
    kotlin_tests(ws, &tools, &bindings, &[])?;

    steps.begin("Swift binding tests and the iOS demo's view-model tests (swift test), with the backend running");
    let swift = swift::test(ws, &bindings)?;

    steps.begin("Fuzz smoke: each target for 10 seconds (long runs: cargo xtask fuzz --runs N)");
    crate::fuzz::run(
        ws,
        &crate::fuzz::Options {
            targets: crate::fuzz::TARGETS.iter().map(|t| t.to_string()).collect(),
            seconds: 10,
            runs: None,
        },
    )?;

    steps.finish();
    println!(
        "All checks passed. Swift: binding tests {}; iOS view-model tests {}.",
        swift.binding_tests, swift.view_model_tests
    );
    Ok(())
}

/// Only the Swift tests (bindings and iOS view models), on a debug build.
pub fn test_swift(ws: &Workspace) -> Result<()> {
    tools::setup(ws)?;
    let bindings = bindings::build(ws, Profile::Debug)?;
    swift::test(ws, &bindings).map(|_| ())
}

/// Only the Kotlin tests, optionally those whose names contain one of `filters`.
pub fn test_kotlin(ws: &Workspace, filters: &[String]) -> Result<()> {
    let tools = tools::setup(ws)?;
    let bindings = bindings::build(ws, Profile::Debug)?;
    kotlin_tests(ws, &tools, &bindings, filters)
}

fn kotlin_tests(
    ws: &Workspace,
    tools: &Tools,
    bindings: &Bindings,
    filters: &[String],
) -> Result<()> {
    let jar = ws.target.join("kotlin-tests/healthbook-kotlin-tests.jar");
    kotlin::compile(ws, tools, bindings, &ws.root.join("tests/kotlin"), &jar)?;
    let args: Vec<OsString> = filters.iter().map(OsString::from).collect();

    let backend = Backend::start(
        ws,
        &bindings.library_dir,
        &ws.target.join("kotlin-tests/backend"),
    )?;
    let properties = [(backend::URL_PROPERTY, backend.url.as_str())];
    let tests = kotlin::run_main(
        ws,
        tools,
        bindings,
        std::slice::from_ref(&jar),
        KOTLIN_TEST_MAIN,
        &properties,
        &args,
    )
    .context("Kotlin tests failed: see the FAILED lines above")
    .and_then(|()| {
        if filters.is_empty() {
            println!("\nThe Android demo's view models, on the JVM against the same backend");
            viewmodels::test(ws, tools, bindings, &backend.url)
        } else {
            println!("\nThe Android demo's view-model tests are not run when filters are given");
            Ok(())
        }
    });
    // The tests' failure says more than one in stopping the backend, so it comes first.
    let stopped = backend.stop();
    tests?;
    stopped
}

/// Numbered step headers, and how long each step took.
struct Steps {
    total: usize,
    current: Option<(String, Instant)>,
    done: Vec<(String, Duration)>,
}

impl Steps {
    fn new(total: usize) -> Self {
        Self {
            total,
            current: None,
            done: Vec::new(),
        }
    }

    fn begin(&mut self, title: &str) {
        self.end_current();
        println!("\n==> [{}/{}] {title}", self.done.len() + 1, self.total);
        self.current = Some((title.to_owned(), Instant::now()));
    }

    fn end_current(&mut self) {
        if let Some((title, started)) = self.current.take() {
            self.done.push((title, started.elapsed()));
        }
    }

    fn finish(mut self) {
        self.end_current();
        println!("\n==> Summary");
        for (title, took) in &self.done {
            println!("  {:>7.1}s  {title}", took.as_secs_f64());
        }
    }
}
