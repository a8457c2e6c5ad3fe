//! Whether a model can be trained and exported at all, decided before anything is allocated:
//! its model file must be one the tools can read, and (on the CPU) its training state must fit
//! in the memory this machine has available. A failed 800 MB allocation aborts the process;
//! this says what to change instead.

use crate::config::TrainConfig;
use toolkit::model_file::MAX_MODEL_FILE;

/// Parameters of the stateful model `cfg` describes (`None` on overflow).
pub fn parameter_count(cfg: &TrainConfig) -> Option<u64> {
    let m = &cfg.model;
    let (v, e, h) = (m.vocab as u64, m.embed as u64, m.hidden as u64);
    let gh = (m.cell.gates() as u64).checked_mul(h)?;
    let mut total = v.checked_mul(e)?;
    for layer in 0..m.layers {
        let input = if layer == 0 { e } else { h };
        // W_ih, W_hh, b_ih, b_hh
        let w = gh.checked_mul(input.checked_add(h)?.checked_add(2)?)?;
        total = total.checked_add(w)?;
    }
    total.checked_add(v.checked_mul(h.checked_add(1)?)?)
}

/// Bytes of training state: weights, gradients and two Adam moments (f32 each), plus the
/// activations kept for backpropagation over one `bs × bptt` batch (gates, states, logits and
/// their gradients).
pub fn training_bytes(cfg: &TrainConfig) -> Option<u64> {
    let m = &cfg.model;
    let params = parameter_count(cfg)?;
    let per_step = (m.layers as u64)
        .checked_mul((m.cell.gates() as u64 + 3).checked_mul(m.hidden as u64)?)?
        .checked_add((m.vocab as u64).checked_mul(2)?)?
        .checked_add(m.embed as u64)?;
    let activations = per_step
        .checked_mul(cfg.bs as u64)?
        .checked_mul(cfg.bptt as u64)?
        .checked_mul(2)?;
    params
        .checked_mul(4)?
        .checked_add(activations)?
        .checked_mul(4)
}

/// Refuses a model whose f32 file would exceed [`MAX_MODEL_FILE`] or (with `host`) whose
/// training state exceeds the memory available now.
pub fn check_fits(cfg: &TrainConfig, host: bool) -> Result<(), String> {
    let m = &cfg.model;
    let shape = format!(
        "{} {}x{} with --emb {} and a {}-character vocabulary",
        m.cell.name(),
        m.layers,
        m.hidden,
        m.embed,
        m.vocab
    );
    let params = parameter_count(cfg).unwrap_or(u64::MAX);
    let file = params.saturating_mul(4);
    if file > MAX_MODEL_FILE {
        return Err(format!(
            "a {shape} has {params} parameters, a {} MB model file; Quill's model files are at \
             most {} MB (1 GiB): use a smaller --hidden, --emb or --layers",
            file >> 20,
            MAX_MODEL_FILE >> 20
        ));
    }
    if !host {
        return Ok(());
    }
    let (Some(need), Some(available)) = (training_bytes(cfg), toolkit::corpus::available_memory())
    else {
        return Ok(());
    };
    if need > available {
        return Err(format!(
            "training a {shape} at --bs {} --bptt {} needs about {} MB (weights, gradients, Adam \
             state and activations); this machine has {} MB available: use a smaller --hidden, \
             --emb, --bs or --bptt",
            cfg.bs,
            cfg.bptt,
            need >> 20,
            available >> 20
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn parameter_count_matches_pytorch() {
        // torch: Embedding(30, 8) + GRU(8, 16) + Linear(16, 30) = 240 + 3*16*(8+16+2) + 30*17.
        let mut cfg = crate::cli::Cli::try_parse_from(["train"])
            .unwrap()
            .train
            .config()
            .unwrap();
        cfg.model.vocab = 30;
        cfg.model.embed = 8;
        cfg.model.hidden = 16;
        assert_eq!(parameter_count(&cfg), Some(240 + 3 * 16 * 26 + 30 * 17));
        cfg.model.layers = 2;
        assert_eq!(
            parameter_count(&cfg),
            Some(240 + 3 * 16 * 26 + 3 * 16 * 34 + 30 * 17)
        );
    }
}
