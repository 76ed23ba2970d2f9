"""Benchmark: kerastorch `fit` vs hand-written PyTorch loops, measured in the same run.

For each case the same architecture trains on the same in-memory data with:

- `torch`:          a plain eager PyTorch loop (randperm + slicing, Adam,
                    loss summed on device, no host sync inside the epoch);
- `torch+compile`:  the same loop with `torch.compile` on model+loss and on
                    `optimizer.step` (torch's documented recipe);
- `fit`, `fit spe=32`, `fit jit`, `fit jit+spe=32`: `model.fit(verbose=0)`
  eager, with `steps_per_execution=32`, with `jit_compile=True`, and both.

Variants are interleaved epoch by epoch; the table gives the median epoch
time and the ratio to the eager torch loop and to the faster hand-written
loop. Compile time is the first (warm-up) epoch on a slice of the data minus
a steady-state epoch of the same slice, reported separately.

    python scripts/bench_fit.py [--repeats 5] [--threads 1] [--device cpu|cuda] [--cases mlp,tiny,cnn]
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
    "tiny": dict(title="tiny MLP 32-64-64-1, batch 32", kind="mlp", sizes=(32, 64, 64, 1), n=32_000, batch=32, loss="mse"),
    "mlp": dict(title="MLP 784-256-256-10, batch 128", kind="mlp", sizes=(784, 256, 256, 10), n=25_600, batch=128, loss="sce"),
    "cnn": dict(title="CNN 32x32x3 (2 conv), batch 64", kind="cnn", n=6_400, batch=64, loss="sce"),
}
FIT_VARIANTS = {
    "fit": dict(steps_per_execution=1, jit_compile=False),
    "fit spe=32": dict(steps_per_execution=32, jit_compile=False),
    "fit jit": dict(steps_per_execution=1, jit_compile=True),
    "fit jit+spe=32": dict(steps_per_execution=32, jit_compile=True),
}
# CUDA only: the compiled steps replayed as CUDA graphs.
CUDA_VARIANTS = {
    "fit jit(ro)+spe=32": dict(steps_per_execution=32, jit_compile={"mode": "reduce-overhead"}),
}


def make_data(cfg, device, scale=1.0):
    g = torch.Generator().manual_seed(0)
    n = int(cfg["n"] * scale) // cfg["batch"] * cfg["batch"]
    if cfg["kind"] == "cnn":
        x = torch.randn(n, 32, 32, 3, generator=g)
        y = torch.randint(0, 10, (n,), generator=g)
    else:
        sizes = cfg["sizes"]
        x = torch.randn(n, sizes[0], generator=g)
        y = torch.randn(n, 1, generator=g) if cfg["loss"] == "mse" else torch.randint(0, sizes[-1], (n,), generator=g)
    return x.to(device), y.to(device)


class _ChannelsLast(nn.Module):
    def forward(self, x):  # NHWC data -> NCHW view for torch's conv
        return x.permute(0, 3, 1, 2)


def torch_model(cfg):
    if cfg["kind"] == "cnn":
        return nn.Sequential(
            _ChannelsLast(),
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 8 * 8, 10),
        )
    sizes, mods = cfg["sizes"], []
    for i in range(len(sizes) - 1):
        mods.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


def keras_model(cfg):
    if cfg["kind"] == "cnn":
        return keras.Sequential([
            keras.Input((32, 32, 3)),
            layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
            layers.Flatten(), layers.Dense(10),
        ])
    sizes = cfg["sizes"]
    model = keras.Sequential([keras.Input(shape=(sizes[0],))])
    for i, units in enumerate(sizes[1:]):
        model.add(layers.Dense(units, activation="relu" if i < len(sizes) - 2 else None))
    return model


class TorchLoop:
    """The loop a PyTorch user writes; `compiled=True` adds torch.compile as torch documents."""

    def __init__(self, cfg, device, compiled):
        self.model = torch_model(cfg).to(device)
        self.opt = torch.optim.Adam(
            self.model.parameters(), lr=torch.tensor(1e-3) if compiled else 1e-3, eps=1e-7
        )
        loss_fn = nn.MSELoss() if cfg["loss"] == "mse" else nn.CrossEntropyLoss()
        model = self.model

        def forward_loss(xb, yb):
            return loss_fn(model(xb), yb)

        # dynamic=False: one shape per run (the inductor of torch 2.14 fails on
        # the CNN once it guesses dynamic spatial sizes).
        self.forward_loss = torch.compile(forward_loss, dynamic=False) if compiled else forward_loss
        self.step = torch.compile(self.opt.step) if compiled else self.opt.step
        self.batch = cfg["batch"]

    def epoch(self, x, y):
        n, batch = x.shape[0], self.batch
        perm = torch.randperm(n, device=x.device)
        total = torch.zeros((), device=x.device)
        self.model.train()
        for i in range(0, n - batch + 1, batch):  # full batches: one compiled shape
            idx = perm[i : i + batch]
            loss = self.forward_loss(x[idx], y[idx])
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.step()
            total += loss.detach()
        return float(total)


class FitLoop:
    def __init__(self, cfg, device, variant):
        keras.utils.set_random_seed(0)
        self.model = keras_model(cfg).to(device)
        loss = "mse" if cfg["loss"] == "mse" else keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.model.compile(
            optimizer=keras.optimizers.Adam(1e-3), loss=loss, **{**FIT_VARIANTS, **CUDA_VARIANTS}[variant]
        )
        self.batch = cfg["batch"]

    def epoch(self, x, y):
        self.model.fit(x, y, batch_size=self.batch, epochs=1, verbose=0)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, device, *args):
    sync(device)
    start = time.perf_counter()
    fn(*args)
    sync(device)
    return time.perf_counter() - start


def bench_case(cfg, device, repeats, scale=1.0):
    x, y = make_data(cfg, device, scale)
    warm_n = cfg["batch"] * 40
    xw, yw = x[:warm_n], y[:warm_n]
    loops = {"torch": TorchLoop(cfg, device, False), "torch+compile": TorchLoop(cfg, device, True)}
    variants = {**FIT_VARIANTS, **(CUDA_VARIANTS if device.type == "cuda" else {})}
    loops.update({name: FitLoop(cfg, device, name) for name in variants})
    compile_s = {}
    for name, loop in loops.items():
        first = timed(loop.epoch, device, xw, yw)  # compiles here
        second = timed(loop.epoch, device, xw, yw)
        compile_s[name] = max(first - second, 0.0)
    times = {name: [] for name in loops}
    for _ in range(repeats):
        for name, loop in loops.items():
            times[name].append(timed(loop.epoch, device, x, y))
    return {name: statistics.median(t) for name, t in times.items()}, compile_s


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--cases", default="tiny,mlp,cnn")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of each case's samples")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {args.threads} thread(s)"
    print(f"torch {torch.__version__}, {where}, median of {args.repeats} epochs\n")
    header = (
        f"{'case':32s} {'variant':15s} {'s/epoch':>8s} {'/torch':>7s} {'/best hand':>10s} {'compile s':>9s}"
    )
    print(header)
    print("-" * len(header))
    for key in args.cases.split(","):
        cfg = CASES[key]
        medians, compile_s = bench_case(cfg, device, args.repeats, args.scale)
        best_hand = min(medians["torch"], medians["torch+compile"])
        for name, t in medians.items():
            print(
                f"{cfg['title']:32s} {name:15s} {t:8.3f} {t / medians['torch']:7.3f} "
                f"{t / best_hand:10.3f} {compile_s[name]:9.1f}"
            )
        print()


if __name__ == "__main__":
    main()
