"""Keras 3 files both ways: archives and `.weights.h5` written by Keras load here with
the same predictions, and files written here load in Keras 3 (run in a subprocess).

The reference files in tests/data/keras3/ were written by Keras 3.15 with
`make_archives.py` in that folder.
"""

import json
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
import torch

import kerastorch as keras
from kerastorch import layers
from kerastorch.saving import keras3

h5py = pytest.importorskip("h5py")

DATA = os.path.join(os.path.dirname(__file__), "data", "keras3")
NAMES = ("mlp", "cnn", "rnn", "nested")


def data(name: str) -> str:
    return os.path.join(DATA, name)


def reference(name: str):
    """The test inputs and Keras's predictions (a list: one array per output)."""
    arrays = np.load(data(f"{name}.npz"))
    outputs = [arrays["y"]] if "y" in arrays else [arrays[f"y{i}"] for i in range(2)]
    return arrays["x"], outputs


def as_list(y):
    return [np.asarray(v) for v in y] if isinstance(y, (list, tuple)) else [np.asarray(y)]


def assert_predicts(model, name: str) -> None:
    x, expected = reference(name)
    got = as_list(model.predict(x, verbose=0))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=1e-5, rtol=0)


# --- the same architectures, written with kerastorch ------------------------------------


def build_mlp():
    return keras.Sequential(
        [
            keras.Input((8,)),
            layers.Dense(16, activation="relu"),
            layers.Dropout(0.1),
            layers.Dense(4, activation="softmax"),
        ]
    )


def build_cnn():
    inputs = keras.Input((10, 10, 3))
    x = layers.Conv2D(6, 3, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    y = layers.SeparableConv2D(6, 3, padding="same", depth_multiplier=2)(x)
    y = layers.BatchNormalization()(y)
    x = layers.Add()([x, y])
    x = layers.MaxPooling2D()(x)
    x = layers.DepthwiseConv2D(3, padding="same")(x)
    label = layers.Dense(3, activation="softmax")(layers.GlobalAveragePooling2D()(x))
    score = layers.Dense(1)(layers.Flatten()(x))
    return keras.Model(inputs, [label, score])


def build_rnn():
    inputs = keras.Input((7,), dtype="int32")
    x = layers.Embedding(30, 6, mask_zero=True)(inputs)
    x = layers.Bidirectional(layers.LSTM(5, return_sequences=True))(x)
    x = layers.GRU(4, return_sequences=True, reset_after=False)(x)
    x = layers.GRU(4)(x)
    return keras.Model(inputs, layers.Dense(2)(x))


BUILDERS = {"mlp": build_mlp, "cnn": build_cnn, "rnn": build_rnn}


# --- Keras -> kerastorch --------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_keras_archive_loads_with_keras_predictions(name):
    model = keras.models.load_model(data(f"{name}.keras"))
    expected_type = keras.Sequential if name == "mlp" else keras.Model
    assert isinstance(model, expected_type)
    assert_predicts(model, name)


def test_batch_norm_statistics_and_masks_come_through():
    model = keras.models.load_model(data("cnn.keras"))
    bn = model.get_layer("batch_normalization")
    with h5py.File(data("cnn.weights.h5")) as f:
        stored = [np.asarray(f[f"layers/batch_normalization/vars/{i}"]) for i in range(4)]
    ours = [bn.gamma, bn.beta, bn.moving_mean, bn.moving_variance]
    for variable, value in zip(ours, stored):
        np.testing.assert_array_equal(variable.detach().numpy(), value)
    assert not np.allclose(stored[2], 0.0)  # trained: not the initial statistics
    # The Embedding's mask reaches the RNNs: the padding token's vector is never read.
    rnn = keras.models.load_model(data("rnn.keras"))
    x, _ = reference("rnn")
    assert (x == 0).any()
    before = rnn.predict(x, verbose=0)
    with torch.no_grad():
        rnn.get_layer("embedding").embeddings[0].fill_(5.0)
    np.testing.assert_allclose(rnn.predict(x, verbose=0), before, atol=1e-6, rtol=0)


def test_compile_config_is_restored_and_training_continues():
    model = keras.models.load_model(data("mlp.keras"))
    assert model.compiled
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert model.optimizer.learning_rate == pytest.approx(1e-3)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 8)).astype("float32")
    y = np.eye(4, dtype="float32")[rng.integers(0, 4, 32)]
    before = model.layers[0].kernel.detach().clone()
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert set(history.history) >= {"loss", "accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert not torch.equal(before, model.layers[0].kernel.detach())


def test_multi_output_compile_config_trains():
    model = keras.models.load_model(data("cnn.keras"))
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 10, 10, 3)).astype("float32")
    targets = {"label": rng.integers(0, 3, 8), "score": rng.normal(size=(8, 1)).astype("float32")}
    logs = model.evaluate(x, targets, verbose=0, return_dict=True)
    assert {"loss", "label_loss", "score_loss"} <= set(logs)
    model.fit(x, targets, epochs=1, batch_size=4, verbose=0)


