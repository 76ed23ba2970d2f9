"""Dropout, SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout,
ActivityRegularization."""

import math

import pytest
import torch
import torch.nn.functional as F

import kerastorch
from kerastorch.layers.layer import Layer
from kerastorch.layers.regularization import ActivityRegularization
from kerastorch.layers.regularization import AlphaDropout
from kerastorch.layers.regularization import Dropout
from kerastorch.layers.regularization import GaussianDropout
from kerastorch.layers.regularization import GaussianNoise
from kerastorch.layers.regularization import SpatialDropout1D
from kerastorch.layers.regularization import SpatialDropout2D
from kerastorch.layers.regularization import SpatialDropout3D


def check_symbolic_and_config(layer, x):
    """Symbolic call keeps the shape (batch unknown); config round trip recreates it."""
    out = layer(x)  # inference: deterministic
    symbolic = layer(kerastorch.Input(batch_shape=(None, *x.shape[1:])))
    assert symbolic.shape == (None, *out.shape[1:])
    assert layer.compute_output_shape(tuple(x.shape)) == tuple(out.shape)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    torch.testing.assert_close(clone(x), out)


class _Outer(Layer):
    """Calls an inner layer without passing `training`: it must flow from the outer call."""

    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, x):
        return self.inner(x)


# --- Dropout --------------------------------------------------------------------------


def test_dropout_is_identity_outside_training():
    x = torch.randn(4, 5)
    layer = Dropout(0.5)
    assert layer(x) is x
    assert layer(x, training=False) is x
    assert layer.built and layer.supports_masking


def test_dropout_matches_torch_dropout_and_scales_kept_units():
    x = torch.rand(64, 32) + 0.5
    torch.manual_seed(3)
    out = Dropout(0.3)(x, training=True)
    torch.manual_seed(3)
    torch.testing.assert_close(out, F.dropout(x, 0.3, training=True))
    kept = out != 0
    torch.testing.assert_close(out[kept], x[kept] / 0.7)
    assert 0.2 < 1 - kept.float().mean().item() < 0.4


def test_dropout_training_flows_from_outer_call():
    x = torch.ones(16, 16)
    outer = _Outer(Dropout(0.5))
    assert torch.equal(outer(x), x)
    assert (outer(x, training=True) == 0).any()


def test_dropout_noise_shape_broadcasts_one_mask():
    x = torch.ones(8, 10, 6)
    out = Dropout(0.5, noise_shape=(None, 1, None))(x, training=True)
    # The same features are dropped at every timestep.
    assert torch.equal(out, out[:, :1, :].expand_as(out))
    assert (out == 0).any() and (out == 2).any()


def test_dropout_seed_is_reproducible_and_leaves_global_rng():
    x = torch.ones(32, 32)
    state = torch.get_rng_state()
    a, b = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    first_a, first_b = a(x, training=True), b(x, training=True)
    assert torch.equal(first_a, first_b)
    assert not torch.equal(a(x, training=True), first_a)  # the seed state advances
    assert torch.equal(torch.get_rng_state(), state)
    kept = first_a != 0
    torch.testing.assert_close(first_a[kept], torch.full_like(first_a[kept], 2.0))


def test_dropout_edge_rates():
    x = torch.randn(4, 4)
    assert Dropout(0.0)(x, training=True) is x
    assert torch.equal(Dropout(1.0)(x, training=True), torch.zeros_like(x))
    assert torch.equal(Dropout(1.0, seed=1)(x, training=True), torch.zeros_like(x))


def test_dropout_passes_mask_through():
    x = torch.randn(2, 3, 4)
    x._keras_mask = torch.tensor([[True, False, True], [True, True, False]])
    out = Dropout(0.5)(x, training=True)
    assert torch.equal(out._keras_mask, x._keras_mask)


def test_dropout_gradient_reaches_input():
    x = torch.ones(8, 8, requires_grad=True)
    torch.manual_seed(0)
    out = Dropout(0.5)(x, training=True)
    out.sum().backward()
    torch.testing.assert_close(x.grad, (out != 0).float() * 2.0)


def test_dropout_shapes_and_config():
    check_symbolic_and_config(
        Dropout(0.2, noise_shape=(None, 1), seed=3), torch.randn(3, 4)
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rate": 1.5}, "Received: rate=1.5"),
        ({"rate": -0.1}, "Received: rate=-0.1"),
        ({"rate": "half"}, "Received: rate=half"),
        ({"rate": 0.5, "seed": 1.5}, "Received: seed=1.5"),
        ({"rate": 0.5, "noise_shape": (None, 0)}, "Received: noise_shape"),
        ({"rate": 0.5, "noise_shape": 3}, "Received: noise_shape=3"),
    ],
)
def test_dropout_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Dropout(**kwargs)


