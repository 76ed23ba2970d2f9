"""Helpers shared by the recurrent layers: argument checks, mask broadcasting."""

from __future__ import annotations

import torch


def check_units(units, owner: str) -> int:
    """`units` as a positive int, or a ValueError saying what was received."""
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise ValueError(
            f"Received an invalid value for argument `units` of {owner}, expected "
            f"a positive integer. Received: units={units!r}"
        )
    return units


def check_rate(value, name: str) -> float:
    """A dropout rate as a float in [0, 1], or a ValueError saying what was received."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 <= value <= 1
    ):
        raise ValueError(
            f"Argument `{name}` must be a float between 0 and 1. "
            f"Received: {name}={value!r}"
        )
    return float(value)


def check_bool(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"Argument `{name}` must be a bool. Received: {name}={value!r}")
    return value


def expand_mask(mask_t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """A `(batch,)` boolean mask viewed as `(batch, 1, ..., 1)` to broadcast against `like`."""
    return mask_t.view(mask_t.shape[0], *([1] * (like.dim() - 1)))
