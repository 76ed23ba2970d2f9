"""Average: element-wise mean of a list of tensors."""

from __future__ import annotations

import torch

from kerastorch.layers.merging.base_merge import Merge


class Average(Merge):
    """Averages a list of tensors element-wise (shapes broadcast; same batch size).

    Example:

    >>> x1, x2 = torch.ones(2, 3), torch.full((2, 3), 3.0)
    >>> kerastorch.layers.Average()([x1, x2])
    tensor([[2., 2., 2.],
            [2., 2., 2.]])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


def average(inputs, **kwargs) -> torch.Tensor:
    """Functional interface to the `Average` layer: `average([x1, x2, ...])`.

    Args:
        inputs: a list of tensors with broadcastable shapes.
        **kwargs: standard layer keyword arguments (`name`, ...).
    """
    return Average(**kwargs)(inputs)
