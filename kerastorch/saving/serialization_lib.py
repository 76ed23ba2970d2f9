"""Objects <-> JSON-friendly dicts, in Keras 3's layout, and the safe-mode switch.

Every object is written as

    {"module": ..., "class_name": ..., "config": ..., "registered_name": ...}

(layers add `build_config`, compiled models `compile_config`). Plain Python
values stay as they are, except the ones JSON cannot tell apart, which are
tagged: tuples (`"__tuple__"`), numpy arrays (`"__numpy__"`), tensors
(`"__tensor__"`), bytes (`"__bytes__"`), slices, `...` and lambdas
(`"__lambda__"`, Python bytecode: refused unless safe mode is off).

Classes are found, in order, in `custom_objects`, the active
`custom_object_scope`s, the `register_keras_serializable` registry, then
kerastorch's own modules (a `"keras.layers"` module name from a Keras file
maps to `kerastorch.layers`). No other module is ever imported by a config.
"""

from __future__ import annotations

import importlib
import inspect
import threading
import types

_SAFE_MODE = threading.local()
_GLOBAL_SAFE_MODE: list[bool | None] = [None]  # set by enable_unsafe_deserialization()

# Where kerastorch's built-in objects live, searched by name when a config
# does not say (or names a Keras module).
_BUILTIN_MODULES = (
    "kerastorch.layers",
    "kerastorch.models",
    "kerastorch.optimizers",
    "kerastorch.optimizers.schedules",
    "kerastorch.losses",
    "kerastorch.metrics",
    "kerastorch.activations",
    "kerastorch.initializers",
    "kerastorch.regularizers",
    "kerastorch.constraints",
)


# --- safe mode ------------------------------------------------------------------------


class SafeModeScope:
    """Within the `with` block, deserialization is (or is not) in safe mode.

    Safe mode refuses to rebuild Python lambdas (stored as bytecode), since
    loading them runs arbitrary code. `load_model(safe_mode=...)` opens this
    scope around deserialization; `Lambda.from_config` consults it.

    Args:
        safe_mode: `True` refuses lambdas, `False` allows them. Defaults to `True`.

    Example:

    >>> with kerastorch.saving.serialization_lib.SafeModeScope(False):
    ...     layer = kerastorch.layers.Lambda.from_config(config)
    """

    def __init__(self, safe_mode: bool = True):
        if not isinstance(safe_mode, bool):
            raise TypeError(
                f"`safe_mode` must be True or False. Received: safe_mode={safe_mode!r}"
            )
        self.safe_mode = safe_mode

    def __enter__(self):
        _safe_mode_stack().append(self.safe_mode)
        return self

    def __exit__(self, *exc):
        _safe_mode_stack().pop()


def _safe_mode_stack() -> list[bool]:
    if not hasattr(_SAFE_MODE, "stack"):
        _SAFE_MODE.stack = []
    return _SAFE_MODE.stack


def in_safe_mode() -> bool | None:
    """The innermost `SafeModeScope`'s setting; else `False` after
    `enable_unsafe_deserialization()`; else `None` (not set: callers default to safe)."""
    stack = _safe_mode_stack()
    if stack:
        return stack[-1]
    return _GLOBAL_SAFE_MODE[0]


def enable_unsafe_deserialization() -> None:
    """Allow lambdas (Python bytecode) to be loaded everywhere, for this process.

    Only call this for files you trust: loading a lambda runs its code.
    """
    _GLOBAL_SAFE_MODE[0] = False


# --- serialize -------------------------------------------------------------------------


def serialize_keras_object(obj):
    """Return `obj` as a JSON-friendly structure that `deserialize_keras_object` reverses.

    Handles layers and models, optimizers and schedules, losses, metrics,
    activations, initializers, regularizers, constraints, any object with
    `get_config()`, named functions, lambdas, and plain Python values.

    Example:

    >>> serialize_keras_object(kerastorch.layers.Dense(2))["class_name"]
    'Dense'
    """
    import numpy as np
    import torch

    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (list, dict, tuple)):
        return _serialize_container(obj)
    if isinstance(obj, bytes):
        return _tagged("__bytes__", {"value": obj.decode("utf-8")})
    if isinstance(obj, np.ndarray):
        return _tagged("__numpy__", {"value": obj.tolist(), "dtype": str(obj.dtype)})
    if isinstance(obj, torch.Tensor):
        from kerastorch.backend import standardize_dtype

        value = obj.detach().cpu()
        return _tagged(
            "__tensor__",
            {"value": value.tolist(), "dtype": standardize_dtype(value.dtype)},
        )
    if isinstance(obj, torch.dtype):
        from kerastorch.backend import standardize_dtype

        return standardize_dtype(obj)
    if isinstance(obj, slice):
        return _tagged(
            "__slice__",
            {
                "start": serialize_keras_object(obj.start),
                "stop": serialize_keras_object(obj.stop),
                "step": serialize_keras_object(obj.step),
            },
        )
    if obj is Ellipsis:
        return _tagged("__ellipsis__", {})
    kind_config = _serialize_by_kind(obj)
    if kind_config is not None:
        return kind_config
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        return _serialize_function(obj)
    if hasattr(obj, "get_config") and not isinstance(obj, type):
        from kerastorch.layers.serialization import own_class
        from kerastorch.saving.object_registration import get_registered_name

        cls = own_class(obj)
        return {
            "module": cls.__module__,
            "class_name": cls.__name__,
            "config": obj.get_config(),
            "registered_name": get_registered_name(cls),
        }
    raise TypeError(
        f"Cannot serialize {obj!r} (of type {type(obj).__name__}): it is not a "
        "plain value, a function, or an object with a `get_config()` method. "
        "Implement `get_config()` (and `from_config()` if needed)."
    )


