//! The `train` binary as a person runs it: a complete small run and its files, the
//! subcommands, and clear failures on bad input.

mod common;

use std::path::Path;
use std::process::Command;

use common::{small_corpus, text, tmp, train, train_small};

#[test]
fn a_complete_small_run_writes_every_file_and_the_subcommands_use_them() {
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

    let model = run.join("model.quill");
    let o = train(&[
        "sample",
        "--model",
        model.to_str().unwrap(),
        "--prime",
        "the c",
        "--n",
        "30",
        "--temperature",
        "0",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.starts_with("the c") && s.trim_end().chars().count() >= 30,
        "{s}"
    );
    // Greedy sampling is deterministic.
    let again = train(&[
        "sample",
        "--model",
        model.to_str().unwrap(),
        "--prime",
        "the c",
        "--n",
        "30",
        "--temperature",
        "0",
    ]);
    assert_eq!(o.stdout, again.stdout);

    let out8 = dir.join("re-int8.quill");
    let o = train(&[
        "export",
        "--model",
        model.to_str().unwrap(),
        "--quant",
        "int8",
        "--out",
        out8.to_str().unwrap(),
        "--text",
        corpus.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("nats/char"), "{}", text(&o));
    assert!(std::fs::metadata(&out8).unwrap().len() < std::fs::metadata(&model).unwrap().len());
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
    // Model files that are not models.
    let truncated = write("cut.quill", b"QUIL\x01\x00\x00\x00\xff\x00\x00\x00abc");
    let o = train(&["sample", "--model", &truncated]);
    assert!(
        !o.status.success() && text(&o).contains("cut short"),
        "{}",
        text(&o)
    );
    let out = dir.join("never.quill");
    let o = train(&[
        "export",
        "--model",
        &truncated,
        "--quant",
        "int8",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        !o.status.success() && text(&o).contains("cut short") && !out.exists(),
        "{}",
        text(&o)
    );
    let o = train(&["sample", "--model", "/nonexistent/model.quill"]);
    assert!(
        !o.status.success() && text(&o).contains("cannot read /nonexistent/model.quill"),
        "{}",
        text(&o)
    );
    let other_version = write(
        "v9.quill",
        b"QUIL\x09\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    );
    let o = train(&["sample", "--model", &other_version]);
    assert!(
        !o.status.success() && text(&o).contains("version 9"),
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

#[test]
fn the_keyboard_demo_and_the_evaluator_work_on_a_trained_model() {
    let dir = tmp("cli-keyboard");
    let corpus = small_corpus(&dir);
    let run = dir.join("run");
    let o = train_small(&corpus, &run, &["--quiet"]);
    assert!(o.status.success(), "{}", text(&o));
    let model = run.join("model.quill");
    let o = train(&[
        "keyboard",
        "--model",
        model.to_str().unwrap(),
        "--script",
        "the c\\tsat\\b\\b\\b\\ex",
    ]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{}", text(&o));
    let panels: Vec<&str> = out.split("[").skip(1).collect();
    // 5 chars, Tab, 3 chars, 3 Backspaces; Esc stops before the 'x'.
    assert_eq!(panels.len(), 12, "{out}");
    for p in &panels {
        assert!(p.contains("next:") && p.contains("words:"), "{p}");
    }
    // The corpus is "the cat sat on mat N . …": after "the c" the best word is "cat", and Tab
    // types it with a space.
    assert!(panels[4].contains("words: cat "), "{}", panels[4]);
    assert!(panels[5].starts_with("Tab]\n> the cat ▏"), "{}", panels[5]);
    // Three Backspaces after "sat" restore exactly the panel shown after the Tab.
    let body = |p: &str| p.split_once('\n').unwrap().1.to_string();
    assert_eq!(body(panels[11]), body(panels[5]), "{out}");
    assert!(!out.contains("Char('x')"));

    // Piped keys (control bytes) give the same panels as the escapes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_train"))
        .args([
            "keyboard",
            "--model",
            model.to_str().unwrap(),
            "--script",
            "-",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"the c\tsat\x7f\x7f\x08\x1bx")
        .unwrap();
    let piped = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&piped.stdout), out);

    // The evaluator: JSON figures consistent with the exporter's runtime scoring and with
    // their own definitions.
    let o = train(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--text",
        corpus.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k} in {v}"));
    let body = std::fs::read_to_string(&corpus).unwrap();
    let scores =
        train::export::score_with_runtime(&std::fs::read(&model).unwrap(), body.chars().map(Ok))
            .unwrap();
    assert!(
        (f("nats_per_char") - scores.loss).abs() < 1e-9,
        "{v} vs {scores:?}"
    );
    // One definition of accuracy (`Predictor::rank_of`): eval and export agree exactly.
    assert!(
        (f("top1_accuracy") - scores.accuracy).abs() < 1e-12,
        "{v} vs {scores:?}"
    );
    assert!(f("top3_accuracy") >= f("top1_accuracy"));
    assert_eq!(f("chars") as usize, body.chars().count());
    let (chars, keys) = (f("chars"), f("keystrokes"));
    assert!((f("keystroke_savings_rate") - (1.0 - keys / chars)).abs() < 1e-12);
    // "the cat sat on mat N . " is easy: most words are completed, saving keystrokes.
    assert!(f("words_completed") <= f("words") && f("words_completed") > 0.5 * f("words"));
    assert!(f("keystroke_savings_rate") > 0.2, "{v}");
    let o = train(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--text",
        "/nonexistent.txt",
    ]);
    assert!(!o.status.success() && text(&o).contains("cannot read --text /nonexistent.txt"));

    // Without a terminal and without --script: a clear refusal.
    let o = Command::new(env!("CARGO_BIN_EXE_train"))
        .args(["keyboard", "--model", model.to_str().unwrap()])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        !o.status.success() && text(&o).contains("--script"),
        "{}",
        text(&o)
    );
}

#[test]
fn import_torch_converts_a_pytorch_state_dict_and_explains_a_bad_one() {
    let dir = tmp("cli-import-torch");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../torch-import/tests/fixtures");
    let weights = fixtures.join("gru-1x7-fastai-names.safetensors");
    let vocab = fixtures.join("gru-1x7-fastai-names.vocab.json");
    let out = dir.join("imported-int8.quill");
    let (w, v, o) = (
        weights.to_str().unwrap(),
        vocab.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let import = |extra: &[&str]| {
        let mut args = vec!["import-torch", "--weights", w, "--vocab", v, "--out", o];
        args.extend_from_slice(extra);
        train(&args)
    };
    // fastai names and a fastai vocabulary: refused with the flags that fix it, nothing written.
    let r = import(&[]);
    assert!(!r.status.success());
    assert!(text(&r).contains("--drop \"xxbos\""), "{}", text(&r));
    assert!(!out.exists());
    let r = import(&["--drop", "xxbos"]);
    assert!(text(&r).contains("--embedding-key"), "{}", text(&r));
    let r = import(&[
        "--drop",
        "xxbos",
        "--embedding-key",
        "i_h.weight",
        "--output-prefix",
        "h_o.",
        "--quant",
        "int8",
    ]);
    assert!(r.status.success(), "{}", text(&r));
    assert!(
        text(&r).contains("gru × 1 layer(s), embedding 5, hidden 7"),
        "{}",
        text(&r)
    );
    assert!(text(&r).contains("\"xxunk\""), "{}", text(&r));
    // The file passes the runtime's self-test and works with the other subcommands.
    let bytes = std::fs::read(&out).unwrap();
    let aligned = format::AlignedBytes::new(&bytes);
    let m = runtime::Model::from_bytes(aligned.as_slice()).unwrap();
    assert_eq!(m.weight_dtype(), format::DType::Int8);
    let mut buf = vec![0f32; runtime::Predictor::buffer_len(&m).unwrap()];
    runtime::Predictor::new(&m, &mut buf)
        .unwrap()
        .self_test()
        .unwrap();
    let r = train(&["sample", "--model", o, "--prime", "the ", "--n", "20"]);
    assert!(r.status.success(), "{}", text(&r));
}
