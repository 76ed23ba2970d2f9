import numpy as np
import pytest
import torch

import kerastorch
from kerastorch import layers


class Linear(layers.Layer):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
        self.steps = self.add_weight(shape=(), initializer="zeros", trainable=False, name="steps")

    def call(self, x):
        return x @ self.w + self.b


def test_lazy_build_with_real_shapes():
    layer = Linear(3)
    assert not layer.built and layer.weights == []
    out = layer(torch.ones(2, 5))
    assert layer.built
    assert out.shape == (2, 3)
    assert [w.name for w in layer.weights] == ["kernel", "bias", "steps"]
    assert [w.path for w in layer.weights] == ["linear/kernel", "linear/bias", "linear/steps"]
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 1
    # Aliased attributes do not register twice with torch.
    assert set(dict(layer.named_parameters())) == {"kernel", "bias", "steps"}
    assert layer.count_params() == 5 * 3 + 3 + 1


def test_build_runs_once():
    calls = []

    class Counting(layers.Layer):
        def build(self, input_shape):
            calls.append(input_shape)

        def call(self, x):
            return x

    layer = Counting()
    layer(torch.ones(2, 3))
    layer(torch.ones(4, 3))
    assert calls == [(2, 3)]


def test_unique_auto_names_and_clear_session():
    assert layers.Dense(1).name == "dense"
    assert layers.Dense(1).name == "dense_1"
    assert layers.Dense(1, name="head").name == "head"
    kerastorch.backend.clear_session()
    assert layers.Dense(1).name == "dense"


def test_forgot_super_init():
    class Bad(layers.Layer):
        def __init__(self):
            self.units = 3

    with pytest.raises(RuntimeError, match="forgot to call `super\\(\\).__init__\\(\\)`"):
        Bad()


def test_trainable_setter_recurses_and_sets_requires_grad():
    model = kerastorch.Sequential([layers.Dense(3), layers.Dense(2)])
    model(torch.ones(1, 4))
    model.layers[0].trainable = False
    assert not model.layers[0].kernel.requires_grad
    assert len(model.trainable_weights) == 2
    assert len(model.non_trainable_weights) == 2
    model.trainable = False
    assert model.trainable_weights == []
    assert all(not p.requires_grad for p in model.parameters())


def test_get_set_weights_and_errors_name_variable():
    layer = Linear(2)
    layer(torch.ones(1, 3))
    values = [np.full(w.shape, 0.5, dtype="float32") for w in layer.weights]
    layer.set_weights(values)
    for w in layer.get_weights():
        np.testing.assert_allclose(w, 0.5)
    with pytest.raises(ValueError, match="expected 3 weights"):
        layer.set_weights(values[:2])
    bad = list(values)
    bad[0] = np.zeros((9, 9))
    with pytest.raises(ValueError, match="linear/kernel"):
        layer.set_weights(bad)
    # Nothing was changed by the failed call.
    np.testing.assert_allclose(layer.get_weights()[1], 0.5)


def test_training_argument_propagates_to_sublayers():
    seen = []

    class Probe(layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    class Outer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.probe = Probe()

        def call(self, x):
            return self.probe(x)

    outer = Outer()
    outer(torch.ones(1), training=True)
    outer(torch.ones(1), training=False)
    outer(torch.ones(1))
    assert seen == [True, False, None]


def test_masks_propagate():
    class MakeMask(layers.Layer):
        def __init__(self):
            super().__init__()
            self.supports_masking = True

        def call(self, x):
            return x

        def compute_mask(self, inputs, previous_mask=None):
            return inputs[..., 0] != 0

    class UseMask(layers.Layer):
        def call(self, x, mask=None):
            self.received = mask
            return x

    model = kerastorch.Sequential([MakeMask(), layers.Dense(2), UseMask()])
    x = torch.tensor([[[1.0, 2.0], [0.0, 1.0]]])
    model(x)
    assert model.layers[-1].received.tolist() == [[True, False]]


def test_add_loss_and_regularizer_losses():
    class ActivityLoss(layers.Layer):
        def call(self, x):
            self.add_loss(x.abs().sum())
            return x

    model = kerastorch.Sequential(
        [layers.Dense(2, kernel_regularizer=kerastorch.regularizers.L2(0.1)), ActivityLoss()]
    )
    out = model(torch.ones(1, 3))
    losses = model.losses
    assert len(losses) == 2
    torch.testing.assert_close(losses[0], out.abs().sum())
    torch.testing.assert_close(losses[1], 0.1 * model.layers[0].kernel.square().sum())
    model(torch.ones(1, 3))
    assert len(model.losses) == 2  # cleared at each outer call, not accumulated


def test_activity_regularizer_adds_loss():
    layer = layers.Dense(2, activity_regularizer="l2")
    out = layer(torch.ones(3, 2))
    assert len(layer.losses) == 1
    torch.testing.assert_close(layer.losses[0], 0.01 * out.square().sum())


def test_input_spec_errors_name_layer():
    layer = layers.Dense(3, name="dense_probe")
    with pytest.raises(ValueError, match='"dense_probe".*min_ndim=2'):
        layer(torch.ones(4))
    layer(torch.ones(2, 5))
    with pytest.raises(ValueError, match="dense_probe.*axis -1.*value 5"):
        layer(torch.ones(2, 6))


def test_plain_torch_module_attribute_is_tracked():
    class WithTorch(layers.Layer):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(3, 2)
            self.blocks = [layers.Dense(2), layers.Dense(2)]

        def call(self, x):
            x = self.linear(x)
            for block in self.blocks:
                x = block(x)
            return x

    layer = WithTorch()
    layer(torch.ones(1, 3))
    assert len(layer.weights) == 6
    assert len(layer._layers) == 2
    assert sum(p.numel() for p in layer.parameters()) == sum(w.numel() for w in layer.weights)


def test_numpy_input_converted_float64_to_float32():
    layer = layers.Dense(2)
    out = layer(np.ones((3, 4)))
    assert out.dtype == torch.float32


def test_default_get_config_from_init_args():
    layer = Linear(7, name="lin")
    config = layer.get_config()
    assert config["units"] == 7 and config["name"] == "lin"
    clone = Linear.from_config(config)
    assert clone.units == 7


def test_compute_output_shape_without_computing():
    layer = layers.Dense(5)
    assert layer.compute_output_shape((None, 3)) == (None, 5)
    symbolic = layer(kerastorch.Input(shape=(3,)))
    assert symbolic.shape == (None, 5)


def test_build_under_inference_mode_makes_trainable_weights():
    layer = layers.Dense(2)
    with torch.inference_mode():
        layer(torch.ones(1, 3))
    out = layer(torch.ones(1, 3)).sum()
    out.backward()
    assert layer.kernel.grad is not None
