//! The static library an iOS app links holds SQLCipher, a full SQLite. Left as Rust builds it,
//! its ~290 `sqlite3_*` functions are global: an app that also links SQLite (another library, a
//! pod, its own copy) gets duplicate symbols, or one copy silently used for the other. So the
//! library is turned into one relocatable object whose only global symbols are the FFI's
//! (`uniffi_*`, `ffi_healthbook_core_*`), and archived again:
//!
//! - Mach-O (iOS, on macOS): `ld -r -exported_symbols_list` (the symbols not listed become
//!   private, and `ld -r` makes private symbols local), then `libtool -static`;
//! - ELF (this machine, to check the approach): `ld -r --whole-archive`, then
//!   `objcopy --keep-global-symbol` for the same patterns.
//!
//! [`check`] runs the ELF path on the host library in `cargo xtask test`: no `sqlite3_*` is
//! global afterwards (read with `readelf`), the FFI still is, and a C program that defines its own
//! `sqlite3_libversion` links against it and calls the core, while the same program linked
//! against the library as Rust built it stops with a duplicate symbol.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};

use crate::process;
use crate::workspace::{fresh_dir, Workspace};

/// The symbols an app calls: what the generated Swift (and the C header) use.
pub const FFI_SYMBOL_PATTERNS: [&str; 2] = ["uniffi_*", "ffi_healthbook_core_*"];

const STATIC_LIBRARY: &str = "libhealthbook_core.a";

/// Which object format, and so which tools.
#[derive(Clone, Copy)]
pub enum Format {
    /// Apple's ld64 and libtool (through `xcrun`), for an architecture such as `arm64`.
    MachO { arch: &'static str },
    /// GNU ld, objcopy and ar.
    Elf,
}

/// Writes `output`: `library` with only the FFI symbols global, as a static library (Mach-O) or
/// as one relocatable object (ELF: only the check uses it, and GNU `ar` and `nm` stop at an
/// object with this many sections when clang's LLVM plugin is installed). `work` is a scratch
/// folder; it keeps the merged object before localizing, `healthbook_core.o`.
pub fn localize(library: &Path, output: &Path, work: &Path, format: Format) -> Result<()> {
    fresh_dir(work)?;
    let merged = work.join("healthbook_core.o");
    match format {
        Format::MachO { arch } => {
            let list = work.join("exported-symbols.txt");
            // Mach-O names carry a leading underscore; ld64 takes `*` in the list.
            let names: Vec<String> = FFI_SYMBOL_PATTERNS
                .iter()
                .map(|p| format!("_{p}\n"))
                .collect();
            std::fs::write(&list, names.concat()).context("writing the exported-symbols list")?;
            process::run(
                Command::new("xcrun")
                    .args([
                        "ld",
                        "-r",
                        "-arch",
                        arch,
                        "-all_load",
                        "-exported_symbols_list",
                    ])
                    .arg(&list)
                    .arg("-o")
                    .arg(&merged)
                    .arg(library),
            )
            .context("ld -r could not merge the static library")?;
            remove(output)?;
            process::run(
                Command::new("xcrun")
                    .args(["libtool", "-static", "-o"])
                    .arg(output)
                    .arg(&merged),
            )
            .context("libtool could not archive the merged library")
        }
        Format::Elf => {
            process::run(
                Command::new("ld")
                    .args(["-r", "--whole-archive", "-o"])
                    .arg(&merged)
                    .arg(library),
            )
            .context("ld -r could not merge the static library")?;
            let mut objcopy = Command::new("objcopy");
            objcopy.arg("--wildcard");
            for pattern in FFI_SYMBOL_PATTERNS {
                objcopy.arg(format!("--keep-global-symbol={pattern}"));
            }
            process::run(objcopy.arg(&merged).arg(output))
                .context("objcopy could not make the library's other symbols local")
        }
    }
}

fn remove(path: &Path) -> Result<()> {
    if path.exists() {
        std::fs::remove_file(path).with_context(|| format!("removing {}", path.display()))?;
    }
    Ok(())
}

/// The defined global symbols of an ELF archive or object (`readelf -s`: GNU nm stops at the
/// debug build's 115,000 sections).
pub fn global_symbols(file: &Path) -> Result<Vec<String>> {
    let out = Command::new("readelf")
        .args(["-s", "--wide"])
        .arg(file)
        .output()
        .with_context(|| format!("could not run readelf on {}", file.display()))?;
    ensure!(out.status.success(), "readelf failed on {}", file.display());
    Ok(defined_globals(&String::from_utf8_lossy(&out.stdout)))
}

/// From `readelf -s` lines (`Num: Value Size Type Bind Vis Ndx Name`): the GLOBAL or WEAK ones
/// that are defined (`Ndx` is not `UND`).
fn defined_globals(readelf: &str) -> Vec<String> {
    readelf
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                [_, _, _, _, bind, _, index, name, ..]
                    if matches!(*bind, "GLOBAL" | "WEAK") && *index != "UND" =>
                {
                    Some(name.to_string())
                }
                _ => None,
            }
        })
        .collect()
}

