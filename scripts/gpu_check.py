"""CUDA checks CI cannot run: the same training on CPU and GPU, compiled and not.

    python scripts/gpu_check.py

Prints one line per check with the largest difference found; exits 1 if a
check fails. Needs a CUDA device.
"""

from __future__ import annotations

import sys

import numpy as np
import torch

import kerastorch as keras

FAILED = []


def report(name, diff, tol):
    ok = diff <= tol
    if not ok:
        FAILED.append(name)
    print(f"{'ok  ' if ok else 'FAIL'} {name:55s} max diff {diff:.2e} (tol {tol:g})", flush=True)


def cnn():
    return keras.Sequential([
        keras.Input((16, 16, 3)),
        keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(4),
    ])


def rnn():
    return keras.Sequential([
        keras.Input((12,), dtype="int64"),
        keras.layers.Embedding(50, 8, mask_zero=True),
        keras.layers.Bidirectional(keras.layers.LSTM(8, return_sequences=True)),
        keras.layers.GRU(8),
        keras.layers.Dense(4),
    ])


def train(build, x, y, device, **compile_kwargs):
    keras.utils.set_random_seed(0)
    model = build()
    model.to(device)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        **compile_kwargs,
    )
    history = model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    return model, history


def max_weight_diff(a, b):
    return max(float(np.abs(p - q).max()) for p, q in zip(a.get_weights(), b.get_weights()))


def main():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cpu-comparison", action="store_true")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("gpu_check.py needs a CUDA device.")
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}", flush=True)
    rng = np.random.default_rng(0)
    x_img = rng.normal(size=(200, 16, 16, 3)).astype("float32")
    x_seq = rng.integers(0, 50, size=(200, 12))
    x_seq[:, 9:] = 0  # padding, masked
    y = rng.integers(0, 4, size=(200,))

    comparisons = () if args.skip_cpu_comparison else (
        ("CNN + BatchNorm", cnn, x_img), ("Embedding/BiLSTM/GRU (cuDNN)", rnn, x_seq)
    )
    for name, build, x in comparisons:
        cpu, _ = train(build, x, y, "cpu")
        gpu, _ = train(build, x, y, "cuda")
        report(f"{name}: CPU vs CUDA weights after 2 epochs", max_weight_diff(cpu, gpu), 1e-3)
        p_cpu = cpu.predict(x, verbose=0)
        p_gpu = gpu.predict(x, verbose=0)
        report(f"{name}: CUDA predict vs CPU predict", float(np.abs(p_cpu - p_gpu).max()), 1e-2)

    eager, _ = train(cnn, x_img, y, "cuda")
    if not args.skip_cpu_comparison:
        jit, _ = train(cnn, x_img, y, "cuda", jit_compile=True)
        report("CNN: jit_compile vs eager on CUDA", max_weight_diff(eager, jit), 1e-4)
        spe, _ = train(cnn, x_img, y, "cuda", jit_compile=True, steps_per_execution=4)
        report("CNN: jit_compile + steps_per_execution=4 vs eager", max_weight_diff(eager, spe), 1e-4)
    graphs, _ = train(cnn, x_img, y, "cuda", jit_compile={"mode": "reduce-overhead"}, steps_per_execution=4)
    report("CNN: jit_compile reduce-overhead (CUDA graphs) vs eager", max_weight_diff(eager, graphs), 1e-4)

    for policy in ("mixed_float16", "mixed_bfloat16"):
        keras.mixed_precision.set_global_policy(policy)
        try:
            model, history = train(cnn, x_img, y, "cuda")
        finally:
            keras.mixed_precision.set_global_policy("float32")
        finite = bool(np.isfinite(history.history["loss"]).all())
        report(f"{policy}: CNN trains on CUDA (loss finite, weights float32)",
               0.0 if finite and model.layers[0].kernel.dtype == torch.float32 else 1.0, 0.0)
    if FAILED:
        sys.exit(f"{len(FAILED)} check(s) failed: {FAILED}")


if __name__ == "__main__":
    main()
