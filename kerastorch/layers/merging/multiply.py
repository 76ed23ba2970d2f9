"""Multiply: element-wise product of a list of tensors."""

from __future__ import annotations

import torch

from kerastorch.layers.merging.base_merge import Merge


class Multiply(Merge):
    """Multiplies a list of tensors element-wise (shapes broadcast; same batch size).

    With masked inputs, masked-out entries count as 1, entries outside every
    mask become 0, and the output mask is the OR of the input masks.

    Example:

    >>> x1, x2 = torch.full((2, 3), 2.0), torch.full((2, 3), 3.0)
    >>> kerastorch.layers.Multiply()([x1, x2])
    tensor([[6., 6., 6.],
            [6., 6., 6.]])
    """

    def _merge_function(self, inputs):
        return self._masked_reduce(inputs, torch.mul, 1.0)


def multiply(inputs, **kwargs) -> torch.Tensor:
    """Functional interface to the `Multiply` layer: `multiply([x1, x2, ...])`.

    Args:
        inputs: a list of tensors with broadcastable shapes.
        **kwargs: standard layer keyword arguments (`name`, ...).
    """
    return Multiply(**kwargs)(inputs)
