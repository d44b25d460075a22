//! `cargo xtask bindings`: build `healthbook-core` and generate its Kotlin and Swift bindings
//! from the built library with the workspace's own `uniffi-bindgen` (same pinned UniFFI version),
//! configured by the root `uniffi.toml`.
//!
//! Output: `target/bindings/kotlin` (package `vn.healthbook`, with the hand-written adapters of
//! `bindings/kotlin/`) and `target/bindings/swift` (module `HealthBookKit`: the `.swift` file, the
//! C header and the module map of `HealthBookFFI`). Both folders are emptied first so that
//! nothing stale is left. Generated code is not committed.

use std::path::{Path, PathBuf};

use std::process::Command;

use anyhow::{ensure, Context, Result};

use crate::process;
use crate::workspace::{fresh_dir, Workspace};

/// The cargo profile the library is built with.
#[derive(Clone, Copy)]
pub enum Profile {
    Debug,
    Release,
    /// The workspace's `mobile` profile: what the apps ship.
    Mobile,
}

impl Profile {
    /// The folder under `target/` that cargo builds this profile into.
    fn dir_name(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
            Profile::Mobile => "mobile",
        }
    }
}

/// Where a build put the library and its bindings.
pub struct Bindings {
    /// The shared library (`libhealthbook_core.so` on Linux).
    pub library: PathBuf,
    /// Its folder: what JNA (`-Djna.library.path`) and the linker need.
    pub library_dir: PathBuf,
    pub kotlin_dir: PathBuf,
    pub swift_dir: PathBuf,
}

