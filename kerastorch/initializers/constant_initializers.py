"""Deterministic initializers: Zeros, Ones, Constant, Identity."""

from __future__ import annotations

import numbers

import numpy as np
import torch

from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.initializers.initializer import Initializer
from kerastorch.initializers.initializer import standardize_shape


class Zeros(Initializer):
    """Initializer that generates tensors filled with 0.

    Example:

    >>> initializer = kerastorch.initializers.Zeros()
    >>> initializer((2, 2))
    tensor([[0., 0.],
            [0., 0.]])
    """

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        """Return a tensor of zeros; `dtype` defaults to `floatx()`."""
        return torch.zeros(standardize_shape(shape), dtype=to_torch_dtype(dtype))


class Ones(Initializer):
    """Initializer that generates tensors filled with 1.

    Example:

    >>> initializer = kerastorch.initializers.Ones()
    >>> initializer((2,))
    tensor([1., 1.])
    """

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        """Return a tensor of ones; `dtype` defaults to `floatx()`."""
        return torch.ones(standardize_shape(shape), dtype=to_torch_dtype(dtype))


class Constant(Initializer):
    """Initializer that generates tensors filled with a constant value.

    Args:
        value: a Python number, or an array-like that broadcasts to the
            requested shape. Defaults to `0.0`.

    Example:

    >>> initializer = kerastorch.initializers.Constant(3.0)
    >>> initializer((2,))
    tensor([3., 3.])
    """

    def __init__(self, value=0.0):
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        if isinstance(value, (list, tuple, np.ndarray)):
            array = np.asarray(value)
            if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
                raise ValueError(
                    "`Constant` expects a number or an array of numbers. "
                    f"Received: value={value!r}"
                )
            value = array.tolist()
        elif not isinstance(value, numbers.Number):
            raise ValueError(
                f"`Constant` expects a number or an array of numbers. Received: value={value!r}"
            )
        self.value = value

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        """Return `value` broadcast to `shape`; `dtype` defaults to `floatx()`."""
        shape = standardize_shape(shape)
        torch_dtype = to_torch_dtype(dtype)
        if isinstance(self.value, numbers.Number):
            return torch.full(shape, self.value, dtype=torch_dtype)
        value = torch.as_tensor(self.value, dtype=torch_dtype)
        try:
            return torch.broadcast_to(value, shape).clone()
        except RuntimeError:
            raise ValueError(
                f"`Constant` value of shape {tuple(value.shape)} cannot be broadcast "
                f"to the requested shape {shape}."
            ) from None

    def get_config(self) -> dict:
        return {"value": self.value}


class Identity(Initializer):
    """Initializer that generates the identity matrix (2D shapes only).

    Non-square shapes get ones on the main diagonal and zeros elsewhere.

    Args:
        gain: multiplicative factor applied to the identity matrix.
            Defaults to `1.0`.

    Example:

    >>> initializer = kerastorch.initializers.Identity(gain=2.0)
    >>> initializer((2, 3))
    tensor([[2., 0., 0.],
            [0., 2., 0.]])
    """

    def __init__(self, gain: float = 1.0):
        if not isinstance(gain, numbers.Real):
            raise ValueError(f"`gain` must be a number. Received: gain={gain!r}")
        self.gain = gain

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        """Return `gain * eye(*shape)`; `shape` must have rank 2."""
        shape = standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        torch_dtype = to_torch_dtype(dtype)
        return (self.gain * torch.eye(*shape, dtype=torch_dtype)).to(torch_dtype)

    def get_config(self) -> dict:
        return {"gain": self.gain}


# Keras keeps the old spelling as an alias.
IdentityInitializer = Identity