def test_compile_false_leaves_the_model_uncompiled():
    model = keras.models.load_model(data("mlp.keras"), compile=False)
    assert not model.compiled
    assert_predicts(model, "mlp")


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_load_weights_h5_into_a_model_built_here(name):
    model = BUILDERS[name]()
    model.load_weights(data(f"{name}.weights.h5"))
    assert_predicts(model, name)


def test_load_weights_from_a_keras_archive():
    model = build_cnn()
    model.load_weights(data("cnn.keras"))
    assert_predicts(model, "cnn")


def test_load_weights_mismatch_is_one_error_and_changes_nothing(tmp_path):
    model = keras.Sequential([keras.Input((8,)), layers.Dense(5), layers.Dense(4)])
    before = [w.detach().clone() for w in model.weights]
    with pytest.raises(ValueError, match=r"has shape \(8, 5\), the file has \(8, 16\)"):
        model.load_weights(data("mlp.weights.h5"))
    assert all(torch.equal(a, b) for a, b in zip(before, model.weights))
    with pytest.warns(keras.utils.warnings.KerasTorchWarning, match="Skipping"):
        model.load_weights(data("mlp.weights.h5"), skip_mismatch=True)


def _rewrite_config(src: str, dst, edit, move_groups: dict | None = None) -> None:
    """Copy a Keras archive with its config edited (and weight groups renamed)."""
    import io

    with zipfile.ZipFile(src) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config).encode()
    if move_groups:
        buffer = io.BytesIO(members["model.weights.h5"])
        with h5py.File(buffer, "a") as f:
            for old, new in move_groups.items():
                f.move(old, new)
        members["model.weights.h5"] = buffer.getvalue()
    with zipfile.ZipFile(dst, "w") as archive:
        for n, b in members.items():
            archive.writestr(n, b)


def test_missing_layers_and_custom_objects_are_listed_in_one_error(tmp_path):
    def edit(config):
        dense, dense_1 = config["config"]["layers"][1], config["config"]["layers"][3]
        dense["class_name"] = "FancyKerasLayer"
        dense_1.update(module="my_package.layers", class_name="MyDense", registered_name="MyPkg>MyDense")
        config["config"]["layers"][2]["config"]["noise_shape_mode"] = "cubic"

    path = tmp_path / "odd.keras"
    _rewrite_config(data("mlp.keras"), path, edit)
    with pytest.raises(ValueError) as info:
        keras.models.load_model(path)
    message = str(info.value)
    assert "'FancyKerasLayer'" in message and "'MyDense'" in message
    assert "noise_shape_mode='cubic'" in message
    assert "custom_objects" in message


