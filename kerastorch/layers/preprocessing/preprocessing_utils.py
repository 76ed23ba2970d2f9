"""Helpers shared by the preprocessing layers: argument checks, string arrays,
categorical encoding and the batches `adapt()` walks over."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

import numpy as np
import torch

# Keras's deprecated spellings of output modes, accepted as Keras does.
_OUTPUT_MODE_ALIASES = {"binary": "multi_hot", "tf-idf": "tf_idf"}


def validate_output_mode(output_mode, allowed: tuple[str, ...], layer_name: str) -> str:
    """The canonical output mode, or ValueError listing the allowed ones and close matches."""
    if isinstance(output_mode, str):
        output_mode = _OUTPUT_MODE_ALIASES.get(output_mode, output_mode)
        if output_mode in allowed:
            return output_mode
        close = difflib.get_close_matches(output_mode, allowed)
    else:
        close = []
    hint = f" Did you mean: {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(
        f"Unknown `output_mode` for {layer_name}. Expected one of "
        f"{list(allowed)}. Received: output_mode={output_mode!r}.{hint}"
    )


def check_not_sparse(sparse, layer_name: str) -> None:
    if sparse:
        raise ValueError(
            f"{layer_name} in kerastorch returns dense tensors only; sparse "
            f"outputs are not supported. Received: sparse={sparse}"
        )


def check_positive_int(value, arg_name: str, layer_name: str, minimum: int = 1) -> None:
    if (
        not isinstance(value, (int, np.integer))
        or isinstance(value, bool)
        or value < minimum
    ):
        raise ValueError(
            f"`{arg_name}` for {layer_name} must be an integer >= {minimum}. "
            f"Received: {arg_name}={value!r}"
        )


def listify(x):
    """Arrays and tensors → (nested) Python lists of Python scalars, for JSON configs."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (list, tuple)):
        return [listify(v) for v in x]
    return x


# --- strings ------------------------------------------------------------------------


def is_string_data(x) -> bool:
    """True for numpy arrays of str/bytes (or objects holding them), str, and lists of str."""
    if isinstance(x, (str, bytes)):
        return True
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "US":
            return True
        if x.dtype.kind == "O":
            return x.size > 0 and isinstance(x.flat[0], (str, bytes))
        return False
    if isinstance(x, (list, tuple)):
        while isinstance(x, (list, tuple)) and x:
            x = x[0]
        return isinstance(x, (str, bytes))
    return False


def to_string_array(
    x, encoding: str = "utf-8", layer_name: str = "layer"
) -> np.ndarray:
    """Strings (numpy array, nested list, single str; bytes decoded) → a numpy `str` array."""
    if isinstance(x, torch.Tensor):
        raise TypeError(
            f"Layer '{layer_name}' expects string inputs (a numpy array of str or a "
            f"list of str). Received a tensor of dtype {x.dtype}."
        )
    arr = np.asarray(x)
    if arr.dtype.kind == "U":
        return arr
    if arr.size == 0:
        return arr.astype(str)
    if arr.dtype.kind == "S":
        return np.char.decode(arr, encoding)
    if arr.dtype.kind == "O":
        flat = [_as_str(v, encoding, layer_name) for v in arr.ravel()]
        return (
            np.asarray(flat, dtype=str).reshape(arr.shape) if flat else arr.astype(str)
        )
    raise TypeError(
        f"Layer '{layer_name}' expects string inputs (a numpy array of str or a "
        f"list of str). Received an array of dtype {arr.dtype}."
    )


def _as_str(v, encoding: str, layer_name: str) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return v.decode(encoding)
    raise TypeError(
        f"Layer '{layer_name}' expects string inputs, but found {v!r} "
        f"(of type {type(v).__name__})."
    )


def to_int_tensor(x, layer_name: str) -> torch.Tensor:
    """Integer-like inputs (tensor, array, list) → an int64 tensor; floats are truncated."""
    if not isinstance(x, torch.Tensor):
        arr = np.asarray(x)
        if arr.dtype.kind in "USO":
            raise TypeError(
                f"Layer '{layer_name}' expects integer inputs. Received an array "
                f"of dtype {arr.dtype}."
            )
        x = torch.from_numpy(np.ascontiguousarray(arr))
    if x.dtype == torch.bool or x.is_complex():
        raise TypeError(
            f"Layer '{layer_name}' expects integer inputs. Received dtype {x.dtype}."
        )
    return x.to(torch.int64)


# --- encoding -----------------------------------------------------------------------


