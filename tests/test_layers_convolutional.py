"""Tests for the convolution layers: numerics vs torch and TF semantics, no-copy, config."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from layer_test_utils import run_layer_test

import kerastorch
from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.layers.convolutional import Conv1D
from kerastorch.layers.convolutional import Conv1DTranspose
from kerastorch.layers.convolutional import Conv2D
from kerastorch.layers.convolutional import Conv2DTranspose
from kerastorch.layers.convolutional import Conv3D
from kerastorch.layers.convolutional import Conv3DTranspose
from kerastorch.layers.convolutional import DepthwiseConv1D
from kerastorch.layers.convolutional import DepthwiseConv2D
from kerastorch.layers.convolutional import SeparableConv1D
from kerastorch.layers.convolutional import SeparableConv2D

CONV = {1: Conv1D, 2: Conv2D, 3: Conv3D}
CONV_T = {1: Conv1DTranspose, 2: Conv2DTranspose, 3: Conv3DTranspose}
TORCH_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
TORCH_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _randomize(layer, seed=1):
    """Non-trivial weights (biases included), so tests see every weight applied."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for v in layer.weights:
            v.copy_(torch.randn(v.shape, generator=g))


def _built(layer, x):
    layer(x)
    _randomize(layer)
    return layer


def _to_cf(x):  # (N, *spatial, C) -> (N, C, *spatial)
    return x.movedim(-1, 1)


def _to_cl(x):  # (N, C, *spatial) -> (N, *spatial, C)
    return x.movedim(1, -1)


def _torch_kernel(kernel):  # Keras (*k, in, out) -> torch (out, in, *k)
    r = kernel.dim() - 2
    return kernel.detach().permute(r + 1, r, *range(r))


