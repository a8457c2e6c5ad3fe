"""PyTorch's training throughput on the same problem as `train bench`, for the README's side-by-side
figures: Embedding(85, 42) → GRU/LSTM → Linear, bs 64, bptt 64, cross-entropy over every step,
Adam, global-norm clipping, the hidden state carried (detached) between batches; 3 warm-up steps,
then 20 timed ones, on 2 threads.

    pip install torch
    python scripts/pytorch_train_bench.py gru 256 1          # cell, hidden, layers (CPU)
    python scripts/pytorch_train_bench.py lstm 512 2 cuda    # on the GPU (cuDNN's fused RNN)
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)
cell = sys.argv[1] if len(sys.argv) > 1 else "gru"
H = int(sys.argv[2]) if len(sys.argv) > 2 else 256
L = int(sys.argv[3]) if len(sys.argv) > 3 else 1
DEV = torch.device(sys.argv[4] if len(sys.argv) > 4 else "cpu")
V, E, BS, BPTT, WARMUP, STEPS = 85, 42, 64, 64, 3, 20


class CharModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.e = nn.Embedding(V, E)
        self.rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[cell](E, H, L)
        self.l_out = nn.Linear(H, V)

    def forward(self, x, h):
        o, h = self.rnn(self.e(x), h)
        return self.l_out(o), h


model = CharModel().to(DEV)
opt = torch.optim.Adam(model.parameters(), 1e-3)
x = torch.randint(0, V, (BPTT, BS), device=DEV)
y = torch.randint(0, V, (BPTT, BS), device=DEV)
zeros = torch.zeros(L, BS, H, device=DEV)
state = zeros if cell == "gru" else (zeros, zeros.clone())


def step(state):
    state = state.detach() if cell == "gru" else tuple(s.detach() for s in state)
    logits, state = model(x, state)
    loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return state


def sync():
    if DEV.type == "cuda":
        torch.cuda.synchronize()


for _ in range(WARMUP):
    state = step(state)
sync()
start = time.perf_counter()
for _ in range(STEPS):
    state = step(state)
sync()
elapsed = time.perf_counter() - start
print(f"pytorch {cell}-{L}x{H} bs {BS} bptt {BPTT} on {DEV}: {STEPS * BS * BPTT / elapsed:.0f} chars/s ({torch.__version__})")
