//! `cargo xtask demo`: install what is missing, build, start the reference backend with the
//! sample family, and run the Kotlin console demo (`tests/kotlin-demo/Demo.kt` and any other
//! `.kt` files beside it) against the library. The demo logs in as the mother and syncs her book
//! from the backend; the backend is stopped when the demo ends, also when it fails.
//!
//! The demo uses the debug build: it is the same build the tests use, so `cargo xtask test`
//! followed by `cargo xtask demo` compiles the core once. The output folder (by default a new
//! `target/demo-<unix time>`) is the demo's first argument; anything after `--` follows it. The
//! backend's database is `backend/healthbook-backend.db` in that folder; its URL reaches the demo
//! as the JVM system property `healthbook.backend.url`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, ensure, Context, Result};

use crate::backend::{self, Backend};
use crate::bindings::{self, Profile};
use crate::kotlin;
use crate::tools;
use crate::workspace::Workspace;

pub struct Options {
    out: Option<PathBuf>,
    extra: Vec<String>,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Self> {
        let mut options = Options {
            out: None,
            extra: Vec::new(),
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--out" => {
                    let dir = args.next().context("`--out` needs a folder: `cargo xtask demo --out DIR`")?;
                    options.out = Some(PathBuf::from(dir));
                }
                "--" => {
                    options.extra = args.cloned().collect();
                    break;
                }
                other => bail!("`demo` does not know `{other}`: use `cargo xtask demo [--out DIR] [-- ARGS...]`"),
            }
        }
        Ok(options)
    }
}

pub fn run(ws: &Workspace, options: Options) -> Result<()> {
    let demo_dir = ws.root.join("tests/kotlin-demo");
    let demo_main = demo_dir.join("Demo.kt");
    ensure!(
        demo_main.is_file(),
        "there is no demo program yet: {} is missing (it holds the `main` of the Kotlin console demo)",
        ws.show(&demo_main)
    );

    let out = match options.out {
        Some(dir) => std::env::current_dir()
            .context("reading the current folder")?
            .join(dir),
        None => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .context("the system clock is before 1970")?
                .as_secs();
            ws.target.join(format!("demo-{now}"))
        }
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let book = out.join("book.db");
    ensure!(
        !book.exists(),
        "{} already exists: give `--out` an empty or new folder",
        book.display()
    );

    let tools = tools::setup(ws)?;
    let bindings = bindings::build(ws, Profile::Debug)?;
    let jar = ws.target.join("kotlin-demo/healthbook-demo.jar");
    kotlin::compile(ws, &tools, &bindings, &demo_dir, &jar)?;

    let main_class = kotlin::main_class_of(&demo_main)?;
    let mut args = vec![OsString::from(&out)];
    args.extend(options.extra.iter().map(OsString::from));

    println!("\nStarting the backend with the sample family");
    let backend = Backend::start(ws, &bindings.library_dir, &out.join("backend"))?;
    let backend_db = backend.db.clone();
    println!(
        "\nRunning the demo ({main_class}), writing to {}\n",
        out.display()
    );
    let properties = [(backend::URL_PROPERTY, backend.url.as_str())];
    let demo = kotlin::run_main(
        ws,
        &tools,
        &bindings,
        std::slice::from_ref(&jar),
        &main_class,
        &properties,
        &args,
    )
    .context("the demo failed: see its output above");
    let stopped = backend.stop();
    demo?;
    stopped?;

    println!("\nDemo finished.");
    println!("  Output:          {}", out.display());
    println!("  Encrypted book:  {}", book.display());
    println!("  Backend's db:    {}", ws.show(&backend_db));
    println!("  Library:         {}", ws.show(&bindings.library));
    println!("  Kotlin bindings: {}", ws.show(&bindings.kotlin_dir));
    println!("  Swift bindings:  {}", ws.show(&bindings.swift_dir));
    println!("  Demo jar:        {}", ws.show(&jar));
    Ok(())
}