def encoded_shape(input_shape: tuple, output_mode: str, depth) -> tuple:
    """Output shape of `encode_categorical` for an input of `input_shape`."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return (*input_shape[:-1], depth)
        return (*input_shape, depth)
    return (*input_shape[:-1], depth)


def encode_categorical(
    ids: torch.Tensor,
    output_mode: str,
    depth: int,
    count_weights: torch.Tensor | None = None,
    idf_weights: torch.Tensor | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Encode integer ids in `[0, depth)` (negative ids are dropped) as Keras does.

    `"one_hot"` encodes each element (a trailing axis of size 1 is replaced);
    `"multi_hot"`, `"count"` and `"tf_idf"` treat the last axis as the sample:
    `(..., n)` → `(..., depth)`. A scalar is one sample.
    """
    if ids.dim() == 0:
        ids = ids.reshape(1)
    keep = ids >= 0
    safe = ids.clamp(min=0)
    if output_mode == "one_hot":
        if ids.dim() > 1 and ids.shape[-1] == 1:
            safe, keep = safe.squeeze(-1), keep.squeeze(-1)
        out = torch.nn.functional.one_hot(safe, depth).to(dtype)  # (..., depth)
        return out * keep.unsqueeze(-1).to(dtype)
    values = keep.to(dtype)
    if count_weights is not None:
        values = values * count_weights.to(device=ids.device, dtype=dtype)
    out = torch.zeros((*ids.shape[:-1], depth), dtype=dtype, device=ids.device)
    out.scatter_add_(-1, safe, values)  # (..., depth)
    if output_mode == "multi_hot":
        return (out > 0).to(dtype)
    if output_mode == "tf_idf":
        return out * idf_weights.to(device=ids.device, dtype=dtype)
    return out


def check_id_range(ids: torch.Tensor, depth: int, layer_name: str, arg: str) -> None:
    """ValueError when an id falls outside `[0, depth)` (one host sync; preprocessing only)."""
    if ids.numel() == 0:
        return
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= depth:
        raise ValueError(
            f"Layer '{layer_name}' expects input values in the range "
            f"0 <= value < {arg}={depth}. Received values between {low} and {high}."
        )


# --- adapt data ---------------------------------------------------------------------


def adapt_batches(
    data, batch_size: int | None = None, steps: int | None = None
) -> Iterator:
    """Yield the batches `adapt()` consumes, in order.

    numpy arrays, tensors and lists are one batch each (arrays and tensors are
    cut into `batch_size` rows when it is given). A torch `Dataset` is batched
    with a `DataLoader` (`batch_size`, default 32); a `DataLoader`, a
    `PyDataset` or any other iterable is walked as it is, for at most `steps`
    batches. Batches must hold features only, as with Keras's `adapt()`.
    """
    if steps is not None:
        check_positive_int(steps, "steps", "adapt()")
    if batch_size is not None:
        check_positive_int(batch_size, "batch_size", "adapt()")
    if isinstance(data, (np.ndarray, torch.Tensor)):
        if batch_size is None or data.ndim == 0:
            yield data
            return
        for i, start in enumerate(range(0, data.shape[0], batch_size)):
            if steps is not None and i >= steps:
                return
            yield data[start : start + batch_size]
        return
    if isinstance(data, (list, tuple, str, bytes)):
        yield data
        return
    if isinstance(data, torch.utils.data.Dataset):  # map-style or iterable: batch it
        data = torch.utils.data.DataLoader(data, batch_size=batch_size or 32)
    if not hasattr(data, "__iter__"):
        raise TypeError(
            "adapt() expects a numpy array, a tensor, a list, a torch Dataset or "
            f"DataLoader, or an iterable of batches. Received: {type(data).__name__}"
        )
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            return
        if isinstance(batch, (tuple, list)) and any(
            isinstance(b, (np.ndarray, torch.Tensor)) for b in batch
        ):
            if len(batch) == 1:  # e.g. a TensorDataset of features alone
                yield batch[0]
                continue
            raise ValueError(
                "adapt() expects batches of features only, but a batch is a "
                f"{type(batch).__name__} of {len(batch)} arrays (such as `(x, y)`). "
                "Give adapt() a dataset that yields the features alone."
            )
        yield batch


def empty_data_error(layer_name: str) -> ValueError:
    return ValueError(
        f"Layer '{layer_name}' cannot adapt() on empty data: it received no "
        "samples. Pass a non-empty array, list or dataset."
    )
