"""Lambda: wrap a Python function as a layer.

Saving: a named function is stored by reference (`module`, name) and found
again through `custom_objects`, the registry (`register_keras_serializable`)
or, for kerastorch's own functions, its module. A `lambda` (or a function
defined inside another function) is stored as marshalled bytecode, as Keras
does; loading it runs arbitrary code, so `from_config` refuses it unless
`safe_mode=False` is passed.
"""

from __future__ import annotations

import base64
import builtins
import importlib
import inspect
import marshal
import sys
import types

from kerastorch.layers.layer import Layer

_PY_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"


class Lambda(Layer):
    """Wraps an arbitrary function of tensors as a layer.

    Best for quick, stateless expressions; write a `Layer` subclass for
    anything with weights or that must be saved portably (see below).

    Args:
        function: the function to apply; it gets the input as first argument,
            plus `mask=` and `training=` if its signature names them.
        output_shape: the output shape. Defaults to `None` (inferred by running
            the function on meta tensors). A tuple gives the shape without the
            batch axis; a function maps the full input shape to the output shape.
        mask: `None` (the layer produces no mask), a function
            `mask(inputs, previous_mask)`, or a fixed mask tensor.
            Defaults to `None`.
        arguments: optional dict of keyword arguments passed to `function`.
            Defaults to `None`.

    Saving: named functions are saved by reference (pass them back via
    `custom_objects` when loading); lambdas are saved as Python bytecode,
    which only loads with `safe_mode=False` on the same Python version.

    Example:

    >>> layer = kerastorch.layers.Lambda(lambda x: x ** 2)
    >>> layer(torch.tensor([1.0, 2.0, 3.0]))
    tensor([1., 4., 9.])
    """

    def __init__(
        self, function, output_shape=None, mask=None, arguments=None, **kwargs
    ):
        if not callable(function):
            raise ValueError(
                f"`function` must be callable. Received: function={function!r}"
            )
        if arguments is not None and not isinstance(arguments, dict):
            raise ValueError(
                f"`arguments` must be a dict or None. Received: arguments={arguments!r}"
            )
        if output_shape is not None and not callable(output_shape):
            if not isinstance(output_shape, (list, tuple)):
                raise ValueError(
                    "`output_shape` must be a tuple, a function or None. "
                    f"Received: output_shape={output_shape!r}"
                )
            output_shape = _as_shape(output_shape)
        super().__init__(**kwargs)
        self.function = function
        self.arguments = dict(arguments or {})
        self._lambda_output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        params = _parameter_names(function)
        self._fn_expects_training_arg = "training" in params
        self._fn_expects_mask_arg = "mask" in params
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, previous_mask=None):
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._lambda_output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._lambda_output_shape):
            return self._lambda_output_shape(input_shape)
        first = input_shape[0] if input_shape else None
        batch = first[0] if isinstance(first, (list, tuple)) else first
        shape = self._lambda_output_shape
        if shape and isinstance(shape[0], tuple):
            return [(batch, *s) for s in shape]
        return (batch, *shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["function"] = _serialize_function(self.function, "function")
        if self._lambda_output_shape is not None:
            if callable(self._lambda_output_shape):
                config["output_shape"] = _serialize_function(
                    self._lambda_output_shape, "output_shape"
                )
            else:
                config["output_shape"] = self._lambda_output_shape
        if self.mask is not None:
            if not callable(self.mask):
                raise ValueError(
                    f"Lambda layer '{self.name}' has a fixed mask tensor, which "
                    "cannot be saved in a config. Pass a function as `mask` instead."
                )
            config["mask"] = _serialize_function(self.mask, "mask")
        if not _is_plain(self.arguments):
            raise ValueError(
                f"Lambda layer '{self.name}' has `arguments` that cannot be saved in a "
                "config (only numbers, strings, booleans, None, lists and dicts "
                f"can). Received: arguments={self.arguments!r}"
            )
        config["arguments"] = self.arguments
        return config

    @classmethod
    def from_config(
        cls, config: dict, custom_objects: dict | None = None, safe_mode=None
    ):
        """Recreate the layer; lambdas (bytecode) load only with `safe_mode=False`.

        Args:
            config: the output of `get_config()`.
            custom_objects: `{name: function}` for the named functions the
                config refers to. Defaults to `None`.
            safe_mode: refuse to load Python bytecode (lambdas). `None` means
                the enclosing `SafeModeScope` (set by `load_model(safe_mode=...)`)
                or `enable_unsafe_deserialization()`, and `True` without either.
                Defaults to `None`.
        """
        config = dict(config)
        if safe_mode is None:
            from kerastorch.saving.serialization_lib import in_safe_mode

            safe_mode = in_safe_mode()
        safe_mode = safe_mode is not False
        for key in ("function", "output_shape", "mask"):
            if key in config:
                config[key] = _deserialize_function(
                    config[key], key, custom_objects, safe_mode
                )
        if isinstance(config.get("output_shape"), list):
            config["output_shape"] = _as_shape(config["output_shape"])
        return cls(**config)


# --- function (de)serialization --------------------------------------------------


def _as_shape(shape):
    """A shape (or list of shapes) as tuples, lists from JSON included."""
    shape = list(shape)
    if shape and isinstance(shape[0], (list, tuple)):
        return [tuple(s) for s in shape]
    return tuple(shape)


def _parameter_names(fn) -> set[str]:
    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):  # builtins such as torch.tanh have no signature
        return set()