def _tf_conv_reference(x, kernel, bias, strides, padding, dilation):
    """TF's conv in numpy, channels_last, explicit loops over output positions.

    "same": out = ceil(n / s), total pad = max((out - 1) * s + k_eff - n, 0),
    `total // 2` before and the rest after.
    """
    x = x.detach().numpy().astype(np.float64)
    k = kernel.detach().numpy().astype(np.float64)
    rank = x.ndim - 2
    ks = k.shape[:rank]
    pads, outs = [], []
    for n, kk, s, d in zip(x.shape[1:-1], ks, strides, dilation):
        eff = (kk - 1) * d + 1
        if padding == "same":
            out = math.ceil(n / s)
            total = max((out - 1) * s + eff - n, 0)
            pads.append((total // 2, total - total // 2))
        elif padding == "causal":
            pads.append((eff - 1, 0))
            out = (n + eff - 1 - eff) // s + 1
        else:
            pads.append((0, 0))
            out = (n - eff) // s + 1
        outs.append(out)
    xp = np.pad(x, [(0, 0), *pads, (0, 0)])
    y = np.zeros((x.shape[0], *outs, k.shape[-1]))
    for pos in itertools.product(*[range(o) for o in outs]):
        for tap in itertools.product(*[range(kk) for kk in ks]):
            idx = tuple(
                p * s + t * d for p, s, t, d in zip(pos, strides, tap, dilation)
            )
            y[(slice(None), *pos)] += xp[(slice(None), *idx)] @ k[tap]
    return y + (0 if bias is None else bias.detach().numpy())


# --- Conv1D / Conv2D / Conv3D ---------------------------------------------------------


@pytest.mark.parametrize(
    "rank, kwargs",
    [
        (1, {}),
        (1, {"strides": 2}),
        (1, {"dilation_rate": 2, "groups": 2}),
        (2, {}),
        (2, {"strides": (2, 1), "kernel_size": (3, 2)}),
        (2, {"dilation_rate": (2, 1)}),
        (2, {"groups": 2}),
        (3, {}),
        (3, {"strides": 2, "groups": 2}),
    ],
)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_matches_torch(rank, kwargs, data_format):
    kwargs = {"kernel_size": 3, **kwargs}
    layer = CONV[rank](6, data_format=data_format, **kwargs)
    x_cf = torch.randn(2, 4, *([7] * rank))
    x = _to_cl(x_cf) if data_format == "channels_last" else x_cf
    _built(layer, x)
    y = layer(x)
    expected = TORCH_CONV[rank](
        x_cf,
        _torch_kernel(layer.kernel),
        layer.bias.detach(),
        stride=layer.strides,
        dilation=layer.dilation_rate,
        groups=layer.groups,
    )
    if data_format == "channels_last":
        expected = _to_cl(expected)
    torch.testing.assert_close(y, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("size", [(8, 8), (7, 8), (9, 6)])
@pytest.mark.parametrize(
    "kernel_size, strides", [(3, 2), (2, 2), (4, 3), (3, 1), (2, 1)]
)
def test_conv2d_same_padding_matches_tf(size, kernel_size, strides):
    layer = Conv2D(3, kernel_size, strides=strides, padding="same")
    x = torch.randn(2, *size, 2)
    _built(layer, x)
    y = layer(x)
    assert tuple(y.shape) == (
        2,
        math.ceil(size[0] / strides),
        math.ceil(size[1] / strides),
        3,
    )
    ref = _tf_conv_reference(
        x, layer.kernel, layer.bias, (strides,) * 2, "same", (1, 1)
    )
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-4, atol=1e-4)


def test_conv2d_same_stride2_pads_bottom_right():
    # 8x8, k=3, s=2: TF pads 0 rows on top and 1 at the bottom (torch would pad 1/1).
    layer = Conv2D(2, 3, strides=2, padding="same")
    x = torch.randn(1, 8, 8, 3)
    _built(layer, x)
    explicit = F.conv2d(
        F.pad(_to_cf(x), (0, 1, 0, 1)),
        _torch_kernel(layer.kernel),
        layer.bias.detach(),
        2,
    )
    torch.testing.assert_close(layer(x), _to_cl(explicit), rtol=1e-5, atol=1e-5)
    symmetric = F.conv2d(
        _to_cf(x), _torch_kernel(layer.kernel), layer.bias.detach(), 2, 1
    )
    assert not torch.allclose(layer(x), _to_cl(symmetric), atol=1e-3)


@pytest.mark.parametrize("rank", [1, 3])
def test_conv_same_and_dilation_match_tf(rank):
    layer = CONV[rank](2, 3, padding="same", dilation_rate=2)
    x = torch.randn(2, *([6] * rank), 3)
    _built(layer, x)
    ref = _tf_conv_reference(
        x, layer.kernel, layer.bias, (1,) * rank, "same", (2,) * rank
    )
    np.testing.assert_allclose(layer(x).detach().numpy(), ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("strides, dilation", [(1, 1), (1, 2), (2, 1)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv1d_causal(strides, dilation, data_format):
    layer = Conv1D(
        4,
        3,
        strides=strides,
        dilation_rate=dilation,
        padding="causal",
        data_format=data_format,
    )
    x = torch.randn(2, 9, 3)
    x_in = x if data_format == "channels_last" else _to_cf(x)
    _built(layer, x_in)
    y = layer(x_in)
    y = y if data_format == "channels_last" else _to_cl(y)
    ref = _tf_conv_reference(
        x, layer.kernel, layer.bias, (strides,), "causal", (dilation,)
    )
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-4, atol=1e-4)
    if strides == 1:
        assert y.shape[1] == 9
        # Output step t depends on inputs up to t only.
        x2 = x.clone()
        x2[:, 5:] = torch.randn(2, 4, 3)
        x2_in = x2 if data_format == "channels_last" else _to_cf(x2)
        y2 = layer(x2_in)
        y2 = y2 if data_format == "channels_last" else _to_cl(y2)
        torch.testing.assert_close(y2[:, :5], y[:, :5])
        assert not torch.allclose(y2[:, 5:], y[:, 5:])


def test_conv_weights_layout_names_and_activation():
    layer = Conv2D(5, (3, 2), groups=1, activation="relu")
    y = layer(torch.randn(2, 6, 6, 4))
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert tuple(layer.kernel.shape) == (3, 2, 4, 5)
    assert tuple(layer.bias.shape) == (5,)
    assert layer.kernel.path == f"{layer.name}/kernel"
    assert (y >= 0).all() and (y > 0).any()
    grouped = Conv3D(6, 2, groups=3)
    grouped(torch.randn(1, 3, 3, 3, 9))
    assert tuple(grouped.kernel.shape) == (2, 2, 2, 3, 6)
    no_bias = Conv1D(3, 2, use_bias=False)
    no_bias(torch.randn(1, 5, 2))
    assert [w.name for w in no_bias.weights] == ["kernel"]
    torch.testing.assert_close(no_bias(torch.zeros(1, 5, 2)), torch.zeros(1, 4, 3))


def test_conv_default_initializers():
    layer = Conv2D(64, 3)
    layer(torch.randn(1, 5, 5, 32))
    limit = math.sqrt(6 / (3 * 3 * 32 + 3 * 3 * 64))  # glorot_uniform fans
    assert layer.kernel.abs().max() <= limit
    assert layer.kernel.abs().max() > 0.9 * limit
    assert (layer.bias == 0).all()


@pytest.mark.parametrize(
    "cls, init_kwargs, shape, num_weights",
    [
        (Conv1D, {"filters": 4, "kernel_size": 3, "activation": "tanh"}, (2, 8, 3), 2),
        (Conv2D, {"filters": 4, "kernel_size": 3, "padding": "same"}, (2, 6, 6, 3), 2),
        (
            Conv3D,
            {"filters": 4, "kernel_size": 2, "use_bias": False},
            (2, 4, 4, 4, 3),
            1,
        ),
        (Conv1DTranspose, {"filters": 4, "kernel_size": 3}, (2, 5, 3), 2),
        (
            Conv2DTranspose,
            {"filters": 4, "kernel_size": 3, "strides": 2},
            (2, 5, 5, 3),
            2,
        ),
        (Conv3DTranspose, {"filters": 4, "kernel_size": 2}, (2, 3, 3, 3, 3), 2),
        (DepthwiseConv1D, {"kernel_size": 3, "depth_multiplier": 2}, (2, 8, 3), 2),
        (
            DepthwiseConv2D,
            {"kernel_size": 3, "depthwise_regularizer": "l2"},
            (2, 6, 6, 3),
            2,
        ),
        (SeparableConv1D, {"filters": 4, "kernel_size": 3}, (2, 8, 3), 3),
        (SeparableConv2D, {"filters": 4, "kernel_size": 3}, (2, 6, 6, 3), 3),
    ],
)
def test_run_layer_test(cls, init_kwargs, shape, num_weights):
    run_layer_test(
        cls,
        init_kwargs,
        input_shape=shape,
        expected_num_trainable_weights=num_weights,
        expected_num_non_trainable_weights=0,
    )


@pytest.mark.parametrize(
    "layer, in_shape, out_shape",
    [
        (
            lambda: Conv2D(8, 3, strides=2, padding="same"),
            (None, 32, 31, 3),
            (None, 16, 16, 8),
        ),
        (lambda: Conv2D(8, 3), (None, None, None, 3), (None, None, None, 8)),
        (lambda: Conv1D(8, 5, padding="causal"), (None, 20, 3), (None, 20, 8)),
        (
            lambda: Conv3D(8, 3, data_format="channels_first"),
            (None, 2, 5, 6, 7),
            (None, 8, 3, 4, 5),
        ),
        (
            lambda: Conv2DTranspose(8, 3, strides=2, padding="same"),
            (None, 7, 8, 3),
            (None, 14, 16, 8),
        ),
        (lambda: Conv2DTranspose(8, 3, strides=2), (None, 7, 7, 3), (None, 15, 15, 8)),
        (lambda: Conv1DTranspose(8, 1, strides=3), (None, 4, 3), (None, 12, 8)),
        (
            lambda: DepthwiseConv2D(3, depth_multiplier=3),
            (None, 9, 9, 4),
            (None, 7, 7, 12),
        ),
        (
            lambda: SeparableConv2D(5, 3, strides=2, padding="same"),
            (None, 9, 9, 4),
            (None, 5, 5, 5),
        ),
    ],
)
def test_symbolic_and_compute_output_shape(layer, in_shape, out_shape):
    out = layer()(kerastorch.Input(batch_shape=in_shape))
    assert isinstance(out, KerasTensor)
    assert out.shape == out_shape
    assert tuple(layer().compute_output_shape(in_shape)) == out_shape


def test_channels_first_from_global_setting():
    kerastorch.backend.set_image_data_format("channels_first")
    layer = Conv2D(4, 3)
    assert layer.data_format == "channels_first"
    assert layer(torch.randn(2, 3, 6, 6)).shape == (2, 4, 4, 4)
    assert tuple(layer.kernel.shape) == (3, 3, 3, 4)


# --- no copy of channels_last inputs --------------------------------------------------


@pytest.mark.parametrize(
    "make, shape, fn_name",
    [
        (lambda: Conv2D(8, 3), (2, 10, 10, 4), "conv2d"),
        (lambda: Conv2D(8, 3, padding="same"), (2, 10, 10, 4), "conv2d"),
        (lambda: Conv2D(8, 3, strides=2, padding="same"), (2, 11, 11, 4), "conv2d"),
        (lambda: Conv1D(8, 3), (2, 10, 4), "conv2d"),  # 1D runs as (N, C, 1, L)
        (lambda: Conv3D(8, 3), (2, 5, 5, 5, 4), "conv3d"),
        (lambda: DepthwiseConv2D(3, depth_multiplier=2), (2, 10, 10, 4), "conv2d"),
        (lambda: SeparableConv2D(8, 3), (2, 10, 10, 4), "conv2d"),
        (lambda: Conv2DTranspose(8, 3, strides=2), (2, 6, 6, 4), "conv_transpose2d"),
        (lambda: Conv1DTranspose(8, 3), (2, 6, 4), "conv_transpose2d"),
    ],
)
def test_channels_last_input_is_not_copied(monkeypatch, make, shape, fn_name):
    """The tensor handed to torch's conv is the caller's memory, in channels_last format."""
    layer = make()
    x = torch.randn(shape)
    layer(x)
    seen = []
    original = getattr(F, fn_name)

    def recording(inp, *args, **kwargs):
        seen.append(inp)
        return original(inp, *args, **kwargs)

    monkeypatch.setattr(F, fn_name, recording)
    y = layer(x)
    first = seen[0]
    assert first.data_ptr() == x.data_ptr()
    memory_format = torch.channels_last_3d if first.dim() == 5 else torch.channels_last
    assert first.is_contiguous(memory_format=memory_format)
    # The result comes back (N, *spatial, C) contiguous without a `.contiguous()`.
    assert y.is_contiguous()


def test_channels_last_conv_makes_no_input_sized_copy():
    from torch.profiler import profile

    layer = Conv2D(8, 3, padding="same")
    x = torch.randn(2, 12, 12, 4)
    layer(x)
    with profile(record_shapes=True) as prof:
        layer(x)
    copies = [
        e.input_shapes[0]
        for e in prof.events()
        if e.name in ("aten::copy_", "aten::clone", "aten::contiguous")
    ]
    assert [2, 12, 12, 4] not in copies and [2, 4, 12, 12] not in copies


# --- transposed convolutions ----------------------------------------------------------


def _tf_conv_transpose_reference(x, kernel, bias, strides, padding, output_padding):
    """TF's conv_transpose in numpy: scatter each input, then crop as TF's "same" pads."""
    x = x.detach().numpy().astype(np.float64)
    k = kernel.detach().numpy().astype(np.float64)  # (*k, out, in)
    rank = x.ndim - 2
    ks = k.shape[:rank]
    full_sizes = [(n - 1) * s + kk for n, s, kk in zip(x.shape[1:-1], strides, ks)]
    full = np.zeros((x.shape[0], *full_sizes, k.shape[-2]))
    for pos in itertools.product(*[range(n) for n in x.shape[1:-1]]):
        for tap in itertools.product(*[range(kk) for kk in ks]):
            idx = tuple(p * s + t for p, s, t in zip(pos, strides, tap))
            full[(slice(None), *idx)] += x[(slice(None), *pos)] @ k[tap].T
    slices = []
    for n, kk, s, op, fsize in zip(
        x.shape[1:-1], ks, strides, output_padding, full_sizes
    ):
        if padding == "valid":
            length = (n - 1) * s + kk + (max(kk, s) - kk if op is None else op)
            start = 0
        else:
            length = n * s if op is None else (n - 1) * s + kk % 2 + op
            start = max(fsize - length, 0) // 2
        slices.append((start, length))
    pad_to = [max(st + ln, f) for (st, ln), f in zip(slices, full_sizes)]
    padded = np.zeros((x.shape[0], *pad_to, k.shape[-2]))
    padded[(slice(None), *[slice(0, f) for f in full_sizes])] = full
    out = padded[(slice(None), *[slice(st, st + ln) for st, ln in slices])]
    return out + bias.detach().numpy()


@pytest.mark.parametrize(
    "kernel_size, strides, padding, output_padding",
    [
        (3, 2, "same", None),  # odd k, even s: TF crops 0 before, 1 after
        (4, 2, "same", None),
        (4, 1, "same", None),  # torch would need output_padding >= stride here
        (5, 3, "same", None),
        (3, 2, "same", 1),
        (3, 1, "valid", None),
        (2, 3, "valid", None),  # stride > kernel: output (n - 1) * s + s
        (3, 2, "valid", 1),
    ],
)
def test_conv2d_transpose_matches_tf(kernel_size, strides, padding, output_padding):
    layer = Conv2DTranspose(
        3, kernel_size, strides=strides, padding=padding, output_padding=output_padding
    )
    x = torch.randn(2, 4, 5, 2)
    _built(layer, x)
    ref = _tf_conv_transpose_reference(
        x, layer.kernel, layer.bias, (strides,) * 2, padding, (output_padding,) * 2
    )
    y = layer(x)
    assert tuple(y.shape) == ref.shape
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "kernel_size, strides, padding, dilation",
    [
        (3, 2, "same", 1),
        (4, 2, "same", 1),
        (2, 2, "valid", 1),
        (3, 1, "same", 2),
        (3, 3, "valid", 1),
    ],
)
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_conv_transpose_is_the_adjoint_of_conv(
    rank, kernel_size, strides, padding, dilation
):
    """<conv(z), x> == <conv_transpose(x), z>: TF's definition, any padding split."""
    t = CONV_T[rank](
        3, kernel_size, strides, padding, dilation_rate=dilation, use_bias=False
    )
    x = torch.randn(2, *([5] * rank), 4, dtype=torch.float64)
    t.build(tuple(x.shape))
    _randomize(t)
    y = t(x.float()).double()
    conv = CONV[rank](
        4, kernel_size, strides, padding, dilation_rate=dilation, use_bias=False
    )
    conv.build(tuple(y.shape))
    with torch.no_grad():
        conv.kernel.copy_(t.kernel)  # the same (*k, filters, in) array
    z = torch.randn_like(y)
    cz = conv(z.float()).double()
    assert cz.shape == x.shape
    torch.testing.assert_close((cz * x).sum(), (y * z).sum(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_transpose_valid_matches_torch(rank, data_format):
    layer = CONV_T[rank](5, 3, strides=2, dilation_rate=1, data_format=data_format)
    x_cf = torch.randn(2, 3, *([4] * rank))
    x = _to_cl(x_cf) if data_format == "channels_last" else x_cf
    _built(layer, x)
    assert tuple(layer.kernel.shape) == (*([3] * rank), 5, 3)
    weight = layer.kernel.detach().permute(rank + 1, rank, *range(rank))
    expected = TORCH_CONV_T[rank](x_cf, weight, layer.bias.detach(), stride=2)
    if data_format == "channels_last":
        expected = _to_cl(expected)
    torch.testing.assert_close(layer(x), expected, rtol=1e-4, atol=1e-4)


def test_conv_transpose_dilation_matches_torch():
    layer = Conv2DTranspose(2, 3, dilation_rate=2)
    x = torch.randn(1, 4, 4, 3)
    _built(layer, x)
    weight = layer.kernel.detach().permute(3, 2, 0, 1)
    expected = F.conv_transpose2d(_to_cf(x), weight, layer.bias.detach(), dilation=2)
    torch.testing.assert_close(layer(x), _to_cl(expected), rtol=1e-4, atol=1e-4)


# --- depthwise and separable ----------------------------------------------------------


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding, strides", [("valid", 1), ("same", 2)])
def test_depthwise_conv_per_channel(rank, data_format, padding, strides):
    cls = DepthwiseConv1D if rank == 1 else DepthwiseConv2D
    layer = cls(
        3, strides=strides, padding=padding, depth_multiplier=2, data_format=data_format
    )
    x = torch.randn(2, *([6] * rank), 3)  # channels_last reference data
    x_in = x if data_format == "channels_last" else _to_cf(x)
    _built(layer, x_in)
    assert tuple(layer.depthwise_kernel.shape) == (*([3] * rank), 3, 2)
    y = layer(x_in)
    y = y if data_format == "channels_last" else _to_cl(y)
    assert y.shape[-1] == 6
    # Output channel c * 2 + m = conv of input channel c with depthwise_kernel[..., c, m].
    for c, m in itertools.product(range(3), range(2)):
        kernel = layer.depthwise_kernel[..., c : c + 1, m : m + 1]
        bias = layer.bias[c * 2 + m : c * 2 + m + 1]
        ref = _tf_conv_reference(
            x[..., c : c + 1], kernel, bias, (strides,) * rank, padding, (1,) * rank
        )
        np.testing.assert_allclose(
            y[..., c * 2 + m : c * 2 + m + 1].detach().numpy(),
            ref,
            rtol=1e-4,
            atol=1e-4,
        )


@pytest.mark.parametrize("rank", [1, 2])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_separable_conv_is_depthwise_then_pointwise(rank, data_format):
    cls = SeparableConv1D if rank == 1 else SeparableConv2D
    layer = cls(5, 3, padding="same", depth_multiplier=2, data_format=data_format)
    x_cf = torch.randn(2, 3, *([7] * rank))
    x = _to_cl(x_cf) if data_format == "channels_last" else x_cf
    _built(layer, x)
    assert [w.name for w in layer.weights] == [
        "depthwise_kernel",
        "pointwise_kernel",
        "bias",
    ]
    assert tuple(layer.pointwise_kernel.shape) == (*([1] * rank), 6, 5)
    dw = layer.depthwise_kernel.detach()
    dw_torch = dw.reshape(*dw.shape[:rank], 1, 6).permute(rank + 1, rank, *range(rank))
    depth = TORCH_CONV[rank](x_cf, dw_torch, None, padding=1, groups=3)
    expected = TORCH_CONV[rank](
        depth, _torch_kernel(layer.pointwise_kernel), layer.bias.detach()
    )
    if data_format == "channels_last":
        expected = _to_cl(expected)
    torch.testing.assert_close(layer(x), expected, rtol=1e-4, atol=1e-4)


# --- gradients, config, errors ---------------------------------------------------------


def test_gradients_reach_every_weight_and_input():
    for layer, shape in [
        (Conv2D(4, 3, strides=2, padding="same"), (2, 8, 8, 3)),
        (Conv1D(4, 3, padding="causal"), (2, 8, 3)),
        (Conv2DTranspose(4, 3, strides=2, padding="same"), (2, 4, 4, 3)),
        (SeparableConv2D(4, 3), (2, 6, 6, 3)),
    ]:
        x = torch.randn(shape, requires_grad=True)
        layer(x).square().mean().backward()
        assert x.grad is not None and x.grad.abs().sum() > 0
        for w in layer.trainable_weights:
            assert w.grad is not None and w.grad.abs().sum() > 0, w.path


def test_config_round_trip_preserves_every_argument():
    layer = Conv2D(
        7,
        (3, 2),
        strides=(2, 1),
        padding="same",
        data_format="channels_first",
        groups=1,
        activation="relu",
        use_bias=False,
        kernel_initializer="he_normal",
        kernel_regularizer="l2",
        kernel_constraint="non_neg",
        name="my_conv",
    )
    config = layer.get_config()
    assert config["kernel_size"] == (3, 2) and config["strides"] == (2, 1)
    assert config["padding"] == "same" and config["data_format"] == "channels_first"
    assert config["activation"] == "relu" and config["use_bias"] is False
    clone = Conv2D.from_config(config)
    assert clone.get_config() == config
    t = Conv1DTranspose(3, 2, strides=2, output_padding=1, padding="same")
    assert Conv1DTranspose.from_config(t.get_config()).output_padding == (1,)
    d = DepthwiseConv2D(3, depth_multiplier=4, depthwise_initializer="ones")
    assert DepthwiseConv2D.from_config(d.get_config()).get_config() == d.get_config()
    s = SeparableConv1D(3, 2, pointwise_constraint="unit_norm")
    assert SeparableConv1D.from_config(s.get_config()).get_config() == s.get_config()


def test_regularizer_adds_loss():
    layer = Conv2D(2, 2, kernel_regularizer="l2")
    layer(torch.randn(1, 4, 4, 2))
    assert len(layer.losses) == 1
    torch.testing.assert_close(layer.losses[0], 0.01 * layer.kernel.square().sum())


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Conv2D(0, 3), "filters=0"),
        (lambda: Conv2D(4.5, 3), "filters=4.5"),
        (lambda: Conv2D(4, 0), "kernel_size=0"),
        (lambda: Conv2D(4, (3, 3, 3)), "kernel_size=(3, 3, 3)"),
        (lambda: Conv2D(4, 3, strides=-1), "strides=-1"),
        (lambda: Conv2D(4, 3, padding="causal"), "padding='causal'"),
        (lambda: Conv1D(4, 3, padding="full"), "padding='full'"),
        (lambda: Conv2D(4, 3, groups=3), "groups=3, filters=4"),
        (lambda: Conv2D(4, 3, strides=2, dilation_rate=2), "dilation_rate=(2, 2)"),
        (lambda: Conv2D(4, 3, data_format="nhwc"), "data_format='nhwc'"),
        (
            lambda: Conv2DTranspose(4, 3, strides=2, output_padding=2),
            "output_padding=(2, 2)",
        ),
        (lambda: Conv2DTranspose(4, 3, padding="causal"), "padding='causal'"),
        (lambda: DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier=0"),
        (lambda: SeparableConv2D(0, 3), "filters=0"),
    ],
)
def test_invalid_arguments(make, message):
    with pytest.raises(ValueError, match="Received") as info:
        make()
    assert message in str(info.value)


@pytest.mark.parametrize(
    "layer, shape",
    [
        (Conv2D(4, 3, name="c2"), (2, 8, 3)),
        (Conv1D(4, 3, name="c1"), (2, 8, 8, 3)),
        (Conv3D(4, 3, name="c3"), (2, 8, 8, 3)),
        (Conv2DTranspose(4, 3, name="ct"), (2, 8)),
        (DepthwiseConv2D(3, name="dw"), (2, 8, 3)),
        (SeparableConv1D(4, 3, name="sep"), (2, 8)),
    ],
)
def test_wrong_rank_names_the_layer(layer, shape):
    with pytest.raises(ValueError, match=layer.name) as info:
        layer(torch.randn(shape))
    assert "ndim" in str(info.value)


def test_channel_mismatch_after_build_and_groups_mismatch():
    layer = Conv2D(4, 3, name="conv_a")
    layer(torch.randn(1, 5, 5, 3))
    with pytest.raises(ValueError, match="conv_a"):
        layer(torch.randn(1, 5, 5, 2))
    with pytest.raises(ValueError, match="groups=2"):
        Conv2D(4, 3, groups=2)(torch.randn(1, 5, 5, 3))


def test_numpy_integers_are_accepted():
    layer = Conv2D(np.int64(4), (np.int32(3), 2), strides=np.int64(1))
    assert layer.filters == 4 and type(layer.filters) is int
    assert layer.kernel_size == (3, 2) and all(type(k) is int for k in layer.kernel_size)
    assert layer(torch.randn(1, 5, 5, 2)).shape == (1, 3, 4, 4)
    with pytest.raises(ValueError, match="filters=True"):
        Conv2D(True, 3)
