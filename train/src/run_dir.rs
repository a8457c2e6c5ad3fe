//! A run directory: the names of its files, the lock a trainer holds while it uses the
//! directory, and what happens to an earlier run found there (kept unless `--overwrite`).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::run_record::RunRecord;

/// The checkpoint a new one replaces, kept beside it: a damaged newest checkpoint falls back
/// to it.
pub fn previous_checkpoint(path: &Path) -> PathBuf {
    path.with_file_name("checkpoint.prev.bin")
}

/// Where a run keeps its files.
#[derive(Clone, Debug)]
pub struct RunDir(pub PathBuf);

impl RunDir {
    pub fn metrics(&self) -> PathBuf {
        self.0.join("metrics.csv")
    }
    pub fn config(&self) -> PathBuf {
        self.0.join("config.json")
    }
    pub fn checkpoint(&self) -> PathBuf {
        self.0.join("checkpoint.bin")
    }
    pub fn model(&self, int8: bool) -> PathBuf {
        self.0.join(if int8 {
            "model-int8.quill"
        } else {
            "model.quill"
        })
    }
    pub fn cycle_model(&self, cycle: usize) -> PathBuf {
        self.0.join(format!("cycle-{cycle}.quill"))
    }
    pub fn plot(&self) -> PathBuf {
        self.0.join("loss.svg")
    }
    pub fn lock_file(&self) -> PathBuf {
        self.0.join("run.lock")
    }

    /// The files a run writes that are present now (an earlier run's, when starting afresh).
    pub fn run_files(&self) -> Vec<PathBuf> {
        let fixed = [
            self.config(),
            self.metrics(),
            self.checkpoint(),
            previous_checkpoint(&self.checkpoint()),
            self.model(false),
            self.model(true),
            self.plot(),
        ];
        let mut found: Vec<PathBuf> = fixed.into_iter().filter(|p| p.exists()).collect();
        if let Ok(entries) = std::fs::read_dir(&self.0) {
            let mut cycles: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .and_then(|n| n.strip_prefix("cycle-")?.strip_suffix(".quill"))
                        .is_some_and(|k| k.parse::<usize>().is_ok())
                })
                .collect();
            cycles.sort();
            found.extend(cycles);
        }
        found
    }

    /// The run `config.json` describes, if it is one this trainer wrote (see
    /// [`RunRecord::parse`]).
    pub fn record(&self) -> Option<RunRecord> {
        let json = std::fs::read_to_string(self.config()).ok()?;
        RunRecord::parse(&json)
    }

    /// What the directory holds, for a run about to start in it.
    pub fn contents(&self) -> Contents {
        let Ok(entries) = std::fs::read_dir(&self.0) else {
            return Contents::Nothing;
        };
        let files = self.run_files();
        if self.record().is_some() {
            // A run that never saved a checkpoint or a model (it stopped on a bad first step,
            // a NaN, Ctrl-C while reading its corpus) has nothing to continue or to keep.
            let kept = [
                self.checkpoint(),
                previous_checkpoint(&self.checkpoint()),
                self.model(false),
                self.model(true),
            ];
            return if kept.iter().any(|p| p.exists()) {
                Contents::Run(files)
            } else {
                Contents::Unfinished(files)
            };
        }
        let own = |name: &str| name == "run.lock" || name == ".write-test";
        let others = entries
            .filter_map(|e| e.ok())
            .filter(|e| !own(&e.file_name().to_string_lossy()))
            .count();
        if others == 0 {
            Contents::Nothing
        } else {
            Contents::Foreign(others)
        }
    }

    /// Refuses a directory no run should be trained into: the file system's root or the home
    /// directory (a run's files would mix with everything there; `--overwrite` would remove
    /// some of them).
    pub fn check_location(&self) -> Result<(), String> {
        let abs = std::path::absolute(&self.0).unwrap_or_else(|_| self.0.clone());
        let canonical = std::fs::canonicalize(&abs).unwrap_or(abs);
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .and_then(|h| std::fs::canonicalize(h).ok());
        let what = if canonical.parent().is_none() {
            "the root of the file system"
        } else if home.as_deref() == Some(canonical.as_path()) {
            "your home directory"
        } else {
            return Ok(());
        };
        Err(format!(
            "--run-dir {} is {what}; a run keeps its files in a directory of its own: pass \
             e.g. --run-dir {}",
            self.0.display(),
            canonical.join("runs/my-run").display()
        ))
    }

    /// Makes the directory ready for a new run. An earlier run is refused unless `overwrite`,
    /// which removes exactly that run's files (nothing else in the directory); a run that
    /// stopped before its first checkpoint is removed with a note; a directory holding files
    /// of no run is always refused (nothing there is the trainer's to replace).
    pub fn start_fresh(&self, overwrite: bool) -> Result<(), String> {
        let old = match self.contents() {
            Contents::Nothing => return Ok(()),
            Contents::Foreign(n) => {
                return Err(format!(
                    "{} is not empty ({n} entr{}) and holds no Quill run (no config.json written \
                     by the trainer); train into an empty or new --run-dir",
                    self.0.display(),
                    if n == 1 { "y" } else { "ies" }
                ));
            }
            Contents::Unfinished(files) => {
                eprintln!(
                    "note: {} holds a run that stopped before its first checkpoint (nothing to \
                     continue); starting over",
                    self.0.display()
                );
                return remove(&files);
            }
            Contents::Run(files) => files,
        };
        if !overwrite {
            let names: Vec<String> = old
                .iter()
                .filter_map(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
                .collect();
            return Err(format!(
                "{} holds an earlier run ({}); continue it with --resume {0}, replace it with \
                 --overwrite, or train into another --run-dir",
                self.0.display(),
                names.join(", ")
            ));
        }
        remove(&old)
    }

    /// Takes the directory's lock (creating the directory) for as long as the returned value
    /// lives. A second trainer is refused with the owner's pid; a lock left by a process that
    /// died (`kill -9`, power loss) is free again, since the operating system releases it, and
    /// is taken over with a note.
    pub fn lock(&self) -> Result<RunLock, String> {
        let created_dir = !self.0.exists();
        std::fs::create_dir_all(&self.0)
            .map_err(|e| format!("cannot create run directory {}: {e}", self.0.display()))?;
        let path = self.lock_file();
        let cannot = |e: std::io::Error| format!("cannot lock {}: {e}", path.display());
        // Retried when the file was replaced between opening and locking it (its owner removed
        // it on exit): only the file at the path counts.
        for _ in 0..8 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(cannot)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let owner = owner_of(&mut file);
                    return Err(format!(
                        "run directory {} is in use by another trainer ({owner}); wait for it to \
                         finish, or train into another --run-dir",
                        self.0.display()
                    ));
                }
                Err(TryLockError::Error(e)) => return Err(cannot(e)),
            }
            if !same_file(&file, &path) {
                continue;
            }
            let stale = owner_of(&mut file);
            if !stale.is_empty() && stale != "unknown owner" {
                eprintln!(
                    "note: {} had a stale lock ({stale}, no longer running); taking it over",
                    self.0.display()
                );
            }
            let me = format!("pid {}", std::process::id());
            file.set_len(0).map_err(cannot)?;
            file.rewind().map_err(cannot)?;
            file.write_all(me.as_bytes()).map_err(cannot)?;
            crate::interrupt::set_lock_file(Some(path.clone()));
            return Ok(RunLock {
                file,
                path,
                created_dir: created_dir.then(|| self.0.clone()),
            });
        }
        Err(format!(
            "cannot lock {}: it keeps being replaced by another process",
            path.display()
        ))
    }
}

