#!/usr/bin/env python3
"""Times the grokking transformer's training step in PyTorch, for comparison with
`overfit bench grokking` (not part of CI: PyTorch is not a project dependency).

The model, data and step match the `paper` preset's baseline run: x*y mod 97, half the
equations for training, decoder-only transformer (d_model 128, 4 heads, 2 layers, the block
`x = ln1(x); x = x + attn(x); x = x + mlp(ln2(x))`, final LayerNorm, bias-free head),
Adam lr 1e-3 betas (0.9, 0.98) with 10 warm-up steps, batch 512, and an evaluation of loss and
accuracy on the whole train and validation sets every 100 steps.

Usage: grokking_torch.py [--steps N] [--device cpu|cuda] [--threads N] [--runs R]
Prints one line: `torch <device> threads=<n> runs=<r>: <steps> steps in <s> s = <x> steps/s`.
`--runs 3` trains three models per step, like the preset's baseline + EMA + MA.
"""

import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.ln2 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.up = nn.Linear(d, 4 * d)
        self.down = nn.Linear(4 * d, d)
        self.heads = heads

    def forward(self, x, mask):
        b, s, d = x.shape
        h = self.heads
        x = self.ln1(x)
        q, k, v = self.qkv(x).split(d, dim=2)
        q, k, v = (t.view(b, s, h, d // h).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(2, 3)) / math.sqrt(d // h) + mask
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, s, d)
        x = x + self.proj(y)
        return x + self.down(F.gelu(self.up(self.ln2(x))))


class Net(nn.Module):
    def __init__(self, vocab, d=128, heads=4, layers=2, seq=4):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        self.register_buffer(
            "mask", torch.triu(torch.full((seq, seq), -1e9), diagonal=1), persistent=False
        )

    def forward(self, tokens):
        x = self.tok(tokens) + self.pos.weight[None]
        for block in self.blocks:
            x = block(x, self.mask)
        return self.head(self.ln(x[:, -1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--p", type=int, default=97)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    torch.manual_seed(0)
    p = args.p
    x, y = torch.meshgrid(torch.arange(p), torch.arange(p), indexing="ij")
    x, y = x.flatten(), y.flatten()
    tokens = torch.stack([x, torch.full_like(x, p), y, torch.full_like(x, p + 1)], 1)
    answers = (x * y) % p
    perm = torch.randperm(len(answers))
    half = len(answers) // 2
    tr, va = perm[:half], perm[half:]
    xt, yt, xv, yv = (t.to(dev) for t in (tokens[tr], answers[tr], tokens[va], answers[va]))
    models = [Net(p + 2).to(dev) for _ in range(args.runs)]
    opts = [torch.optim.Adam(m.parameters(), lr=1e-3, betas=(0.9, 0.98)) for m in models]
    scheds = [torch.optim.lr_scheduler.LambdaLR(o, lambda s: min(1.0, (s + 1) / 10)) for o in opts]

    def evaluate():
        out = []
        with torch.no_grad():
            for m in models:
                for xs, ys in ((xt, yt), (xv, yv)):
                    logits = m(xs)
                    out.append(F.cross_entropy(logits, ys))
                    out.append((logits.argmax(1) == ys).float().mean())
        return [t.item() for t in out]

    def step(i):
        idx = torch.randint(0, len(yt), (512,), device=dev)
        for m, o, s in zip(models, opts, scheds):
            loss = F.cross_entropy(m(xt[idx]), yt[idx])
            o.zero_grad(set_to_none=True)
            loss.backward()
            o.step()
            s.step()
        if (i + 1) % 100 == 0:
            evaluate()

    for i in range(20):  # warm-up (allocator, kernels)
        step(i)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for i in range(args.steps):
        step(i)
    evaluate()
    if dev.type == "cuda":
        torch.cuda.synchronize()
    secs = time.perf_counter() - start
    params = sum(q.numel() for q in models[0].parameters())
    print(
        f"torch {args.device} threads={torch.get_num_threads()} runs={args.runs} "
        f"params={params}: {args.steps} steps in {secs:.2f} s = {args.steps / secs:.1f} steps/s"
    )


if __name__ == "__main__":
    main()
