//! `cargo xtask package-ios [--profile mobile|release]`: the core for iOS apps.
//!
//! Output, in `target/ios/`:
//! - `HealthBookFFI.xcframework`: the static library `libhealthbook_core.a` for devices
//!   (aarch64-apple-ios) and for the simulator (aarch64-apple-ios-sim and x86_64-apple-ios merged
//!   by `lipo`), each with the C header and the module map of the Clang module `HealthBookFFI`;
//! - `HealthBookKit/`: a Swift package (Package.swift from `bindings/apple/Package.swift.in`)
//!   with a binary target for a copy of that XCFramework (SwiftPM takes binary targets only from
//!   inside the package) and the target `HealthBookKit` holding the generated `HealthBookKit.swift`
//!   and the Swift shipped with it (`bindings/swift/`); its product `HealthBookKit` is what an app
//!   imports.
//!
//! Linking for iOS needs Xcode's iOS SDK and `xcodebuild -create-xcframework`, so this runs on
//! macOS with Xcode only. Elsewhere it stops before building anything and says so; the Swift
//! bindings themselves are generated on any machine by `cargo xtask bindings`.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use anyhow::{anyhow, ensure, Context, Result};

use crate::bindings;
use crate::package::{self, Missing, ShipProfile};
use crate::process;
use crate::staticlib;
use crate::workspace::{fresh_dir, Workspace};

/// The Rust target for iOS devices.
pub const DEVICE_TARGET: &str = "aarch64-apple-ios";
/// The Rust targets for the simulator: Apple-silicon and Intel Macs.
pub const SIMULATOR_TARGETS: [&str; 2] = ["aarch64-apple-ios-sim", "x86_64-apple-ios"];
/// The lowest iOS version, for the libraries (`IPHONEOS_DEPLOYMENT_TARGET`) and Package.swift.
pub const IOS_DEPLOYMENT_TARGET: &str = "15.0";
/// Package.swift's `swift-tools-version` 6.0 needs Xcode 16.
const MIN_XCODE_MAJOR: u64 = 16;
/// The Swift module of the bindings (uniffi.toml's `module_name`) and the Clang module of the
/// C side that the generated Swift imports.
use crate::swift::{FFI_MODULE, MODULE, SHIPPED};
const STATIC_LIBRARY: &str = "libhealthbook_core.a";

const PACKAGE_TEMPLATE: &str = include_str!("../../bindings/apple/Package.swift.in");

/// Every Rust target the XCFramework is built from.
pub fn all_targets() -> Vec<&'static str> {
    let mut targets = vec![DEVICE_TARGET];
    targets.extend(SIMULATOR_TARGETS);
    targets
}

