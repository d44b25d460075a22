//! The Android demo's view models on the JVM: `android-demo/app/src/viewmodel/kotlin` is plain
//! Kotlin (no `android.*` or `androidx.*` imports, checked here), so it compiles with kotlinc
//! together with the generated bindings and its JUnit 4 tests
//! (`android-demo/app/src/viewmodelTest/kotlin`, one test class per `*Test.kt` file, named after
//! it), which then run against the real core library with the backend running.

use std::ffi::OsString;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::backend;
use crate::bindings::Bindings;
use crate::kotlin;
use crate::tools::Tools;
use crate::workspace::{files_with_extension, Workspace};

const SOURCES: &str = "android-demo/app/src/viewmodel/kotlin";
const TESTS: &str = "android-demo/app/src/viewmodelTest/kotlin";
const JUNIT_MAIN: &str = "org.junit.runner.JUnitCore";

/// Compile the view models and their tests, and run the tests against `backend_url`.
pub fn test(ws: &Workspace, tools: &Tools, bindings: &Bindings, backend_url: &str) -> Result<()> {
    let sources = ws.root.join(SOURCES);
    let tests = ws.root.join(TESTS);
    check_plain_kotlin(ws, &sources)?;

    let jar = ws
        .target
        .join("android-viewmodel-tests/healthbook-viewmodel-tests.jar");
    kotlin::compile_with(
        ws,
        tools,
        bindings,
        &[&sources, &tests],
        &tools.junit_jars,
        &jar,
    )?;

    let mut classes = Vec::new();
    for file in files_with_extension(&tests, "kt")? {
        if file
            .file_stem()
            .is_some_and(|stem| stem.to_string_lossy().ends_with("Test"))
        {
            classes.push(OsString::from(kotlin::class_named_after(&file)?));
        }
    }
    if classes.is_empty() {
        bail!("no *Test.kt files in {}", ws.show(&tests));
    }
    println!("Running {} JUnit test class(es)", classes.len());

    let mut jars = vec![jar];
    jars.extend(tools.junit_jars.iter().cloned());
    kotlin::run_main(
        ws,
        tools,
        bindings,
        &jars,
        JUNIT_MAIN,
        &[(backend::URL_PROPERTY, backend_url)],
        &classes,
    )
    .context("the Android view-model tests failed: see the JUnit failures above")
}

/// The view-model layer must build without the Android SDK: no Android imports.
fn check_plain_kotlin(ws: &Workspace, sources: &Path) -> Result<()> {
    let mut found = Vec::new();
    for file in files_with_extension(sources, "kt")? {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        found.extend(
            android_imports(&text)
                .into_iter()
                .map(|(line, import)| format!("{}:{line}: {import}", ws.show(&file))),
        );
    }
    if !found.is_empty() {
        bail!(
            "the view-model layer must be plain Kotlin (it is tested on the JVM), but it imports Android:\n  {}\nmove that code to android-demo/app/src/main",
            found.join("\n  ")
        );
    }
    Ok(())
}

/// `(line number, import)` of every Android or AndroidX import in a Kotlin source.
fn android_imports(text: &str) -> Vec<(usize, &str)> {
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let line = line.trim();
            let name = line.strip_prefix("import ")?.trim_start();
            (name.starts_with("android.") || name.starts_with("androidx."))
                .then_some((index + 1, line))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn android_and_androidx_imports_are_found_with_their_lines() {
        let text = "package vn.healthbook.demo\n\nimport kotlinx.coroutines.Job\nimport android.content.Context\n  import androidx.lifecycle.ViewModel\n// import android.util.Log in a comment\n";
        assert_eq!(
            android_imports(text),
            vec![
                (4, "import android.content.Context"),
                (5, "import androidx.lifecycle.ViewModel"),
            ]
        );
        assert!(android_imports("import vn.healthbook.HealthBook\n").is_empty());
    }
}
