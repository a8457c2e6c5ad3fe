//! Every way a state dict or vocabulary can be wrong gets an error that names the tensor or
//! entry, what was expected, and the flag or step that fixes it.

use safetensors::tensor::{Dtype, TensorView};
use torch_import::{ImportError, Options, import};

const V: usize = 4; // "\0", "a", "b", " "
const VOCAB: &str = r#"["\u0000", "a", "b", " "]"#;
const E: usize = 3;
const H: usize = 5;

/// A GRU state dict in PyTorch's layout with `layers` layers, as (key, shape) pairs.
fn gru_tensors(layers: usize) -> Vec<(String, Vec<usize>)> {
    let mut t = vec![("e.weight".to_string(), vec![V, E])];
    for l in 0..layers {
        let input = if l == 0 { E } else { H };
        t.push((format!("rnn.weight_ih_l{l}"), vec![3 * H, input]));
        t.push((format!("rnn.weight_hh_l{l}"), vec![3 * H, H]));
        t.push((format!("rnn.bias_ih_l{l}"), vec![3 * H]));
        t.push((format!("rnn.bias_hh_l{l}"), vec![3 * H]));
    }
    t.push(("l_out.weight".into(), vec![V, H]));
    t.push(("l_out.bias".into(), vec![V]));
    t
}

/// Serialises f32 tensors filled with small values.
fn safetensors(tensors: &[(String, Vec<usize>)]) -> Vec<u8> {
    let data: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, shape)| {
            let n: usize = shape.iter().product();
            (0..n)
                .flat_map(|i| ((i % 7) as f32 * 0.1 - 0.3).to_le_bytes())
                .collect()
        })
        .collect();
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .zip(&data)
        .map(|((k, s), d)| {
            (
                k.clone(),
                TensorView::new(Dtype::F32, s.clone(), d).unwrap(),
            )
        })
        .collect();
    safetensors::serialize(views, None).unwrap()
}

fn error(tensors: &[(String, Vec<usize>)], opts: &Options) -> String {
    match import(&safetensors(tensors), VOCAB, opts) {
        Ok(_) => panic!("imported a bad state dict"),
        Err(e) => e.to_string(),
    }
}

fn set_shape(t: &mut [(String, Vec<usize>)], key: &str, shape: Vec<usize>) {
    t.iter_mut().find(|(k, _)| k == key).unwrap().1 = shape;
}

#[test]
fn a_well_formed_state_dict_imports() {
    let m = import(&safetensors(&gru_tensors(2)), VOCAB, &Options::default()).unwrap();
    assert_eq!(m.model.arch.layers, 2);
    assert_eq!(m.model.vocab, vec![' ', 'a', 'b']);
    m.model.to_bytes().unwrap();
}

#[test]
fn a_missing_embedding_names_the_key_the_flag_and_what_is_there() {
    let mut t = gru_tensors(1);
    t[0].0 = "encoder.weight".into();
    let e = error(&t, &Options::default());
    assert!(e.contains("no tensor `e.weight`"), "{e}");
    assert!(e.contains("--embedding-key"), "{e}");
    assert!(e.contains("encoder.weight [4, 3]"), "{e}");
}

#[test]
fn a_missing_rnn_or_output_names_the_prefix_flag() {
    let t: Vec<_> = gru_tensors(1)
        .into_iter()
        .map(|(k, s)| (k.replace("rnn.", "gru."), s))
        .collect();
    let e = error(&t, &Options::default());
    assert!(
        e.contains("`rnn.weight_ih_l0`") && e.contains("--rnn-prefix"),
        "{e}"
    );
    let t: Vec<_> = gru_tensors(1)
        .into_iter()
        .map(|(k, s)| (k.replace("l_out.", "fc."), s))
        .collect();
    let e = error(&t, &Options::default());
    assert!(
        e.contains("`l_out.weight`") && e.contains("--output-prefix"),
        "{e}"
    );
}

#[test]
fn a_mis_shaped_layer_input_says_what_it_reads() {
    let mut t = gru_tensors(2);
    set_shape(&mut t, "rnn.weight_ih_l1", vec![3 * H, E]);
    let e = error(&t, &Options::default());
    assert!(
        e.contains("`rnn.weight_ih_l1` has shape [15, 3], expected [15, 5]"),
        "{e}"
    );
    assert!(e.contains("layer 1 reads layer 0's hidden state"), "{e}");
}

#[test]
fn gate_blocks_that_are_no_known_cell_are_refused() {
    let mut t = gru_tensors(1);
    set_shape(&mut t, "rnn.weight_hh_l0", vec![2 * H, H]);
    let e = error(&t, &Options::default());
    assert!(
        e.contains("`rnn.weight_hh_l0`") && e.contains("G = 1 (RNN), 3 (GRU) or 4 (LSTM)"),
        "{e}"
    );
}

#[test]
fn biases_and_output_must_fit() {
    let mut t = gru_tensors(1);
    set_shape(&mut t, "rnn.bias_hh_l0", vec![3 * H + 1]);
    let e = error(&t, &Options::default());
    assert!(
        e.contains("`rnn.bias_hh_l0` has shape [16], expected [15]"),
        "{e}"
    );
    let mut t = gru_tensors(1);
    set_shape(&mut t, "rnn.bias_ih_l0", vec![3, H]);
    let e = error(&t, &Options::default());
    assert!(
        e.contains("expected 1 dimensions") && e.contains("a bias is a vector"),
        "{e}"
    );
    let mut t = gru_tensors(1);
    set_shape(&mut t, "l_out.weight", vec![V, H + 1]);
    let e = error(&t, &Options::default());
    assert!(
        e.contains("`l_out.weight` has shape [4, 6], expected [4, 5]"),
        "{e}"
    );
    // Only some biases present: a key was lost, not bias=False.
    let t: Vec<_> = gru_tensors(1)
        .into_iter()
        .filter(|(k, _)| k != "rnn.bias_hh_l0")
        .collect();
    let e = error(&t, &Options::default());
    assert!(
        e.contains("layer 0 is incomplete") && e.contains("not rnn.bias_hh_l0"),
        "{e}"
    );
}