def _tagged(class_name: str, config: dict) -> dict:
    return {"class_name": class_name, "config": config}


def _serialize_container(obj):
    if isinstance(obj, tuple):
        return _tagged("__tuple__", {"value": [serialize_keras_object(v) for v in obj]})
    if isinstance(obj, list):
        return [serialize_keras_object(v) for v in obj]
    for key in obj:
        if not isinstance(key, str):
            raise TypeError(
                "Only dicts with string keys can be serialized. "
                f"Received a key {key!r} (of type {type(key).__name__})."
            )
    return {k: serialize_keras_object(v) for k, v in obj.items()}


def _serialize_by_kind(obj) -> dict | None:
    """The config of a kerastorch object, written by its own module's `serialize`."""
    from kerastorch import constraints
    from kerastorch import initializers
    from kerastorch import losses
    from kerastorch import metrics
    from kerastorch import optimizers
    from kerastorch import regularizers
    from kerastorch.layers.layer import Layer
    from kerastorch.optimizers import schedules

    if isinstance(obj, Layer):
        from kerastorch.layers import serialize

        config = serialize(obj)
        compile_config = getattr(obj, "get_compile_config", lambda: None)()
        if compile_config is not None:
            config["compile_config"] = compile_config
        return config
    kinds = (
        (optimizers.Optimizer, optimizers.serialize),
        (schedules.LearningRateSchedule, schedules.serialize),
        (losses.Loss, losses.serialize),
        (metrics.Metric, metrics.serialize),
        (initializers.Initializer, initializers.serialize),
        (regularizers.Regularizer, regularizers.serialize),
        (constraints.Constraint, constraints.serialize),
    )
    for base, serialize in kinds:
        if isinstance(obj, base):
            return serialize(obj)
    return None


def _serialize_function(fn) -> dict:
    if fn.__name__ == "<lambda>" or "<locals>" in getattr(fn, "__qualname__", ""):
        # The same bytecode format as the Lambda layer, so both load the same way.
        from kerastorch.layers.core.lambda_layer import _serialize_function as dump

        return dump(fn, "function")
    from kerastorch.saving.object_registration import get_registered_name

    return {
        "module": fn.__module__,
        "class_name": "function",
        "config": fn.__name__,
        "registered_name": get_registered_name(fn),
    }


# --- deserialize -----------------------------------------------------------------------


def deserialize_keras_object(
    config, custom_objects: dict | None = None, safe_mode: bool = True, **kwargs
):
    """Rebuild an object from `serialize_keras_object`'s output.

    Args:
        config: the serialized structure (a dict, list or plain value).
        custom_objects: `{name: class or function}` for user-defined objects.
            Defaults to `None`.
        safe_mode: refuse lambdas (Python bytecode). An enclosing
            `SafeModeScope` or `enable_unsafe_deserialization()` takes
            precedence. Defaults to `True`.

    Raises:
        TypeError: a class or function named in `config` cannot be found.
        ValueError: `config` holds a lambda and safe mode is on.

    Example:

    >>> layer = deserialize_keras_object(serialize_keras_object(Dense(2)))
    """
    if kwargs:
        raise ValueError(f"Arguments not recognized: {sorted(kwargs)}")
    scope = in_safe_mode()
    safe_mode = scope if scope is not None else bool(safe_mode)
    return _deserialize(config, custom_objects or {}, safe_mode)


