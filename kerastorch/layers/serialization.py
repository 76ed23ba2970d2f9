"""`layers.serialize` / `layers.deserialize`: a layer <-> its Keras-style config dict."""

from __future__ import annotations


def serialize(layer) -> dict:
    """`{"module", "class_name", "config", "registered_name"}` for `layer`."""
    from kerastorch.saving.object_registration import get_registered_name

    cls = own_class(layer)
    config = layer.get_config()
    build_shapes = getattr(layer, "_build_shapes", None)
    result = {
        "module": cls.__module__,
        "class_name": cls.__name__,
        "config": config,
        "registered_name": get_registered_name(cls),
    }
    if build_shapes is not None and not isinstance(build_shapes, dict):
        result["build_config"] = {"input_shape": build_shapes}
    return result


def own_class(obj) -> type:
    """`type(obj)`, minus the class torch's FSDP2 derives for a sharded module (`FSDPDense`)."""
    for cls in type(obj).__mro__:
        if not cls.__module__.startswith("torch.distributed"):
            return cls
    return type(obj)


def deserialize(config: dict, custom_objects: dict | None = None):
    """Recreate a layer from `serialize(layer)` (or a `{"class_name", "config"}` dict)."""
    from kerastorch import layers
    from kerastorch.saving.object_registration import get_registered_object

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "`layers.deserialize` expects a dict with 'class_name' and 'config'. "
            f"Received: {config!r}"
        )
    class_name = config["class_name"]
    registered = config.get("registered_name") or class_name
    cls = (
        (custom_objects or {}).get(registered)
        or (custom_objects or {}).get(class_name)
        or get_registered_object(registered, custom_objects)
        or getattr(layers, class_name, None)
    )
    if cls is None:
        from kerastorch import models

        cls = getattr(models, class_name, None)
    if cls is None and class_name == "OpLayer":
        # The node a `kerastorch.ops` call on symbolic tensors became.
        from kerastorch.ops._op_layer import OpLayer

        cls = OpLayer
    if cls is None:
        raise ValueError(
            f"Unknown layer: '{class_name}'. Please ensure you are using a "
            "`kerastorch.utils.custom_object_scope` and that this object is "
            "included in the scope, or pass it in `custom_objects`."
        )
    inner = config.get("config", {})
    if hasattr(cls, "from_config"):
        import inspect

        if "custom_objects" in inspect.signature(cls.from_config).parameters:
            layer = cls.from_config(inner, custom_objects=custom_objects)
        else:
            layer = cls.from_config(inner)
    else:
        layer = cls(**inner)
    build_config = config.get("build_config")
    if build_config and not layer.built and build_config.get("input_shape") is not None:
        layer.build(build_config["input_shape"])
    return layer
