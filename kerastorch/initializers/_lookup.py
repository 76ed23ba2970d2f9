"""Name <-> object lookup shared by initializers, activations, regularizers, constraints.

Each of those modules keeps a dict of its built-in objects (class or function
name, snake_case name and Keras's aliases) and resolves identifiers through
these helpers, so every `get("...")` fails the same way:

    ValueError: Could not interpret initializer identifier: 'glorot_unifrom'.
    Did you mean: 'glorot_uniform'?

Serialized objects use Keras's dict layout
(`{"module", "class_name", "config", "registered_name"}`) so configs written by
Keras load here and the other way round.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from collections.abc import Mapping


def unknown_identifier_error(kind: str, identifier, names) -> ValueError:
    """The ValueError for an identifier that names nothing, with close matches."""
    if not isinstance(identifier, str):
        return ValueError(
            f"Could not interpret {kind} identifier: {identifier!r}. Expected a "
            "string name, a config dict, a callable or None. "
            f"Received an object of type {type(identifier).__name__}."
        )
    # Compare case-insensitively so 'GLOROT_UNIFORM' still finds 'glorot_uniform'.
    # Where two names differ only in case, suggest the one styled like the input.
    lower_input = identifier == identifier.lower()
    by_lower: dict[str, str] = {}
    for name in sorted(names, key=lambda n: ((n == n.lower()) != lower_input, n)):
        by_lower.setdefault(name.lower(), name)
    close = difflib.get_close_matches(identifier.lower(), list(by_lower), n=6)
    # Suggest each object once ('glorot_uniform', not also 'GlorotUniform').
    suggestions: list[str] = []
    seen: list[object] = []
    for match in close:
        name = by_lower[match]
        obj = names[name] if isinstance(names, Mapping) else name
        if not any(obj is s for s in seen):
            seen.append(obj)
            suggestions.append(name)
    message = f"Could not interpret {kind} identifier: {identifier!r}."
    if suggestions:
        message += " Did you mean: " + ", ".join(repr(n) for n in suggestions[:3]) + "?"
    else:
        public = sorted(n for n in names if n == n.lower())
        message += f" Expected one of: {', '.join(public)}."
    return ValueError(message)


def lookup(
    name: str,
    kind: str,
    module_objects: Mapping[str, object],
    custom_objects: Mapping[str, object] | None = None,
):
    """Find `name` in `custom_objects`, then in the built-in `module_objects`."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in module_objects:
        return module_objects[name]
    raise unknown_identifier_error(kind, name, module_objects)


def deserialize_object(
    config,
    kind: str,
    module_objects: Mapping[str, object],
    custom_objects: Mapping[str, object] | None = None,
):
    """Rebuild an object from a name string or a Keras-style config dict.

    A class found by name is instantiated from the dict's `"config"` (or with no
    arguments for a bare name); a function is returned as is.
    """
    if isinstance(config, str):
        obj = lookup(config, kind, module_objects, custom_objects)
        return obj() if inspect.isclass(obj) else obj
    if not isinstance(config, Mapping):
        raise unknown_identifier_error(kind, config, module_objects)
    if "class_name" not in config:
        raise ValueError(
            f"A serialized {kind} must be a name or a dict with a 'class_name' key. "
            f"Received: config={dict(config)!r}"
        )
    class_name = config["class_name"]
    inner = config.get("config") or {}
    registered = config.get("registered_name")
    if class_name == "function":
        # Keras writes functions as {"class_name": "function", "config": "name"}.
        name = registered or inner
        if custom_objects and name in custom_objects:
            return custom_objects[name]
        return lookup(inner, kind, module_objects, custom_objects)
    if registered and custom_objects and registered in custom_objects:
        cls = custom_objects[registered]
    else:
        cls = lookup(class_name, kind, module_objects, custom_objects)
    if not inspect.isclass(cls):
        return cls
    if not isinstance(inner, Mapping):
        raise ValueError(
            f"The 'config' of a serialized {kind} must be a dict. "
            f"Received: config={dict(config)!r}"
        )
    if hasattr(cls, "from_config"):
        return cls.from_config(dict(inner))
    return cls(**inner)


def serialize_object(obj, module: str) -> dict:
    """Keras's dict layout for an object that has `get_config()` (`None` stays `None`)."""
    if obj is None:
        return None
    if not hasattr(obj, "get_config"):
        raise ValueError(
            f"Cannot serialize {obj!r}: it has no `get_config()` method. "
            "Implement `get_config()` returning the constructor arguments."
        )
    cls = type(obj)
    builtin = cls.__module__.startswith("kerastorch.")
    return {
        "module": module if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": obj.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def resolve(
    identifier,
    kind: str,
    deserialize: Callable,
    none_value=None,
    instantiate_classes: bool = True,
):
    """The shared body of `get()`: None, a name, a config dict or a callable."""
    if identifier is None:
        return none_value
    if isinstance(identifier, (str, Mapping)):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if callable(obj):
        if instantiate_classes and inspect.isclass(obj):
            return obj()
        return obj
    raise unknown_identifier_error(kind, identifier, ())
