"""Model weights <-> safetensors, keyed by the model's `state_dict()` keys.

The key scheme: a weight is stored under its `state_dict()` key
(`"dense.kernel"`, `"encoder.attention.query.bias"`), so a PyTorch user can
`model.load_state_dict(safetensors.torch.load_file("m.weights.safetensors"))`.
Wrappers are looked through (`DistributedDataParallel.module`, torch.compile's
`_orig_mod`), and a tensor registered under several keys (tied weights) is
written once; the other keys are recorded in the file's metadata (`aliases`).
The metadata also records the keys in `state_dict()` order (`keys`).

Loading matches by key. When the keys differ but the ordered list of shapes
is the same (the same architecture built elsewhere, where the auto-generated
layer names came out as `dense_3` instead of `dense`), weights load by
position, as Keras 3 matches by structure rather than by names.
"""

from __future__ import annotations

import json
import warnings

import torch
from torch import nn

from kerastorch.saving.atomic_io import check_file_to_load
from kerastorch.saving.atomic_io import write_from_main_process
from kerastorch.utils.warnings import KerasTorchWarning

WEIGHTS_FORMAT = "kerastorch.weights"
FORMAT_VERSION = "1"


# --- the model's side --------------------------------------------------------------------


def unwrap_model(model: nn.Module) -> nn.Module:
    """The module under DDP's `.module` and torch.compile's `_orig_mod` wrappers."""
    from torch.nn.parallel import DistributedDataParallel

    while True:
        if isinstance(model, DistributedDataParallel):
            model = model.module
        elif "_orig_mod" in model._modules:  # torch.compile's OptimizedModule
            model = model._modules["_orig_mod"]
        else:
            return model


def model_state(model: nn.Module, gather: bool = True) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The model's live tensors by `state_dict` key, and the tied-weight aliases.

    Returns `(state, aliases)`: `state` in `state_dict()` order with each
    tensor once; `aliases` maps every further key of a tensor to its first key.
    """
    state: dict[str, torch.Tensor] = {}
    aliases: dict[str, str] = {}
    first_key: dict[int, str] = {}
    for key, tensor in unwrap_model(model).state_dict(keep_vars=True).items():
        if tensor is None:
            continue
        key = key.replace("_orig_mod.", "")  # a compiled submodule
        if id(tensor) in first_key:
            aliases[key] = first_key[id(tensor)]
            continue
        first_key[id(tensor)] = key
        state[key] = full_tensor(tensor) if gather else tensor
    return state, aliases


def full_tensor(tensor: torch.Tensor) -> torch.Tensor:
    """A sharded (FSDP `DTensor`) weight gathered whole; other tensors as they are.

    Gathering is a collective: under FSDP every rank saves, rank 0 writes.
    """
    return tensor.detach().full_tensor() if _is_dtensor(tensor) else tensor


def _like_target(value: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """`value`, sharded like `target` when the target is an FSDP `DTensor`."""
    if not _is_dtensor(target):
        return value
    from torch.distributed.tensor import distribute_tensor

    return distribute_tensor(value.to(target.device), target.device_mesh, target.placements)


def _is_dtensor(tensor) -> bool:
    from kerastorch.distribution.runtime import is_initialized

    if not is_initialized():
        return False
    from torch.distributed.tensor import DTensor

    return isinstance(tensor, DTensor)


def weights_metadata(state: dict, aliases: dict[str, str]) -> dict[str, str]:
    """The safetensors metadata of a weights file (strings only)."""
    metadata = {
        "format": WEIGHTS_FORMAT,
        "format_version": FORMAT_VERSION,
        "keys": json.dumps(list(state)),
    }
    if aliases:
        metadata["aliases"] = json.dumps(aliases)
    return metadata


# --- safetensors bytes -------------------------------------------------------------------


def tensors_to_bytes(tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> bytes:
    """Serialize `tensors` (any device, FSDP2 DTensors gathered) to safetensors bytes."""
    from safetensors.torch import save

    out = {}
    storages: set[int] = set()
    for key, tensor in tensors.items():
        tensor = tensor.detach()
        if hasattr(tensor, "full_tensor"):  # a DTensor shard (FSDP2): gather it
            tensor = tensor.full_tensor()
        tensor = tensor.cpu().contiguous()
        ptr = tensor.untyped_storage().data_ptr()
        if ptr in storages:  # safetensors refuses two keys on one storage
            tensor = tensor.clone()
        storages.add(tensor.untyped_storage().data_ptr())
        out[key] = tensor
    return save(out, metadata=metadata)


def read_safetensors(data: bytes, source: str) -> tuple[dict[str, torch.Tensor], dict]:
    """Parse safetensors `data`; any problem is one ValueError naming `source`."""
    from safetensors.torch import load

    if len(data) < 8:
        raise ValueError(
            f"{source} is not a valid safetensors file: it holds only "
            f"{len(data)} bytes (truncated?)."
        )
    header_size = int.from_bytes(data[:8], "little")
    if header_size > len(data) - 8:
        raise ValueError(
            f"{source} is not a valid safetensors file: its header claims "
            f"{header_size} bytes but only {len(data) - 8} follow (truncated, "
            "or another format)."
        )
    try:
        header = json.loads(data[8 : 8 + header_size])
        if not isinstance(header, dict):
            raise ValueError("the header is not a JSON object")
        tensors = load(data)
    except Exception as e:  # noqa: BLE001 - json, utf-8 and safetensors errors alike
        raise ValueError(
            f"{source} is not a valid safetensors file (corrupted, or another "
            f"format): {e}"
        ) from None
    metadata = header.get("__metadata__") or {}
    return tensors, metadata if isinstance(metadata, dict) else {}


def read_file_bytes(filepath: str, kind: str) -> bytes:
    filepath = check_file_to_load(filepath, kind)
    with open(filepath, "rb") as f:
        return f.read()


# --- files -----------------------------------------------------------------------------


def save_weights_file(model: nn.Module, filepath: str) -> None:
    """Write the model's weights to a safetensors file, atomically."""
    state, aliases = model_state(model)
    write_from_main_process(filepath, tensors_to_bytes(state, weights_metadata(state, aliases)))


