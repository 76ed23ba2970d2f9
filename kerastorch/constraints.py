"""Weight constraints (`keras.constraints`): projections applied after each update.

    Dense(64, kernel_constraint=kerastorch.constraints.MaxNorm(3))
    Dense(64, kernel_constraint="non_neg")

A constraint is a callable `weight -> weight` returning the projected tensor;
the optimizer step assigns the result back to the variable.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import torch

from kerastorch.backend.config import epsilon
from kerastorch.backend.naming import to_snake_case
from kerastorch.initializers import _lookup

_KIND = "constraint"
_MODULE = "keras.constraints"


def _check_axis(axis) -> int | tuple[int, ...]:
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    if (
        isinstance(axis, (list, tuple))
        and axis
        and all(isinstance(a, int) and not isinstance(a, bool) for a in axis)
    ):
        return tuple(axis)
    raise ValueError(
        f"`axis` must be an int or a list of ints. Received: axis={axis!r}"
    )


def _config_axis(axis):
    """Axes go into configs as JSON-friendly lists."""
    return list(axis) if isinstance(axis, tuple) else axis


def _check_number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
        raise ValueError(
            f"`{name}` must be a non-negative number. Received: {name}={value!r}"
        )
    return value


def _norms(w: torch.Tensor, axis) -> torch.Tensor:
    """L2 norms over `axis`, kept as size-1 dims so they broadcast against `w`."""
    return torch.sqrt(torch.sum(torch.square(w), dim=axis, keepdim=True))


class Constraint:
    """Base class for weight constraints: callables `weight -> projected weight`.

    Subclasses implement `__call__(w)` and, when they take arguments,
    `get_config()`.

    Example:

    >>> class NonNegMean(kerastorch.constraints.Constraint):
    ...     def __call__(self, w):
    ...         return w - torch.clamp(w.mean(), max=0.0)
    """

    def __call__(self, w) -> torch.Tensor:
        """Return the projected weight; the base class returns `w` unchanged."""
        return w

    def get_config(self) -> dict:
        """Return the constructor arguments as a JSON-friendly dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Constraint:
        """Rebuild a constraint from the dict returned by `get_config()`."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescale weights whose L2 norm along `axis` exceeds `max_value`.

    Args:
        max_value: the largest allowed norm. Defaults to `2`.
        axis: the axis (or axes) the norms are taken over. For a Dense kernel
            `(input_dim, output_dim)`, `axis=0` constrains each output unit's
            incoming weights; for a Conv2D kernel `(rows, cols, in, out)` use
            `axis=[0, 1, 2]`. Defaults to `0`.

    Example:

    >>> c = kerastorch.constraints.MaxNorm(max_value=1.0)
    >>> c(torch.tensor([[3.0], [4.0]]))
    tensor([[0.6000],
            [0.8000]])
    """

    def __init__(self, max_value: float = 2, axis: int | list[int] = 0):
        self.max_value = _check_number("max_value", max_value)
        self.axis = _check_axis(axis)

    def __call__(self, w) -> torch.Tensor:
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (epsilon() + norms))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": _config_axis(self.axis)}


class NonNeg(Constraint):
    """Set negative weights to zero.

    Example:

    >>> kerastorch.constraints.NonNeg()(torch.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def __call__(self, w) -> torch.Tensor:
        return w * (w >= 0).to(w.dtype)


class UnitNorm(Constraint):
    """Rescale weights to unit L2 norm along `axis`.

    Args:
        axis: the axis (or axes) the norms are taken over (see `MaxNorm`).
            Defaults to `0`.

    Example:

    >>> kerastorch.constraints.UnitNorm()(torch.tensor([[3.0], [4.0]]))
    tensor([[0.6000],
            [0.8000]])
    """

    def __init__(self, axis: int | list[int] = 0):
        self.axis = _check_axis(axis)

    def __call__(self, w) -> torch.Tensor:
        return w / (epsilon() + _norms(w, self.axis))

    def get_config(self) -> dict:
        return {"axis": _config_axis(self.axis)}


class MinMaxNorm(Constraint):
    """Keep the L2 norm of the weights along `axis` within `[min_value, max_value]`.

    Each step moves the norm `rate` of the way into the interval:
    `norm <- rate * clip(norm, min_value, max_value) + (1 - rate) * norm`.

    Args:
        min_value: the smallest allowed norm. Defaults to `0.0`.
        max_value: the largest allowed norm. Defaults to `1.0`.
        rate: how strictly to enforce the bounds, in `[0, 1]`; `1.0` projects
            exactly, smaller values rescale gradually. Defaults to `1.0`.
        axis: the axis (or axes) the norms are taken over (see `MaxNorm`).
            Defaults to `0`.

    Example:

    >>> c = kerastorch.constraints.MinMaxNorm(min_value=1.0, max_value=2.0)
    >>> c(torch.tensor([[0.3], [0.4]]))
    tensor([[0.6000],
            [0.8000]])
    """

    def __init__(
        self,
        min_value: float = 0.0,
        max_value: float = 1.0,
        rate: float = 1.0,
        axis: int | list[int] = 0,
    ):
        self.min_value = _check_number("min_value", min_value)
        self.max_value = _check_number("max_value", max_value)
        if min_value > max_value:
            raise ValueError(
                "`min_value` must not exceed `max_value`. "
                f"Received: min_value={min_value}, max_value={max_value}"
            )
        if (
            isinstance(rate, bool)
            or not isinstance(rate, numbers.Real)
            or not 0 <= rate <= 1
        ):
            raise ValueError(
                f"`rate` must be a number in [0, 1]. Received: rate={rate!r}"
            )
        self.rate = rate
        self.axis = _check_axis(axis)

    def __call__(self, w) -> torch.Tensor:
        norms = _norms(w, self.axis)
        clipped = torch.clamp(norms, self.min_value, self.max_value)
        desired = self.rate * clipped + (1 - self.rate) * norms
        return w * (desired / (epsilon() + norms))

    def get_config(self) -> dict:
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": _config_axis(self.axis),
        }


# Keras exports the lowercase names as the classes themselves.
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

ALL_OBJECTS = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
ALL_OBJECTS_DICT: dict[str, type] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})


def serialize(constraint: Constraint) -> dict:
    """Return the constraint as a Keras-style config dict."""
    return _lookup.serialize_object(constraint, _MODULE)


def deserialize(
    config: str | Mapping, custom_objects: Mapping | None = None
) -> Constraint:
    """Return a constraint from a name (`"max_norm"`) or a config dict.

    Args:
        config: a name or a dict with `"class_name"` and `"config"`.
        custom_objects: extra `{name: class}` looked up first. Defaults to `None`.
    """
    return _lookup.deserialize_object(config, _KIND, ALL_OBJECTS_DICT, custom_objects)


def get(identifier) -> Constraint | None:
    """Return a constraint for a name, config dict, class, callable or None.

    Example:

    >>> kerastorch.constraints.get("non_neg")
    NonNeg()
    """
    return _lookup.resolve(identifier, _KIND, deserialize)


__all__ = [
    "ALL_OBJECTS",
    "ALL_OBJECTS_DICT",
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "deserialize",
    "get",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "serialize",
    "unit_norm",
]
