//! `cargo xtask package-android [--profile mobile|release]`: the core as an Android library.
//!
//! Output, in `target/android/`:
//! - `healthbook.aar`: `jni/<abi>/libhealthbook_core.so` for arm64-v8a, armeabi-v7a and x86_64
//!   (built with cargo-ndk and the NDK, SQLCipher on OpenSSL built from source: the core's
//!   `vendored-openssl` feature; stripped with the NDK's llvm-strip), `classes.jar` (the
//!   generated Kotlin bindings and the adapters shipped with them from `bindings/kotlin/`, such
//!   as the `Flow` of a sync, compiled by kotlinc), `AndroidManifest.xml` (minSdk 26),
//!   `proguard.txt` (consumer keep rules for JNA and the bindings) and an empty `R.txt`;
//! - `healthbook.pom`: the Maven coordinates of the AAR and the libraries it needs at run time
//!   (JNA as an AAR, with its own native libraries; kotlinx-coroutines; the Kotlin standard library).
//!
//! Everything it needs from outside (the Android Rust targets, cargo-ndk, the NDK, a JDK's `jar`,
//! perl and make for OpenSSL's build) is looked for first, and when something is missing it
//! stops before building anything and says what to install and how.
//! The templates are in `bindings/android/`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, ensure, Context, Result};

use crate::bindings::{self, Bindings};
use crate::package::{self, Missing, ShipProfile};
use crate::process;
use crate::tools::{self, Tools};
use crate::workspace::{files_with_extension, fresh_dir, Workspace};

/// An Android ABI and the Rust target that builds for it.
#[derive(Debug, Clone, Copy)]
pub struct Abi {
    pub name: &'static str,
    pub triple: &'static str,
}

/// The ABIs the AAR carries: phones (64- and 32-bit ARM) and the emulator on x86_64 machines.
/// (32-bit x86 devices are gone; an Apple-silicon emulator runs arm64-v8a.)
pub const ABIS: [Abi; 3] = [
    Abi {
        name: "arm64-v8a",
        triple: "aarch64-linux-android",
    },
    Abi {
        name: "armeabi-v7a",
        triple: "armv7-linux-androideabi",
    },
    Abi {
        name: "x86_64",
        triple: "x86_64-linux-android",
    },
];

/// The lowest Android API level: the bindings use java.time, which came with API 26. Also the
/// platform the libraries are linked against.
pub const MIN_SDK: u32 = 26;
/// cargo-ndk refuses older NDKs.
const MIN_NDK_MAJOR: u64 = 23;
/// From 3.0 cargo-ndk no longer links libgcc; older versions also took other flags.
const MIN_CARGO_NDK_MAJOR: u64 = 3;
/// The Kotlin language and API version the bindings are compiled for, whatever the installed
/// kotlinc: the classes then carry Kotlin metadata 2.2, which apps on Kotlin 2.1 or newer can
/// read (a compiler reads metadata up to one version ahead of its own), and use nothing of the
/// standard library newer than 2.2. 2.2 is the oldest version kotlinc 2.4 accepts without warning.
const KOTLIN_LANGUAGE_VERSION: &str = "2.2";
/// Maven coordinates of the AAR.
const GROUP_ID: &str = "vn.healthbook";
const ARTIFACT_ID: &str = "healthbook";
/// The file name of the core library inside `jni/<abi>/` (what the bindings load through JNA).
const LIBRARY_FILE: &str = "libhealthbook_core.so";

const MANIFEST_TEMPLATE: &str = include_str!("../../bindings/android/AndroidManifest.xml");
const PROGUARD_RULES: &str = include_str!("../../bindings/android/proguard.txt");

/// A library the AAR needs at run time.
#[derive(Debug, Clone, Copy)]
pub struct MavenDependency {
    pub group: &'static str,
    pub artifact: &'static str,
    pub version: &'static str,
    /// `Some("aar")` when the artifact must be the AAR rather than the jar.
    pub packaging: Option<&'static str>,
}

impl MavenDependency {
    /// The Gradle notation, e.g. `net.java.dev.jna:jna:5.14.0@aar`.
    pub fn gradle(&self) -> String {
        let mut notation = format!("{}:{}:{}", self.group, self.artifact, self.version);
        if let Some(packaging) = self.packaging {
            notation.push('@');
            notation.push_str(packaging);
        }
        notation
    }
}

/// What the AAR's classes need at run time besides Kotlin (the versions are the lowest they
/// were built for):
/// - JNA as an AAR, which carries `libjnidispatch.so` for each ABI (the plain jar has only
///   desktop libraries);
/// - kotlinx-coroutines, which the bindings' async support uses (1.8.0 is what they are
///   compiled against).
pub const DEPENDENCIES: [MavenDependency; 2] = [
    MavenDependency {
        group: "net.java.dev.jna",
        artifact: "jna",
        version: "5.14.0",
        packaging: Some("aar"),
    },
    MavenDependency {
        group: "org.jetbrains.kotlinx",
        artifact: "kotlinx-coroutines-core",
        version: "1.8.0",
        packaging: None,
    },
];

/// The Kotlin standard library of the API version the bindings are compiled for. Only the POM
/// names it: in a Gradle build the Kotlin plugin adds its own (newer) one.
pub const KOTLIN_STDLIB: MavenDependency = MavenDependency {
    group: "org.jetbrains.kotlin",
    artifact: "kotlin-stdlib",
    version: "2.2.0",
    packaging: None,
};