/// On this machine (ELF): build the core as a static library, localize it, and show with the
/// symbol table and a link that SQLite stays inside.
pub fn check(ws: &Workspace) -> Result<()> {
    ensure!(
        cfg!(target_os = "linux"),
        "the static-library check uses GNU binutils and runs on Linux"
    );
    process::run(process::cargo().current_dir(&ws.root).args([
        "rustc",
        "-p",
        "healthbook-core",
        "--lib",
        "--crate-type",
        "staticlib",
    ]))
    .context("building the core as a static library failed")?;
    let library = ws.target.join("debug").join(STATIC_LIBRARY);
    let out = ws.target.join("staticlib-check");
    let work = out.join("work");
    let localized = out.join("healthbook_core.o");
    localize(&library, &localized, &work, Format::Elf)?;

    let before = global_symbols(&library)?;
    let after = global_symbols(&localized)?;
    let sqlite_before = before.iter().filter(|s| s.starts_with("sqlite3_")).count();
    ensure!(
        sqlite_before > 100,
        "the core's static library defines only {sqlite_before} sqlite3_ functions: is SQLCipher still bundled?"
    );
    let unexpected: Vec<&String> = after.iter().filter(|name| !is_ffi_symbol(name)).collect();
    if !unexpected.is_empty() {
        bail!(
            "the localized library still has {} global symbols besides the FFI's, e.g. {:?}",
            unexpected.len(),
            &unexpected[..unexpected.len().min(5)]
        );
    }
    ensure!(
        after
            .iter()
            .any(|s| s == "ffi_healthbook_core_uniffi_contract_version"),
        "the localized library lost the FFI's symbols"
    );

    let app = AppWithItsOwnSqlite::write(&out)?;
    let clash = app.link(
        &work.join("healthbook_core.o"),
        &out.join("app-unlocalized"),
    )?;
    ensure!(
        !clash.status.success() && clash.text.contains("multiple definition of `sqlite3_libversion'"),
        "linking the library as Rust built it next to another sqlite3_libversion should fail with a duplicate symbol; it gave:\n{}",
        clash.text
    );
    let linked = app.link(&localized, &out.join("app"))?;
    ensure!(
        linked.status.success(),
        "a program with its own SQLite did not link against {}:\n{}",
        ws.show(&localized),
        linked.text
    );
    process::run(&mut Command::new(out.join("app"))).context("the link check's program failed")?;
    println!(
        "Static library: {sqlite_before} sqlite3_* functions global as built, none after; {} FFI symbols global; a program with its own sqlite3_libversion links (and does not without this step)",
        after.len()
    );
    Ok(())
}

fn is_ffi_symbol(name: &str) -> bool {
    FFI_SYMBOL_PATTERNS
        .iter()
        .any(|pattern| name.starts_with(pattern.trim_end_matches('*')))
}

/// A C program with its own `sqlite3_libversion` (as an app with another SQLite has) that calls
/// the core.
struct AppWithItsOwnSqlite {
    source: PathBuf,
}

struct Linked {
    status: std::process::ExitStatus,
    text: String,
}

impl AppWithItsOwnSqlite {
    fn write(out: &Path) -> Result<Self> {
        let source = out.join("app.c");
        std::fs::write(
            &source,
            "#include <stdio.h>\n\
             #include <string.h>\n\
             unsigned int ffi_healthbook_core_uniffi_contract_version(void);\n\
             const char *sqlite3_libversion(void) { return \"the app's own SQLite\"; }\n\
             int main(void) {\n\
               unsigned int version = ffi_healthbook_core_uniffi_contract_version();\n\
               printf(\"core FFI contract %u; sqlite3_libversion: %s\\n\", version, sqlite3_libversion());\n\
               return version > 0 && strcmp(sqlite3_libversion(), \"the app's own SQLite\") == 0 ? 0 : 1;\n\
             }\n",
        )
        .context("writing the link check's C program")?;
        Ok(Self { source })
    }

    /// `cc` the program with `object` and the system libraries the core needs.
    fn link(&self, object: &Path, program: &Path) -> Result<Linked> {
        let mut command = Command::new("cc");
        command
            .arg("-o")
            .arg(program)
            .arg(&self.source)
            .arg(object)
            .args([
                "-lcrypto",
                "-lgcc_s",
                "-lutil",
                "-lrt",
                "-lpthread",
                "-lm",
                "-ldl",
            ]);
        println!("$ {}", process::show(&command));
        let out = command.output().context("could not run cc")?;
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        Ok(Linked {
            status: out.status,
            text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readelf_lines_give_the_defined_globals() {
        let text = "\
Symbol table '.symtab' contains 4 entries:
   Num:    Value          Size Type    Bind   Vis      Ndx Name
     1: 0000000000000000    11 FUNC    LOCAL  DEFAULT   12 sqlite3_open_v2
     2: 0000000000000000    40 FUNC    GLOBAL DEFAULT    5 uniffi_healthbook_core_fn_func_x
     3: 0000000000000000     0 NOTYPE  GLOBAL DEFAULT  UND malloc
     4: 0000000000000000     8 FUNC    WEAK   DEFAULT    7 sqlite3_libversion
";
        assert_eq!(
            defined_globals(text),
            ["uniffi_healthbook_core_fn_func_x", "sqlite3_libversion"]
        );
    }

    #[test]
    fn only_the_ffi_stays_global() {
        assert!(is_ffi_symbol(
            "uniffi_healthbook_core_fn_method_healthbook_sync"
        ));
        assert!(is_ffi_symbol("ffi_healthbook_core_rust_future_poll_u8"));
        assert!(!is_ffi_symbol("sqlite3_open"));
        assert!(!is_ffi_symbol("UNIFFI_META_HEALTHBOOK_CORE_FUNC_X"));
        assert!(!is_ffi_symbol("_ZN4ring6digest4sha2"));
    }
}
