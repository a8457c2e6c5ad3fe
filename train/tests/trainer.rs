//! The trainer against the runtime: the exported file computes what the burn model computes;
//! a resumed run continues exactly; a short training run yields a useful model.

mod common;

use burn::tensor::{Int, Tensor, TensorData};
use common::{run_options, training};
use format::{CellKind, OwnedMetadata};
use runtime::{Model, Predictor};
use train::config::{OptimizerKind, ScheduleKind, TrainConfig};
use train::model::{RecurrentBackend, RnnConfig};
use train::run::run;
use train::vocab::Vocab;

/// Both ways a backend runs a layer: burn-flex's fused op and ndarray's burn ops per step.
#[test]
fn exported_models_compute_what_the_burn_model_computes() {
    let _lock = training();
    parity_with_runtime::<burn::backend::Flex>();
    parity_with_runtime::<burn::backend::NdArray<f32>>();
}

fn parity_with_runtime<B: RecurrentBackend>() {
    let device = Default::default();
    let vocab = Vocab {
        chars: quill_tests::test_vocab(29),
    };
    for cell in [
        CellKind::RnnTanh,
        CellKind::RnnRelu,
        CellKind::Gru,
        CellKind::Lstm,
    ] {
        for layers in 1..=2 {
            let cfg = RnnConfig {
                cell,
                layers,
                embed: 12,
                hidden: 40,
                vocab: 30,
                dropout: 0.0,
                identity_init: false,
            };
            let model = cfg.init::<B>(layers as u64, &device);
            let tokens = quill_tests::random_tokens(120, 30, layers as u64);
            let t = Tensor::<B, 2, Int>::from_data(
                TensorData::new(
                    tokens.iter().map(|&x| i64::from(x)).collect::<Vec<_>>(),
                    [1, tokens.len()],
                ),
                &device,
            );
            let (logits, _) = model.forward(t, model.zero_state(1, &device));
            let want: Vec<f32> = logits.into_data().to_vec().unwrap();

            let owned = train::export::to_owned_model(&model, &vocab, OwnedMetadata::default());
            let bytes = owned.to_bytes().unwrap();
            let m = Model::from_bytes(&bytes).unwrap();
            let mut buf = vec![0f32; Predictor::buffer_len(&m).unwrap()];
            let mut p = Predictor::new(&m, &mut buf).unwrap();
            let mut worst = 0f32;
            for (i, &tok) in tokens.iter().enumerate() {
                p.feed_token(tok).unwrap();
                for (a, b) in p.logits().iter().zip(&want[i * 30..(i + 1) * 30]) {
                    worst = worst.max((a - b).abs());
                }
            }
            assert!(
                worst <= 1e-4,
                "{} on {}, {layers} layers: burn vs runtime max abs logit error {worst:e}",
                cell.name(),
                B::name(&device),
            );
        }
    }
}

