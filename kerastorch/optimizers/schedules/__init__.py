"""Learning rate schedules (`keras.optimizers.schedules`)."""

from __future__ import annotations

from kerastorch.optimizers.schedules.learning_rate_schedule import CosineDecay
from kerastorch.optimizers.schedules.learning_rate_schedule import CosineDecayRestarts
from kerastorch.optimizers.schedules.learning_rate_schedule import ExponentialDecay
from kerastorch.optimizers.schedules.learning_rate_schedule import InverseTimeDecay
from kerastorch.optimizers.schedules.learning_rate_schedule import LearningRateSchedule
from kerastorch.optimizers.schedules.learning_rate_schedule import (
    PiecewiseConstantDecay,
)
from kerastorch.optimizers.schedules.learning_rate_schedule import PolynomialDecay

_MODULE = "keras.optimizers.schedules"
_KIND = "learning rate schedule"

ALL_OBJECTS = {
    cls.__name__: cls
    for cls in (
        LearningRateSchedule,
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
}


def serialize(learning_rate_schedule: LearningRateSchedule) -> dict:
    """A schedule as Keras's config dict (`{"module", "class_name", "config", ...}`).

    Example:

    >>> serialize(ExponentialDecay(0.1, 100, 0.9))["class_name"]
    'ExponentialDecay'
    """
    from kerastorch.saving.object_registration import get_registered_name

    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError(
            "`serialize` expects a `LearningRateSchedule`. "
            f"Received: {learning_rate_schedule!r}"
        )
    cls = type(learning_rate_schedule)
    builtin = ALL_OBJECTS.get(cls.__name__) is cls
    return {
        "module": _MODULE if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": learning_rate_schedule.get_config(),
        "registered_name": None if builtin else get_registered_name(cls),
    }


def deserialize(
    config: dict, custom_objects: dict | None = None
) -> LearningRateSchedule:
    """Rebuild a schedule from `serialize(schedule)`.

    Args:
        config: a dict with `"class_name"` and `"config"`.
        custom_objects: extra `{name: class}` for user-defined schedules.
            Defaults to `None`.
    """
    from kerastorch.initializers._lookup import unknown_identifier_error
    from kerastorch.saving.object_registration import get_registered_object

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "A serialized learning rate schedule must be a dict with 'class_name' "
            f"and 'config' keys. Received: config={config!r}"
        )
    class_name = config["class_name"]
    registered = config.get("registered_name") or class_name
    cls = get_registered_object(registered, custom_objects) or get_registered_object(
        class_name, custom_objects, ALL_OBJECTS
    )
    if cls is None:
        raise unknown_identifier_error(_KIND, class_name, ALL_OBJECTS)
    return cls.from_config(dict(config.get("config") or {}))


__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "serialize",
]
