"""Benchmark: kerastorch `fit`/`predict` vs a hand-written PyTorch loop, same run.

Each case trains the same architecture on the same in-memory data, one CPU
thread, with (a) a plain PyTorch loop (randperm + slicing, Adam, loss summed
on device) and (b) `model.fit(verbose=0)`, interleaved, and prints the ratio
b/a of the median epoch time. Target: <= 1.10.

    python scripts/bench_fit.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

import kerastorch as keras
from kerastorch import layers

CASES = {
    "mlp 784-256-256-10, 60k, batch 128": dict(
        sizes=(784, 256, 256, 10), n=60_000, batch=128, loss="sparse_categorical_crossentropy"
    ),
    "tiny mlp 32-64-64-1, 100k, batch 32": dict(sizes=(32, 64, 64, 1), n=100_000, batch=32, loss="mse"),
}


def make_data(sizes, n, loss):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, sizes[0], generator=g)
    if loss == "mse":
        y = torch.randn(n, 1, generator=g)
    else:
        y = torch.randint(0, sizes[-1], (n,), generator=g)
    return x, y


def torch_model(sizes):
    mods = []
    for i in range(len(sizes) - 1):
        mods.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


def keras_model(sizes):
    model = keras.Sequential([keras.Input(shape=(sizes[0],))])
    for i, units in enumerate(sizes[1:]):
        model.add(layers.Dense(units, activation="relu" if i < len(sizes) - 2 else None))
    return model


def torch_epoch(model, opt, x, y, batch, loss_name):
    loss_fn = nn.MSELoss() if loss_name == "mse" else nn.CrossEntropyLoss()
    n = x.shape[0]
    perm = torch.randperm(n)
    total = torch.zeros(())
    model.train()
    for i in range(0, n, batch):
        idx = perm[i : i + batch]
        xb, yb = x[idx], y[idx]
        loss = loss_fn(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += loss.detach()
    return float(total)


def time_it(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_case(name, cfg, repeats):
    sizes, n, batch, loss = cfg["sizes"], cfg["n"], cfg["batch"], cfg["loss"]
    x, y = make_data(sizes, n, loss)
    tm = torch_model(sizes)
    topt = torch.optim.Adam(tm.parameters(), lr=1e-3, eps=1e-7)
    km = keras_model(sizes)
    km.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True) if loss != "mse" else "mse",
    )
    # Warm up both once (allocator, first-call costs).
    torch_epoch(tm, topt, x[: batch * 20], y[: batch * 20], batch, loss)
    km.fit(x[: batch * 20], y[: batch * 20], batch_size=batch, epochs=1, verbose=0)
    a, b = [], []
    for _ in range(repeats):
        a.append(time_it(lambda: torch_epoch(tm, topt, x, y, batch, loss)))
        b.append(time_it(lambda: km.fit(x, y, batch_size=batch, epochs=1, verbose=0)))
    # predict vs an inference_mode forward in batches
    pa, pb = [], []
    for _ in range(repeats):

        def ref_predict():
            with torch.inference_mode():
                tm.eval()
                torch.cat([tm(x[i : i + 1024]) for i in range(0, n, 1024)]).numpy()

        pa.append(time_it(ref_predict))
        pb.append(time_it(lambda: km.predict(x, batch_size=1024, verbose=0)))
    ta, tb = statistics.median(a), statistics.median(b)
    qa, qb = statistics.median(pa), statistics.median(pb)
    return name, ta, tb, qa, qb


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), median of {args.repeats} epochs\n")
    header = f"{'case':40s} {'torch s/ep':>10s} {'fit s/ep':>10s} {'fit/torch':>9s} {'predict/torch':>13s}"
    print(header)
    print("-" * len(header))
    for name, cfg in CASES.items():
        name, ta, tb, qa, qb = bench_case(name, cfg, args.repeats)
        print(f"{name:40s} {ta:10.3f} {tb:10.3f} {tb / ta:9.3f} {qb / qa:13.3f}")


if __name__ == "__main__":
    main()
