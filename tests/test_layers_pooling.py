"""Tests for the pooling layers: TF-style "same" padding, global pooling, masks, config."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from layer_test_utils import run_layer_test

import kerastorch
from kerastorch.layers.pooling import AveragePooling1D
from kerastorch.layers.pooling import AveragePooling2D
from kerastorch.layers.pooling import AveragePooling3D
from kerastorch.layers.pooling import GlobalAveragePooling1D
from kerastorch.layers.pooling import GlobalAveragePooling2D
from kerastorch.layers.pooling import GlobalAveragePooling3D
from kerastorch.layers.pooling import GlobalMaxPooling1D
from kerastorch.layers.pooling import GlobalMaxPooling2D
from kerastorch.layers.pooling import GlobalMaxPooling3D
from kerastorch.layers.pooling import MaxPooling1D
from kerastorch.layers.pooling import MaxPooling2D
from kerastorch.layers.pooling import MaxPooling3D

MAX = {1: MaxPooling1D, 2: MaxPooling2D, 3: MaxPooling3D}
AVG = {1: AveragePooling1D, 2: AveragePooling2D, 3: AveragePooling3D}
TORCH_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
TORCH_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def _tf_pool_reference(x, pool_size, strides, padding, mode):
    """TF pooling in numpy, channels_last: padded cells are NaN and ignored.

    "same": out = ceil(n / s), total pad = max((out - 1) * s + k - n, 0),
    `total // 2` before and the rest after.
    """
    x = np.asarray(x, dtype=np.float64)
    pads, outs = [], []
    for n, k, s in zip(x.shape[1:-1], pool_size, strides):
        if padding == "same":
            out = math.ceil(n / s)
            total = max((out - 1) * s + k - n, 0)
            pads.append((total // 2, total - total // 2))
        else:
            out = (n - k) // s + 1
            pads.append((0, 0))
        outs.append(out)
    xp = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=np.nan)
    y = np.zeros((x.shape[0], *outs, x.shape[-1]))
    reduce = np.nanmax if mode == "max" else np.nanmean
    rank = len(outs)
    for pos in itertools.product(*[range(o) for o in outs]):
        window = tuple(
            slice(p * s, p * s + k) for p, s, k in zip(pos, strides, pool_size)
        )
        y[(slice(None), *pos)] = reduce(
            xp[(slice(None), *window)], axis=tuple(range(1, rank + 1))
        )
    return y


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize(
    "pool_size, strides, size",
    [
        ((2, 2), None, (6, 7)),
        ((3, 3), (2, 2), (7, 8)),  # "same": odd total on one axis, even on the other
        ((2, 3), (1, 2), (5, 6)),  # stride 1 with an even window: explicit padding path
        ((3, 2), (3, 1), (8, 5)),
        ((1, 1), (2, 2), (5, 6)),  # no padding needed, windows skip elements
    ],
)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pooling2d_matches_tf(mode, pool_size, strides, size, padding):
    cls = MAX[2] if mode == "max" else AVG[2]
    layer = cls(pool_size, strides, padding)
    x = torch.randn(2, *size, 3)
    y = layer(x)
    ref = _tf_pool_reference(x.numpy(), pool_size, strides or pool_size, padding, mode)
    assert tuple(y.shape) == ref.shape
    if padding == "same":
        s = strides or pool_size
        assert y.shape[1:3] == (math.ceil(size[0] / s[0]), math.ceil(size[1] / s[1]))
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-5, atol=1e-6)


def test_average_pooling_same_does_not_count_padding():
    # 1D, window 2, stride 2 on 5 steps: the last window holds one real value.
    x = torch.arange(1.0, 6.0).reshape(1, 5, 1)
    y = AveragePooling1D(2, padding="same")(x)
    torch.testing.assert_close(y.flatten(), torch.tensor([1.5, 3.5, 5.0]))
    # Window 2, stride 1: TF pads one zero at the end (not at the start).
    y = AveragePooling1D(2, strides=1, padding="same")(x)
    torch.testing.assert_close(y.flatten(), torch.tensor([1.5, 2.5, 3.5, 4.5, 5.0]))
    y = MaxPooling1D(2, strides=1, padding="same")(-x)
    torch.testing.assert_close(
        y.flatten(), torch.tensor([-1.0, -2.0, -3.0, -4.0, -5.0])
    )


@pytest.mark.parametrize("rank", [1, 3])
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize(
    "padding, pool_size, strides", [("valid", 2, None), ("same", 3, 2), ("same", 2, 1)]
)
def test_pooling_1d_3d_match_tf(rank, mode, padding, pool_size, strides):
    cls = MAX[rank] if mode == "max" else AVG[rank]
    layer = cls(pool_size, strides, padding)
    x = torch.randn(2, *([5] * rank), 3)
    ref = _tf_pool_reference(
        x.numpy(), (pool_size,) * rank, (strides or pool_size,) * rank, padding, mode
    )
    np.testing.assert_allclose(layer(x).numpy(), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("mode", ["max", "average"])
def test_pooling_channels_first_matches_torch(rank, mode):
    cls = MAX[rank] if mode == "max" else AVG[rank]
    layer = cls(2, data_format="channels_first")
    x = torch.randn(2, 3, *([6] * rank))
    fn = TORCH_MAX[rank] if mode == "max" else TORCH_AVG[rank]
    torch.testing.assert_close(layer(x), fn(x, 2))
    channels_last = cls(2)
    torch.testing.assert_close(channels_last(x.movedim(1, -1)), fn(x, 2).movedim(1, -1))


@pytest.mark.parametrize(
    "make, shape, fn_name",
    [
        (lambda: MaxPooling2D(), (2, 8, 8, 4), "max_pool2d"),
        (lambda: AveragePooling2D(3, 2, "same"), (2, 9, 9, 4), "avg_pool2d"),
        (lambda: MaxPooling1D(), (2, 8, 4), "max_pool2d"),  # 1D runs as (N, C, 1, L)
        (lambda: AveragePooling1D(), (2, 8, 4), "avg_pool2d"),
        (lambda: MaxPooling3D(), (2, 4, 4, 4, 4), "max_pool3d"),
    ],
)
def test_channels_last_input_is_not_copied(monkeypatch, make, shape, fn_name):
    layer = make()
    x = torch.randn(shape)
    seen = []
    original = getattr(F, fn_name)

    def recording(inp, *args, **kwargs):
        seen.append(inp)
        return original(inp, *args, **kwargs)

    monkeypatch.setattr(F, fn_name, recording)
    y = layer(x)
    assert seen and seen[0].data_ptr() == x.data_ptr()
    memory_format = (
        torch.channels_last_3d if seen[0].dim() == 5 else torch.channels_last
    )
    assert seen[0].is_contiguous(memory_format=memory_format)
    assert y.is_contiguous()


def test_strides_default_to_pool_size_and_config_round_trip():
    layer = MaxPooling2D(pool_size=3, padding="SAME", data_format="channels_first")
    assert layer.strides == (3, 3) and layer.padding == "same"
    config = layer.get_config()
    assert config["pool_size"] == (3, 3) and config["strides"] == (3, 3)
    assert config["data_format"] == "channels_first"
    clone = MaxPooling2D.from_config(config)
    assert clone.get_config() == config
    x = torch.randn(1, 2, 7, 7)
    torch.testing.assert_close(clone(x), layer(x))
    avg = AveragePooling1D(pool_size=(4,), strides=2)
    assert (
        AveragePooling1D.from_config(avg.get_config()).get_config() == avg.get_config()
    )


@pytest.mark.parametrize(
    "cls, kwargs, shape, expected",
    [
        (MaxPooling1D, {}, (2, 9, 3), (2, 4, 3)),
        (AveragePooling1D, {"padding": "same"}, (2, 9, 3), (2, 5, 3)),
        (MaxPooling2D, {"pool_size": 3, "strides": 2}, (2, 9, 8, 3), (2, 4, 3, 3)),
        (
            AveragePooling2D,
            {"data_format": "channels_first"},
            (2, 3, 8, 6),
            (2, 3, 4, 3),
        ),
        (MaxPooling3D, {"padding": "same"}, (2, 3, 4, 5, 2), (2, 2, 2, 3, 2)),
        (AveragePooling3D, {}, (2, 4, 4, 4, 2), (2, 2, 2, 2, 2)),
        (GlobalMaxPooling1D, {}, (2, 9, 3), (2, 3)),
        (GlobalAveragePooling1D, {"keepdims": True}, (2, 9, 3), (2, 1, 3)),
        (GlobalMaxPooling2D, {"data_format": "channels_first"}, (2, 3, 5, 5), (2, 3)),
        (GlobalAveragePooling2D, {}, (2, 5, 5, 3), (2, 3)),
        (GlobalMaxPooling3D, {"keepdims": True}, (2, 3, 3, 3, 4), (2, 1, 1, 1, 4)),
        (GlobalAveragePooling3D, {}, (2, 3, 3, 3, 4), (2, 4)),
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
    layer = cls(**kwargs)
    symbolic = layer(kerastorch.Input(shape=shape[1:]))
    assert symbolic.shape == (None, *expected[1:])
    assert tuple(cls(**kwargs).compute_output_shape((None, *shape[1:]))) == (
        None,
        *expected[1:],
    )


def test_pooling_with_unknown_spatial_dims():
    out = MaxPooling2D(2, padding="same")(kerastorch.Input(shape=(None, None, 3)))
    assert out.shape == (None, None, None, 3)
    out = GlobalAveragePooling2D()(kerastorch.Input(shape=(None, None, 3)))
    assert out.shape == (None, 3)


def test_pooling_gradients_flow():
    x = torch.randn(2, 6, 6, 3, requires_grad=True)
    MaxPooling2D(3, 2, "same")(x).sum().backward()
    # Each max window routes gradient to exactly one input; windows overlap.
    assert x.grad.sum().item() == pytest.approx(2 * 3 * 3 * 3)
    x.grad = None
    AveragePooling2D(2)(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.full_like(x, 0.25))


# --- global pooling -------------------------------------------------------------------


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling_numerics(rank, data_format, keepdims):
    x = torch.randn(2, *([4] * rank), 3)  # channels_last
    axes = tuple(range(1, rank + 1))
    x_in = x if data_format == "channels_last" else x.movedim(-1, 1)
    gmax = {1: GlobalMaxPooling1D, 2: GlobalMaxPooling2D, 3: GlobalMaxPooling3D}[rank]
    gavg = {
        1: GlobalAveragePooling1D,
        2: GlobalAveragePooling2D,
        3: GlobalAveragePooling3D,
    }[rank]
    for cls, ref in (
        (gmax, x.numpy().max(axis=axes)),
        (gavg, x.numpy().mean(axis=axes)),
    ):
        y = cls(data_format=data_format, keepdims=keepdims)(x_in)
        if keepdims:
            expected_shape = (
                (2, *([1] * rank), 3)
                if data_format == "channels_last"
                else (2, 3, *([1] * rank))
            )
            assert tuple(y.shape) == expected_shape
            y = y.reshape(2, 3)
        np.testing.assert_allclose(y.numpy(), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_average_pooling1d_masked_mean(data_format):
    x = torch.randn(3, 5, 2)
    mask = torch.tensor(
        [[1, 1, 1, 0, 0], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool
    )
    layer = GlobalAveragePooling1D(data_format=data_format)
    assert layer.supports_masking
    x_in = x if data_format == "channels_last" else x.movedim(-1, 1)
    y = layer(x_in, mask=mask)
    expected = np.stack(
        [x[i, mask[i]].numpy().mean(axis=0) for i in range(3)]
    )  # mean over the unmasked steps only
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert getattr(y, "_keras_mask", None) is None
    # A mask carried by the input tensor (as Embedding(mask_zero=True) leaves it).
    x_in = x_in.clone()
    x_in._keras_mask = mask
    torch.testing.assert_close(layer(x_in), y)
    # keepdims keeps the steps axis.
    kept = GlobalAveragePooling1D(data_format=data_format, keepdims=True)(
        x_in, mask=mask
    )
    torch.testing.assert_close(kept.reshape(3, 2), y)


def test_global_pooling_config_round_trip():
    layer = GlobalAveragePooling2D(
        data_format="channels_first", keepdims=True, name="gap"
    )
    config = layer.get_config()
    assert config["data_format"] == "channels_first" and config["keepdims"] is True
    assert GlobalAveragePooling2D.from_config(config).get_config() == config


# --- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: MaxPooling2D(pool_size=0), "pool_size=0"),
        (lambda: MaxPooling2D(pool_size=(2, 2, 2)), "pool_size=(2, 2, 2)"),
        (lambda: AveragePooling1D(strides=-1), "strides=-1"),
        (lambda: MaxPooling1D(padding="causal"), "padding='causal'"),
        (lambda: AveragePooling3D(data_format="ndhwc"), "data_format='ndhwc'"),
    ],
)
def test_invalid_arguments(make, message):
    with pytest.raises(ValueError, match="Received") as info:
        make()
    assert message in str(info.value)


def test_invalid_keepdims():
    with pytest.raises(TypeError, match="keepdims='yes'"):
        GlobalMaxPooling2D(keepdims="yes")


@pytest.mark.parametrize(
    "layer, shape",
    [
        (MaxPooling2D(name="mp"), (2, 8, 3)),
        (AveragePooling1D(name="ap"), (2, 8, 8, 3)),
        (MaxPooling3D(name="mp3"), (2, 4, 4, 3)),
        (GlobalAveragePooling2D(name="gap"), (2, 8, 3)),
        (GlobalMaxPooling1D(name="gmp"), (2, 8)),
    ],
)
def test_wrong_rank_names_the_layer(layer, shape):
    with pytest.raises(ValueError, match=layer.name) as info:
        layer(torch.randn(shape))
    assert "ndim" in str(info.value)