#[test]
fn a_vocabulary_of_another_size_is_refused() {
    let t = gru_tensors(1);
    let e = import(
        &safetensors(&t),
        r#"["\u0000", "a", "b"]"#,
        &Options::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("3 entries but `e.weight` has 4 rows"), "{e}");
}

#[test]
fn unused_tensors_stop_the_import_unless_allowed() {
    let mut t = gru_tensors(1);
    t.push(("bn.weight".into(), vec![H]));
    let e = error(&t, &Options::default());
    assert!(
        e.contains("bn.weight") && e.contains("--allow-unused"),
        "{e}"
    );
    let opts = Options {
        allow_unused: true,
        ..Options::default()
    };
    let m = import(&safetensors(&t), VOCAB, &opts).unwrap();
    assert!(
        m.notes
            .iter()
            .any(|n| n.contains("ignored (--allow-unused): bn.weight"))
    );
}

#[test]
fn bidirectional_and_projected_rnns_are_explained() {
    let mut t = gru_tensors(1);
    t.push(("rnn.weight_ih_l0_reverse".into(), vec![3 * H, E]));
    let e = error(&t, &Options::default());
    assert!(e.contains("bidirectional"), "{e}");
    let mut t = gru_tensors(1);
    t.push(("rnn.weight_hr_l0".into(), vec![2, H]));
    let e = error(&t, &Options::default());
    assert!(e.contains("proj_size"), "{e}");
}

#[test]
fn integer_tensors_nan_and_garbage_are_refused() {
    let t = gru_tensors(1);
    let mut data: Vec<Vec<u8>> = t
        .iter()
        .map(|(_, s)| vec![0u8; 4 * s.iter().product::<usize>()])
        .collect();
    data[0] = vec![0u8; 8 * V * E];
    let views: Vec<(String, TensorView<'_>)> = t
        .iter()
        .zip(&data)
        .enumerate()
        .map(|(i, ((k, s), d))| {
            let dtype = if i == 0 { Dtype::I64 } else { Dtype::F32 };
            (k.clone(), TensorView::new(dtype, s.clone(), d).unwrap())
        })
        .collect();
    let bytes = safetensors::serialize(views, None).unwrap();
    let e = import(&bytes, VOCAB, &Options::default()).unwrap_err();
    assert!(matches!(e, ImportError::DType { .. }), "{e}");
    assert!(e.to_string().contains("`e.weight` has dtype I64"), "{e}");

    let mut bytes = safetensors(&t);
    let n = bytes.len();
    bytes[n - 4..].copy_from_slice(&f32::NAN.to_le_bytes());
    let e = import(&bytes, VOCAB, &Options::default()).unwrap_err();
    assert!(e.to_string().contains("NaN or infinity"), "{e}");

    let e = import(b"not a safetensors file", VOCAB, &Options::default()).unwrap_err();
    assert!(
        e.to_string().contains("not a valid safetensors file"),
        "{e}"
    );
    let e = import(&safetensors(&t), "a b", &Options::default()).unwrap_err();
    assert!(e.to_string().contains("JSON array of strings"), "{e}");
}

#[test]
fn dimensions_beyond_the_format_are_refused_with_its_reason() {
    let mut t = gru_tensors(1);
    for (k, s) in &mut t {
        if k.starts_with("e.") {
            *s = vec![V, 0];
        }
        if k == "rnn.weight_ih_l0" {
            *s = vec![3 * H, 0];
        }
    }
    let e = error(&t, &Options::default());
    assert!(
        e.contains("outside Quill's format") && e.contains("embedding size"),
        "{e}"
    );
}

#[test]
fn a_layer_with_a_missing_tensor_is_refused_by_name_even_with_allow_unused() {
    // A 2-layer GRU without `rnn.weight_ih_l1`: once imported as 1 layer with the rest
    // "unused"; a layer is whole or the import stops, and the flag does not help.
    let mut t = gru_tensors(2);
    t.retain(|(k, _)| k != "rnn.weight_ih_l1");
    for allow_unused in [false, true] {
        let opts = Options {
            allow_unused,
            ..Options::default()
        };
        let e = error(&t, &opts);
        assert!(e.contains("recurrent layer 1 is incomplete"), "{e}");
        assert!(e.contains("not rnn.weight_ih_l1"), "{e}");
        assert!(!e.contains("--allow-unused"), "{e}");
    }
    // Layer 0's bias_hh alone missing: also incomplete, not `bias=False`.
    let mut t = gru_tensors(2);
    t.retain(|(k, _)| k != "rnn.bias_hh_l0");
    let e = error(&t, &Options::default());
    assert!(
        e.contains("layer 0 is incomplete") && e.contains("rnn.bias_hh_l0"),
        "{e}"
    );
    // A gap: layers 0 and 2 but no 1.
    let mut t = gru_tensors(3);
    t.retain(|(k, _)| !k.ends_with("_l1"));
    let e = error(&t, &Options::default());
    assert!(e.contains("layer 1 is incomplete"), "{e}");
}