pub fn run(ws: &Workspace, profile: ShipProfile) -> Result<()> {
    let machine = Machine::inspect(ws)?;
    let ready = check(&machine)
        .map_err(|missing| anyhow!(package::missing_message("package-android", &missing)))?;
    println!(
        "Android NDK r{} ({}) at {}",
        major_version(&ready.ndk_revision).unwrap_or(0),
        ready.ndk_revision,
        ready.ndk.display()
    );
    build_aar(ws, &ready, profile)
}

/// Everything after the checks: the libraries, the classes, the AAR and the POM.
fn build_aar(ws: &Workspace, ready: &Ready, profile: ShipProfile) -> Result<()> {
    let bindings_package = kotlin_package(
        &std::fs::read_to_string(ws.uniffi_config())
            .with_context(|| format!("reading {}", ws.show(&ws.uniffi_config())))?,
    )?;
    let tools = tools::setup(ws)?;
    // The bindings come from the host library of the same profile, which still has its symbols.
    let bindings = bindings::build(ws, profile.bindings_profile())?;
    build_libraries(ws, ready, profile)?;

    let out = ws.target.join("android");
    let staging = out.join("aar");
    fresh_dir(&staging)?;
    for abi in ABIS {
        let built = ws
            .target
            .join(abi.triple)
            .join(profile.cargo_name())
            .join(LIBRARY_FILE);
        ensure!(
            built.is_file(),
            "cargo-ndk finished but {} is not there: core/Cargo.toml must keep crate-type `cdylib`",
            ws.show(&built)
        );
        let dir = staging.join("jni").join(abi.name);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        process::run(
            Command::new(&ready.llvm_strip)
                .arg("--strip-all")
                .arg("-o")
                .arg(dir.join(LIBRARY_FILE))
                .arg(&built),
        )
        .with_context(|| format!("stripping the {} library failed", abi.name))?;
    }
    compile_classes(ws, &tools, &bindings, &staging.join("classes.jar"))?;
    write_metadata(&staging, &bindings_package)?;

    let aar = out.join("healthbook.aar");
    if aar.exists() {
        std::fs::remove_file(&aar)
            .with_context(|| format!("removing the old {}", aar.display()))?;
    }
    process::run(
        Command::new(&ready.jar)
            .args(["--create", "--no-manifest", "--file"])
            .arg(&aar)
            .arg("-C")
            .arg(&staging)
            .arg("."),
    )
    .context("`jar` could not pack the AAR")?;
    let listing = process::output(
        Command::new(&ready.jar)
            .arg("--list")
            .arg("--file")
            .arg(&aar),
    )
    .context("`jar --list` could not read the AAR it just wrote")?;
    let missing = missing_entries(&listing);
    ensure!(
        missing.is_empty(),
        "{} lacks {}: see the steps above",
        ws.show(&aar),
        missing.join(", ")
    );

    let pom = out.join("healthbook.pom");
    std::fs::write(&pom, render_pom(env!("CARGO_PKG_VERSION")))
        .with_context(|| format!("writing {}", pom.display()))?;

    println!("\nAndroid library ({} profile):", profile.cargo_name());
    println!("  {}  ({})", ws.show(&aar), size(&aar)?);
    for abi in ABIS {
        let library = staging.join("jni").join(abi.name).join(LIBRARY_FILE);
        println!("    jni/{}/{LIBRARY_FILE}  ({})", abi.name, size(&library)?);
    }
    println!("  {}", ws.show(&pom));
    println!(
        "\nIn the app module's build.gradle.kts (minSdk {MIN_SDK} or higher); docs/integrating.md has the rest:"
    );
    print!("{}", gradle_dependencies("path/to/healthbook.aar"));
    Ok(())
}

/// What `package-android` found on this machine: the input of [`check`].
#[derive(Debug, Clone, Default)]
pub struct Machine {
    /// Which of the Android Rust targets have their standard library installed.
    pub rust_targets: Vec<String>,
    pub rustup: bool,
    /// The first line of `cargo ndk --version` (e.g. `cargo-ndk 4.1.2`), if it ran.
    pub cargo_ndk: Option<String>,
    /// Where an NDK was looked for, in order of preference, and what is there.
    pub ndk_places: Vec<NdkPlace>,
    /// Places looked at that hold no NDK folder at all, for the message ("ANDROID_HOME (not set)").
    pub ndk_searched: Vec<String>,
    /// A JDK's `jar` tool.
    pub jar: Option<PathBuf>,
    /// perl with the modules OpenSSL's `Configure` uses.
    pub perl: bool,
    pub make: bool,
}

/// A folder that should be, or might be, an NDK.
#[derive(Debug, Clone)]
pub struct NdkPlace {
    /// How it was found: `ANDROID_NDK_HOME`, `ANDROID_HOME/ndk/27.1.12297006`, ...
    pub source: String,
    pub path: PathBuf,
    /// Set by `ANDROID_NDK_HOME` or `ANDROID_NDK_ROOT`: then it must be a usable NDK.
    pub explicit: bool,
    /// `Pkg.Revision` from its `source.properties`; `None` when that file is not there.
    pub revision: Option<String>,
    /// `toolchains/llvm/prebuilt/<host>/bin/llvm-strip`, if it exists.
    pub llvm_strip: Option<PathBuf>,
}

/// What the build uses, once [`check`] is satisfied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ready {
    pub ndk: PathBuf,
    pub ndk_revision: String,
    pub llvm_strip: PathBuf,
    pub jar: PathBuf,
}

/// The NDK variables cargo-ndk honours, in its order (the SDK ones follow).
const NDK_VARIABLES: [&str; 2] = ["ANDROID_NDK_HOME", "ANDROID_NDK_ROOT"];
const SDK_VARIABLES: [&str; 2] = ["ANDROID_HOME", "ANDROID_SDK_ROOT"];

