"""Train one script on one process or many: `python` or `torchrun`, no code change.

    python examples/distributed_training.py
    torchrun --standalone --nproc_per_node=2 examples/distributed_training.py

Under torchrun every process runs this file. kerastorch notices the launch,
creates the process group (gloo on CPU, nccl on GPUs, one GPU per process
by LOCAL_RANK), wraps the model in DistributedDataParallel and gives each
process its share of every global batch of 128. Only rank 0 prints, writes
TensorBoard logs and saves the checkpoint; the History is the same on
every rank. `--fsdp` shards weights and optimizer state with FSDP2 instead.

Data: scikit-learn's digits (ships with scikit-learn, no download).
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import kerastorch as keras


def load_digits():
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    x = (digits.images / 16.0).astype("float32").reshape(-1, 64)
    y = digits.target.astype("int64")
    rng = np.random.default_rng(0)  # the same split on every rank
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    return (x[:1500], y[:1500]), (x[1500:], y[1500:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128, help="global batch size")
    parser.add_argument("--fsdp", action="store_true", help="shard with FSDP2 instead of DDP")
    parser.add_argument("--out", default="logs/distributed")
    args = parser.parse_args()

    if args.fsdp:
        keras.distribution.set_distribution(keras.distribution.FSDP())
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_test, y_test) = load_digits()
    model = keras.Sequential([
        keras.Input((64,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.1),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10),
    ])
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(
        x_train, y_train,
        batch_size=args.batch_size,
        epochs=args.epochs,
        validation_data=(x_test, y_test),
        callbacks=[
            keras.callbacks.TensorBoard(os.path.join(args.out, "tensorboard")),
            keras.callbacks.EarlyStopping("val_accuracy", patience=3, restore_best_weights=True),
        ],
        verbose=2,
    )
    model.save(os.path.join(args.out, "digits.keras"))  # every rank calls it; rank 0 writes
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)  # global over all ranks
    if keras.distribution.is_main_process():
        print(
            f"{keras.distribution.world_size()} process(es): test accuracy {accuracy:.3f} "
            f"after {len(history.history['loss'])} epochs; saved {args.out}/digits.keras"
        )


if __name__ == "__main__":
    main()
