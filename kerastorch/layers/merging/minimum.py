"""Minimum: element-wise minimum of a list of tensors."""

from __future__ import annotations

import torch

from kerastorch.layers.merging.base_merge import Merge


class Minimum(Merge):
    """Takes the element-wise minimum of a list of tensors (shapes broadcast; same batch size).

    With masked inputs, a masked-out entry takes the other input's value, and
    the output mask is the OR of the input masks.

    Example:

    >>> x1, x2 = torch.tensor([[1.0, 5.0]]), torch.tensor([[3.0, 2.0]])
    >>> kerastorch.layers.Minimum()([x1, x2])
    tensor([[1., 2.]])
    """

    def _merge_function(self, inputs):
        return self._masked_select_op(inputs, torch.minimum)


def minimum(inputs, **kwargs) -> torch.Tensor:
    """Functional interface to the `Minimum` layer: `minimum([x1, x2, ...])`.

    Args:
        inputs: a list of tensors with broadcastable shapes.
        **kwargs: standard layer keyword arguments (`name`, ...).
    """
    return Minimum(**kwargs)(inputs)
