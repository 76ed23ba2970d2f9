"""The `.keras` archive: one zip file holding a whole model.

    config.json            architecture (`serialize_keras_object(model)`),
                           with `build_config` and `compile_config`
    metadata.json          kerastorch / torch / format versions, date saved
    model.safetensors      the weights (see `weights_io` for the key scheme)
    optimizer.safetensors  the optimizer state and step count (compiled models)

Only these members are read, with `json` and `safetensors`: nothing is
unpickled. The archive is written to a temporary file and renamed into
place, so an interrupted save never leaves a broken file under the real name.
"""

from __future__ import annotations

import datetime
import inspect
import json
import warnings
import zipfile
import zlib

from kerastorch.distribution import barrier
from kerastorch.distribution import is_main_process
from kerastorch.saving.atomic_io import atomic_write
from kerastorch.saving.atomic_io import check_file_to_load
from kerastorch.saving.optimizer_state import optimizer_state_from_bytes
from kerastorch.saving.optimizer_state import optimizer_state_to_bytes
from kerastorch.saving.optimizer_state import restore_optimizer_state
from kerastorch.saving.weights_io import load_state
from kerastorch.saving.weights_io import model_state
from kerastorch.saving.weights_io import read_safetensors
from kerastorch.saving.weights_io import tensors_to_bytes
from kerastorch.saving.weights_io import unwrap_model
from kerastorch.saving.weights_io import weights_metadata
from kerastorch.utils.warnings import KerasTorchWarning

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.safetensors"
OPTIMIZER_FILENAME = "optimizer.safetensors"
ARCHIVE_MEMBERS = (CONFIG_FILENAME, METADATA_FILENAME, WEIGHTS_FILENAME, OPTIMIZER_FILENAME)
ARCHIVE_FORMAT_VERSION = "1.0"


# --- save --------------------------------------------------------------------------------


def save_model(model, filepath: str, include_optimizer: bool = True) -> None:
    """Write `model` to a `.keras` archive at `filepath` (atomically).

    A model that is not built yet is saved too (config only, no weights).
    """
    from kerastorch.models.model import Model
    from kerastorch.saving.serialization_lib import serialize_keras_object

    model = unwrap_model(model)  # DDP / torch.compile wrappers
    if not isinstance(model, Model):
        raise ValueError(
            "Invalid `model` argument: expected a `kerastorch.Model` instance. "
            f"Received: model={model!r} (of type {type(model).__name__})"
        )
    config = serialize_keras_object(model)
    config_json = to_json(config, f"the config of model '{model.name}'")
    members = {
        METADATA_FILENAME: to_json(archive_metadata(), "metadata").encode(),
        CONFIG_FILENAME: config_json.encode(),
        WEIGHTS_FILENAME: weights_bytes(model),
    }
    if include_optimizer and getattr(model, "compiled", False) and model.optimizer is not None:
        members[OPTIMIZER_FILENAME] = optimizer_state_to_bytes(model.optimizer)
    write_archive(filepath, members)


def weights_bytes(model) -> bytes:
    """The model's weights as safetensors bytes (the `model.safetensors` member)."""
    state, aliases = model_state(model)
    return tensors_to_bytes(state, weights_metadata(state, aliases))


def archive_metadata() -> dict:
    import torch

    import kerastorch

    return {
        "format": "kerastorch.keras",
        "format_version": ARCHIVE_FORMAT_VERSION,
        "kerastorch_version": kerastorch.__version__,
        "torch_version": torch.__version__,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }


def write_archive(filepath: str, members: dict[str, bytes]) -> None:
    """Write `{member name: bytes}` as a zip at `filepath`, atomically (main process only)."""
    if is_main_process():
        with atomic_write(filepath) as f:
            with zipfile.ZipFile(f, "w") as archive:
                for name, data in members.items():
                    # JSON compresses well; safetensors data hardly does.
                    compression = (
                        zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
                    )
                    archive.writestr(name, data, compress_type=compression)
    barrier()  # other ranks: saved means written


