//! The reference backend (`healthbook-backend`) for the Kotlin sync tests and the demo: started
//! on a fresh database seeded with the sample family, on a free port of 127.0.0.1, and stopped
//! with SIGTERM when the guard is dropped, also when the step that needed it failed.
//!
//! The binary comes from the same debug build as the library and the bindings
//! (`cargo build --workspace --all-targets`, see [`crate::bindings`]), so no second build with
//! other features is needed. Its stdout carries one line, `listening on http://127.0.0.1:PORT`;
//! its stderr (what it seeded, warnings, `stopped`) is shown with a `[backend]` prefix.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

use crate::process;
use crate::workspace::{fresh_dir, Workspace};

/// The JVM system property that tells the Kotlin tests and the demo where the backend listens.
pub const URL_PROPERTY: &str = "healthbook.backend.url";

/// The binary's name, as `cargo build` leaves it in the profile's folder.
const BINARY: &str = "healthbook-backend";
/// Seeding about 950 records with a debug build, then binding the port.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a SIGTERM gets before the process is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// Lines of the backend's stderr kept for error messages.
const KEPT_LINES: usize = 40;

/// A running backend. Dropping it stops the process (SIGTERM, then kill) and waits for it.
pub struct Backend {
    child: Child,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    /// The backend's SQLite database.
    pub db: PathBuf,
    stderr: Arc<Mutex<VecDeque<String>>>,
    /// The thread that reads stderr; it ends when the process (and all it started) has exited.
    stderr_reader: Option<JoinHandle<()>>,
    stopped: bool,
}

impl Backend {
    /// Starts the backend built into `build_dir` (e.g. `target/debug`) on a new database in `dir`
    /// (emptied first), seeded with the sample family, and waits until it listens.
    pub fn start(ws: &Workspace, build_dir: &Path, dir: &Path) -> Result<Backend> {
        let binary = build_dir.join(format!("{BINARY}{}", std::env::consts::EXE_SUFFIX));
        ensure!(
            binary.is_file(),
            "{} is missing: the workspace build should have built it (is `backend` still a member of the workspace in Cargo.toml?)",
            ws.show(&binary)
        );
        fresh_dir(dir)?;
        let db = dir.join("healthbook-backend.db");

        let mut command = Command::new(&binary);
        command
            .current_dir(&ws.root)
            .arg("--db")
            .arg(ws.show(&db))
            .args(["--listen", "127.0.0.1:0", "--seed"])
            // The tests and the demo sign in through the development login, many times a minute
            // from this one address.
            .args(["--dev-login", "--dev-login-rate-limit", "6000/1000"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let line = process::show(&command);
        println!("$ {line} &");
        let mut child = command
            .spawn()
            .with_context(|| format!("could not start `{line}`"))?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        // From here on, any early return stops the process through Drop.
        let mut backend = Backend {
            child,
            url: String::new(),
            db,
            stderr: Arc::new(Mutex::new(VecDeque::new())),
            stderr_reader: None,
            stopped: false,
        };
        let stdout = stdout.context("the backend's stdout was not captured")?;
        let stderr = stderr.context("the backend's stderr was not captured")?;
        backend.stderr_reader = Some(forward_stderr(stderr, Arc::clone(&backend.stderr)));
        backend.url = backend.wait_until_listening(stdout)?;
        println!("Backend listening on {}", backend.url);
        Ok(backend)
    }

    /// Reads stdout until the `listening on URL` line; fails if the process exits first or the
    /// line does not come in time. Stdout is drained in the background afterwards.
    fn wait_until_listening(&mut self, stdout: impl Read + Send + 'static) -> Result<String> {
        let (lines_tx, lines_rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // Once the URL is read nobody listens; keep reading so the pipe never fills.
                let _ = lines_tx.send(line);
            }
        });

        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match lines_rx.recv_timeout(Duration::from_millis(100)) {
                Ok(line) => {
                    let Some(url) = line.trim().strip_prefix("listening on ") else {
                        println!("[backend] {line}");
                        continue;
                    };
                    let url = url.trim_end_matches('/');
                    ensure!(
                        url.starts_with("http://"),
                        "the backend printed `{line}`, expected `listening on http://127.0.0.1:PORT`"
                    );
                    return Ok(url.to_owned());
                }
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(status) =
                        self.child.try_wait().context("checking on the backend")?
                    {
                        self.stopped = true;
                        bail!(
                            "the backend exited ({status}) before it was listening{}",
                            self.stderr_tail()
                        );
                    }
                    if Instant::now() >= deadline {
                        bail!(
                            "the backend printed no `listening on` line within {} s{}",
                            START_TIMEOUT.as_secs(),
                            self.stderr_tail()
                        );
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    // Stdout closed: the process is ending. Give it a moment to be reaped.
                    let status = wait_timeout(&mut self.child, STOP_TIMEOUT)?;
                    self.stopped = status.is_some();
                    let how =
                        status.map_or("closed its stdout".to_owned(), |s| format!("exited ({s})"));
                    bail!(
                        "the backend {how} before it was listening{}",
                        self.stderr_tail()
                    );
                }
            }
        }
    }

    /// Stops the backend: SIGTERM, then a kill if it has not exited within a few seconds.
    /// An error if it had to be killed or exited with a failure.
    pub fn stop(mut self) -> Result<()> {
        let (status, killed) = self.terminate()?;
        ensure!(
            !killed,
            "the backend did not stop within {} s of SIGTERM and was killed{}",
            STOP_TIMEOUT.as_secs(),
            self.stderr_tail()
        );
        ensure!(
            status.success(),
            "the backend exited with {status} when stopped{}",
            self.stderr_tail()
        );
        Ok(())
    }

    /// SIGTERM, wait, kill if needed; returns the exit status and whether it had to be killed.
    fn terminate(&mut self) -> Result<(ExitStatus, bool)> {
        self.stopped = true;
        if let Some(status) = self.child.try_wait().context("checking on the backend")? {
            return Ok((status, false));
        }
        println!("Stopping the backend (SIGTERM)");
        if let Err(error) = send_sigterm(&self.child) {
            eprintln!("warning: could not send SIGTERM to the backend ({error}); killing it");
        } else if let Some(status) = wait_timeout(&mut self.child, STOP_TIMEOUT)? {
            return Ok((status, false));
        }
        self.child.kill().context("killing the backend")?;
        let status = self.child.wait().context("waiting for the backend")?;
        Ok((status, true))
    }

    /// The last lines of the backend's stderr, for an error message ("" when there are none).
    /// When the process has exited, first lets the reader take in what it wrote last.
    fn stderr_tail(&mut self) -> String {
        if self.stopped {
            if let Some(reader) = self.stderr_reader.take() {
                let deadline = Instant::now() + Duration::from_secs(1);
                while !reader.is_finished() && Instant::now() < deadline {
                    thread::sleep(Duration::from_millis(10));
                }
            }
        }
        // A poisoned lock still holds the lines; they are only text.
        let lines = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        if lines.is_empty() {
            return String::new();
        }
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        format!("; its last messages:\n    {}", lines.join("\n    "))
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if !self.stopped {
            if let Err(error) = self.terminate() {
                eprintln!("warning: stopping the backend: {error:#}");
            }
        }
    }
}

