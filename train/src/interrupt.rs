//! Ctrl-C and SIGTERM. While a run trains, a signal asks it to stop at the next step (it saves
//! a checkpoint first); before that — locking the run directory, reading a corpus from a pipe
//! that may never end — nothing is worth saving, so the signal removes the run's lock file and
//! exits at once (a blocked read would otherwise hold the process, and `kill` would leave the
//! lock behind).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static TRAINING: AtomicBool = AtomicBool::new(false);
static LOCK_FILE: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Installs the handler (once per process; later calls change nothing).
pub fn install() {
    // A second install fails (the tests run several trainings in one process): the first
    // handler already serves them all.
    let _ = ctrlc::set_handler(|| {
        if TRAINING.load(Ordering::SeqCst) {
            REQUESTED.store(true, Ordering::SeqCst);
            return;
        }
        if let Ok(lock) = LOCK_FILE.lock()
            && let Some(path) = lock.as_ref()
        {
            let _ = std::fs::remove_file(path);
        }
        eprintln!("interrupted before training started; nothing was saved");
        std::process::exit(130);
    });
}

/// The run's lock file, removed by a signal that comes before training (`None`: released).
pub fn set_lock_file(path: Option<PathBuf>) {
    if let Ok(mut lock) = LOCK_FILE.lock() {
        *lock = path;
    }
}

/// Training has started (`true`): from now on a signal asks for a checkpoint and a stop.
pub fn set_training(on: bool) {
    TRAINING.store(on, Ordering::SeqCst);
}

/// Whether a signal asked the training to stop.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}
