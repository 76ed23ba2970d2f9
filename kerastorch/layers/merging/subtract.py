"""Subtract: `inputs[0] - inputs[1]`."""

from __future__ import annotations

import torch

from kerastorch.layers.merging.base_merge import Merge


class Subtract(Merge):
    """Subtracts two tensors element-wise: `inputs[0] - inputs[1]`.

    Takes exactly two inputs (shapes broadcast; same batch size).

    Example:

    >>> x1, x2 = torch.full((2, 3), 5.0), torch.ones(2, 3)
    >>> kerastorch.layers.Subtract()([x1, x2])
    tensor([[4., 4., 4.],
            [4., 4., 4.]])
    """

    _min_inputs = 2
    _max_inputs = 2

    def _merge_function(self, inputs):
        return torch.sub(inputs[0], inputs[1])


def subtract(inputs, **kwargs) -> torch.Tensor:
    """Functional interface to the `Subtract` layer: `subtract([x1, x2])`.

    Args:
        inputs: a list of exactly two tensors.
        **kwargs: standard layer keyword arguments (`name`, ...).
    """
    return Subtract(**kwargs)(inputs)
