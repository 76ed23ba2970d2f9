"""Pick the data adapter for whatever `fit`/`evaluate`/`predict` received."""

from __future__ import annotations

import types

import numpy as np
import torch

from kerastorch.trainers.data_adapters import data_adapter_utils
from kerastorch.trainers.data_adapters.array_data_adapter import ArrayDataAdapter
from kerastorch.trainers.data_adapters.generator_data_adapter import (
    GeneratorDataAdapter,
)
from kerastorch.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter
from kerastorch.trainers.data_adapters.torch_data_loader_adapter import (
    TorchDataLoaderAdapter,
)
from kerastorch.trainers.data_adapters.torch_data_loader_adapter import (
    dataset_to_loader,
)
from kerastorch.utils.py_dataset import PyDataset


def _is_generator(x) -> bool:
    return isinstance(x, (types.GeneratorType, map, filter, zip)) or (
        hasattr(x, "__next__") and hasattr(x, "__iter__")
    )


def get_data_adapter(
    x,
    y=None,
    sample_weight=None,
    batch_size=None,
    steps_per_epoch=None,
    shuffle=False,
    class_weight=None,
):
    """Return the adapter for `x` (and `y`, `sample_weight` for array data)."""
    if x is None:
        raise ValueError("Expected `x` data, received None.")
    if isinstance(x, (torch.utils.data.DataLoader, torch.utils.data.Dataset, PyDataset)) or _is_generator(x):
        if y is not None:
            raise ValueError(
                "When `x` is a dataset, DataLoader, generator or PyDataset, `y` "
                "must not be given (the data yields targets itself). "
                f"Received: y of type {type(y).__name__}"
            )
        if sample_weight is not None:
            raise ValueError(
                "`sample_weight` is not supported when `x` is a dataset, "
                "DataLoader, generator or PyDataset: yield `(x, y, sample_weight)`."
            )
        if class_weight is not None:
            raise ValueError(
                "`class_weight` is only supported for array inputs (numpy arrays "
                "or tensors) in kerastorch."
            )
        if isinstance(x, torch.utils.data.DataLoader):
            return TorchDataLoaderAdapter(x)
        if isinstance(x, torch.utils.data.Dataset):
            return TorchDataLoaderAdapter(dataset_to_loader(x, batch_size, shuffle))
        if isinstance(x, PyDataset):
            return PyDatasetAdapter(x, shuffle=shuffle)
        return GeneratorDataAdapter(x)
    if isinstance(x, (str, bytes)):
        raise TypeError(f"`x` must be array data, not a string. Received: x={x!r}")
    return ArrayDataAdapter(
        x,
        y,
        sample_weight=sample_weight,
        batch_size=batch_size,
        shuffle=shuffle,
        class_weight=class_weight,
    )


def is_array_data(x) -> bool:
    from kerastorch.utils import tree

    leaves = tree.flatten(x) if isinstance(x, (list, tuple, dict)) else [x]
    return bool(leaves) and all(
        isinstance(leaf, (np.ndarray, torch.Tensor, list, int, float))
        or data_adapter_utils.is_pandas(leaf)
        for leaf in leaves
    )


__all__ = ["ArrayDataAdapter", "get_data_adapter", "is_array_data"]
