//! Writing files so that nothing is lost: a crash (power loss, `kill -9`) never leaves half of
//! one, a failed write leaves no temporary file behind, and only a regular file is ever replaced
//! (a FIFO, a device, a symbolic link or a directory at the path is refused unless the user
//! says `--force`).

use std::fs::FileType;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Writes `bytes` to `path` atomically: a temporary file beside it, fsync, rename, fsync the
/// directory. A crash leaves the old file or the new one, never half of one. Refuses when
/// `path` exists and is not a regular file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    refuse_unless_regular(path)?;
    let tmp = write_temp(path, bytes, None)?;
    commit(&tmp, path)
}

/// Writes a file the user named (`--out`). Without `force` it is [`write_atomic`]. With
/// `force`, a symbolic link is followed (its target is written atomically, the link stays) and
/// a FIFO or device is written into in place (`--out /dev/stdout`); a directory is still
/// refused.
pub fn write_output(path: &Path, bytes: &[u8], force: bool) -> std::io::Result<()> {
    if !force {
        return write_atomic(path, bytes);
    }
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return write_atomic(path, bytes);
    };
    let kind = meta.file_type();
    if kind.is_symlink() {
        let target = std::fs::canonicalize(path).map_err(|e| {
            other(format!(
                "it is a symbolic link whose target cannot be resolved ({e})"
            ))
        })?;
        return write_output(&target, bytes, true);
    }
    if kind.is_file() {
        return write_atomic(path, bytes);
    }
    if kind.is_dir() {
        return Err(other("it is a directory".into()));
    }
    let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
    f.write_all(bytes)?;
    f.flush()
}

/// Refuses to write `out` when it is one of the command's inputs (`(flag, path)` pairs) — the
/// same file however it is named (a relative path, a link, a hard link): comparing device and
/// inode, not strings. Writing would replace the input with the output.
pub fn refuse_own_input(out: &Path, inputs: &[(&str, &Path)]) -> Result<(), crate::Error> {
    let Ok(target) = std::fs::metadata(out) else {
        return Ok(()); // nothing there yet: nothing to replace
    };
    for (flag, input) in inputs {
        if let Ok(meta) = std::fs::metadata(input)
            && same_inode(&target, &meta)
        {
            return Err(crate::Error::Refused(format!(
                "--out {} is the same file as {flag} {}: writing it would replace the input; \
                 choose another --out",
                out.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_inode(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_inode(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// `Ok` when `path` does not exist or is a regular file; otherwise an error that names what is
/// there and the way out.
pub fn refuse_unless_regular(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_file() => Err(other(format!(
            "it is {}, not a regular file, and writing would replace it; choose another path{}",
            describe(meta.file_type()),
            if meta.file_type().is_dir() {
                ""
            } else {
                " (or pass --force to write through it)"
            }
        ))),
        _ => Ok(()),
    }
}

fn describe(kind: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

fn other(msg: String) -> std::io::Error {
    std::io::Error::other(msg)
}

/// The temporary file `write_atomic` writes before renaming it over `path`.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    dir_of(path).join(format!(".{name}.tmp"))
}

/// Writes and fsyncs the temporary file for `path`; `pause` sleeps halfway through (the
/// crash test's fault injection: it kills the process in that window). On any error the
/// temporary file is removed.
pub fn write_temp(path: &Path, bytes: &[u8], pause: Option<Duration>) -> std::io::Result<PathBuf> {
    let tmp = temp_path(path);
    // A leftover from a crash (or anything planted there) goes first: `create_new` then never
    // follows a link.
    match std::fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let (first, second) = bytes.split_at(bytes.len() / 2);
        f.write_all(first)?;
        if let Some(d) = pause {
            f.flush()?;
            std::thread::sleep(d);
        }
        f.write_all(second)?;
        f.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Renames a finished temporary file over `path` and makes the rename durable; on failure the
/// temporary file is removed.
pub fn commit(tmp: &Path, path: &Path) -> std::io::Result<()> {
    if let Err(e) = std::fs::rename(tmp, path) {
        let _ = std::fs::remove_file(tmp);
        return Err(e);
    }
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