/// Shows the backend's stderr as `[backend] ...` lines and keeps the last ones.
fn forward_stderr(
    stderr: impl Read + Send + 'static,
    kept: Arc<Mutex<VecDeque<String>>>,
) -> JoinHandle<()> {
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            println!("[backend] {line}");
            let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
            if kept.len() == KEPT_LINES {
                kept.pop_front();
            }
            kept.push_back(line);
        }
    })
}

/// Waits up to `timeout` for `child` to exit; `None` if it is still running.
fn wait_timeout(child: &mut Child, timeout: Duration) -> Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().context("waiting for the backend")? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// Asks the process to shut down gracefully (std only offers SIGKILL).
#[cfg(unix)]
fn send_sigterm(child: &Child) -> std::io::Result<()> {
    extern "C" {
        fn kill(pid: i32, signal: i32) -> i32;
    }
    const SIGTERM: i32 = 15;
    let pid = i32::try_from(child.id())
        .map_err(|_| std::io::Error::other("the process id does not fit a pid_t"))?;
    // SAFETY: kill(2) takes two integers and only sends a signal. The pid is our own child, which
    // has not been waited for (try_wait returned None), so it cannot belong to another process.
    if unsafe { kill(pid, SIGTERM) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(unix))]
fn send_sigterm(_child: &Child) -> std::io::Result<()> {
    Err(std::io::Error::other("SIGTERM exists only on Unix"))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// A folder with a shell script standing in for the backend binary.
    fn fake_backend(name: &str, script: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-backend-{name}-{}", std::process::id()));
        fresh_dir(&dir).unwrap();
        let binary = dir.join(BINARY);
        std::fs::write(&binary, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
        dir
    }

    #[test]
    fn starts_reads_the_url_and_stops_with_sigterm() {
        let ws = Workspace::locate().unwrap();
        let dir = fake_backend(
            "ok",
            "trap 'echo stopped >&2; exit 0' TERM\n\
             echo 'listening on http://127.0.0.1:4321/'\n\
             while :; do sleep 0.1; done",
        );
        let backend = Backend::start(&ws, &dir, &dir.join("data")).unwrap();
        assert_eq!(backend.url, "http://127.0.0.1:4321");
        assert!(backend.db.starts_with(dir.join("data")));
        backend.stop().unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_exit_before_listening_is_an_error_with_its_messages() {
        let ws = Workspace::locate().unwrap();
        let dir = fake_backend(
            "exits",
            "echo 'error: listening on 127.0.0.1:0: address in use' >&2\nexit 3",
        );
        let error = Backend::start(&ws, &dir, &dir.join("data"))
            .err()
            .expect("the start fails");
        let message = format!("{error:#}");
        assert!(message.contains("before it was listening"), "{message}");
        assert!(message.contains("address in use"), "{message}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_backend_that_ignores_sigterm_is_killed_and_reported() {
        let ws = Workspace::locate().unwrap();
        let dir = fake_backend(
            "stubborn",
            "trap '' TERM\n\
             echo 'listening on http://127.0.0.1:4322'\n\
             while :; do sleep 0.1; done",
        );
        let backend = Backend::start(&ws, &dir, &dir.join("data")).unwrap();
        let error = backend.stop().expect_err("it had to be killed");
        assert!(error.to_string().contains("was killed"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
