//! `train import-torch`: a PyTorch/fastai state dict into a Quill model file, with the same
//! encoder (and self-test) as the trainer's own exports.

use std::path::Path;

use torch_import::{Keys, Options, import};

use crate::cli::{ImportTorchArgs, Quant};

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

pub fn run(a: &ImportTorchArgs) -> Result<(), String> {
    let weights = read(&a.weights)?;
    let vocab = String::from_utf8(read(&a.vocab)?).map_err(|_| {
        format!(
            "{} is not UTF-8 text; write it with json.dump",
            a.vocab.display()
        )
    })?;
    let name = a
        .weights
        .file_stem()
        .map_or("imported".into(), |s| s.to_string_lossy().into_owned());
    let opts = Options {
        keys: Keys {
            embedding: a.embedding_key.clone(),
            rnn_prefix: a.rnn_prefix.clone(),
            output_prefix: a.output_prefix.clone(),
        },
        relu: a.relu,
        unknown: a.unknown.clone(),
        drop: a.drop.clone(),
        allow_unused: a.allow_unused,
        name,
        corpus: format!("imported from {}", a.weights.display()),
    };
    let imported =
        import(&weights, &vocab, &opts).map_err(|e| format!("{}: {e}", a.weights.display()))?;
    let prime = a
        .prime
        .clone()
        .unwrap_or_else(|| imported.model.vocab.iter().take(32).collect());
    let bytes = crate::export::encode(&imported.model, a.quant == Quant::Int8, &prime)?;
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| a.weights.with_extension("quill"));
    crate::files::write_atomic(&out, &bytes)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    for note in &imported.notes {
        println!("{note}");
    }
    println!(
        "wrote {} ({} bytes, {}, {} parameters)",
        out.display(),
        bytes.len(),
        if a.quant == Quant::Int8 {
            "int8"
        } else {
            "f32"
        },
        imported
            .model
            .tensors
            .iter()
            .map(|t| {
                let (r, c) = t.shape();
                r * c
            })
            .sum::<usize>()
    );
    println!(
        "next: train eval --model {} --text YOUR_TEXT.txt",
        out.display()
    );
    Ok(())
}
