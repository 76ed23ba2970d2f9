"""Keras 3's `.keras` zip archive and `.weights.h5` files, read and written.

A Keras 3 archive holds `metadata.json` (`keras_version`, `date_saved`),
`config.json` (the model in Keras's serialization format) and
`model.weights.h5` (see `h5_format`), and sometimes an `assets/` folder.
Nothing in it is unpickled: JSON is parsed with `json`, weights are read
as plain arrays with h5py.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
import zlib

from kerastorch.saving.atomic_io import check_file_to_load
from kerastorch.saving.keras3 import h5_format
from kerastorch.saving.keras3.config_translate import from_keras_config
from kerastorch.saving.keras3.config_translate import to_keras_config

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
# The Keras release whose format these files follow (written as `keras_version`).
KERAS_FORMAT_VERSION = "3.15.1"


def is_keras3_archive(filepath: str) -> bool:
    """True if `filepath` is a zip holding `model.weights.h5` (an archive Keras 3 wrote)."""
    try:
        with zipfile.ZipFile(filepath) as archive:
            return WEIGHTS_FILENAME in archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


# --- load ----------------------------------------------------------------------------


def load_model(filepath: str, custom_objects: dict | None = None, compile: bool = True, safe_mode: bool = True):
    """Rebuild the model of a Keras 3 archive as a kerastorch model, with its weights."""
    from kerastorch.saving.object_registration import custom_object_scope
    from kerastorch.saving.serialization_lib import SafeModeScope
    from kerastorch.saving.serialization_lib import deserialize_keras_object
    from kerastorch.saving.serialization_lib import in_safe_mode

    h5py = h5_format.require_h5py()
    filepath = check_file_to_load(filepath, "`.keras` zip")
    config_bytes, weights_bytes = _read_members(filepath)
    try:
        config = json.loads(config_bytes)
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"Cannot load '{filepath}': its `{CONFIG_FILENAME}` is not valid JSON ({e}).") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot load '{filepath}': its `{CONFIG_FILENAME}` does not describe a model.")
    if not compile:
        config.pop("compile_config", None)
    config = from_keras_config(config, custom_objects)
    scope = in_safe_mode()
    safe_mode = scope if scope is not None else bool(safe_mode)
    with custom_object_scope(custom_objects or {}), SafeModeScope(safe_mode):
        model = deserialize_keras_object(config, custom_objects, safe_mode=safe_mode)
    source = f"'{WEIGHTS_FILENAME}' in '{filepath}'"
    with h5py.File(io.BytesIO(weights_bytes), "r") as h5_file:
        h5_format.read_weights(model, h5_file, source)
    return model


def _read_members(filepath: str) -> tuple[bytes, bytes]:
    try:
        with zipfile.ZipFile(filepath) as archive:
            names = archive.namelist()
            for name in (CONFIG_FILENAME, WEIGHTS_FILENAME):
                if name not in names:
                    raise ValueError(f"Cannot load '{filepath}': the Keras archive has no `{name}`.")
            return archive.read(CONFIG_FILENAME), archive.read(WEIGHTS_FILENAME)
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise ValueError(
            f"Cannot load '{filepath}': it is not a valid `.keras` archive ({e})."
        ) from None


def load_weights(model, filepath: str, skip_mismatch: bool = False) -> None:
    """Load a Keras 3 `.weights.h5` file (or the weights of a Keras 3 archive) into `model`."""
    h5py = h5_format.require_h5py()
    filepath = check_file_to_load(filepath, "HDF5 weights")
    if zipfile.is_zipfile(filepath):
        _, data = _read_members(filepath)
        source, handle = f"'{WEIGHTS_FILENAME}' in '{filepath}'", io.BytesIO(data)
    else:
        source, handle = f"'{filepath}'", filepath
    try:
        h5_file = h5py.File(handle, "r")
    except OSError as e:
        raise ValueError(f"Cannot load {source}: it is not a valid HDF5 file ({e}).") from None
    with h5_file:
        h5_format.read_weights(model, h5_file, source, skip_mismatch=skip_mismatch)


# --- save -----------------------------------------------------------------------------


def save_model(model, filepath: str) -> None:
    """Write `model` as a Keras 3 archive (`keras.saving.load_model` opens it), atomically."""
    from kerastorch.saving.saving_lib import to_json
    from kerastorch.saving.saving_lib import write_archive
    from kerastorch.saving.serialization_lib import serialize_keras_object
    from kerastorch.saving.weights_io import unwrap_model

    model = unwrap_model(model)
    config = to_keras_config(serialize_keras_object(model))
    metadata = {
        "keras_version": KERAS_FORMAT_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    write_archive(
        filepath,
        {
            METADATA_FILENAME: json.dumps(metadata).encode(),
            CONFIG_FILENAME: to_json(config, f"the config of model '{model.name}'").encode(),
            WEIGHTS_FILENAME: weights_h5_bytes(model),
        },
    )


def weights_h5_bytes(model) -> bytes:
    """`model`'s weights in Keras 3's HDF5 layout, as bytes."""
    h5py = h5_format.require_h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5_file:
        h5_format.write_weights(model, h5_file)
    return buffer.getvalue()


def save_weights(model, filepath: str) -> None:
    """Write `model`'s weights to a Keras 3 `.weights.h5` file, atomically."""
    from kerastorch.saving.atomic_io import write_from_main_process
    from kerastorch.saving.weights_io import unwrap_model

    write_from_main_process(filepath, weights_h5_bytes(unwrap_model(model)))
