//! `cargo xtask fuzz [TARGET...] [--seconds N] [--runs N]`: coverage-guided fuzzing of what the
//! core reads from outside (`fuzz/fuzz_targets`: share links, JWE files, FHIR import, the sync
//! wire), with libFuzzer through `libfuzzer-sys`.
//!
//! On the stable toolchain: cargo-fuzz needs nightly for `-Zsanitizer`, but the coverage that
//! guides libFuzzer is LLVM's `sancov-module` pass, which stable rustc runs with `-C passes` and
//! `-C llvm-args` (the same options cargo-fuzz passes). Without AddressSanitizer, which Rust code
//! needs less; debug assertions and overflow checks are on, so an overflow or a broken invariant
//! is a crash. `--target <host>` keeps the flags off build scripts and proc macros.
//!
//! The corpora live in `target/fuzz/corpus/<target>` and grow from run to run; each run also reads
//! the seeds written from `../shared/vectors` and the sample family by the core's `fuzz_seeds`
//! example. A crash stops the run with the input's path under `target/fuzz/artifacts/<target>/`:
//! turn it into a regression test next to the code it broke. `cargo xtask test` runs each target
//! for a few seconds; long runs belong outside CI.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};

use crate::process;
use crate::workspace::Workspace;

pub const TARGETS: [&str; 4] = ["share_link", "jwe", "fhir_import", "sync_wire"];

/// The flags cargo-fuzz gives rustc for libFuzzer's coverage, minus the sanitizer.
const COVERAGE_FLAGS: &[&str] = &[
    "--cfg",
    "fuzzing",
    "-Cpasses=sancov-module",
    "-Cllvm-args=-sanitizer-coverage-level=4",
    "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
    "-Cllvm-args=-sanitizer-coverage-pc-table",
    "-Cllvm-args=-sanitizer-coverage-trace-compares",
    "-Cllvm-args=-sanitizer-coverage-stack-depth",
];

/// Inputs longer than this are cut: the throughput falls with the size, and every parser here
/// meets its interesting cases well within it.
const MAX_LEN: usize = 64 * 1024;

pub struct Options {
    pub targets: Vec<String>,
    pub seconds: u64,
    pub runs: Option<u64>,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options> {
        let mut options = Options {
            targets: Vec::new(),
            seconds: 60,
            runs: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--seconds" => options.seconds = number(args.next(), "--seconds")?,
                "--runs" => options.runs = Some(number(args.next(), "--runs")?),
                target if TARGETS.contains(&target) => options.targets.push(target.to_owned()),
                other => bail!(
                    "`fuzz` takes targets ({}), --seconds N and --runs N; got `{other}`",
                    TARGETS.join(", ")
                ),
            }
        }
        if options.targets.is_empty() {
            options.targets = TARGETS.iter().map(|t| t.to_string()).collect();
        }
        Ok(options)
    }
}

fn number(value: Option<&String>, flag: &str) -> Result<u64> {
    value
        .with_context(|| format!("{flag} needs a number"))?
        .parse()
        .with_context(|| format!("{flag} needs a whole number"))
}

/// One target's run.
pub struct Ran {
    pub target: String,
    pub executions: u64,
    pub seconds: f64,
    pub corpus: usize,
}

pub fn run(ws: &Workspace, options: &Options) -> Result<Vec<Ran>> {
    let seeds = write_seeds(ws)?;
    let binaries = build(ws)?;
    let mut ran = Vec::new();
    for target in &options.targets {
        ran.push(fuzz_one(ws, &binaries, &seeds, target, options)?);
    }
    println!(
        "\n{:<12} {:>14} {:>9} {:>10} {:>7}",
        "target", "executions", "seconds", "exec/s", "corpus"
    );
    for r in &ran {
        println!(
            "{:<12} {:>14} {:>9.1} {:>10.0} {:>7}",
            r.target,
            r.executions,
            r.seconds,
            r.executions as f64 / r.seconds.max(0.001),
            r.corpus
        );
    }
    println!("No crashes.");
    Ok(ran)
}

