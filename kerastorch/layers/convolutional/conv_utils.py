"""Argument checks, layout views and TF-style padding shared by conv and pooling layers.

Keras (and TensorFlow) "same" padding is asymmetric when the total padding is
odd: the extra row/column goes at the end (bottom/right). torch's layers take
one symmetric padding per axis, so the symmetric part is handed to the torch
kernel and only the odd remainder, if any, is added with `F.pad` (a copy).
"""

from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F


def is_int(value) -> bool:
    """True for Python and numpy integers, not for bools."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_positive_int(value, name: str) -> int:
    """Return `value` as an int, or raise `ValueError` unless it is a positive integer."""
    if not is_int(value) or value <= 0:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a strictly positive "
            f"integer. Received: {name}={value}"
        )
    return int(value)


def standardize_tuple(value, n: int, name: str, allow_zero: bool = False) -> tuple:
    """Turn an int or an iterable of `n` ints into a tuple of `n` ints.

    Raises `ValueError` naming the argument and the received value when the
    value is not an int / `n` ints, or when an entry is negative (or zero,
    unless `allow_zero`).
    """
    error = (
        f"The `{name}` argument must be a tuple of {n} integers. "
        f"Received {name}={value}"
    )
    if is_int(value):
        result = (int(value),) * n
    else:
        try:
            result = tuple(value)
        except TypeError:
            raise ValueError(error) from None
        if len(result) != n or not all(is_int(v) for v in result):
            raise ValueError(error)
        result = tuple(int(v) for v in result)
    bad = [v for v in result if v < 0 or (v == 0 and not allow_zero)]
    if bad:
        requirement = "`value >= 0`" if allow_zero else "`value > 0`"
        raise ValueError(
            f"{error}, including values {bad} that do not satisfy {requirement}."
        )
    return result


def standardize_padding(padding, allow_causal: bool = False) -> str:
    """Lower-case `padding` and check it is "valid", "same" (or "causal")."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in allowed:
        raise ValueError(
            f"The `padding` argument must be one of {allowed}. "
            f"Received: padding={padding!r}"
        )
    return value


def standardize_conv_geometry(
    rank: int,
    kernel_size,
    strides,
    dilation_rate,
    padding,
    allow_causal: bool = False,
    strides_with_dilation: bool = False,
) -> tuple[tuple, tuple, tuple, str]:
    """`(kernel_size, strides, dilation_rate, padding)` checked and standardized.

    Unless `strides_with_dilation`, strides > 1 together with a dilation > 1
    is refused, as Keras does for convolutions.
    """
    kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
    strides = standardize_tuple(strides, rank, "strides")
    dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
    padding = standardize_padding(padding, allow_causal=allow_causal)
    if not strides_with_dilation and max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(
            "`strides > 1` not supported in conjunction with "
            f"`dilation_rate > 1`. Received: strides={strides} and "
            f"dilation_rate={dilation_rate}"
        )
    return kernel_size, strides, dilation_rate, padding


def input_channels(layer, input_shape) -> int:
    """The channel count of `input_shape` for `layer.data_format`; an error if unknown."""
    axis = -1 if layer.data_format == "channels_last" else 1
    channels = input_shape[axis]
    if channels is None:
        raise ValueError(
            f"Layer '{layer.name}' needs a known channel dimension (axis "
            f"{axis}). Received: input_shape={input_shape}"
        )
    return channels


def to_channels_first(x: torch.Tensor, data_format: str) -> torch.Tensor:
    """(N, *spatial, C) → (N, C, *spatial) as a view: torch's channels_last memory."""
    if data_format == "channels_last":
        return x.movedim(-1, 1)
    return x


def from_channels_first(x: torch.Tensor, data_format: str) -> torch.Tensor:
    """(N, C, *spatial) → (N, *spatial, C) as a view, undoing `to_channels_first`."""
    if data_format == "channels_last":
        return x.movedim(1, -1)
    return x


