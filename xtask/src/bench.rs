//! `cargo xtask bench`: run the criterion benchmarks of `healthbook-core` (`core/benches/`),
//! then print each encrypted result beside its unencrypted baseline from the same run, with the
//! ratio. Extra arguments go to `cargo bench` unchanged.
//!
//! The benchmarks need the core's `bench-baseline` feature (unencrypted stores to compare
//! against), so it is turned on here.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::process;
use crate::workspace::Workspace;

/// Records inserted per iteration by the `insert_10k_records` group (see core/benches/store.rs).
const INSERT_COUNT: f64 = 10_000.0;

pub fn run(ws: &Workspace, extra: &[String]) -> Result<()> {
    crate::tools::ensure_native_build_deps()?;
    process::run(
        process::cargo()
            .current_dir(&ws.root)
            .args([
                "bench",
                "-p",
                "healthbook-core",
                "--features",
                "bench-baseline",
            ])
            .args(extra),
    )
    .context("the benchmarks failed: see the errors above")?;

    let results = ws.target.join("criterion");
    print_ratios(&results)?;
    println!(
        "\nBenchmark results (per benchmark, with the previous run as baseline): {}",
        ws.show(&results)
    );
    let report = results.join("report/index.html");
    if report.is_file() {
        println!("HTML report: {}", ws.show(&report));
    }
    Ok(())
}

/// Every benchmark folder named `encrypted` with an `unencrypted` sibling: one line per pair.
fn print_ratios(results: &Path) -> Result<()> {
    let mut pairs = Vec::new();
    find_pairs(results, &mut pairs)?;
    if pairs.is_empty() {
        return Ok(());
    }
    pairs.sort();
    println!("\nEncrypted vs unencrypted (mean time of this run):");
    println!(
        "  {:<42} {:>12} {:>12} {:>7}",
        "benchmark", "encrypted", "unencrypted", "ratio"
    );
    for parent in pairs {
        let keyed = mean_ns(&parent.join("encrypted"))?;
        let plain = mean_ns(&parent.join("unencrypted"))?;
        let name = parent
            .strip_prefix(results)
            .unwrap_or(&parent)
            .display()
            .to_string();
        println!(
            "  {name:<42} {:>12} {:>12} {:>7.2}",
            human(keyed),
            human(plain),
            keyed / plain
        );
        if name.starts_with("insert_10k_records") {
            println!(
                "  {:<42} {:>9.0}/s {:>10.0}/s",
                "  records inserted",
                INSERT_COUNT / (keyed / 1e9),
                INSERT_COUNT / (plain / 1e9)
            );
        }
    }
    Ok(())
}

fn find_pairs(dir: &Path, pairs: &mut Vec<PathBuf>) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry.context("reading the criterion results")?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "encrypted") {
            if dir.join("unencrypted/new/estimates.json").is_file()
                && path.join("new/estimates.json").is_file()
            {
                pairs.push(dir.to_path_buf());
            }
        } else {
            find_pairs(&path, pairs)?;
        }
    }
    Ok(())
}

fn mean_ns(bench: &Path) -> Result<f64> {
    let file = bench.join("new/estimates.json");
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let estimates: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", file.display()))?;
    estimates["mean"]["point_estimate"]
        .as_f64()
        .with_context(|| format!("{} has no mean estimate", file.display()))
}

fn human(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}
