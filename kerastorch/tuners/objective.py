"""Objective: the logged metric a search optimizes, and which way."""

from __future__ import annotations

import difflib

_DIRECTIONS = ("min", "max")
# Substrings of metric names that go up (as KerasTuner infers them).
_UP = ("acc", "auc", "precision", "recall", "iou", "f1", "fbeta", "fmeasure", "r2",
       "specificity", "sensitivity")
_DOWN = ("loss", "error", "mse", "mae", "mape", "msle", "crossentropy", "hinge",
         "divergence", "poisson", "cosh")


class Objective:
    """A logged metric name and the direction to optimize it in.

    Args:
        name: a key of the logs `fit` returns, e.g. `"val_accuracy"`.
        direction: `"min"` or `"max"`.

    Example:

    ```python
    objective = keras.tuners.Objective("val_auc", direction="max")
    ```
    """

    def __init__(self, name: str, direction: str):
        if not isinstance(name, str) or not name:
            raise ValueError(
                f"Objective `name` must be a logged metric name such as 'val_loss'. "
                f"Received: name={name!r}"
            )
        if direction not in _DIRECTIONS:
            raise ValueError(
                f"Objective `direction` must be one of {list(_DIRECTIONS)}. "
                f"Received: direction={direction!r}"
            )
        self.name = name
        self.direction = direction

    def better(self, a: float, b: float | None) -> bool:
        """Whether value `a` is better than `b` (`None`: nothing yet)."""
        if b is None:
            return True
        return a < b if self.direction == "min" else a > b

    def get_value(self, logs: dict) -> float:
        """`logs[name]`, or a `ValueError` listing what was logged."""
        if self.name not in logs:
            raise ValueError(missing_message(self.name, logs))
        return float(logs[self.name])

    def __eq__(self, other) -> bool:
        return (isinstance(other, Objective) and other.name == self.name
                and other.direction == self.direction)

    def __hash__(self) -> int:
        return hash((self.name, self.direction))

    def __repr__(self) -> str:
        return f'Objective(name="{self.name}", direction="{self.direction}")'


def missing_message(name: str, logs) -> str:
    keys = sorted(logs)
    close = difflib.get_close_matches(name, keys)
    hint = f" Did you mean: {', '.join(repr(k) for k in close)}?" if close else ""
    return (
        f"The objective {name!r} is not among the metrics logged by the trial: "
        f"{keys}.{hint} Pass one of them as `objective` (with validation data, "
        "validation metrics are prefixed 'val_')."
    )


def infer_direction(name: str) -> str | None:
    """`"min"` or `"max"` for a metric name, as KerasTuner infers it; `None` if unknown."""
    base = name.removeprefix("val_")
    if base == "loss" or base.endswith("_loss"):
        return "min"
    from kerastorch import metrics

    try:
        metric = metrics.get(base)
    except (ValueError, TypeError):
        metric = None
    direction = getattr(metric, "_direction", None)
    if direction in ("up", "down"):
        return "max" if direction == "up" else "min"
    lowered = base.lower()
    if any(s in lowered for s in _DOWN):
        return "min"
    if any(s in lowered for s in _UP):
        return "max"
    return None


def get(objective) -> Objective:
    """An `Objective` from an `Objective` or a metric name (direction inferred)."""
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, str) and objective:
        direction = infer_direction(objective)
        if direction is None:
            raise ValueError(
                f"Could not infer the optimization direction ('min' or 'max') of the "
                f"objective {objective!r}. Pass it as `keras.tuners.Objective("
                f"{objective!r}, direction='max')` (or 'min')."
            )
        return Objective(objective, direction)
    raise TypeError(
        "`objective` must be a logged metric name (e.g. 'val_accuracy') or a "
        f"`keras.tuners.Objective`. Received: objective={objective!r}"
    )
