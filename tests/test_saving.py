"""Saving and loading: `.keras` archives, safetensors weights, torch state_dicts,
object (de)serialization, safe mode, crash safety and bad files."""

import json
import os
import pickle
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
import safetensors.torch
import torch

import kerastorch
from kerastorch import layers
from kerastorch.saving import load_model
from kerastorch.saving import optimizer_state
from kerastorch.saving import serialization_lib
from kerastorch.saving.serialization_lib import deserialize_keras_object
from kerastorch.saving.serialization_lib import serialize_keras_object
from kerastorch.utils.warnings import KerasTorchWarning

X = np.random.RandomState(1).rand(16, 3).astype("float32")
Y = np.random.RandomState(2).rand(16, 2).astype("float32")


def make_sequential(name_prefix=""):
    return kerastorch.Sequential(
        [
            kerastorch.Input(shape=(3,)),
            layers.Dense(4, activation="relu"),
            layers.BatchNormalization(),
            layers.Dense(2),
        ]
    )


def trained_sequential(optimizer="adam", epochs=2):
    model = make_sequential()
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    model.fit(X, Y, batch_size=8, epochs=epochs, verbose=0)
    return model


def predict(model, x=X):
    return model.predict(x, verbose=0)


@kerastorch.saving.register_keras_serializable(package="TestSaving")
class TwoLayer(kerastorch.Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = layers.Dense(units, activation="tanh")
        self.out = layers.Dense(2)

    def call(self, x):
        return self.out(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Unregistered(kerastorch.Model):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = layers.Dense(units)

    def call(self, x):
        return self.dense(x)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Tied(kerastorch.Model):
    """The same Dense registered under two attribute names: tied weights."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.shared = layers.Dense(3)
        self.again = self.shared

    def call(self, x):
        return self.again(self.shared(x))


# --- whole models ------------------------------------------------------------------------


def test_sequential_round_trip_members_metadata_and_predictions(tmp_path):
    model = trained_sequential()
    path = tmp_path / "model.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            "config.json",
            "metadata.json",
            "model.safetensors",
            "optimizer.safetensors",
        ]
        metadata = json.loads(archive.read("metadata.json"))
        config = json.loads(archive.read("config.json"))
    assert metadata["kerastorch_version"] == kerastorch.__version__
    assert metadata["torch_version"] == torch.__version__
    assert metadata["format_version"] == "1.0" and "@" in metadata["date_saved"]
    assert config["class_name"] == "Sequential"
    assert config["compile_config"]["loss"] == "mse"
    restored = load_model(path)
    assert type(restored) is kerastorch.Sequential
    np.testing.assert_array_equal(predict(restored), predict(model))


def test_registered_subclassed_model_round_trip(tmp_path):
    model = TwoLayer(units=5)
    model(X)
    model.save(tmp_path / "sub.keras")
    restored = load_model(tmp_path / "sub.keras")
    assert type(restored) is TwoLayer and restored.units == 5
    np.testing.assert_array_equal(predict(restored), predict(model))


def test_unregistered_subclass_needs_custom_objects(tmp_path):
    model = Unregistered(units=2)
    model(X)
    path = tmp_path / "unreg.keras"
    model.save(path)
    with pytest.raises(TypeError, match="Could not locate class 'Unregistered'"):
        load_model(path)
    restored = load_model(path, custom_objects={"Unregistered": Unregistered})
    np.testing.assert_array_equal(predict(restored), predict(model))
    with kerastorch.saving.custom_object_scope({"Unregistered": Unregistered}):
        scoped = load_model(path)
    assert type(scoped) is Unregistered and scoped.units == 2


def test_functional_model_round_trip(tmp_path):
    inputs = kerastorch.Input(shape=(3,))
    hidden = layers.Dense(4, activation="relu")(inputs)
    outputs = layers.Concatenate()([layers.Dense(2)(hidden), layers.Dense(1)(hidden)])
    model = kerastorch.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    model.save(tmp_path / "functional.keras")
    restored = load_model(tmp_path / "functional.keras")
    assert type(restored) is type(model)
    np.testing.assert_array_equal(predict(restored), predict(model))


def test_compile_state_is_restored(tmp_path):
    model = make_sequential()
    optimizer = kerastorch.optimizers.Adam(learning_rate=0.005, beta_1=0.8)
    model.compile(optimizer=optimizer, loss="mae", metrics=["mse", kerastorch.metrics.RootMeanSquaredError()])
    model.fit(X, Y, batch_size=4, epochs=1, verbose=0)
    model.save(tmp_path / "c.keras")
    restored = load_model(tmp_path / "c.keras")
    assert restored.compiled
    assert isinstance(restored.optimizer, kerastorch.optimizers.Adam)
    assert restored.optimizer.beta_1 == 0.8
    assert float(restored.optimizer.learning_rate) == pytest.approx(0.005)
    assert int(restored.optimizer.iterations) == int(model.optimizer.iterations) == 4
    assert restored.loss == "mae"
    np.testing.assert_allclose(
        restored.evaluate(X, Y, verbose=0), model.evaluate(X, Y, verbose=0), rtol=1e-6
    )
    assert restored.metrics_names == model.metrics_names


def test_training_continues_from_the_restored_optimizer_state(tmp_path):
    model = trained_sequential(optimizer="adam", epochs=3)
    model.save(tmp_path / "t.keras")
    restored = load_model(tmp_path / "t.keras")
    fresh = load_model(tmp_path / "t.keras", compile=False)
    fresh.compile(optimizer="adam", loss="mse", metrics=["mae"])  # same weights, new Adam
    second_losses = []
    for m in (model, restored, fresh):
        m.train_on_batch(X, Y)  # the update depends on Adam's moments and step
        m.reset_metrics()
        second_losses.append(m.train_on_batch(X, Y, return_dict=True)["loss"])
    assert second_losses[1] == pytest.approx(second_losses[0], rel=1e-6, abs=1e-7)
    np.testing.assert_allclose(predict(restored), predict(model), rtol=1e-5, atol=1e-6)
    # The check can fail: a fresh optimizer state gives another step.
    assert abs(second_losses[2] - second_losses[0]) > 1e-4


@kerastorch.saving.register_keras_serializable(package="TestSaving")
def cubic_loss(y_true, y_pred):
    return torch.mean(torch.abs(y_true - y_pred) ** 3)


class MeanPrediction(kerastorch.metrics.Mean):
    def update_state(self, y_true, y_pred, sample_weight=None):
        return super().update_state(torch.mean(y_pred))


def test_custom_loss_and_metric_are_restored_in_the_compile_config(tmp_path):
    model = make_sequential()
    model.compile(
        optimizer=kerastorch.optimizers.SGD(momentum=0.9),
        loss=cubic_loss,
        metrics=[MeanPrediction(name="mean_pred")],
    )
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    model.save(tmp_path / "custom.keras")
    with pytest.raises(ValueError, match="(?s)Could not compile the loaded model.*custom_objects"):
        load_model(tmp_path / "custom.keras")
    restored = load_model(tmp_path / "custom.keras", custom_objects={"MeanPrediction": MeanPrediction})
    assert restored.loss is cubic_loss  # found through the registry
    assert restored.optimizer.momentum == 0.9
    np.testing.assert_allclose(
        restored.evaluate(X, Y, verbose=0), model.evaluate(X, Y, verbose=0), rtol=1e-6
    )


def test_load_without_compile_and_without_optimizer_state(tmp_path):
    model = trained_sequential()
    model.save(tmp_path / "a.keras")
    assert not load_model(tmp_path / "a.keras", compile=False).compiled
    model.save(tmp_path / "b.keras", include_optimizer=False)
    with zipfile.ZipFile(tmp_path / "b.keras") as archive:
        assert "optimizer.safetensors" not in archive.namelist()
    restored = load_model(tmp_path / "b.keras")
    assert restored.compiled and int(restored.optimizer.iterations) == 0


def test_unbuilt_model_is_saved_as_config_only(tmp_path):
    model = kerastorch.Sequential([layers.Dense(3), layers.Dense(1)])
    model.save(tmp_path / "unbuilt.keras")
    restored = load_model(tmp_path / "unbuilt.keras")
    assert not restored.built and restored.weights == []
    assert restored(torch.ones(2, 5)).shape == (2, 1)


def test_overwrite_false_refuses_an_existing_file(tmp_path):
    model = make_sequential()
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError, match="overwrite"):
        model.save(tmp_path / "m.keras", overwrite=False)


# --- weights ---------------------------------------------------------------------------


def test_save_weights_uses_state_dict_keys_and_plain_torch_can_load_it(tmp_path):
    model = trained_sequential()
    path = tmp_path / "m.weights.safetensors"
    model.save_weights(path)
    tensors = safetensors.torch.load_file(path)
    assert set(tensors) == set(model.state_dict())
    with safetensors.safe_open(path, "pt") as f:
        assert json.loads(f.metadata()["keys"]) == list(model.state_dict())
    kerastorch.backend.clear_session()  # as in a new process: the same auto names
    twin = make_sequential()
    twin.load_state_dict(tensors)  # plain PyTorch, strict: the keys are state_dict keys
    np.testing.assert_array_equal(predict(twin), predict(model))
    fresh = make_sequential()
    fresh.load_weights(path)
    np.testing.assert_array_equal(predict(fresh), predict(model))


def test_weights_load_by_position_when_auto_names_differ(tmp_path):
    model = make_sequential()
    model.save_weights(tmp_path / "w.weights.safetensors")
    for _ in range(3):
        layers.Dense(1)  # shift the name counters, as another process would
    fresh = make_sequential()
    assert list(fresh.state_dict()) != list(model.state_dict())
    fresh.load_weights(tmp_path / "w.weights.safetensors")
    np.testing.assert_array_equal(predict(fresh), predict(model))


def test_wrong_shapes_name_the_variable_and_both_shapes(tmp_path):
    small = kerastorch.Sequential([kerastorch.Input(shape=(3,)), layers.Dense(4, name="head")])
    small.save_weights(tmp_path / "s.weights.safetensors")
    big = kerastorch.Sequential([kerastorch.Input(shape=(3,)), layers.Dense(5, name="head")])
    before = [w.detach().clone() for w in big.weights]
    with pytest.raises(ValueError, match=r"'[\w/]*head/kernel' \(key 'head.kernel'\): the model has shape \(3, 5\), the file has shape \(3, 4\)"):
        big.load_weights(tmp_path / "s.weights.safetensors")
    for w, b in zip(big.weights, before):
        torch.testing.assert_close(w.detach(), b)  # nothing was loaded


def test_different_structure_and_names_is_refused(tmp_path):
    model = make_sequential()
    model.save_weights(tmp_path / "w.weights.safetensors")
    other = kerastorch.Sequential([kerastorch.Input(shape=(3,)), layers.Dense(7), layers.Dense(2)])
    with pytest.raises(ValueError, match="names differ") as info:
        other.load_weights(tmp_path / "w.weights.safetensors")
    assert "The model has 4 tensors, the file has 8" in str(info.value)


def test_skip_mismatch_loads_what_matches(tmp_path):
    a = kerastorch.Sequential(
        [kerastorch.Input(shape=(3,)), layers.Dense(4, name="body"), layers.Dense(2, name="head")]
    )
    a.save_weights(tmp_path / "a.weights.safetensors")
    b = kerastorch.Sequential(
        [kerastorch.Input(shape=(3,)), layers.Dense(4, name="body"), layers.Dense(3, name="head")]
    )
    head_before = b.get_layer("head").kernel.detach().clone()
    with pytest.warns(KerasTorchWarning, match="head/kernel"):
        b.load_weights(tmp_path / "a.weights.safetensors", skip_mismatch=True)
    torch.testing.assert_close(b.get_layer("body").kernel.detach(), a.get_layer("body").kernel.detach())
    torch.testing.assert_close(b.get_layer("head").kernel.detach(), head_before)


def test_load_torch_state_dict_files(tmp_path):
    model = trained_sequential()
    torch.save(model.state_dict(), tmp_path / "plain.pt")
    prefixed = {f"module.{k}": v for k, v in model.state_dict().items()}  # saved from DDP
    torch.save(prefixed, tmp_path / "ddp.pth")
    compiled = {f"_orig_mod.{k}": v for k, v in model.state_dict().items()}  # torch.compile
    torch.save({"state_dict": compiled, "epoch": 3}, tmp_path / "ckpt.pt")
    for name in ("plain.pt", "ddp.pth", "ckpt.pt"):
        fresh = make_sequential()
        fresh.load_weights(tmp_path / name)
        np.testing.assert_array_equal(predict(fresh), predict(model))


def test_pt_file_with_pickled_objects_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    with open(tmp_path / "evil.pt", "wb") as f:
        pickle.dump(_Payload(str(marker)), f, protocol=2)
    with pytest.raises(ValueError, match="weights_only=True"):
        make_sequential().load_weights(tmp_path / "evil.pt")
    assert not marker.exists()


def test_load_weights_from_a_keras_archive(tmp_path):
    model = trained_sequential()
    model.save(tmp_path / "m.keras")
    fresh = make_sequential()
    fresh.load_weights(tmp_path / "m.keras")
    np.testing.assert_array_equal(predict(fresh), predict(model))


def test_load_weights_into_an_unbuilt_model_says_build_first(tmp_path):
    model = TwoLayer()
    model(X)
    model.save_weights(tmp_path / "w.weights.safetensors")
    with pytest.raises(ValueError, match=r"not built yet.*model.build\(input_shape\)"):
        TwoLayer().load_weights(tmp_path / "w.weights.safetensors")


def test_tied_weights_are_written_once_and_load_back(tmp_path):
    model = Tied()
    model(torch.ones(2, 3))
    assert set(model.state_dict()) == {"shared.kernel", "shared.bias", "again.kernel", "again.bias"}
    model.save_weights(tmp_path / "t.weights.safetensors")
    tensors = safetensors.torch.load_file(tmp_path / "t.weights.safetensors")
    assert set(tensors) == {"shared.kernel", "shared.bias"}
    fresh = Tied()
    fresh(torch.ones(2, 3))
    fresh.load_weights(tmp_path / "t.weights.safetensors")
    x = torch.randn(4, 3)
    torch.testing.assert_close(fresh(x), model(x))


def test_optimizer_state_helpers_round_trip(tmp_path):
    model = trained_sequential(optimizer="adam")
    path = tmp_path / "opt.safetensors"
    optimizer_state.save_optimizer_state(model.optimizer, path)
    target = kerastorch.optimizers.Adam()
    assert optimizer_state.load_optimizer_state(target, path, model.trainable_weights)
    saved, loaded = model.optimizer.state_dict(), target.state_dict()
    assert loaded["iterations"] == saved["iterations"] == 4
    for i, state in saved["state"].items():
        for key, value in state.items():
            torch.testing.assert_close(loaded["state"][i][key], value)
    wrong = kerastorch.optimizers.Adam()
    with pytest.warns(KerasTorchWarning, match="Skipping the optimizer state"):
        assert not optimizer_state.load_optimizer_state(wrong, path, model.trainable_weights[:1])


# --- serialization -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "obj",
    [
        layers.Dense(3, activation="relu", name="d"),
        kerastorch.optimizers.Adam(learning_rate=0.01, beta_2=0.9),
        kerastorch.losses.Huber(delta=2.0),
        kerastorch.metrics.MeanAbsoluteError(name="m"),
        kerastorch.initializers.HeNormal(seed=3),
        kerastorch.regularizers.L2(0.5),
        kerastorch.constraints.MaxNorm(2.0),
    ],
    ids=lambda o: type(o).__name__,
)
def test_objects_round_trip_through_json(obj):
    config = json.loads(json.dumps(serialize_keras_object(obj)))
    assert set(config) >= {"module", "class_name", "config", "registered_name"}
    restored = deserialize_keras_object(config)
    assert type(restored) is type(obj)
    assert restored.get_config() == obj.get_config()


def test_functions_and_plain_values_round_trip():
    values = {
        "tuple": (1, (2, "a")),
        "list": [1.5, None, True],
        "array": np.arange(6, dtype="int32").reshape(2, 3),
        "bytes": b"abc",
        "tensor": torch.tensor([1.0, 2.0]),
    }
    restored = deserialize_keras_object(json.loads(json.dumps(serialize_keras_object(values))))
    assert restored["tuple"] == (1, (2, "a")) and restored["list"] == [1.5, None, True]
    np.testing.assert_array_equal(restored["array"], values["array"])
    assert restored["array"].dtype == np.int32 and restored["bytes"] == b"abc"
    torch.testing.assert_close(restored["tensor"], values["tensor"])
    relu = deserialize_keras_object(serialize_keras_object(kerastorch.activations.relu))
    assert relu is kerastorch.activations.relu
    mse = serialize_keras_object(kerastorch.losses.mean_squared_error)
    assert deserialize_keras_object(mse) is kerastorch.losses.mean_squared_error


def test_keras_module_names_map_to_kerastorch_and_nothing_else_is_imported():
    dense = deserialize_keras_object(
        {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2}, "registered_name": None}
    )
    assert isinstance(dense, layers.Dense) and dense.units == 2
    with pytest.raises(TypeError, match="Could not locate function 'system'"):
        deserialize_keras_object(
            {"module": "os", "class_name": "function", "config": "system", "registered_name": None}
        )
    with pytest.raises(TypeError, match="Could not locate class 'Nope'"):
        deserialize_keras_object({"module": "keras.layers", "class_name": "Nope", "config": {}})


def test_lambda_objects_need_safe_mode_off(monkeypatch):
    config = json.loads(json.dumps(serialize_keras_object(lambda x: x + 1)))
    with pytest.raises(ValueError, match="safe_mode=False"):
        deserialize_keras_object(config)
    assert deserialize_keras_object(config, safe_mode=False)(1) == 2
    with serialization_lib.SafeModeScope(False):
        assert deserialize_keras_object(config)(2) == 3
    monkeypatch.setattr(serialization_lib, "_GLOBAL_SAFE_MODE", [None])
    serialization_lib.enable_unsafe_deserialization()
    assert serialization_lib.in_safe_mode() is False
    assert deserialize_keras_object(config)(3) == 4


def test_lambda_layer_archive_needs_safe_mode_off(tmp_path):
    model = kerastorch.Sequential([kerastorch.Input(shape=(3,)), layers.Lambda(lambda t: t * 2.0)])
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="safe_mode=False"):
        load_model(tmp_path / "lambda.keras")
    restored = load_model(tmp_path / "lambda.keras", safe_mode=False)
    np.testing.assert_allclose(predict(restored), X * 2.0)
    with serialization_lib.SafeModeScope(False):
        layer_config = model.layers[0].get_config()
        assert layers.Lambda.from_config(layer_config)(torch.ones(1)).item() == 2.0


# --- crash safety ----------------------------------------------------------------------

_KILL_CHILD = """
import os, signal, sys, zipfile
import numpy as np
import kerastorch
from kerastorch import layers

path = sys.argv[1]
model = kerastorch.Sequential([kerastorch.Input(shape=(3,)), layers.Dense(2)])
x = np.ones((4, 3), dtype="float32")
model.save(path)
np.save(path + ".expected.npy", model.predict(x, verbose=0))
with open(path + ".size", "w") as f:
    f.write(str(os.path.getsize(path)))

original = zipfile.ZipFile.writestr
calls = []

def write_then_die(self, name, data, *args, **kwargs):
    calls.append(name)
    original(self, name, data, *args, **kwargs)
    if len(calls) == 2:  # part of the new archive is written: die now
        self.fp.flush()
        os.kill(os.getpid(), signal.SIGKILL)

zipfile.ZipFile.writestr = write_then_die
other = kerastorch.Sequential([kerastorch.Input(shape=(3,)), layers.Dense(2)])
other.save(path)
"""


def test_a_kill_during_save_leaves_the_previous_file_intact(tmp_path):
    path = tmp_path / "ckpt.keras"
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(_KILL_CHILD))
    result = subprocess.run(
        [sys.executable, str(script), str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == -9, result.stderr
    assert os.path.getsize(path) == int((tmp_path / "ckpt.keras.size").read_text())
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers and all(name.startswith(".ckpt.keras.") for name in leftovers)
    restored = load_model(path)
    np.testing.assert_array_equal(
        predict(restored, np.ones((4, 3), "float32")), np.load(str(path) + ".expected.npy")
    )


def test_an_error_during_save_removes_the_temporary_file(tmp_path, monkeypatch):
    model = make_sequential()
    model.save(tmp_path / "m.keras")
    before = (tmp_path / "m.keras").read_bytes()

    def broken(self, name, data, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", broken)
    with pytest.raises(OSError, match="disk full"):
        trained_sequential().save(tmp_path / "m.keras")
    assert os.listdir(tmp_path) == ["m.keras"]
    assert (tmp_path / "m.keras").read_bytes() == before


# --- bad files ----------------------------------------------------------------------------


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _rewrite_archive(src, dst, replace=None, drop=(), add=None):
    with zipfile.ZipFile(src) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members.update(replace or {})
    members.update(add or {})
    with zipfile.ZipFile(dst, "w") as archive:
        for name, data in members.items():
            if name not in drop:
                archive.writestr(name, data)


def test_archives_with_pickle_payloads_are_refused_unread(tmp_path):
    model = make_sequential()
    model.save(tmp_path / "ok.keras")
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(str(marker)))
    _rewrite_archive(tmp_path / "ok.keras", tmp_path / "pkl.keras", add={"extra.pkl": payload})
    with pytest.raises(ValueError, match=r"unexpected member.*extra\.pkl"):
        load_model(tmp_path / "pkl.keras")
    _rewrite_archive(
        tmp_path / "ok.keras", tmp_path / "swap.keras", replace={"model.safetensors": payload}
    )
    with pytest.raises(ValueError, match="model.safetensors.*not a valid safetensors file"):
        load_model(tmp_path / "swap.keras")
    assert not marker.exists()


def test_truncated_and_incomplete_archives(tmp_path):
    model = make_sequential()
    model.save(tmp_path / "ok.keras")
    data = (tmp_path / "ok.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cut\.keras.*truncated or corrupted"):
        load_model(tmp_path / "cut.keras")
    _rewrite_archive(tmp_path / "ok.keras", tmp_path / "noconf.keras", drop={"config.json"})
    with pytest.raises(ValueError, match=r"noconf\.keras.*no `config\.json`"):
        load_model(tmp_path / "noconf.keras")
    _rewrite_archive(tmp_path / "ok.keras", tmp_path / "badjson.keras", replace={"config.json": b"{oops"})
    with pytest.raises(ValueError, match="not valid JSON"):
        load_model(tmp_path / "badjson.keras")


def test_truncated_weights_file(tmp_path):
    model = make_sequential()
    model.save_weights(tmp_path / "w.weights.safetensors")
    data = (tmp_path / "w.weights.safetensors").read_bytes()
    (tmp_path / "cut.weights.safetensors").write_bytes(data[:-10])
    with pytest.raises(ValueError, match=r"cut\.weights\.safetensors.*not a valid safetensors"):
        model.load_weights(tmp_path / "cut.weights.safetensors")


def test_missing_paths_directories_and_wrong_extensions(tmp_path):
    model = make_sequential()
    with pytest.raises(ValueError, match="File not found: filepath="):
        load_model(tmp_path / "nothing.keras")
    with pytest.raises(ValueError, match="File not found: filepath="):
        model.load_weights(tmp_path / "nothing.weights.safetensors")
    (tmp_path / "dir.keras").mkdir()
    with pytest.raises(ValueError, match="is a directory"):
        load_model(tmp_path / "dir.keras")
    with pytest.raises(ValueError, match="is a directory"):
        model.save(tmp_path / "dir.keras")
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(tmp_path / "model.pt")
    with pytest.raises(ValueError, match="not supported"):
        model.save(tmp_path / "model.h5")
    with pytest.raises(ValueError, match="File format not supported"):
        load_model(tmp_path / "model.zip")
    with pytest.raises(ValueError, match=r"must end in `\.weights\.safetensors`"):
        model.save_weights(tmp_path / "model.safetensors")
    with pytest.raises(ValueError, match="File format not supported"):
        model.load_weights(tmp_path / "model.npz")
    assert sorted(os.listdir(tmp_path)) == ["dir.keras"]


def test_h5_weights_name_the_missing_package(tmp_path):
    try:
        import h5py  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="h5py"):
            make_sequential().save_weights(tmp_path / "m.weights.h5")
    else:  # Keras 3's `.weights.h5` layout (tests/test_keras3_migration.py)
        make_sequential().save_weights(tmp_path / "m.weights.h5")
        assert (tmp_path / "m.weights.h5").exists()
