//! Finding and installing what the build and the tests need, for `cargo xtask setup`:
//!
//! - `libssl-dev`: SQLCipher (through rusqlite's `bundled-sqlcipher`) links the system libcrypto;
//! - Java (to run kotlinc and the Kotlin tests) and JNA (`/usr/share/java/jna.jar`, which the
//!   UniFFI Kotlin bindings load the library with), from Debian packages;
//! - the Kotlin compiler, from the npm package `kotlin-compiler`, into `target/tools/kotlin`
//!   (Debian's own `kotlin` is too old). Its `lib/` also has kotlinx-coroutines, which the
//!   bindings need for async functions;
//! - Chromium (Debian package `chromium`), which the backend's browser test of the check-in viewer
//!   runs headless;
//! - the npm package `jose` (a JOSE/JWE implementation in JavaScript), into `target/tools/node`,
//!   which tests use to read and write share files the way a third-party SMART Health Links
//!   viewer would.
//!
//! Every check is cheap, so running `setup` again when everything is present takes a moment.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};

use crate::process;
use crate::workspace::Workspace;

/// The Kotlin compiler version installed from npm.
pub const KOTLIN_VERSION: &str = "2.4.20";
/// The `jose` npm package version installed into `target/tools/node`. At least 6.2: jose 6.0 and
/// 6.1 refuse `zip: DEF`, which the core's JOSE interoperability test (`core/tests/jose_interop.rs`)
/// exercises; 6.2.17 is the version that test was written against.
pub const JOSE_VERSION: &str = "6.2.17";
/// Names the Chromium browser goes by on `PATH` (Debian's `chromium`, other distributions'
/// `chromium-browser`). The backend's browser test looks for the same names.
const CHROMIUM_NAMES: [&str; 2] = ["chromium", "chromium-browser"];
/// Where Debian's `libjna-java` puts JNA; `JNA_JAR` in the environment overrides it
/// (for machines without Debian packages).
const JNA_JAR: &str = "/usr/share/java/jna.jar";
/// Where Debian's `junit4` (and the `libhamcrest-java` it depends on) put JUnit 4, which runs the
/// Android demo's view-model tests on the JVM; `JUNIT_JARS` (a classpath) overrides them.
const JUNIT_JARS: [&str; 2] = ["/usr/share/java/junit4.jar", "/usr/share/java/hamcrest.jar"];

/// The tools found or installed by [`setup`].
pub struct Tools {
    pub kotlinc: PathBuf,
    /// `lib/` of the Kotlin distribution (standard library, coroutines).
    kotlin_lib: PathBuf,
    pub jna_jar: PathBuf,
    /// JUnit 4 and Hamcrest.
    pub junit_jars: Vec<PathBuf>,
}

impl Tools {
    /// What the generated Kotlin bindings compile against: JNA and kotlinx-coroutines.
    pub fn compile_classpath(&self) -> Vec<PathBuf> {
        vec![
            self.jna_jar.clone(),
            self.kotlin_lib.join("kotlinx-coroutines-core-jvm.jar"),
        ]
    }

    /// What a compiled Kotlin program runs with: the above plus the Kotlin standard library.
    pub fn runtime_classpath(&self) -> Vec<PathBuf> {
        let mut classpath = self.compile_classpath();
        classpath.push(self.kotlin_lib.join("kotlin-stdlib.jar"));
        classpath
    }
}