pub fn run(ws: &Workspace, profile: ShipProfile) -> Result<()> {
    let machine = Machine::inspect(ws)?;
    check(&machine)
        .map_err(|missing| anyhow!(package::missing_message("package-ios", &missing)))?;

    // The bindings come from the host library of the same profile, which still has its symbols.
    let bindings = bindings::build(ws, profile.bindings_profile())?;
    let swift_source = bindings.swift_dir.join(format!("{MODULE}.swift"));
    let header = bindings.swift_dir.join(format!("{FFI_MODULE}.h"));
    let module_map_path = bindings.swift_dir.join(format!("{FFI_MODULE}.modulemap"));
    let module_map = std::fs::read_to_string(&module_map_path)
        .with_context(|| format!("reading {}", ws.show(&module_map_path)))?;
    ensure!(
        module_name(&module_map) == Some(FFI_MODULE),
        "{} does not declare `module {FFI_MODULE}`: uniffi.toml's Swift module_name must stay `{MODULE}`",
        ws.show(&module_map_path)
    );

    build_libraries(ws, profile)?;
    let library = |target: &str| {
        ws.target
            .join(target)
            .join(profile.cargo_name())
            .join(STATIC_LIBRARY)
    };
    for target in all_targets() {
        ensure!(
            library(target).is_file(),
            "cargo finished but {} is not there: core/Cargo.toml must keep crate-type `staticlib`",
            ws.show(&library(target))
        );
    }

    let out = ws.target.join("ios");
    let work = out.join("build");
    fresh_dir(&work)?;

    // SQLCipher's sqlite3_* (and everything else but the FFI) made local, so that an app may
    // link another SQLite (see crate::staticlib).
    let localized = |target: &str| work.join(target).join(STATIC_LIBRARY);
    for target in all_targets() {
        staticlib::localize(
            &library(target),
            &localized(target),
            &work.join(target).join("merge"),
            staticlib::Format::MachO {
                arch: mach_o_arch(target),
            },
        )?;
    }

    // One library per platform: the two simulator architectures go into one fat file.
    let simulator = work.join("simulator").join(STATIC_LIBRARY);
    std::fs::create_dir_all(work.join("simulator"))
        .with_context(|| format!("creating {}", work.join("simulator").display()))?;
    process::run(
        Command::new("lipo")
            .arg("-create")
            .args(SIMULATOR_TARGETS.map(localized))
            .arg("-output")
            .arg(&simulator),
    )
    .context("lipo could not merge the simulator libraries")?;

    // Headers in a folder named after the module: Xcode copies every static XCFramework's
    // headers into one include folder, where two `module.modulemap` files at the top would
    // collide; Clang finds `<include>/HealthBookFFI/module.modulemap` for `import HealthBookFFI`.
    let headers = work.join("include");
    let module_dir = headers.join(FFI_MODULE);
    std::fs::create_dir_all(&module_dir)
        .with_context(|| format!("creating {}", module_dir.display()))?;
    std::fs::copy(&header, module_dir.join(format!("{FFI_MODULE}.h")))
        .with_context(|| format!("copying {}", ws.show(&header)))?;
    std::fs::write(module_dir.join("module.modulemap"), &module_map)
        .with_context(|| format!("writing {}", module_dir.display()))?;

    let xcframework = out.join(format!("{FFI_MODULE}.xcframework"));
    if xcframework.exists() {
        std::fs::remove_dir_all(&xcframework)
            .with_context(|| format!("removing the old {}", xcframework.display()))?;
    }
    process::run(Command::new("xcodebuild").args(xcodebuild_args(
        &localized(DEVICE_TARGET),
        &simulator,
        &headers,
        &xcframework,
    )))
    .context("xcodebuild could not make the XCFramework: see its message above")?;

    let swift_package = out.join(MODULE);
    fresh_dir(&swift_package)?;
    std::fs::write(swift_package.join("Package.swift"), render_package_swift()?)
        .with_context(|| format!("writing {}", swift_package.display()))?;
    let sources = swift_package.join("Sources").join(MODULE);
    std::fs::create_dir_all(&sources).with_context(|| format!("creating {}", sources.display()))?;
    std::fs::copy(&swift_source, sources.join(format!("{MODULE}.swift")))
        .with_context(|| format!("copying {}", ws.show(&swift_source)))?;
    bindings::add_shipped_sources(&ws.root.join(SHIPPED), &sources, "swift")?;
    package::copy_dir(
        &xcframework,
        &swift_package.join(format!("{FFI_MODULE}.xcframework")),
    )?;

    println!(
        "\niOS ({} profile, iOS {IOS_DEPLOYMENT_TARGET} or newer):",
        profile.cargo_name()
    );
    println!("  {}", ws.show(&xcframework));
    println!(
        "  {}  (Swift package: in Xcode, File > Add Package Dependencies… > Add Local…)",
        ws.show(&swift_package)
    );
    Ok(())
}

/// What `package-ios` found on this machine: the input of [`check`].
#[derive(Debug, Clone, Default)]
pub struct Machine {
    /// `std::env::consts::OS`: `macos`, `linux`, ...
    pub os: String,
    /// The first line of `xcodebuild -version` (`Xcode 16.2`), if it ran: it fails where only
    /// the Command Line Tools are installed.
    pub xcode: Option<String>,
    pub lipo: bool,
    /// Which of the iOS Rust targets have their standard library installed.
    pub rust_targets: Vec<String>,
    pub rustup: bool,
}

impl Machine {
    /// Look at this machine; runs `xcodebuild -version` only on macOS.
    pub fn inspect(ws: &Workspace) -> Result<Self> {
        let os = std::env::consts::OS.to_owned();
        let macos = os == "macos";
        Ok(Machine {
            xcode: if macos {
                process::output(Command::new("xcodebuild").arg("-version"))
                    .and_then(|text| text.lines().next().map(|line| line.trim().to_owned()))
            } else {
                None
            },
            lipo: process::find_on_path("lipo").is_some(),
            rust_targets: package::installed_rust_targets(ws, &all_targets())?,
            rustup: process::find_on_path("rustup").is_some(),
            os,
        })
    }
}

