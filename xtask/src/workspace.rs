//! Where things are: the workspace root, the cargo target directory and the folders under it
//! that the other commands read and write.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub struct Workspace {
    /// The repository root (where the workspace `Cargo.toml` is).
    pub root: PathBuf,
    /// Cargo's target directory: `$CARGO_TARGET_DIR`, or `target/` under the root.
    pub target: PathBuf,
}

impl Workspace {
    pub fn locate() -> Result<Self> {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .context("xtask/ has no parent folder: it must live inside the healthbook workspace")?
            .to_path_buf();
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => root.join(dir),
            None => root.join("target"),
        };
        Ok(Self { root, target })
    }

    /// Toolchains installed by `cargo xtask setup` (kept under target/ so `cargo clean` removes them).
    pub fn tools_dir(&self) -> PathBuf {
        self.target.join("tools")
    }

    /// The binding config passed to uniffi-bindgen with `--config`.
    pub fn uniffi_config(&self) -> PathBuf {
        self.root.join("uniffi.toml")
    }

    /// A path shown relative to the root when it is inside it, for shorter messages.
    pub fn show(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// Every file under `dir` (recursively) whose name ends with `.{extension}`, sorted.
/// A missing folder gives an empty list.
pub fn files_with_extension(dir: &Path, extension: &str) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    if dir.is_dir() {
        collect(dir, extension, &mut found)?;
    }
    found.sort();
    Ok(found)
}

fn collect(dir: &Path, extension: &str, found: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("reading {}", dir.display()))?
            .path();
        if path.is_dir() {
            collect(&path, extension, found)?;
        } else if path.extension().is_some_and(|e| e == extension) {
            found.push(path);
        }
    }
    Ok(())
}

/// Remove `dir` if it exists and create it empty.
pub fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}
