"""Keras 3 `config.json` <-> kerastorch configs.

Both sides use Keras 3's format (`module` / `class_name` / `config` /
`registered_name`, `build_config`, `compile_config`, the functional
`layers` / `inbound_nodes` / `input_layers` / `output_layers`), and our
layers take Keras's argument names. What differs, and is translated here:

- module paths: Keras writes `keras.layers`, `keras.src.models.functional`,
  `keras.src.backend.torch.optimizers.torch_adam`; we write `kerastorch.*`.
- arguments Keras has and we don't: dropped when they hold the value that
  turns the feature off (`ragged=False`, `quantization_config=None`,
  `renorm=False`, ...), reported otherwise.
- Keras ops in a functional graph (`ops.not_equal` computing an Embedding's
  mask) are Keras `Operation`s; here they are `OpLayer`s.
- a functional node's recorded `training=False` is dropped: Keras overrides
  it with the model's `training` on every call, so it carries no meaning.

Everything missing (unknown classes, unregistered custom objects, arguments
we cannot honour) is collected and reported in one `ValueError`.
"""

from __future__ import annotations

import copy
import inspect

from kerastorch.saving.keras3.h5_format import keras_snake_case

# Tags of serialized values, not classes.
_TAGS = ("__tuple__", "__numpy__", "__tensor__", "__bytes__", "__slice__",
         "__ellipsis__", "__keras_tensor__", "__float__", "__lambda__")
# Keras arguments whose value only matters when another argument turns them on.
_ONLY_WITH = {
    "ema_momentum": "use_ema",
    "ema_overwrite_frequency": "use_ema",
    "renorm_momentum": "renorm",
    "renorm_clipping": "renorm",
}
_PUBLIC_MODULES = (
    "layers", "models", "optimizers", "losses", "metrics", "initializers",
    "regularizers", "constraints", "activations",
)
_DTYPE_POLICIES = ("DTypePolicy", "FloatDTypePolicy")


# --- Keras -> kerastorch ----------------------------------------------------------------


def from_keras_config(config: dict, custom_objects: dict | None = None) -> dict:
    """Translate a Keras 3 model config so kerastorch's `deserialize_keras_object` rebuilds it.

    Raises:
        ValueError: listing every class, function or argument of the config
            that kerastorch has no counterpart for.
    """
    report = _Report()
    translated = _from_keras(copy.deepcopy(config), custom_objects or {}, report, "model")
    report.raise_if_any()
    return translated


