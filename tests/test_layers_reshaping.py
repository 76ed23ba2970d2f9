"""Flatten, Reshape, Permute, RepeatVector."""

import json

import pytest
import torch

import kerastorch
from kerastorch.layers.reshaping import Flatten
from kerastorch.layers.reshaping import Permute
from kerastorch.layers.reshaping import RepeatVector
from kerastorch.layers.reshaping import Reshape


def roundtrip(layer):
    """Config through JSON (tuples become lists), then back to a layer."""
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert clone.get_config() == layer.get_config()
    return clone


# --- Flatten ---------------------------------------------------------------------------


def test_flatten_channels_last_is_a_view():
    x = torch.randn(2, 3, 4, 5)
    out = Flatten()(x)
    torch.testing.assert_close(out, x.reshape(2, 60))
    assert out.data_ptr() == x.data_ptr()  # no copy


def test_flatten_channels_first_moves_channels_last_first():
    x = torch.randn(2, 3, 4, 5)  # (batch, channels, h, w)
    out = Flatten(data_format="channels_first")(x)
    torch.testing.assert_close(out, x.permute(0, 2, 3, 1).reshape(2, 60))
    # So a channels_first model flattens in the same order as its channels_last twin.
    torch.testing.assert_close(out, Flatten()(x.permute(0, 2, 3, 1)))
    # Rank 2: nothing to move.
    y = torch.randn(3, 4)
    torch.testing.assert_close(Flatten(data_format="channels_first")(y), y)


def test_flatten_follows_global_data_format():
    kerastorch.config.set_image_data_format("channels_first")
    assert Flatten().data_format == "channels_first"


def test_flatten_rank1_and_empty_batch():
    assert Flatten()(torch.arange(3.0)).shape == (3, 1)
    assert Flatten()(torch.zeros(0, 3, 4)).shape == (0, 12)


def test_flatten_symbolic_and_compute_output_shape():
    assert Flatten()(kerastorch.Input(shape=(10, 64))).shape == (None, 640)
    assert Flatten()(kerastorch.Input(shape=(None, 4))).shape == (None, None)
    layer = Flatten()
    assert layer.compute_output_shape((None, 3, 4)) == (None, 12)
    assert layer.compute_output_shape((5, None, 4)) == (5, None)
    assert layer.compute_output_shape((5,)) == (5, 1)


def test_flatten_gradient_config_and_bad_input():
    x = torch.randn(2, 3, 4, requires_grad=True)
    Flatten(data_format="channels_first")(x).square().sum().backward()
    torch.testing.assert_close(x.grad, 2 * x.detach())
    clone = roundtrip(Flatten(data_format="channels_first"))
    assert clone.data_format == "channels_first"
    with pytest.raises(ValueError, match='"flatten_2".*min_ndim=1'):
        Flatten(name="flatten_2")(torch.tensor(1.0))
    with pytest.raises(ValueError, match="Received: data_format='nchw'"):
        Flatten(data_format="nchw")


# --- Reshape ---------------------------------------------------------------------------


def test_reshape_numerics_and_inferred_axis():
    x = torch.randn(4, 12)
    torch.testing.assert_close(Reshape((3, 4))(x), x.reshape(4, 3, 4))
    torch.testing.assert_close(Reshape((-1, 2, 2))(x), x.reshape(4, 3, 2, 2))
    torch.testing.assert_close(Reshape(12)(x), x)
    assert Reshape((-1, 4))(torch.zeros(0, 12)).shape == (0, 3, 4)


def test_reshape_symbolic_and_compute_output_shape():
    assert Reshape((3, 4))(kerastorch.Input(shape=(12,))).shape == (None, 3, 4)
    assert Reshape((-1, 2, 2))(kerastorch.Input(shape=(12,))).shape == (None, 3, 2, 2)
    assert Reshape((-1, 4))(kerastorch.Input(shape=(None, 4))).shape == (None, None, 4)
    layer = Reshape((-1, 5))
    assert layer.compute_output_shape((None, 2, 10)) == (None, 4, 5)
    assert layer.compute_output_shape((None, None, 10)) == (None, None, 5)


