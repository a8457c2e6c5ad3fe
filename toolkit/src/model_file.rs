//! Reading a model file from disk with bounded memory: the 12-byte header is checked first,
//! so a wrong file (`/dev/zero`, a 2 GB sparse file, a photo) is refused after 12 bytes, and no
//! more than the length the header declares, capped at [`MAX_MODEL_FILE`], is ever read.

use std::io::Read;
use std::path::Path;

use format::HEADER_LEN;

use crate::Error;

/// The largest model file the tools read: 1 GiB, ~268 M f32 parameters, far beyond any
/// keyboard model (the format itself frames up to 4 GiB).
pub const MAX_MODEL_FILE: u64 = 1 << 30;

/// [`read`], then the whole file validated as the runtime loads it; errors name the file.
/// Whatever a command does with the bytes afterwards can no longer fail because of the file,
/// so its own errors (about `--text`, `--temperature`, …) need not name the model.
pub fn read_valid(path: &Path) -> Result<Vec<u8>, Error> {
    let bytes = read(path)?;
    format::Model::from_bytes(&format::AlignedBytes::new(&bytes)).map_err(|e| model(path, e))?;
    Ok(bytes)
}

fn model(path: &Path, source: format::Error) -> Error {
    Error::Model {
        path: Some(path.into()),
        source,
    }
}

/// The format's own error for bytes cut short (it says how and what to do).
fn cut_short(path: &Path, bytes: &[u8]) -> Error {
    match format::Model::from_bytes(bytes) {
        Err(e) => model(path, e),
        Ok(_) => Error::ModelFile {
            path: path.into(),
            problem: "truncated".into(),
        },
    }
}

/// The bytes of the model file at `path`, framing checked (magic, version, length); the
/// payload's checksum and contents are checked by `Model::from_bytes` as usual.
pub fn read(path: &Path) -> Result<Vec<u8>, Error> {
    let cannot = |source| Error::Read {
        what: "",
        path: path.into(),
        source,
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut header = Vec::with_capacity(HEADER_LEN);
    let mut limited = file.take(HEADER_LEN as u64);
    limited.read_to_end(&mut header).map_err(cannot)?;
    let Ok(fixed) = <&[u8; HEADER_LEN]>::try_from(header.as_slice()) else {
        return Err(cut_short(path, &header));
    };
    let payload = format::declared_payload_len(fixed).map_err(|e| model(path, e))?;
    let total = u64::from(payload) + (HEADER_LEN + format::TRAILER_LEN) as u64;
    if total > MAX_MODEL_FILE {
        return Err(Error::ModelFile {
            path: path.into(),
            problem: format!(
                "its header declares a {total}-byte model; Quill's tools read model files of at \
                 most {MAX_MODEL_FILE} bytes (1 GiB), so this is damaged or not meant for a \
                 keyboard"
            ),
        });
    }
    let mut file = limited.into_inner();
    let mut bytes = header;
    bytes.reserve_exact((total as usize).saturating_sub(HEADER_LEN));
    (&mut file)
        .take(total - HEADER_LEN as u64)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if (bytes.len() as u64) < total {
        return Err(cut_short(path, &bytes));
    }
    let mut one = [0u8; 1];
    if file.read(&mut one).map_err(cannot)? > 0 {
        return Err(Error::ModelFile {
            path: path.into(),
            problem: format!(
                "the file continues past the {total} bytes its header declares; it is damaged \
                 or not a Quill model file"
            ),
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn model_bytes() -> Vec<u8> {
        let m = quill_tests::random_model(format::CellKind::Gru, 1, 4, 8, 6, 1);
        m.to_bytes().unwrap()
    }

    proptest! {
        /// Whatever is on disk, `read` returns exactly the file's bytes when its framing is
        /// whole (and `Model::from_bytes` then decides), or an error; it never returns more or
        /// fewer bytes than the file holds.
        #[test]
        fn read_returns_the_whole_file_or_an_error(
            cut in 0usize..200,
            extra in proptest::collection::vec(any::<u8>(), 0..8),
            flip in proptest::option::of((0usize..16, any::<u8>())),
        ) {
            let mut bytes = model_bytes();
            bytes.truncate(bytes.len().saturating_sub(cut));
            bytes.extend_from_slice(&extra);
            if let Some((i, v)) = flip && i < bytes.len() {
                bytes[i] ^= v;
            }
            let dir = std::env::temp_dir().join(format!("quill-model-file-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("m.quill");
            std::fs::write(&path, &bytes).unwrap();
            let framed = bytes.len() >= HEADER_LEN
                && format::declared_payload_len(bytes[..HEADER_LEN].try_into().unwrap())
                    .is_ok_and(|n| n as usize + HEADER_LEN + format::TRAILER_LEN == bytes.len());
            match read(&path) {
                Ok(got) => {
                    prop_assert!(framed);
                    prop_assert_eq!(got, bytes);
                }
                Err(e) => {
                    prop_assert!(!framed, "{e}");
                    prop_assert!(e.to_string().starts_with(&path.display().to_string()), "{e}");
                }
            }
        }
    }
}
