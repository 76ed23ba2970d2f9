"""The public saving functions: `save_model`, `load_model`, `save_weights`, `load_weights`.

They check the file name and hand off: whole models go to `.keras` archives
(`saving_lib`), weights to `.weights.safetensors` files (`weights_io`).
PyTorch `state_dict` files (`.pt`, `.pth`) load too, with
`torch.load(weights_only=True)`. Keras 3's own files (a `.keras` archive
holding `model.weights.h5`, and `.weights.h5` weights) are read and written
by `saving.keras3`.
"""

from __future__ import annotations

import os

from kerastorch.saving import saving_lib
from kerastorch.saving import weights_io
from kerastorch.saving.atomic_io import confirm_overwrite

_TORCH_EXTENSIONS = (".pt", ".pth")
_FORMATS = ("kerastorch", "keras3")


def save_model(model, filepath, overwrite: bool = True, zipped: bool | None = None, **kwargs) -> None:
    """Save a model (architecture, weights, compile settings, optimizer state) to `.keras`.

    The file is a zip archive holding `config.json`, `metadata.json`,
    `model.safetensors` and, for a compiled model, `optimizer.safetensors`.
    It is written to a temporary file first and renamed into place.

    With `format="keras3"` the archive is Keras 3's own (`config.json`,
    `metadata.json`, `model.weights.h5`): Keras 3 opens it with
    `keras.saving.load_model` and predicts the same. It holds the
    architecture, the weights and the compile settings, not the optimizer
    state. It needs `h5py` (`pip install "kerastorch[keras-io]"`).

    Args:
        model: the `kerastorch.Model` to save.
        filepath: a path ending in `.keras`.
        overwrite: replace an existing file. With `False`, ask on an
            interactive terminal, else raise `FileExistsError`. Defaults to `True`.
        zipped: only `None`/`True` (a zip archive) is supported. Defaults to `None`.
        **kwargs: `include_optimizer` (`False` leaves out the optimizer state;
            defaults to `True`) and `format` (`"kerastorch"`: safetensors
            weights, or `"keras3"`: a file Keras 3 opens; defaults to
            `"kerastorch"`).

    Example:

    >>> model.save("model.keras")
    >>> restored = kerastorch.models.load_model("model.keras")
    >>> model.save("for_keras.keras", format="keras3")  # keras.saving.load_model reads it
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    file_format = _check_format(kwargs.pop("format", "kerastorch"))
    if kwargs.pop("save_format", None) is not None:
        raise ValueError(
            "The `save_format` argument is deprecated in Keras 3 and not supported. "
            "Pass a file path with a `.keras` extension."
        )
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    if zipped is False:
        raise ValueError(
            "`zipped=False` (saving as a folder) is not supported by kerastorch; "
            "models are saved as zipped `.keras` files."
        )
    filepath = os.fspath(filepath)
    if filepath.endswith((".h5", ".hdf5")):
        raise ValueError(
            "The legacy HDF5 format (`.h5`) is not supported by kerastorch. Save "
            f"to a `.keras` file instead. Received: filepath={filepath}"
        )
    if not filepath.endswith(".keras"):
        raise ValueError(
            "Invalid filepath extension for saving. Please add a `.keras` "
            "extension (kerastorch's model format; use `save_weights` with "
            f"`.weights.safetensors` for weights only). Received: filepath={filepath}"
        )
    if not overwrite and not confirm_overwrite(filepath):
        return
    if file_format == "keras3":
        from kerastorch.saving import keras3

        keras3.save_model(model, filepath)
        return
    saving_lib.save_model(model, filepath, include_optimizer=include_optimizer)


def _check_format(file_format) -> str:
    if file_format in _FORMATS:
        return file_format
    import difflib

    close = difflib.get_close_matches(str(file_format), _FORMATS)
    hint = f" Did you mean: {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(
        f"Could not interpret format identifier: {file_format!r}.{hint} "
        f"Expected one of {list(_FORMATS)}."
    )


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True, safe_mode: bool = True):
    """Load a model saved with `model.save()` (a `.keras` file), by kerastorch or by Keras 3.

    A `.keras` archive written by Keras 3 (it holds `model.weights.h5`) is
    rebuilt from Keras's config, each Keras class mapped to ours, and its
    HDF5 weights loaded (this needs `h5py`: `pip install "kerastorch[keras-io]"`).
    A class or argument kerastorch lacks, or an unregistered custom object,
    raises one `ValueError` listing all of them.

    Args:
        filepath: path to the `.keras` file.
        custom_objects: `{name: class or function}` for custom layers, models,
            losses and metrics that are not registered with
            `register_keras_serializable`. Defaults to `None`.
        compile: restore the compile settings (optimizer, loss, metrics) and
            the optimizer state, so `fit` continues. Defaults to `True`.
        safe_mode: refuse `Lambda` layers holding Python lambdas (bytecode),
            since loading them runs code. Defaults to `True`.

    Returns:
        The model, with its weights.

    Example:

    >>> model = kerastorch.models.load_model("model.keras")
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        if filepath.endswith((".h5", ".hdf5")):
            raise ValueError(
                "The legacy HDF5 format (`.h5`) is not supported by kerastorch. "
                f"Received: filepath={filepath}"
            )
        raise ValueError(
            f"File format not supported: filepath={filepath}. kerastorch loads "
            "models from `.keras` files (saved with `model.save()`). For weights "
            "only, use `model.load_weights()`."
        )
    from kerastorch.saving import keras3

    loader = keras3.load_model if keras3.is_keras3_archive(filepath) else saving_lib.load_model
    return loader(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Save the model's weights to `.weights.safetensors` (or Keras 3's `.weights.h5`).

    In a `.weights.safetensors` file the keys are the model's `state_dict()`
    keys, so plain PyTorch can read it:
    `model.load_state_dict(safetensors.torch.load_file(path))`. A
    `.weights.h5` file has Keras 3's layout, which Keras's `load_weights`
    reads (it needs `h5py`: `pip install "kerastorch[keras-io]"`).

    Args:
        model: the model (any `kerastorch.Layer`, or `torch.nn.Module`).
        filepath: a path ending in `.weights.safetensors` or `.weights.h5`.
        overwrite: replace an existing file. Defaults to `True`.
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith((".weights.safetensors", ".weights.h5")):
        raise ValueError(
            "The filename must end in `.weights.safetensors` (or `.weights.h5` "
            f"for Keras 3's format). Received: filepath={filepath}"
        )
    if filepath.endswith(".weights.h5"):
        from kerastorch.saving import keras3

        keras3.require_h5py()
        if not overwrite and not confirm_overwrite(filepath):
            return
        keras3.save_weights(model, filepath)
        return
    if not overwrite and not confirm_overwrite(filepath):
        return
    weights_io.save_weights_file(model, filepath)


