"""Writes PyTorch-layout char-model state dicts as safetensors, with the outputs an independent
numpy implementation of torch.nn.RNN / GRU / LSTM gives for them, for `torch-import`'s tests.

    python make_fixtures.py OUT_DIR                # needs numpy and safetensors (PyPI)
    python make_fixtures.py OUT_DIR --check-torch  # also runs the same weights through PyTorch

Per model NAME it writes NAME.safetensors (the state dict: `e.weight`, `rnn.weight_ih_l0`, …,
`l_out.weight`, or other names), NAME.vocab.json (the index-to-token list) and NAME.expected.json
(the text fed, the importer flags the model needs, and the logits over the source vocabulary after
each character, computed in float64 from the stored weights). Deterministic: fixed seeds.
"""
import json
import os
import sys

import numpy as np
from safetensors.numpy import save_file

# Frequency order, as fastai builds vocabularies: Quill must sort it and permute rows.
LESSON_VOCAB = ["\0", " ", "e", "n", "t", "o", "h", "r", ".", "w", "é", "i", "a", "s", "u", "f"]
FASTAI_VOCAB = ["xxunk", "xxbos", " ", "e", "t", "a", "o", "n", "s", "h", ".", "x"]
PLAIN_VOCAB = ["a", "b", "c", " ", "d", ".", "e", "n", "o", "t", "h", "r"]

# name, cell, layers, embed, hidden, vocab, stored dtype, keys (emb, rnn prefix, out prefix),
# extra importer flags, bias, nonlinearity
CONFIGS = [
    ("gru-2x8-lesson", "gru", 2, 6, 8, LESSON_VOCAB, np.float32, ("e.weight", "rnn.", "l_out."), [], True, "tanh"),
    ("lstm-1x12", "lstm", 1, 5, 12, LESSON_VOCAB, np.float32, ("e.weight", "rnn.", "l_out."), [], True, "tanh"),
    ("lstm-3x6-f16", "lstm", 3, 4, 6, LESSON_VOCAB, np.float16, ("e.weight", "rnn.", "l_out."), [], True, "tanh"),
    ("rnn-tanh-1x10", "rnn", 1, 7, 10, LESSON_VOCAB, np.float32, ("e.weight", "rnn.", "l_out."), [], True, "tanh"),
    ("rnn-relu-2x9-f64", "rnn", 2, 5, 9, PLAIN_VOCAB, np.float64, ("e.weight", "rnn.", "l_out."), ["--relu"], True, "relu"),
    ("gru-1x7-fastai-names", "gru", 1, 5, 7, FASTAI_VOCAB, np.float32, ("i_h.weight", "rnn.", "h_o."),
     ["--embedding-key", "i_h.weight", "--output-prefix", "h_o.", "--drop", "xxbos"], True, "tanh"),
    ("gru-1x6-nobias", "gru", 1, 4, 6, PLAIN_VOCAB, np.float32, ("e.weight", "rnn.", "l_out."), [], False, "tanh"),
]

TEXT = "one thousand three hundred . twenty four . é?x"


def weights(rng, cell, layers, embed, hidden, vocab, dtype, keys, bias, nonlinearity):
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    emb_key, rnn, out = keys
    # A ReLU RNN with larger weights grows without bound over the text, as no trained one does.
    scale = (0.6 if nonlinearity == "relu" else 1.5) / np.sqrt(hidden)
    sd = {emb_key: rng.standard_normal((vocab, embed))}
    for l in range(layers):
        fan_in = embed if l == 0 else hidden
        sd[f"{rnn}weight_ih_l{l}"] = rng.standard_normal((gates * hidden, fan_in)) * scale
        sd[f"{rnn}weight_hh_l{l}"] = rng.standard_normal((gates * hidden, hidden)) * scale
        if bias:
            sd[f"{rnn}bias_ih_l{l}"] = rng.standard_normal(gates * hidden) * 0.3
            sd[f"{rnn}bias_hh_l{l}"] = rng.standard_normal(gates * hidden) * 0.3
    sd[f"{out}weight"] = rng.standard_normal((vocab, hidden)) * 2.0
    if bias:
        sd[f"{out}bias"] = rng.standard_normal(vocab) * 0.5
    return {k: np.ascontiguousarray(v.astype(dtype)) for k, v in sd.items()}


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def reference_logits(sd, cell, layers, hidden, keys, nonlinearity, tokens):
    """torch.nn.RNN/GRU/LSTM equations, written out in float64 from the stored weights."""
    emb_key, rnn, out = keys
    w = {k: v.astype(np.float64) for k, v in sd.items()}
    h = [np.zeros(hidden) for _ in range(layers)]
    c = [np.zeros(hidden) for _ in range(layers)]
    logits = []
    for t in tokens:
        x = w[emb_key][t]
        for l in range(layers):
            gi = w[f"{rnn}weight_ih_l{l}"] @ x + w.get(f"{rnn}bias_ih_l{l}", 0.0)
            gh = w[f"{rnn}weight_hh_l{l}"] @ h[l] + w.get(f"{rnn}bias_hh_l{l}", 0.0)
            if cell == "rnn":
                pre = gi + gh
                h[l] = np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0.0)
            elif cell == "gru":
                i_r, i_z, i_n = np.split(gi, 3)
                h_r, h_z, h_n = np.split(gh, 3)
                r = sigmoid(i_r + h_r)
                z = sigmoid(i_z + h_z)
                n = np.tanh(i_n + r * h_n)  # the reset gate after the hidden matmul
                h[l] = (1.0 - z) * n + z * h[l]
            else:
                i, f, g, o = np.split(gi + gh, 4)
                c[l] = sigmoid(f) * c[l] + sigmoid(i) * np.tanh(g)
                h[l] = sigmoid(o) * np.tanh(c[l])
            x = h[l]
        logits.append(w[f"{out}weight"] @ x + w.get(f"{out}bias", 0.0))
    return np.array(logits)


