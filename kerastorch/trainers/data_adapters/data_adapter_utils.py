"""Conversions and checks shared by the data adapters."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

from kerastorch.utils import tree


def is_pandas(x) -> bool:
    module = type(x).__module__ or ""
    return module.startswith("pandas") and hasattr(x, "to_numpy")


def is_array_like(x) -> bool:
    return isinstance(x, (np.ndarray, torch.Tensor)) or is_pandas(x)


def is_string_array(x) -> bool:
    """A numpy array of str/bytes (or of objects that are all str/bytes)."""
    if not isinstance(x, np.ndarray):
        return False
    if x.dtype.kind in "US":
        return True
    return x.dtype == object and x.size > 0 and all(
        isinstance(v, (str, bytes)) for v in x.flat
    )


def to_tensor(x) -> torch.Tensor | np.ndarray:
    """An array-like leaf → a CPU (or already-placed) tensor; float64 → float32.

    String arrays stay numpy arrays (batched by index like tensors) for the
    preprocessing layers that turn them into numbers inside the model.
    """
    if isinstance(x, torch.Tensor):
        t = x
    else:
        if is_pandas(x):
            x = x.to_numpy()
        arr = np.asarray(x)
        if is_string_array(arr):
            return arr
        if arr.dtype == object:
            raise TypeError(
                "Input data of dtype 'object' cannot be converted to a tensor. "
                "Convert your data to a numeric array first."
            )
        if not arr.flags.c_contiguous or not arr.flags.writeable:
            arr = np.array(arr, order="C")  # torch needs its own writable buffer
        t = torch.from_numpy(arr)
    if t.dtype == torch.float64:
        from kerastorch.backend import floatx
        from kerastorch.backend import to_torch_dtype

        t = t.to(to_torch_dtype(floatx()))
    return t


def to_tensor_structure(data):
    """Convert every leaf of a (nested) structure; lists of numbers become arrays."""
    if data is None:
        return None
    if isinstance(data, Mapping):
        return {k: to_tensor_structure(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        if data and all(isinstance(v, (int, float, np.number, bool)) for v in data):
            return to_tensor(np.asarray(data))
        if data and all(isinstance(v, str) for v in data):
            return np.asarray(data)  # one feature of strings, not several inputs
        return type(data)(to_tensor_structure(v) for v in data) if not hasattr(
            data, "_fields"
        ) else type(data)(*(to_tensor_structure(v) for v in data))
    if is_pandas(data) or isinstance(data, (np.ndarray, torch.Tensor)):
        return to_tensor(data)
    if isinstance(data, (int, float, np.number)):
        return torch.as_tensor(data)
    raise TypeError(
        f"Unrecognized data type: x={data!r} (of type {type(data).__name__}). "
        "Expected a numpy array, torch tensor, pandas object, or a list/tuple/"
        "dict of those, a torch Dataset/DataLoader, a Python generator or a "
        "kerastorch.utils.PyDataset."
    )


def check_data_cardinality(data) -> int:
    """The shared number of samples of all leaves; ValueError naming sizes otherwise."""
    x, y, sw = data
    sizes = {}
    for label, part in (("x", x), ("y", y), ("sample_weight", sw)):
        if part is None:
            continue
        leaves = [t for t in tree.flatten(part) if t is not None]
        sizes[label] = [int(t.shape[0]) if t.ndim else 1 for t in leaves]
    all_sizes = {s for group in sizes.values() for s in group}
    if len(all_sizes) > 1:
        msg = "Data cardinality is ambiguous. Make sure all arrays contain the same number of samples."
        for label, group in sizes.items():
            msg += f"\n'{label}' sizes: {', '.join(str(s) for s in group)}"
        raise ValueError(msg)
    if not all_sizes:
        raise ValueError("No data was provided: `x` is empty.")
    n = all_sizes.pop()
    if n == 0:
        raise ValueError(
            "Expected input data to be non-empty. Received 0 samples "
            "(shape of x: "
            f"{[tuple(t.shape) for t in tree.flatten(x)]})."
        )
    return n


def class_weight_to_sample_weight(y: torch.Tensor, class_weight: Mapping) -> torch.Tensor:
    """Per-sample weights from `{class_index: weight}` and integer or one-hot labels."""
    if not isinstance(class_weight, Mapping):
        raise TypeError(
            f"`class_weight` must be a dict {{class: weight}}. Received: {class_weight!r}"
        )
    if y.dim() > 1 and y.shape[-1] > 1:
        labels = y.argmax(dim=-1)
    else:
        labels = y.reshape(y.shape[0]) if y.dim() > 1 else y
        if labels.is_floating_point():
            labels = labels.round()
        labels = labels.long()
    num_classes = max(int(labels.max()) + 1, max(int(k) for k in class_weight) + 1)
    table = torch.ones(num_classes, dtype=torch.float32)
    for k, v in class_weight.items():
        table[int(k)] = float(v)
    return table[labels]


def train_validation_split(arrays, validation_split: float):
    """Split `(x, y, sw)` taking the last `validation_split` fraction, before shuffling."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(
            "`validation_split` must be a float between 0 and 1. "
            f"Received: validation_split={validation_split}"
        )
    n = check_data_cardinality(arrays)
    split_at = int(n * (1.0 - validation_split))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to "
            f"split it into a validation and training set as specified by "
            f"`validation_split={validation_split}`. Either provide more data, "
            "or a different value for the `validation_split` argument."
        )

    def head(t):
        return None if t is None else t[:split_at]

    def tail(t):
        return None if t is None else t[split_at:]

    train = tuple(None if a is None else tree.map_structure(head, a) for a in arrays)
    val = tuple(None if a is None else tree.map_structure(tail, a) for a in arrays)
    return train, val
