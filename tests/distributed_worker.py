"""A Keras user's training script, run by tests/test_distributed.py.

The same file runs as one process (`python distributed_worker.py CASE OUT`)
and under `torchrun --nproc_per_node=2 ...`: nothing in it is specific to
distribution except where a case says so. Results go to OUT/rank<R>/.
"""

import json
import os
import sys

import numpy as np
import torch

import kerastorch as keras

CASE, OUT = sys.argv[1], sys.argv[2]
RANK = int(os.environ.get("RANK", "0"))
HERE = os.path.join(OUT, f"rank{RANK}")
os.makedirs(HERE, exist_ok=True)
torch.set_num_threads(1)


def data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int64")
    return x, y


def mlp(bn=False, **compile_kwargs):
    keras.utils.set_random_seed(7)
    layers = [keras.Input((10,)), keras.layers.Dense(16, activation="relu")]
    if bn:
        layers.append(keras.layers.BatchNormalization(synchronized=True))
    layers += [keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)]
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        **compile_kwargs,
    )
    return model


def save(name, model, history=None, **arrays):
    np.savez(os.path.join(HERE, f"{name}_weights.npz"), *model.get_weights(), **arrays)
    if history is not None:
        with open(os.path.join(HERE, f"{name}_history.json"), "w") as f:
            json.dump(history.history, f)


def case_train():
    x, y = data()
    xv, yv = data(64, seed=1)
    # Plain MLP: arrays, shuffled, validation, callbacks writing files.
    model = mlp()
    history = model.fit(
        x, y, batch_size=64, epochs=3, validation_data=(xv, yv), verbose=0,
        callbacks=[
            keras.callbacks.CSVLogger(os.path.join(HERE, "log.csv")),
            keras.callbacks.ModelCheckpoint(os.path.join(HERE, "best.keras")),
            keras.callbacks.TensorBoard(os.path.join(HERE, "tb")),
        ],
    )
    save("mlp", model, history,
         predict=model.predict(xv, batch_size=16, verbose=0),
         evaluate=np.array(model.evaluate(xv, yv, batch_size=16, verbose=0)))
    # BatchNormalization(synchronized=True): global batch statistics.
    model = mlp(bn=True)
    history = model.fit(x, y, batch_size=64, epochs=2, verbose=0)
    save("bn", model, history)
    # A torch Dataset (DistributedSampler under torchrun).
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    model = mlp()
    history = model.fit(torch.utils.data.DataLoader(dataset, batch_size=64), epochs=2, verbose=0)
    save("loader", model, history)
    # EarlyStopping decides on global logs: every rank stops at the same epoch.
    model = mlp()
    history = model.fit(
        x, y, batch_size=64, epochs=20, validation_data=(xv, yv), verbose=0,
        callbacks=[keras.callbacks.EarlyStopping("val_loss", min_delta=10.0, patience=1)],
    )
    save("early", model, history)


def case_jit():
    """jit_compile under DDP: the compiled forward goes through the DDP wrapper."""
    x, y = data()
    model = mlp(jit_compile={"backend": "aot_eager"})
    history = model.fit(x, y, batch_size=64, epochs=2, verbose=0)
    save("jit", model, history)


def case_fsdp():
    if os.environ.get("WORLD_SIZE"):
        keras.distribution.set_distribution(keras.distribution.FSDP())
    x, y = data()
    model = mlp()
    history = model.fit(x, y, batch_size=64, epochs=2, verbose=0)
    model.save(os.path.join(OUT, "fsdp.keras"))
    weights = os.path.join(OUT, "fsdp.weights.safetensors")
    model.save_weights(weights)
    model.load_weights(weights)  # sharded again on load under FSDP
    predictions = model.predict(x[:50], verbose=0)
    save("fsdp", model if not os.environ.get("WORLD_SIZE") else _full_copy(), history,
         predict=predictions)


def _full_copy():
    # Under FSDP, rank 0's weights come back from the saved archive.
    restored = keras.models.load_model(os.path.join(OUT, "fsdp.keras"))
    return restored


def case_restart():
    """BackupAndRestore: on the first attempt, rank 1 dies in epoch 3."""
    x, y = data()
    model = mlp()
    attempt = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0"))

    class Crash(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if attempt == 0 and RANK == 1 and epoch == 2 and os.environ.get("WORLD_SIZE"):
                os._exit(17)

    history = model.fit(
        x, y, batch_size=64, epochs=4, verbose=0,
        callbacks=[keras.callbacks.BackupAndRestore(os.path.join(OUT, "backup")), Crash()],
    )
    with open(os.path.join(HERE, f"attempt{attempt}.json"), "w") as f:
        json.dump({"epochs_run": len(history.history["loss"])}, f)
    save("restart", model, history)


def case_nodes():
    from kerastorch import distribution

    x, y = data()
    model = mlp()
    history = model.fit(x, y, batch_size=64, epochs=2, verbose=0)
    with open(os.path.join(HERE, "ids.json"), "w") as f:
        json.dump({"rank": distribution.rank(), "local_rank": distribution.local_rank(),
                   "world": distribution.world_size()}, f)
    save("nodes", model, history)


{"train": case_train, "jit": case_jit, "fsdp": case_fsdp, "restart": case_restart, "nodes": case_nodes}[CASE]()
