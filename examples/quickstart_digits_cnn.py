"""Quickstart: a small CNN on scikit-learn's handwritten digits, the Keras way.

Only the import differs from a Keras program. The data (1,797 8x8 images)
ships with scikit-learn, so nothing is downloaded. Training is logged for
TensorBoard under `logs/quickstart` (`tensorboard --logdir logs`), and the
trained model is saved to `quickstart.keras` and loaded back.

    python examples/quickstart_digits_cnn.py
"""

import time

import numpy as np
from sklearn.datasets import load_digits

import kerastorch as keras
from kerastorch import layers


def main() -> float:
    keras.utils.set_random_seed(42)
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]  # (1797, 8, 8, 1), channels_last
    y = digits.target.astype("int64")
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]

    model = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(128, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.summary()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=2e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    history = model.fit(
        x,
        y,
        batch_size=64,
        epochs=15,
        validation_split=0.2,
        verbose=2,
        callbacks=[keras.callbacks.TensorBoard(log_dir="logs/quickstart", histogram_freq=5)],
    )
    elapsed = time.perf_counter() - start
    val_accuracy = history.history["val_accuracy"][-1]
    print(f"Trained in {elapsed:.1f}s; final validation accuracy: {val_accuracy:.4f}")
    print("TensorBoard logs in logs/quickstart: run `tensorboard --logdir logs` to look at them.")

    model.save("quickstart.keras")
    restored = keras.models.load_model("quickstart.keras")
    probabilities = restored.predict(x[:5], verbose=0)
    assert np.array_equal(probabilities, model.predict(x[:5], verbose=0))
    print("Saved to quickstart.keras and loaded back; predicted digits:", probabilities.argmax(axis=-1), "true:", y[:5])
    return val_accuracy


if __name__ == "__main__":
    accuracy = main()
    if accuracy < 0.95:
        raise SystemExit(f"Validation accuracy {accuracy:.4f} is below 0.95")
