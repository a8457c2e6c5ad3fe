//! Training the lesson's window models (`--model char3|loop|loop-concat`): every window of
//! `window` characters predicts the next one (char3 takes non-overlapping triples, as the
//! lesson does), in shuffled batches; per-epoch table, `metrics.csv` and `loss.svg` as for the
//! stateful models, and the next-char guesses at the end. These models are not exported.

use std::time::Instant;

use burn::module::{AutodiffModule, Module};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::record::{BinFileRecorder, FullPrecisionSettings};
use burn::tensor::activation::softmax;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Int, Tensor, TensorData};

use crate::config::TrainConfig;
use crate::data::Data;
use crate::evaluate::Scores;
use crate::model::lesson::{LessonKind, LessonModel};
use crate::report::{self, EpochRow};
use crate::rng::Rng;
use crate::run_dir::RunDir;
use crate::vocab::Vocab;

/// (context windows, targets) from a token stream.
pub fn windows(tokens: &[u32], kind: LessonKind) -> (Vec<Vec<u32>>, Vec<u32>) {
    let w = kind.window();
    let stride = if kind == LessonKind::Char3 { 3 } else { 1 };
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    let mut i = 0;
    while i + w < tokens.len() {
        xs.push(tokens[i..i + w].to_vec());
        ys.push(tokens[i + w]);
        i += stride;
    }
    (xs, ys)
}

fn tensors<B: Backend>(
    xs: &[&Vec<u32>],
    ys: &[u32],
    device: &B::Device,
) -> (Tensor<B, 2, Int>, Tensor<B, 1, Int>) {
    let w = xs.first().map_or(0, |x| x.len());
    let flat: Vec<i64> = xs
        .iter()
        .flat_map(|x| x.iter().map(|&t| i64::from(t)))
        .collect();
    let x = Tensor::from_data(TensorData::new(flat, [xs.len(), w]), device);
    let y = Tensor::from_data(
        TensorData::new(
            ys.iter().map(|&t| i64::from(t)).collect::<Vec<_>>(),
            [ys.len()],
        ),
        device,
    );
    (x, y)
}

fn score<B: Backend>(
    model: &LessonModel<B>,
    xs: &[Vec<u32>],
    ys: &[u32],
    device: &B::Device,
) -> Scores {
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let (mut loss, mut hits, mut n) = (0.0, 0.0, 0usize);
    for (cx, cy) in xs.chunks(1024).zip(ys.chunks(1024)) {
        let refs: Vec<&Vec<u32>> = cx.iter().collect();
        let (x, y) = tensors::<B>(&refs, cy, device);
        let logits = model.forward(x);
        let l: f64 = loss_fn
            .forward(logits.clone(), y.clone())
            .into_scalar()
            .elem();
        let h = crate::evaluate::top1_hits(logits, y);
        loss += l * cy.len() as f64;
        hits += h;
        n += cy.len();
    }
    Scores {
        loss: loss / n.max(1) as f64,
        accuracy: hits / n.max(1) as f64,
    }
}