def tokens_of(text, vocab):
    unknown = vocab.index("\0") if "\0" in vocab else vocab.index("xxunk") if "xxunk" in vocab else None
    index = {s: i for i, s in enumerate(vocab)}
    out = []
    for ch in text:
        if ch in index:
            out.append(index[ch])
        elif unknown is not None:
            out.append(unknown)
    return out


def torch_logits(sd, cell, layers, embed, hidden, vocab, keys, nonlinearity, bias, tokens, path):
    """The same weights loaded into real torch modules; also saves them with the README's snippet."""
    import torch
    import torch.nn as nn

    emb_key, rnn, out = keys

    class CharModel(nn.Module):
        def __init__(self):
            super().__init__()
            setattr(self, emb_key.split(".")[0], nn.Embedding(vocab, embed))
            kw = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
            setattr(self, rnn.rstrip("."), {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell](
                embed, hidden, layers, bias=bias, **kw))
            setattr(self, out.rstrip("."), nn.Linear(hidden, vocab, bias=bias))

    m = CharModel().double()
    m.load_state_dict({k: torch.from_numpy(v.astype(np.float64)) for k, v in sd.items()})
    x = torch.tensor(tokens).unsqueeze(1)
    with torch.no_grad():
        o, _ = getattr(m, rnn.rstrip("."))(getattr(m, emb_key.split(".")[0])(x))
        logits = getattr(m, out.rstrip("."))(o[:, 0]).numpy()
    # The two lines users run (float32, as trained):
    from safetensors.torch import save_file as torch_save_file
    torch_save_file(m.float().state_dict(), path)
    return logits


def main():
    out_dir = sys.argv[1]
    check_torch = "--check-torch" in sys.argv[2:]
    os.makedirs(out_dir, exist_ok=True)
    for seed, (name, cell, layers, embed, hidden, vocab, dtype, keys, flags, bias, nl) in enumerate(CONFIGS):
        rng = np.random.default_rng(1000 + seed)
        sd = weights(rng, cell, layers, embed, hidden, len(vocab), dtype, keys, bias, nl)
        save_file(sd, os.path.join(out_dir, f"{name}.safetensors"))
        with open(os.path.join(out_dir, f"{name}.vocab.json"), "w", encoding="utf-8") as f:
            json.dump(vocab, f)
        tokens = tokens_of(TEXT, vocab)
        logits = reference_logits(sd, cell, layers, hidden, keys, nl, tokens)
        expected = {
            "text": TEXT,
            "flags": flags,
            "cell": {"rnn": f"rnn-{nl}", "gru": "gru", "lstm": "lstm"}[cell],
            "layers": layers,
            "tokens": tokens,
            "logits": [[round(float(v), 9) for v in row] for row in logits],
        }
        with open(os.path.join(out_dir, f"{name}.expected.json"), "w", encoding="utf-8") as f:
            json.dump(expected, f, indent=0)
        if check_torch:
            path = os.path.join(out_dir, f"{name}.torch.safetensors")
            t = torch_logits(sd, cell, layers, embed, hidden, len(vocab), keys, nl, bias, tokens, path)
            diff = float(np.abs(t - logits).max())
            print(f"{name}: numpy vs torch max |Δlogit| = {diff:.2e}")
            assert diff < 1e-9, name
        else:
            print(f"{name}: {len(tokens)} steps, {cell} × {layers}, {np.dtype(dtype).name}")


if __name__ == "__main__":
    main()
