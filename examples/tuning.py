"""Hyperparameter tuning: KerasTuner's API on Optuna, on scikit-learn's digits.

A `build_model(hp)` function defines the search space as it builds the
model; `RandomSearch` samples it, fits each model with `search`'s arguments
and keeps the best epoch's weights. The study is an SQLite file under
`tuning/digits_mlp/study.db`: run the script again and it continues where it
stopped (raise `--max-trials` to run more). TensorBoard logs, with the
HParams dashboard, are under `tuning/digits_mlp/tensorboard`.

    python examples/tuning.py [--max-trials 6] [--epochs 6] [--overwrite]
"""

import argparse

import numpy as np
from sklearn.datasets import load_digits

import kerastorch as keras
from kerastorch import layers
from kerastorch import tuners


def build_model(hp):
    model = keras.Sequential([keras.Input(shape=(64,))])
    for i in range(hp.Int("num_layers", 1, 2)):
        model.add(layers.Dense(hp.Int(f"units_{i}", 32, 128, step=32), activation="relu"))
    if hp.Boolean("dropout"):
        model.add(layers.Dropout(0.2))
    model.add(layers.Dense(10, activation="softmax"))
    learning_rate = hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def main(max_trials: int = 6, epochs: int = 6, directory: str = "tuning",
         overwrite: bool = False) -> tuple[float, dict]:
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")  # (1797, 64)
    y = digits.target.astype("int64")
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    x_train, y_train, x_val, y_val = x[:1400], y[:1400], x[1400:], y[1400:]

    tuner = tuners.RandomSearch(
        build_model,
        objective="val_accuracy",
        max_trials=max_trials,
        seed=0,
        directory=directory,
        project_name="digits_mlp",
        overwrite=overwrite,
    )
    tuner.search_space_summary()
    tuner.search(x_train, y_train, epochs=epochs, batch_size=128,
                 validation_data=(x_val, y_val), verbose=0)
    tuner.results_summary(num_trials=3)

    best_hp = tuner.get_best_hyperparameters(1)[0]
    best_model = tuner.get_best_models(1)[0]
    _, accuracy = best_model.evaluate(x_val, y_val, verbose=0)
    print(f"\nBest hyperparameters: {best_hp.values}")
    print(f"Best model's validation accuracy: {accuracy:.4f}")
    return accuracy, best_hp.values


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-trials", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--directory", default="tuning")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()
    main(args.max_trials, args.epochs, args.directory, args.overwrite)