/// Build the core library and generate both bindings.
pub fn build(ws: &Workspace, profile: Profile) -> Result<Bindings> {
    crate::tools::ensure_native_build_deps()?;

    // Debug: build every target of the workspace, so that cargo resolves the same features as
    // `cargo test --workspace` and both reuse one build. Release: only the library and the
    // generator. Either way the generator comes from the same build, so running it rebuilds nothing.
    //
    // Mobile: what the apps ship, so the library is built on its own as a cdylib with
    // `cargo rustc --crate-type cdylib`. Cargo turns LTO off when a crate's types include `lib`
    // next to `cdylib` (core/Cargo.toml needs `lib` for the backend and the tests), and a plain
    // `cargo build` would then link the library from unoptimised per-crate objects: 19% larger.
    const FAILED: &str = "the build failed: fix the compile errors above (or run `cargo xtask setup` if a system library is missing)";
    let mut build = process::cargo();
    build.current_dir(&ws.root);
    match profile {
        Profile::Debug => build.args([
            "build",
            "--workspace",
            "--all-targets",
            "--features",
            "healthbook-core/sample",
        ]),
        Profile::Release => build.args([
            "build",
            "--release",
            "-p",
            "healthbook-core",
            "-p",
            "uniffi-bindgen",
        ]),
        Profile::Mobile => build.args([
            "rustc",
            "--profile",
            "mobile",
            "-p",
            "healthbook-core",
            "--lib",
            "--crate-type",
            "cdylib",
        ]),
    };
    process::run(&mut build).context(FAILED)?;
    if let Profile::Mobile = profile {
        process::run(process::cargo().current_dir(&ws.root).args([
            "build",
            "--profile",
            "mobile",
            "-p",
            "uniffi-bindgen",
        ]))
        .context(FAILED)?;
    }

    let library_dir = ws.target.join(profile.dir_name());
    let library = library_dir.join(format!(
        "{}healthbook_core{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    ensure!(
        library.is_file(),
        "cargo built healthbook-core but {} is not there: core/Cargo.toml must keep crate-type `cdylib`",
        ws.show(&library)
    );

    let bindgen = library_dir.join(format!("uniffi-bindgen{}", std::env::consts::EXE_SUFFIX));
    let bindings = Bindings {
        kotlin_dir: ws.target.join("bindings/kotlin"),
        swift_dir: ws.target.join("bindings/swift"),
        library,
        library_dir,
    };
    for (language, out_dir) in [
        ("kotlin", &bindings.kotlin_dir),
        ("swift", &bindings.swift_dir),
    ] {
        generate(ws, &bindgen, &bindings.library, language, out_dir)?;
    }
    finish_kotlin(&bindings.kotlin_dir)?;
    add_shipped_sources(
        &ws.root.join(KOTLIN_SHIPPED),
        &bindings.kotlin_dir.join(KOTLIN_PACKAGE_DIR),
        "kt",
    )?;

    println!("Library:         {}", ws.show(&bindings.library));
    println!("Kotlin bindings: {}", ws.show(&bindings.kotlin_dir));
    println!("Swift bindings:  {}", ws.show(&bindings.swift_dir));
    Ok(bindings)
}

/// Hand-written Kotlin shipped with the generated code (the `Flow` adapter of `sync`), in the
/// same package.
const KOTLIN_SHIPPED: &str = "bindings/kotlin";
/// Where uniffi-bindgen writes package `vn.healthbook`, under the Kotlin output folder.
const KOTLIN_PACKAGE_DIR: &str = "vn/healthbook";
/// The generated Kotlin file.
const KOTLIN_FILE: &str = "vn/healthbook/healthbook_core.kt";

/// Copies every `*.<extension>` of `from` into `into`, next to the generated code.
pub fn add_shipped_sources(from: &Path, into: &Path, extension: &str) -> Result<()> {
    for file in crate::workspace::files_with_extension(from, extension)? {
        let name = file.file_name().context("a shipped source has no name")?;
        std::fs::copy(&file, into.join(name))
            .with_context(|| format!("copying {} into {}", file.display(), into.display()))?;
    }
    Ok(())
}

/// Three things UniFFI 0.32's Kotlin does not do the way an Android developer expects, set right
/// in the generated file (each must be found where expected, or the build stops):
/// - an error's `message` is its fields (`reason=…`); it becomes the core's sentence, the
///   exported `Display` that the generated `toString()` returns;
/// - `HealthBook.close()` is `AutoCloseable.close()`, which frees the handle so that a later
///   call throws `IllegalStateException`; it closes the book instead (the core's `close`, named
///   `closeBook` in Kotlin by uniffi.toml), so that a later call is `HealthBookException.Closed`.
///   The handle itself is freed by `destroy()` or the cleaner;
/// - the bindings' own `use { }` (on `Disposable`, which code in or importing the package
///   `vn.healthbook.*` gets instead of Kotlin's `AutoCloseable.use`) calls `destroy()`; it calls
///   `close()` where there is one, so that `use { }` on a book means the same whatever the imports.
fn finish_kotlin(kotlin_dir: &Path) -> Result<()> {
    let path = kotlin_dir.join(KOTLIN_FILE);
    let source = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the generated Kotlin {}", path.display()))?;
    let finished = kotlin_native_finish(&source)?;
    std::fs::write(&path, finished).with_context(|| format!("writing {}", path.display()))
}

/// The call the generated `HealthBookException.toString()` makes when the error exports its
/// `Display`. Without it `toString()` is `Throwable`'s, which reads `message`: a `message` that
/// returned `toString()` would then recurse until the stack overflows.
const KOTLIN_ERROR_DISPLAY: &str =
    "_uniffi_trait_display(FfiConverterTypeHealthBookError.lower(this)";

/// The text of [`finish_kotlin`]'s changes, applied to the generated Kotlin `source`.
pub(crate) fn kotlin_native_finish(source: &str) -> Result<String> {
    const UNIFFI_CHANGED: &str =
        "did the UniFFI version change? (see finish_kotlin in xtask/src/bindings.rs)";
    ensure!(
        source.contains(KOTLIN_ERROR_DISPLAY),
        "the generated HealthBookException has no toString() from the core's Display, so its `message` cannot be that sentence: is `#[uniffi::export(Display)]` still on HealthBookError, or {UNIFFI_CHANGED}"
    );
    let mut out = String::with_capacity(source.len() + 256);
    let mut lines = source.lines().peekable();
    let (mut in_health_book, mut in_use) = (false, false);
    let (mut messages, mut closes, mut uses) = (0, 0, 0);
    while let Some(line) = lines.next() {
        if line.starts_with("open class HealthBook:") || line.starts_with("open class HealthBook :")
        {
            in_health_book = true;
        } else if line.starts_with("open class ") || line.starts_with("sealed class ") {
            in_health_book = false;
        }
        if line.starts_with("inline fun <T : Disposable?, R> T.use(") {
            in_use = true;
        } else if !line.starts_with(char::is_whitespace) && !line.trim().is_empty() {
            in_use = false;
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        let trimmed = line.trim();
        let next = lines.peek().map(|next| next.trim());
        if trimmed == "override val message" && next.is_some_and(|n| n.starts_with("get() = \"")) {
            lines.next();
            out.push_str(&format!(
                "{indent}override val message: String\n{indent}    get() = toString()\n"
            ));
            messages += 1;
            continue;
        }
        if in_health_book && trimmed == "override fun close() {" && next == Some("this.destroy()") {
            lines.next();
            out.push_str(&format!(
                "{line}\n{indent}    // Closes the book (later calls are HealthBookException.Closed); destroy() frees the handle.\n{indent}    closeBook()\n"
            ));
            closes += 1;
            continue;
        }
        if in_use && trimmed == "this?.destroy()" {
            out.push_str(&format!(
                "{indent}// close() where there is one: HealthBook's closes the book.\n{indent}if (this is AutoCloseable) this.close() else this?.destroy()\n"
            ));
            uses += 1;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    ensure!(
        messages > 0,
        "the generated Kotlin has no error `message` getter to replace: {UNIFFI_CHANGED}"
    );
    ensure!(
        closes == 1,
        "the generated Kotlin's HealthBook.close() was found {closes} times, not once: {UNIFFI_CHANGED}"
    );
    ensure!(
        uses == 1,
        "the generated Kotlin's `Disposable.use` was found {uses} times, not once: {UNIFFI_CHANGED}"
    );
    Ok(out)
}

/// `uniffi-bindgen generate` for one language into a fresh `out_dir`.
///
/// `--no-format`: the formatters it would call (ktlint, swiftformat) are not installed here, and
/// the generated code is read by compilers, not people.
fn generate(
    ws: &Workspace,
    bindgen: &Path,
    library: &Path,
    language: &str,
    out_dir: &Path,
) -> Result<()> {
    fresh_dir(out_dir)?;
    process::run(
        Command::new(bindgen)
            .current_dir(&ws.root)
            .arg("generate")
            .args(["--language", language, "--out-dir"])
            .arg(ws.show(out_dir))
            .arg("--config")
            .arg(ws.show(&ws.uniffi_config()))
            .arg("--no-format")
            .arg(ws.show(library)),
    )
    .with_context(|| format!("generating the {language} bindings failed: see the uniffi-bindgen message above (is uniffi.toml valid?)"))?;
    let generated = std::fs::read_dir(out_dir)
        .with_context(|| format!("reading {}", out_dir.display()))?
        .count();
    ensure!(
        generated > 0,
        "uniffi-bindgen wrote nothing into {}: does core/src/lib.rs call `uniffi::setup_scaffolding!()` and export anything?",
        ws.show(out_dir)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pieces of UniFFI 0.32's Kotlin for this crate, as uniffi-bindgen writes them: the bindings'
    /// `use`, another object's `close()`, `HealthBook`'s, and the error class with two variants.
    const GENERATED: &str = r#"/**
 * @suppress
 */
inline fun <T : Disposable?, R> T.use(block: (T) -> R) =
    try {
        block(this)
    } finally {
        try {
            // N.B. our implementation is on the nullable type `Disposable?`.
            this?.destroy()
        } catch (e: Throwable) {
            // swallow
        }
    }

/**
 * Placeholder object used to signal that we're constructing an interface with a FFI handle.
 */
object UniffiWithHandle

open class Cancellation: Disposable, AutoCloseable, CancellationInterface
{
    @Synchronized
    override fun close() {
        this.destroy()
    }
}

open class HealthBook: Disposable, AutoCloseable, HealthBookInterface
{
    override fun destroy() {
        if (this.wasDestroyed.compareAndSet(false, true)) {
            cleanable?.clean()
        }
    }

    @Synchronized
    override fun close() {
        this.destroy()
    }

    override fun `closeBook`()
        = callWithHandle { uniffiRustCall() { _status -> UniffiLib.uniffi_healthbook_core_fn_method_healthbook_close(it, _status) } }
}

sealed class HealthBookException: kotlin.Exception() {
    class WrongKey(
        val `reason`: kotlin.String
        ) : HealthBookException() {
        override val message
            get() = "reason=${ `reason` }"
    }

    class Validation(
        val `field`: kotlin.String, 
        val `reason`: kotlin.String
        ) : HealthBookException() {
        override val message
            get() = "field=${ `field` }, reason=${ `reason` }"
    }

    // The local Rust `Display`/`Debug` implementation.
    override fun toString(): String {
        return FfiConverterString.lift(
    uniffiRustCall() { _status ->
    UniffiLib.uniffi_healthbook_core_fn_method_healthbookerror_uniffi_trait_display(FfiConverterTypeHealthBookError.lower(this),
        _status)
}
    )
    }
}
"#;

    #[test]
    fn the_three_changes_are_made_and_nothing_else() {
        let finished = kotlin_native_finish(GENERATED).unwrap();

        assert!(!finished.contains("get() = \"reason="), "{finished}");
        assert!(!finished.contains("get() = \"field="), "{finished}");
        assert_eq!(
            finished
                .matches("        override val message: String\n            get() = toString()\n")
                .count(),
            2,
            "{finished}"
        );

        let health_book = &finished[finished.find("open class HealthBook:").unwrap()..];
        let close = &health_book[health_book.find("override fun close() {").unwrap()..];
        let body = &close[..close.find("\n    }\n").unwrap()];
        assert!(body.contains("\n        closeBook()"), "{body}");
        assert!(!body.contains("this.destroy()"), "{body}");
        // `destroy()` itself still frees the handle.
        assert!(health_book.contains("override fun destroy() {"));

        // Another object's close() still frees its handle.
        let cancellation = &finished[..finished.find("open class HealthBook:").unwrap()];
        assert!(
            cancellation.contains("override fun close() {\n        this.destroy()\n    }"),
            "{cancellation}"
        );
        // The bindings' `use` calls close() where there is one.
        let used = &finished[..finished.find("object UniffiWithHandle").unwrap()];
        assert!(
            used.contains(
                "            if (this is AutoCloseable) this.close() else this?.destroy()\n"
            ),
            "{used}"
        );
        assert!(!used.contains("            this?.destroy()\n"), "{used}");

        // Everything else is as generated.
        assert_eq!(
            finished.lines().count(),
            GENERATED.lines().count() + 2,
            "only the comment lines in close() and use are new"
        );
        assert!(finished
            .contains("UniffiLib.uniffi_healthbook_core_fn_method_healthbook_close(it, _status)"));
    }

    #[test]
    fn finishing_twice_fails_instead_of_changing_something_else() {
        let once = kotlin_native_finish(GENERATED).unwrap();
        let error = kotlin_native_finish(&once).unwrap_err().to_string();
        assert!(error.contains("no error `message` getter"), "{error}");
    }

    #[test]
    fn a_health_book_close_that_does_not_match_stops_the_build() {
        let changed = GENERATED.replacen(
            "    override fun close() {\n        this.destroy()\n    }\n\n    override fun `closeBook`",
            "    override fun close() {\n        this.free()\n    }\n\n    override fun `closeBook`",
            1,
        );
        assert_ne!(changed, GENERATED);
        let error = kotlin_native_finish(&changed).unwrap_err().to_string();
        assert!(error.contains("found 0 times"), "{error}");
        assert!(error.contains("did the UniFFI version change"), "{error}");

        let error = kotlin_native_finish(&GENERATED.replace("this?.destroy()", "this?.free()"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`Disposable.use` was found 0 times"),
            "{error}"
        );

        // Only HealthBook's close() counts: another class's close() is no substitute.
        let without = GENERATED.replace("open class HealthBook:", "open class OtherBook:");
        let error = kotlin_native_finish(&without).unwrap_err().to_string();
        assert!(error.contains("found 0 times"), "{error}");
    }

    #[test]
    fn an_error_without_the_exported_display_stops_the_build() {
        let start = GENERATED.find("    // The local Rust `Display`").unwrap();
        let end = GENERATED.rfind("}\n").unwrap();
        let without_display = format!("{}{}", &GENERATED[..start], &GENERATED[end..]);
        let error = kotlin_native_finish(&without_display)
            .unwrap_err()
            .to_string();
        assert!(error.contains("#[uniffi::export(Display)]"), "{error}");
    }

    #[test]
    fn code_with_nothing_to_finish_stops_the_build() {
        let error = kotlin_native_finish("package vn.healthbook\n\nfun main() {}\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("did the UniFFI version change"), "{error}");
        let error = kotlin_native_finish(&format!("// {KOTLIN_ERROR_DISPLAY}\n"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("no error `message` getter"), "{error}");
    }
}
