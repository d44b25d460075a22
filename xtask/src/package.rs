//! What `package-android` ([`crate::android`]) and `package-ios` ([`crate::apple`]) share: the
//! cargo profile the shipped library is built with, finding which Rust targets are installed,
//! and the message that lists what is missing before anything is built.
//!
//! The prerequisite checks are pure functions of a snapshot of the machine (which targets, tools
//! and folders exist), so the messages they produce are tested without those tools.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::bindings;
use crate::process;
use crate::workspace::Workspace;

/// The cargo profile the apps' library is built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShipProfile {
    /// The workspace's size-optimised `mobile` profile (the default).
    Mobile,
    /// Plain `release`: faster code, larger library.
    Release,
}

impl ShipProfile {
    /// `[]`, `["--profile", "mobile"]` or `["--profile", "release"]`.
    pub fn parse(command: &str, args: &[String]) -> Result<Self> {
        match args {
            [] => Ok(ShipProfile::Mobile),
            [flag, name] if flag == "--profile" => match name.as_str() {
                "mobile" => Ok(ShipProfile::Mobile),
                "release" => Ok(ShipProfile::Release),
                other => bail!(
                    "`{command} --profile` takes `mobile` (size-optimised, the default) or `release`, got `{other}`"
                ),
            },
            _ => bail!("`{command}` takes only `--profile mobile|release`, got {args:?}"),
        }
    }

    /// The name cargo knows it by, which is also its folder under `target/<triple>/`.
    pub fn cargo_name(self) -> &'static str {
        match self {
            ShipProfile::Mobile => "mobile",
            ShipProfile::Release => "release",
        }
    }

    /// The host build the bindings are generated from: the same profile.
    pub fn bindings_profile(self) -> bindings::Profile {
        match self {
            ShipProfile::Mobile => bindings::Profile::Mobile,
            ShipProfile::Release => bindings::Profile::Release,
        }
    }
}

/// One thing a packaging command needs and did not find, and how to get it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// What is missing and why it is needed, one sentence.
    pub what: String,
    /// The commands or steps that install it, one per line.
    pub how: Vec<String>,
}

/// The error text for a packaging command that cannot run on this machine: every missing
/// prerequisite with its remedy, numbered, and that nothing was built.
pub fn missing_message(command: &str, missing: &[Missing]) -> String {
    let mut text = format!(
        "`cargo xtask {command}` cannot build on this machine. What it needs, and how to get it:\n"
    );
    for (number, item) in missing.iter().enumerate() {
        text.push_str(&format!("\n  {}. {}\n", number + 1, item.what));
        for line in &item.how {
            text.push_str(&format!("       {line}\n"));
        }
    }
    text.push_str(
        "\nNothing was built. Run it again once these are in place; docs/integrating.md goes through the setup step by step.",
    );
    text
}

/// The Rust targets from `required` that are not in `installed`, in `required`'s order.
pub fn missing_targets<'a>(required: &[&'a str], installed: &[String]) -> Vec<&'a str> {
    required
        .iter()
        .copied()
        .filter(|target| !installed.iter().any(|have| have == target))
        .collect()
}

/// What to do about Rust targets whose standard library is not installed.
pub fn rust_targets_missing(platform: &str, targets: &[&str], rustup: bool) -> Missing {
    let mut how = vec![format!("rustup target add {}", targets.join(" "))];
    if !rustup {
        how.push(
            "(rustup is not on PATH: install Rust with rustup from https://rustup.rs, or add these targets' standard library to your Rust installation)"
                .to_owned(),
        );
    }
    Missing {
        what: format!(
            "The Rust standard library for the {platform} targets {}.",
            targets.join(", ")
        ),
        how,
    }
}

/// Which of `targets` have their standard library in the active toolchain (the one `rustc`
/// resolves to in the workspace, so a `rust-toolchain` file there is honoured).
pub fn installed_rust_targets(ws: &Workspace, targets: &[&str]) -> Result<Vec<String>> {
    let sysroot = process::output(
        Command::new("rustc")
            .current_dir(&ws.root)
            .args(["--print", "sysroot"]),
    )
    .context("`rustc --print sysroot` failed: is Rust installed and on PATH?")?;
    let rustlib = PathBuf::from(sysroot.trim()).join("lib/rustlib");
    Ok(targets
        .iter()
        .filter(|target| rustlib.join(target).join("lib").is_dir())
        .map(|target| target.to_string())
        .collect())
}

/// Leave the host's OpenSSL settings out of a cross build. Pointed at the host's OpenSSL,
/// `OPENSSL_DIR` and friends make SQLCipher link a library that does not exist on the phone
/// (Apple targets should use CommonCrypto; Android builds OpenSSL from source).
pub fn without_host_openssl(command: &mut Command) -> &mut Command {
    for name in [
        "OPENSSL_DIR",
        "OPENSSL_LIB_DIR",
        "OPENSSL_INCLUDE_DIR",
        "OPENSSL_STATIC",
        "OPENSSL_NO_VENDOR",
    ] {
        command.env_remove(name);
    }
    command
}

