"""Helpers shared by the normalization layers: axis checks and dtype upcasting."""

from __future__ import annotations

import torch

_HALF_DTYPES = (torch.float16, torch.bfloat16)


def check_axis_argument(axis, allow_list: bool = True):
    """Validate an `axis` constructor argument; return an int or a list of ints.

    Raises `TypeError` (as Keras does) when `axis` is neither an int nor, when
    `allow_list`, a list/tuple of ints.
    """
    if isinstance(axis, bool):
        pass  # bool is an int subclass but never a meaningful axis
    elif isinstance(axis, int):
        return axis
    elif allow_list and isinstance(axis, (list, tuple)) and axis:
        if all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            return list(axis)
    expected = "an int or a non-empty list/tuple of ints" if allow_list else "an int"
    raise TypeError(
        f"Expected {expected} for the argument `axis`. Received: axis={axis!r}"
    )


def resolve_axes(
    axis, input_shape, layer_name: str, need_known: bool = True
) -> list[int]:
    """Turn `axis` (int or list) into sorted non-negative axes of `input_shape`.

    Raises `ValueError` naming the layer for out-of-range or repeated axes, and
    (when `need_known`) for axes whose size is unknown (`None`).
    """
    ndim = len(input_shape)
    axes = [axis] if isinstance(axis, int) else list(axis)
    resolved = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(
                f"Layer '{layer_name}': axis {a} is out of bounds for an input of "
                f"rank {ndim}. Received: axis={axis}, input_shape={tuple(input_shape)}"
            )
        resolved.append(a % ndim)
    if len(set(resolved)) != len(resolved):
        raise ValueError(
            f"Layer '{layer_name}': `axis` contains repeated axes. "
            f"Received: axis={axis}, input_shape={tuple(input_shape)}"
        )
    if need_known:
        for a in resolved:
            if input_shape[a] is None:
                raise ValueError(
                    f"Layer '{layer_name}' needs a known size on axis {a} of its "
                    f"input. Received: input_shape={tuple(input_shape)}"
                )
    return sorted(resolved)


def check_number(
    value, name: str, minimum: float = 0.0, maximum: float | None = None
) -> float:
    """Return `value` as a float; raise `ValueError` if it is not a number in range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"`{name}` must be a number. Received: {name}={value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"`{name}` must be {bound}. Received: {name}={value}")
    return float(value)


def upcast(x: torch.Tensor) -> torch.Tensor:
    """float16/bfloat16 → float32 (statistics overflow in half precision)."""
    return x.float() if x.dtype in _HALF_DTYPES else x


def is_trailing(axes: list[int], ndim: int) -> bool:
    """True when sorted `axes` are exactly the last `len(axes)` axes of the input."""
    return axes == list(range(ndim - len(axes), ndim))
