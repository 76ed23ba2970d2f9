"""Transfer learning as in Keras's guide: freeze, train a head, unfreeze, fine-tune;
and the TorchModuleWrapper behaviour it rests on (training mode, frozen BatchNorm)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import kerastorch as keras
from kerastorch import layers
from kerastorch.saving import register_keras_serializable

pytest.importorskip("torchvision")

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "transfer_learning.py"


def _data(n=16, size=32, classes=3):
    rng = np.random.default_rng(0)
    return rng.uniform(0, 255, (n, size, size, 3)).astype("float32"), rng.integers(0, classes, n)


def _backbone_state(base):
    module = base.layers[1].module  # the TorchvisionFeatures inside the wrapper
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _changed(before, base, running: bool):
    after = _backbone_state(base)
    keys = [k for k in before if ("running_" in k) == running and "num_batches" not in k]
    return [k for k in keys if not torch.equal(before[k], after[k])]


def _new_model(base, training_false: bool):
    inputs = keras.Input(shape=(32, 32, 3))
    x = base(inputs, training=False) if training_false else base(inputs)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(3, activation="softmax")(x)
    return keras.Model(inputs, outputs)


@pytest.mark.parametrize("training_false", [True, False])
def test_frozen_base_keeps_weights_and_batchnorm_statistics(training_false):
    base = keras.applications.MobileNetV3Small(
        weights=None, include_top=False, input_shape=(32, 32, 3)
    )
    n_weights = len(base.weights)
    base.trainable = False
    assert base.trainable_weights == []
    assert len(base.non_trainable_weights) == n_weights
    model = _new_model(base, training_false)
    assert len(model.trainable_weights) == 2  # the new Dense kernel and bias
    assert len(model.non_trainable_weights) == n_weights

    head = model.layers[-1]
    head_before = head.kernel.detach().clone()
    before = _backbone_state(base)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = _data()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    # Frozen: no weight moves, and BatchNorm ran in inference mode even under fit.
    assert _changed(before, base, running=False) == []
    assert _changed(before, base, running=True) == []
    assert not torch.equal(head_before, head.kernel)


def test_unfreeze_and_fine_tune_with_a_low_learning_rate():
    base = keras.applications.MobileNetV3Small(
        weights=None, include_top=False, input_shape=(32, 32, 3)
    )
    n_weights = len(base.weights)
    base.trainable = False
    model = _new_model(base, training_false=True)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = _data()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert len(model.trainable_weights) == 2

    base.trainable = True
    assert len(base.trainable_weights) == n_weights and base.non_trainable_weights == []
    assert len(model.trainable_weights) == n_weights + 2
    assert model.non_trainable_weights == []
    model.compile(optimizer=keras.optimizers.Adam(1e-5), loss="sparse_categorical_crossentropy")
    assert model.optimizer.learning_rate == pytest.approx(1e-5)
    before = _backbone_state(base)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert _changed(before, base, running=False)  # the base's weights now train
    # `base(inputs, training=False)`: BatchNorm stays in inference mode after unfreezing.
    assert _changed(before, base, running=True) == []


def test_unfrozen_base_called_in_training_mode_updates_batchnorm():
    base = keras.applications.MobileNetV3Small(
        weights=None, include_top=False, input_shape=(32, 32, 3)
    )
    model = _new_model(base, training_false=False)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    before = _backbone_state(base)
    x, y = _data(8)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert _changed(before, base, running=True)
    again = _backbone_state(base)
    model.predict(x, verbose=0)  # inference: statistics untouched
    assert _changed(again, base, running=True) == []


def test_frozen_transfer_model_saves_and_loads(tmp_path):
    base = keras.applications.ResNet18(weights=None, include_top=False, input_shape=(32, 32, 3))
    base.trainable = False
    model = _new_model(base, training_false=True)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = _data(8)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    model.save(tmp_path / "transfer.keras")
    loaded = keras.models.load_model(tmp_path / "transfer.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert len(loaded.trainable_weights) == 2
    assert loaded.layers[1].layers[1].trainable is False


# --- TorchModuleWrapper ---------------------------------------------------------------------


def test_wrapper_follows_the_keras_training_argument():
    bn = nn.BatchNorm1d(4)
    wrapper = layers.TorchModuleWrapper(bn)
    x = torch.randn(16, 4) * 3 + 5
    out = wrapper(x, training=True)
    torch.testing.assert_close(out, torch.nn.functional.batch_norm(x, None, None, training=True))
    assert bn.running_mean.abs().sum() > 0 and int(bn.num_batches_tracked) == 1
    stats = bn.running_mean.clone()
    for training in (None, False):
        wrapper(x, training=training)  # inference, as kerastorch's own layers
        assert torch.equal(bn.running_mean, stats)
    assert not bn.training


def test_frozen_wrapper_keeps_batchnorm_in_inference_but_not_dropout():
    module = nn.Sequential(nn.BatchNorm1d(4), nn.Dropout(0.5))
    wrapper = layers.TorchModuleWrapper(module, trainable=False)
    assert wrapper.trainable_weights == [] and not module[0].weight.requires_grad
    x = torch.ones(64, 4)
    out = wrapper(x, training=True)
    assert torch.equal(module[0].running_mean, torch.zeros(4))  # BN: inference
    assert (out == 0).any()  # Dropout still drops in training, as in Keras
    wrapper.trainable = True
    wrapper(x, training=True)
    assert not torch.equal(module[0].running_mean, torch.zeros(4))


def test_batchnorm_with_frozen_parameters_stays_in_inference():
    module = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.BatchNorm1d(4))
    module[1].requires_grad_(False)  # a partly frozen backbone
    wrapper = layers.TorchModuleWrapper(module)
    wrapper(torch.randn(8, 4), training=True)
    assert torch.equal(module[1].running_mean, torch.zeros(4))
    assert not torch.equal(module[2].running_mean, torch.zeros(4))


def test_wrapped_module_trains_in_fit():
    model = keras.Sequential([keras.Input((4,)), nn.Linear(4, 8), nn.BatchNorm1d(8), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    bn = model.layers[1].module
    model.fit(np.random.rand(32, 4), np.random.rand(32, 1), batch_size=16, epochs=1, verbose=0)
    assert int(bn.num_batches_tracked) == 2


@register_keras_serializable(package="test_transfer_learning")
class ScaledLinear(nn.Module):
    def __init__(self, units: int, scale: float = 2.0):
        super().__init__()
        self.units, self.scale = units, scale
        self.linear = nn.Linear(3, units)

    def forward(self, x):
        return self.linear(x) * self.scale

    def get_config(self):
        return {"units": self.units, "scale": self.scale}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def test_wrapper_config_round_trip_and_saving(tmp_path):
    wrapper = layers.TorchModuleWrapper(ScaledLinear(5, scale=3.0), name="scaled")
    clone = layers.TorchModuleWrapper.from_config(wrapper.get_config())
    assert clone.name == "scaled" and isinstance(clone.module, ScaledLinear)
    assert clone.module.scale == 3.0 and clone.module.units == 5

    model = keras.Sequential([keras.Input((3,)), wrapper, layers.Dense(2)])
    x = np.random.rand(4, 3).astype("float32")
    model.save(tmp_path / "wrapped.keras")
    loaded = keras.models.load_model(tmp_path / "wrapped.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)

    with pytest.raises(NotImplementedError, match="get_config"):
        layers.TorchModuleWrapper(nn.Linear(2, 2)).get_config()


def test_wrapper_output_shape_and_argument_errors():
    wrapper = layers.TorchModuleWrapper(nn.Linear(3, 6), output_shape=(6,))
    out = wrapper(keras.Input((3,)))
    assert out.shape == (None, 6)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        layers.TorchModuleWrapper("linear")
    with pytest.raises(ValueError, match="Received: output_shape=-1"):
        layers.TorchModuleWrapper(nn.Linear(3, 6), output_shape=-1)


# --- the example --------------------------------------------------------------------------


def test_transfer_learning_example_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Frozen base: 2 trainable weights" in result.stdout
    assert "Unfrozen: 62 trainable weights" in result.stdout
    assert "val accuracy fine_tuned" in result.stdout


def test_transfer_learning_example_learns():
    import runpy

    main = runpy.run_path(str(EXAMPLE))["main"]
    accuracies = main(epochs=1, fine_tune_epochs=2, pretrain_epochs=1, samples=256)
    assert accuracies["fine_tuned"] > 0.6  # 3 classes: chance is 1/3