def test_reshape_size_mismatch_names_layer():
    with pytest.raises(
        ValueError, match="'reshape_x'.*\\(16,\\).*target_shape=\\(5, 5\\)"
    ):
        Reshape((5, 5), name="reshape_x")(torch.zeros(2, 16))
    with pytest.raises(ValueError, match="multiple of 5"):
        Reshape((-1, 5))(torch.zeros(2, 16))
    with pytest.raises(ValueError, match="target_shape"):
        Reshape((5, 5))(kerastorch.Input(shape=(16,)))


@pytest.mark.parametrize("target", [(-1, -1), (0, 3), (2, "a"), "ab", (2.0, 3)])
def test_reshape_bad_target_shape(target):
    with pytest.raises(ValueError, match="Received: target_shape="):
        Reshape(target)


def test_reshape_gradient_and_config():
    x = torch.randn(2, 6, requires_grad=True)
    Reshape((3, 2))(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.ones(2, 6))
    clone = roundtrip(Reshape((-1, 2)))
    assert clone.target_shape == (-1, 2)
    torch.testing.assert_close(clone(x), x.reshape(2, 3, 2))


# --- Permute ---------------------------------------------------------------------------


def test_permute_numerics_view_and_symbolic():
    x = torch.randn(2, 3, 4, 5)
    out = Permute((3, 1, 2))(x)
    torch.testing.assert_close(out, x.permute(0, 3, 1, 2))
    assert out.data_ptr() == x.data_ptr()
    assert Permute((2, 1))(kerastorch.Input(shape=(10, 64))).shape == (None, 64, 10)
    assert Permute((2, 1)).compute_output_shape((None, 10, 64)) == (None, 64, 10)


def test_permute_gradient_and_no_mask_pass_through():
    x = torch.randn(2, 3, 4, requires_grad=True)
    out = Permute((2, 1))(x)
    out.sum().backward()
    torch.testing.assert_close(x.grad, torch.ones(2, 3, 4))
    # A timestep mask no longer lines up with permuted axes: it is not passed on.
    y = torch.randn(2, 3, 4)
    y._keras_mask = torch.ones(2, 3, dtype=torch.bool)
    assert getattr(Permute((2, 1))(y), "_keras_mask", None) is None


@pytest.mark.parametrize("dims", [(0, 1), (1, 3), (1, 1), (2,), "12", (1.0, 2.0)])
def test_permute_bad_dims(dims):
    with pytest.raises(ValueError, match="Received: dims="):
        Permute(dims)


def test_permute_wrong_rank_and_config():
    with pytest.raises(ValueError, match='"permute_p".*expected ndim=3'):
        Permute((2, 1), name="permute_p")(torch.zeros(2, 3, 4, 5))
    clone = roundtrip(Permute((2, 1)))
    assert clone.dims == (2, 1)


# --- RepeatVector -------------------------------------------------------------------------


def test_repeat_vector_numerics_and_gradient():
    x = torch.randn(2, 4, requires_grad=True)
    out = RepeatVector(3)(x)
    torch.testing.assert_close(out, x.detach().unsqueeze(1).repeat(1, 3, 1))
    out.sum().backward()
    torch.testing.assert_close(x.grad, torch.full((2, 4), 3.0))


def test_repeat_vector_shapes_config_and_errors():
    assert RepeatVector(3)(kerastorch.Input(shape=(32,))).shape == (None, 3, 32)
    assert RepeatVector(3).compute_output_shape((None, 32)) == (None, 3, 32)
    assert roundtrip(RepeatVector(5)).n == 5
    with pytest.raises(ValueError, match='"repeat_r".*expected ndim=2'):
        RepeatVector(2, name="repeat_r")(torch.zeros(2, 3, 4))
    for n in (0, -1, 2.0, "3"):
        with pytest.raises(ValueError, match="Received: n="):
            RepeatVector(n)


def test_reshaping_layers_in_sequential():
    model = kerastorch.Sequential(
        [
            kerastorch.Input(shape=(3, 4)),
            Permute((2, 1)),
            Flatten(),
            RepeatVector(2),
            Reshape((-1,)),
        ]
    )
    x = torch.randn(5, 3, 4)
    expected = x.permute(0, 2, 1).reshape(5, 12).repeat(1, 2)
    torch.testing.assert_close(model(x), expected)
