//! Writing a model file the way every Quill tool does: the model is checked to be runnable,
//! quantised if asked, and given a self-test recorded by the runtime itself.

use format::{OwnedModel, OwnedSelfTest};
use runtime::{Model, Predictor};

use crate::Error;

/// Records the self-test section: the runtime's outputs for `prime` on this very model (the
/// one definition: the trainer's export, `quill export` and `import-torch`, and the tests'
/// models all record it here). Refuses a model whose outputs leave f32's range.
pub fn record_self_test(
    model: &OwnedModel,
    prime: &str,
    tolerance: f32,
) -> Result<OwnedSelfTest, Error> {
    let bytes = model.to_bytes()?;
    let aligned = format::AlignedBytes::new(&bytes);
    let m = Model::from_bytes(&aligned)?;
    let mut buf = vec![0f32; Predictor::buffer_len(&m)?];
    let mut p = Predictor::new(&m, &mut buf)?;
    let mut expected_top1 = Vec::new();
    for c in prime.chars() {
        p.feed_char(c);
        if let Some(bad) = p.logits().iter().position(|l| !l.is_finite()) {
            return Err(Error::NotRunnable(format!(
                "the model cannot run: after {c:?} of its self-test text the score of token {bad} \
                 is {} (its weights are too large for f32 arithmetic)",
                p.logits()[bad]
            )));
        }
        expected_top1.push(p.argmax());
    }
    Ok(OwnedSelfTest {
        prime: prime.into(),
        expected_top1,
        expected_logits: p.logits().to_vec(),
        tolerance,
    })
}

/// Encodes `model` (int8-quantised if asked) with a self-test primed on `prime`.
pub fn encode(model: &OwnedModel, int8: bool, prime: &str) -> Result<Vec<u8>, Error> {
    let mut m = if int8 {
        model.quantized_int8()
    } else {
        model.clone()
    };
    m.self_test = None;
    crate::runnable::check(&m)?;
    let prime: String = prime.chars().take(64).collect();
    if !prime.is_empty() {
        m.self_test = Some(record_self_test(&m, &prime, 2e-3)?);
    }
    Ok(m.to_bytes()?)
}