def load_weights(model, filepath, skip_mismatch: bool = False, **kwargs) -> None:
    """Load weights into a built model: `.weights.safetensors`, `.keras`, `.pt`, `.weights.h5`.

    Weights are matched by `state_dict` key; when the keys differ (e.g. the
    same architecture with other auto-generated layer names) but the ordered
    shapes agree, by position.

    Args:
        model: the model to load into. It must be built.
        filepath: a `.weights.safetensors` (or any `.safetensors`) file, a
            `.keras` archive (ours or Keras 3's), a PyTorch `state_dict` file
            (`.pt`, `.pth`), or Keras 3 HDF5 weights (`.weights.h5`, which
            needs `h5py`: `pip install "kerastorch[keras-io]"`).
        skip_mismatch: skip (with a warning) variables whose shape or name
            does not match, instead of raising. Defaults to `False`.
    """
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    filepath = os.fspath(filepath)
    from kerastorch.saving import keras3

    if filepath.endswith(".keras") and keras3.is_keras3_archive(filepath):
        keras3.load_weights(model, filepath, skip_mismatch=skip_mismatch)
    elif filepath.endswith(".keras"):
        saving_lib.load_weights_only(model, filepath, skip_mismatch=skip_mismatch)
    elif filepath.endswith(".safetensors"):
        weights_io.load_weights_file(model, filepath, skip_mismatch=skip_mismatch)
    elif filepath.endswith(_TORCH_EXTENSIONS):
        weights_io.load_torch_state_dict_file(model, filepath, skip_mismatch=skip_mismatch)
    elif filepath.endswith((".h5", ".hdf5")):
        keras3.load_weights(model, filepath, skip_mismatch=skip_mismatch)
    else:
        raise ValueError(
            f"File format not supported: filepath={filepath}. kerastorch loads "
            "weights from `.weights.safetensors` (or any `.safetensors`), `.keras`, "
            "PyTorch state_dict files (`.pt`, `.pth`) and Keras 3 `.weights.h5` files."
        )


def reject_h5(filepath: str) -> None:
    """HDF5 weights where only safetensors are written (`ModelCheckpoint`): name the
    missing package, or say the format is not supported there."""
    try:
        import h5py  # noqa: F401
    except ImportError:
        raise ImportError(
            f"'{filepath}' is an HDF5 file, which needs the `h5py` package; it is "
            "not installed (`pip install h5py`). Or use kerastorch's native "
            "`.weights.safetensors` format."
        ) from None
    raise ValueError(
        f"'{filepath}': HDF5 weights (`.h5`) are not supported by kerastorch. "
        "Use `.weights.safetensors`."
    )
