"""Shape and layout ops (part of `keras.ops.numpy`): reshape, concatenate, pad, take, ...

Semantics are numpy's: `transpose(x)` reverses all axes, `squeeze` refuses
axes whose size is not 1, `split` with a section count needs an equal
division, `take` wraps negative indices, `pad` takes `(before, after)` per axis.
"""

from __future__ import annotations

import difflib
import operator

import numpy as np
import torch
import torch.nn.functional as F

from kerastorch.ops._symbolic import keras_op
from kerastorch.ops.core import _axes
from kerastorch.ops.core import _promoted
from kerastorch.ops.core import _tensor
from kerastorch.ops.core import convert_to_tensor

_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


@keras_op
def reshape(x, newshape) -> torch.Tensor:
    """`x` with shape `newshape` (one entry may be -1, inferred)."""
    x = convert_to_tensor(x)
    if isinstance(newshape, int):
        newshape = (newshape,)
    return torch.reshape(x, tuple(-1 if d is None else int(d) for d in newshape))


@keras_op
def get_item(x, key) -> torch.Tensor:
    """`x[key]`: numpy-style indexing (ints, slices, `None`, `...`, index tensors)."""
    if isinstance(key, list) and any(k is None or k is Ellipsis or isinstance(k, slice) for k in key):
        key = tuple(key)  # a config round trip turns the index tuple into a list
    return convert_to_tensor(x)[key]


@keras_op
def ravel(x) -> torch.Tensor:
    """`x` flattened to one axis."""
    return torch.ravel(convert_to_tensor(x))


@keras_op
def transpose(x, axes=None) -> torch.Tensor:
    """Permute the axes of `x`; `axes=None` reverses them, as in numpy."""
    x = convert_to_tensor(x)
    if axes is None:
        axes = tuple(range(x.ndim - 1, -1, -1))
    if len(axes) != x.ndim:
        raise ValueError(
            f"`axes` must list every axis of `x` once. Received: axes={axes} for "
            f"x.shape={tuple(x.shape)}"
        )
    return x.permute(*axes)


@keras_op
def swapaxes(x, axis1: int, axis2: int) -> torch.Tensor:
    """Exchange two axes of `x`."""
    return torch.swapaxes(convert_to_tensor(x), axis1, axis2)


@keras_op
def moveaxis(x, source, destination) -> torch.Tensor:
    """Move axes `source` (int or tuple) to positions `destination`."""
    return torch.movedim(convert_to_tensor(x), source, destination)


@keras_op
def expand_dims(x, axis) -> torch.Tensor:
    """Insert axes of size 1 at `axis` (an int or a tuple of positions in the result)."""
    x = convert_to_tensor(x)
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    out_ndim = x.ndim + len(axes)
    positions = sorted(_axes(axes, out_ndim))
    if len(set(positions)) != len(positions):
        raise ValueError(f"Repeated axis in `expand_dims`. Received: axis={axis}")
    for a in positions:
        x = x.unsqueeze(a)
    return x


@keras_op
def squeeze(x, axis=None) -> torch.Tensor:
    """Remove axes of size 1: all of them, or those in `axis` (which must be size 1)."""
    x = convert_to_tensor(x)
    if axis is None:
        return torch.squeeze(x)
    axes = _axes(axis, x.ndim)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(
                f"Cannot squeeze axis {a}: its size is {x.shape[a]}, not 1. "
                f"Received: x.shape={tuple(x.shape)}, axis={axis}"
            )
    return torch.squeeze(x, dim=axes)


@keras_op
def concatenate(xs, axis: int | None = 0) -> torch.Tensor:
    """Join a sequence of tensors along an existing axis (`None`: flatten them first)."""
    tensors = _promoted(*xs)
    if axis is None:
        return torch.cat([t.reshape(-1) for t in tensors])
    return torch.cat(tensors, dim=axis)


@keras_op
def append(x1, x2, axis: int | None = None) -> torch.Tensor:
    """`x2` appended to `x1` along `axis` (`None`: both flattened)."""
    return concatenate([x1, x2], axis=axis)


@keras_op
def stack(x, axis: int = 0) -> torch.Tensor:
    """Join a sequence of same-shaped tensors along a new axis."""
    return torch.stack(_promoted(*x), dim=axis)


