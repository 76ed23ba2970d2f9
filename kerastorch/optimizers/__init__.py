"""Optimizers (`keras.optimizers`), each running a `torch.optim` optimizer.

```python
model.compile(optimizer="adam")
model.compile(optimizer=keras.optimizers.AdamW(1e-3, weight_decay=0.01))
model.compile(optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
```
"""

from __future__ import annotations

import torch

from kerastorch.optimizers import schedules
from kerastorch.optimizers.adadelta import Adadelta
from kerastorch.optimizers.adafactor import Adafactor
from kerastorch.optimizers.adagrad import Adagrad
from kerastorch.optimizers.adam import Adam
from kerastorch.optimizers.adamax import Adamax
from kerastorch.optimizers.adamw import AdamW
from kerastorch.optimizers.lion import Lion
from kerastorch.optimizers.nadam import Nadam
from kerastorch.optimizers.optimizer import Optimizer
from kerastorch.optimizers.rmsprop import RMSprop
from kerastorch.optimizers.sgd import SGD
from kerastorch.optimizers.torch_optimizer import TorchOptimizer

_MODULE = "keras.optimizers"
_KIND = "optimizer"

ALL_OBJECTS = (
    Optimizer,
    Adadelta,
    Adafactor,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Lion,
    Nadam,
    RMSprop,
    SGD,
    TorchOptimizer,
)
# Keras resolves names case-insensitively: "adam", "Adam" and "ADAM" all work.
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def serialize(optimizer: Optimizer) -> dict:
    """An optimizer as Keras's config dict (`{"module", "class_name", "config", ...}`)."""
    from kerastorch.saving.object_registration import get_registered_name

    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"`serialize` expects a kerastorch optimizer. Received: {optimizer!r}"
        )
    cls = type(optimizer)
    builtin = ALL_OBJECTS_DICT.get(cls.__name__.lower()) is cls
    return {
        "module": _MODULE if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": optimizer.get_config(),
        "registered_name": None if builtin else get_registered_name(cls),
    }


def deserialize(config: dict, custom_objects: dict | None = None) -> Optimizer:
    """Rebuild an optimizer (without state) from `serialize(optimizer)`.

    Args:
        config: a dict with `"class_name"` and `"config"`.
        custom_objects: extra `{name: class}` for user-defined optimizers or
            schedules. Defaults to `None`.
    """
    from kerastorch.initializers._lookup import unknown_identifier_error
    from kerastorch.saving.object_registration import get_registered_object

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "A serialized optimizer must be a dict with 'class_name' and 'config' "
            f"keys. Received: config={config!r}"
        )
    class_name = config["class_name"]
    registered = config.get("registered_name")
    cls = (
        (get_registered_object(registered, custom_objects) if registered else None)
        or get_registered_object(class_name, custom_objects)
        or ALL_OBJECTS_DICT.get(str(class_name).lower())
    )
    if cls is None:
        names = {**{c.__name__: c for c in ALL_OBJECTS}, **ALL_OBJECTS_DICT}
        raise unknown_identifier_error(_KIND, class_name, names)
    return cls.from_config(
        dict(config.get("config") or {}), custom_objects=custom_objects
    )


def get(identifier) -> Optimizer | None:
    """Resolve an optimizer from a name, a config dict, an optimizer, or a torch optimizer.

    Example:

    >>> kerastorch.optimizers.get("adam").epsilon
    1e-07
    >>> kerastorch.optimizers.get(torch.optim.SGD(model.parameters(), lr=0.1))
    <TorchOptimizer name=sgd, learning_rate=0.1, built=True>
    """
    from kerastorch.initializers._lookup import unknown_identifier_error

    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, torch.optim.Optimizer):
        return TorchOptimizer(identifier)
    if isinstance(identifier, type):
        if issubclass(identifier, torch.optim.Optimizer):
            return TorchOptimizer(identifier)
        if issubclass(identifier, Optimizer) and identifier not in (
            Optimizer,
            TorchOptimizer,
        ):
            return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.lower() in ("optimizer", "torchoptimizer"):
            raise ValueError(
                f"Could not interpret optimizer identifier: {identifier!r}. It names "
                "a base class; use a concrete optimizer such as 'adam' or 'sgd'."
            )
        return deserialize({"class_name": identifier, "config": {}})
    raise unknown_identifier_error(_KIND, identifier, ALL_OBJECTS_DICT)


__all__ = [
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Lion",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "SGD",
    "TorchOptimizer",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]
