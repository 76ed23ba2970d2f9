"""Dot: batch-wise dot product of two tensors along chosen axes."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerastorch.backend import epsilon
from kerastorch.layers.merging.base_merge import Merge


def batch_dot(x: torch.Tensor, y: torch.Tensor, axes: tuple[int, int]) -> torch.Tensor:
    """Keras's `batch_dot`: per sample, contract `x` axis `axes[0]` with `y` axis `axes[1]`.

    The output shape is `x.shape` without `axes[0]`, followed by `y.shape`
    without the batch axis and `axes[1]`; a rank-1 result becomes `(batch, 1)`.
    Computed with one `torch.bmm`.
    """
    a0, a1 = axes
    batch = x.shape[0]
    x = x.movedim(a0, -1)  # (batch, *x_rest, d)
    y = y.movedim(a1, 1)  # (batch, d, *y_rest)
    x_rest, y_rest, d = x.shape[1:-1], y.shape[2:], x.shape[-1]
    out = torch.bmm(x.reshape(batch, -1, d), y.reshape(batch, d, -1))  # (batch, X, Y)
    out = out.reshape(batch, *x_rest, *y_rest)
    if out.dim() == 1:
        out = out.unsqueeze(-1)  # (batch, 1)
    return out


class Dot(Merge):
    """Dot product of two tensors, sample by sample, along the given axes.

    For inputs of shapes `(batch, 3, 5)` and `(batch, 10, 3)`, `axes=(1, 2)`
    gives an output of shape `(batch, 5, 10)`. Two `(batch, n)` inputs with
    `axes=1` give `(batch, 1)`.

    Args:
        axes: an integer, or a tuple of two integers (one axis per input),
            along which to take the dot product. Axis 0 (the batch) is not
            allowed; negative axes count from the end.
        normalize: whether to L2-normalize both inputs along the dot axes
            first, so the output is the cosine similarity. Defaults to `False`.

    Example:

    >>> x = torch.arange(10.0).reshape(1, 5, 2)
    >>> y = torch.arange(10.0, 20.0).reshape(1, 2, 5)
    >>> kerastorch.layers.Dot(axes=(1, 2))([x, y]).shape
    torch.Size([1, 2, 2])
    """

    _min_inputs = 2
    _max_inputs = 2

    def __init__(self, axes, normalize: bool = False, **kwargs):
        if isinstance(axes, bool) or not isinstance(axes, (int, list, tuple)):
            raise TypeError(
                "Invalid type for argument `axes`: it should be a list or an int. "
                f"Received: axes={axes!r}"
            )
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2:
                raise ValueError(
                    "Invalid format for argument `axes`: it should contain two "
                    f"elements. Received: axes={axes}"
                )
            if not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
                raise ValueError(
                    "Invalid format for argument `axes`: list elements should be "
                    f"integers. Received: axes={axes}"
                )
            axes = tuple(axes)
        super().__init__(**kwargs)
        self.axes = axes
        self.normalize = bool(normalize)

    def _resolve_axes(self, shape1: tuple, shape2: tuple) -> tuple[int, int]:
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        resolved = []
        for axis, shape in zip(axes, (shape1, shape2)):
            if not -len(shape) <= axis < len(shape):
                raise ValueError(
                    f"Layer '{self.name}': axes={self.axes} is out of range for input "
                    f"shapes {shape1} and {shape2}."
                )
            resolved.append(axis % len(shape))
        if 0 in resolved:
            raise ValueError(
                f"Layer '{self.name}' cannot take the dot product over axis 0 (the "
                f"batch axis). Received: axes={self.axes} for input shapes "
                f"{shape1} and {shape2}. If your inputs are not batched, add a "
                "batch axis with `x[None]`."
            )
        return resolved[0], resolved[1]

    def _dot_shape(self, input_shape) -> tuple:
        shape1, shape2 = self._check_input_shapes(input_shape)
        if len(shape1) < 2 or len(shape2) < 2:
            raise ValueError(
                f"Layer '{self.name}' needs inputs of rank >= 2. Received input "
                f"shapes {shape1} and {shape2}."
            )
        a0, a1 = self._resolve_axes(shape1, shape2)
        d1, d2 = shape1[a0], shape2[a1]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(
                f"Layer '{self.name}': incompatible input shapes: axis values {d1} "
                f"(at axis {a0}) != {d2} (at axis {a1}). Full input shapes: "
                f"{shape1}, {shape2}"
            )
        out = [d for i, d in enumerate(shape1) if i != a0]
        out += [d for i, d in enumerate(shape2) if i not in (0, a1)]
        if len(out) == 1:
            out.append(1)
        return tuple(out)

    def build(self, input_shape):
        self._dot_shape(input_shape)

    def call(self, inputs):
        if isinstance(inputs, torch.Tensor) or not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"A `Dot` layer ('{self.name}') should be called on a list of 2 "
                f"inputs. Received: inputs of type {type(inputs).__name__}"
            )
        shapes = [tuple(x.shape) for x in inputs]
        self._dot_shape(shapes)  # two inputs, rank >= 2, matching dot axes
        x1, x2 = inputs
        a0, a1 = self._resolve_axes(shapes[0], shapes[1])
        if self.normalize:
            x1 = F.normalize(x1, p=2.0, dim=a0, eps=epsilon())
            x2 = F.normalize(x2, p=2.0, dim=a1, eps=epsilon())
        return batch_dot(x1, x2, (a0, a1))

    def compute_output_shape(self, input_shape):
        return self._dot_shape(input_shape)

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def dot(inputs, axes=-1, **kwargs) -> torch.Tensor:
    """Functional interface to the `Dot` layer: `dot([x1, x2], axes)`.

    Args:
        inputs: a list of two tensors.
        axes: an integer or a pair of integers, the dot axes. Defaults to `-1`.
        **kwargs: `normalize` and the standard layer keyword arguments.
    """
    return Dot(axes=axes, **kwargs)(inputs)
