//! Nothing lost, nothing silently wrong: the trainer as a careless or hostile user runs it. A
//! run directory is locked and an earlier run in it is kept, `--resume` checks every flag it is
//! given, impossible sizes are refused before anything is allocated, and a failed checkpoint
//! write leaves no temporary file.
#![cfg(unix)]

mod common;

use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{s, small_corpus, text, tmp, train, train_cmd, train_small};
use quill_tests::cli::{KillOnDrop, run_sh, temp_files};

const T: &str = env!("CARGO_BIN_EXE_train");
/// A model that trains in a blink.
const TINY: [&str; 8] = ["--hidden", "16", "--emb", "4", "--bs", "4", "--bptt", "8"];

/// Runs `train` through `sh` with `prefix` (ulimit, trap) before `exec`.
fn train_sh(prefix: &str, args: &[&str]) -> Output {
    let args: Vec<&str> = ["--device", "cpu"].iter().chain(args).copied().collect();
    run_sh(T, prefix, &args)
}

/// A full disk, simulated with a file-size limit (`ulimit -f`, SIGXFSZ ignored so the write
/// fails with EFBIG): a clean error, no temporary file left, older files kept.
#[test]
fn a_failed_checkpoint_write_leaves_no_temporary_file() {
    let dir = tmp("nl-full");
    let corpus = small_corpus(&dir);
    let full = "trap '' XFSZ; ulimit -f 2";
    // The trainer: its checkpoint write fails, the run directory keeps no temporary file.
    let run = dir.join("run2");
    let o = train_sh(
        full,
        &[
            "--corpus",
            s(&corpus),
            "--hidden",
            "64",
            "--emb",
            "8",
            "--bs",
            "4",
            "--bptt",
            "8",
            "--max-steps",
            "2",
            "--run-dir",
            s(&run),
            "--quiet",
        ],
    );
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("checkpoint"), "{}", text(&o));
    assert!(temp_files(&run).is_empty(), "{:?}", temp_files(&run));
}

