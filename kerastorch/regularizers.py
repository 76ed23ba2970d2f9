"""Weight regularizers (`keras.regularizers`): penalties added to the loss.

    Dense(64, kernel_regularizer=kerastorch.regularizers.L2(1e-4))
    Dense(64, kernel_regularizer="l1")

A regularizer is a callable `weight -> scalar tensor`; `Layer.add_weight`
collects its penalty in `layer.losses`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import torch
import torch.nn.functional as F

from kerastorch.backend.naming import to_snake_case
from kerastorch.initializers import _lookup

_KIND = "regularizer"
_MODULE = "keras.regularizers"


def _check_factor(name: str, value) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or math.isnan(value)
        or math.isinf(value)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. "
            f"Received: {name}={value!r}"
        )
    return float(value)


class Regularizer:
    """Base class for regularizers: callables `weight -> scalar penalty`.

    Subclasses implement `__call__(x)` and `get_config()`.

    Example:

    >>> class L2Sum(kerastorch.regularizers.Regularizer):
    ...     def __init__(self, factor=0.01):
    ...         self.factor = factor
    ...     def __call__(self, x):
    ...         return self.factor * torch.sum(x * x)
    ...     def get_config(self):
    ...         return {"factor": self.factor}
    """

    def __call__(self, x) -> torch.Tensor:
        """Return the penalty for `x`; the base class adds none."""
        return torch.zeros((), dtype=x.dtype, device=x.device)

    def get_config(self) -> dict:
        """Return the constructor arguments as a JSON-friendly dict."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement get_config()."
        )

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        """Rebuild a regularizer from the dict returned by `get_config()`."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """Penalty `l1 * sum(abs(x)) + l2 * sum(square(x))`.

    Args:
        l1: the L1 factor, a non-negative float. Defaults to `0.0`.
        l2: the L2 factor, a non-negative float. Defaults to `0.0`.

    Example:

    >>> reg = kerastorch.regularizers.L1L2(l1=0.01, l2=0.01)
    >>> reg(torch.tensor([1.0, -2.0]))
    tensor(0.0800)
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        # None means "use the default" in Keras configs.
        self.l1 = _check_factor("l1", 0.0 if l1 is None else l1)
        self.l2 = _check_factor("l2", 0.0 if l2 is None else l2)

    def __call__(self, x) -> torch.Tensor:
        penalty = torch.zeros((), dtype=x.dtype, device=x.device)
        if self.l1:
            penalty = penalty + self.l1 * torch.sum(torch.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * torch.sum(torch.square(x))
        return penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """Penalty `l1 * sum(abs(x))`.

    Args:
        l1: the L1 factor, a non-negative float. Defaults to `0.01`.

    Example:

    >>> kerastorch.regularizers.L1(0.1)(torch.tensor([1.0, -2.0]))
    tensor(0.3000)
    """

    def __init__(self, l1: float = 0.01):
        self.l1 = _check_factor("l1", 0.01 if l1 is None else l1)

    def __call__(self, x) -> torch.Tensor:
        return self.l1 * torch.sum(torch.abs(x))

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """Penalty `l2 * sum(square(x))`.

    Args:
        l2: the L2 factor, a non-negative float. Defaults to `0.01`.

    Example:

    >>> kerastorch.regularizers.L2(0.1)(torch.tensor([1.0, -2.0]))
    tensor(0.5000)
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = _check_factor("l2", 0.01 if l2 is None else l2)

    def __call__(self, x) -> torch.Tensor:
        return self.l2 * torch.sum(torch.square(x))

    def get_config(self) -> dict:
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Penalty that pushes the rows (or columns) of a 2D weight towards orthogonality.

    The penalty is `factor * mean(|cos(v_i, v_j)|)` over all pairs `i < j` of
    rows (`mode="rows"`) or columns (`mode="columns"`).

    Args:
        factor: the penalty factor, a non-negative float. Defaults to `0.01`.
        mode: `"rows"` (e.g. Dense kernels of shape `(in, out)` with fewer
            inputs) or `"columns"`. Defaults to `"rows"`.

    Example:

    >>> reg = kerastorch.regularizers.OrthogonalRegularizer(factor=1.0)
    >>> reg(torch.eye(3))
    tensor(0.)
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows"):
        self.factor = _check_factor("factor", factor)
        if mode not in ("rows", "columns"):
            raise ValueError(
                "Invalid value for argument `mode`. Expected one of "
                f"{{'rows', 'columns'}}. Received: mode={mode!r}"
            )
        self.mode = mode

    def __call__(self, x) -> torch.Tensor:
        if x.ndim != 2:
            raise ValueError(
                "Inputs to OrthogonalRegularizer must have rank 2. "
                f"Received: x.shape={tuple(x.shape)}"
            )
        vectors = x.T if self.mode == "columns" else x  # (n, d)
        n = vectors.shape[0]
        if n < 2:
            return torch.zeros((), dtype=x.dtype, device=x.device)
        unit = F.normalize(vectors, dim=1)
        cosines = unit @ unit.T  # (n, n)
        off_diagonal = cosines.abs().sum() - torch.diagonal(cosines).abs().sum()
        # The sum counts each pair twice; there are n (n - 1) / 2 pairs.
        return self.factor * 0.5 * off_diagonal / (n * (n - 1) / 2)

    def get_config(self) -> dict:
        return {"factor": self.factor, "mode": self.mode}


# Keras exports the lowercase names as the classes themselves.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

ALL_OBJECTS = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
ALL_OBJECTS_DICT: dict[str, type] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})


def serialize(regularizer: Regularizer) -> dict:
    """Return the regularizer as a Keras-style config dict."""
    return _lookup.serialize_object(regularizer, _MODULE)


def deserialize(
    config: str | Mapping, custom_objects: Mapping | None = None
) -> Regularizer:
    """Return a regularizer from a name (`"l2"`) or a config dict.

    Args:
        config: a name or a dict with `"class_name"` and `"config"`.
        custom_objects: extra `{name: class}` looked up first. Defaults to `None`.
    """
    return _lookup.deserialize_object(config, _KIND, ALL_OBJECTS_DICT, custom_objects)


def get(identifier) -> Regularizer | None:
    """Return a regularizer for a name, config dict, class, callable or None.

    Example:

    >>> kerastorch.regularizers.get("l2")
    L2(l2=0.01)
    """
    return _lookup.resolve(identifier, _KIND, deserialize)


__all__ = [
    "ALL_OBJECTS",
    "ALL_OBJECTS_DICT",
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "orthogonal_regularizer",
    "serialize",
]
