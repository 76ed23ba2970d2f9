"""Write the Keras 3 reference files that tests/test_keras3_migration.py loads.

Run with real Keras 3 on the torch backend (never imported by kerastorch):

    KERAS_BACKEND=torch python tests/data/keras3/make_archives.py

For each model it writes `<name>.keras` (the full archive, compiled and
trained for one epoch so optimizer and BatchNormalization statistics are not
at their initial values), `<name>.weights.h5` (`model.save_weights`) and
`<name>.npz` holding the test inputs (`x`) and Keras's predictions (`y`,
or `y0`, `y1`, ... for several outputs). `mlp_legacy.h5` is the MLP in the
legacy Keras 2 HDF5 format, which kerastorch refuses with a clear error.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def mlp():
    """A Sequential MLP with dropout, trained with Adam."""
    model = keras.Sequential(
        [
            keras.Input((8,)),
            layers.Dense(16, activation="relu"),
            layers.Dropout(0.1),
            layers.Dense(4, activation="softmax"),
        ],
        name="mlp",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 8)).astype("float32")
    y = np.eye(4, dtype="float32")[rng.integers(0, 4, 32)]
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    return model, {"x": x[:6]}


def cnn():
    """A Functional CNN: BatchNormalization, SeparableConv2D, an Add merge, two outputs."""
    inputs = keras.Input((10, 10, 3), name="image")
    x = layers.Conv2D(6, 3, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    y = layers.SeparableConv2D(6, 3, padding="same", depth_multiplier=2)(x)
    y = layers.BatchNormalization()(y)
    x = layers.Add()([x, y])
    x = layers.MaxPooling2D()(x)
    x = layers.DepthwiseConv2D(3, padding="same")(x)
    features = layers.GlobalAveragePooling2D()(x)
    label = layers.Dense(3, activation="softmax", name="label")(features)
    score = layers.Dense(1, name="score")(layers.Flatten()(x))
    model = keras.Model(inputs, [label, score], name="cnn")
    model.compile(
        optimizer="rmsprop",
        loss={"label": "sparse_categorical_crossentropy", "score": "mse"},
        metrics={"label": ["accuracy"]},
    )
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 10, 10, 3)).astype("float32")
    targets = {
        "label": rng.integers(0, 3, 16),
        "score": rng.normal(size=(16, 1)).astype("float32"),
    }
    model.fit(x, targets, epochs=2, batch_size=4, verbose=0)
    return model, {"x": x[:4]}


def rnn():
    """Embedding(mask_zero) -> Bidirectional(LSTM) -> GRU(reset_after=False) -> GRU."""
    inputs = keras.Input((7,), dtype="int32", name="tokens")
    x = layers.Embedding(30, 6, mask_zero=True)(inputs)
    x = layers.Bidirectional(layers.LSTM(5, return_sequences=True))(x)
    x = layers.GRU(4, return_sequences=True, reset_after=False)(x)
    x = layers.GRU(4)(x)  # reset_after=True, the default
    outputs = layers.Dense(2)(x)
    model = keras.Model(inputs, outputs, name="rnn")
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    rng = np.random.default_rng(2)
    tokens = rng.integers(1, 30, size=(12, 7)).astype("int32")
    for i, length in enumerate([7, 5, 3, 6, 1, 7, 4, 2, 7, 6, 5, 3]):
        tokens[i, length:] = 0  # right padding, masked by the Embedding
    model.fit(tokens, rng.normal(size=(12, 2)).astype("float32"), epochs=1, verbose=0)
    return model, {"x": tokens[:5]}


def nested():
    """A Functional model holding a Sequential, plus more layer kinds."""
    block = keras.Sequential(
        [keras.Input((6, 8)), layers.Dense(8, activation="tanh"), layers.LayerNormalization()],
        name="block",
    )
    inputs = keras.Input((6, 4), name="seq")
    x = layers.Conv1D(8, 3, padding="same")(inputs)
    x = block(x)
    x = layers.MultiHeadAttention(num_heads=2, key_dim=3)(x, x)
    x = layers.SimpleRNN(5, return_sequences=True)(x)
    x = layers.Conv1DTranspose(3, 2, strides=2)(x)
    x = layers.TimeDistributed(layers.Dense(2))(x)
    outputs = layers.Conv1D(1, 1)(x)
    model = keras.Model(inputs, outputs, name="nested")
    model.compile(optimizer="sgd", loss="mae")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(8, 6, 4)).astype("float32")
    model.fit(x, rng.normal(size=(8, 12, 1)).astype("float32"), epochs=1, verbose=0)
    return model, {"x": x[:3]}


def main():
    keras.utils.set_random_seed(0)
    for build in (mlp, cnn, rnn, nested):
        model, inputs = build()
        name = build.__name__
        model.save(os.path.join(HERE, f"{name}.keras"))
        model.save_weights(os.path.join(HERE, f"{name}.weights.h5"))
        outputs = model.predict(inputs["x"], verbose=0)
        if isinstance(outputs, (list, tuple)):
            arrays = {f"y{i}": np.asarray(y) for i, y in enumerate(outputs)}
        else:
            arrays = {"y": np.asarray(outputs)}
        np.savez(os.path.join(HERE, f"{name}.npz"), **inputs, **arrays)
        print(f"wrote {name}: keras {keras.__version__}")
        if name == "mlp":
            model.save(os.path.join(HERE, "mlp_legacy.h5"))


if __name__ == "__main__":
    main()