@keras_op
def hstack(xs) -> torch.Tensor:
    """Concatenate along axis 1 (axis 0 for 1-D inputs)."""
    return torch.hstack(_promoted(*xs))


@keras_op
def vstack(xs) -> torch.Tensor:
    """Concatenate along axis 0, after making 1-D inputs rows."""
    return torch.vstack(_promoted(*xs))


@keras_op
def split(x, indices_or_sections, axis: int = 0) -> list[torch.Tensor]:
    """Split `x` into equal sections (an int), or at the given indices (a list).

    Example:

    >>> [t.shape for t in ops.split(ops.zeros((6, 2)), [1, 4])]
    [torch.Size([1, 2]), torch.Size([3, 2]), torch.Size([2, 2])]
    """
    x = convert_to_tensor(x)
    if isinstance(indices_or_sections, int):
        if indices_or_sections <= 0 or x.shape[axis] % indices_or_sections:
            raise ValueError(
                f"Cannot split an axis of size {x.shape[axis]} into "
                f"{indices_or_sections} equal sections. Pass split indices for an "
                f"unequal split. Received: indices_or_sections={indices_or_sections}"
            )
        return list(torch.tensor_split(x, indices_or_sections, dim=axis))
    return list(torch.tensor_split(x, [int(i) for i in indices_or_sections], dim=axis))


@keras_op
def array_split(x, indices_or_sections, axis: int = 0) -> list[torch.Tensor]:
    """Like `split`, but a section count need not divide the axis evenly."""
    x = convert_to_tensor(x)
    if not isinstance(indices_or_sections, int):
        indices_or_sections = [int(i) for i in indices_or_sections]
    return list(torch.tensor_split(x, indices_or_sections, dim=axis))


@keras_op
def tile(x, repeats) -> torch.Tensor:
    """Repeat `x` `repeats` times per axis (numpy's `tile`)."""
    x = convert_to_tensor(x)
    repeats = (
        (int(repeats),) if isinstance(repeats, int) else tuple(int(r) for r in repeats)
    )
    return torch.tile(x, repeats)


@keras_op
def repeat(x, repeats, axis: int | None = None) -> torch.Tensor:
    """Repeat each element `repeats` times along `axis` (`None`: flattened)."""
    x = convert_to_tensor(x)
    if not isinstance(repeats, int):
        repeats = _tensor(repeats, x).long()
    return torch.repeat_interleave(x, repeats, dim=axis)


@keras_op
def broadcast_to(x, shape) -> torch.Tensor:
    """`x` broadcast to `shape` (a view; copy it before writing)."""
    return torch.broadcast_to(convert_to_tensor(x), tuple(int(d) for d in shape))


@keras_op
def flip(x, axis=None) -> torch.Tensor:
    """Reverse the order of elements along `axis` (`None`: all axes)."""
    x = convert_to_tensor(x)
    dims = _axes(axis, x.ndim)
    return torch.flip(x, dims=tuple(range(x.ndim)) if dims is None else dims)


@keras_op
def rot90(array, k: int = 1, axes=(0, 1)) -> torch.Tensor:
    """Rotate by 90 degrees `k` times in the plane of `axes`."""
    return torch.rot90(convert_to_tensor(array), k=k, dims=list(axes))


@keras_op
def roll(x, shift, axis=None) -> torch.Tensor:
    """Shift elements along `axis`, wrapping around (`None`: the flattened tensor)."""
    x = convert_to_tensor(x)
    if axis is None:
        return torch.roll(x.reshape(-1), shift).reshape(x.shape)
    return torch.roll(x, shift, dims=axis)


def _wrap_negative(indices: torch.Tensor, n: int) -> torch.Tensor:
    return torch.where(indices < 0, indices + n, indices)


@keras_op
def take(x, indices, axis: int | None = None) -> torch.Tensor:
    """Elements of `x` at `indices` along `axis` (`None`: of the flattened tensor).

    The result's shape is `x.shape[:axis] + indices.shape + x.shape[axis + 1:]`.
    """
    x = convert_to_tensor(x)
    indices = _tensor(indices, x).long()
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = axis % x.ndim
    flat = _wrap_negative(indices.reshape(-1), x.shape[axis])
    out = torch.index_select(x, axis, flat)
    return out.reshape(*x.shape[:axis], *indices.shape, *x.shape[axis + 1 :])