def test_dropout_noise_shape_rank_mismatch():
    layer = Dropout(0.5, noise_shape=(None, 1))
    with pytest.raises(ValueError, match="noise_shape=.*rank 2.*rank 3"):
        layer(torch.ones(2, 3, 4), training=True)


# --- SpatialDropout ----------------------------------------------------------------


def test_spatial_dropout1d_drops_whole_channels():
    x = torch.ones(8, 5, 12)  # (batch, steps, channels)
    out = SpatialDropout1D(0.5)(x, training=True)
    assert torch.equal(out, out[:, :1, :].expand_as(out))
    assert (out == 0).any() and (out == 2).any()
    assert "data_format" not in SpatialDropout1D(0.5).get_config()


def test_spatial_dropout1d_matches_torch_dropout1d():
    x = torch.randn(4, 6, 10)
    torch.manual_seed(1)
    out = SpatialDropout1D(0.4)(x, training=True)
    torch.manual_seed(1)
    expected = F.dropout1d(x.transpose(1, 2), 0.4, training=True).transpose(1, 2)
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_spatial_dropout2d_matches_torch_dropout2d(data_format):
    x = torch.randn(4, 6, 5, 7)
    torch.manual_seed(2)
    out = SpatialDropout2D(0.5, data_format=data_format)(x, training=True)
    torch.manual_seed(2)
    if data_format == "channels_first":
        expected = F.dropout2d(x, 0.5, training=True)
    else:
        expected = F.dropout2d(x.permute(0, 3, 1, 2), 0.5, training=True).permute(
            0, 2, 3, 1
        )
    torch.testing.assert_close(out, expected)
    # One decision per (sample, channel).
    mask = out != 0
    per_channel = mask.permute(0, 3, 1, 2) if data_format == "channels_last" else mask
    assert torch.equal(per_channel.all(dim=(2, 3)), per_channel.any(dim=(2, 3)))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_spatial_dropout3d_seeded_drops_whole_channels(data_format):
    x = (
        torch.ones(4, 3, 3, 3, 8)
        if data_format == "channels_last"
        else torch.ones(4, 8, 3, 3, 3)
    )
    a = SpatialDropout3D(0.5, data_format=data_format, seed=5)
    b = SpatialDropout3D(0.5, data_format=data_format, seed=5)
    out = a(x, training=True)
    assert torch.equal(out, b(x, training=True))
    spatial = (1, 2, 3) if data_format == "channels_last" else (2, 3, 4)
    assert torch.equal((out != 0).all(dim=spatial), (out != 0).any(dim=spatial))
    assert (out == 0).any() and (out == 2).any()


def test_spatial_dropout_default_data_format_follows_config():
    kerastorch.config.set_image_data_format("channels_first")
    assert SpatialDropout2D(0.1).data_format == "channels_first"


def test_spatial_dropout_shapes_config_and_bad_input():
    check_symbolic_and_config(SpatialDropout1D(0.3, seed=1), torch.randn(2, 4, 3))
    check_symbolic_and_config(
        SpatialDropout2D(0.3, data_format="channels_first"), torch.randn(2, 3, 4, 4)
    )
    check_symbolic_and_config(SpatialDropout3D(0.3), torch.randn(2, 2, 2, 2, 3))
    with pytest.raises(ValueError, match="spatial_dropout2d.*expected ndim=4"):
        SpatialDropout2D(0.5, name="spatial_dropout2d")(torch.ones(2, 3, 4))
    with pytest.raises(ValueError, match="data_format"):
        SpatialDropout2D(0.5, data_format="nhwc")
    with pytest.raises(ValueError, match="Received: rate=2"):
        SpatialDropout3D(2)


# --- GaussianNoise / GaussianDropout / AlphaDropout -----------------------------------


def test_gaussian_noise_numerics():
    x = torch.randn(200, 50)
    layer = GaussianNoise(0.3)
    assert layer(x) is x
    torch.manual_seed(4)
    out = layer(x, training=True)
    torch.manual_seed(4)
    torch.testing.assert_close(out, x + 0.3 * torch.randn_like(x))
    assert abs((out - x).std().item() - 0.3) < 0.02