/// Whether `machine` can build the XCFramework; if not, what is missing and how to get it.
pub fn check(machine: &Machine) -> std::result::Result<(), Vec<Missing>> {
    let targets = all_targets();
    if machine.os != "macos" {
        return Err(vec![Missing {
            what: format!(
                "macOS with Xcode {MIN_XCODE_MAJOR} or newer. The iOS libraries are linked against Xcode's iOS SDK and the XCFramework is made by `xcodebuild -create-xcframework`; neither exists on {}.",
                machine.os
            ),
            how: vec![
                format!(
                    "on a Mac with Xcode: rustup target add {}   then   cargo xtask package-ios",
                    targets.join(" ")
                ),
                "on this machine, `cargo xtask bindings` generates the Swift bindings (target/bindings/swift) without compiling them".into(),
            ],
        }]);
    }

    let mut missing = Vec::new();
    let absent = package::missing_targets(&targets, &machine.rust_targets);
    if !absent.is_empty() {
        missing.push(package::rust_targets_missing(
            "iOS",
            &absent,
            machine.rustup,
        ));
    }
    let xcode_steps = || {
        vec![
            "install Xcode from the App Store (or developer.apple.com/download)".to_owned(),
            "sudo xcode-select --switch /Applications/Xcode.app/Contents/Developer".to_owned(),
            "sudo xcodebuild -license accept".to_owned(),
        ]
    };
    match &machine.xcode {
        None => missing.push(Missing {
            what: format!(
                "Xcode {MIN_XCODE_MAJOR} or newer, selected with xcode-select (`xcodebuild -version` failed: the Command Line Tools alone have neither the iOS SDK nor XCFrameworks)."
            ),
            how: xcode_steps(),
        }),
        Some(version) => {
            let major = version
                .split_whitespace()
                .nth(1)
                .and_then(|number| number.split('.').next())
                .and_then(|number| number.parse::<u64>().ok());
            if major.is_some_and(|major| major < MIN_XCODE_MAJOR) {
                missing.push(Missing {
                    what: format!(
                        "Xcode {MIN_XCODE_MAJOR} or newer (Package.swift uses swift-tools-version 6.0); this Mac has {version}."
                    ),
                    how: xcode_steps(),
                });
            }
        }
    }
    if !machine.lipo {
        missing.push(Missing {
            what: "lipo, which merges the two simulator libraries into one.".into(),
            how: vec!["xcode-select --install".into()],
        });
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

/// `cargo rustc --profile <p> -p healthbook-core --lib --crate-type staticlib --target <t>` for
/// each iOS target, for iOS 15. `rustc --crate-type staticlib` rather than `build`: with the
/// crate's `lib` type in the same build cargo turns LTO off (see [`crate::bindings`]).
fn build_libraries(ws: &Workspace, profile: ShipProfile) -> Result<()> {
    for target in all_targets() {
        let mut command = process::cargo();
        command
            .current_dir(&ws.root)
            .env("IPHONEOS_DEPLOYMENT_TARGET", IOS_DEPLOYMENT_TARGET)
            .args([
                "rustc",
                "--profile",
                profile.cargo_name(),
                "-p",
                "healthbook-core",
                "--lib",
                "--crate-type",
                "staticlib",
                "--target",
                target,
            ]);
        package::without_host_openssl(&mut command);
        process::run(&mut command).with_context(|| {
            format!("the iOS build for {target} failed: see the errors above (a missing target: `rustup target add`; SDK errors: check `xcode-select -p`)")
        })?;
    }
    Ok(())
}

/// The architecture name Apple's tools use for a Rust target.
fn mach_o_arch(target: &str) -> &'static str {
    if target.starts_with("x86_64") {
        "x86_64"
    } else {
        "arm64"
    }
}

/// The arguments of `xcodebuild` that make the XCFramework from the two libraries.
pub fn xcodebuild_args(
    device_library: &Path,
    simulator_library: &Path,
    headers: &Path,
    output: &Path,
) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["-create-xcframework".into()];
    for library in [device_library, simulator_library] {
        args.push("-library".into());
        args.push(library.into());
        args.push("-headers".into());
        args.push(headers.into());
    }
    args.push("-output".into());
    args.push(output.into());
    args
}

/// The name of the first module a module map declares (`module HealthBookFFI {`).
pub fn module_name(module_map: &str) -> Option<&str> {
    module_map.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        let mut word = words.next()?;
        if word == "framework" {
            word = words.next()?;
        }
        (word == "module").then(|| words.next())?
    })
}