@keras_op
def take_along_axis(x, indices, axis: int | None = None) -> torch.Tensor:
    """Pick values of `x` at `indices` along `axis`, matching the other axes (broadcast)."""
    x = convert_to_tensor(x)
    indices = _tensor(indices, x).long()
    if axis is None:
        x, indices, axis = x.reshape(-1), indices.reshape(-1), 0
    indices = _wrap_negative(indices, x.shape[axis])
    return torch.take_along_dim(x, indices, dim=axis)


def _pad_pairs(pad_width, ndim: int) -> list[tuple[int, int]]:
    """numpy's broadcasting of `pad_width` to one `(before, after)` pair per axis.

    Plain Python (no numpy), so `torch.compile` traces `pad` without a break.
    """

    def as_ints(p) -> list[int]:
        if isinstance(p, (list, tuple)):
            return [operator.index(v) for v in p]
        return [operator.index(p)]

    try:
        if (
            isinstance(pad_width, (list, tuple))
            and pad_width
            and isinstance(pad_width[0], (list, tuple))
        ):
            rows = [as_ints(p) for p in pad_width]
        else:
            rows = [as_ints(pad_width)]
        if len(rows) == 1:
            rows = rows * ndim
        pairs = [
            (r[0], r[0]) if len(r) == 1 else (r[0], r[1])
            for r in rows
            if len(r) in (1, 2)
        ]
        valid = len(pairs) == len(rows) == ndim
    except TypeError:
        valid = False
    if not valid:
        raise ValueError(
            f"`pad_width` must be an int, a (before, after) pair or one pair per "
            f"axis of `x` (rank {ndim}). Received: pad_width={pad_width}"
        )
    if any(w < 0 for pair in pairs for w in pair):
        raise ValueError(
            f"`pad_width` must be non-negative. Received: pad_width={pad_width}"
        )
    return pairs


def _pad_index(size: int, before: int, after: int, mode: str, device) -> torch.Tensor:
    """Source index of every position of a padded axis, numpy's rules per mode."""
    i = torch.arange(-before, size + after, device=device)
    if mode == "edge":
        return i.clamp(0, size - 1)
    if mode == "wrap":
        return torch.remainder(i, size)
    if mode == "reflect":
        if size == 1:
            return torch.zeros_like(i)
        j = torch.remainder(i, 2 * size - 2)
        return torch.where(j < size, j, 2 * size - 2 - j)
    j = torch.remainder(i, 2 * size)  # symmetric: the edge value is repeated
    return torch.where(j < size, j, 2 * size - 1 - j)


@keras_op
def pad(x, pad_width, mode: str = "constant", constant_values=None) -> torch.Tensor:
    """Pad `x` with `pad_width` = `(before, after)` per axis, numpy style.

    Args:
        pad_width: an int (all sides), a `(before, after)` pair (all axes),
            or one pair per axis.
        mode: "constant", "edge", "reflect", "symmetric" or "wrap". Defaults
            to "constant".
        constant_values: the fill value for "constant" mode. Defaults to 0.

    Example:

    >>> ops.pad(ops.ones((2, 2)), ((1, 1), (0, 2))).shape
    torch.Size([4, 4])
    """
    if mode not in _PAD_MODES:
        close = difflib.get_close_matches(str(mode), _PAD_MODES)
        hint = f" Did you mean: {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"Could not interpret pad mode identifier: {mode!r}.{hint} "
            f"Supported modes: {_PAD_MODES}."
        )
    if constant_values is not None and mode != "constant":
        raise ValueError(
            "`constant_values` only applies to mode='constant'. "
            f"Received: mode={mode!r}, constant_values={constant_values}"
        )
    x = convert_to_tensor(x)
    widths = _pad_pairs(pad_width, x.ndim)
    if mode == "constant":
        flat = [
            w for pair in reversed(widths) for w in pair
        ]  # last axis first, for F.pad
        return F.pad(x, flat, value=0 if constant_values is None else constant_values)
    for axis, (before, after) in enumerate(widths):
        if before or after:
            if x.shape[axis] == 0:
                raise ValueError(f"Cannot pad an empty axis with mode={mode!r}.")
            index = _pad_index(x.shape[axis], before, after, mode, x.device)
            x = torch.index_select(x, axis, index)
    return x


