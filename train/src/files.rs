//! Writing a run's files so that a crash (power loss, `kill -9`) never leaves half of one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Writes `bytes` to `path` atomically: a temporary file beside it, fsync, rename, fsync the
/// directory. A crash leaves the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = write_temp(path, bytes, None)?;
    commit(&tmp, path)
}

/// The temporary file `write_atomic` writes before renaming it over `path`.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    dir_of(path).join(format!(".{name}.tmp"))
}

/// Writes and fsyncs the temporary file for `path`; `pause` sleeps halfway through (the
/// crash test's fault injection: it kills the process in that window).
pub fn write_temp(path: &Path, bytes: &[u8], pause: Option<Duration>) -> std::io::Result<PathBuf> {
    let tmp = temp_path(path);
    let mut f = std::fs::File::create(&tmp)?;
    let (first, second) = bytes.split_at(bytes.len() / 2);
    f.write_all(first)?;
    if let Some(d) = pause {
        f.flush()?;
        std::thread::sleep(d);
    }
    f.write_all(second)?;
    f.sync_all()?;
    Ok(tmp)
}

/// Renames a finished temporary file over `path` and makes the rename durable.
pub fn commit(tmp: &Path, path: &Path) -> std::io::Result<()> {
    std::fs::rename(tmp, path)?;
    if let Ok(d) = std::fs::File::open(dir_of(path)) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}
