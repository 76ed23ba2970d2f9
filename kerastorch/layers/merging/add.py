"""Add: element-wise sum of a list of tensors."""

from __future__ import annotations

import torch

from kerastorch.layers.merging.base_merge import Merge


class Add(Merge):
    """Adds a list of tensors element-wise (shapes broadcast; same batch size).

    With masked inputs, masked-out entries count as 0 and the output mask is
    the OR of the input masks.

    Example:

    >>> x1, x2 = torch.ones(2, 3), torch.full((2, 3), 2.0)
    >>> kerastorch.layers.Add()([x1, x2])
    tensor([[3., 3., 3.],
            [3., 3., 3.]])
    """

    def _merge_function(self, inputs):
        return self._masked_reduce(inputs, torch.add, 0.0)


def add(inputs, **kwargs) -> torch.Tensor:
    """Functional interface to the `Add` layer: `add([x1, x2, ...])`.

    Args:
        inputs: a list of tensors with broadcastable shapes.
        **kwargs: standard layer keyword arguments (`name`, ...).
    """
    return Add(**kwargs)(inputs)