def same_padding(
    size: int, kernel_size: int, stride: int, dilation: int = 1
) -> tuple[int, int]:
    """TF "same" padding `(before, after)` of one axis; `after` gets the odd one."""
    effective = (kernel_size - 1) * dilation + 1
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def spatial_padding(
    spatial_shape, padding: str, kernel_size, strides, dilation_rate=None
) -> list[tuple[int, int]]:
    """Per spatial axis `(before, after)` padding for "valid", "same" or "causal"."""
    dilation_rate = dilation_rate or (1,) * len(kernel_size)
    if padding == "valid":
        return [(0, 0)] * len(kernel_size)
    if padding == "causal":
        return [((k - 1) * d, 0) for k, d in zip(kernel_size, dilation_rate)]
    return [
        same_padding(n, k, s, d)
        for n, k, s, d in zip(spatial_shape, kernel_size, strides, dilation_rate)
    ]


def split_padding(
    x: torch.Tensor, pads: list[tuple[int, int]], value: float = 0.0
) -> tuple[torch.Tensor, tuple[int, ...]]:
    """Return `(x, symmetric)`: `x` padded by the asymmetric remainder only.

    `x` is channels-first (N, C, *spatial). `symmetric` is the per-axis padding
    the torch kernel applies on both sides; the rest is added here with `F.pad`
    (a copy, made only when some axis needs more on one side than the other).
    """
    symmetric = tuple(min(b, a) for b, a in pads)
    extra = [(b - s, a - s) for (b, a), s in zip(pads, symmetric)]
    if any(b or a for b, a in extra):
        flat = []
        for b, a in reversed(extra):  # F.pad lists the last axis first
            flat.extend((b, a))
        x = F.pad(x, flat, value=value)
    return x, symmetric


def _lift_1d(x: torch.Tensor) -> bool:
    """Whether to run a 1D op as 2D: a channels_last (N, C, L) view would be
    copied by torch's 1D kernels, but as (N, C, 1, L) it is in torch's
    channels_last memory format, which the 2D kernels take as is."""
    return x.dim() == 3 and not x.is_contiguous()


def conv_nd(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    strides: tuple[int, ...],
    padding: tuple[int, ...],
    dilation_rate: tuple[int, ...],
    groups: int = 1,
) -> torch.Tensor:
    """`F.conv{1,2,3}d` with symmetric `padding` (looked up at call time)."""
    if _lift_1d(x):
        y = F.conv2d(
            x.unsqueeze(2),  # (N, C, 1, L)
            weight.unsqueeze(2),  # (out, in // groups, 1, k)
            bias,
            (1, *strides),
            (0, *padding),
            (1, *dilation_rate),
            groups,
        )
        return y.squeeze(2)  # (N, out, L_out)
    fn = getattr(F, f"conv{x.dim() - 2}d")
    return fn(x, weight, bias, strides, padding, dilation_rate, groups)


def conv_transpose_nd(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    strides: tuple[int, ...],
    padding: tuple[int, ...],
    output_padding: tuple[int, ...],
    dilation_rate: tuple[int, ...],
) -> torch.Tensor:
    """`F.conv_transpose{1,2,3}d`; `weight` is `(in, out, *kernel_size)`."""
    if _lift_1d(x):
        y = F.conv_transpose2d(
            x.unsqueeze(2),  # (N, C, 1, L)
            weight.unsqueeze(2),  # (in, out, 1, k)
            bias,
            (1, *strides),
            (0, *padding),
            (0, *output_padding),
            1,
            (1, *dilation_rate),
        )
        return y.squeeze(2)  # (N, out, L_out)
    fn = getattr(F, f"conv_transpose{x.dim() - 2}d")
    return fn(x, weight, bias, strides, padding, output_padding, 1, dilation_rate)


def pool_nd(
    x: torch.Tensor,
    mode: str,
    pool_size: tuple[int, ...],
    strides: tuple[int, ...],
    padding: tuple[int, ...],
    ceil_mode: bool = False,
    count_include_pad: bool = False,
) -> torch.Tensor:
    """`F.max_pool{n}d` (mode "max") or `F.avg_pool{n}d` (mode "average")."""
    lift = _lift_1d(x)
    if lift:
        x = x.unsqueeze(2)  # (N, C, 1, L)
        pool_size, strides, padding = (1, *pool_size), (1, *strides), (0, *padding)
    rank = x.dim() - 2
    if mode == "max":
        y = getattr(F, f"max_pool{rank}d")(
            x, pool_size, strides, padding, ceil_mode=ceil_mode
        )
    else:
        y = getattr(F, f"avg_pool{rank}d")(
            x, pool_size, strides, padding, ceil_mode, count_include_pad
        )
    return y.squeeze(2) if lift else y