def test_registered_custom_object_fills_the_gap(tmp_path):
    def edit(config):
        config["config"]["layers"][3].update(
            module="my_package.layers", class_name="MyDense", registered_name="MyPkg>MyDense"
        )

    class MyDense(layers.Dense):
        pass

    path = tmp_path / "custom.keras"
    # Keras names a layer's weight group after its class: `layers/my_dense`.
    _rewrite_config(data("mlp.keras"), path, edit, {"layers/dense_1": "layers/my_dense"})
    model = keras.models.load_model(path, custom_objects={"MyPkg>MyDense": MyDense})
    assert isinstance(model.layers[-1], MyDense)
    assert_predicts(model, "mlp")


def test_legacy_and_foreign_h5_files_are_refused(tmp_path):
    model = build_mlp()
    with pytest.raises(ValueError, match="legacy Keras 2 HDF5"):
        model.load_weights(data("mlp_legacy.h5"))
    with pytest.raises(ValueError, match="not supported"):
        keras.models.load_model(data("mlp_legacy.h5"))
    foreign = tmp_path / "table.h5"
    with h5py.File(foreign, "w") as f:
        f["data"] = np.arange(3)
    with pytest.raises(ValueError, match="not a Keras 3 weights file"):
        model.load_weights(foreign)
    broken = tmp_path / "broken.weights.h5"
    broken.write_bytes(b"not hdf5 at all")
    with pytest.raises(ValueError, match="not a valid HDF5 file"):
        model.load_weights(broken)


def test_missing_h5py_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)  # `import h5py` now raises ImportError
    model = build_mlp()
    with pytest.raises(ImportError, match=r'pip install "kerastorch\[keras-io\]"'):
        model.save_weights(tmp_path / "m.weights.h5")
    with pytest.raises(ImportError, match=r"kerastorch\[keras-io\]"):
        keras.models.load_model(data("mlp.keras"))
    with pytest.raises(ImportError, match=r"kerastorch\[keras-io\]"):
        model.save(tmp_path / "m.keras", format="keras3")
    assert os.listdir(tmp_path) == []


def test_unknown_format_lists_close_matches(tmp_path):
    with pytest.raises(ValueError, match=r"format identifier: 'keras_3'. Did you mean: 'keras3'"):
        build_mlp().save(tmp_path / "m.keras", format="keras_3")


# --- kerastorch -> Keras layout (checked here, without Keras) ----------------------------


