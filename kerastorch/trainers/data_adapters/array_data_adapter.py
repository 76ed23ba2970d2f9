"""In-memory arrays and tensors: batches by index slicing, one permutation per epoch."""

from __future__ import annotations

import math

import torch

from kerastorch.trainers.data_adapters import data_adapter_utils as utils
from kerastorch.utils import tree


class ArrayDataAdapter:
    """Batches `(x, y, sample_weight)` held in memory (numpy, torch, pandas; nested).

    The whole epoch is one `torch.randperm` and `index_select`s — never a
    per-sample `__getitem__`.

    Args:
        x, y, sample_weight: arrays or nested structures of arrays.
        batch_size: Defaults to 32.
        shuffle: `True` (samples), `"batch"` (batch order only) or `False`.
        class_weight: `{class: weight}`, turned into per-sample weights.
    """

    def __init__(
        self,
        x,
        y=None,
        sample_weight=None,
        batch_size: int | None = None,
        shuffle=False,
        class_weight=None,
        steps=None,
    ):
        if batch_size is None:
            batch_size = 32
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(
                f"`batch_size` must be a positive integer. Received: batch_size={batch_size}"
            )
        x = utils.to_tensor_structure(x)
        y = utils.to_tensor_structure(y)
        sample_weight = utils.to_tensor_structure(sample_weight)
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError(
                    "You cannot `class_weight` and `sample_weight` at the same "
                    f"time. Received: class_weight={class_weight}"
                )
            if y is None or not isinstance(y, torch.Tensor):
                raise ValueError(
                    "`class_weight` is only supported for a single target array "
                    f"`y`. Received y of type {type(y).__name__}."
                )
            sample_weight = utils.class_weight_to_sample_weight(y, class_weight)
        self._num_samples = utils.check_data_cardinality((x, y, sample_weight))
        self._data = tuple(part for part in (x, y, sample_weight) if part is not None)
        if y is None and sample_weight is not None:
            self._data = (x, None, sample_weight)
        self.batch_size = batch_size
        self._shuffle = shuffle
        self._num_batches = math.ceil(self._num_samples / batch_size)
        if steps is not None:
            self._num_batches = min(self._num_batches, steps)

    @property
    def num_batches(self) -> int:
        return self._num_batches

    @property
    def num_samples(self) -> int:
        return self._num_samples

    @property
    def has_partial_batch(self) -> bool:
        return self._num_samples % self.batch_size != 0

    @property
    def partial_batch_size(self) -> int | None:
        return (self._num_samples % self.batch_size) or None

    def pin_memory(self) -> None:
        """Pin the host copies once, so per-batch device copies can be asynchronous."""
        self._data = tree.map_structure(
            lambda t: t.pin_memory() if isinstance(t, torch.Tensor) and t.device.type == "cpu" else t,
            self._data,
        )

    def get_epoch_iterator(self):
        n, b = self._num_samples, self.batch_size
        data = self._data
        leaves = tree.flatten(data)
        num_batches = math.ceil(n / b)
        flat = all(isinstance(part, torch.Tensor) for part in data)
        if self._shuffle is True or self._shuffle == "True":
            device = next((t.device for t in leaves if isinstance(t, torch.Tensor)), None)
            perm = torch.randperm(n, device=device)
            for i in range(num_batches):
                idx = perm[i * b : (i + 1) * b]
                if flat:  # the common (x, y) case skips the structure walk
                    yield tuple(t.index_select(0, idx) for t in data)
                else:
                    yield tree.pack_sequence_as(data, [_take(t, idx) for t in leaves])
        else:
            order = range(num_batches)
            if self._shuffle == "batch":
                order = torch.randperm(num_batches).tolist()
            for i in order:
                yield tree.pack_sequence_as(data, [t[i * b : (i + 1) * b] for t in leaves])

    def on_epoch_end(self) -> None:
        pass


def _take(t, idx: torch.Tensor):
    """Rows `idx` of a tensor, or of a numpy (string) array."""
    if isinstance(t, torch.Tensor):
        return t.index_select(0, idx)
    return t[idx.cpu().numpy()]
