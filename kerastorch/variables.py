"""`kerastorch.Variable`: a `torch.nn.Parameter` that also speaks the Keras Variable API.

One object serves both worlds: torch code sees a Parameter (`p.grad`,
`state_dict()`, optimizers, DDP), Keras code sees a Variable (`v.assign(...)`,
`v.path`, `v.numpy()`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from kerastorch.backend.dtypes import standardize_dtype


class Variable(nn.Parameter):
    """A weight: a `torch.nn.Parameter` with Keras's Variable API.

    Created by `Layer.add_weight`; may also be built directly.

    Args:
        initializer: a tensor/array holding the initial value, or a callable
            `initializer(shape, dtype)` (then `shape` is required).
        shape: the shape, when `initializer` is a callable.
        dtype: the dtype. Defaults to `floatx()` for callables, else the value's.
        trainable: whether gradients are computed for it. Defaults to `True`.
        name: the short name, e.g. `"kernel"`. Defaults to `"variable"`.

    Example:

    >>> v = kerastorch.Variable(np.zeros((2, 3)), name="w")
    >>> v.assign(np.ones((2, 3)))
    >>> v.numpy().sum()
    6.0
    """

    def __new__(
        cls,
        initializer=None,
        shape=None,
        dtype=None,
        trainable: bool = True,
        name: str | None = None,
        regularizer=None,
        constraint=None,
        aggregation: str = "mean",
        synchronization: str = "auto",
        device=None,
    ):
        value = _initial_value(initializer, shape, dtype, device)
        requires_grad = bool(trainable) and value.is_floating_point()
        self = torch.Tensor._make_subclass(cls, value, requires_grad)
        self._name = name or "variable"
        self._path = self._name
        self._trainable = bool(trainable)
        self.regularizer = regularizer
        self.constraint = constraint
        self.aggregation = aggregation
        self.synchronization = synchronization
        return self

    def __init__(self, *args, **kwargs):
        # Everything happens in __new__; nn.Parameter has no __init__ to run.
        pass

    # Keras attributes -------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def path(self) -> str:
        """Where the variable lives, e.g. `"sequential/dense/kernel"`."""
        return self._path

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        if self.is_floating_point():
            self.requires_grad_(self._trainable)

    @property
    def value(self) -> torch.Tensor:
        """The current value as a tensor (the Parameter itself)."""
        return self

    @property
    def keras_dtype(self) -> str:
        return standardize_dtype(self.dtype)

    @property
    def ndim(self) -> int:
        return self.dim()

    def assign(self, value) -> Variable:
        """Copy `value` (tensor, array or number) into the variable, in place."""
        value = _as_tensor_like(value, self)
        if value.shape != self.shape:
            raise ValueError(
                f"Cannot assign a value of shape {tuple(value.shape)} to variable "
                f"'{self.path}' of shape {tuple(self.shape)}."
            )
        with torch.no_grad():
            self.copy_(value)
        return self

    def assign_add(self, value) -> Variable:
        with torch.no_grad():
            self.add_(_as_tensor_like(value, self))
        return self

    def assign_sub(self, value) -> Variable:
        with torch.no_grad():
            self.sub_(_as_tensor_like(value, self))
        return self

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The value as a numpy array (a copy off the CPU; `force` as in `Tensor.numpy`)."""
        return self.detach().cpu().numpy(force=force)

    # torch plumbing -----------------------------------------------------------

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Variable(
            self.detach().clone(memory_format=torch.preserve_format),
            trainable=self._trainable,
            name=self._name,
            regularizer=self.regularizer,
            constraint=self.constraint,
        )
        result._path = self._path
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        # Pickles (multiprocessing, deepcopy fallbacks) rebuild a Variable.
        return (
            _rebuild_variable,
            (self.detach().cpu(), self._trainable, self._name, self._path),
        )

    def __repr__(self) -> str:
        return (
            f"<Variable path={self._path}, shape={tuple(self.shape)}, "
            f"dtype={self.keras_dtype}, trainable={self._trainable}>\n"
            f"{super().__repr__()}"
        )


def _rebuild_variable(data, trainable, name, path):
    v = Variable(data, trainable=trainable, name=name)
    v._path = path
    return v


def _initial_value(initializer, shape, dtype, device) -> torch.Tensor:
    from kerastorch.backend.dtypes import to_torch_dtype

    if callable(initializer) and not isinstance(initializer, (torch.Tensor, np.ndarray)):
        if shape is None:
            raise ValueError(
                "A Variable created from a callable initializer needs a `shape`. "
                f"Received: initializer={initializer}, shape=None"
            )
        torch_dtype = to_torch_dtype(dtype)
        shape = tuple(int(d) for d in shape)
        if device is not None:
            with torch.device(device):
                value = initializer(shape, dtype=standardize_dtype(torch_dtype))
        else:
            value = initializer(shape, dtype=standardize_dtype(torch_dtype))
        value = torch.as_tensor(value, dtype=torch_dtype, device=device)
    else:
        if initializer is None:
            raise ValueError("A Variable needs an initial value or an initializer.")
        value = torch.as_tensor(
            initializer,
            dtype=None if dtype is None else to_torch_dtype(dtype),
            device=device,
        )
        if value.dtype == torch.float64 and dtype is None and not torch.is_tensor(initializer):
            value = value.float()
        value = value.detach().clone()
        if shape is not None and tuple(value.shape) != tuple(shape):
            raise ValueError(
                f"The initial value has shape {tuple(value.shape)}, but "
                f"shape={tuple(shape)} was given."
            )
    return value


def _as_tensor_like(value, like: torch.Tensor) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.to(device=like.device, dtype=like.dtype)
    return torch.as_tensor(np.asarray(value), dtype=like.dtype, device=like.device)
