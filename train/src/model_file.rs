//! Reading a model file from disk with bounded memory: the 12-byte header is checked first,
//! so a wrong file (`/dev/zero`, a 2 GB sparse file, a photo) is refused after 12 bytes, and no
//! more than the length the header declares, capped at [`MAX_MODEL_FILE`], is ever read.

use std::io::Read;
use std::path::Path;

use format::HEADER_LEN;

/// The largest model file the tools read: 1 GiB, ~268 M f32 parameters, far beyond any
/// keyboard model (the format itself frames up to 4 GiB).
pub const MAX_MODEL_FILE: u64 = 1 << 30;

/// The bytes of the model file at `path`, framing checked (magic, version, length); the
/// payload's checksum and contents are checked by `Model::from_bytes` as usual.
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let mut header = Vec::with_capacity(HEADER_LEN);
    let mut limited = file.take(HEADER_LEN as u64);
    limited
        .read_to_end(&mut header)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    let Ok(fixed) = <&[u8; HEADER_LEN]>::try_from(header.as_slice()) else {
        // Too short even for a header: the format's own error says so.
        return Err(match format::Model::from_bytes(&header) {
            Err(e) => format!("{shown}: {e}"),
            Ok(_) => format!("{shown}: truncated"),
        });
    };
    let payload = format::declared_payload_len(fixed).map_err(|e| format!("{shown}: {e}"))?;
    let total = u64::from(payload) + (HEADER_LEN + format::TRAILER_LEN) as u64;
    if total > MAX_MODEL_FILE {
        return Err(format!(
            "{shown}: its header declares a {total}-byte model; Quill's tools read model files of \
             at most {MAX_MODEL_FILE} bytes (1 GiB), so this is damaged or not meant for a keyboard"
        ));
    }
    let mut file = limited.into_inner();
    let mut bytes = header;
    bytes.reserve_exact((total as usize).saturating_sub(HEADER_LEN));
    (&mut file)
        .take(total - HEADER_LEN as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if (bytes.len() as u64) < total {
        return Err(format!(
            "{shown}: truncated: its header declares {total} bytes but the file has {}",
            bytes.len()
        ));
    }
    let mut one = [0u8; 1];
    if file
        .read(&mut one)
        .map_err(|e| format!("cannot read {shown}: {e}"))?
        > 0
    {
        return Err(format!(
            "{shown}: the file continues past the {total} bytes its header declares; it is damaged \
             or not a Quill model file"
        ));
    }
    Ok(bytes)
}
