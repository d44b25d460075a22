//! `cargo xtask bench`: run the criterion benchmarks of `healthbook-core` (`core/benches/`: `store`,
//! `sync`, `family`, `share` and `import`), then print what this run measured beside its baseline
//! from the same run:
//!
//! - each encrypted store benchmark beside the same on an unencrypted store, with the ratio;
//! - sync against the real backend over loopback: the initial sync of a 10,000-resource book beside
//!   the same pages parsed and applied without HTTP, a sync with nothing new, and the change feed
//!   under 1, 4 and 8 concurrent clients beside one client; each with its expectation;
//! - a child's vaccination status and a family's reminders beside the store reads they need;
//! - making and opening a share of 200 records beside the plain FHIR work inside them;
//! - planning the import of a ~30 MB FHIR Bundle beside one a tenth its size, with the ratio of
//!   their times (about 10 when import is linear in the bundle's size).
//!
//! Extra arguments go to `cargo bench` unchanged. The store benchmarks need the core's
//! `bench-baseline` feature (unencrypted stores to compare against), so it is turned on here. The
//! sync benchmarks start the backend binary, so it is built in release first and its path passed
//! in `HEALTHBOOK_BACKEND_BIN`.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result};

use crate::process;
use crate::workspace::Workspace;

/// Records inserted per iteration by the `insert_10k_records` group (see core/benches/store.rs).
const INSERT_COUNT: f64 = 10_000.0;

/// The variable core/benches/sync.rs reads the backend binary's path from.
const BACKEND_VAR: &str = "HEALTHBOOK_BACKEND_BIN";

/// What the sync should do, at least: resources per second of an initial sync over loopback.
const INITIAL_SYNC_EXPECTED_PER_S: f64 = 10_000.0;
/// And at most: milliseconds of a sync that finds nothing new.
const NOTHING_NEW_EXPECTED_MS: f64 = 20.0;
/// At most: milliseconds of a child's vaccination status, and of the family's reminders.
const FAMILY_EXPECTED_MS: f64 = 1.0;
/// At most: milliseconds to make a share of 200 records (no upload), and to open one (no download).
const SHARE_CREATE_EXPECTED_MS: f64 = 20.0;
const SHARE_OPEN_EXPECTED_MS: f64 = 10.0;
/// At most: how much longer the import of a bundle ten times larger may take. Linear is about 10;
/// the small bundle fits the CPU's caches better (measured: 11 to 15). Quadratic was 261.
const IMPORT_RATIO_EXPECTED: f64 = 20.0;

pub fn run(ws: &Workspace, extra: &[String]) -> Result<()> {
    crate::tools::ensure_native_build_deps()?;
    let backend = build_backend(ws)?;
    let started = SystemTime::now();
    process::run(
        process::cargo()
            .current_dir(&ws.root)
            .env(BACKEND_VAR, &backend)
            .args([
                "bench",
                "-p",
                "healthbook-core",
                "--features",
                "bench-baseline,sample",
                // Every bench target (store, sync), but not the library's own test harness, which
                // would refuse criterion's options such as `--sample-size`.
                "--bench",
                "*",
            ])
            .args(extra),
    )
    .context("the benchmarks failed: see the errors above")?;

    let results = ws.target.join("criterion");
    let this_run = Run {
        results: &results,
        started,
    };
    print_ratios(&this_run)?;
    print_sync(&this_run)?;
    print_family_and_share(&this_run)?;
    print_import(&this_run)?;
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

/// `cargo build --release -p healthbook-backend`; the binary's path.
fn build_backend(ws: &Workspace) -> Result<PathBuf> {
    process::run(process::cargo().current_dir(&ws.root).args([
        "build",
        "--release",
        "-p",
        "healthbook-backend",
    ]))
    .context("building the backend for the sync benchmarks failed: see the errors above")?;
    let binary = ws.target.join("release").join(format!(
        "healthbook-backend{}",
        std::env::consts::EXE_SUFFIX
    ));
    anyhow::ensure!(
        binary.is_file(),
        "the backend was built but {} is not there",
        binary.display()
    );
    Ok(binary)
}

/// The criterion results written by this run (older ones, from benchmarks this run filtered
/// out, are not shown as if they were new).
struct Run<'a> {
    results: &'a Path,
    started: SystemTime,
}

impl Run<'_> {
    /// `group/function` measured in this run.
    fn measured(&self, bench: &str) -> Option<PathBuf> {
        let dir = self.results.join(bench);
        let modified = std::fs::metadata(dir.join("new/estimates.json"))
            .and_then(|m| m.modified())
            .ok()?;
        (modified >= self.started).then_some(dir)
    }
}