#[test]
fn an_earlier_run_is_kept_unless_resume_or_overwrite() {
    let dir = tmp("nl-rundir");
    let corpus = small_corpus(&dir);
    let run = dir.join("run");
    let o = train_small(&corpus, &run, &["--max-steps", "3", "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    let checkpoint = std::fs::read(run.join("checkpoint.bin")).unwrap();
    std::fs::write(run.join("cycle-9.quill"), "an old cycle").unwrap();
    std::fs::write(run.join("notes.txt"), "mine").unwrap();
    let o = train_small(
        &corpus,
        &run,
        &["--seed", "5", "--max-steps", "3", "--quiet"],
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("earlier run") && t.contains("--resume") && t.contains("--overwrite"),
        "{t}"
    );
    assert_eq!(
        std::fs::read(run.join("checkpoint.bin")).unwrap(),
        checkpoint
    );
    assert!(run.join("cycle-9.quill").exists() && run.join("config.json").exists());
    // --overwrite replaces that run's files, and only those.
    let o = train_small(
        &corpus,
        &run,
        &["--seed", "5", "--max-steps", "3", "--overwrite", "--quiet"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(!run.join("cycle-9.quill").exists());
    assert_eq!(
        std::fs::read_to_string(run.join("notes.txt")).unwrap(),
        "mine"
    );
    let config = std::fs::read_to_string(run.join("config.json")).unwrap();
    assert!(config.contains("\"seed\": 5"), "{config}");
    assert!(!run.join("run.lock").exists());
}

#[test]
fn two_trainers_cannot_share_a_run_directory_and_a_stale_lock_is_taken_over() {
    let dir = tmp("nl-lock");
    let corpus = small_corpus(&dir);
    let run = dir.join("run");
    // The first trainer pauses inside every checkpoint write, so it is still running.
    let first = train_cmd()
        .args(["--corpus", s(&corpus)])
        .args(TINY)
        .args([
            "--epochs",
            "50",
            "--checkpoint-every",
            "1",
            "--run-dir",
            s(&run),
            "--quiet",
        ])
        .env("QUILL_FAULT_CHECKPOINT_PAUSE_MS", "400")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed however the test ends.
    let mut first = KillOnDrop(first);
    let started = Instant::now();
    while !run.join(".checkpoint.bin.tmp").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "first trainer never checkpointed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let lock = std::fs::read_to_string(run.join("run.lock")).unwrap();
    assert_eq!(lock, format!("pid {}", first.0.id()));
    let o = train_small(&corpus, &run, &["--overwrite", "--quiet"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("in use by another trainer") && text(&o).contains(&lock),
        "{}",
        text(&o)
    );
    let o = train(&["--resume", s(&run), "--quiet"]);
    assert!(
        !o.status.success() && text(&o).contains("in use"),
        "{}",
        text(&o)
    );
    // Killed: its lock file stays, but the lock is free and the next trainer takes it over.
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    assert!(run.join("run.lock").exists());
    let o = train_small(
        &corpus,
        &run,
        &["--overwrite", "--max-steps", "1", "--quiet"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("stale lock"), "{}", text(&o));
    assert!(!run.join("run.lock").exists());
}

#[test]
fn resume_checks_every_flag_it_is_given() {
    let dir = tmp("nl-resume");
    let corpus = small_corpus(&dir);
    let run = dir.join("run");
    let original = [["--corpus", s(&corpus), "--quiet"].as_slice(), &TINY].concat();
    let mut first = original.to_vec();
    first.extend(["--run-dir", s(&run), "--max-steps", "3"]);
    let o = train(&first);
    assert!(o.status.success(), "{}", text(&o));
    for (flag, value) in [
        ("--clip", Some("5")),
        ("--bptt", Some("32")),
        ("--valid-frac", Some("0.2")),
        ("--min-freq", Some("2")),
        ("--jitter", None),
        ("--bs", Some("8")),
        ("--momentum", Some("0.5")),
        ("--cycle-mult", Some("3")),
        ("--run-dir", Some("elsewhere")),
    ] {
        let mut args = vec!["--resume", s(&run), "--quiet", flag];
        args.extend(value);
        let o = train(&args);
        assert!(!o.status.success(), "{flag} was accepted: {}", text(&o));
        assert!(text(&o).contains(flag), "{flag}: {}", text(&o));
    }
    // The original command with --resume (and its own --run-dir) is the same run.
    let mut again = original.to_vec();
    again.extend([
        "--resume",
        s(&run),
        "--run-dir",
        s(&run),
        "--max-steps",
        "5",
    ]);
    let o = train(&again);
    assert!(o.status.success(), "{}", text(&o));
    // Run control is applied: a new checkpoint interval is saved.
    let o = train(&[
        "--resume",
        s(&run),
        "--max-steps",
        "6",
        "--checkpoint-every",
        "7",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let config = std::fs::read_to_string(run.join("config.json")).unwrap();
    assert!(config.contains("\"checkpoint_every\": 7"), "{config}");
}

#[test]
fn impossible_sizes_are_refused_before_anything_is_allocated_or_written() {
    let dir = tmp("nl-sizes");
    let corpus = small_corpus(&dir);
    let o = train(&[
        "--cycle-mult",
        "1000",
        "--cycles",
        "10",
        "--run-dir",
        s(&dir.join("a")),
    ]);
    assert!(
        !o.status.success() && text(&o).contains("--cycle-mult"),
        "{}",
        text(&o)
    );
    assert!(!dir.join("a").exists());
    let o = train(&["--epochs", "5000000", "--run-dir", s(&dir.join("b"))]);
    assert!(
        !o.status.success() && text(&o).contains("epochs"),
        "{}",
        text(&o)
    );
    let big = dir.join("big");
    let o = train(&[
        "--corpus",
        s(&corpus),
        "--hidden",
        "16384",
        "--emb",
        "16384",
        "--run-dir",
        s(&big),
    ]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 GiB"), "{}", text(&o));
    assert!(!big.exists(), "the refused run left its directory");
    let small_machine = train_cmd()
        .args([
            "--corpus",
            s(&corpus),
            "--hidden",
            "512",
            "--run-dir",
            s(&big),
        ])
        .env("QUILL_MEM_AVAILABLE_MB", "16")
        .output()
        .unwrap();
    assert!(!small_machine.status.success());
    assert!(
        text(&small_machine).contains("16 MB available"),
        "{}",
        text(&small_machine)
    );
    assert!(!big.exists());
}
