//! Nothing lost, nothing silently wrong: `quill` as a careless or hostile user runs it.
//! Writes replace only regular files and leave no temporary file behind, model files and state
//! dicts are read header first with bounded memory, a model that cannot run is refused, every
//! accuracy counts ties as the keyboard shows them, and `eval` and `sample` stream.
#![cfg(unix)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{cat_model, quill, s, text, tmp};
use format::{Architecture, CellKind, OwnedLayer, OwnedMetadata, OwnedModel, OwnedTensor};
use quill_tests::cli::{KillOnDrop, run_sh, temp_files};

const Q: &str = env!("CARGO_BIN_EXE_quill");

/// Runs `quill` through `sh` with `prefix` (ulimit, trap) before `exec`.
fn quill_sh(prefix: &str, args: &[&str]) -> Output {
    run_sh(Q, prefix, args)
}

/// A 2 GB file of zero bytes that takes no disk space.
fn sparse_file(path: &Path) {
    std::fs::File::create(path)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
}

/// A GRU 1x4 over `vocab` with every weight `w` and the output weights `out`, written without
/// the exporter's checks (as a foreign tool could).
fn constant_model(path: &Path, vocab: &[char], w: f32, out: f32) {
    let (v, e, h) = (vocab.len() + 1, 3, 4);
    let m = OwnedModel {
        arch: Architecture {
            cell: CellKind::Gru,
            layers: 1,
            embed: e as u32,
            hidden: h as u32,
            vocab: v as u32,
        },
        vocab: vocab.to_vec(),
        embedding: OwnedTensor::matrix(v, e, vec![w; v * e]),
        layers: vec![OwnedLayer {
            weight_ih: OwnedTensor::matrix(3 * h, e, vec![w; 3 * h * e]),
            weight_hh: OwnedTensor::matrix(3 * h, h, vec![w; 3 * h * h]),
            bias_ih: OwnedTensor::vector(vec![w; 3 * h]),
            bias_hh: OwnedTensor::vector(vec![w; 3 * h]),
        }],
        output_weight: OwnedTensor::matrix(v, h, vec![out; v * h]),
        output_bias: OwnedTensor::vector(vec![0.0; v]),
        metadata: OwnedMetadata::default(),
        self_test: None,
    };
    std::fs::write(path, m.to_bytes().unwrap()).unwrap();
}

