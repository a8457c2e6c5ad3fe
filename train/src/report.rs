//! What a run shows and keeps: the lesson-style table per epoch and `metrics.csv`.

use std::path::Path;

use crate::evaluate::Scores;

/// One row of the per-epoch table and of `metrics.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochRow {
    pub epoch: usize,
    pub step: usize,
    pub lr: f64,
    pub train_loss: f64,
    pub valid: Scores,
    pub seconds: f64,
    pub chars_per_sec: f64,
}

pub const CSV_HEADER: &str =
    "epoch,step,lr,train_loss,val_loss,val_bpc,val_acc,seconds,chars_per_sec";

pub fn table_header() -> String {
    format!(
        "{:>5}  {:>10}  {:>9}  {:>9}  {:>8}  {:>7}  {:>9}",
        "epoch", "train_loss", "val_loss", "val_bpc", "val_acc", "time", "chars/s"
    )
}

impl EpochRow {
    pub fn table_line(&self) -> String {
        format!(
            "{:>5}  {:>10.4}  {:>9.4}  {:>9.4}  {:>7.2}%  {:>6.1}s  {:>9.0}",
            self.epoch,
            self.train_loss,
            self.valid.loss,
            self.valid.bits_per_char(),
            self.valid.accuracy * 100.0,
            self.seconds,
            self.chars_per_sec
        )
    }

    pub fn csv_line(&self) -> String {
        format!(
            "{},{},{:.6e},{:.6},{:.6},{:.6},{:.6},{:.3},{:.0}",
            self.epoch,
            self.step,
            self.lr,
            self.train_loss,
            self.valid.loss,
            self.valid.bits_per_char(),
            self.valid.accuracy,
            self.seconds,
            self.chars_per_sec
        )
    }

    pub fn parse_csv(line: &str) -> Option<EpochRow> {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 9 {
            return None;
        }
        Some(EpochRow {
            epoch: f[0].parse().ok()?,
            step: f[1].parse().ok()?,
            lr: f[2].parse().ok()?,
            train_loss: f[3].parse().ok()?,
            valid: Scores {
                loss: f[4].parse().ok()?,
                accuracy: f[6].parse().ok()?,
            },
            seconds: f[7].parse().ok()?,
            chars_per_sec: f[8].parse().ok()?,
        })
    }
}

/// Adds a row to `metrics.csv`. The file is rewritten whole and atomically (it holds one short
/// line per epoch), so a crash leaves the old table or the new one, never half a row.
pub fn append_csv(path: &Path, row: &EpochRow) -> std::io::Result<()> {
    let mut rows = read_csv(path);
    rows.push(row.clone());
    write_csv(path, &rows)
}

/// On resume: drops rows for epochs after `epochs_done` (written after the checkpoint the run
/// continues from, by a process that was then killed), so no epoch is listed twice.
pub fn keep_epochs(path: &Path, epochs_done: usize) -> std::io::Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let rows: Vec<EpochRow> = read_csv(path)
        .into_iter()
        .filter(|r| r.epoch <= epochs_done)
        .collect();
    write_csv(path, &rows)
}

fn write_csv(path: &Path, rows: &[EpochRow]) -> std::io::Result<()> {
    let mut text = String::from(CSV_HEADER);
    text.push('\n');
    for r in rows {
        text.push_str(&r.csv_line());
        text.push('\n');
    }
    toolkit::files::write_atomic(path, text.as_bytes())
}

/// The rows of a `metrics.csv` (malformed lines are skipped).
pub fn read_csv(path: &Path) -> Vec<EpochRow> {
    std::fs::read_to_string(path)
        .map(|s| s.lines().skip(1).filter_map(EpochRow::parse_csv).collect())
        .unwrap_or_default()
}