def convolve(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    padding: str,
    strides: tuple[int, ...],
    dilation_rate: tuple[int, ...],
    groups: int = 1,
) -> torch.Tensor:
    """Convolve channels-first `x` with a torch-layout `weight`, Keras padding.

    `weight` is `(out, in // groups, *kernel_size)`; `padding` is "valid",
    "same" or "causal" as Keras computes them.
    """
    pads = spatial_padding(
        x.shape[2:], padding, tuple(weight.shape[2:]), strides, dilation_rate
    )
    x, symmetric = split_padding(x, pads)
    return conv_nd(x, weight, bias, strides, symmetric, dilation_rate, groups)


def deconv_output_length(
    size: int | None,
    kernel_size: int,
    stride: int,
    padding: str,
    output_padding: int | None,
    dilation: int = 1,
) -> int | None:
    """Output length of one axis of a Keras transposed convolution."""
    if size is None:
        return None
    effective = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        if output_padding is None:
            output_padding = max(effective, stride) - effective
        return (size - 1) * stride + effective + output_padding
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + effective % 2 + output_padding


def standardize_pairs(value, rank: int, name: str) -> tuple[tuple[int, int], ...]:
    """`(before, after)` per spatial axis from Keras's three spellings.

    An int `p` means `p` on both sides of every axis; a tuple of `rank` ints
    means symmetric amounts per axis; `rank` pairs give `(before, after)`.
    """
    if is_int(value):
        value = int(value)
        if value < 0:
            raise ValueError(f"`{name}` must be non-negative. Received: {name}={value}")
        return ((value, value),) * rank
    if isinstance(value, str) or not hasattr(value, "__len__") or len(value) != rank:
        raise ValueError(
            f"`{name}` should be an int, a tuple of {rank} ints or a tuple of "
            f"{rank} tuples of 2 ints. Received: {name}={value}"
        )
    ordinals = ("1st", "2nd", "3rd")
    return tuple(
        standardize_tuple(v, 2, f"{ordinals[i]} entry of {name}", allow_zero=True)
        for i, v in enumerate(value)
    )


def spatial_axes(ndim: int, data_format: str) -> tuple[int, ...]:
    """The spatial axes of an `ndim`-D (N, ..., C) or (N, C, ...) tensor."""
    if data_format == "channels_last":
        return tuple(range(1, ndim - 1))
    return tuple(range(2, ndim))


def pad_spatial(
    x: torch.Tensor, pads: tuple[tuple[int, int], ...], data_format: str
) -> torch.Tensor:
    """Zero-pad the spatial axes of `x` by `(before, after)` each, with `F.pad`."""
    flat = [0, 0] if data_format == "channels_last" else []
    for before, after in reversed(pads):  # F.pad lists the last axis first
        flat.extend((before, after))
    return F.pad(x, flat)


def crop_spatial(
    x: torch.Tensor, crops: tuple[tuple[int, int], ...], data_format: str, name: str
) -> torch.Tensor:
    """Slice `(before, after)` off each spatial axis of `x`: a view, no copy."""
    for axis, (before, after) in zip(spatial_axes(x.dim(), data_format), crops):
        size = x.shape[axis]
        if before + after >= size:
            raise ValueError(
                f"Layer '{name}': values in `cropping` must be smaller than the "
                f"spatial dimension they crop. Received: input_shape="
                f"{tuple(x.shape)}, cropping={crops}"
            )
        x = x.narrow(axis, before, size - before - after)
    return x


def repeat_spatial(
    x: torch.Tensor, size: tuple[int, ...], axes: tuple[int, ...]
) -> torch.Tensor:
    """Repeat each element `size[i]` times along `axes[i]` (nearest upsampling).

    One copy: insert a broadcast axis after each spatial axis, expand it, and
    merge the pairs with `reshape`.
    """
    shape = list(x.shape)
    expanded_shape = []
    view_shape = []
    for axis, n in enumerate(shape):
        view_shape.append(n)
        expanded_shape.append(n)
        if axis in axes:
            factor = size[axes.index(axis)]
            view_shape.append(1)
            expanded_shape.append(factor)
            shape[axis] = n * factor
    return x.reshape(view_shape).expand(expanded_shape).reshape(shape)
