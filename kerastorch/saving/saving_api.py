"""The public saving functions: `save_model`, `load_model`, `save_weights`, `load_weights`.

They check the file name and hand off: whole models go to `.keras` archives
(`saving_lib`), weights to `.weights.safetensors` files (`weights_io`).
PyTorch `state_dict` files (`.pt`, `.pth`) load too, with
`torch.load(weights_only=True)`.
"""

from __future__ import annotations

import os

from kerastorch.saving import saving_lib
from kerastorch.saving import weights_io
from kerastorch.saving.atomic_io import confirm_overwrite

_TORCH_EXTENSIONS = (".pt", ".pth")


def save_model(model, filepath, overwrite: bool = True, zipped: bool | None = None, **kwargs) -> None:
    """Save a model (architecture, weights, compile settings, optimizer state) to `.keras`.

    The file is a zip archive holding `config.json`, `metadata.json`,
    `model.safetensors` and, for a compiled model, `optimizer.safetensors`.
    It is written to a temporary file first and renamed into place.

    Args:
        model: the `kerastorch.Model` to save.
        filepath: a path ending in `.keras`.
        overwrite: replace an existing file. With `False`, ask on an
            interactive terminal, else raise `FileExistsError`. Defaults to `True`.
        zipped: only `None`/`True` (a zip archive) is supported. Defaults to `None`.
        **kwargs: `include_optimizer` (`False` leaves out the optimizer state).
            Defaults to `True`.

    Example:

    >>> model.save("model.keras")
    >>> restored = kerastorch.models.load_model("model.keras")
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
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
    saving_lib.save_model(model, filepath, include_optimizer=include_optimizer)


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True, safe_mode: bool = True):
    """Load a model saved with `model.save()` (a `.keras` file).

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
    return saving_lib.load_model(
        filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode
    )


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Save the model's weights to a `.weights.safetensors` file.

    Keys are the model's `state_dict()` keys, so plain PyTorch can read it:
    `model.load_state_dict(safetensors.torch.load_file(path))`.

    Args:
        model: the model (any `kerastorch.Layer`, or `torch.nn.Module`).
        filepath: a path ending in `.weights.safetensors`.
        overwrite: replace an existing file. Defaults to `True`.
    """
    filepath = os.fspath(filepath)
    if filepath.endswith(".weights.h5"):
        reject_h5(filepath)
    if not filepath.endswith(".weights.safetensors"):
        raise ValueError(
            "The filename must end in `.weights.safetensors`. "
            f"Received: filepath={filepath}"
        )
    if not overwrite and not confirm_overwrite(filepath):
        return
    weights_io.save_weights_file(model, filepath)


def load_weights(model, filepath, skip_mismatch: bool = False, **kwargs) -> None:
    """Load weights into a built model, from `.weights.safetensors`, `.keras` or `.pt`.

    Weights are matched by `state_dict` key; when the keys differ (e.g. the
    same architecture with other auto-generated layer names) but the ordered
    shapes agree, by position.

    Args:
        model: the model to load into. It must be built.
        filepath: a `.weights.safetensors` (or any `.safetensors`) file, a
            `.keras` archive, or a PyTorch `state_dict` file (`.pt`, `.pth`).
        skip_mismatch: skip (with a warning) variables whose shape or name
            does not match, instead of raising. Defaults to `False`.
    """
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    filepath = os.fspath(filepath)
    if filepath.endswith(".keras"):
        saving_lib.load_weights_only(model, filepath, skip_mismatch=skip_mismatch)
    elif filepath.endswith(".safetensors"):
        weights_io.load_weights_file(model, filepath, skip_mismatch=skip_mismatch)
    elif filepath.endswith(_TORCH_EXTENSIONS):
        weights_io.load_torch_state_dict_file(model, filepath, skip_mismatch=skip_mismatch)
    elif filepath.endswith((".h5", ".hdf5")):
        reject_h5(filepath)
    else:
        raise ValueError(
            f"File format not supported: filepath={filepath}. kerastorch loads "
            "weights from `.weights.safetensors` (or any `.safetensors`), `.keras`, "
            "and PyTorch state_dict files (`.pt`, `.pth`)."
        )


def reject_h5(filepath: str) -> None:
    """HDF5 weights: name the missing package, or say the format is not supported."""
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
