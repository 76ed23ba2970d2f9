"""Concatenate: join a list of tensors along one axis."""

from __future__ import annotations

import torch

from kerastorch.layers.merging.base_merge import Merge
from kerastorch.layers.merging.base_merge import broadcast_mask


class Concatenate(Merge):
    """Concatenates a list of tensors along `axis` (`torch.cat`).

    All inputs must have the same shape except along `axis`. Masks are
    concatenated too (unmasked inputs count as all-True), so a mask over
    timesteps survives a concatenation along the feature axis.

    Args:
        axis: the concatenation axis. Defaults to `-1`.

    Example:

    >>> x = torch.zeros(2, 2, 5)
    >>> y = torch.ones(2, 1, 5)
    >>> kerastorch.layers.Concatenate(axis=1)([x, y]).shape
    torch.Size([2, 3, 5])
    """

    def __init__(self, axis: int = -1, **kwargs):
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise ValueError(f"`axis` must be an integer. Received: axis={axis!r}")
        super().__init__(**kwargs)
        self.axis = axis

    def _concat_shape(self, input_shape) -> tuple:
        shapes = self._check_input_shapes(input_shape)
        error = ValueError(
            f"A `Concatenate` layer ('{self.name}') requires inputs with matching "
            f"shapes except for the concatenation axis {self.axis}. "
            f"Received: input_shape={shapes}"
        )
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            raise error
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"Layer '{self.name}': `axis`={self.axis} is out of range for inputs "
                f"of rank {rank}. Received: input_shape={shapes}"
            )
        axis = self.axis % rank
        out = list(shapes[0])
        for i in range(rank):
            dims = [s[i] for s in shapes]
            if i == axis:
                out[i] = None if None in dims else sum(dims)
            else:
                known = {d for d in dims if d is not None}
                if len(known) > 1:
                    raise error
                out[i] = known.pop() if known else None
        return tuple(out)

    def build(self, input_shape):
        self._concat_shape(input_shape)

    def call(self, inputs):
        if isinstance(inputs, torch.Tensor) or not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"A `Concatenate` layer ('{self.name}') should be called on a list "
                f"of inputs. Received: inputs of type {type(inputs).__name__}"
            )
        if not torch.compiler.is_compiling():  # traced shapes are SymInts; torch checks them
            self._concat_shape([tuple(x.shape) for x in inputs])
        return torch.cat(list(inputs), dim=self.axis)

    def compute_output_shape(self, input_shape):
        return self._concat_shape(input_shape)

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None:
            return None
        if len(previous_mask) != len(inputs):
            raise ValueError(
                "The lists `inputs` and `mask` should have the same length. "
                f"Received: {len(inputs)} inputs and {len(previous_mask)} masks."
            )
        if all(m is None for m in previous_mask):
            return None
        masks = []
        for x, mask in zip(inputs, previous_mask):
            if mask is None:
                masks.append(torch.ones_like(x, dtype=torch.bool))  # unmasked: all kept
            else:
                masks.append(broadcast_mask(mask, x))  # (*x.shape)
        return torch.cat(masks, dim=self.axis).any(dim=-1)  # x.shape[:-1]

    def get_config(self) -> dict:
        config = super().get_config()
        config["axis"] = self.axis
        return config


def concatenate(inputs, axis: int = -1, **kwargs) -> torch.Tensor:
    """Functional interface to the `Concatenate` layer: `concatenate([x1, x2], axis)`.

    Args:
        inputs: a list of tensors with the same shape except along `axis`.
        axis: the concatenation axis. Defaults to `-1`.
        **kwargs: standard layer keyword arguments (`name`, ...).
    """
    return Concatenate(axis=axis, **kwargs)(inputs)
