//! Reading a PyTorch/fastai state dict and its vocabulary from files for `quill import-torch`,
//! which then writes them with the same encoder (and self-test) as the trainer's own exports.

use std::io::Read;
use std::path::Path;

use toolkit::model_file::MAX_MODEL_FILE;

use torch_import::{Imported, Options, import};

/// The vocabulary JSON is read whole up to this size (a 1.1 M-character vocabulary written by
/// `json.dump` is far below it).
const MAX_VOCAB_FILE: u64 = 64 << 20;
/// safetensors' own limit on its JSON header.
const MAX_SAFETENSORS_HEADER: u64 = 100_000_000;

/// Reads at most `cap` bytes of `path`; refuses a longer file (or stream) with `what` and the cap.
fn read_capped(path: &Path, cap: u64, what: &str) -> Result<Vec<u8>, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > cap {
        return Err(format!(
            "{} is larger than {cap} bytes, the most a {what} may be",
            path.display()
        ));
    }
    Ok(bytes)
}

/// Reads a safetensors file header first: the 8-byte length, the JSON header (at most
/// safetensors' 100 MB), then exactly the tensor bytes the header describes, refused above
/// [`MAX_MODEL_FILE`]. A file that is not safetensors (`/dev/zero`, a sparse 2 GB file) is
/// refused after its first bytes instead of being read whole.
fn read_safetensors(path: &Path) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let cannot = |e: std::io::Error| format!("cannot read {shown}: {e}");
    let not_st = |why: String| {
        format!(
            "{shown} is not a safetensors file ({why}); save the state dict with \
             safetensors.torch.save_file(model.state_dict(), \"model.safetensors\")"
        )
    };
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let mut len = [0u8; 8];
    file.read_exact(&mut len)
        .map_err(|_| not_st("shorter than its 8-byte header length".into()))?;
    let header_len = u64::from_le_bytes(len);
    if header_len > MAX_SAFETENSORS_HEADER {
        return Err(not_st(format!(
            "its header length {header_len} exceeds 100 MB"
        )));
    }
    let mut bytes = len.to_vec();
    (&mut file)
        .take(header_len)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if (bytes.len() as u64) < 8 + header_len {
        return Err(not_st("truncated inside its header".into()));
    }
    let header: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&bytes[8..])
        .map_err(|e| not_st(format!("its header is not a JSON object: {e}")))?;
    let data_len = header
        .iter()
        .filter(|(k, _)| k.as_str() != "__metadata__")
        .filter_map(|(_, v)| v.get("data_offsets")?.get(1)?.as_u64())
        .max()
        .unwrap_or(0);
    let total = 8 + header_len + data_len;
    if total > MAX_MODEL_FILE {
        return Err(format!(
            "{shown}: its header describes {total} bytes of tensors; the importer reads state dicts \
             of at most {MAX_MODEL_FILE} bytes (1 GiB), the largest model file Quill's tools read"
        ));
    }
    (&mut file)
        .take(data_len)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    let mut one = [0u8; 1];
    if file.read(&mut one).map_err(cannot)? > 0 {
        return Err(not_st(format!(
            "the file continues past the {total} bytes its header describes"
        )));
    }
    // A short file is left to the parser, whose message names the tensor that is cut off.
    Ok(bytes)
}

/// Reads a safetensors state dict and its vocabulary JSON (both size-capped, refused with a
/// message naming the file) and converts them with `opts`.
pub fn import_files(weights: &Path, vocab: &Path, opts: &Options) -> Result<Imported, String> {
    let weight_bytes = read_safetensors(weights)?;
    let vocab_bytes = read_capped(vocab, MAX_VOCAB_FILE, "vocabulary JSON")?;
    let vocab_text = String::from_utf8(vocab_bytes).map_err(|_| {
        format!(
            "{} is not UTF-8 text; write it with json.dump",
            vocab.display()
        )
    })?;
    import(&weight_bytes, &vocab_text, opts).map_err(|e| format!("{}: {e}", weights.display()))
}
