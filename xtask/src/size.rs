//! `cargo xtask size`: build the core with the `mobile` profile (size-optimised, LTO, one codegen
//! unit, unwinding panics), generate the bindings from that library while it still has its
//! symbols, then strip a copy and report its size for this machine's target. The apps ship a
//! stripped library per ABI; this measures the one this machine can build.

use std::process::Command;

use anyhow::{ensure, Context, Result};

use crate::bindings::{self, Profile};
use crate::process;
use crate::workspace::Workspace;

/// What the stripped library should stay under.
const AIM_BYTES: u64 = 6 * 1024 * 1024;

pub fn run(ws: &Workspace) -> Result<()> {
    let built = bindings::build(ws, Profile::Mobile)?;
    let stripped_dir = ws.target.join("mobile/stripped");
    std::fs::create_dir_all(&stripped_dir)
        .with_context(|| format!("creating {}", stripped_dir.display()))?;
    let file_name = built
        .library
        .file_name()
        .context("the library has no file name")?;
    let stripped = stripped_dir.join(file_name);
    std::fs::copy(&built.library, &stripped)
        .with_context(|| format!("copying {}", built.library.display()))?;
    process::run(Command::new("strip").arg("--strip-all").arg(&stripped)).context(
        "`strip` failed or is missing: install binutils (Debian: `apt-get install binutils`)",
    )?;
    let before = size_of(&built.library)?;
    let after = size_of(&stripped)?;
    ensure!(after > 0, "the stripped library is empty");
    let target = format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS);
    println!("\nhealthbook-core, `mobile` profile, {target}:");
    println!(
        "  unstripped {:>10}  {}",
        mib(before),
        ws.show(&built.library)
    );
    println!("  stripped   {:>10}  {}", mib(after), ws.show(&stripped));
    println!(
        "  aim ≤ {}: {}",
        mib(AIM_BYTES),
        if after <= AIM_BYTES { "met" } else { "NOT met" }
    );
    println!(
        "  (bindings generated from the unstripped library: {}, {})",
        ws.show(&built.kotlin_dir),
        ws.show(&built.swift_dir)
    );
    Ok(())
}

fn size_of(path: &std::path::Path) -> Result<u64> {
    Ok(std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len())
}

fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}