/// Copy the folder `from` to `to` (which must not exist yet), recursively.
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let entries = std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", from.display()))?;
        let source = entry.path();
        let destination = to.join(entry.file_name());
        if source.is_dir() {
            copy_dir(&source, &destination)?;
        } else {
            std::fs::copy(&source, &destination).with_context(|| {
                format!("copying {} to {}", source.display(), destination.display())
            })?;
        }
    }
    Ok(())
}

/// Fill `{{NAME}}` placeholders in a template; an error if a value is not used or a
/// placeholder is left without a value, so a template and its code cannot drift apart silently.
pub fn render(template_name: &str, template: &str, values: &[(&str, &str)]) -> Result<String> {
    let mut text = template.to_owned();
    for (name, value) in values {
        let placeholder = format!("{{{{{name}}}}}");
        if !text.contains(&placeholder) {
            bail!("{template_name} has no {placeholder}: the template and xtask disagree");
        }
        text = text.replace(&placeholder, value);
    }
    if let Some(start) = text.find("{{") {
        let rest = &text[start..];
        let end = rest.find("}}").map_or(rest.len(), |end| end + 2);
        bail!(
            "{template_name} has a placeholder xtask does not fill: {}",
            &rest[..end]
        );
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| item.to_string()).collect()
    }

    #[test]
    fn profile_defaults_to_mobile_and_rejects_others() {
        assert_eq!(ShipProfile::parse("p", &[]).unwrap(), ShipProfile::Mobile);
        assert_eq!(
            ShipProfile::parse("p", &strings(&["--profile", "release"])).unwrap(),
            ShipProfile::Release
        );
        assert_eq!(
            ShipProfile::parse("p", &strings(&["--profile", "mobile"]))
                .unwrap()
                .cargo_name(),
            "mobile"
        );
        let wrong = ShipProfile::parse("p", &strings(&["--profile", "debug"])).unwrap_err();
        assert!(wrong.to_string().contains("`debug`"), "{wrong}");
        assert!(ShipProfile::parse("p", &strings(&["--release"])).is_err());
    }

    #[test]
    fn missing_targets_keeps_the_required_order() {
        let installed = strings(&["x86_64-unknown-linux-gnu", "armv7-linux-androideabi"]);
        assert_eq!(
            missing_targets(
                &[
                    "aarch64-linux-android",
                    "armv7-linux-androideabi",
                    "x86_64-linux-android"
                ],
                &installed
            ),
            ["aarch64-linux-android", "x86_64-linux-android"]
        );
        assert!(missing_targets(&["armv7-linux-androideabi"], &installed).is_empty());
    }

    #[test]
    fn the_message_numbers_each_missing_item_with_its_commands() {
        let message = missing_message(
            "package-android",
            &[
                rust_targets_missing("Android", &["aarch64-linux-android"], true),
                Missing {
                    what: "cargo-ndk.".into(),
                    how: vec!["cargo install cargo-ndk".into()],
                },
            ],
        );
        assert!(message.starts_with("`cargo xtask package-android` cannot build"));
        assert!(message.contains(
            "\n  1. The Rust standard library for the Android targets aarch64-linux-android.\n       rustup target add aarch64-linux-android\n"
        ), "{message}");
        assert!(
            message.contains("\n  2. cargo-ndk.\n       cargo install cargo-ndk\n"),
            "{message}"
        );
        assert!(message.ends_with(
            "Nothing was built. Run it again once these are in place; docs/integrating.md goes through the setup step by step."
        ));
    }

    #[test]
    fn without_rustup_the_message_says_where_to_get_it() {
        let missing = rust_targets_missing("iOS", &["aarch64-apple-ios"], false);
        assert_eq!(missing.how[0], "rustup target add aarch64-apple-ios");
        assert!(missing.how[1].contains("https://rustup.rs"));
    }

    #[test]
    fn render_fills_every_placeholder_and_refuses_leftovers() {
        assert_eq!(
            render("t", "a {{X}} b {{X}} {{Y}}", &[("X", "1"), ("Y", "2")]).unwrap(),
            "a 1 b 1 2"
        );
        let left = render("t", "{{X}} {{Z}}", &[("X", "1")]).unwrap_err();
        assert!(left.to_string().contains("{{Z}}"), "{left}");
        let unused = render("t", "{{X}}", &[("X", "1"), ("Y", "2")]).unwrap_err();
        assert!(unused.to_string().contains("{{Y}}"), "{unused}");
    }

    #[test]
    fn copy_dir_copies_nested_files() {
        let base = std::env::temp_dir().join(format!("xtask-copy-dir-{}", std::process::id()));
        let from = base.join("from");
        std::fs::create_dir_all(from.join("a/b")).unwrap();
        std::fs::write(from.join("top.txt"), "top").unwrap();
        std::fs::write(from.join("a/b/deep.txt"), "deep").unwrap();
        let to = base.join("to/copy");
        copy_dir(&from, &to).unwrap();
        assert_eq!(std::fs::read_to_string(to.join("top.txt")).unwrap(), "top");
        assert_eq!(
            std::fs::read_to_string(to.join("a/b/deep.txt")).unwrap(),
            "deep"
        );
        std::fs::remove_dir_all(base).unwrap();
    }
}