#[test]
fn writes_replace_only_regular_files_unless_forced() {
    let dir = tmp("nl-writes");
    let model = cat_model(&dir);
    let m = s(&model);
    let fifo = dir.join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let target = dir.join("target.txt");
    std::fs::write(&target, "keep me").unwrap();
    let link = dir.join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let subdir = dir.join("sub");
    std::fs::create_dir(&subdir).unwrap();
    for (out, what) in [
        (&fifo, "a FIFO"),
        (&link, "a symbolic link"),
        (&subdir, "a directory"),
        (&PathBuf::from("/dev/null"), "a device"),
    ] {
        let o = quill(&["export", "--model", m, "--out", s(out)]);
        assert!(!o.status.success(), "{what}: {}", text(&o));
        assert!(text(&o).contains(what), "{}", text(&o));
    }
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo_like()
    );
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    // --force follows the link (the link stays) and writes into a device in place.
    let o = quill(&["export", "--model", m, "--out", s(&link), "--force"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(&std::fs::read(&target).unwrap()[..4], b"QUIL");
    let o = quill(&["export", "--model", m, "--out", "/dev/null", "--force"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    // A directory is never written through.
    let o = quill(&["export", "--model", m, "--out", s(&subdir), "--force"]);
    assert!(!o.status.success());
    // import-torch shares the writer.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../torch-import/tests/fixtures");
    let o = quill(&[
        "import-torch",
        "--weights",
        s(&fixtures.join("gru-2x8-lesson.safetensors")),
        "--vocab",
        s(&fixtures.join("gru-2x8-lesson.vocab.json")),
        "--out",
        s(&link),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("a symbolic link"), "{}", text(&o));
    assert!(temp_files(&dir).is_empty(), "{:?}", temp_files(&dir));
}

trait FifoLike {
    fn is_fifo_like(&self) -> bool;
}
impl FifoLike for std::fs::FileType {
    fn is_fifo_like(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.is_fifo()
    }
}

/// A full disk, simulated with a file-size limit (`ulimit -f`, SIGXFSZ ignored so the write
/// fails with EFBIG): a clean error, no temporary file left, older files kept.
#[test]
fn a_failed_write_leaves_no_temporary_file() {
    let dir = tmp("nl-full");
    let model = cat_model(&dir);
    let out = dir.join("e.quill");
    let full = "trap '' XFSZ; ulimit -f 2";
    let o = quill_sh(
        full,
        &[
            "export",
            "--model",
            s(&model),
            "--quant",
            "f32",
            "--out",
            s(&out),
        ],
    );
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("cannot write"), "{}", text(&o));
    assert!(!out.exists());
    assert!(temp_files(&dir).is_empty(), "{:?}", temp_files(&dir));
}

#[test]
fn model_files_are_read_header_first_with_bounded_memory() {
    let dir = tmp("nl-read");
    let model = cat_model(&dir);
    let sparse = dir.join("sparse");
    sparse_file(&sparse);
    // 1 GB of address space: reading either input whole would fail.
    let cap = "ulimit -v 1000000";
    for cmd in [
        vec!["sample", "--model", "/dev/zero"],
        vec!["eval", "--model", "/dev/urandom"],
        vec!["export", "--model", s(&sparse)],
        vec!["keyboard", "--model", s(&sparse), "--script", "a"],
        vec![
            "import-torch",
            "--weights",
            s(&sparse),
            "--vocab",
            s(&sparse),
        ],
        vec![
            "import-torch",
            "--weights",
            "/dev/zero",
            "--vocab",
            "/dev/zero",
        ],
    ] {
        let o = quill_sh(cap, &cmd);
        assert!(!o.status.success(), "{cmd:?}: {}", text(&o));
        assert!(
            text(&o).contains("not a Quill model file") || text(&o).contains("not a safetensors"),
            "{cmd:?}: {}",
            text(&o)
        );
    }
    let good = std::fs::read(&model).unwrap();
    // A header that declares more than the cap.
    let mut huge = good[..12].to_vec();
    huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    let huge_path = dir.join("huge.quill");
    std::fs::write(&huge_path, &huge).unwrap();
    let o = quill(&["sample", "--model", s(&huge_path)]);
    assert!(
        text(&o).contains("at most 1073741824 bytes"),
        "{}",
        text(&o)
    );
    let cut = dir.join("cut.quill");
    std::fs::write(&cut, &good[..good.len() - 9]).unwrap();
    let o = quill(&["eval", "--model", s(&cut)]);
    assert!(text(&o).contains("cut short"), "{}", text(&o));
    let long = dir.join("long.quill");
    std::fs::write(&long, [good.as_slice(), b"extra"].concat()).unwrap();
    let o = quill(&["sample", "--model", s(&long)]);
    assert!(text(&o).contains("continues past"), "{}", text(&o));
}

#[test]
fn eval_ranks_ties_as_the_keyboard_shows_them() {
    let dir = tmp("nl-ties");
    let vocab: Vec<char> = " abcdefghij".chars().collect();
    let zero = dir.join("zero.quill");
    constant_model(&zero, &vocab, 0.0, 0.0);
    let body = "abc bad cab dig fig jab hid a a a";
    let text_path = dir.join("t.txt");
    std::fs::write(&text_path, body).unwrap();
    let o = quill(&[
        "eval",
        "--model",
        s(&zero),
        "--text",
        s(&text_path),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // Every score ties, so the keyboard shows the first three characters of the vocabulary.
    let scored: Vec<char> = body.chars().skip(1).collect();
    let share = |k: usize| {
        scored.iter().filter(|c| vocab[..k].contains(c)).count() as f64 / scored.len() as f64
    };
    let top1 = r["top1_accuracy"].as_f64().unwrap();
    assert!((top1 - share(1)).abs() < 1e-12, "{top1} vs {}", share(1));
    let top3 = r["top3_accuracy"].as_f64().unwrap();
    assert!((top3 - share(3)).abs() < 1e-12, "{top3} vs {}", share(3));
    // export scores the same file and text the same way.
    let o = quill(&[
        "export",
        "--model",
        s(&zero),
        "--text",
        s(&text_path),
        "--out",
        s(&dir.join("o.quill")),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let shown = format!("accuracy {:.2}%", share(1) * 100.0);
    assert!(text(&o).contains(&shown), "{shown}: {}", text(&o));
}

#[test]
fn a_model_that_cannot_run_is_refused_before_it_is_written() {
    let dir = tmp("nl-cannot-run");
    let vocab: Vec<char> = "abc".chars().collect();
    let huge = dir.join("huge.quill");
    constant_model(&huge, &vocab, 0.1, 3e38);
    let out = dir.join("out.quill");
    let o = quill(&["export", "--model", s(&huge), "--out", s(&out)]);
    assert!(!o.status.success());
    assert!(text(&o).contains("cannot run"), "{}", text(&o));
    assert!(!out.exists());
}

#[test]
fn eval_and_sample_stream() {
    let dir = tmp("nl-stream");
    let model = cat_model(&dir);
    // 2 GB of NUL characters (valid UTF-8): eval reads only what it scores.
    let sparse = dir.join("nul.txt");
    sparse_file(&sparse);
    let o = quill_sh(
        "ulimit -v 1000000",
        &[
            "eval",
            "--model",
            s(&model),
            "--text",
            s(&sparse),
            "--max-chars",
            "3000",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("chars 3000"), "{}", text(&o));
    // sample writes as it goes: output arrives while it is still generating.
    let mut child = KillOnDrop(
        Command::new(Q)
            .args(["sample", "--model", s(&model), "--n", "100000000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let child = &mut child.0;
    let mut first = [0u8; 256];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    assert!(child.try_wait().unwrap().is_none(), "sample finished first");
    // A closed pipe ends it quietly.
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
