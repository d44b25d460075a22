//! `cargo xtask bindings`: build `healthbook-core` and generate its Kotlin and Swift bindings
//! from the built library with the workspace's own `uniffi-bindgen` (same pinned UniFFI version),
//! configured by the root `uniffi.toml`.
//!
//! Output: `target/bindings/kotlin` (package `vn.healthbook`) and `target/bindings/swift`
//! (module `HealthBook`: the `.swift` file, the C header and the module map). Both folders are
//! emptied first so that nothing stale is left. Generated code is not committed.

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
        Profile::Debug => build.args(["build", "--workspace", "--all-targets"]),
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

    println!("Library:         {}", ws.show(&bindings.library));
    println!("Kotlin bindings: {}", ws.show(&bindings.kotlin_dir));
    println!("Swift bindings:  {}", ws.show(&bindings.swift_dir));
    Ok(bindings)
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