def _is_plain(value) -> bool:
    """True for values that survive a JSON round trip."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def _serialize_function(fn, arg_name: str) -> dict:
    if isinstance(fn, types.FunctionType) and (
        fn.__name__ == "<lambda>" or "<locals>" in fn.__qualname__
    ):
        defaults = fn.__defaults__
        closure = [cell.cell_contents for cell in fn.__closure__ or ()]
        if not _is_plain(defaults) or not _is_plain(closure):
            raise ValueError(
                f"The `{arg_name}` of this Lambda layer uses default values or "
                "enclosing variables that cannot be saved. Pass them through "
                "`arguments=` or use a module-level function."
            )
        code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
        return {
            "class_name": "__lambda__",
            "config": {
                "code": code,
                "defaults": list(defaults) if defaults else None,
                "closure": closure or None,
                "python_version": _PY_VERSION,
            },
        }
    if isinstance(fn, (types.FunctionType, types.BuiltinFunctionType)):
        from kerastorch.saving import get_registered_name

        return {
            "module": fn.__module__,
            "class_name": "function",
            "config": fn.__name__,
            "registered_name": get_registered_name(fn),
        }
    raise ValueError(
        f"The `{arg_name}` of this Lambda layer cannot be serialized: "
        f"{fn!r} is not a function. Use a function, or subclass `Layer`."
    )


def _deserialize_function(config, arg_name: str, custom_objects, safe_mode: bool):
    if config is None or callable(config) or not isinstance(config, dict):
        return config
    class_name = config.get("class_name")
    if class_name == "__lambda__":
        if safe_mode:
            raise ValueError(
                f"Requested the deserialization of a Lambda layer whose `{arg_name}` "
                "is a Python lambda. This carries a potential risk of arbitrary code "
                "execution and thus it is disallowed by default. If you trust the "
                "source of the config, pass `safe_mode=False` to the loading function."
            )
        return _load_code(config["config"], custom_objects)
    if class_name != "function":
        return config  # e.g. an output shape that is a dict of shapes
    from kerastorch.saving import get_registered_object

    name = config["config"]
    registered = config.get("registered_name", name)
    for key in (registered, name):
        fn = get_registered_object(key, custom_objects)
        if fn is not None:
            return fn
    module = config.get("module") or ""
    if module.split(".")[0] == "kerastorch" or not safe_mode:
        try:
            fn = getattr(importlib.import_module(module), name, None)
        except ImportError:
            fn = None
        if fn is not None:
            return fn
    raise ValueError(
        f"Could not find the function '{module}.{name}' used as the `{arg_name}` "
        f"of a Lambda layer. Pass it in `custom_objects={{'{name}': {name}}}`"
        + (
            ""
            if not safe_mode
            else f", or load with `safe_mode=False` to import it from module '{module}'"
        )
        + "."
    )


def _load_code(config: dict, custom_objects) -> types.FunctionType:
    version = config.get("python_version")
    if version is not None and version != _PY_VERSION:
        raise ValueError(
            f"This Lambda layer's code was saved with Python {version} and cannot be "
            f"loaded with Python {_PY_VERSION} (bytecode is version-specific)."
        )
    import numpy
    import torch

    import kerastorch

    code = marshal.loads(base64.b64decode(config["code"]))
    # The names a saved lambda most often refers to, plus the caller's objects.
    scope = {
        "__builtins__": builtins,
        "torch": torch,
        "F": torch.nn.functional,
        "np": numpy,
        "keras": kerastorch,
        "kerastorch": kerastorch,
        **(custom_objects or {}),
    }
    closure = config.get("closure")
    cells = tuple(types.CellType(v) for v in closure) if closure else None
    defaults = tuple(config["defaults"]) if config.get("defaults") else None
    return types.FunctionType(code, scope, code.co_name, defaults, cells)