/// Package.swift for `target/ios/HealthBookKit/`.
pub fn render_package_swift() -> Result<String> {
    package::render(
        "bindings/apple/Package.swift.in",
        PACKAGE_TEMPLATE,
        &[("IOS_DEPLOYMENT_TARGET", IOS_DEPLOYMENT_TARGET)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac() -> Machine {
        Machine {
            os: "macos".into(),
            xcode: Some("Xcode 16.2".into()),
            lipo: true,
            rust_targets: all_targets().iter().map(|t| t.to_string()).collect(),
            rustup: true,
        }
    }

    fn message(machine: &Machine) -> String {
        package::missing_message("package-ios", &check(machine).unwrap_err())
    }

    #[test]
    fn a_mac_with_xcode_and_the_targets_is_ready() {
        assert_eq!(check(&mac()), Ok(()));
    }

    #[test]
    fn linux_stops_with_one_item_that_says_macos_and_xcode() {
        let linux = Machine {
            os: "linux".into(),
            xcode: None,
            lipo: false,
            rust_targets: vec![],
            rustup: true,
        };
        let missing = check(&linux).unwrap_err();
        assert_eq!(missing.len(), 1, "{missing:#?}");
        let text = message(&linux);
        assert!(
            text.starts_with(
                "`cargo xtask package-ios` cannot build on this machine. What it needs"
            ),
            "{text}"
        );
        assert!(text.contains("1. macOS with Xcode 16 or newer."), "{text}");
        assert!(text.contains("neither exists on linux."), "{text}");
        assert!(text.contains(
            "on a Mac with Xcode: rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios   then   cargo xtask package-ios"
        ), "{text}");
        assert!(
            text.contains("`cargo xtask bindings` generates the Swift bindings"),
            "{text}"
        );
    }

    #[test]
    fn a_mac_lists_its_missing_targets_and_xcode() {
        let machine = Machine {
            xcode: None,
            rust_targets: vec!["aarch64-apple-ios".into()],
            ..mac()
        };
        let text = message(&machine);
        assert!(text.contains(
            "1. The Rust standard library for the iOS targets aarch64-apple-ios-sim, x86_64-apple-ios.\n       rustup target add aarch64-apple-ios-sim x86_64-apple-ios\n"
        ), "{text}");
        assert!(
            text.contains("2. Xcode 16 or newer, selected with xcode-select"),
            "{text}"
        );
        assert!(
            text.contains("sudo xcode-select --switch /Applications/Xcode.app/Contents/Developer"),
            "{text}"
        );
    }

    #[test]
    fn an_old_xcode_is_refused() {
        let machine = Machine {
            xcode: Some("Xcode 15.4".into()),
            ..mac()
        };
        let missing = check(&machine).unwrap_err();
        assert_eq!(missing.len(), 1);
        assert!(
            missing[0].what.contains("this Mac has Xcode 15.4"),
            "{}",
            missing[0].what
        );
    }

    #[test]
    fn the_package_has_the_binary_target_and_the_product() {
        let swift = render_package_swift().unwrap();
        assert!(swift.starts_with("// swift-tools-version:6.0\n"), "{swift}");
        assert!(swift.contains(".iOS(\"15.0\"),"), "{swift}");
        assert!(
            swift.contains(".library(name: \"HealthBookKit\", targets: [\"HealthBookKit\"]),"),
            "{swift}"
        );
        assert!(
            swift.contains(
                ".binaryTarget(name: \"HealthBookFFI\", path: \"HealthBookFFI.xcframework\"),"
            ),
            "{swift}"
        );
        assert!(
            swift.contains("dependencies: [\"HealthBookFFI\"],"),
            "{swift}"
        );
        assert!(swift.contains(".linkedFramework(\"Security\"),"), "{swift}");
        assert!(!swift.contains("{{"), "{swift}");
    }

    #[test]
    fn the_swift_module_matches_uniffi_toml() {
        let toml = include_str!("../../uniffi.toml");
        let section = toml
            .split("[crates.healthbook_core.bindings.swift]")
            .nth(1)
            .expect("uniffi.toml has a Swift section");
        assert!(
            section.contains(&format!("module_name = \"{MODULE}\"")),
            "Package.swift and the FFI module name assume the Swift module `{MODULE}`"
        );
    }

    #[test]
    fn module_name_reads_the_module_map() {
        let generated = "module HealthBookFFI {\n    header \"HealthBookFFI.h\"\n    export *\n}";
        assert_eq!(module_name(generated), Some("HealthBookFFI"));
        assert_eq!(module_name("framework module Other {\n}"), Some("Other"));
        assert_eq!(module_name("// nothing\n"), None);
    }

    #[test]
    fn xcodebuild_gets_one_library_per_platform_with_the_headers() {
        let args = xcodebuild_args(
            Path::new("/t/aarch64-apple-ios/mobile/libhealthbook_core.a"),
            Path::new("/t/ios/build/simulator/libhealthbook_core.a"),
            Path::new("/t/ios/build/include"),
            Path::new("/t/ios/HealthBookFFI.xcframework"),
        );
        let line: Vec<String> = args
            .iter()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            line.join(" "),
            "-create-xcframework -library /t/aarch64-apple-ios/mobile/libhealthbook_core.a -headers /t/ios/build/include -library /t/ios/build/simulator/libhealthbook_core.a -headers /t/ios/build/include -output /t/ios/HealthBookFFI.xcframework"
        );
    }
}
