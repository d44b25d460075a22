//! Kotlin on the JVM: compile the bindings (the generated file and the adapters shipped with it,
//! as `cargo xtask bindings` leaves them) together with Kotlin sources into a jar with kotlinc,
//! and run a main class from it with JNA pointed at the built library.
//!
//! Used by the Kotlin tests (`tests/kotlin`, see [`crate::ci`]) and the demo (`tests/kotlin-demo`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{ensure, Context, Result};

use crate::bindings::Bindings;
use crate::process;
use crate::tools::Tools;
use crate::workspace::{files_with_extension, Workspace};

/// Compile the generated Kotlin bindings plus every `.kt` file under `source_dir` into `jar`.
pub fn compile(
    ws: &Workspace,
    tools: &Tools,
    bindings: &Bindings,
    source_dir: &Path,
    jar: &Path,
) -> Result<()> {
    compile_with(ws, tools, bindings, &[source_dir], &[], jar)
}

/// Compile the generated Kotlin bindings plus every `.kt` file under each of `source_dirs` into
/// `jar`, against the bindings' classpath and `extra_classpath` (e.g. JUnit).
pub fn compile_with(
    ws: &Workspace,
    tools: &Tools,
    bindings: &Bindings,
    source_dirs: &[&Path],
    extra_classpath: &[PathBuf],
    jar: &Path,
) -> Result<()> {
    let generated = files_with_extension(&bindings.kotlin_dir, "kt")?;
    ensure!(
        !generated.is_empty(),
        "no generated Kotlin in {}: run `cargo xtask bindings` and read its errors",
        ws.show(&bindings.kotlin_dir)
    );
    let mut sources = Vec::new();
    for dir in source_dirs {
        let found = files_with_extension(dir, "kt")?;
        ensure!(!found.is_empty(), "no .kt files in {}", ws.show(dir));
        sources.extend(found);
    }

    let out_dir = jar.parent().context("the jar path has no folder")?;
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    if jar.exists() {
        std::fs::remove_file(jar).with_context(|| format!("removing the old {}", jar.display()))?;
    }

    let shown: Vec<String> = source_dirs.iter().map(|dir| ws.show(dir)).collect();
    println!(
        "Compiling {} Kotlin file(s) from {} with the bindings (this takes a minute)",
        sources.len(),
        shown.join(" and ")
    );
    let mut compile_classpath = tools.compile_classpath();
    compile_classpath.extend_from_slice(extra_classpath);
    let mut kotlinc = Command::new(&tools.kotlinc);
    kotlinc
        .current_dir(&ws.root)
        .arg("-classpath")
        .arg(classpath(&compile_classpath)?)
        .args(["-jvm-target", "17", "-d"])
        .arg(ws.show(jar))
        .args(generated.iter().chain(&sources).map(|file| ws.show(file)));
    process::run(&mut kotlinc).with_context(|| {
        format!(
            "kotlinc failed: fix the Kotlin errors above (in {} or, if the bindings changed, in the code that calls them)",
            shown.join(" or ")
        )
    })
}

/// Run `main_class` on the JVM with `jars` (the compiled program first) and the runtime
/// classpath, loading the core library from `bindings.library_dir`. `properties` become JVM
/// system properties (`-Dname=value`), e.g. the backend's URL.
pub fn run_main(
    ws: &Workspace,
    tools: &Tools,
    bindings: &Bindings,
    jars: &[PathBuf],
    main_class: &str,
    properties: &[(&str, &str)],
    args: &[OsString],
) -> Result<()> {
    let mut entries = jars.to_vec();
    entries.extend(tools.runtime_classpath());
    let mut library_path = OsString::from("-Djna.library.path=");
    library_path.push(&bindings.library_dir);
    process::run(
        Command::new("java")
            .current_dir(&ws.root)
            .arg("-ea")
            .arg(library_path)
            .args(
                properties
                    .iter()
                    .map(|(name, value)| format!("-D{name}={value}")),
            )
            .arg("-cp")
            .arg(classpath(&entries)?)
            .arg(main_class)
            .args(args),
    )
}

/// The JVM class that holds the top-level `main` of `file`: `<package>.<FileName>Kt`.
pub fn main_class_of(file: &Path) -> Result<String> {
    Ok(format!("{}Kt", class_named_after(file)?))
}

/// The JVM class named after `file` (a file holding `class <FileName>`, like a JUnit test):
/// `<package>.<FileName>`.
pub fn class_named_after(file: &Path) -> Result<String> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let stem = file
        .file_stem()
        .context("a Kotlin file without a name")?
        .to_string_lossy();
    Ok(qualified(&text, &stem))
}

/// `class` in the package that the Kotlin source `text` declares.
fn qualified(text: &str, class: &str) -> String {
    let package = text
        .lines()
        .map(str::trim)
        .find_map(|line| line.strip_prefix("package "))
        .map(|name| name.trim_end_matches(';').trim());
    match package {
        Some(package) => format!("{package}.{class}"),
        None => class.to_owned(),
    }
}

fn classpath(entries: &[PathBuf]) -> Result<OsString> {
    std::env::join_paths(entries).context("a classpath entry contains the path separator")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_class_uses_package_and_file_name() {
        let dir = std::env::temp_dir().join(format!("xtask-main-class-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let with_package = dir.join("Demo.kt");
        std::fs::write(
            &with_package,
            "// A demo\n\npackage vn.healthbook.demo\n\nfun main() {}\n",
        )
        .unwrap();
        let without_package = dir.join("Tool.kt");
        std::fs::write(&without_package, "fun main() {}\n").unwrap();

        assert_eq!(
            main_class_of(&with_package).unwrap(),
            "vn.healthbook.demo.DemoKt"
        );
        assert_eq!(main_class_of(&without_package).unwrap(), "ToolKt");
        assert_eq!(
            class_named_after(&with_package).unwrap(),
            "vn.healthbook.demo.Demo"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
