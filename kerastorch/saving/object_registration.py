"""The registry of custom classes and functions, so configs can name them.

`@register_keras_serializable(package="MyPkg")` records a class under
`"MyPkg>ClassName"`; `custom_object_scope({...})` adds objects temporarily.
"""

from __future__ import annotations

import threading

_GLOBAL_CUSTOM_OBJECTS: dict[str, object] = {}
_GLOBAL_CUSTOM_NAMES: dict[object, str] = {}
_SCOPE = threading.local()


def _scope_stack() -> list[dict]:
    if not hasattr(_SCOPE, "stack"):
        _SCOPE.stack = []
    return _SCOPE.stack


class CustomObjectScope:
    """Within the `with` block, these names resolve to these objects during deserialization.

    Example:

    >>> with kerastorch.saving.custom_object_scope({"MyLayer": MyLayer}):
    ...     model = kerastorch.models.load_model(path)
    """

    def __init__(self, custom_objects: dict):
        if not isinstance(custom_objects, dict):
            raise TypeError(
                f"`custom_objects` must be a dict. Received: {custom_objects!r}"
            )
        self.custom_objects = custom_objects

    def __enter__(self):
        _scope_stack().append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scope_stack().pop()


custom_object_scope = CustomObjectScope


def get_custom_objects() -> dict:
    """The global registry dict (mutable, as in Keras)."""
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator registering a class or function under `"package>name"`."""

    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if registered in _GLOBAL_CUSTOM_OBJECTS and _GLOBAL_CUSTOM_OBJECTS[registered] is not obj:
            # Re-registering (e.g. a re-run notebook cell) replaces the old object.
            _GLOBAL_CUSTOM_NAMES.pop(_GLOBAL_CUSTOM_OBJECTS[registered], None)
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register a class that does not have a get_config() "
                f"method. Received: {obj}"
            )
        _GLOBAL_CUSTOM_OBJECTS[registered] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered
        return obj

    return decorator


def get_registered_name(obj) -> str:
    """`"package>name"` for a registered object, else its `__name__`."""
    return _GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", str(obj)))


def get_registered_object(name: str, custom_objects: dict | None = None, module_objects=None):
    """Resolve `name` from the active scopes, the global registry, then arguments."""
    for scope in reversed(_scope_stack()):
        if name in scope:
            return scope[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None