/// Every benchmark folder named `encrypted` with an `unencrypted` sibling: one line per pair.
fn print_ratios(run: &Run) -> Result<()> {
    let mut pairs = Vec::new();
    find_pairs(run.results, &mut pairs)?;
    pairs.retain(|parent| {
        let name = parent.strip_prefix(run.results).unwrap_or(parent);
        run.measured(&name.join("encrypted").to_string_lossy())
            .is_some()
            && run
                .measured(&name.join("unencrypted").to_string_lossy())
                .is_some()
    });
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
            .strip_prefix(run.results)
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

/// One measured sync benchmark: mean time and, when it has one, its throughput in resources.
struct Measured {
    mean_ns: f64,
    resources: Option<f64>,
}

impl Measured {
    fn read(run: &Run, bench: &str) -> Result<Option<Measured>> {
        let Some(dir) = run.measured(bench) else {
            return Ok(None);
        };
        Ok(Some(Measured {
            mean_ns: mean_ns(&dir)?,
            resources: elements(&dir)?,
        }))
    }

    fn per_second(&self) -> Option<f64> {
        self.resources.map(|n| n / (self.mean_ns / 1e9))
    }
}

/// The sync rows: each result beside its same-run baseline and its expectation.
fn print_sync(run: &Run) -> Result<()> {
    let initial = Measured::read(run, "sync_initial_10k/http")?;
    let local = Measured::read(run, "sync_initial_10k/local")?;
    let idle = Measured::read(run, "sync_nothing_new/http")?;
    let clients: Vec<(u32, Measured)> = [1, 4, 8]
        .into_iter()
        .map(|n| Ok(Measured::read(run, &format!("feed_clients/{n}"))?.map(|m| (n, m))))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    if initial.is_none() && local.is_none() && idle.is_none() && clients.is_empty() {
        return Ok(());
    }

    println!(
        "\nSync with the backend over loopback (mean of this run; resources = clinical FHIR \
         resources the change feed carries):"
    );
    println!(
        "  {:<34} {:>24} {:>26} {:>6}  expectation",
        "benchmark", "result", "baseline (same run)", "ratio"
    );
    println!("  (ratio: the result's rate over the baseline's rate)");
    let row = |name: &str, result: String, baseline: String, ratio: Option<f64>, expect: String| {
        let ratio = ratio.map_or_else(|| "-".to_string(), |r| format!("{r:.2}"));
        let line = format!("  {name:<34} {result:>24} {baseline:>26} {ratio:>6}  {expect}");
        println!("{}", line.trim_end());
    };

    if let Some(sync) = &initial {
        let rate = sync.per_second();
        let baseline = local.as_ref().and_then(Measured::per_second);
        let expect = match rate {
            Some(rate) => verdict(
                rate >= INITIAL_SYNC_EXPECTED_PER_S,
                format!("≥ {} resources/s", thousands(INITIAL_SYNC_EXPECTED_PER_S)),
            ),
            None => String::new(),
        };
        row(
            &format!(
                "initial sync, {} resources",
                sync.resources.map_or_else(|| "?".into(), thousands)
            ),
            format!("{} ({})", human(sync.mean_ns), rate_text(rate)),
            format!("local apply {}", rate_text(baseline)),
            rate.zip(baseline).map(|(r, b)| r / b),
            expect,
        );
    } else if let Some(local) = &local {
        row(
            "local apply of the same pages",
            format!(
                "{} ({})",
                human(local.mean_ns),
                rate_text(local.per_second())
            ),
            String::new(),
            None,
            String::new(),
        );
    }

    if let Some(idle) = &idle {
        row(
            "sync with nothing new",
            human(idle.mean_ns),
            String::new(),
            None,
            verdict(
                idle.mean_ns / 1e6 <= NOTHING_NEW_EXPECTED_MS,
                format!("≤ {NOTHING_NEW_EXPECTED_MS:.0} ms"),
            ),
        );
    }

    let one = clients
        .iter()
        .find(|(n, _)| *n == 1)
        .and_then(|(_, m)| m.per_second());
    for (n, measured) in &clients {
        let rate = measured.per_second();
        let label = if *n == 1 { "client" } else { "clients" };
        row(
            &format!("change feed, {n} {label} pulling"),
            format!("{} in all", rate_text(rate)),
            if *n == 1 {
                String::new()
            } else {
                format!("1 client {}", rate_text(one))
            },
            if *n == 1 {
                None
            } else {
                rate.zip(one).map(|(r, o)| r / o)
            },
            String::new(),
        );
    }
    Ok(())
}

/// One row of a timed table: a benchmark, its same-run baseline, and the most it should take.
struct TimedRow {
    name: &'static str,
    bench: &'static str,
    baseline: &'static str,
    baseline_name: &'static str,
    expected_ms: f64,
}

/// The family rows (core/benches/family.rs) and the share rows (core/benches/share.rs).
fn print_family_and_share(run: &Run) -> Result<()> {
    print_timed(
        run,
        "A family of five with full histories",
        &[
            TimedRow {
                name: "vaccination status of a child",
                bench: "family_vaccination_status/status",
                baseline: "family_vaccination_status/read_immunizations",
                baseline_name: "reading its immunizations",
                expected_ms: FAMILY_EXPECTED_MS,
            },
            TimedRow {
                name: "reminders, family of 5, 30 days",
                bench: "family_reminders/reminders_30_days",
                baseline: "family_reminders/read_inputs",
                baseline_name: "reading their records",
                expected_ms: FAMILY_EXPECTED_MS,
            },
        ],
    )?;
    print_timed(
        run,
        "A share of 200 records, without the network",
        &[
            TimedRow {
                name: "create (bundle, encrypt, QR)",
                bench: "share_200_records/create",
                baseline: "share_200_records/bundle_only",
                baseline_name: "the FHIR Bundle alone",
                expected_ms: SHARE_CREATE_EXPECTED_MS,
            },
            TimedRow {
                name: "open (decrypt, read records)",
                bench: "share_200_records/open",
                baseline: "share_200_records/parse_only",
                baseline_name: "reading it unencrypted",
                expected_ms: SHARE_OPEN_EXPECTED_MS,
            },
        ],
    )
}

fn print_timed(run: &Run, title: &str, rows: &[TimedRow]) -> Result<()> {
    let mut header = false;
    for row in rows {
        let Some(result) = Measured::read(run, row.bench)? else {
            continue;
        };
        if !header {
            println!("\n{title} (mean of this run):");
            println!(
                "  {:<34} {:>10} {:>36} {:>6}  expectation",
                "benchmark", "result", "baseline (same run)", "ratio"
            );
            println!("  (ratio: the result's time over the baseline's time)");
            header = true;
        }
        let baseline = Measured::read(run, row.baseline)?;
        let baseline_text = baseline.as_ref().map_or_else(String::new, |b| {
            format!("{} {}", row.baseline_name, human(b.mean_ns))
        });
        let ratio = baseline.as_ref().map_or_else(
            || "-".to_string(),
            |b| format!("{:.2}", result.mean_ns / b.mean_ns),
        );
        println!(
            "  {:<34} {:>10} {baseline_text:>36} {ratio:>6}  {}",
            row.name,
            human(result.mean_ns),
            verdict(
                result.mean_ns / 1e6 <= row.expected_ms,
                format!("≤ {:.0} ms", row.expected_ms),
            )
        );
    }
    Ok(())
}

/// The import rows (core/benches/import.rs): each bundle's size and time, and their ratio.
fn print_import(run: &Run) -> Result<()> {
    let (Some(small), Some(large)) = (
        run.measured("import_large_bundle/small"),
        run.measured("import_large_bundle/large"),
    ) else {
        return Ok(());
    };
    println!("\nImporting a large FHIR Bundle (planning it; mean of this run):");
    println!(
        "  {:<34} {:>10} {:>12} {:>12}",
        "bundle", "size", "time", "throughput"
    );
    let mut times = Vec::new();
    for (name, dir) in [("a tenth of the large one", &small), ("large", &large)] {
        let bytes = read_json(&dir.join("new/benchmark.json"))?["throughput"]["Bytes"].as_f64();
        let mean = mean_ns(dir)?;
        times.push((bytes, mean));
        println!(
            "  {name:<34} {:>10} {:>12} {:>12}",
            bytes.map_or_else(|| "?".into(), |b| format!("{:.1} MB", b / 1e6)),
            human(mean),
            bytes.map_or_else(
                || "-".into(),
                |b| format!("{:.1} MB/s", b / 1e6 / (mean / 1e9))
            ),
        );
    }
    if let [(small_bytes, small_ns), (large_bytes, large_ns)] = times[..] {
        let size_ratio = small_bytes
            .zip(large_bytes)
            .map_or_else(|| "?".into(), |(s, l)| format!("{:.1}", l / s));
        let ratio = large_ns / small_ns;
        println!(
            "  {:<34} {:>10} {:>12.1}  {}",
            "ratio (large / small)",
            size_ratio,
            ratio,
            verdict(
                ratio <= IMPORT_RATIO_EXPECTED,
                format!("time ≤ {IMPORT_RATIO_EXPECTED:.0}× for a bundle 10× larger (linear)"),
            )
        );
    }
    Ok(())
}

fn verdict(met: bool, expectation: String) -> String {
    if met {
        format!("{expectation}: met")
    } else {
        format!("{expectation}: NOT met")
    }
}

fn rate_text(per_second: Option<f64>) -> String {
    per_second.map_or_else(|| "?".to_string(), |r| format!("{} res/s", thousands(r)))
}

/// `12345.6` as `12,346`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
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

fn read_json(file: &Path) -> Result<serde_json::Value> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", file.display()))
}

fn mean_ns(bench: &Path) -> Result<f64> {
    let file = bench.join("new/estimates.json");
    read_json(&file)?["mean"]["point_estimate"]
        .as_f64()
        .with_context(|| format!("{} has no mean estimate", file.display()))
}

/// The elements per iteration the benchmark declared (`Throughput::Elements`), if any.
fn elements(bench: &Path) -> Result<Option<f64>> {
    let file = bench.join("new/benchmark.json");
    Ok(read_json(&file)?["throughput"]["Elements"].as_f64())
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
