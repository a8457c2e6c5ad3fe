//! Helpers shared by the integration tests and the benches: random models with PyTorch's
//! initialisation and an independent f64 reference of PyTorch's cell equations.

pub mod cli;
pub mod fuzzing;
pub mod reference;

use format::{
    Architecture, CellKind, OwnedLayer, OwnedMetadata, OwnedModel, OwnedTensor, TensorKind,
    TensorName,
};
use runtime::SmallRng;

/// `n` distinct characters in ascending order: printable ASCII first, then Latin-1 and beyond.
pub fn test_vocab(n: usize) -> Vec<char> {
    (0x20u32..)
        .filter_map(char::from_u32)
        .filter(|c| !c.is_control())
        .take(n)
        .collect()
}

/// A model over " .abc" (vocabulary 6 with the unknown token), random weights scaled up so the
/// distribution is far from flat: small enough for word searches to be checked by brute force.
pub fn abc_model(cell: CellKind, seed: u64) -> format::AlignedBytes {
    let mut m = random_model(cell, 1, 4, 10, 6, seed);
    m.vocab = vec![' ', '.', 'a', 'b', 'c'];
    for t in m.tensors_mut() {
        if let format::OwnedTensor::F32 { data, .. } = t {
            data.iter_mut().for_each(|v| *v *= 3.0);
        }
    }
    format::AlignedBytes::new(&m.to_bytes().expect("a valid model"))
}

/// A model with random weights drawn as PyTorch initialises them: recurrent and output weights
/// uniform in ±1/√hidden, embeddings uniform in ±1.
pub fn random_model(
    cell: CellKind,
    layers: u8,
    embed: u32,
    hidden: u32,
    vocab: u32,
    seed: u64,
) -> OwnedModel {
    let arch = Architecture {
        cell,
        layers,
        embed,
        hidden,
        vocab,
    };
    let mut rng = SmallRng::new(seed);
    let mut uniform = |n: usize, k: f32| -> Vec<f32> {
        (0..n).map(|_| (rng.next_f32() * 2.0 - 1.0) * k).collect()
    };
    let k = 1.0 / (hidden as f32).sqrt();
    // Drawn in file order (the golden files depend on it).
    let mut tensor = |kind: TensorKind, layer: u8| {
        let (rows, cols) = arch
            .expected_shape(TensorName { kind, layer })
            .expect("small shape");
        let scale = if kind == TensorKind::Embedding {
            1.0
        } else {
            k
        };
        let data = uniform(rows * cols, scale);
        if cols == 1 {
            OwnedTensor::vector(data)
        } else {
            OwnedTensor::matrix(rows, cols, data)
        }
    };
    let embedding = tensor(TensorKind::Embedding, 0);
    let stack = (0..layers)
        .map(|l| OwnedLayer {
            weight_ih: tensor(TensorKind::WeightIh, l),
            weight_hh: tensor(TensorKind::WeightHh, l),
            bias_ih: tensor(TensorKind::BiasIh, l),
            bias_hh: tensor(TensorKind::BiasHh, l),
        })
        .collect();
    let output_weight = tensor(TensorKind::OutputWeight, 0);
    let output_bias = tensor(TensorKind::OutputBias, 0);
    OwnedModel {
        arch,
        vocab: test_vocab(vocab as usize - 1),
        embedding,
        layers: stack,
        output_weight,
        output_bias,
        metadata: OwnedMetadata {
            name: format!("random-{}-{layers}x{hidden}", cell.name()),
            corpus: "none".into(),
            val_loss: None,
            producer: "quill-tests".into(),
        },
        self_test: None,
    }
}

/// The self-test the runtime records for a model primed on a text: the tools' one definition
/// (`toolkit::encode`), which the exporters use too.
pub use toolkit::encode::record_self_test;

/// Rewrites the header (magic, version 1, payload length) and the CRC trailer to match the
/// bytes, so that a mutated file gets past the checksum to the parser. Uses the `crc` crate,
/// not the format crate's own CRC code. Returns false if `bytes` is shorter than header and
/// trailer.
pub fn fix_checksum(bytes: &mut [u8]) -> bool {
    const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    let n = bytes.len();
    let Some(payload) = n.checked_sub(format::HEADER_LEN + format::TRAILER_LEN) else {
        return false;
    };
    bytes[0..4].copy_from_slice(&format::MAGIC);
    bytes[4..8].copy_from_slice(&[1, 0, 0, 0]);
    bytes[8..12].copy_from_slice(&(payload as u32).to_le_bytes());
    let crc = CRC.checksum(&bytes[..n - 4]);
    bytes[n - 4..].copy_from_slice(&crc.to_le_bytes());
    true
}

/// Random token ids in `0..vocab`.
pub fn random_tokens(n: usize, vocab: u32, seed: u64) -> Vec<u32> {
    let mut rng = SmallRng::new(seed);
    (0..n).map(|_| rng.next_u32() % vocab).collect()
}

/// Runs `exe` with `args` under valgrind's memcheck and returns its output; fails the test if
/// memcheck reports an invalid read or write, a use of uninitialised memory, or a definite or
/// indirect leak (valgrind then exits 99, whatever the program's own status).
pub fn under_valgrind(exe: &std::path::Path, args: &[&std::ffi::OsStr]) -> std::process::Output {
    let out = std::process::Command::new("valgrind")
        .args([
            "--quiet",
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--track-origins=yes",
        ])
        .arg(exe)
        .args(args)
        .output()
        .expect("valgrind must be installed (apt-get install valgrind)");
    assert_ne!(
        out.status.code(),
        Some(99),
        "valgrind found memory errors in {}:\n{}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
