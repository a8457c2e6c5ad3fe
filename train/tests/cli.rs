//! The `train` binary as a person runs it: a complete small run and its files, the lesson's
//! window models, and clear failures on bad input (the tools on model files are `quill`'s,
//! tested in `quill/tests`).

mod common;

use common::{small_corpus, text, tmp, train, train_small};

#[test]
fn a_complete_small_run_writes_every_file() {
    let dir = tmp("cli-run");
    let corpus = small_corpus(&dir);
    let run = dir.join("run");
    let o = train_small(&corpus, &run, &[]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    for f in [
        "config.json",
        "metrics.csv",
        "loss.svg",
        "model.quill",
        "model-int8.quill",
        "checkpoint.bin",
        "cycle-1.quill",
        "cycle-2.quill",
    ] {
        assert!(run.join(f).exists(), "missing {f}\n{out}");
    }
    // The lesson-style table: a header and one row per epoch (1 + 2 epochs for 2 cycles).
    assert!(
        out.contains("train_loss") && out.contains("val_bpc") && out.contains("val_acc"),
        "{out}"
    );
    let csv = std::fs::read_to_string(run.join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3, "{csv}");
    assert!(
        std::fs::read_to_string(run.join("loss.svg"))
            .unwrap()
            .contains("<svg")
    );
    assert!(out.contains("int8 cost"), "{out}");
}

#[test]
fn bad_inputs_fail_clearly_and_write_nothing() {
    let dir = tmp("cli-bad");
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    };
    let invalid = write("latin1.txt", b"caf\xe9 au lait");
    let empty = write("empty.txt", b"");
    let binary = write("bin.dat", b"\x7fELF\x00\x01\x02");
    let single = write("single.txt", b"aaaaaaaaaaaaaaaa");
    let run = dir.join("run");
    let r = run.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--corpus", "/nonexistent/corpus.txt"],
            "cannot read corpus",
        ),
        (vec!["--corpus", &empty], "is empty"),
        (vec!["--corpus", &binary], "binary"),
        (vec!["--corpus", &invalid], "byte offset 3"),
        (vec!["--corpus", &single], "at least 2"),
        (vec!["--hidden", "0"], "--hidden must be at least 1"),
        (vec!["--bs", "0"], "--bs must be at least 1"),
        (vec!["--lr", "-0.1"], "--lr must be in (0, 1]"),
        (vec!["--dropout", "1.5"], "--dropout must be in [0, 1)"),
        (vec!["--layers", "9"], "at most 8"),
        (vec!["--hidden", "-5"], "invalid value '-5' for '--hidden"),
        (vec!["--bptt", "0"], "--bptt must be at least 1"),
        (vec!["--clip", "0"], "--clip must be a positive number"),
        (
            vec!["--valid-frac", "0.9"],
            "--valid-frac must be in (0, 0.5)",
        ),
    ];
    for (args, want) in cases {
        let mut a = args.clone();
        a.extend(["--run-dir", r, "--quiet"]);
        let o = train(&a);
        assert!(!o.status.success(), "{args:?} should fail");
        let msg = text(&o);
        assert!(msg.contains(want), "{args:?}: expected {want:?} in {msg}");
        assert!(
            !run.join("model.quill").exists() && !run.join("checkpoint.bin").exists(),
            "{args:?} wrote files"
        );
    }
    // A run directory that cannot be created (its parent is a file; permissions would not
    // stop root, which CI may be).
    let file = write("a-file", b"x");
    let o = train(&["--run-dir", &format!("{file}/run"), "--quiet"]);
    assert!(
        !o.status.success() && text(&o).contains("cannot create run directory"),
        "{}",
        text(&o)
    );
    let o = train(&["--resume", dir.join("nowhere").to_str().unwrap()]);
    assert!(
        !o.status.success() && text(&o).contains("cannot resume") && !dir.join("nowhere").exists(),
        "{}",
        text(&o)
    );
}

#[test]
fn the_lessons_window_models_train_and_report() {
    let dir = tmp("cli-lesson");
    let corpus = small_corpus(&dir);
    for model in ["char3", "loop", "loop-concat"] {
        let run = dir.join(model);
        let o = train(&[
            "--corpus",
            corpus.to_str().unwrap(),
            "--model",
            model,
            "--hidden",
            "32",
            "--emb",
            "8",
            "--bs",
            "64",
            "--epochs",
            "2",
            "--run-dir",
            run.to_str().unwrap(),
        ]);
        let out = text(&o);
        assert!(o.status.success(), "{model}: {out}");
        assert!(
            out.contains("val_acc")
                && out.contains("next-char guesses")
                && out.contains("not exported"),
            "{out}"
        );
        assert_eq!(
            std::fs::read_to_string(run.join("metrics.csv"))
                .unwrap()
                .lines()
                .count(),
            3
        );
        assert!(run.join("model.bin").exists() && run.join("loss.svg").exists());
    }
}

/// A device this build was not made for: the flag that builds it, before anything is written.
#[cfg(not(feature = "cuda"))]
#[test]
fn a_device_the_build_lacks_names_the_feature_that_adds_it() {
    let dir = tmp("cli-no-cuda");
    let run = dir.join("run");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_train"))
        .args(["--device", "cuda", "--max-steps", "2", "--run-dir"])
        .arg(&run)
        .output()
        .unwrap();
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("--features cuda") && text(&o).contains("--device cpu"),
        "{}",
        text(&o)
    );
    assert!(!run.exists(), "a refused run left its directory");
}