def _deserialize(config, custom_objects: dict, safe_mode: bool):
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    if isinstance(config, (list, tuple)):
        return [_deserialize(v, custom_objects, safe_mode) for v in config]
    if not isinstance(config, dict):
        raise TypeError(
            f"Cannot deserialize {config!r} (of type {type(config).__name__}): "
            "expected a dict, a list or a plain value."
        )
    if "class_name" not in config or "config" not in config:
        return {k: _deserialize(v, custom_objects, safe_mode) for k, v in config.items()}
    class_name = config["class_name"]
    inner = config["config"]
    if isinstance(class_name, str) and class_name.startswith("__"):
        return _deserialize_tagged(class_name, inner, custom_objects, safe_mode)
    module = config.get("module")
    registered_name = config.get("registered_name") or class_name
    if class_name == "function":
        return _retrieve(inner, registered_name, module, "function", custom_objects, config)
    cls = _retrieve(class_name, registered_name, module, "class", custom_objects, config)
    from kerastorch.saving.object_registration import custom_object_scope

    with custom_object_scope(custom_objects), SafeModeScope(safe_mode):
        instance = _from_config(cls, config, custom_objects)
        build_config = config.get("build_config")
        if build_config and not getattr(instance, "built", True):
            shape = build_config.get("input_shape")
            if shape is not None:
                instance.build(shape)
        compile_config = config.get("compile_config")
        if compile_config:
            from kerastorch.saving.saving_lib import compile_from_config

            compile_from_config(instance, compile_config, custom_objects)
    return instance


def _from_config(cls, config: dict, custom_objects: dict):
    from kerastorch import losses
    from kerastorch import optimizers
    from kerastorch.optimizers import schedules

    inner = config["config"]
    if inspect.isclass(cls):
        # These modules' `deserialize` also rebuild what the config nests
        # (a loss's wrapped function, an optimizer's schedule).
        if issubclass(cls, losses.Loss):
            return losses.deserialize(config, custom_objects)
        if issubclass(cls, optimizers.Optimizer):
            return cls.from_config(dict(inner), custom_objects=custom_objects)
        if issubclass(cls, schedules.LearningRateSchedule):
            return cls.from_config(dict(inner))
    if not hasattr(cls, "from_config"):
        return cls(**inner)
    params = inspect.signature(cls.from_config).parameters
    if "custom_objects" in params:
        return cls.from_config(inner, custom_objects=custom_objects)
    return cls.from_config(inner)


def _deserialize_tagged(class_name: str, inner, custom_objects: dict, safe_mode: bool):
    import numpy as np

    if class_name == "__tuple__":
        return tuple(_deserialize(v, custom_objects, safe_mode) for v in inner["value"])
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__tensor__":
        import torch

        from kerastorch.backend import to_torch_dtype

        return torch.tensor(inner["value"], dtype=to_torch_dtype(inner["dtype"]))
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__slice__":
        return slice(
            *(_deserialize(inner[k], custom_objects, safe_mode) for k in ("start", "stop", "step"))
        )
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__lambda__":
        if safe_mode:
            raise ValueError(
                "Requested the deserialization of a `lambda` object. This carries "
                "a potential risk of arbitrary code execution and thus it is "
                "disallowed by default. If you trust the source of the saved "
                "model, you can pass `safe_mode=False` to the loading function in "
                "order to allow `lambda` loading, or call "
                "`kerastorch.config.enable_unsafe_deserialization()`."
            )
        from kerastorch.layers.core.lambda_layer import _load_code

        return _load_code(inner, custom_objects)
    raise TypeError(f"Cannot deserialize an object tagged {class_name!r}.")


def _retrieve(name, registered_name, module, obj_type: str, custom_objects, full_config):
    """Find the class or function `name`: custom objects, registry, then kerastorch."""
    from kerastorch.saving.object_registration import get_registered_object

    if not isinstance(name, str):
        raise TypeError(
            f"Cannot deserialize {obj_type}: its name must be a string. "
            f"Full object config: {full_config}"
        )
    for key in (registered_name, name):
        if isinstance(key, str):
            obj = get_registered_object(key, custom_objects)
            if obj is not None:
                return obj
    for module_name in _candidate_modules(module):
        try:
            mod = importlib.import_module(module_name)
        except ImportError:
            continue
        obj = getattr(mod, name, None)
        if obj is not None and (obj_type != "class" or inspect.isclass(obj)):
            return obj
    raise TypeError(
        f"Could not locate {obj_type} '{name}'. Make sure custom classes and "
        "functions are decorated with "
        "`@kerastorch.saving.register_keras_serializable()` and imported before "
        "loading, or pass them in `custom_objects`. "
        f"Full object config: {full_config}"
    )


def _candidate_modules(module) -> list[str]:
    """kerastorch modules that may hold an object saved under `module`.

    Only kerastorch's own modules are ever imported: a config naming any
    other module must be matched through `custom_objects` or the registry.
    """
    if not isinstance(module, str) or not module:
        return list(_BUILTIN_MODULES)
    parts = module.split(".")
    if parts[0] == "kerastorch":
        return [module, *_BUILTIN_MODULES]
    if parts[0] == "keras":
        rest = [p for p in parts[1:] if p != "src"]
        if rest:
            # "keras.layers", "keras.src.layers.core.dense" -> kerastorch.layers
            return [f"kerastorch.{rest[0]}", *_BUILTIN_MODULES]
        return list(_BUILTIN_MODULES)
    if module == "builtins":
        return list(_BUILTIN_MODULES)
    return []