def test_saved_archive_has_keras_layout(tmp_path):
    model = build_cnn()
    model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"])
    path = tmp_path / "cnn.keras"
    model.save(path, format="keras3")
    assert keras3.is_keras3_archive(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(archive.read("config.json"))
        assert "keras_version" in json.loads(archive.read("metadata.json"))
        weights = h5py.File(__import__("io").BytesIO(archive.read("model.weights.h5")))
    assert config["module"] == "keras.src.models.functional"
    modules = {layer["module"] for layer in config["config"]["layers"]}
    assert modules == {"keras.layers"}
    assert config["compile_config"]["optimizer"]["module"] == "keras.optimizers"
    # Groups named as Keras names them: by class and rank, in Keras's layer order.
    with h5py.File(data("cnn.weights.h5")) as reference_file:
        expected = _datasets(reference_file)
    assert _datasets(weights) == {k: v for k, v in expected.items() if not k.startswith("optimizer")}
    # The layers' own names are kept as attributes.
    assert weights["layers/conv2d/vars"].attrs["name"] == model.layers[1].name


def _datasets(h5_file) -> dict:
    found = {}
    h5_file.visititems(
        lambda name, obj: found.__setitem__(name, obj.shape) if isinstance(obj, h5py.Dataset) else None
    )
    return found


def test_save_weights_h5_round_trip_here(tmp_path):
    model = build_rnn()
    path = tmp_path / "rnn.weights.h5"
    model.save_weights(path)
    other = build_rnn()
    other.load_weights(path)
    x, _ = reference("rnn")
    np.testing.assert_array_equal(model.predict(x, verbose=0), other.predict(x, verbose=0))
    with pytest.raises(ValueError, match=r"`\.weights\.h5`"):
        model.save_weights(tmp_path / "rnn.h5")


def test_our_own_archives_still_load_our_way(tmp_path):
    model = build_mlp()
    model.save(tmp_path / "ours.keras")
    assert not keras3.is_keras3_archive(tmp_path / "ours.keras")
    restored = keras.models.load_model(tmp_path / "ours.keras")
    x, _ = reference("mlp")
    np.testing.assert_array_equal(model.predict(x, verbose=0), restored.predict(x, verbose=0))


# --- kerastorch -> Keras 3 (Keras itself, in a subprocess) ---------------------------------

_KERAS_SIDE = textwrap.dedent(
    """
    import json, sys, warnings
    import numpy as np
    try:
        import keras
    except ImportError:
        sys.exit(17)
    warnings.simplefilter("ignore")
    tasks = json.load(open(sys.argv[1]))
    for task in tasks:
        x = np.load(task["inputs"])["x"]
        model = keras.saving.load_model(task["archive"])
        outputs = model.predict(x, verbose=0)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        twin = keras.saving.load_model(task["archive"])
        for w in twin.weights:
            w.assign(np.zeros(w.shape, w.dtype))
        twin.load_weights(task["weights"])
        again = twin.predict(x, verbose=0)
        again = again if isinstance(again, (list, tuple)) else [again]
        result = {f"y{i}": np.asarray(y) for i, y in enumerate(outputs)}
        result.update({f"w{i}": np.asarray(y) for i, y in enumerate(again)})
        result["compiled"] = np.array(model.compiled)
        np.savez(task["out"], **result)
    """
)


@pytest.fixture(scope="module")
def keras_round_trip(tmp_path_factory):
    """Save models here, then let Keras 3 load and run them, once for the module."""
    folder = tmp_path_factory.mktemp("keras_round_trip")
    keras.backend.clear_session()
    models = {
        "mlp": keras.models.load_model(data("mlp.keras")),
        "rnn": keras.models.load_model(data("rnn.keras")),
        "cnn_built_here": build_cnn(),
        "nested": keras.models.load_model(data("nested.keras")),
    }
    models["cnn_built_here"].compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"])
    inputs = {"mlp": "mlp", "rnn": "rnn", "cnn_built_here": "cnn", "nested": "nested"}
    tasks, ours = [], {}
    for name, model in models.items():
        archive, weights = folder / f"{name}.keras", folder / f"{name}.weights.h5"
        model.save(archive, format="keras3")
        model.save_weights(weights)
        x, _ = reference(inputs[name])
        ours[name] = as_list(model.predict(x, verbose=0))
        tasks.append(
            {"archive": str(archive), "weights": str(weights), "inputs": data(f"{inputs[name]}.npz"),
             "out": str(folder / f"{name}.out.npz")}
        )
    (folder / "tasks.json").write_text(json.dumps(tasks))
    (folder / "keras_side.py").write_text(_KERAS_SIDE)
    env = {**os.environ, "KERAS_BACKEND": "torch", "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(
        [sys.executable, str(folder / "keras_side.py"), str(folder / "tasks.json")],
        env=env, capture_output=True, text=True, timeout=300, cwd=str(folder),
    )
    if result.returncode == 17:
        pytest.skip("keras is not installed: the Keras side of the round trip cannot run")
    assert result.returncode == 0, result.stderr[-4000:]
    return {name: (ours[name], np.load(folder / f"{name}.out.npz")) for name in models}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mlp", "rnn", "cnn_built_here", "nested"])
def test_keras_opens_our_files_and_predicts_the_same(keras_round_trip, name):
    ours, theirs = keras_round_trip[name]
    for i, y in enumerate(ours):
        np.testing.assert_allclose(theirs[f"y{i}"], y, atol=1e-5, rtol=0)
        np.testing.assert_allclose(theirs[f"w{i}"], y, atol=1e-5, rtol=0)  # load_weights(.weights.h5)
    assert bool(theirs["compiled"])