impl Machine {
    /// Look at this machine. Runs only quick commands (`rustc --print sysroot`,
    /// `cargo ndk --version`, `perl -MIPC::Cmd`), builds nothing.
    pub fn inspect(ws: &Workspace) -> Result<Self> {
        let triples: Vec<&str> = ABIS.iter().map(|abi| abi.triple).collect();
        let mut machine = Machine {
            rust_targets: package::installed_rust_targets(ws, &triples)?,
            rustup: process::find_on_path("rustup").is_some(),
            cargo_ndk: process::output(Command::new("cargo").args(["ndk", "--version"]))
                .and_then(|text| text.lines().next().map(|line| line.trim().to_owned())),
            jar: find_jar(),
            perl: process::output(Command::new("perl").args(["-MIPC::Cmd", "-e", "1"])).is_some(),
            make: process::find_on_path("make").is_some(),
            ..Machine::default()
        };
        for name in NDK_VARIABLES {
            match std::env::var_os(name) {
                Some(value) if !value.is_empty() => machine.ndk_places.push(NdkPlace::probe(
                    name.to_owned(),
                    PathBuf::from(value),
                    true,
                )),
                _ => machine.ndk_searched.push(format!("{name} (not set)")),
            }
        }
        let mut sdks: Vec<(String, PathBuf)> = SDK_VARIABLES
            .iter()
            .filter_map(|name| {
                let value = std::env::var_os(name).filter(|value| !value.is_empty());
                if value.is_none() {
                    machine.ndk_searched.push(format!("{name} (not set)"));
                }
                value.map(|value| (format!("${name}"), PathBuf::from(value)))
            })
            .collect();
        if let Some(home) = std::env::var_os("HOME") {
            let default = if cfg!(target_os = "macos") {
                "Library/Android/sdk"
            } else {
                "Android/Sdk"
            };
            sdks.push((format!("~/{default}"), PathBuf::from(home).join(default)));
        }
        for (label, sdk) in sdks {
            let ndk_dir = sdk.join("ndk");
            let versions = std::fs::read_dir(&ndk_dir)
                .map(|entries| {
                    entries
                        .filter_map(|entry| entry.ok())
                        .filter(|entry| entry.path().is_dir())
                        .map(|entry| entry.file_name().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            if versions.is_empty() {
                machine
                    .ndk_searched
                    .push(format!("{label}/ndk ({}: no NDK there)", ndk_dir.display()));
            }
            for version in versions {
                machine.ndk_places.push(NdkPlace::probe(
                    format!("{label}/ndk/{version}"),
                    ndk_dir.join(&version),
                    false,
                ));
            }
        }
        Ok(machine)
    }
}

impl NdkPlace {
    fn probe(source: String, path: PathBuf, explicit: bool) -> Self {
        let revision = std::fs::read_to_string(path.join("source.properties"))
            .ok()
            .and_then(|text| ndk_revision(&text));
        let llvm_strip = std::fs::read_dir(path.join("toolchains/llvm/prebuilt"))
            .ok()
            .and_then(|hosts| {
                hosts
                    .filter_map(|host| host.ok())
                    .map(|host| host.path().join("bin").join(llvm_strip_name()))
                    .find(|strip| strip.is_file())
            });
        NdkPlace {
            source,
            path,
            explicit,
            revision,
            llvm_strip,
        }
    }
}

fn llvm_strip_name() -> &'static str {
    if cfg!(windows) {
        "llvm-strip.exe"
    } else {
        "llvm-strip"
    }
}

/// `jar` on PATH, else in `$JAVA_HOME/bin`.
fn find_jar() -> Option<PathBuf> {
    process::find_on_path("jar").or_else(|| {
        let home = std::env::var_os("JAVA_HOME")?;
        let jar = PathBuf::from(home)
            .join("bin")
            .join(format!("jar{}", std::env::consts::EXE_SUFFIX));
        jar.is_file().then_some(jar)
    })
}

/// `Pkg.Revision` of an NDK's `source.properties` (`Pkg.Revision = 27.1.12297006`).
pub fn ndk_revision(source_properties: &str) -> Option<String> {
    source_properties.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == "Pkg.Revision").then(|| value.trim().to_owned())
    })
}

/// The leading number of a version (`27` of `27.1.12297006`, `4` of `cargo-ndk 4.1.2`).
fn major_version(text: &str) -> Option<u64> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// A version as numbers, to pick the newest of several NDKs.
fn version_key(revision: &str) -> Vec<u64> {
    revision
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|part| part.parse().ok())
        .collect()
}