@keras_op
def nonzero(x) -> tuple[torch.Tensor, ...]:
    """Indices of the non-zero elements: one int64 tensor per axis, as in numpy."""
    return torch.nonzero(convert_to_tensor(x), as_tuple=True)


@keras_op
def diff(a, n: int = 1, axis: int = -1) -> torch.Tensor:
    """The `n`-th discrete difference along `axis`."""
    return torch.diff(convert_to_tensor(a), n=n, dim=axis)


@keras_op
def searchsorted(sorted_sequence, values, side: str = "left") -> torch.Tensor:
    """Indices where `values` would be inserted to keep the 1-D `sorted_sequence` sorted."""
    if side not in ("left", "right"):
        raise ValueError(f"`side` must be 'left' or 'right'. Received: side={side!r}")
    seq, values = _promoted(sorted_sequence, values)
    if seq.ndim != 1:
        raise ValueError(
            f"`sorted_sequence` must be 1-D. Received: shape={tuple(seq.shape)}"
        )
    return torch.searchsorted(seq, values, side=side)


@keras_op
def digitize(x, bins) -> torch.Tensor:
    """Index of the bin each value falls in, for increasing `bins` (numpy's `digitize`)."""
    x, bins = _promoted(x, bins)
    return torch.bucketize(x, bins, right=True)


@keras_op
def bincount(x, weights=None, minlength: int = 0, sparse: bool = False) -> torch.Tensor:
    """Count (or sum `weights` of) each non-negative int in `x`; 2-D `x` counts per row."""
    if sparse:
        raise ValueError(
            "kerastorch does not support sparse outputs. Received: sparse=True"
        )
    x = convert_to_tensor(x).long()
    if x.ndim not in (1, 2):
        raise ValueError(
            f"`bincount` needs a 1-D or 2-D input. Received: x.shape={tuple(x.shape)}"
        )
    if x.numel() and bool((x < 0).any()):
        raise ValueError("`bincount` needs non-negative values in `x`.")
    length = max(int(x.max()) + 1 if x.numel() else 0, int(minlength))
    if weights is None:
        values = torch.ones_like(x, dtype=torch.int32)
    else:
        values = _tensor(weights, x)
    out = torch.zeros(*x.shape[:-1], length, dtype=values.dtype, device=x.device)
    return out.scatter_add(-1, x, values)


@keras_op
def select(condlist, choicelist, default=0) -> torch.Tensor:
    """Per element, the first `choicelist` entry whose condition holds, else `default`."""
    if len(condlist) != len(choicelist):
        raise ValueError(
            "`condlist` and `choicelist` must have the same length. Received: "
            f"{len(condlist)} conditions and {len(choicelist)} choices."
        )
    choices = _promoted(*choicelist)
    out = torch.broadcast_to(
        _tensor(default, choices[0]).to(choices[0].dtype), choices[0].shape
    )
    for cond, choice in zip(reversed(condlist), reversed(choices)):
        out = torch.where(_tensor(cond, choice).bool(), choice, out)
    return out


def ndim(x) -> int:
    """The number of axes of `x`."""
    return len(x.shape) if hasattr(x, "shape") else np.ndim(x)


def size(x) -> int:
    """The number of elements of `x`."""
    return int(np.prod(x.shape)) if hasattr(x, "shape") else int(np.size(x))


__all__ = [
    "append",
    "get_item",
    "array_split",
    "bincount",
    "broadcast_to",
    "concatenate",
    "diff",
    "digitize",
    "expand_dims",
    "flip",
    "hstack",
    "moveaxis",
    "ndim",
    "nonzero",
    "pad",
    "ravel",
    "repeat",
    "reshape",
    "roll",
    "rot90",
    "searchsorted",
    "select",
    "size",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "take",
    "take_along_axis",
    "tile",
    "transpose",
    "vstack",
]