/// Trains a window model on the run's text; returns the final validation scores.
pub fn train<B: AutodiffBackend>(
    cfg: &TrainConfig,
    kind: LessonKind,
    data: &Data,
    run: &RunDir,
    device: &B::Device,
    quiet: bool,
) -> Result<Scores, String> {
    let (vocab, valid_text) = (&data.vocab, &data.valid_text);
    let (xs, ys) = windows(&vocab.encode(&data.train_text), kind);
    let (vx, vy) = windows(&vocab.encode(valid_text), kind);
    if xs.is_empty() || vx.is_empty() {
        return Err(format!(
            "the corpus is too short for {}-character windows",
            kind.window()
        ));
    }
    B::seed(device, cfg.seed);
    let mut model =
        LessonModel::<B>::new(kind, vocab.len(), cfg.model.embed, cfg.model.hidden, device);
    let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let mut rng = Rng::new(cfg.seed);
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let mut step = 0;
    let mut last = None;
    if !quiet {
        toolkit::say!(
            "{} (emb {}, hidden {}, vocab {}): {} windows of {} chars",
            kind.name(),
            cfg.model.embed,
            cfg.model.hidden,
            vocab.len(),
            xs.len(),
            kind.window()
        );
        toolkit::say!("{}", report::table_header());
    }
    for epoch in 0..cfg.epochs {
        // Fisher–Yates with the run's RNG.
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        let started = Instant::now();
        let (mut sum, mut count) = (0.0, 0usize);
        for chunk in order.chunks(cfg.bs) {
            let bx: Vec<&Vec<u32>> = chunk.iter().map(|&i| &xs[i]).collect();
            let by: Vec<u32> = chunk.iter().map(|&i| ys[i]).collect();
            let (x, y) = tensors::<B>(&bx, &by, device);
            let loss = loss_fn.forward(model.forward(x), y);
            let v: f64 = loss.clone().into_scalar().elem();
            if !v.is_finite() {
                return Err(format!(
                    "training loss became {v} at step {}; lower --lr",
                    step + 1
                ));
            }
            let mut grads = GradientsParams::from_grads(loss.backward(), &model);
            crate::clip::clip_global_norm(&model, &mut grads, cfg.clip);
            model = optim.step(cfg.lr, model, grads);
            sum += v;
            count += 1;
            step += 1;
        }
        let valid = score(&model.valid(), &vx, &vy, device);
        let secs = started.elapsed().as_secs_f64();
        let row = EpochRow {
            epoch: epoch + 1,
            step,
            lr: cfg.lr,
            train_loss: sum / count.max(1) as f64,
            valid,
            seconds: secs,
            chars_per_sec: xs.len() as f64 / secs.max(1e-9),
        };
        if !quiet {
            toolkit::say!("{}", row.table_line());
        }
        report::append_csv(&run.metrics(), &row)
            .map_err(|e| format!("cannot write {}: {e}", run.metrics().display()))?;
        last = Some(valid);
    }
    let path = run.0.join("model");
    model
        .clone()
        .save_file(&path, &BinFileRecorder::<FullPrecisionSettings>::new())
        .map_err(|e| format!("cannot save {}: {e}", path.display()))?;
    if !quiet {
        show_guesses(&model.valid(), vocab, valid_text, device);
    }
    last.ok_or_else(|| "no epoch ran".to_string())
}

fn show_guesses<B: Backend>(
    model: &LessonModel<B>,
    vocab: &Vocab,
    valid_text: &str,
    device: &B::Device,
) {
    let w = model.kind.window();
    let chars: Vec<char> = valid_text.chars().collect();
    toolkit::say!("\nnext-char guesses (the burn model):");
    for start in [0, chars.len() / 3, 2 * chars.len() / 3] {
        if start + w > chars.len() {
            continue;
        }
        let ctx: String = chars[start..start + w].iter().collect();
        let toks = [vocab.encode(&ctx)];
        let refs: Vec<&Vec<u32>> = toks.iter().collect();
        let (x, _) = tensors::<B>(&refs, &[0], device);
        let p: Vec<f32> = softmax(model.forward(x), 1)
            .into_data()
            .convert::<f32>()
            .to_vec()
            .unwrap_or_default();
        let mut idx: Vec<usize> = (0..p.len()).collect();
        idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
        let top: Vec<String> = idx
            .iter()
            .filter(|&&i| i > 0)
            .take(3)
            .map(|&i| {
                format!(
                    "'{}' {:.1}%",
                    toolkit::sample::show_char(vocab.chars[i - 1]),
                    p[i] * 100.0
                )
            })
            .collect();
        toolkit::say!("  {ctx:?} → {}", top.join("  "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_match_the_lesson() {
        let t: Vec<u32> = (0..10).collect();
        // char3: non-overlapping triples and the char after each.
        let (x, y) = windows(&t, LessonKind::Char3);
        assert_eq!(x, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8]]);
        assert_eq!(y, vec![3, 6, 9]);
        // loop: every window of 8.
        let (x, y) = windows(&t, LessonKind::Loop);
        assert_eq!(x, vec![(0..8).collect::<Vec<u32>>(), (1..9).collect()]);
        assert_eq!(y, vec![8, 9]);
    }
}
