//! Nothing lost, nothing silently wrong: the `train` binary as a careless or hostile user runs
//! it. Writes replace only regular files and leave no temporary file behind, a run directory
//! is locked and an earlier run in it is kept, `--resume` checks every flag, model files are
//! read header first with bounded memory, a model that cannot run is refused, and `eval` and
//! `sample` stream.
#![cfg(unix)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{small_corpus, text, tmp, train, train_small};
use format::{Architecture, CellKind, OwnedLayer, OwnedMetadata, OwnedModel, OwnedTensor};

const T: &str = env!("CARGO_BIN_EXE_train");
/// A model that trains in a blink.
const TINY: [&str; 8] = ["--hidden", "16", "--emb", "4", "--bs", "4", "--bptt", "8"];

/// Runs `train` through `sh` with `prefix` (ulimit, trap) before `exec`.
fn train_sh(prefix: &str, args: &[&str]) -> Output {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    Command::new("sh")
        .arg("-c")
        .arg(format!("{prefix}; exec '{T}' {}", quoted.join(" ")))
        .output()
        .expect("run sh")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A 2 GB file of zero bytes that takes no disk space.
fn sparse_file(path: &Path) {
    std::fs::File::create(path)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

/// A trained GRU 1x16 (3 steps) in `dir/run`; returns its model path.
fn small_model(dir: &Path) -> PathBuf {
    let corpus = small_corpus(dir);
    let run = dir.join("run");
    let run_dir = ["--run-dir", s(&run), "--max-steps", "3", "--quiet"];
    let o = train(&[["--corpus", s(&corpus)].as_slice(), &TINY, &run_dir].concat());
    assert!(o.status.success(), "{}", text(&o));
    run.join("model.quill")
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
    let model = small_model(&dir);
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
        let o = train(&["export", "--model", m, "--out", s(out)]);
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
    let o = train(&["export", "--model", m, "--out", s(&link), "--force"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(&std::fs::read(&target).unwrap()[..4], b"QUIL");
    let o = train(&["export", "--model", m, "--out", "/dev/null", "--force"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    // A directory is never written through.
    let o = train(&["export", "--model", m, "--out", s(&subdir), "--force"]);
    assert!(!o.status.success());
    // import-torch shares the writer.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../torch-import/tests/fixtures");
    let o = train(&[
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
    let model = small_model(&dir);
    let out = dir.join("e.quill");
    let full = "trap '' XFSZ; ulimit -f 2";
    let o = train_sh(
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
    // The trainer: its checkpoint write fails, the run directory keeps no temporary file.
    let run = dir.join("run2");
    let corpus = dir.join("small.txt");
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
    let first = Command::new(T)
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

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
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
    let small_machine = Command::new(T)
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

#[test]
fn model_files_are_read_header_first_with_bounded_memory() {
    let dir = tmp("nl-read");
    let model = small_model(&dir);
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
        let o = train_sh(cap, &cmd);
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
    let o = train(&["sample", "--model", s(&huge_path)]);
    assert!(
        text(&o).contains("at most 1073741824 bytes"),
        "{}",
        text(&o)
    );
    let cut = dir.join("cut.quill");
    std::fs::write(&cut, &good[..good.len() - 9]).unwrap();
    let o = train(&["eval", "--model", s(&cut)]);
    assert!(text(&o).contains("cut short"), "{}", text(&o));
    let long = dir.join("long.quill");
    std::fs::write(&long, [good.as_slice(), b"extra"].concat()).unwrap();
    let o = train(&["sample", "--model", s(&long)]);
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
    let o = train(&[
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
    let o = train(&[
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
    let o = train(&["export", "--model", s(&huge), "--out", s(&out)]);
    assert!(!o.status.success());
    assert!(text(&o).contains("cannot run"), "{}", text(&o));
    assert!(!out.exists());
}

#[test]
fn eval_and_sample_stream() {
    let dir = tmp("nl-stream");
    let model = small_model(&dir);
    // 2 GB of NUL characters (valid UTF-8): eval reads only what it scores.
    let sparse = dir.join("nul.txt");
    sparse_file(&sparse);
    let o = train_sh(
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
        Command::new(T)
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