/// Whether `machine` has everything `package-android` needs; if not, each missing thing with
/// how to get it, in the order they are needed.
pub fn check(machine: &Machine) -> std::result::Result<Ready, Vec<Missing>> {
    let mut missing = Vec::new();

    let triples: Vec<&str> = ABIS.iter().map(|abi| abi.triple).collect();
    let absent = package::missing_targets(&triples, &machine.rust_targets);
    if !absent.is_empty() {
        missing.push(package::rust_targets_missing(
            "Android",
            &absent,
            machine.rustup,
        ));
    }

    match &machine.cargo_ndk {
        None => missing.push(Missing {
            what: "cargo-ndk, which runs cargo with the NDK's compilers and linker for each Android ABI."
                .into(),
            how: vec!["cargo install cargo-ndk".into()],
        }),
        Some(version) if major_version(version).is_some_and(|major| major < MIN_CARGO_NDK_MAJOR) => {
            missing.push(Missing {
                what: format!(
                    "cargo-ndk {MIN_CARGO_NDK_MAJOR} or newer; this machine has `{version}`."
                ),
                how: vec!["cargo install cargo-ndk --force".into()],
            })
        }
        Some(_) => {}
    }

    let ndk = choose_ndk(machine)
        .map_err(|problem| missing.push(problem))
        .ok();

    if machine.jar.is_none() {
        missing.push(Missing {
            what: "A JDK's `jar` tool, which packs the AAR (a Java runtime alone does not have it; neither PATH nor $JAVA_HOME/bin has `jar`)."
                .into(),
            how: vec![
                "Debian/Ubuntu: sudo apt-get install openjdk-17-jdk-headless".into(),
                "macOS: brew install openjdk@17, or use Android Studio's: export JAVA_HOME=\"/Applications/Android Studio.app/Contents/jbr/Contents/Home\""
                    .into(),
            ],
        });
    }
    if !machine.perl {
        missing.push(Missing {
            what: "perl with its standard modules (IPC::Cmd): OpenSSL's build runs it, and SQLCipher on Android uses OpenSSL built from source."
                .into(),
            how: vec!["Debian/Ubuntu: sudo apt-get install perl".into()],
        });
    }
    if !machine.make {
        missing.push(Missing {
            what: "make, which OpenSSL's build runs.".into(),
            how: vec![
                "Debian/Ubuntu: sudo apt-get install make".into(),
                "macOS: xcode-select --install".into(),
            ],
        });
    }

    match (ndk, &machine.jar) {
        (Some((ndk, ndk_revision, llvm_strip)), Some(jar)) if missing.is_empty() => Ok(Ready {
            ndk,
            ndk_revision,
            llvm_strip,
            jar: jar.clone(),
        }),
        _ => Err(missing),
    }
}

/// How to install an NDK, for the messages.
fn ndk_install_steps() -> Vec<String> {
    vec![
        "Android Studio: Settings > Languages & Frameworks > Android SDK > SDK Tools > NDK (Side by side)".into(),
        "or the SDK command-line tools: sdkmanager --list | grep 'ndk;'   then   sdkmanager --install 'ndk;<version>'".into(),
        "then: export ANDROID_NDK_HOME=<Android SDK>/ndk/<version>   (or ANDROID_HOME=<Android SDK>: its newest NDK is used)".into(),
    ]
}

/// The NDK to build with: the one `ANDROID_NDK_HOME` (or `ANDROID_NDK_ROOT`) names, which must
/// then be usable; otherwise the newest usable one in an SDK folder.
fn choose_ndk(machine: &Machine) -> std::result::Result<(PathBuf, String, PathBuf), Missing> {
    let wanted = format!(
        "The Android NDK r{MIN_NDK_MAJOR} or newer (r28 or newer aligns the libraries to the 16 KB pages Google Play asks for), which has the compilers and linker for Android."
    );
    let usable = |place: &NdkPlace| -> std::result::Result<(PathBuf, String, PathBuf), String> {
        let Some(revision) = &place.revision else {
            return Err(format!(
                "{} is {}, but that is not an NDK (it has no source.properties).",
                place.source,
                place.path.display()
            ));
        };
        if major_version(revision).is_none_or(|major| major < MIN_NDK_MAJOR) {
            return Err(format!(
                "The NDK at {} ({}) is version {revision}; r{MIN_NDK_MAJOR} or newer is needed.",
                place.path.display(),
                place.source
            ));
        }
        let Some(strip) = &place.llvm_strip else {
            return Err(format!(
                "The NDK at {} ({}) is incomplete: it has no toolchains/llvm/prebuilt/<host>/bin/llvm-strip. Install it again.",
                place.path.display(),
                place.source
            ));
        };
        Ok((place.path.clone(), revision.clone(), strip.clone()))
    };

    if let Some(place) = machine.ndk_places.iter().find(|place| place.explicit) {
        return usable(place).map_err(|problem| {
            let mut how = vec![format!(
                "point {} at an NDK folder (the one with source.properties), or unset it to use the newest NDK of $ANDROID_HOME",
                place.source
            )];
            how.extend(ndk_install_steps());
            Missing {
                what: format!("{wanted} {problem}"),
                how,
            }
        });
    }

    let mut candidates: Vec<_> = machine
        .ndk_places
        .iter()
        .filter_map(|place| usable(place).ok())
        .collect();
    candidates.sort_by_key(|(_, revision, _)| version_key(revision));
    if let Some(newest) = candidates.pop() {
        return Ok(newest);
    }
    let mut looked: Vec<String> = machine.ndk_searched.clone();
    looked.extend(machine.ndk_places.iter().map(|place| {
        let why = usable(place).err().unwrap_or_default();
        format!("{} ({})", place.source, why.trim_end_matches('.'))
    }));
    Err(Missing {
        what: format!("{wanted} None found; looked at: {}.", looked.join(", ")),
        how: ndk_install_steps(),
    })
}

/// `cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 --platform 26 rustc --profile mobile
/// -p healthbook-core --lib --crate-type cdylib --features healthbook-core/vendored-openssl`, with
/// the chosen NDK. `rustc --crate-type cdylib` rather than `build`: with the crate's `lib` type in
/// the same build cargo turns LTO off (see [`crate::bindings`]).
fn build_libraries(ws: &Workspace, ready: &Ready, profile: ShipProfile) -> Result<()> {
    let mut command = process::cargo();
    command
        .current_dir(&ws.root)
        .env("ANDROID_NDK_HOME", &ready.ndk)
        .args(cargo_ndk_args(profile));
    package::without_host_openssl(&mut command);
    println!("Building the core for Android (OpenSSL too, the first time: this takes a while)");
    process::run(&mut command).context(
        "the Android build failed: see cargo-ndk's messages above (a missing target: `rustup target add`; C compiler errors: check the NDK)",
    )
}

