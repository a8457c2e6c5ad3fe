//! Crash safety: the trainer is killed with SIGKILL at random moments and in the middle of
//! checkpoint writes, resumed each time, and must end exactly where an uninterrupted run ends:
//! the same model file byte for byte and the same metrics rows. After every kill the latest
//! checkpoint loads, it never goes back, and `metrics.csv` is well-formed.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use train::checkpoint::Checkpoint;
use train::report::{CSV_HEADER, EpochRow};

const CHECKPOINT_EVERY: usize = 10;

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn spawn(corpus: &Path, run: &Path, resume: bool, pause_ms: Option<u64>) -> Child {
    let mut c = common::train_cmd();
    if resume {
        c.args(["--resume", run.to_str().unwrap()]);
    } else {
        c.args(["--corpus", corpus.to_str().unwrap()]);
        c.args(["--hidden", "16", "--emb", "4", "--bs", "4", "--bptt", "8"]);
        c.args([
            "--epochs",
            "10",
            "--seed",
            "7",
            "--run-dir",
            run.to_str().unwrap(),
        ]);
        c.args(["--checkpoint-every", &CHECKPOINT_EVERY.to_string()]);
    }
    c.arg("--quiet");
    if let Some(ms) = pause_ms {
        c.env("QUILL_FAULT_CHECKPOINT_PAUSE_MS", ms.to_string());
    }
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c.spawn().expect("start train")
}

fn finish(child: Child) -> String {
    let o = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "train failed:\n{text}");
    text
}

/// The rows of metrics.csv without the wall-clock columns; panics if the file is malformed.
fn metrics(run: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(run.join("metrics.csv")) else {
        return Vec::new();
    };
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(CSV_HEADER),
        "metrics.csv header:\n{text}"
    );
    let rows: Vec<String> = lines
        .map(|l| {
            assert!(
                EpochRow::parse_csv(l).is_some(),
                "malformed row {l:?}:\n{text}"
            );
            l.split(',').take(7).collect::<Vec<_>>().join(",")
        })
        .collect();
    for (i, r) in rows.iter().enumerate() {
        assert!(
            r.starts_with(&format!("{},", i + 1)),
            "epochs not 1, 2, 3, …:\n{text}"
        );
    }
    assert!(text.ends_with('\n'), "half a row:\n{text}");
    rows
}

/// The step of the run's latest good checkpoint (none before the first one is written).
fn checkpoint_step(run: &Path) -> Option<usize> {
    let path = run.join("checkpoint.bin");
    if !path.exists() && !train::checkpoint::previous(&path).exists() {
        return None;
    }
    let (ck, _warning) = Checkpoint::read_latest(&path)
        .unwrap_or_else(|e| panic!("after a kill the checkpoint must load: {e}"));
    Some(ck.position.step)
}

