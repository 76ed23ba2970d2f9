
import numpy as np
import pytest
import torch

import kerastorch
from kerastorch import layers


def test_no_weights_before_first_call_and_right_ones_after():
    model = kerastorch.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not model.built and model.weights == []
    model(np.ones((3, 5)))
    assert [tuple(w.shape) for w in model.weights] == [(5, 4), (4,), (4, 2), (2,)]
    assert model.count_params() == sum(p.numel() for p in model.parameters())


def test_input_builds_immediately_with_shapes():
    model = kerastorch.Sequential([kerastorch.Input(shape=(6,)), layers.Dense(3), layers.Dense(1)])
    assert model.built
    assert model.input_shape == (None, 6)
    assert model.output_shape == (None, 1)
    assert model.layers[0].output_shape == (None, 3)
    assert len(model.layers) == 2  # the InputLayer is not listed, as in Keras


def test_build_with_shape_and_legacy_input_shape_argument():
    model = kerastorch.Sequential([layers.Dense(3)])
    model.build((None, 4))
    assert model.built and model.layers[0].kernel.shape == (4, 3)
    legacy = kerastorch.Sequential([layers.Dense(3, input_shape=(7,))])
    assert legacy.built and legacy.layers[0].kernel.shape == (7, 3)


def test_summary_totals_match_parameters():
    model = kerastorch.Sequential(
        [kerastorch.Input(shape=(8,)), layers.Dense(16), layers.Dense(4)], name="tiny"
    )
    model.layers[1].trainable = False
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    total = sum(p.numel() for p in model.parameters())
    assert 'Model: "tiny"' in text
    assert "dense (Dense)" in text and "(None, 16)" in text and "144" in text
    assert f"Total params: {total:,}" in text
    assert "Trainable params: 144" in text
    assert "Non-trainable params: 68" in text


def test_add_pop_and_layers():
    model = kerastorch.Sequential()
    model.add(layers.Dense(3))
    model.add(layers.Dense(2))
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]
    popped = model.pop()
    assert popped.name == "dense_1" and len(model.layers) == 1
    assert "dense_1" not in dict(model.named_children())
    out = model(torch.ones(2, 5))
    assert out.shape == (2, 3)


def test_plain_torch_module_is_wrapped():
    model = kerastorch.Sequential([torch.nn.Linear(4, 8), torch.nn.ReLU(), layers.Dense(1)])
    assert isinstance(model.layers[0], layers.TorchModuleWrapper)
    out = model(torch.ones(2, 4))
    assert out.shape == (2, 1)
    assert len(model.weights) == 4
    assert len(model.trainable_weights) == 4


def test_non_layer_object_is_rejected():
    with pytest.raises(ValueError, match="Only instances of `kerastorch.layers.Layer`"):
        kerastorch.Sequential([layers.Dense(2), "relu"])
    with pytest.raises(TypeError, match="list of layers"):
        kerastorch.Sequential(layers.Dense(2))


def test_duplicate_names_rejected():
    with pytest.raises(ValueError, match="unique names"):
        kerastorch.Sequential([layers.Dense(2, name="a"), layers.Dense(2, name="a")])


def test_wrong_input_last_dim_after_build_names_layer():
    model = kerastorch.Sequential([kerastorch.Input(shape=(4,)), layers.Dense(2, name="head")])
    with pytest.raises(ValueError, match='"head"'):
        model(torch.ones(3, 5))


def test_state_dict_keys_are_layer_names():
    model = kerastorch.Sequential([layers.Dense(2), layers.Dense(1)])
    model.build((None, 3))
    assert list(model.state_dict()) == ["dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias"]


def test_config_round_trip():
    model = kerastorch.Sequential(
        [kerastorch.Input(shape=(3,)), layers.Dense(4, activation="relu"), layers.Dense(1)], name="m"
    )
    clone = kerastorch.Sequential.from_config(model.get_config())
    assert clone.name == "m" and clone.built
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
    clone.set_weights(model.get_weights())
    x = torch.randn(5, 3)
    torch.testing.assert_close(clone(x), model(x))


def test_training_flag_reaches_dropout_in_sequential():
    model = kerastorch.Sequential([layers.Dropout(0.5)])
    x = torch.ones(100, 10)
    torch.testing.assert_close(model(x), x)
    assert (model(x, training=True) == 0).any()


def test_model_to_device_keeps_working_on_meta_free_path():
    model = kerastorch.Sequential([layers.Dense(2)])
    model.build((None, 3))
    model.to(torch.float64)
    out = model(torch.ones(1, 3, dtype=torch.float64))
    assert out.dtype == torch.float64