/// Make sure everything is present, installing what is missing; prints one line per tool.
pub fn setup(ws: &Workspace) -> Result<Tools> {
    let kotlin_home = ws.tools_dir().join("kotlin/node_modules/kotlin-compiler");
    let kotlin_present = kotlin_version(&kotlin_home).as_deref() == Some(KOTLIN_VERSION);
    let node_prefix = ws.tools_dir().join("node");
    let jose_present = npm_package_version(&node_prefix, "jose").as_deref() == Some(JOSE_VERSION);

    let debian = process::find_on_path("dpkg-query").is_some();
    let jna_jar = match std::env::var_os("JNA_JAR") {
        Some(path) => {
            let path = PathBuf::from(path);
            ensure!(
                path.is_file(),
                "JNA_JAR is set to {}, which does not exist",
                path.display()
            );
            path
        }
        None => PathBuf::from(JNA_JAR),
    };
    let junit_jars: Vec<PathBuf> = match std::env::var_os("JUNIT_JARS") {
        Some(classpath) => std::env::split_paths(&classpath).collect(),
        None => JUNIT_JARS.iter().map(PathBuf::from).collect(),
    };

    // Debian packages first: everything missing in one apt-get call.
    let mut missing = Vec::new();
    if debian && debian_package_version("libssl-dev").is_none() {
        missing.push("libssl-dev");
    }
    if process::find_on_path("java").is_none() {
        missing.push("default-jre-headless");
    }
    if !jna_jar.is_file() {
        ensure!(
            debian,
            "JNA is missing: {JNA_JAR} does not exist; get jna.jar (5.12 or newer) and set JNA_JAR to its path"
        );
        missing.push("libjna-java");
    }
    if !junit_jars.iter().all(|jar| jar.is_file()) {
        ensure!(
            debian,
            "JUnit 4 is missing: get junit 4.13 and hamcrest 2.2 and set JUNIT_JARS to their classpath"
        );
        missing.push("junit4");
    }
    if find_chromium().is_none() {
        ensure!(
            debian,
            "Chromium is missing: install it so that `chromium` (or `chromium-browser`) is on PATH; the check-in viewer's browser test runs it"
        );
        missing.push("chromium");
    }
    if (!kotlin_present || !jose_present) && process::find_on_path("npm").is_none() {
        missing.push("npm");
    }
    if !missing.is_empty() {
        println!("Installing Debian packages: {}", missing.join(" "));
        apt_install(&missing)?;
    }
    let status = |package: &str| {
        if missing.contains(&package) {
            "installed"
        } else {
            "found"
        }
    };

    if debian {
        let ssl_version = debian_package_version("libssl-dev")
            .context("libssl-dev is still not installed after apt-get: install it by hand")?;
        report(
            "libssl-dev",
            status("libssl-dev"),
            &format!("Debian package, version {ssl_version}"),
        );
    } else {
        report(
            "libssl-dev",
            "-",
            "not a Debian system: the system's OpenSSL/CommonCrypto is used",
        );
    }

    let java = process::find_on_path("java")
        .context("`java` is still not on PATH after installing default-jre-headless: install Java 17 or newer")?;
    let java_version = process::output(Command::new(&java).arg("-version"))
        .and_then(|text| text.lines().next().map(str::to_owned))
        .unwrap_or_else(|| "version unknown".into());
    report(
        "java",
        status("default-jre-headless"),
        &format!("{} ({java_version})", java.display()),
    );

    ensure!(
        jna_jar.is_file(),
        "{} is missing after installing libjna-java: install that package by hand",
        jna_jar.display()
    );
    report("JNA", status("libjna-java"), &jna_jar.display().to_string());
    for jar in &junit_jars {
        ensure!(
            jar.is_file(),
            "{} is missing after installing junit4: install JUnit 4 by hand and set JUNIT_JARS",
            jar.display()
        );
    }
    report(
        "JUnit",
        status("junit4"),
        &std::env::join_paths(&junit_jars)?.to_string_lossy(),
    );

    let kotlin_status = if kotlin_present {
        "found"
    } else {
        install_kotlin(ws)?;
        ensure!(
            kotlin_version(&kotlin_home).as_deref() == Some(KOTLIN_VERSION),
            "npm finished but {} has no Kotlin {KOTLIN_VERSION}: delete {} and run `cargo xtask setup` again",
            ws.show(&kotlin_home),
            ws.show(&ws.tools_dir().join("kotlin")),
        );
        "installed"
    };
    let tools = Tools {
        kotlinc: kotlin_home.join("bin/kotlinc"),
        kotlin_lib: kotlin_home.join("lib"),
        jna_jar,
        junit_jars,
    };
    for jar in tools.runtime_classpath() {
        ensure!(
            jar.is_file(),
            "{} is missing: the Kotlin tests need it",
            jar.display()
        );
    }
    report(
        "kotlinc",
        kotlin_status,
        &format!("{} (Kotlin {KOTLIN_VERSION})", ws.show(&tools.kotlinc)),
    );

    let chromium = find_chromium()
        .context("`chromium` is still not on PATH after installing it: install Chromium by hand")?;
    // Debian's wrapper script may add a warning of its own on stderr: the first line is the version.
    let chromium_version = process::output(Command::new(&chromium).arg("--version"))
        .and_then(|text| text.lines().next().map(|line| line.trim().to_owned()))
        .unwrap_or_else(|| "version unknown".into());
    report(
        "chromium",
        status("chromium"),
        &format!("{} ({chromium_version})", chromium.display()),
    );

    let jose_status = if jose_present {
        "found"
    } else {
        install_npm_package(ws, &node_prefix, &format!("jose@{JOSE_VERSION}"))?;
        ensure!(
            npm_package_version(&node_prefix, "jose").as_deref() == Some(JOSE_VERSION),
            "npm finished but {} has no jose {JOSE_VERSION}: delete {} and run `cargo xtask setup` again",
            ws.show(&node_prefix.join("node_modules/jose")),
            ws.show(&node_prefix),
        );
        "installed"
    };
    report(
        "jose",
        jose_status,
        &format!(
            "{} (npm jose {JOSE_VERSION})",
            ws.show(&node_prefix.join("node_modules/jose"))
        ),
    );

    let installer = ws.root.join(crate::swift::INSTALLER);
    match crate::swift::choose_toolchain(
        process::find_on_path("swift"),
        installer.is_file().then_some(installer),
    ) {
        crate::swift::Toolchain::OnPath(swift) => {
            report("swift", "found", &swift.display().to_string())
        }
        crate::swift::Toolchain::Install(installer) => report(
            "swift",
            "not on PATH",
            &format!(
                "the Swift tests install it with {} when they run",
                ws.show(&installer)
            ),
        ),
        crate::swift::Toolchain::Missing => report(
            "swift",
            "not found",
            "`cargo xtask test` will fail at the Swift tests: install Swift 6 (swift.org, or Xcode 16 on macOS)",
        ),
    }
    Ok(tools)
}