/// What a run directory holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contents {
    /// Nothing (or it does not exist): free for a new run.
    Nothing,
    /// A run with a checkpoint or a model: its files.
    Run(Vec<PathBuf>),
    /// A run that stopped before its first checkpoint: its files.
    Unfinished(Vec<PathBuf>),
    /// Entries of no run (not counting the trainer's lock).
    Foreign(usize),
}

fn remove(files: &[PathBuf]) -> Result<(), String> {
    for p in files {
        std::fs::remove_file(p).map_err(|e| format!("cannot remove {}: {e}", p.display()))?;
    }
    Ok(())
}

/// The held lock of a run directory; dropping it removes the lock file and releases the lock.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
    /// The directory, when taking the lock created it: removed again if the run failed
    /// before writing anything into it.
    created_dir: Option<PathBuf>,
}

impl Drop for RunLock {
    fn drop(&mut self) {
        crate::interrupt::set_lock_file(None);
        crate::interrupt::set_training(false);
        // Removed while still locked, so a waiter that opened it sees it is gone and retries.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
        if let Some(dir) = &self.created_dir {
            // Only succeeds when empty.
            let _ = std::fs::remove_dir(dir);
        }
    }
}

fn owner_of(file: &mut File) -> String {
    let mut s = String::new();
    let _ = file.rewind();
    let _ = Read::by_ref(file).take(64).read_to_string(&mut s);
    let s = s.trim();
    if s.starts_with("pid ") {
        s.to_string()
    } else if s.is_empty() {
        String::new()
    } else {
        "unknown owner".into()
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}
