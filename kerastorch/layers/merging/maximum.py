"""Maximum: element-wise maximum of a list of tensors."""

from __future__ import annotations

import torch

from kerastorch.layers.merging.base_merge import Merge


class Maximum(Merge):
    """Takes the element-wise maximum of a list of tensors (shapes broadcast; same batch size).

    With masked inputs, a masked-out entry takes the other input's value, and
    the output mask is the OR of the input masks.

    Example:

    >>> x1, x2 = torch.tensor([[1.0, 5.0]]), torch.tensor([[3.0, 2.0]])
    >>> kerastorch.layers.Maximum()([x1, x2])
    tensor([[3., 5.]])
    """

    def _merge_function(self, inputs):
        return self._masked_select_op(inputs, torch.maximum)


def maximum(inputs, **kwargs) -> torch.Tensor:
    """Functional interface to the `Maximum` layer: `maximum([x1, x2, ...])`.

    Args:
        inputs: a list of tensors with broadcastable shapes.
        **kwargs: standard layer keyword arguments (`name`, ...).
    """
    return Maximum(**kwargs)(inputs)