def to_json(value, what: str) -> str:
    """`json.dumps` with numpy scalars and dtypes allowed, and a clear error otherwise."""

    def default(obj):
        import numpy as np
        import torch

        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, (np.dtype, torch.dtype)):
            from kerastorch.backend import standardize_dtype

            return standardize_dtype(obj)
        raise TypeError(
            f"Cannot save {what}: it holds {obj!r} (of type {type(obj).__name__}), "
            "which cannot be stored in JSON. Return only numbers, strings, "
            "booleans, None, lists and dicts from `get_config()` (serialize "
            "objects with `kerastorch.saving.serialize_keras_object`)."
        )

    return json.dumps(value, default=default)


# --- load ---------------------------------------------------------------------------------


def read_archive(filepath: str) -> dict[str, bytes]:
    """The members of a `.keras` archive; one clear ValueError if anything is off."""
    filepath = check_file_to_load(filepath, "`.keras` zip")
    try:
        with zipfile.ZipFile(filepath) as archive:
            names = archive.namelist()
            unexpected = [n for n in names if n not in ARCHIVE_MEMBERS]
            if unexpected:
                raise ValueError(_unexpected_members_message(filepath, unexpected))
            if len(set(names)) != len(names):
                raise ValueError(
                    f"Cannot load '{filepath}': the archive lists a member twice."
                )
            if CONFIG_FILENAME not in names:
                raise ValueError(
                    f"Cannot load '{filepath}': the archive has no "
                    f"`{CONFIG_FILENAME}`, so it is not a `.keras` model file "
                    "(or it is incomplete)."
                )
            return {name: archive.read(name) for name in names}
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise ValueError(
            f"Cannot load '{filepath}': it is not a valid `.keras` archive (the "
            f"zip file is truncated or corrupted: {e})."
        ) from None


def _unexpected_members_message(filepath: str, unexpected: list[str]) -> str:
    message = (
        f"Cannot load '{filepath}': the archive holds unexpected member(s) "
        f"{unexpected}. A kerastorch `.keras` archive holds only "
        f"{list(ARCHIVE_MEMBERS)}; nothing else is read (in particular, no "
        "pickled data)."
    )
    if "model.weights.h5" in unexpected:
        message += (
            " This looks like an archive written by Keras, which stores weights "
            "in HDF5; kerastorch archives store them as safetensors."
        )
    return message


def read_config(members: dict[str, bytes], filepath: str) -> dict:
    try:
        config = json.loads(members[CONFIG_FILENAME])
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(
            f"Cannot load '{filepath}': its `{CONFIG_FILENAME}` is not valid JSON ({e})."
        ) from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Cannot load '{filepath}': its `{CONFIG_FILENAME}` does not describe "
            "a model (expected a dict with 'class_name' and 'config')."
        )
    return config


def load_model(
    filepath: str,
    custom_objects: dict | None = None,
    compile: bool = True,
    safe_mode: bool = True,
):
    """Rebuild the model saved in a `.keras` archive, with its weights and,
    if `compile`, its compile settings and optimizer state."""
    from kerastorch.saving.object_registration import custom_object_scope
    from kerastorch.saving.serialization_lib import SafeModeScope
    from kerastorch.saving.serialization_lib import deserialize_keras_object
    from kerastorch.saving.serialization_lib import in_safe_mode

    members = read_archive(filepath)
    config = read_config(members, filepath)
    if not compile:
        config.pop("compile_config", None)
    scope = in_safe_mode()
    safe_mode = scope if scope is not None else bool(safe_mode)
    with custom_object_scope(custom_objects or {}), SafeModeScope(safe_mode):
        model = deserialize_keras_object(config, custom_objects, safe_mode=safe_mode)
    load_weights_from_members(model, members, filepath)
    if compile and getattr(model, "compiled", False) and OPTIMIZER_FILENAME in members:
        source = f"'{OPTIMIZER_FILENAME}' in '{filepath}'"
        state = optimizer_state_from_bytes(members[OPTIMIZER_FILENAME], source)
        restore_optimizer_state(model.optimizer, state, model.trainable_weights, source)
    return model


