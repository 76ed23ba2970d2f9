"""torch `Dataset`s and `DataLoader`s."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader
from torch.utils.data import Dataset
from torch.utils.data import IterableDataset

from kerastorch.trainers.data_adapters import data_adapter_utils as utils


def _as_batch_tuple(batch):
    if isinstance(batch, (list, tuple)) and not hasattr(batch, "_fields"):
        if not 1 <= len(batch) <= 3:
            raise ValueError(
                "Each batch of a DataLoader must be `x`, `(x, y)` or `(x, y, "
                f"sample_weight)`; got a sequence of length {len(batch)}."
            )
        return tuple(utils.to_tensor_structure(part) for part in batch)
    return (utils.to_tensor_structure(batch),)


class TorchDataLoaderAdapter:
    """Iterates a `DataLoader` as is (its batch size, sampler and workers are the user's)."""

    def __init__(self, loader: DataLoader):
        self.loader = loader
        self.batch_size = loader.batch_size
        try:
            self._num_batches = len(loader)
        except TypeError:
            self._num_batches = None

    @property
    def num_batches(self):
        return self._num_batches

    has_partial_batch = False
    partial_batch_size = None

    def get_epoch_iterator(self):
        for batch in self.loader:
            yield _as_batch_tuple(batch)

    def on_epoch_end(self) -> None:
        pass


def dataset_to_loader(dataset: Dataset, batch_size: int | None, shuffle) -> DataLoader:
    """A `DataLoader` over a `Dataset` with fit's batch size and shuffling."""
    if batch_size is None:
        batch_size = 32
    if isinstance(dataset, IterableDataset):
        return DataLoader(dataset, batch_size=batch_size)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=bool(shuffle),
        pin_memory=False,
        generator=torch.Generator().manual_seed(int(torch.randint(0, 2**31 - 1, ()).item()))
        if shuffle
        else None,
    )
