//! An app that opens several books on several threads as it starts (the parent's book and the
//! children's, a reader for the widget) must get every one of them: the very first opens in a
//! process race SQLCipher's one-time set-up. A race only happens once per process, so the test
//! runs itself again in fresh processes, each one opening books on many threads at once.

mod common;

use std::process::Command;
use std::sync::{Arc, Barrier};

use healthbook_core::HealthBook;

const CHILD: &str = "HEALTHBOOK_OPEN_AT_STARTUP_CHILD";
/// About one process in fifty hit the race before it was closed; 200 make a miss unlikely.
const PROCESSES: usize = 200;
const THREADS: usize = 8;

#[test]
fn books_opened_on_many_threads_as_the_app_starts_all_open() {
    if std::env::var_os(CHILD).is_some() {
        open_books_at_once();
        return;
    }
    let exe = std::env::current_exe().expect("the test binary");
    for attempt in 0..PROCESSES {
        let output = Command::new(&exe)
            .args([
                "--exact",
                "books_opened_on_many_threads_as_the_app_starts_all_open",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .output()
            .expect("run the test binary again");
        assert!(
            output.status.success(),
            "process {attempt}: a book opened at startup failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// In a fresh process: THREADS threads wait at a barrier, then each opens a new book.
fn open_books_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let barrier = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|i| {
            let barrier = barrier.clone();
            let path = dir
                .path()
                .join(format!("book-{i}.db"))
                .to_string_lossy()
                .into_owned();
            std::thread::spawn(move || {
                barrier.wait();
                HealthBook::open(path, common::KEY.to_vec()).map(|_| ())
            })
        })
        .collect();
    for (i, thread) in threads.into_iter().enumerate() {
        let opened = thread.join().expect("the opening thread");
        assert!(opened.is_ok(), "book {i}: {opened:?}");
    }
}
