//! Writes the random models the per-target measurements run (`scripts/measure-targets.sh`):
//! `random-models DIR [CELL-LAYERSxHIDDEN ...]`, each as `NAME-f32.quill` and
//! `NAME-int8.quill`, embedding 42 and vocabulary 85 (the README's latency models).
//! Random weights cost the same per character as trained ones.

use std::path::PathBuf;
use std::process::ExitCode;

use format::CellKind;

const EMBED: u32 = 42;
const VOCAB: u32 = 85;

fn parse(name: &str) -> Option<(CellKind, u8, u32)> {
    let (cell, shape) = name.split_once('-')?;
    let (layers, hidden) = shape.split_once('x')?;
    let cell = match cell {
        "rnn" => CellKind::RnnTanh,
        "gru" => CellKind::Gru,
        "lstm" => CellKind::Lstm,
        _ => return None,
    };
    Some((cell, layers.parse().ok()?, hidden.parse().ok()?))
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: random-models DIR [rnn|gru|lstm-LAYERSxHIDDEN ...]");
        return ExitCode::FAILURE;
    };
    let mut names: Vec<String> = args.collect();
    if names.is_empty() {
        names = ["rnn", "gru", "lstm"]
            .iter()
            .flat_map(|c| [format!("{c}-1x128"), format!("{c}-1x256")])
            .collect();
    }
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    for name in &names {
        let Some((cell, layers, hidden)) = parse(name) else {
            eprintln!(
                "{name}: expected CELL-LAYERSxHIDDEN with CELL rnn, gru or lstm (e.g. gru-1x256)"
            );
            return ExitCode::FAILURE;
        };
        let model = quill_tests::random_model(cell, layers, EMBED, hidden, VOCAB, 1);
        for (suffix, m) in [("f32", model.clone()), ("int8", model.quantized_int8())] {
            let path = dir.join(format!("{name}-{suffix}.quill"));
            let bytes = match m.to_bytes() {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("{name}: {e}");
                    return ExitCode::FAILURE;
                }
            };
            if let Err(e) = std::fs::write(&path, bytes) {
                eprintln!("cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            println!("{}", path.display());
        }
    }
    ExitCode::SUCCESS
}