/// The arguments after `cargo`.
pub fn cargo_ndk_args(profile: ShipProfile) -> Vec<String> {
    let mut args = vec!["ndk".to_owned()];
    for abi in ABIS {
        args.push("-t".into());
        args.push(abi.name.into());
    }
    args.extend(
        [
            "--platform",
            &MIN_SDK.to_string(),
            "rustc",
            "--profile",
            profile.cargo_name(),
            "-p",
            "healthbook-core",
            "--lib",
            "--crate-type",
            "cdylib",
            "--features",
            "healthbook-core/vendored-openssl",
        ]
        .map(str::to_owned),
    );
    args
}

/// Compile the Kotlin bindings (the generated file and the adapters `cargo xtask bindings` put next
/// to it; nothing else) into the AAR's `classes.jar`.
fn compile_classes(ws: &Workspace, tools: &Tools, bindings: &Bindings, jar: &Path) -> Result<()> {
    let sources = files_with_extension(&bindings.kotlin_dir, "kt")?;
    ensure!(
        !sources.is_empty(),
        "no generated Kotlin in {}: run `cargo xtask bindings` and read its errors",
        ws.show(&bindings.kotlin_dir)
    );
    let classpath: OsString = std::env::join_paths(tools.compile_classpath())
        .context("a classpath entry contains the path separator")?;
    println!("Compiling the Kotlin bindings for Android (this takes a minute)");
    process::run(
        Command::new(&tools.kotlinc)
            .current_dir(&ws.root)
            .arg("-classpath")
            .arg(classpath)
            .args(kotlinc_flags())
            .arg("-d")
            .arg(jar)
            .args(&sources),
    )
    .context("kotlinc could not compile the generated bindings: see its errors above")
}