fn small_config(max_steps: usize) -> TrainConfig {
    TrainConfig {
        corpus: None,
        model: RnnConfig {
            cell: CellKind::Gru,
            layers: 2,
            embed: 16,
            hidden: 48,
            vocab: 0,
            dropout: 0.1,
            identity_init: false,
        },
        min_freq: 1,
        valid_frac: 0.02,
        bs: 16,
        bptt: 24,
        jitter: true,
        optimizer: OptimizerKind::Adam,
        lr: 4e-3,
        schedule: ScheduleKind::Sgdr {
            cycle_len: 1,
            cycle_mult: 2,
        },
        epochs: 3,
        clip: Some(1.0),
        seed: 7,
        checkpoint_every: 4,
        max_steps: Some(max_steps),
        lesson: None,
    }
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Checkpoint at step 5, resume to step 10: the same losses and weights as 10 steps straight
/// (dropout and bptt jitter included), and the step count neither repeats nor skips.
#[test]
fn resume_continues_exactly_like_an_uninterrupted_run() {
    let _lock = training();
    let device = Default::default();
    let straight = tmp("resume-straight");
    run::<train::backend::Cpu>(
        small_config(10),
        &run_options(&straight, false, None),
        &device,
    )
    .unwrap();
    let a = train::checkpoint::Checkpoint::read(&straight.join("checkpoint.bin")).unwrap();

    let split = tmp("resume-split");
    run::<train::backend::Cpu>(small_config(5), &run_options(&split, false, None), &device)
        .unwrap();
    let mid = train::checkpoint::Checkpoint::read(&split.join("checkpoint.bin")).unwrap();
    assert_eq!(mid.position.step, 5);
    run::<train::backend::Cpu>(
        small_config(5),
        &run_options(&split, true, Some(10)),
        &device,
    )
    .unwrap();
    let b = train::checkpoint::Checkpoint::read(&split.join("checkpoint.bin")).unwrap();

    assert_eq!(b.position.step, 10);
    assert_eq!(
        a.position.last_loss.to_bits(),
        b.position.last_loss.to_bits(),
        "{} vs {}",
        a.position.last_loss,
        b.position.last_loss
    );
    assert_eq!(a.position.loss_sum.to_bits(), b.position.loss_sum.to_bits());
    assert_eq!(
        std::fs::read(straight.join("model.quill")).unwrap(),
        std::fs::read(split.join("model.quill")).unwrap()
    );
}

/// Train a GRU on HUMAN_NUMBERS for a bounded number of steps, export, and measure through the
/// runtime. Measured on the dev machine: 0.252 nats/char and 88.8 % next-char accuracy after 200
/// steps (f32 and int8 alike); the bounds leave room for other platforms' arithmetic.
#[test]
fn a_short_run_learns_human_numbers() {
    let _lock = training();
    let dir = tmp("e2e");
    let mut cfg = small_config(200);
    cfg.model = RnnConfig {
        cell: CellKind::Gru,
        layers: 1,
        embed: 16,
        hidden: 64,
        vocab: 0,
        dropout: 0.0,
        identity_init: false,
    };
    cfg.bs = 32;
    cfg.bptt = 32;
    cfg.valid_frac = 0.05;
    cfg.schedule = ScheduleKind::Constant;
    cfg.lr = 1e-2;
    let s = run::<train::backend::Cpu>(cfg, &run_options(&dir, false, None), &Default::default())
        .unwrap();
    eprintln!("e2e: f32 {:?}, int8 {:?}", s.f32_scores, s.int8_scores);
    assert!(s.f32_scores.accuracy > 0.82, "{:?}", s.f32_scores);
    assert!(s.f32_scores.loss < 0.4, "{:?}", s.f32_scores);
    assert!(
        (s.int8_scores.loss - s.f32_scores.loss).abs() < 0.02,
        "int8 cost {:?} vs {:?}",
        s.int8_scores,
        s.f32_scores
    );
    // The file on disk is what was scored and it carries a passing self-test.
    let bytes = std::fs::read(&s.model_path).unwrap();
    let m = Model::from_bytes(&bytes).unwrap();
    let mut buf = vec![0f32; Predictor::buffer_len(&m).unwrap()];
    Predictor::new(&m, &mut buf).unwrap().self_test().unwrap();
    assert!(m.metadata().val_loss.is_some());
}

/// A model file → burn → a model file gives back the same tensors (f32), so the benchmarks' burn
/// side runs exactly the runtime's weights.
#[test]
fn model_files_load_into_burn_unchanged() {
    for cell in [CellKind::RnnTanh, CellKind::Gru, CellKind::Lstm] {
        let owned = quill_tests::random_model(cell, 2, 6, 10, 15, 4);
        let burn_model = train::export::from_owned_model::<burn::backend::NdArray<f32>>(
            &owned,
            &Default::default(),
        );
        let vocab = Vocab {
            chars: owned.vocab.clone(),
        };
        let back = train::export::to_owned_model(&burn_model, &vocab, OwnedMetadata::default());
        assert_eq!(back.arch, owned.arch);
        assert!(back.tensors().eq(owned.tensors()), "{}", cell.name());
    }
}
