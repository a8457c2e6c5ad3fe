//! Replays the fuzz seeds and every past fuzz finding through the fuzz targets' own bodies
//! (`quill_tests::fuzzing`), on stable, in every test run. A finding is added by copying the
//! crash file from `fuzz/artifacts/<target>/` to `fuzz/regressions/<target>/`.

use std::path::{Path, PathBuf};

use runtime::{InputSide, Kernel, Model, Predictor};

fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz")
        .join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && !p.ends_with(".gitkeep"))
        .collect();
    v.sort();
    v
}

#[test]
fn the_model_seeds_are_current_exported_models() {
    let seeds = files("seeds/model_bytes");
    assert!(seeds.len() >= 12, "run fuzz/make-seeds.sh");
    for p in seeds {
        let bytes = format::AlignedBytes::new(&std::fs::read(&p).unwrap());
        // A seed the loader rejects would only exercise the error paths: regenerate the seeds
        // (fuzz/make-seeds.sh) whenever the format changes.
        let model = Model::from_bytes(&bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let mut buf = vec![0f32; Predictor::buffer_len(&model).unwrap()];
        // The exporter recorded with this CPU's fastest kernel; a device without it (the
        // portable kernel: an MCU, a phone) must pass the same self-test.
        for kernel in [Kernel::detect(), Kernel::Portable] {
            let mut pred =
                Predictor::with_options(&model, &mut buf, kernel, InputSide::PerStep).unwrap();
            pred.self_test()
                .unwrap_or_else(|e| panic!("{} on {}: {e}", p.display(), kernel.name()));
        }
    }
}

#[test]
fn model_bytes_seeds_and_findings_replay_cleanly() {
    for p in files("seeds/model_bytes")
        .into_iter()
        .chain(files("regressions/model_bytes"))
    {
        quill_tests::fuzzing::model_bytes(&std::fs::read(&p).unwrap());
    }
}

#[test]
fn byte_stream_seeds_and_findings_replay_cleanly() {
    let all: Vec<PathBuf> = files("seeds/byte_stream")
        .into_iter()
        .chain(files("regressions/byte_stream"))
        .collect();
    assert!(all.len() >= 5);
    for p in all {
        quill_tests::fuzzing::byte_stream(&std::fs::read(&p).unwrap());
    }
}

#[test]
fn torch_import_seeds_import_and_findings_replay_cleanly() {
    let seeds = files("seeds/torch_import");
    assert!(seeds.len() >= 7, "run fuzz/make-seeds.sh");
    for p in &seeds {
        // Every seed must be accepted, or the fuzzer starts from error paths only.
        let data = std::fs::read(p).unwrap();
        let (opts, vocab, weights) = quill_tests::fuzzing::torch_import_input(&data);
        torch_import::import(weights, &vocab, &opts)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }
    for p in seeds.into_iter().chain(files("regressions/torch_import")) {
        quill_tests::fuzzing::torch_import(&std::fs::read(&p).unwrap());
    }
}