/// kotlinc's flags for classes an Android app can take: Java 8 bytecode (what D8 reads at
/// every minSdk), Kotlin [`KOTLIN_LANGUAGE_VERSION`], and a module name of its own so that
/// `META-INF/healthbook.kotlin_module` does not clash with the app's `main.kotlin_module`.
pub fn kotlinc_flags() -> Vec<String> {
    [
        "-jvm-target",
        "1.8",
        "-language-version",
        KOTLIN_LANGUAGE_VERSION,
        "-api-version",
        KOTLIN_LANGUAGE_VERSION,
        "-module-name",
        ARTIFACT_ID,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Write `AndroidManifest.xml`, `proguard.txt` and an empty `R.txt` into the AAR's folder.
pub fn write_metadata(staging: &Path, package: &str) -> Result<()> {
    for (name, text) in [
        ("AndroidManifest.xml", render_manifest(package)?),
        ("proguard.txt", PROGUARD_RULES.to_owned()),
        // No resources; AGP expects the file anyway.
        ("R.txt", String::new()),
    ] {
        let path = staging.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The manifest: the bindings' package and [`MIN_SDK`].
pub fn render_manifest(package: &str) -> Result<String> {
    package::render(
        "bindings/android/AndroidManifest.xml",
        MANIFEST_TEMPLATE,
        &[("PACKAGE", package), ("MIN_SDK", &MIN_SDK.to_string())],
    )
}

/// The entries every AAR from this command has.
pub fn expected_entries() -> Vec<String> {
    let mut entries: Vec<String> = [
        "AndroidManifest.xml",
        "classes.jar",
        "proguard.txt",
        "R.txt",
    ]
    .map(str::to_owned)
    .to_vec();
    entries.extend(
        ABIS.iter()
            .map(|abi| format!("jni/{}/{LIBRARY_FILE}", abi.name)),
    );
    entries
}

/// The expected entries that a `jar --list` output lacks.
pub fn missing_entries(listing: &str) -> Vec<String> {
    let present: Vec<&str> = listing
        .lines()
        .map(|line| line.trim().trim_start_matches("./"))
        .collect();
    expected_entries()
        .into_iter()
        .filter(|entry| !present.contains(&entry.as_str()))
        .collect()
}

/// The POM for the AAR: its coordinates, [`DEPENDENCIES`] and [`KOTLIN_STDLIB`], for publishing it to a Maven
/// repository (`mvn deploy:deploy-file -Dfile=healthbook.aar -DpomFile=healthbook.pom ...`).
pub fn render_pom(version: &str) -> String {
    let mut dependencies = String::new();
    for dependency in DEPENDENCIES.iter().chain([&KOTLIN_STDLIB]) {
        dependencies.push_str(&format!(
            "    <dependency>\n      <groupId>{}</groupId>\n      <artifactId>{}</artifactId>\n      <version>{}</version>\n",
            dependency.group, dependency.artifact, dependency.version
        ));
        if let Some(packaging) = dependency.packaging {
            dependencies.push_str(&format!("      <type>{packaging}</type>\n"));
        }
        // Compile scope (the default): the bindings' public classes mention JNA's types.
        dependencies.push_str("    </dependency>\n");
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>{GROUP_ID}</groupId>
  <artifactId>{ARTIFACT_ID}</artifactId>
  <version>{version}</version>
  <packaging>aar</packaging>
  <name>healthbook</name>
  <description>The citizen's electronic health book: encrypted offline store, FHIR, sync and sharing (Rust core with Kotlin bindings). minSdk {MIN_SDK}.</description>
  <licenses>
    <license>
      <name>MPL-2.0</name>
      <url>https://www.mozilla.org/MPL/2.0/</url>
    </license>
  </licenses>
  <dependencies>
{dependencies}  </dependencies>
</project>
"#
    )
}

/// The `dependencies { }` block an app module adds for the AAR at `aar_path`.
pub fn gradle_dependencies(aar_path: &str) -> String {
    let mut text = format!("dependencies {{\n    implementation(files(\"{aar_path}\"))\n");
    for dependency in DEPENDENCIES {
        text.push_str(&format!(
            "    implementation(\"{}\")\n",
            dependency.gradle()
        ));
    }
    text.push_str("}\n");
    text
}

/// The Kotlin package of the bindings, from uniffi.toml's
/// `[crates.healthbook_core.bindings.kotlin]` `package_name`.
pub fn kotlin_package(uniffi_toml: &str) -> Result<String> {
    let mut in_section = false;
    for line in uniffi_toml.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line == "[crates.healthbook_core.bindings.kotlin]";
        } else if in_section {
            if let Some((key, value)) = line.split_once('=') {
                if key.trim() == "package_name" {
                    return Ok(value.trim().trim_matches('"').to_owned());
                }
            }
        }
    }
    Err(anyhow!(
        "uniffi.toml has no `package_name` under [crates.healthbook_core.bindings.kotlin]: the AAR's manifest needs the bindings' package"
    ))
}

fn size(path: &Path) -> Result<String> {
    let bytes = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    Ok(format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNIFFI_TOML: &str = include_str!("../../uniffi.toml");

    fn ndk(source: &str, path: &str, revision: Option<&str>, explicit: bool) -> NdkPlace {
        NdkPlace {
            source: source.into(),
            path: PathBuf::from(path),
            explicit,
            revision: revision.map(str::to_owned),
            llvm_strip: revision.map(|_| {
                PathBuf::from(path).join("toolchains/llvm/prebuilt/linux-x86_64/bin/llvm-strip")
            }),
        }
    }

    /// A machine with everything: the three targets, cargo-ndk 4, an NDK r28 in the SDK.
    fn complete() -> Machine {
        Machine {
            rust_targets: ABIS.iter().map(|abi| abi.triple.to_owned()).collect(),
            rustup: true,
            cargo_ndk: Some("cargo-ndk 4.1.2".into()),
            ndk_places: vec![ndk(
                "$ANDROID_HOME/ndk/28.2.13676358",
                "/sdk/ndk/28.2.13676358",
                Some("28.2.13676358"),
                false,
            )],
            ndk_searched: vec![
                "ANDROID_NDK_HOME (not set)".into(),
                "ANDROID_NDK_ROOT (not set)".into(),
            ],
            jar: Some(PathBuf::from("/usr/bin/jar")),
            perl: true,
            make: true,
        }
    }

    fn message(machine: &Machine) -> String {
        package::missing_message("package-android", &check(machine).unwrap_err())
    }

    #[test]
    fn a_complete_machine_is_ready() {
        let ready = check(&complete()).unwrap();
        assert_eq!(ready.ndk, PathBuf::from("/sdk/ndk/28.2.13676358"));
        assert_eq!(ready.ndk_revision, "28.2.13676358");
        assert!(ready.llvm_strip.ends_with("bin/llvm-strip"));
        assert_eq!(ready.jar, PathBuf::from("/usr/bin/jar"));
    }

    #[test]
    fn a_bare_machine_gets_every_step_in_one_message() {
        // What this Linux machine looks like: no Android target, no cargo-ndk, no NDK.
        let machine = Machine {
            rust_targets: vec![],
            rustup: true,
            cargo_ndk: None,
            ndk_places: vec![],
            ndk_searched: vec![
                "ANDROID_NDK_HOME (not set)".into(),
                "ANDROID_NDK_ROOT (not set)".into(),
                "ANDROID_HOME (not set)".into(),
                "ANDROID_SDK_ROOT (not set)".into(),
                "~/Android/Sdk/ndk (/root/Android/Sdk/ndk: no NDK there)".into(),
            ],
            ..complete()
        };
        let missing = check(&machine).unwrap_err();
        assert_eq!(missing.len(), 3, "{missing:#?}");
        let text = message(&machine);
        assert!(text.contains(
            "1. The Rust standard library for the Android targets aarch64-linux-android, armv7-linux-androideabi, x86_64-linux-android.\n       rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android\n"
        ), "{text}");
        assert!(text.contains("2. cargo-ndk, which runs cargo"), "{text}");
        assert!(text.contains("       cargo install cargo-ndk\n"), "{text}");
        assert!(text.contains("3. The Android NDK r23 or newer"), "{text}");
        assert!(
            text.contains("None found; looked at: ANDROID_NDK_HOME (not set), ANDROID_NDK_ROOT (not set), ANDROID_HOME (not set)"),
            "{text}"
        );
        assert!(
            text.contains("sdkmanager --install 'ndk;<version>'"),
            "{text}"
        );
        assert!(text.contains("export ANDROID_NDK_HOME="), "{text}");
        assert!(text.contains("Nothing was built."), "{text}");
    }

    #[test]
    fn only_the_missing_targets_are_listed() {
        let machine = Machine {
            rust_targets: vec!["armv7-linux-androideabi".into()],
            ..complete()
        };
        let missing = check(&machine).unwrap_err();
        assert_eq!(missing.len(), 1);
        assert_eq!(
            missing[0].how,
            ["rustup target add aarch64-linux-android x86_64-linux-android"]
        );
    }

    #[test]
    fn an_old_cargo_ndk_is_to_be_updated() {
        let machine = Machine {
            cargo_ndk: Some("cargo-ndk 2.12.7".into()),
            ..complete()
        };
        let missing = check(&machine).unwrap_err();
        assert_eq!(missing.len(), 1);
        assert!(missing[0].what.contains("`cargo-ndk 2.12.7`"));
        assert_eq!(missing[0].how, ["cargo install cargo-ndk --force"]);
    }

    #[test]
    fn a_wrong_android_ndk_home_is_reported_even_when_the_sdk_has_one() {
        let mut machine = complete();
        machine
            .ndk_places
            .insert(0, ndk("ANDROID_NDK_HOME", "/opt/not-an-ndk", None, true));
        let missing = check(&machine).unwrap_err();
        assert_eq!(missing.len(), 1);
        assert!(
            missing[0]
                .what
                .contains("ANDROID_NDK_HOME is /opt/not-an-ndk, but that is not an NDK (it has no source.properties)."),
            "{}",
            missing[0].what
        );
        assert!(missing[0].how[0].starts_with("point ANDROID_NDK_HOME at an NDK folder"));
    }

    #[test]
    fn an_ndk_older_than_r23_is_refused() {
        let machine = Machine {
            ndk_places: vec![ndk(
                "ANDROID_NDK_HOME",
                "/opt/ndk-r21",
                Some("21.4.7075529"),
                true,
            )],
            ..complete()
        };
        let missing = check(&machine).unwrap_err();
        assert!(
            missing[0]
                .what
                .contains("is version 21.4.7075529; r23 or newer is needed"),
            "{}",
            missing[0].what
        );
    }

    #[test]
    fn an_ndk_without_llvm_strip_is_incomplete() {
        let mut place = ndk("ANDROID_NDK_ROOT", "/opt/ndk", Some("27.1.12297006"), true);
        place.llvm_strip = None;
        let machine = Machine {
            ndk_places: vec![place],
            ..complete()
        };
        let missing = check(&machine).unwrap_err();
        assert!(
            missing[0].what.contains("is incomplete"),
            "{}",
            missing[0].what
        );
    }

    #[test]
    fn the_newest_usable_sdk_ndk_is_chosen() {
        let machine = Machine {
            ndk_places: vec![
                ndk(
                    "$ANDROID_HOME/ndk/9.1",
                    "/sdk/ndk/9.1",
                    Some("9.1.0"),
                    false,
                ),
                ndk(
                    "$ANDROID_HOME/ndk/28.2.13676358",
                    "/sdk/ndk/28.2.13676358",
                    Some("28.2.13676358"),
                    false,
                ),
                ndk(
                    "$ANDROID_HOME/ndk/27.1.12297006",
                    "/sdk/ndk/27.1.12297006",
                    Some("27.1.12297006"),
                    false,
                ),
                ndk("$ANDROID_HOME/ndk/broken", "/sdk/ndk/broken", None, false),
            ],
            ..complete()
        };
        assert_eq!(
            check(&machine).unwrap().ndk,
            PathBuf::from("/sdk/ndk/28.2.13676358")
        );
    }

    #[test]
    fn missing_jar_perl_and_make_each_say_how_to_install_them() {
        let machine = Machine {
            jar: None,
            perl: false,
            make: false,
            ..complete()
        };
        let text = message(&machine);
        assert!(text.contains("1. A JDK's `jar` tool"), "{text}");
        assert!(
            text.contains("sudo apt-get install openjdk-17-jdk-headless"),
            "{text}"
        );
        assert!(text.contains("2. perl with its standard modules"), "{text}");
        assert!(
            text.contains("3. make, which OpenSSL's build runs."),
            "{text}"
        );
    }

    #[test]
    fn ndk_revision_reads_source_properties() {
        let text =
            "Pkg.Desc = Android NDK\nPkg.Revision = 27.1.12297006\nPkg.BaseRevision = 27.1\n";
        assert_eq!(ndk_revision(text).as_deref(), Some("27.1.12297006"));
        assert_eq!(ndk_revision("Pkg.Desc = x\n"), None);
        assert_eq!(major_version("27.1.12297006"), Some(27));
        assert_eq!(major_version("cargo-ndk 4.1.2"), Some(4));
        assert!(version_key("28.0.1") > version_key("27.99.99"));
    }

    #[test]
    fn cargo_ndk_builds_the_three_abis_with_vendored_openssl() {
        assert_eq!(
            cargo_ndk_args(ShipProfile::Mobile).join(" "),
            "ndk -t arm64-v8a -t armeabi-v7a -t x86_64 --platform 26 rustc --profile mobile -p healthbook-core --lib --crate-type cdylib --features healthbook-core/vendored-openssl"
        );
        assert!(cargo_ndk_args(ShipProfile::Release)
            .join(" ")
            .contains("--profile release"));
    }

    #[test]
    fn the_core_has_the_feature_that_package_android_turns_on() {
        let manifest = include_str!("../../core/Cargo.toml");
        assert!(
            manifest
                .contains("vendored-openssl = [\"rusqlite/bundled-sqlcipher-vendored-openssl\"]"),
            "core/Cargo.toml lost the `vendored-openssl` feature"
        );
    }

    #[test]
    fn the_manifest_has_the_bindings_package_and_min_sdk_26() {
        let package = kotlin_package(UNIFFI_TOML).unwrap();
        assert_eq!(package, "vn.healthbook");
        let manifest = render_manifest(&package).unwrap();
        assert!(manifest.contains("package=\"vn.healthbook\""), "{manifest}");
        assert!(
            manifest.contains("<uses-sdk android:minSdkVersion=\"26\" />"),
            "{manifest}"
        );
        assert!(
            manifest.contains("android.permission.INTERNET"),
            "{manifest}"
        );
        assert!(!manifest.contains("{{"), "{manifest}");
    }

    #[test]
    fn kotlin_package_reads_only_the_kotlin_section() {
        let toml = "[crates.healthbook_core.bindings.swift]\npackage_name = \"wrong\"\n\n[crates.healthbook_core.bindings.kotlin]\npackage_name = \"vn.example\"\n";
        assert_eq!(kotlin_package(toml).unwrap(), "vn.example");
        assert!(kotlin_package("[defaults]\n").is_err());
    }

    /// The keep rules, without comments, one per entry.
    fn rules() -> Vec<String> {
        PROGUARD_RULES
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_keep_rules_cover_the_bindings_package_and_jna() {
        let package = kotlin_package(UNIFFI_TOML).unwrap();
        let rules = rules();
        let has = |rule: &str| rules.iter().any(|line| line == rule);
        assert!(
            has(&format!("-keep class {package}.* {{ *; }}")),
            "{rules:#?}"
        );
        assert!(has("-keep class com.sun.jna.** { *; }"), "{rules:#?}");
        assert!(
            has("-keep class * implements com.sun.jna.Callback { *; }"),
            "{rules:#?}"
        );
        assert!(
            has("-keepclassmembers class * extends com.sun.jna.Structure {"),
            "{rules:#?}"
        );
        assert!(has("<fields>;"), "{rules:#?}");
        assert!(has("-dontwarn java.awt.**"), "{rules:#?}");
        assert!(
            rules.iter().any(|line| line.starts_with("-keepattributes")
                && line.contains("RuntimeVisibleAnnotations")),
            "Structure.FieldOrder is read at run time: {rules:#?}"
        );
        // The app's own code under the package (vn.healthbook.demo, say) stays shrinkable.
        assert!(
            !rules
                .iter()
                .any(|line| line.contains(&format!("{package}.**"))),
            "{rules:#?}"
        );
    }

    #[test]
    fn write_metadata_writes_the_three_files() {
        let dir = std::env::temp_dir().join(format!("xtask-aar-{}", std::process::id()));
        fresh_dir(&dir).unwrap();
        write_metadata(&dir, "vn.healthbook").unwrap();
        let manifest = std::fs::read_to_string(dir.join("AndroidManifest.xml")).unwrap();
        assert!(manifest.contains("package=\"vn.healthbook\""));
        assert_eq!(
            std::fs::read_to_string(dir.join("proguard.txt")).unwrap(),
            PROGUARD_RULES
        );
        assert_eq!(std::fs::read(dir.join("R.txt")).unwrap(), b"");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_aar_listing_is_checked_for_every_abi() {
        let complete = "META-INF/\nAndroidManifest.xml\nclasses.jar\nproguard.txt\nR.txt\njni/\njni/arm64-v8a/\njni/arm64-v8a/libhealthbook_core.so\njni/armeabi-v7a/libhealthbook_core.so\njni/x86_64/libhealthbook_core.so\n";
        assert!(missing_entries(complete).is_empty());
        let without_x86 = complete.replace("jni/x86_64/libhealthbook_core.so\n", "");
        assert_eq!(
            missing_entries(&without_x86),
            ["jni/x86_64/libhealthbook_core.so"]
        );
        assert_eq!(missing_entries("").len(), 7);
    }

    #[test]
    fn the_pom_declares_jna_as_an_aar_and_coroutines() {
        let pom = render_pom("1.2.3");
        assert!(pom.contains("<groupId>vn.healthbook</groupId>\n  <artifactId>healthbook</artifactId>\n  <version>1.2.3</version>\n  <packaging>aar</packaging>"), "{pom}");
        assert!(pom.contains(
            "<groupId>net.java.dev.jna</groupId>\n      <artifactId>jna</artifactId>\n      <version>5.14.0</version>\n      <type>aar</type>"
        ), "{pom}");
        assert!(pom.contains(
            "<groupId>org.jetbrains.kotlinx</groupId>\n      <artifactId>kotlinx-coroutines-core</artifactId>\n      <version>1.8.0</version>\n    </dependency>"
        ), "{pom}");
        assert!(
            pom.contains("<artifactId>kotlin-stdlib</artifactId>\n      <version>2.2.0</version>"),
            "{pom}"
        );
        assert_eq!(pom.matches("<dependency>").count(), 3);
        assert_eq!(pom.matches("<type>aar</type>").count(), 1, "{pom}");
    }

    #[test]
    fn the_kotlin_stdlib_dependency_matches_the_language_version() {
        let stdlib = KOTLIN_STDLIB;
        assert!(
            stdlib
                .version
                .starts_with(&format!("{KOTLIN_LANGUAGE_VERSION}.")),
            "kotlin-stdlib {} for classes compiled with -api-version {KOTLIN_LANGUAGE_VERSION}",
            stdlib.version
        );
        let flags = kotlinc_flags().join(" ");
        assert!(flags.contains("-api-version 2.2"), "{flags}");
        assert!(flags.contains("-jvm-target 1.8"), "{flags}");
        assert!(flags.contains("-module-name healthbook"), "{flags}");
    }

    #[test]
    fn the_gradle_snippet_and_the_integration_guide_agree() {
        let snippet = gradle_dependencies("libs/healthbook.aar");
        assert_eq!(
            snippet,
            "dependencies {\n    implementation(files(\"libs/healthbook.aar\"))\n    implementation(\"net.java.dev.jna:jna:5.14.0@aar\")\n    implementation(\"org.jetbrains.kotlinx:kotlinx-coroutines-core:1.8.0\")\n}\n"
        );
        let guide = include_str!("../../docs/integrating.md");
        for dependency in DEPENDENCIES {
            assert!(
                guide.contains(&format!("implementation(\"{}\")", dependency.gradle())),
                "docs/integrating.md does not show {}",
                dependency.gradle()
            );
        }
        assert!(guide.contains(&format!("minSdk = {MIN_SDK}")));
    }
}
