"""Benchmark: samples/second of `fit` on 1 process and under torchrun (DDP), same run.

Rows (each a fresh process, the same model, data and global batch):

- `1 process`:           `python` - plain fit, no process group;
- `torchrun x1 + DDP`:   one process with `set_distribution(DataParallel())`,
                         i.e. the DDP wrapper's own overhead;
- `torchrun x2 (DDP)`:   two processes (CPU: one thread each; GPU: one GPU each);
- `hand-written torch DDP x2`: the same job as a plain torch DDP loop, for reference.

    python scripts/bench_ddp.py [--device cpu|cuda] [--nproc 2] [--epochs 3]

On CPU the two processes share this machine's cores, so x2 measures
scaling on one host, not across GPUs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


def worker(args) -> None:
    import torch

    import kerastorch as keras

    torch.set_num_threads(1)
    if args.force_ddp:
        keras.distribution.set_distribution(keras.distribution.DataParallel())
    device = torch.device(f"cuda:{os.environ.get('LOCAL_RANK', '0')}") if args.device == "cuda" else torch.device("cpu")
    g = torch.Generator().manual_seed(0)
    # On the device already, as in the hand-written loop.
    x = torch.randn(args.samples, 784, generator=g).to(device)
    y = torch.randint(0, 10, (args.samples,), generator=g).to(device)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dense(10),
    ])
    model.to(device)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0)  # warm-up
    start = time.perf_counter()
    model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, verbose=0)
    elapsed = time.perf_counter() - start
    if keras.distribution.is_main_process():
        print(json.dumps({"samples_per_s": args.samples * args.epochs / elapsed,
                          "world": keras.distribution.world_size()}))


def plain_worker(args) -> None:
    """The hand-written torch DDP loop the same job would be without kerastorch."""
    import torch
    import torch.distributed as dist
    from torch import nn

    torch.set_num_threads(1)
    dist.init_process_group("nccl" if args.device == "cuda" else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device("cuda", int(os.environ["LOCAL_RANK"])) if args.device == "cuda" else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(args.samples, 784, generator=g).to(device)
    y = torch.randint(0, 10, (args.samples,), generator=g).to(device)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)).to(device)
    ddp = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    opt = torch.optim.Adam(ddp.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    b = args.batch_size

    def epoch():
        perm = torch.randperm(args.samples, device=device)
        dist.broadcast(perm, 0)
        total = torch.zeros((), device=device)
        for i in range(0, args.samples, b):
            idx = perm[i : i + b][rank::world]
            loss = loss_fn(ddp(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach()
        float(total)

    epoch()
    start = time.perf_counter()
    for _ in range(args.epochs):
        epoch()
    elapsed = time.perf_counter() - start
    if rank == 0:
        print(json.dumps({"samples_per_s": args.samples * args.epochs / elapsed, "world": world}))


def run(cmd, args) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    flags = ["--worker", "--device", args.device, "--samples", str(args.samples),
             "--batch-size", str(args.batch_size), "--epochs", str(args.epochs)]
    out = subprocess.run(cmd + flags, env=env, capture_output=True, text=True, check=True)
    return json.loads([line for line in out.stdout.splitlines() if line.startswith("{")][-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--samples", type=int, default=32_768)
    parser.add_argument("--batch-size", type=int, default=256, help="global batch size")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--force-ddp", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        plain_worker(args) if args.plain else worker(args)
        return
    me = os.path.abspath(__file__)
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    rows = [
        ("1 process", [sys.executable, me]),
        ("torchrun x1 + DDP", [*torchrun, "--nproc_per_node=1", me, "--force-ddp"]),
        (f"torchrun x{args.nproc}" + (" (DDP)" if args.nproc > 1 else " (no wrapper)"),
         [*torchrun, f"--nproc_per_node={args.nproc}", me]),
        (f"hand-written torch DDP x{args.nproc}", [*torchrun, f"--nproc_per_node={args.nproc}", me, "--plain"]),
    ]
    print(f"MLP 784-512-512-10, {args.samples} samples, global batch {args.batch_size}, "
          f"device {args.device}, {args.epochs} timed epochs\n")
    print(f"{'configuration':24s} {'samples/s':>10s} {'vs 1 process':>12s}")
    base = None
    for name, cmd in rows:
        result = run(cmd, args)
        rate = result["samples_per_s"]
        base = base or rate
        print(f"{name:24s} {rate:10.0f} {rate / base:12.2f}")


if __name__ == "__main__":
    main()
