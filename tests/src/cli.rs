//! Helpers for the tests that run Quill's binaries (`train`, `quill`) as a person would.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};

/// A fresh, empty directory `name` under `root` (a test's `CARGO_TARGET_TMPDIR`).
pub fn fresh_dir(root: &str, name: &str) -> PathBuf {
    let d = Path::new(root).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create the test directory");
    d
}

/// stdout then stderr, for assertions on what a person would see.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The corpus of the CLI tests ("the cat sat on mat N . " 300 times, a few KB): the
/// fixture model `quill/tests/fixtures/cat-gru-1x32.quill` was trained on it.
pub fn cat_corpus(dir: &Path) -> PathBuf {
    let p = dir.join("small.txt");
    let body: String = (0..300)
        .map(|i| format!("the cat sat on mat {} . ", i % 7))
        .collect();
    std::fs::write(&p, body).expect("write the corpus");
    p
}

/// Argument path as `&str` (test paths are UTF-8).
pub fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 test path")
}

/// Runs `exe` through `sh -c` with `prefix` (a `ulimit`, a `trap`) before `exec`: limits that
/// the test cannot set on its own process.
pub fn run_sh(exe: &str, prefix: &str, args: &[&str]) -> Output {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{prefix}; exec '{exe}' {}", quoted.join(" ")))
        .output()
        .expect("run sh")
}

/// The `*.tmp` files in `dir`: what an interrupted or failed write would leave.
pub fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read the test directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// A child process killed however the test ends (a failed assertion included).
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `cmd`, reads the first `bytes` of its stdout and closes it, as `| head -c N` does, and
/// returns how the command ended and its stderr.
pub fn run_then_close_stdout(cmd: &mut Command, bytes: usize) -> (ExitStatus, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the command");
    {
        // The pipe closes when `out` goes out of scope here, as `head` closes it.
        let mut out = child.stdout.take().expect("piped stdout");
        let mut first = vec![0u8; bytes];
        out.read_exact(&mut first)
            .expect("the first bytes of stdout");
    }
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    (child.wait().expect("wait for the command"), err)
}