/// For building the core alone (`cargo xtask bindings`): install libssl-dev if this is a Debian
/// machine without it. Elsewhere (no dpkg) the system's own OpenSSL is assumed.
pub fn ensure_native_build_deps() -> Result<()> {
    let debian = process::find_on_path("dpkg-query").is_some();
    if debian && debian_package_version("libssl-dev").is_none() {
        println!("Installing Debian package libssl-dev (SQLCipher links libcrypto)");
        apt_install(&["libssl-dev"])?;
    }
    Ok(())
}

fn report(tool: &str, status: &str, detail: &str) {
    println!("  {tool:<11} {status:<10} {detail}");
}

/// The installed version of a Debian package, or `None` if it is not installed (or no dpkg).
fn debian_package_version(package: &str) -> Option<String> {
    let text = process::output(Command::new("dpkg-query").args([
        "--show",
        "--showformat=${Status}\t${Version}",
        package,
    ]))?;
    let (status, version) = text.trim().split_once('\t')?;
    (status == "install ok installed").then(|| version.to_owned())
}

/// Install Debian packages with apt-get (through sudo unless we are root).
fn apt_install(packages: &[&str]) -> Result<()> {
    let by_hand = format!(
        "install them by hand: apt-get install -y {}",
        packages.join(" ")
    );
    if process::find_on_path("apt-get").is_none() {
        bail!("this machine has no apt-get, so setup cannot install what is missing; {by_hand}");
    }
    let root = process::output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    if !root && process::find_on_path("sudo").is_none() {
        bail!("installing needs root and there is no sudo; {by_hand}");
    }
    let apt_get = |args: &[&str]| {
        let mut command = if root {
            let mut command = Command::new("apt-get");
            command.env("DEBIAN_FRONTEND", "noninteractive");
            command
        } else {
            let mut command = Command::new("sudo");
            command.args(["DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            command
        };
        command.args(args);
        command
    };
    // A fresh machine may have no package lists yet, so update before installing.
    process::run(&mut apt_get(&["update", "-q"])).with_context(|| by_hand.clone())?;
    process::run(apt_get(&["install", "-y", "-q", "--no-install-recommends"]).args(packages))
        .with_context(|| by_hand.clone())
}

/// The Kotlin version of the distribution at `home` (its `build.txt`), if it is complete.
fn kotlin_version(home: &Path) -> Option<String> {
    if !home.join("bin/kotlinc").is_file() {
        return None;
    }
    let build = std::fs::read_to_string(home.join("build.txt")).ok()?;
    Some(build.trim().to_owned())
}

/// The first Chromium on `PATH`.
fn find_chromium() -> Option<PathBuf> {
    CHROMIUM_NAMES
        .iter()
        .find_map(|name| process::find_on_path(name))
}

/// The version of the npm package `name` installed under `prefix`, from its `package.json`.
fn npm_package_version(prefix: &Path, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(prefix.join("node_modules").join(name).join("package.json"))
        .ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
    manifest["version"].as_str().map(str::to_owned)
}

/// `npm install --prefix <prefix> <spec>`, quietly.
fn install_npm_package(ws: &Workspace, prefix: &Path, spec: &str) -> Result<()> {
    std::fs::create_dir_all(prefix).with_context(|| format!("creating {}", prefix.display()))?;
    println!("Installing {spec} from npm into {}", ws.show(prefix));
    process::run(
        Command::new("npm")
            .current_dir(&ws.root)
            .arg("install")
            .arg("--prefix")
            .arg(ws.show(prefix))
            .args(["--no-audit", "--no-fund", "--loglevel=error"])
            .arg(spec),
    )
    .with_context(|| format!("installing {spec} with npm failed: check that the npm registry is reachable, then run `cargo xtask setup` again"))
}

fn install_kotlin(ws: &Workspace) -> Result<()> {
    let prefix = ws.tools_dir().join("kotlin");
    std::fs::create_dir_all(&prefix).with_context(|| format!("creating {}", prefix.display()))?;
    println!(
        "Installing the Kotlin compiler {KOTLIN_VERSION} from npm into {}",
        ws.show(&prefix)
    );
    process::run(
        Command::new("npm")
            .current_dir(&ws.root)
            .arg("install")
            .arg("--prefix")
            .arg(ws.show(&prefix))
            .args(["--no-audit", "--no-fund", "--loglevel=error"])
            .arg(format!("kotlin-compiler@{KOTLIN_VERSION}")),
    )
    .context("installing the Kotlin compiler with npm failed: check that the npm registry is reachable, then run `cargo xtask setup` again")
}