def load_weights_file(model: nn.Module, filepath: str, skip_mismatch: bool = False) -> None:
    """Load a safetensors weights file (ours, or any `state_dict` saved as safetensors)."""
    data = read_file_bytes(filepath, "`.safetensors`")
    tensors, metadata = read_safetensors(data, f"'{filepath}'")
    load_state(model, tensors, metadata, skip_mismatch, f"'{filepath}'")


def load_torch_state_dict_file(
    model: nn.Module, filepath: str, skip_mismatch: bool = False
) -> None:
    """Load a PyTorch `state_dict` file (`.pt`/`.pth`) with `torch.load(weights_only=True)`."""
    filepath = check_file_to_load(filepath, "PyTorch `state_dict`")
    try:
        obj = torch.load(filepath, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - unpickling refusals, truncation, ...
        raise ValueError(
            f"Cannot load '{filepath}' as a PyTorch state_dict (it was read with "
            f"`torch.load(weights_only=True)`, which only accepts tensors and "
            f"plain containers): {type(e).__name__}: {e}"
        ) from None
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]  # a training checkpoint that nests the weights
    if not isinstance(obj, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()
    ):
        raise ValueError(
            f"'{filepath}' does not hold a state_dict (a dict of name -> tensor); "
            f"it holds a {type(obj).__name__}."
        )
    keys = list(obj)
    state = {_clean_torch_key(k, keys): v for k, v in obj.items()}
    metadata = {"keys": json.dumps(list(state))}  # torch keeps the dict's order
    load_state(model, state, metadata, skip_mismatch, f"'{filepath}'")


def _clean_torch_key(key: str, keys: list[str]) -> str:
    key = key.replace("_orig_mod.", "")
    if all(k.startswith("module.") for k in keys):  # saved from a DDP wrapper
        key = key[len("module.") :]
    return key


# --- matching and assigning ---------------------------------------------------------


