//! The `quill` binary as a person runs it, on a model the trainer wrote (the fixture
//! `tests/fixtures/cat-gru-1x32.quill`: GRU 1x32 trained by `train --corpus small.txt --hidden 32
//! --emb 8 --bs 8 --bptt 16 --cycles 2` on `quill_tests::cli::cat_corpus`) and on PyTorch state
//! dicts.

mod common;

use std::path::Path;
use std::process::Command;

use common::{cat_corpus, cat_model, quill, s, text, tmp};

#[test]
fn sample_export_and_inspect_work_on_a_trained_model() {
    let dir = tmp("cli-subcommands");
    let corpus = cat_corpus(&dir);
    let model = cat_model(&dir);
    let greedy = ["--prime", "the c", "--n", "30", "--temperature", "0"];
    let sample = || quill(&[["sample", "--model", s(&model)].as_slice(), &greedy].concat());
    let o = sample();
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("the c") && out.trim_end().chars().count() >= 30,
        "{out}"
    );
    // Greedy sampling is deterministic.
    assert_eq!(o.stdout, sample().stdout);

    let out8 = dir.join("re-int8.quill");
    let o = quill(&[
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
fn inspect_describes_a_model_and_its_memory() {
    let dir = tmp("cli-inspect");
    let model = cat_model(&dir);
    let o = quill(&["inspect", "--model", model.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    for needle in [
        "gru 1x32, embedding 8",
        "self-test: passed",
        "Cortex-M4/M7",
        "quill-train",
    ] {
        assert!(t.contains(needle), "{needle}: {t}");
    }
    let o = quill(&["inspect", "--model", model.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["hidden"], 32);
    assert_eq!(v["weights"], "f32");
    let chars = v["characters"].as_str().unwrap();
    assert!(chars.contains('c') && chars.contains(' '), "{chars}");
    // The per-target RAM is the runtime's own buffer size.
    let bytes = std::fs::read(&model).unwrap();
    let aligned = format::AlignedBytes::new(&bytes);
    let m = runtime::Model::from_bytes(&aligned).unwrap();
    let host = runtime::Predictor::buffer_len(&m).unwrap() * 4;
    let rows = v["ram"].as_array().unwrap();
    assert!(
        rows.iter().any(|r| r["per_step_bytes"] == host),
        "{rows:?} vs {host}"
    );
    // The DSP kernel's activation pairs make Cortex-M4/M7 need more than aarch64 (the NEON
    // kernels' signed copy), and aarch64 more than the plain targets.
    let ram = |i: usize| rows[i]["per_step_bytes"].as_u64().unwrap();
    assert!(ram(1) > ram(2) && ram(2) > ram(3), "{rows:?}");
}

#[test]
fn model_files_that_are_not_models_are_refused_clearly() {
    let dir = tmp("cli-bad-models");
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    };
    // Model files that are not models.
    let truncated = write("cut.quill", b"QUIL\x01\x00\x00\x00\xff\x00\x00\x00abc");
    let o = quill(&["sample", "--model", &truncated]);
    assert!(
        !o.status.success() && text(&o).contains("cut short"),
        "{}",
        text(&o)
    );
    let out = dir.join("never.quill");
    let o = quill(&[
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
    let o = quill(&["sample", "--model", "/nonexistent/model.quill"]);
    assert!(
        !o.status.success() && text(&o).contains("cannot read /nonexistent/model.quill"),
        "{}",
        text(&o)
    );
    let other_version = write(
        "v9.quill",
        b"QUIL\x09\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
    );
    let o = quill(&["sample", "--model", &other_version]);
    assert!(
        !o.status.success() && text(&o).contains("version 9"),
        "{}",
        text(&o)
    );
}

#[test]
fn the_keyboard_demo_and_the_evaluator_work_on_a_trained_model() {
    let dir = tmp("cli-keyboard");
    let corpus = cat_corpus(&dir);
    let model = cat_model(&dir);
    let o = quill(&[
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
    // types exactly what was shown (no space: every front end's session does the same).
    assert!(panels[4].contains("words: cat "), "{}", panels[4]);
    assert!(panels[5].starts_with("Tab]\n> the cat▏"), "{}", panels[5]);
    // Three Backspaces after "sat" restore exactly the panel shown after the Tab.
    let body = |p: &str| p.split_once('\n').unwrap().1.to_string();
    assert_eq!(body(panels[11]), body(panels[5]), "{out}");
    assert!(!out.contains("Char('x')"));

    // Piped keys (control bytes) give the same panels as the escapes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_quill"))
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
    let o = quill(&[
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
        toolkit::scoring::score_with_runtime(&std::fs::read(&model).unwrap(), body.chars().map(Ok))
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
    let o = quill(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--text",
        "/nonexistent.txt",
    ]);
    assert!(!o.status.success() && text(&o).contains("cannot read --text /nonexistent.txt"));

    // Without a terminal and without --script: a clear refusal.
    let o = Command::new(env!("CARGO_BIN_EXE_quill"))
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
        quill(&args)
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
    let r = quill(&["sample", "--model", o, "--prime", "the ", "--n", "20"]);
    assert!(r.status.success(), "{}", text(&r));
}