/// The seed corpora, from the shared vectors and the sample family.
fn write_seeds(ws: &Workspace) -> Result<PathBuf> {
    let vectors = ws.root.join("../shared/vectors");
    ensure!(
        vectors.join("shl/ips").is_dir(),
        "the fuzz seeds come from {}, which is missing (the shared/ folder beside this checkout)",
        vectors.display()
    );
    let seeds = ws.target.join("fuzz/seeds");
    crate::workspace::fresh_dir(&seeds)?;
    process::run(
        process::cargo()
            .current_dir(&ws.root)
            .args(["run", "-q", "-p", "healthbook-core", "--features", "sample"])
            .args(["--example", "fuzz_seeds", "--"])
            .arg(&vectors)
            .arg(&seeds),
    )
    .context("writing the fuzz seeds failed")?;
    Ok(seeds)
}

/// Builds every target with coverage; returns their folder.
fn build(ws: &Workspace) -> Result<PathBuf> {
    let host = host_triple()?;
    let target_dir = ws.target.join("fuzz/build");
    process::run(
        process::cargo()
            .current_dir(&ws.root)
            .env("RUSTFLAGS", COVERAGE_FLAGS.join(" "))
            .env("CARGO_TARGET_DIR", &target_dir)
            .args(["build", "--release", "--bins", "--manifest-path"])
            .arg(ws.root.join("fuzz/Cargo.toml"))
            .args(["--target", &host]),
    )
    .context(
        "building the fuzz targets failed (libfuzzer-sys needs a C++ compiler: Debian's g++)",
    )?;
    Ok(target_dir.join(host).join("release"))
}

fn host_triple() -> Result<String> {
    let info =
        process::output(Command::new("rustc").arg("-vV")).context("could not run rustc -vV")?;
    info.lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .context("rustc -vV names no host")
}

fn fuzz_one(
    ws: &Workspace,
    binaries: &Path,
    seeds: &Path,
    target: &str,
    options: &Options,
) -> Result<Ran> {
    let corpus = ws.target.join("fuzz/corpus").join(target);
    let artifacts = ws.target.join("fuzz/artifacts").join(target);
    std::fs::create_dir_all(&corpus)?;
    std::fs::create_dir_all(&artifacts)?;
    let mut command = Command::new(binaries.join(target));
    command
        .current_dir(&ws.root)
        .arg(&corpus)
        .arg(seeds.join(target))
        .arg(format!("-max_total_time={}", options.seconds))
        .arg(format!("-max_len={MAX_LEN}"))
        .arg("-print_final_stats=1")
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(runs) = options.runs {
        command.arg(format!("-runs={runs}"));
    }
    println!("$ {}", process::show(&command));
    let started = Instant::now();
    let out = command
        .output()
        .with_context(|| format!("could not start the fuzz target {target}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "the fuzz target {target} found a crash ({}); the input is in {} (make it a regression test):\n{}",
            out.status,
            ws.show(&artifacts),
            tail.join("\n")
        );
    }
    let executions = executed_units(&log)
        .with_context(|| format!("the fuzz target {target} printed no final stats"))?;
    let corpus_size = std::fs::read_dir(&corpus)?.count();
    println!("  {target}: {executions} executions in {seconds:.1} s, corpus {corpus_size}");
    Ok(Ran {
        target: target.to_owned(),
        executions,
        seconds,
        corpus: corpus_size,
    })
}

/// libFuzzer's `stat::number_of_executed_units: N`.
fn executed_units(log: &str) -> Option<u64> {
    log.lines().find_map(|line| {
        line.trim()
            .strip_prefix("stat::number_of_executed_units:")
            .and_then(|n| n.trim().parse().ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_stats_give_the_executions() {
        let log = "#2\tINITED cov: 10 ft: 10 corp: 1/1b\nDone 1234 runs in 2 second(s)\nstat::number_of_executed_units: 1234\nstat::average_exec_per_sec:     617\n";
        assert_eq!(executed_units(log), Some(1234));
        assert_eq!(executed_units("no stats"), None);
    }

    #[test]
    fn options_name_targets_and_limits() {
        let args: Vec<String> = ["jwe", "--seconds", "5", "--runs", "100"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let options = Options::parse(&args).unwrap();
        assert_eq!(options.targets, ["jwe"]);
        assert_eq!((options.seconds, options.runs), (5, Some(100)));
        assert_eq!(Options::parse(&[]).unwrap().targets.len(), TARGETS.len());
        assert!(Options::parse(&["nope".to_string()]).is_err());
    }
}