def test_gaussian_noise_seed_and_config():
    x = torch.zeros(10, 10)
    a, b = GaussianNoise(0.1, seed=3), GaussianNoise(0.1, seed=3)
    assert torch.equal(a(x, training=True), b(x, training=True))
    check_symbolic_and_config(GaussianNoise(0.1, seed=3), torch.randn(2, 3))
    with pytest.raises(ValueError, match="Received: stddev=1.5"):
        GaussianNoise(1.5)


def test_gaussian_dropout_numerics():
    x = torch.rand(300, 40) + 1
    rate = 0.2
    layer = GaussianDropout(rate)
    assert layer(x) is x
    torch.manual_seed(5)
    out = layer(x, training=True)
    torch.manual_seed(5)
    std = math.sqrt(rate / (1 - rate))
    torch.testing.assert_close(out, x * (1 + std * torch.randn_like(x)))
    assert abs((out / x).std().item() - std) < 0.02
    assert abs((out / x).mean().item() - 1) < 0.02


def test_gaussian_dropout_seed_config_and_bad_args():
    x = torch.ones(6, 6)
    assert torch.equal(
        GaussianDropout(0.3, seed=9)(x, training=True),
        GaussianDropout(0.3, seed=9)(x, training=True),
    )
    check_symbolic_and_config(GaussianDropout(0.3, seed=9), torch.randn(2, 5))
    with pytest.raises(ValueError, match="Received: rate=1.0"):
        GaussianDropout(1.0)
    with pytest.raises(ValueError, match="Received: rate=-1"):
        GaussianDropout(-1)


def test_alpha_dropout_matches_torch_alpha_dropout():
    x = torch.randn(50, 20)
    layer = AlphaDropout(0.2)
    assert layer(x) is x
    torch.manual_seed(6)
    out = layer(x, training=True)
    torch.manual_seed(6)
    torch.testing.assert_close(out, F.alpha_dropout(x, 0.2, training=True))


def test_alpha_dropout_seeded_formula_keeps_moments():
    rate = 0.2
    x = torch.randn(400, 250)
    out = AlphaDropout(rate, seed=1)(x, training=True)
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
    b = -a * alpha_p * rate
    dropped_value = a * alpha_p + b
    kept = (out - (a * x + b)).abs() < 1e-5
    assert torch.allclose(out[~kept], torch.tensor(dropped_value))
    assert abs((~kept).float().mean().item() - rate) < 0.01
    # Self-normalizing: zero mean and unit variance are preserved.
    assert abs(out.mean().item()) < 0.02 and abs(out.std().item() - 1) < 0.02


def test_alpha_dropout_noise_shape_and_config():
    x = torch.randn(6, 4, 5)
    out = AlphaDropout(0.5, noise_shape=(None, 1, None), seed=2)(x, training=True)
    assert out.shape == x.shape
    check_symbolic_and_config(
        AlphaDropout(0.5, noise_shape=(None, 1), seed=2), x[:, :, 0]
    )


# --- ActivityRegularization ------------------------------------------------------------


def test_activity_regularization_adds_penalty_each_call():
    x = torch.tensor([[1.0, -2.0], [0.5, 3.0]])
    layer = ActivityRegularization(l1=0.1, l2=0.01)
    out = layer(x)
    assert out is x
    expected = 0.1 * x.abs().sum() + 0.01 * x.square().sum()
    assert len(layer.losses) == 1
    torch.testing.assert_close(layer.losses[0], expected)
    layer(2 * x)  # a new call replaces the previous penalty
    assert len(layer.losses) == 1
    torch.testing.assert_close(
        layer.losses[0], 2 * 0.1 * x.abs().sum() + 4 * 0.01 * x.square().sum()
    )


def test_activity_regularization_gradient_and_config():
    x = torch.tensor([[1.0, -2.0]], requires_grad=True)
    layer = ActivityRegularization(l2=0.5)
    layer(x)
    layer.losses[0].backward()
    torch.testing.assert_close(x.grad, x.detach())  # d(0.5 * x^2)/dx = x
    config = layer.get_config()
    assert config["l1"] == 0.0 and config["l2"] == 0.5
    assert "activity_regularizer" not in config
    check_symbolic_and_config(ActivityRegularization(l1=0.2), torch.randn(2, 3))
    with pytest.raises(ValueError, match="Received: l1=-1"):
        ActivityRegularization(l1=-1)


def test_regularization_layers_have_no_weights():
    for layer in (Dropout(0.5, seed=1), GaussianNoise(0.1), SpatialDropout2D(0.1)):
        layer(torch.ones(2, 3, 3, 2), training=True)
        assert layer.weights == [] and list(layer.parameters()) == []
