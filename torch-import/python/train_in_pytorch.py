"""The lesson's GRU trained in PyTorch, saved the way the README says, for an end-to-end check of
`quill import-torch`: PyTorch's own bits/char on the held-out text against what `quill eval`
measures on the imported Quill file.

    pip install torch numpy safetensors
    python train_in_pytorch.py OUT_DIR [SECONDS]
    cargo run --release -p quill -- import-torch --weights OUT_DIR/model.safetensors --vocab OUT_DIR/vocab.json
    cargo run --release -p quill -- eval --model OUT_DIR/model.quill --text OUT_DIR/valid.txt

The corpus is HUMAN_NUMBERS (1 to 9999 in words joined by " . "), its last 10 % held out.
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ONES = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def words(n):
    w = []
    th, rest = divmod(n, 1000)
    hu, rest = divmod(rest, 100)
    if th:
        w += [ONES[th], "thousand"]
    if hu:
        w += [ONES[hu], "hundred"]
    if rest >= 20:
        w.append(TENS[rest // 10])
        if rest % 10:
            w.append(ONES[rest % 10])
    elif rest:
        w.append(ONES[rest])
    return " ".join(w)


class CharModel(nn.Module):  # the lesson's names: e, rnn, l_out
    def __init__(self, vocab, n_fac=42, n_hidden=256, layers=1):
        super().__init__()
        self.e = nn.Embedding(vocab, n_fac)
        self.rnn = nn.GRU(n_fac, n_hidden, layers)
        self.l_out = nn.Linear(n_hidden, vocab)

    def forward(self, x, h):
        o, h = self.rnn(self.e(x), h)
        return self.l_out(o), h


def main():
    out = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 120
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count() or 1)
    text = " . ".join(words(n) for n in range(1, 10000))
    split = round(len(text) * 0.9)
    train, valid = text[:split], text[split:]
    itos = sorted(set(text))
    itos.insert(0, "\0")  # the lesson's padding token
    stoi = {c: i for i, c in enumerate(itos)}
    ids = torch.tensor([stoi[c] for c in train])

    bs, bptt = 64, 64
    n = (len(ids) - 1) // bs
    x_all = ids[: n * bs].view(bs, n).t()  # (time, batch): stateful streams
    y_all = ids[1 : n * bs + 1].view(bs, n).t()
    model = CharModel(len(itos))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    start, step, epoch = time.time(), 0, 0
    while time.time() - start < seconds:
        h = torch.zeros(1, bs, 256)
        for t in range(0, n - 1, bptt):
            x, y = x_all[t : t + bptt], y_all[t : t + bptt]
            h = h.detach()
            logits, h = model(x, h)
            loss = F.cross_entropy(logits.reshape(-1, len(itos)), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            if time.time() - start > seconds:
                break
        epoch += 1
    print(f"trained {step} steps ({epoch} epochs started) in {time.time() - start:.0f}s, last loss {loss.item():.4f}")

    # Held-out text streamed from a zero state, exactly as `quill eval` feeds it.
    model.eval()
    with torch.no_grad():
        v = torch.tensor([stoi.get(c, 0) for c in valid]).unsqueeze(1)
        logits, _ = model(v[:-1], torch.zeros(1, 1, 256))
        nats = F.cross_entropy(logits[:, 0], v[1:, 0]).item()
        top1 = (logits[:, 0].argmax(-1) == v[1:, 0]).float().mean().item()
    print(f"PyTorch on the held-out {len(valid)} chars: {nats / math.log(2):.4f} bits/char, top-1 {top1 * 100:.2f}%")

    # The two lines the README gives:
    from safetensors.torch import save_file
    save_file(model.state_dict(), os.path.join(out, "model.safetensors")); json.dump(itos, open(os.path.join(out, "vocab.json"), "w"))
    with open(os.path.join(out, "valid.txt"), "w", encoding="utf-8") as f:
        f.write(valid)
    with open(os.path.join(out, "pytorch.json"), "w") as f:
        json.dump({"bits_per_char": nats / math.log(2), "top1": top1, "steps": step}, f)


if __name__ == "__main__":
    main()