def load_weights_from_members(
    model, members: dict[str, bytes], filepath: str, skip_mismatch: bool = False
) -> None:
    if WEIGHTS_FILENAME not in members:
        raise ValueError(
            f"Cannot load '{filepath}': the archive has no `{WEIGHTS_FILENAME}`."
        )
    source = f"'{WEIGHTS_FILENAME}' in '{filepath}'"
    tensors, metadata = read_safetensors(members[WEIGHTS_FILENAME], source)
    load_state(model, tensors, metadata, skip_mismatch, source)


def load_weights_only(model, filepath: str, skip_mismatch: bool = False) -> None:
    """Load just the weights of a `.keras` archive into an existing `model`."""
    members = read_archive(filepath)
    load_weights_from_members(model, members, filepath, skip_mismatch)


# --- compile config ---------------------------------------------------------------------


def compile_from_config(model, config: dict, custom_objects: dict | None = None) -> None:
    """`model.compile(...)` from `model.get_compile_config()`, optimizer built if possible.

    Keras's `Model.compile_from_config`; a model with its own `compile()`
    is left uncompiled, with a warning, as in Keras.
    """
    from kerastorch import losses
    from kerastorch import metrics
    from kerastorch import optimizers
    from kerastorch.trainers.step import ModelSteps

    compile_method = getattr(type(model), "compile", None)
    if compile_method is not ModelSteps.compile:
        warnings.warn(
            "`compile()` was not called as part of model loading because the "
            "model's `compile()` method is custom. All subclassed Models that "
            "have `compile()` overridden should also override "
            "`get_compile_config()` and `compile_from_config(config)`. "
            "Alternatively, you can call `compile()` manually after loading.",
            KerasTorchWarning,
            stacklevel=2,
        )
        return
    objects = _all_custom_objects(custom_objects)
    config = dict(config)
    accepted = inspect.signature(ModelSteps.compile).parameters
    kwargs = {k: v for k, v in config.items() if k in accepted}
    try:
        if isinstance(kwargs.get("optimizer"), dict):
            kwargs["optimizer"] = optimizers.deserialize(kwargs["optimizer"], objects)
        for key, deserialize in (
            ("loss", losses.deserialize),
            ("metrics", metrics.deserialize),
            ("weighted_metrics", metrics.deserialize),
        ):
            if key in kwargs:
                kwargs[key] = _map_specs(kwargs[key], lambda c, d=deserialize: d(c, objects))
        model.compile(**kwargs)
    except (ValueError, TypeError) as e:
        raise ValueError(
            f"Could not compile the loaded model '{model.name}' from its saved "
            f"compile config: {e}\nPass custom losses, metrics and optimizers in "
            "`custom_objects` (or register them with "
            "`@kerastorch.saving.register_keras_serializable()`), or load with "
            "`compile=False` and call `compile()` yourself."
        ) from e
    if model.built and model.trainable_weights:
        model.optimizer.build(model.trainable_weights)


def _map_specs(spec, fn):
    """Apply `fn` to each serialized object (a dict with 'class_name') in a loss/metric spec."""
    if isinstance(spec, dict):
        if "class_name" in spec:
            return fn(spec)
        return {k: _map_specs(v, fn) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [_map_specs(v, fn) for v in spec]
    return spec


def _all_custom_objects(custom_objects: dict | None) -> dict:
    """Registry, active scopes and `custom_objects`, also by their unprefixed names.

    The metric and loss lookups take a plain dict; registered names
    (`"MyPackage>my_metric"`) are offered as `"my_metric"` too.
    """
    from kerastorch.saving import object_registration

    objects: dict = {}
    sources = [
        object_registration.get_custom_objects(),
        *object_registration._scope_stack(),
        custom_objects or {},
    ]
    for source in sources:
        for name, obj in source.items():
            objects[name.split(">")[-1]] = obj
            objects[name] = obj
    return objects