/// xorshift, so the kill moments are random but the same on every run of the test.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn sigkill_at_random_moments_and_mid_checkpoint_loses_nothing() {
    let dir = tmp("crash");
    let corpus = dir.join("small.txt");
    let body: String = (0..300)
        .map(|i| format!("the cat sat on mat {} . ", i % 7))
        .collect();
    std::fs::write(&corpus, body).unwrap();

    let reference = dir.join("reference");
    let t = Instant::now();
    finish(spawn(&corpus, &reference, false, None));
    // Kill moments scale with this machine's speed: each random round runs 5–20 % of a whole
    // run, so the six rounds together never reach the end (the test needs every kill).
    let whole = t.elapsed();
    let want_model = std::fs::read(reference.join("model.quill")).unwrap();
    let want_rows = metrics(&reference);
    assert_eq!(want_rows.len(), 10);

    let run = dir.join("killed");
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut last_step: Option<usize> = None;
    let mut kills = 0;
    let mut mid_write_kills = 0;
    // Every third round kills inside a checkpoint write (round 2: the first one; round 5: the
    // one at an epoch's end, after its metrics row is written); the others at a random moment.
    for round in 0..6 {
        let resume = last_step.is_some();
        let mid_write = round % 3 == 2;
        let at_epoch_end = round == 5;
        let rows_before = metrics(&run).len();
        let pause = if at_epoch_end { 60 } else { 300 };
        let mut child = spawn(&corpus, &run, resume, mid_write.then_some(pause));
        let started = Instant::now();
        let killed = if mid_write {
            // The half-written temporary file is the sign the process is inside the write.
            let tmp = run.join(".checkpoint.bin.tmp");
            let _ = std::fs::remove_file(&tmp);
            loop {
                if tmp.exists() && (!at_epoch_end || metrics(&run).len() > rows_before) {
                    child.kill().unwrap();
                    break true;
                }
                if child.try_wait().unwrap().is_some() {
                    break false;
                }
                assert!(started.elapsed() < Duration::from_secs(60));
                std::thread::sleep(Duration::from_millis(2));
            }
        } else {
            let delay = whole.mul_f64(0.05 + 0.15 * (next(&mut rng) % 1000) as f64 / 1000.0);
            std::thread::sleep(delay);
            match child.try_wait().unwrap() {
                Some(_) => false,
                None => {
                    child.kill().unwrap();
                    true
                }
            }
        };
        let status = child.wait().unwrap();
        if !killed {
            assert!(status.success(), "round {round} failed by itself");
            break;
        }
        kills += 1;
        mid_write_kills += usize::from(mid_write);
        let step = checkpoint_step(&run);
        if let (Some(before), Some(now)) = (last_step, step) {
            assert!(
                now >= before,
                "checkpoint went back from step {before} to {now}"
            );
        }
        if step.is_some() {
            last_step = step;
        }
        eprintln!(
            "round {round}: killed after {:?}{}, checkpoint at step {step:?}, {} epochs in metrics.csv",
            started.elapsed(),
            match (mid_write, at_epoch_end) {
                (true, true) => " inside the epoch-end checkpoint write",
                (true, false) => " inside a checkpoint write",
                _ => "",
            },
            metrics(&run).len()
        );
    }
    assert!(
        kills >= 4 && mid_write_kills >= 2,
        "{kills} kills, {mid_write_kills} mid-write"
    );

    // Run to the end; the first resume reports the step it continues from.
    let out = finish(spawn(&corpus, &run, last_step.is_some(), None));
    assert!(!out.contains("damaged"), "{out}");
    assert_eq!(
        metrics(&run),
        want_rows,
        "the killed run's epochs differ from the uninterrupted run's"
    );
    assert!(
        std::fs::read(run.join("model.quill")).unwrap() == want_model,
        "the killed-and-resumed run's model differs from the uninterrupted run's"
    );
}

#[test]
fn a_damaged_checkpoint_is_reported_and_the_previous_one_used() {
    type Damage = fn(&mut Vec<u8>);
    let cases: [(&str, Damage); 3] = [
        ("truncated", |b| b.truncate(b.len() / 2)),
        ("checksum mismatch", |b| {
            let i = b.len() / 2;
            b[i] ^= 0x40;
        }),
        ("not a Quill checkpoint", |b| b[0] = b'X'),
    ];
    for (i, (what, damage)) in cases.into_iter().enumerate() {
        let dir = tmp(&format!("crash-damaged-{i}"));
        let corpus = dir.join("small.txt");
        std::fs::write(&corpus, "abc abd abe ".repeat(200)).unwrap();
        let run = dir.join("run");
        let mut c = common::train_cmd();
        c.args([
            "--corpus",
            corpus.to_str().unwrap(),
            "--hidden",
            "8",
            "--emb",
            "4",
        ]);
        c.args(["--bs", "4", "--bptt", "8", "--max-steps", "25"]);
        c.args([
            "--checkpoint-every",
            "10",
            "--run-dir",
            run.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(c.status().unwrap().success());
        let ck = run.join("checkpoint.bin");
        let prev_step = Checkpoint::read(&train::checkpoint::previous(&ck))
            .unwrap()
            .position
            .step;
        let mut bytes = std::fs::read(&ck).unwrap();
        damage(&mut bytes);
        std::fs::write(&ck, &bytes).unwrap();
        let o = common::train_cmd()
            .args(["--resume", run.to_str().unwrap(), "--max-steps", "30"])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(o.status.success(), "{text}");
        assert!(
            text.contains("is damaged")
                && text.contains(what)
                && text.contains("using the previous checkpoint")
                && text.contains(&format!("step {prev_step}")),
            "{what}: {text}"
        );
    }
}
