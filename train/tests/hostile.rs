//! The trainer's edges as a careless or hostile user finds them (issue 31): `train bench`
//! refuses what the trainer refuses, a closed stdout does not end a run, a corpus that never
//! ends or is a device is refused before it fills the memory, a directory holding no run is
//! never trained into or emptied, a run that died before its first checkpoint is no dead end,
//! and `--resume` knows its corpus by content and its checkpoints by their run.
#![cfg(unix)]

mod common;

use std::process::Command;

use common::{s, small_corpus, text, tmp, train, train_cmd, train_small};
use quill_tests::cli::run_then_close_stdout;

const TINY: [&str; 8] = ["--hidden", "16", "--emb", "4", "--bs", "4", "--bptt", "8"];

fn bench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_train"))
        .arg("bench")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn train_bench_refuses_what_the_trainer_refuses() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["--bs", "0", "--hidden", "16", "--steps", "2"],
            "--bs must be at least 1",
        ),
        (
            &[
                "--bs", "0", "--hidden", "16", "--model", "lstm", "--steps", "2",
            ],
            "--bs must be at least 1",
        ),
        (&["--hidden", "0"], "--hidden must be at least 1"),
        (&["--bptt", "0"], "--bptt must be at least 1"),
        (&["--layers", "0"], "--layers must be at least 1"),
        (&["--steps", "0"], "--steps must be at least 1"),
        (
            &["--hidden", "100000"],
            "--hidden and --emb must be at most",
        ),
    ];
    for (args, want) in cases {
        let o = bench(args);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {t}");
        assert!(t.contains(want), "{args:?}: expected {want:?} in {t}");
        assert!(!t.contains("panicked"), "{args:?}: {t}");
    }
    // Within the format's limits but past the machine's memory: refused, not an abort.
    let o = Command::new(env!("CARGO_BIN_EXE_train"))
        .args(["bench", "--hidden", "4096", "--layers", "2"])
        .env("QUILL_MEM_AVAILABLE_MB", "512")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("MB available"), "{}", text(&o));
}

/// `train … | head -n 3`: the reader goes away after three lines; the run goes on to its end
/// and saves its models, and exits 0.
#[test]
fn a_closed_stdout_does_not_end_the_run() {
    let dir = tmp("hostile-pipe");
    let corpus = small_corpus(&dir);
    let run = dir.join("run");
    let (status, err) = run_then_close_stdout(
        train_cmd().args(["--corpus", s(&corpus)]).args(TINY).args([
            "--epochs",
            "4",
            "--run-dir",
            s(&run),
        ]),
        64,
    );
    assert!(status.success(), "{status:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(run.join("model-int8.quill").exists(), "{err}");
    let csv = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 4, "every epoch ran: {csv}");
}

#[test]
fn corpora_that_are_devices_or_too_large_are_refused_before_reading_them_whole() {
    let dir = tmp("hostile-corpus");
    let run = dir.join("run");
    for (corpus, want) in [
        ("/dev/zero", "is a device"),
        ("/dev/urandom", "is a device"),
    ] {
        let o = train(&["--corpus", corpus, "--run-dir", s(&run), "--quiet"]);
        assert!(
            !o.status.success() && text(&o).contains(want),
            "{}",
            text(&o)
        );
        assert!(!run.exists(), "a refused run left its directory");
    }
    // An endless pipe of text: refused at the limit this (small) machine allows.
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "yes 'all work and no play' | {} --device cpu --corpus /dev/stdin --run-dir {} --quiet",
            env!("CARGO_BIN_EXE_train"),
            s(&run)
        ))
        .env("QUILL_MEM_AVAILABLE_MB", "140")
        .output()
        .unwrap();
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(
        t.contains("MB or more") && t.contains("memory available"),
        "{t}"
    );
    assert!(!run.join("run.lock").exists(), "{t}");
    // A BOM is not a character of the text; whitespace alone is not a corpus.
    let ws = dir.join("ws.txt");
    std::fs::write(&ws, "  \n\t \n").unwrap();
    let o = train(&["--corpus", s(&ws), "--run-dir", s(&run), "--quiet"]);
    assert!(text(&o).contains("only whitespace"), "{}", text(&o));
}

#[test]
fn a_directory_holding_no_run_is_never_trained_into_or_emptied() {
    let dir = tmp("hostile-dirs");
    let corpus = small_corpus(&dir);
    let mine = dir.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    for (name, body) in [
        ("config.json", "{\"theme\": \"dark\"}"),
        ("metrics.csv", "a,b\n1,2\n"),
        ("model.quill", "not a model"),
    ] {
        std::fs::write(mine.join(name), body).unwrap();
    }
    for extra in [&[][..], &["--overwrite"][..]] {
        let o = train_small(&corpus, &mine, extra);
        let t = text(&o);
        assert!(!o.status.success(), "{extra:?}: {t}");
        assert!(t.contains("holds no Quill run"), "{t}");
        assert_eq!(
            std::fs::read_to_string(mine.join("config.json")).unwrap(),
            "{\"theme\": \"dark\"}"
        );
        assert!(mine.join("metrics.csv").exists() && mine.join("model.quill").exists());
    }
    for root in ["/", "/tmp/.."] {
        let o = train(&[
            "--corpus",
            s(&corpus),
            "--run-dir",
            root,
            "--max-steps",
            "1",
        ]);
        assert!(
            !o.status.success() && text(&o).contains("root of the file system"),
            "{}",
            text(&o)
        );
    }
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let o = train_cmd()
        .args([
            "--corpus",
            s(&corpus),
            "--run-dir",
            s(&home),
            "--max-steps",
            "1",
        ])
        .env("HOME", &home)
        .output()
        .unwrap();
    assert!(text(&o).contains("home directory"), "{}", text(&o));
}

