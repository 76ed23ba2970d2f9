"""Tests for ZeroPadding, Cropping and UpSampling (1D to 3D): numerics vs numpy, config."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from layer_test_utils import run_layer_test

import kerastorch
from kerastorch.layers.spatial_reshaping import Cropping1D
from kerastorch.layers.spatial_reshaping import Cropping2D
from kerastorch.layers.spatial_reshaping import Cropping3D
from kerastorch.layers.spatial_reshaping import UpSampling1D
from kerastorch.layers.spatial_reshaping import UpSampling2D
from kerastorch.layers.spatial_reshaping import UpSampling3D
from kerastorch.layers.spatial_reshaping import ZeroPadding1D
from kerastorch.layers.spatial_reshaping import ZeroPadding2D
from kerastorch.layers.spatial_reshaping import ZeroPadding3D


def _np_pad(x, pads, data_format):
    spatial = [tuple(p) for p in pads]
    if data_format == "channels_last":
        return np.pad(x, [(0, 0), *spatial, (0, 0)])
    return np.pad(x, [(0, 0), (0, 0), *spatial])


# --- ZeroPadding ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "cls, padding, pads",
    [
        (ZeroPadding1D, 2, [(2, 2)]),
        (ZeroPadding1D, (1, 3), [(1, 3)]),
        (ZeroPadding2D, 1, [(1, 1), (1, 1)]),
        (ZeroPadding2D, (2, 0), [(2, 2), (0, 0)]),
        (ZeroPadding2D, ((1, 0), (2, 3)), [(1, 0), (2, 3)]),
        (ZeroPadding3D, 1, [(1, 1)] * 3),
        (ZeroPadding3D, (1, 0, 2), [(1, 1), (0, 0), (2, 2)]),
        (ZeroPadding3D, ((0, 1), (2, 0), (1, 1)), [(0, 1), (2, 0), (1, 1)]),
    ],
)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_zero_padding_matches_numpy(cls, padding, pads, data_format):
    rank = len(pads)
    x = torch.randn(2, *([3] * rank), 4)
    if data_format == "channels_first":
        x = x.movedim(-1, 1)
    y = cls(padding, data_format=data_format)(x)
    np.testing.assert_array_equal(y.numpy(), _np_pad(x.numpy(), pads, data_format))
    assert cls(padding).get_config()["padding"] == (
        tuple(pads[0]) if cls is ZeroPadding1D else tuple(tuple(p) for p in pads)
    )


def test_zero_padding_defaults():
    assert ZeroPadding1D().padding == (1, 1)
    assert ZeroPadding2D().padding == ((1, 1), (1, 1))
    assert ZeroPadding3D().padding == ((1, 1), (1, 1), (1, 1))
    assert ZeroPadding2D()(torch.ones(1, 2, 2, 1)).shape == (1, 4, 4, 1)


# --- Cropping -------------------------------------------------------------------------


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cropping_matches_numpy_slicing_and_is_a_view(data_format):
    x = torch.randn(2, 6, 7, 3)
    if data_format == "channels_first":
        x = x.movedim(-1, 1).contiguous()
    y = Cropping2D(((1, 2), (0, 3)), data_format=data_format)(x)
    expected = x[:, 1:4, 0:4] if data_format == "channels_last" else x[:, :, 1:4, 0:4]
    torch.testing.assert_close(y, expected)
    assert y.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()

    x3 = torch.randn(1, 5, 6, 7, 2)
    y3 = Cropping3D((1, (0, 2), (3, 1)))(x3)
    torch.testing.assert_close(y3, x3[:, 1:4, 0:4, 3:6])
    x1 = torch.randn(2, 8, 3)
    torch.testing.assert_close(Cropping1D((2, 1))(x1), x1[:, 2:7])
    torch.testing.assert_close(Cropping1D(3)(x1), x1[:, 3:5])
    torch.testing.assert_close(Cropping1D((0, 0))(x1), x1)


def test_cropping_defaults_and_too_much_cropping():
    assert Cropping1D().cropping == (1, 1)
    assert Cropping2D().cropping == ((0, 0), (0, 0))
    assert Cropping3D().cropping == ((1, 1), (1, 1), (1, 1))
    layer = Cropping2D(((2, 2), (0, 0)), name="crop")
    with pytest.raises(ValueError, match="crop.*cropping"):
        layer(torch.randn(1, 4, 4, 1))
    with pytest.raises(ValueError, match="cropping"):
        Cropping1D((3, 3))(torch.randn(1, 6, 2))


# --- UpSampling -----------------------------------------------------------------------


def test_upsampling1d_repeats_steps():
    x = torch.arange(12.0).reshape(2, 3, 2)
    y = UpSampling1D(size=3)(x)
    np.testing.assert_array_equal(y.numpy(), np.repeat(x.numpy(), 3, axis=1))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling2d_nearest_repeats(data_format):
    x = torch.randn(2, 3, 4, 5)
    y = UpSampling2D((2, 3), data_format=data_format)(x)
    axes = (1, 2) if data_format == "channels_last" else (2, 3)
    expected = np.repeat(np.repeat(x.numpy(), 2, axis=axes[0]), 3, axis=axes[1])
    np.testing.assert_array_equal(y.numpy(), expected)


def test_upsampling2d_keras_docstring_example():
    x = np.arange(12).reshape(2, 2, 1, 3)
    y = UpSampling2D(size=(1, 2))(torch.from_numpy(x))
    assert y.shape == (2, 2, 2, 3)
    np.testing.assert_array_equal(y[0, 0].numpy(), [[0, 1, 2], [0, 1, 2]])


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling3d_nearest_repeats(data_format):
    x = torch.randn(1, 2, 3, 2, 2)
    y = UpSampling3D((2, 1, 3), data_format=data_format)(x)
    axes = (1, 2, 3) if data_format == "channels_last" else (2, 3, 4)
    expected = x.numpy()
    for axis, factor in zip(axes, (2, 1, 3)):
        expected = np.repeat(expected, factor, axis=axis)
    np.testing.assert_array_equal(y.numpy(), expected)


def test_upsampling2d_bilinear_half_pixel_centers():
    # 1 x 2 image, factor 2 on width: half-pixel centers sample at
    # x = -0.25, 0.25, 0.75, 1.25 → clamped and interpolated.
    x = torch.tensor([[0.0, 4.0]]).reshape(1, 1, 2, 1)
    y = UpSampling2D((1, 2), interpolation="bilinear")(x)
    torch.testing.assert_close(y.flatten(), torch.tensor([0.0, 1.0, 3.0, 4.0]))


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling2d_interpolated_matches_torch(interpolation, data_format):
    x_cf = torch.randn(2, 3, 4, 5)
    x = x_cf.movedim(1, -1) if data_format == "channels_last" else x_cf
    y = UpSampling2D((2, 3), data_format=data_format, interpolation=interpolation)(x)
    expected = F.interpolate(
        x_cf, size=(8, 15), mode=interpolation, align_corners=False
    )
    if data_format == "channels_last":
        expected = expected.movedim(1, -1)
    torch.testing.assert_close(y, expected)


def test_upsampling_interpolation_errors():
    with pytest.raises(ValueError, match="Did you mean: 'bilinear'"):
        UpSampling2D(interpolation="bilinaer")
    with pytest.raises(ValueError, match="interpolation='lanczos3'"):
        UpSampling2D(interpolation="lanczos3")


# --- shared checks --------------------------------------------------------------------


@pytest.mark.parametrize(
    "cls, kwargs, shape, expected",
    [
        (ZeroPadding1D, {"padding": (1, 2)}, (2, 4, 3), (2, 7, 3)),
        (ZeroPadding2D, {"padding": ((1, 0), (2, 2))}, (2, 3, 3, 4), (2, 4, 7, 4)),
        (
            ZeroPadding3D,
            {"padding": 1, "data_format": "channels_first"},
            (1, 2, 2, 2, 2),
            (1, 2, 4, 4, 4),
        ),
        (Cropping1D, {"cropping": (1, 2)}, (2, 6, 4), (2, 3, 4)),
        (Cropping2D, {"cropping": ((2, 2), (4, 4))}, (2, 8, 10, 3), (2, 4, 2, 3)),
        (Cropping3D, {"cropping": (1, 0, 2)}, (1, 4, 4, 6, 3), (1, 2, 4, 2, 3)),
        (UpSampling1D, {"size": 3}, (2, 3, 4), (2, 9, 4)),
        (
            UpSampling2D,
            {"size": 2, "interpolation": "bilinear"},
            (2, 3, 4, 2),
            (2, 6, 8, 2),
        ),
        (UpSampling3D, {"size": (1, 2, 3)}, (1, 2, 2, 2, 3), (1, 2, 4, 6, 3)),
    ],
)
def test_run_layer_test(cls, kwargs, shape, expected):
    run_layer_test(
        cls,
        kwargs,
        input_shape=shape,
        expected_output_shape=expected,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
    )
    out = cls(**kwargs)(kerastorch.Input(shape=shape[1:]))
    assert out.shape == (None, *expected[1:])
    assert tuple(cls(**kwargs).compute_output_shape((None, *shape[1:]))) == (
        None,
        *expected[1:],
    )
    config = cls(**kwargs).get_config()
    assert cls.from_config(config).get_config() == config


def test_unknown_spatial_dims_stay_unknown():
    out = UpSampling2D()(kerastorch.Input(shape=(None, 5, 3)))
    assert out.shape == (None, None, 10, 3)
    out = ZeroPadding2D(1)(kerastorch.Input(shape=(None, 5, 3)))
    assert out.shape == (None, None, 7, 3)


def test_gradients_pass_through():
    x = torch.randn(1, 4, 4, 2, requires_grad=True)
    Cropping2D(((1, 1), (0, 0)))(ZeroPadding2D(2)(UpSampling2D(2)(x))).sum().backward()
    torch.testing.assert_close(x.grad, torch.full_like(x, 4.0))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: ZeroPadding1D(padding=(1, 2, 3)), "padding=(1, 2, 3)"),
        (lambda: ZeroPadding2D(padding=(1, 2, 3)), "padding=(1, 2, 3)"),
        (lambda: ZeroPadding2D(padding=-1), "padding=-1"),
        (lambda: ZeroPadding3D(padding="same"), "padding=same"),
        (lambda: Cropping2D(cropping=((1, 2, 3), (0, 0))), "cropping=(1, 2, 3)"),
        (lambda: Cropping1D(cropping=-1), "cropping=-1"),
        (lambda: UpSampling1D(size=0), "size=0"),
        (lambda: UpSampling2D(size=(2, 2, 2)), "size=(2, 2, 2)"),
        (lambda: UpSampling3D(data_format="ndhwc"), "data_format='ndhwc'"),
    ],
)
def test_invalid_arguments(make, message):
    with pytest.raises(ValueError, match="Received") as info:
        make()
    assert message in str(info.value)


@pytest.mark.parametrize(
    "layer, shape",
    [
        (ZeroPadding2D(name="zp"), (2, 8, 3)),
        (Cropping1D(name="cr"), (2, 8, 8, 3)),
        (UpSampling3D(name="up"), (2, 4, 4, 3)),
    ],
)
def test_wrong_rank_names_the_layer(layer, shape):
    with pytest.raises(ValueError, match=layer.name) as info:
        layer(torch.randn(shape))
    assert "ndim" in str(info.value)