def load_state(
    model: nn.Module,
    saved: dict[str, torch.Tensor],
    metadata: dict,
    skip_mismatch: bool,
    source: str,
) -> None:
    """Copy `saved` into the model's weights: by key, else by position (see module doc).

    Every shape is checked before anything is copied, so on error the model
    is left as it was.
    """
    targets, target_aliases = model_state(model, gather=False)
    saved = dict(saved)
    order = _json_list(metadata.get("keys"))
    for alias, first in _json_dict(metadata.get("aliases")).items():
        if alias in targets and alias not in saved and first in saved:
            saved[alias] = saved[first]  # tied in the file, separate in the model
    for alias in target_aliases:
        saved.pop(alias, None)  # tied in the model: loaded through the first key
    if order is not None:
        order = [k for k in order if k in saved]
    if not targets:
        if saved:
            raise _not_built_error(model, source)
        return
    pairs = _match(model, targets, saved, order, skip_mismatch, source)
    loads, mismatches = [], []
    for target_key, saved_key in pairs:
        target, value = targets[target_key], saved[saved_key]
        if tuple(target.shape) == tuple(value.shape):
            loads.append((target, value))
            continue
        stored = "" if saved_key == target_key else f" (stored as '{saved_key}')"
        mismatches.append(
            f"variable {_describe(target, target_key)}: the model has shape "
            f"{tuple(target.shape)}, the file has shape {tuple(value.shape)}{stored}"
        )
    if mismatches and not skip_mismatch:
        raise ValueError(
            f"Shape mismatch in {source} for " + "; ".join(mismatches)
            + ". Pass `skip_mismatch=True` to skip such variables."
        )
    if mismatches:
        warnings.warn(
            f"Skipping {len(mismatches)} variable(s) whose shape does not match in "
            f"{source}: " + "; ".join(mismatches) + ".",
            KerasTorchWarning,
            stacklevel=3,
        )
    with torch.no_grad():
        for target, value in loads:
            target.copy_(_like_target(value, target))


def _match(model, targets: dict, saved: dict, order, skip_mismatch: bool, source: str):
    """`[(model key, file key)]`: by key, else by position, else (skipping) the common keys."""
    if set(saved) == set(targets):
        return [(k, k) for k in targets]
    same_structure = order is not None and len(order) == len(targets)
    if same_structure and all(
        tuple(saved[s].shape) == tuple(t.shape) for s, t in zip(order, targets.values())
    ):
        return list(zip(targets, order))
    unbuilt = _unbuilt_layers(model)
    if unbuilt:
        raise _not_built_error(model, source, unbuilt)
    missing = [k for k in targets if k not in saved]
    unexpected = [k for k in saved if k not in targets]
    if skip_mismatch:
        warnings.warn(
            f"Skipping variables that do not match between model '{_name(model)}' "
            f"and {source}: not in the file: {missing}; not in the model: "
            f"{unexpected}.",
            KerasTorchWarning,
            stacklevel=4,
        )
        return [(k, k) for k in targets if k in saved]
    lines = [
        f"Cannot load the weights in {source} into model '{_name(model)}': the "
        "variable names differ and the structures do not match either.",
        f"  In the model, not in the file: {_head(missing)}",
        f"  In the file, not in the model: {_head(unexpected)}",
    ]
    if same_structure:
        for i, (s, (t_key, t)) in enumerate(zip(order, targets.items())):
            if tuple(saved[s].shape) != tuple(t.shape):
                lines.append(
                    f"  By position, variable #{i} is {_describe(t, t_key)} with "
                    f"shape {tuple(t.shape)} in the model, but '{s}' with shape "
                    f"{tuple(saved[s].shape)} in the file."
                )
                break
    else:
        lines.append(
            f"  The model has {len(targets)} tensors, the file has {len(saved)}."
        )
    lines.append("Pass `skip_mismatch=True` to load only the variables that match.")
    raise ValueError("\n".join(lines))


def _unbuilt_layers(model) -> list[str]:
    flatten = getattr(model, "_flatten_layers", None)
    if flatten is None:
        return []
    return [layer.name for layer in flatten() if not layer.built]


def _not_built_error(model, source: str, unbuilt=None) -> ValueError:
    detail = f" (layers {unbuilt} have not been built)" if unbuilt else ""
    return ValueError(
        f"Cannot load the weights in {source}: model '{_name(model)}' is not built "
        f"yet{detail}, so its variables do not exist. Build it first, by calling "
        "it on a batch of data or with `model.build(input_shape)`, then call "
        "`load_weights`."
    )


def _describe(tensor, key: str) -> str:
    """`'dense/kernel' (key 'dense.kernel')`: the Keras path and the state_dict key."""
    path = getattr(tensor, "path", None)
    return f"'{path}' (key '{key}')" if path and path != key else f"'{key}'"


def _name(model) -> str:
    return getattr(model, "name", type(model).__name__)


def _head(keys: list[str], n: int = 6) -> str:
    return str(keys[:n])[:-1] + (f", ... ({len(keys)} in all)]" if len(keys) > n else "]")


def _json_list(value) -> list | None:
    if not value:
        return None
    try:
        result = json.loads(value)
    except ValueError:
        return None
    return result if isinstance(result, list) else None


def _json_dict(value) -> dict:
    if not value:
        return {}
    try:
        result = json.loads(value)
    except ValueError:
        return {}
    return result if isinstance(result, dict) else {}