class _Report:
    def __init__(self):
        self.missing: list[str] = []
        self.unsupported: list[str] = []

    def raise_if_any(self) -> None:
        if not (self.missing or self.unsupported):
            return
        lines = ["This Keras model uses things kerastorch cannot rebuild:"]
        if self.missing:
            lines.append(
                "  Unknown classes or functions (not in kerastorch, and not "
                "registered or passed in `custom_objects`): " + ", ".join(_unique(self.missing))
            )
        if self.unsupported:
            lines.append(
                "  Unsupported arguments: " + ", ".join(_unique(self.unsupported))
            )
        lines.append(
            "Register custom classes with "
            "`@kerastorch.saving.register_keras_serializable()` (same package and "
            "name as in Keras) or pass them in `custom_objects`."
        )
        raise ValueError("\n".join(lines))


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _from_keras(obj, custom_objects: dict, report: _Report, where: str):
    if isinstance(obj, list):
        return [_from_keras(v, custom_objects, report, where) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "class_name" not in obj or "config" not in obj:
        return {k: _from_keras(v, custom_objects, report, where) for k, v in obj.items()}
    class_name = obj["class_name"]
    obj.pop("shared_object_id", None)
    if class_name in _TAGS:
        if class_name == "__tuple__":
            obj["config"]["value"] = _from_keras(obj["config"]["value"], custom_objects, report, where)
        return obj
    if class_name in _DTYPE_POLICIES and isinstance(obj["config"], dict):
        return obj["config"].get("name")
    module = obj.get("module") or ""
    if module.startswith(("keras.src.ops", "keras.ops")):
        return _op_from_keras(obj, report)
    if "inbound_nodes" in obj:
        obj["inbound_nodes"] = [_drop_training(n) for n in obj["inbound_nodes"]]
    name = obj["config"].get("name") if isinstance(obj["config"], dict) else obj["config"]
    label = f"{class_name} '{name}'" if isinstance(name, str) else class_name
    cls = _resolve(obj, custom_objects)
    if cls is None:
        report.missing.append(f"'{class_name}' (module '{module}', in {where})")
    inner = obj["config"]
    if isinstance(inner, dict):
        inner = {k: _from_keras(v, custom_objects, report, label) for k, v in inner.items()}
        if cls is not None and class_name != "function":
            inner = _drop_unsupported(cls, inner, report, label)
        obj["config"] = inner
    if "compile_config" in obj and obj["compile_config"]:
        obj["compile_config"] = _from_keras(obj["compile_config"], custom_objects, report, "compile_config")
    if cls is not None and not _is_custom(obj, cls):
        obj["module"] = cls.__module__ if inspect.isclass(cls) else getattr(cls, "__module__", module)
    return obj


def _resolve(obj: dict, custom_objects: dict):
    from kerastorch.saving.serialization_lib import _retrieve

    class_name = obj["class_name"]
    registered = obj.get("registered_name") or class_name
    kind = "class"
    if class_name == "function":
        class_name, kind = obj["config"], "function"
    try:
        return _retrieve(class_name, registered, obj.get("module"), kind, custom_objects, obj)
    except TypeError:
        return None


def _is_custom(obj: dict, cls) -> bool:
    return not (getattr(cls, "__module__", "") or "").startswith("kerastorch.")


def _drop_training(node):
    if isinstance(node, dict) and isinstance(node.get("kwargs"), dict):
        node = dict(node)
        node["kwargs"] = {k: v for k, v in node["kwargs"].items() if k != "training"}
    return node


def _accepted_arguments(cls) -> set[str] | None:
    """The keyword arguments `cls(**config)` takes, following `**kwargs` up the MRO.

    `None` when any is accepted (a class that builds itself in `from_config`).
    """
    from kerastorch.layers.layer import Layer
    from kerastorch.models.model import Model

    if not inspect.isclass(cls) or issubclass(cls, Model):
        return None  # models build themselves from their config
    owner = next((k for k in cls.__mro__ if "from_config" in vars(k)), object)
    if not owner.__module__.startswith("kerastorch."):
        return None  # a custom `from_config` reads its own config
    accepted: set[str] = set()
    for klass in cls.__mro__:
        if klass is object or klass.__module__.startswith("torch."):
            return accepted - {"self"}  # torch.nn.Module and object take nothing from a config
        if "__init__" not in vars(klass):
            continue
        try:
            params = inspect.signature(vars(klass)["__init__"]).parameters.values()
        except (TypeError, ValueError):
            return None
        accepted.update(p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))
        if klass is Layer or not any(p.kind == p.VAR_KEYWORD for p in params):
            return accepted - {"self"}  # Layer's own **kwargs only rejects unknown names
    return accepted - {"self"}


def _drop_unsupported(cls, config: dict, report: _Report, label: str) -> dict:
    accepted = _accepted_arguments(cls)
    if accepted is None:
        return config
    kept = {}
    for key, value in config.items():
        if key in accepted:
            kept[key] = value
        elif _is_off(key, value, config):
            continue
        else:
            report.unsupported.append(f"{label}: `{key}={value!r}`")
    return kept


def _is_off(key: str, value, config: dict) -> bool:
    if value is None or value is False or value == {} or value == []:
        return True
    switch = _ONLY_WITH.get(key)
    return switch is not None and not config.get(switch)


