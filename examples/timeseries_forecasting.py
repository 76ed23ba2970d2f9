"""Time series forecasting: windows from `timeseries_dataset_from_array`, an LSTM, the Keras way.

The series is generated here (two seasonal cycles plus noise, three
features), so nothing is downloaded. The model predicts the first feature
12 steps ahead from the last 48 steps and is compared with the naive
"same as now" forecast.

    python examples/timeseries_forecasting.py
"""

import os

import numpy as np

import kerastorch as keras
from kerastorch import layers

PAST, AHEAD = 48, 12


def make_series(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(n, dtype="float32")
    level = np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 168)
    temperature = level + 0.1 * rng.standard_normal(n)
    humidity = -0.5 * level + 0.1 * rng.standard_normal(n)
    hour = np.cos(2 * np.pi * t / 24)
    return np.stack([temperature, humidity, hour], axis=1).astype("float32")


def windows(series: np.ndarray, shuffle: bool):
    return keras.utils.timeseries_dataset_from_array(
        series[:-AHEAD],
        targets=series[PAST + AHEAD - 1 :, 0],
        sequence_length=PAST,
        batch_size=64,
        shuffle=shuffle,
        seed=0,
    )


def main(epochs: int = 5) -> tuple[float, float]:
    keras.utils.set_random_seed(0)
    series = make_series(3000)
    split = 2400
    mean, std = series[:split].mean(0), series[:split].std(0)
    series = (series - mean) / std
    train, val = windows(series[:split], shuffle=True), windows(series[split:], shuffle=False)

    model = keras.Sequential(
        [
            keras.Input(shape=(PAST, 3)),
            layers.LSTM(32),
            layers.Dense(1),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse", metrics=["mae"])
    history = model.fit(train, epochs=epochs, validation_data=val, verbose=2)
    val_mae = history.history["val_mae"][-1]
    now = series[split + PAST - 1 : len(series) - AHEAD, 0]
    future = series[split + PAST + AHEAD - 1 :, 0]
    naive_mae = float(np.abs(future - now).mean())
    print(f"LSTM validation MAE: {val_mae:.4f}; naive forecast MAE: {naive_mae:.4f}")
    return val_mae, naive_mae


if __name__ == "__main__":
    model_mae, naive_mae = main(int(os.environ.get("EPOCHS", 5)))
    if model_mae >= naive_mae:
        raise SystemExit("The LSTM did not beat the naive forecast.")
