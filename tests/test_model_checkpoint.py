"""ModelCheckpoint: which files are written, when, under which names."""

import os
import zipfile

import numpy as np
import pytest
import safetensors.torch

import kerastorch
from kerastorch import layers
from kerastorch.callbacks.model_checkpoint import ModelCheckpoint
from kerastorch.saving import load_model
from kerastorch.utils.warnings import KerasTorchWarning

X = np.random.RandomState(0).rand(10, 3).astype("float32")
Y = np.random.RandomState(1).rand(10, 1).astype("float32")


def make_model():
    model = kerastorch.Sequential([kerastorch.Input(shape=(3,)), layers.Dense(2), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


def attached(callback, model=None):
    """The callback set up as `fit` would, so its hooks can be driven directly."""
    callback.set_model(model or make_model())
    callback.on_train_begin()
    return callback


def run_epochs(callback, values, key="val_loss"):
    """Drive `callback` through one epoch per value of `key`."""
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, {"loss": 1.0, key: value})


def test_every_epoch_with_a_template(tmp_path):
    model = make_model()
    template = str(tmp_path / "ckpt_{epoch:02d}_{loss:.3f}.keras")
    history = model.fit(
        X, Y, batch_size=5, epochs=3, verbose=0, callbacks=[ModelCheckpoint(template)]
    )
    expected = [f"ckpt_{e + 1:02d}_{loss:.3f}.keras" for e, loss in enumerate(history.history["loss"])]
    assert sorted(os.listdir(tmp_path)) == sorted(expected)
    last = load_model(tmp_path / expected[-1])
    np.testing.assert_array_equal(last.predict(X, verbose=0), model.predict(X, verbose=0))


@pytest.mark.parametrize(
    "mode, monitor, saved_epochs",
    [
        ("min", "val_loss", [1, 3, 5]),
        ("auto", "val_loss", [1, 3, 5]),
        ("max", "val_loss", [1, 2]),
        ("auto", "val_accuracy", [1, 2]),
    ],
)
def test_save_best_only_follows_the_monitored_values(tmp_path, mode, monitor, saved_epochs):
    callback = attached(
        ModelCheckpoint(
            str(tmp_path / "best_{epoch}.keras"), monitor=monitor, save_best_only=True, mode=mode
        )
    )
    run_epochs(callback, [0.5, 0.7, 0.4, 0.45, 0.1], key=monitor)
    assert sorted(os.listdir(tmp_path)) == sorted(f"best_{e}.keras" for e in saved_epochs)


def test_save_best_only_to_one_path_keeps_the_best_model(tmp_path):
    model = make_model()
    callback = ModelCheckpoint(str(tmp_path / "best.keras"), save_best_only=True)
    model.fit(X, Y, batch_size=5, epochs=3, verbose=0, validation_data=(X, Y), callbacks=[callback])
    assert os.listdir(tmp_path) == ["best.keras"]
    assert callback.best == pytest.approx(min(model.history.history["val_loss"]))
    assert load_model(tmp_path / "best.keras").compiled


def test_initial_value_threshold_must_be_beaten_first(tmp_path):
    callback = attached(
        ModelCheckpoint(
            str(tmp_path / "e{epoch}.keras"), save_best_only=True, initial_value_threshold=0.3
        )
    )
    run_epochs(callback, [0.5, 0.7, 0.4, 0.45, 0.1])
    assert os.listdir(tmp_path) == ["e5.keras"]


def test_save_weights_only_writes_safetensors_weights(tmp_path):
    model = make_model()
    callback = ModelCheckpoint(str(tmp_path / "w{epoch}.weights.safetensors"), save_weights_only=True)
    model.fit(X, Y, batch_size=5, epochs=2, verbose=0, callbacks=[callback])
    assert sorted(os.listdir(tmp_path)) == ["w1.weights.safetensors", "w2.weights.safetensors"]
    assert not zipfile.is_zipfile(tmp_path / "w2.weights.safetensors")
    tensors = safetensors.torch.load_file(tmp_path / "w2.weights.safetensors")
    assert set(tensors) == set(model.state_dict())
    fresh = make_model()
    fresh.load_weights(tmp_path / "w2.weights.safetensors")
    np.testing.assert_array_equal(fresh.predict(X, verbose=0), model.predict(X, verbose=0))


def test_save_freq_in_batches_names_epoch_and_batch(tmp_path):
    model = make_model()
    callback = ModelCheckpoint(str(tmp_path / "c_{epoch}_{batch}.keras"), save_freq=3)
    # 5 batches per epoch, 10 in all: saves after global batches 3, 6 and 9.
    model.fit(X, Y, batch_size=2, epochs=2, shuffle=False, verbose=0, callbacks=[callback])
    assert sorted(os.listdir(tmp_path)) == ["c_1_3.keras", "c_2_1.keras", "c_2_4.keras"]


def test_verbose_messages(tmp_path, capsys):
    callback = attached(
        ModelCheckpoint(str(tmp_path / "b.keras"), save_best_only=True, verbose=1)
    )
    run_epochs(callback, [0.5, 0.6])
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from inf to 0.50000, saving model to" in out
    assert "Epoch 2: val_loss did not improve from 0.50000" in out


def test_missing_monitor_warns_and_saves_nothing(tmp_path):
    callback = attached(ModelCheckpoint(str(tmp_path / "b.keras"), save_best_only=True))
    with pytest.warns(KerasTorchWarning, match="Can save best model only with val_loss"):
        callback.on_epoch_end(0, {"loss": 0.1})
    assert os.listdir(tmp_path) == []


def test_template_field_not_in_logs_is_a_key_error(tmp_path):
    callback = attached(ModelCheckpoint(str(tmp_path / "{val_auc}.keras")))
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        callback.on_epoch_end(0, {"loss": 0.1})


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"filepath": "m.h5"}, r"must end in `\.keras`"),
        ({"filepath": "m.weights.safetensors"}, r"must end in `\.keras`"),
        ({"filepath": "m.keras", "save_weights_only": True}, r"`\.weights\.safetensors`"),
        ({"filepath": "m.keras", "save_freq": "batch"}, "Unrecognized save_freq"),
        ({"filepath": "m.keras", "save_freq": 0}, "Unrecognized save_freq"),
        ({"filepath": "m.keras", "mode": "maximum"}, "mode"),
        ({"filepath": "m.keras", "monitor": ""}, "monitor"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ModelCheckpoint(**kwargs)


def test_h5_weights_need_h5py(tmp_path):
    try:
        import h5py
    except ImportError:
        with pytest.raises(ImportError, match="h5py"):
            ModelCheckpoint("m.weights.h5", save_weights_only=True)
        return
    model = make_model()
    path = tmp_path / "m.weights.h5"
    x = np.random.rand(16, 3).astype("float32")
    model.fit(x, x[:, :1], epochs=1, verbose=0,
              callbacks=[ModelCheckpoint(str(path), save_weights_only=True)])
    with h5py.File(path) as f:  # Keras 3's layout: one group per layer
        assert "layers" in f
    restored = make_model()
    restored.load_weights(path)
    for a, b in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