def _op_from_keras(obj: dict, report: _Report) -> dict:
    """A Keras `Operation` node (`NotEqual`) as an `OpLayer` running `kerastorch.ops.not_equal`."""
    from kerastorch import ops

    class_name = obj["class_name"]
    fn = getattr(ops, keras_snake_case(class_name), None)
    if fn is None:
        report.missing.append(f"op '{class_name}' (module '{obj.get('module')}')")
        return obj
    fn = getattr(fn, "__wrapped__", fn)
    config = dict(obj["config"] or {})
    name = config.pop("name", None)
    bound = {k: v for k, v in config.items() if v is not None}
    nodes = []
    for node in obj.get("inbound_nodes", []):
        node = _drop_training(node)
        node["kwargs"] = {**bound, **node.get("kwargs", {})}
        nodes.append(node)
    return {
        "module": "kerastorch.ops._op_layer",
        "class_name": "OpLayer",
        "config": {"name": name, "op": f"{fn.__module__}.{fn.__qualname__}"},
        "registered_name": None,
        "name": obj.get("name", name),
        "inbound_nodes": nodes,
    }


# --- kerastorch -> Keras ----------------------------------------------------------------


def to_keras_config(config: dict) -> dict:
    """Our model config with Keras 3's module names, as Keras's `load_model` expects."""
    return _to_keras(copy.deepcopy(config))


def _to_keras(obj):
    if isinstance(obj, list):
        return [_to_keras(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "class_name" not in obj or "config" not in obj or obj["class_name"] in _TAGS:
        return {k: _to_keras(v) for k, v in obj.items()}
    module = obj.get("module") or ""
    if obj["class_name"] == "OpLayer" and module.startswith("kerastorch."):
        return _op_to_keras(obj)
    if isinstance(obj["config"], dict):
        obj["config"] = {k: _to_keras(v) for k, v in obj["config"].items()}
    if obj.get("compile_config"):
        obj["compile_config"] = _to_keras(obj["compile_config"])
    if module.startswith("kerastorch."):
        obj["module"] = _keras_module(module, obj["class_name"])
        obj["registered_name"] = None  # a built-in: Keras finds it by module and name
    return obj


def _keras_module(module: str, class_name: str) -> str:
    if class_name == "Functional":
        return "keras.src.models.functional"
    if class_name in ("Sequential", "Model"):
        return "keras"
    parts = module.split(".")
    if len(parts) > 2 and parts[1] == "optimizers" and parts[2] == "schedules":
        return "keras.optimizers.schedules"
    if len(parts) > 1 and parts[1] in _PUBLIC_MODULES:
        return f"keras.{parts[1]}"
    return "keras"


def _op_to_keras(obj: dict) -> dict:
    """An `OpLayer` as the Keras `Operation` class of the same op (`not_equal` -> `NotEqual`)."""
    op_path = obj["config"]["op"]
    fn_name = op_path.rpartition(".")[2]
    class_name = "".join(part.capitalize() for part in fn_name.split("_"))
    nodes = []
    for node in obj.get("inbound_nodes", []):
        node = dict(node)
        node["kwargs"] = {k: v for k, v in node.get("kwargs", {}).items() if _references_tensor(v)}
        nodes.append(node)
    config = {"name": obj["config"].get("name")}
    for node in obj.get("inbound_nodes", [])[:1]:
        config.update({k: v for k, v in node.get("kwargs", {}).items() if not _references_tensor(v)})
    return {
        "module": _keras_ops_module(fn_name),
        "class_name": class_name,
        "config": config,
        "registered_name": class_name,
        "name": obj.get("name"),
        "inbound_nodes": nodes,
    }


def _keras_ops_module(fn_name: str) -> str:
    from kerastorch import ops

    for sub in ("numpy", "nn", "math", "core", "linalg"):
        if fn_name in getattr(ops, sub).__all__:
            return f"keras.src.ops.{sub}"
    return "keras.src.ops.numpy"


def _references_tensor(value) -> bool:
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return True
        return any(_references_tensor(v) for v in value.values())
    if isinstance(value, list):
        return any(_references_tensor(v) for v in value)
    return False
