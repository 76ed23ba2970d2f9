"""Helpers for callbacks that watch one logged quantity (`monitor`, `mode`, `min_delta`).

Used by `EarlyStopping` and `ReduceLROnPlateau`; `ModelCheckpoint` can use
the same four functions:

    mode = check_mode(mode, "EarlyStopping")          # in __init__
    direction = resolve_mode(mode, monitor, model)    # at the first epoch end
    current = get_monitor_value(logs, monitor, "Early stopping")
    if is_improvement(current, best, direction, min_delta): ...
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping

from kerastorch.utils.warnings import KerasTorchWarning

MODES = ("auto", "min", "max")


def check_number(name: str, value, low: float | None = None, integer: bool = False):
    """Raise unless `value` is a real number (an int if `integer`) `>= low`."""
    kind = numbers.Integral if integer else numbers.Real
    if (
        isinstance(value, bool)
        or not isinstance(value, kind)
        or (low is not None and value < low)
    ):
        what = "an integer" if integer else "a number"
        bound = f" >= {low}" if low is not None else ""
        raise ValueError(f"`{name}` must be {what}{bound}. Received: {name}={value!r}")
    return value


def check_mode(mode: str, callback_name: str) -> str:
    """Return `mode` if it is one of `"auto"`, `"min"`, `"max"`; raise otherwise."""
    if mode not in MODES:
        raise ValueError(
            f"{callback_name} `mode` must be one of {list(MODES)}. "
            f"Received: mode={mode!r}"
        )
    return mode


def check_monitor(monitor: str, callback_name: str) -> str:
    """Return `monitor` if it is a non-empty string; raise otherwise."""
    if not isinstance(monitor, str) or not monitor:
        raise ValueError(
            f"{callback_name} `monitor` must be the name of a logged quantity, "
            f"such as 'val_loss'. Received: monitor={monitor!r}"
        )
    return monitor


def _tracked_metrics(model) -> list:
    """Every metric object of `model`, with compiled metric containers opened up."""
    out = []
    for metric in getattr(model, "metrics", None) or ():
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, (list, tuple)):
            out.extend(inner)
        else:
            out.append(metric)
    return out


def infer_mode(monitor: str, model=None) -> str | None:
    """`"min"` or `"max"` for the quantity named `monitor`, or `None` if unknown.

    As in Keras: a loss is minimized; a metric of `model` with that name is
    maximized or minimized as the metric says (accuracy, AUC, precision, ...
    go up; errors go down). A name not found on the model is maximized if it
    contains `"acc"` or `"auc"`, or starts with `"fmeasure"`.

    Args:
        monitor: the logged name, with or without the `"val_"` prefix.
        model: the model whose metrics to look up. Defaults to `None`.
    """
    name = monitor.removeprefix("val_")
    if name == "loss" or name.endswith("_loss"):
        return "min"
    for metric in _tracked_metrics(model):
        if getattr(metric, "name", None) == name:
            direction = getattr(metric, "_direction", None)
            if direction == "up":
                return "max"
            if direction == "down":
                return "min"
    if "acc" in name or "auc" in name or name.startswith("fmeasure"):
        return "max"
    return None


def resolve_mode(
    mode: str,
    monitor: str,
    model=None,
    callback_name: str = "Callback",
    default: str | None = None,
) -> str:
    """`"min"` or `"max"`: `mode` itself, or for `"auto"` what `infer_mode` finds.

    Args:
        mode: `"auto"`, `"min"` or `"max"`.
        monitor: the monitored name.
        model: the model, to look its metrics up. Defaults to `None`.
        callback_name: used in the error message. Defaults to `"Callback"`.
        default: the direction when `"auto"` cannot tell. Defaults to `None`,
            which raises a `ValueError` instead (as Keras's `EarlyStopping`).
    """
    if mode != "auto":
        return mode
    inferred = infer_mode(monitor, model)
    if inferred is not None:
        return inferred
    if default is not None:
        return default
    raise ValueError(
        f"{callback_name} callback received monitor={monitor!r}, but kerastorch "
        "isn't able to automatically determine whether that metric should be "
        "maximized or minimized. Pass `mode='max'` in order to monitor based on "
        "the highest metric value, or pass `mode='min'` in order to use the "
        "lowest value."
    )


def is_improvement(
    current: float, reference: float | None, mode: str, min_delta: float = 0.0
) -> bool:
    """Whether `current` beats `reference` by more than `min_delta` in direction `mode`.

    `reference=None` (nothing seen yet) counts as beaten; a NaN never beats
    anything.
    """
    if reference is None:
        return True
    if mode == "min":
        return current < reference - abs(min_delta)
    return current > reference + abs(min_delta)


def get_monitor_value(logs: Mapping | None, monitor: str, purpose: str) -> float | None:
    """`logs[monitor]`, or `None` with a warning naming the keys that are there.

    Args:
        logs: the epoch logs.
        monitor: the key to read.
        purpose: how the warning starts, e.g. `"Early stopping"`.
    """
    logs = logs or {}
    value = logs.get(monitor)
    if value is None:
        warnings.warn(
            f"{purpose} is conditioned on metric `{monitor}` which is not "
            f"available. Available metrics are: {','.join(logs)}",
            KerasTorchWarning,
            stacklevel=3,
        )
        return None
    return float(value)
