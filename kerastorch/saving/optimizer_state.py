"""Optimizer state <-> safetensors, so training continues where it stopped.

`optimizer.state_dict()` (torch's per-weight state and param groups, plus
the step count `iterations` and EMA averages) is a nest of dicts, lists and
tuples around tensors. Its tensors go into safetensors under their path in
the nest (`"state.0.exp_avg"`); the rest of the nest goes, as JSON, into
the file's metadata (`structure`), with tensors replaced by
`{"__tensor__": path}`. Nothing is pickled.
"""

from __future__ import annotations

import json
import warnings

import torch

from kerastorch.saving.atomic_io import write_from_main_process
from kerastorch.saving.weights_io import full_tensor
from kerastorch.saving.weights_io import read_file_bytes
from kerastorch.saving.weights_io import read_safetensors
from kerastorch.saving.weights_io import tensors_to_bytes
from kerastorch.utils.warnings import KerasTorchWarning

OPTIMIZER_FORMAT = "kerastorch.optimizer"
FORMAT_VERSION = "1"


def optimizer_state_to_bytes(optimizer) -> bytes:
    """The optimizer's full state (`state_dict()`) as safetensors bytes."""
    tensors: dict[str, torch.Tensor] = {}
    structure = encode_nested(optimizer.state_dict(), "", tensors)
    metadata = {
        "format": OPTIMIZER_FORMAT,
        "format_version": FORMAT_VERSION,
        "class_name": type(optimizer).__name__,
        "structure": json.dumps(structure),
    }
    return tensors_to_bytes(tensors, metadata)


def optimizer_state_from_bytes(data: bytes, source: str) -> dict:
    """The `state_dict` stored by `optimizer_state_to_bytes`; ValueError if malformed."""
    tensors, metadata = read_safetensors(data, source)
    if metadata.get("format") != OPTIMIZER_FORMAT or "structure" not in metadata:
        raise ValueError(
            f"{source} is a safetensors file, but not a kerastorch optimizer state "
            "(its metadata has no optimizer structure)."
        )
    try:
        return decode_nested(json.loads(metadata["structure"]), tensors)
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{source} holds a malformed optimizer state: {e}") from None


def save_optimizer_state(optimizer, filepath: str) -> None:
    """Write the optimizer's state to a safetensors file, atomically."""
    write_from_main_process(filepath, optimizer_state_to_bytes(optimizer))


def load_optimizer_state(optimizer, filepath: str, variables=None) -> bool:
    """Restore a state written by `save_optimizer_state`; see `restore_optimizer_state`."""
    data = read_file_bytes(filepath, "optimizer state `.safetensors`")
    state = optimizer_state_from_bytes(data, f"'{filepath}'")
    return restore_optimizer_state(optimizer, state, variables, f"'{filepath}'")


def restore_optimizer_state(optimizer, state: dict, variables=None, source: str = "") -> bool:
    """Load `state` into `optimizer`, building it over `variables` first if given.

    An optimizer that is not built keeps the state and applies it when it is.
    A state that does not fit (other variables, another optimizer class) is
    skipped with a warning, as Keras does; returns whether it was loaded.
    """
    try:
        if variables is not None and not optimizer.built:
            variables = list(variables)
            if variables:
                optimizer.build(variables)
        optimizer.load_state_dict(state)
    except (ValueError, KeyError, RuntimeError, TypeError) as e:
        warnings.warn(
            f"Skipping the optimizer state in {source or 'the saved state'}: it "
            f"does not fit optimizer '{optimizer.name}' ({e}). Training will "
            "continue with a fresh optimizer state.",
            KerasTorchWarning,
            stacklevel=2,
        )
        return False
    return True


# --- the nest codec ------------------------------------------------------------------


def encode_nested(value, path: str, tensors: dict):
    """JSON-able structure for a nest of tensors and Python values; tensors go to `tensors`
    under their path (for one safetensors file), `decode_nested` reverses it."""
    if isinstance(value, torch.Tensor):
        key = path or "value"
        tensors[key] = full_tensor(value)  # FSDP's sharded state, gathered
        return {"__tensor__": key}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [encode_nested(v, _join(path, i), tensors) for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [encode_nested(v, _join(path, i), tensors) for i, v in enumerate(value)]
    if isinstance(value, dict):
        keys = list(value)
        if all(isinstance(k, str) and not k.startswith("__") for k in keys):
            return {k: encode_nested(v, _join(path, k), tensors) for k, v in value.items()}
        for k in keys:
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(
                    f"Cannot save the optimizer state: key {k!r} in '{path}' is "
                    "neither a string nor an integer."
                )
        # torch keys per-weight state by integer index
        return {"__items__": [[k, encode_nested(v, _join(path, k), tensors)] for k, v in value.items()]}
    raise TypeError(
        f"Cannot save the optimizer state: '{path}' holds a "
        f"{type(value).__name__}, which is neither a tensor nor a plain value."
    )


def decode_nested(value, tensors: dict):
    """The nest `encode_nested` described, with its tensors taken from `tensors`."""
    if isinstance(value, list):
        return [decode_nested(v, tensors) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tensor__" in value:
        return tensors[value["__tensor__"]]
    if "__tuple__" in value:
        return tuple(decode_nested(v, tensors) for v in value["__tuple__"])
    if "__items__" in value:
        return {k: decode_nested(v, tensors) for k, v in value["__items__"]}
    return {k: decode_nested(v, tensors) for k, v in value.items()}


def _join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)