/// A run that stopped before its first checkpoint (here: an absurd learning rate gives a NaN
/// on the first step) left only its config: rerunning the command starts over, with a note,
/// and `--resume` says there is nothing to continue.
#[test]
fn a_run_without_a_checkpoint_is_started_over() {
    let dir = tmp("hostile-nan");
    let corpus = small_corpus(&dir);
    let run = dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    // What such a run leaves: its signed config.json and nothing else.
    let o = train_small(&corpus, &run, &["--max-steps", "1", "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    let config = std::fs::read_to_string(run.join("config.json")).unwrap();
    assert!(config.contains("\"trainer\": \"quill train\""), "{config}");
    for f in std::fs::read_dir(&run).unwrap() {
        let p = f.unwrap().path();
        if !p.ends_with("config.json") {
            std::fs::remove_file(p).unwrap();
        }
    }
    let o = train(&["--resume", s(&run)]);
    assert!(
        !o.status.success() && text(&o).contains("stopped before its first checkpoint"),
        "{}",
        text(&o)
    );
    let o = train_small(&corpus, &run, &["--max-steps", "1", "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("starting over"), "{}", text(&o));
    assert!(run.join("checkpoint.bin").exists());
}

#[test]
fn resume_knows_its_corpus_by_content_and_its_checkpoints_by_their_run() {
    let dir = tmp("hostile-resume");
    let corpus = small_corpus(&dir);
    let run = dir.join("run");
    let o = train_small(&corpus, &run, &["--max-steps", "2", "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    // The path was stored absolute: resuming from another directory, or naming the corpus by
    // its absolute path, is the same run.
    let o = train_cmd()
        .current_dir("/")
        .args(["--resume", s(&run), "--max-steps", "3", "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let absolute = std::fs::canonicalize(&corpus).unwrap();
    let o = train(&[
        "--resume",
        s(&run),
        "--corpus",
        s(&absolute),
        "--max-steps",
        "4",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    // The same characters, other text: refused, saying what changed.
    let original = std::fs::read_to_string(&corpus).unwrap();
    let mut edited: Vec<char> = original.chars().collect();
    edited.swap(10, 20);
    std::fs::write(&corpus, edited.iter().collect::<String>()).unwrap();
    let o = train(&["--resume", s(&run), "--max-steps", "5", "--quiet"]);
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(
        t.contains("corpus changed") && t.contains("different content"),
        "{t}"
    );
    std::fs::write(&corpus, &original).unwrap();
    // A checkpoint copied in from another run of the same shape: refused, config kept.
    let other = dir.join("other");
    let o = train_small(&corpus, &other, &["--max-steps", "2", "--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    let config = std::fs::read_to_string(run.join("config.json")).unwrap();
    std::fs::copy(other.join("checkpoint.bin"), run.join("checkpoint.bin")).unwrap();
    let o = train(&["--resume", s(&run), "--max-steps", "6", "--quiet"]);
    assert!(
        !o.status.success() && text(&o).contains("belongs to another run"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::read_to_string(run.join("config.json")).unwrap(),
        config
    );
}

#[test]
fn counts_and_splits_are_named_by_their_own_flags() {
    let dir = tmp("hostile-flags");
    let corpus = small_corpus(&dir);
    let run = dir.join("run");
    for (args, want) in [
        (&["--cycles", "0"][..], "--cycles must be at least 1"),
        (&["--cycle-len", "0"][..], "--cycle-len must be at least 1"),
        (
            &["--schedule", "constant", "--cycles", "0"][..],
            "--cycles must be at least 1",
        ),
        (
            &["--bs", "100000"][..],
            "use a longer corpus or a smaller --bs",
        ),
        (&["--valid-frac", "0.0001"][..], "larger --valid-frac"),
    ] {
        let o = train(
            &[
                &["--corpus", s(&corpus), "--run-dir", s(&run), "--quiet"][..],
                args,
            ]
            .concat(),
        );
        let t = text(&o);
        assert!(!o.status.success() && t.contains(want), "{args:?}: {t}");
        assert!(!t.contains("--epochs must"), "{args:?}: {t}");
    }
    let o = train(&[
        "--corpus",
        s(&corpus),
        "--run-dir",
        s(&run),
        "--bs",
        "100000",
    ]);
    assert!(!text(&o).contains("--valid-frac"), "{}", text(&o));
}
