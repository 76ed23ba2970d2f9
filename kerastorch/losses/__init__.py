"""`keras.losses`: loss classes, loss functions, and `get`/`serialize`/`deserialize`."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable

from kerastorch.losses.crossentropy_functions import binary_crossentropy
from kerastorch.losses.crossentropy_functions import binary_focal_crossentropy
from kerastorch.losses.crossentropy_functions import categorical_crossentropy
from kerastorch.losses.crossentropy_functions import categorical_focal_crossentropy
from kerastorch.losses.crossentropy_functions import sparse_categorical_crossentropy
from kerastorch.losses.crossentropy_losses import BinaryCrossentropy
from kerastorch.losses.crossentropy_losses import BinaryFocalCrossentropy
from kerastorch.losses.crossentropy_losses import CategoricalCrossentropy
from kerastorch.losses.crossentropy_losses import CategoricalFocalCrossentropy
from kerastorch.losses.crossentropy_losses import SparseCategoricalCrossentropy
from kerastorch.losses.functions import categorical_hinge
from kerastorch.losses.functions import cosine_similarity
from kerastorch.losses.functions import dice
from kerastorch.losses.functions import hinge
from kerastorch.losses.functions import huber
from kerastorch.losses.functions import kl_divergence
from kerastorch.losses.functions import log_cosh
from kerastorch.losses.functions import mean_absolute_error
from kerastorch.losses.functions import mean_absolute_percentage_error
from kerastorch.losses.functions import mean_squared_error
from kerastorch.losses.functions import mean_squared_logarithmic_error
from kerastorch.losses.functions import poisson
from kerastorch.losses.functions import squared_hinge
from kerastorch.losses.functions import tversky
from kerastorch.losses.loss import Loss
from kerastorch.losses.losses import CategoricalHinge
from kerastorch.losses.losses import CosineSimilarity
from kerastorch.losses.losses import Dice
from kerastorch.losses.losses import Hinge
from kerastorch.losses.losses import Huber
from kerastorch.losses.losses import KLDivergence
from kerastorch.losses.losses import LogCosh
from kerastorch.losses.losses import LossFunctionWrapper
from kerastorch.losses.losses import MeanAbsoluteError
from kerastorch.losses.losses import MeanAbsolutePercentageError
from kerastorch.losses.losses import MeanSquaredError
from kerastorch.losses.losses import MeanSquaredLogarithmicError
from kerastorch.losses.losses import Poisson
from kerastorch.losses.losses import SquaredHinge
from kerastorch.losses.losses import Tversky

# Legacy short names Keras code still uses.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy

_CLASSES = (
    Loss,
    LossFunctionWrapper,
    KLDivergence,
    Poisson,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    SparseCategoricalCrossentropy,
    MeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCosh,
    Huber,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    Dice,
    Tversky,
)
_FUNCTIONS = (
    kl_divergence,
    poisson,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    sparse_categorical_crossentropy,
    mean_squared_error,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_logarithmic_error,
    cosine_similarity,
    log_cosh,
    huber,
    hinge,
    squared_hinge,
    categorical_hinge,
    dice,
    tversky,
)
ALL_OBJECTS_DICT: dict[str, Callable] = {
    obj.__name__: obj for obj in _CLASSES + _FUNCTIONS
}
ALL_OBJECTS_DICT.update(
    {
        "bce": binary_crossentropy,
        "BCE": binary_crossentropy,
        "kld": kl_divergence,
        "KLD": kl_divergence,
        "kullback_leibler_divergence": kl_divergence,
        "mae": mean_absolute_error,
        "MAE": mean_absolute_error,
        "mse": mean_squared_error,
        "MSE": mean_squared_error,
        "mape": mean_absolute_percentage_error,
        "MAPE": mean_absolute_percentage_error,
        "msle": mean_squared_logarithmic_error,
        "MSLE": mean_squared_logarithmic_error,
        "logcosh": log_cosh,
    }
)
_BUILTIN_NAMES = {id(obj): obj.__name__ for obj in _CLASSES + _FUNCTIONS}


def _unknown(identifier, names) -> ValueError:
    message = f"Could not interpret loss identifier: {identifier!r}."
    matches = difflib.get_close_matches(str(identifier), list(names), n=3)
    if matches:
        message += " Did you mean: " + ", ".join(repr(m) for m in matches) + "?"
    return ValueError(message)


def serialize(loss) -> dict | None:
    """Serialize a loss function or `Loss` instance to a JSON-friendly dict.

    Args:
        loss: A `Loss` instance or a loss function.

    Returns:
        A dict `{"module", "class_name", "config", "registered_name"}`;
        `deserialize` turns it back into the loss.
    """
    from kerastorch.saving.object_registration import get_registered_name

    if loss is None:
        return None
    if isinstance(loss, Loss):
        cls = type(loss)
        builtin = _BUILTIN_NAMES.get(id(cls)) == cls.__name__
        return {
            "module": "keras.losses" if builtin else cls.__module__,
            "class_name": cls.__name__,
            "config": loss.get_config(),
            "registered_name": None if builtin else get_registered_name(cls),
        }
    if inspect.isfunction(loss) or inspect.isbuiltin(loss):
        builtin = _BUILTIN_NAMES.get(id(loss)) == loss.__name__
        return {
            "module": "keras.losses" if builtin else loss.__module__,
            "class_name": "function",
            "config": loss.__name__,
            "registered_name": "function" if builtin else get_registered_name(loss),
        }
    raise TypeError(
        "`serialize` expects a `Loss` instance or a loss function. "
        f"Received: loss={loss!r} of type {type(loss)}"
    )


def _lookup(names, custom_objects, want_class: bool = False):
    """The first of `names` found in the custom-object scopes, registry,
    `custom_objects` or the built-in losses."""
    from kerastorch.saving.object_registration import get_registered_object

    for name in names:
        if not isinstance(name, str):
            continue
        obj = get_registered_object(name, custom_objects, ALL_OBJECTS_DICT)
        if obj is not None and (not want_class or inspect.isclass(obj)):
            return obj
    known = [
        n for n, o in ALL_OBJECTS_DICT.items() if not want_class or inspect.isclass(o)
    ]
    raise _unknown(names[-1], known + list(custom_objects or {}))


def deserialize(config, custom_objects: dict | None = None):
    """Rebuild a loss from `serialize`'s output (or from a name).

    Names resolve, in order, through `saving.custom_object_scope`, objects
    registered with `saving.register_keras_serializable`, `custom_objects`,
    then the built-in losses.

    Args:
        config: A dict made by `serialize`, a `{"class_name", "config"}`
            dict, or a loss name such as `"mse"` or `"MeanSquaredError"`.
        custom_objects: Optional dict mapping names to custom loss classes
            or functions. Defaults to `None`.

    Returns:
        A `Loss` instance or a loss function.
    """
    if isinstance(config, str):
        obj = _lookup([config], custom_objects)
        return obj() if inspect.isclass(obj) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "Could not deserialize a loss: expected a name or a dict with "
            f"'class_name' and 'config'. Received: config={config!r}"
        )
    class_name = config["class_name"]
    registered = config.get("registered_name")
    inner = config.get("config") or {}
    if class_name == "function":
        return _lookup([registered, inner], custom_objects)
    cls = _lookup([registered, class_name], custom_objects, want_class=True)
    inner = dict(inner)
    if isinstance(inner.get("fn"), (dict, str)):  # LossFunctionWrapper's function
        inner["fn"] = deserialize(inner["fn"], custom_objects)
    return cls.from_config(inner)


def get(identifier):
    """Retrieve a loss as a function or `Loss` instance.

    Args:
        identifier: `None`, a loss function or class name (`"mse"`,
            `"mean_squared_error"`, `"MeanSquaredError"`), a config dict, a
            `Loss` class (instantiated with defaults), or a callable
            (returned as is).

    Returns:
        A loss function or `Loss` instance, or `None` for `None`.

    Example:

    ```python
    keras.losses.get("categorical_crossentropy")   # the function
    keras.losses.get("CategoricalCrossentropy")    # an instance
    keras.losses.get({"class_name": "CategoricalCrossentropy",
                      "config": {"from_logits": True}})
    ```
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _lookup([identifier], None)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


__all__ = sorted(
    [obj.__name__ for obj in _CLASSES + _FUNCTIONS]
    + [
        "BCE", "KLD", "MAE", "MAPE", "MSE", "MSLE", "bce", "kld", "kullback_leibler_divergence",
        "logcosh", "mae", "mape", "mse", "msle",
        "deserialize", "get", "serialize",
    ]
)  # fmt: skip
