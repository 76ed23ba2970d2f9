"""Each rank's share of the data: `batch_size` stays global.

A global batch of B samples is split across the W ranks: rank r takes
samples r, r + W, r + 2W, ... of it. Every rank sees the same sequence of
global batches (the epoch's permutation is rank 0's, broadcast), so the
union of the ranks' batches is exactly what one process would train on.

- In-memory arrays: each rank gathers only its own rows of each batch.
- A torch `Dataset` or a `DataLoader` over a map-style dataset: rebuilt with
  a `DistributedSampler` (`set_epoch` every epoch) and batch size B / W.
  The sampler pads the epoch with repeated samples so every rank gets as
  many (torch's behaviour).
- Anything else (generators, `PyDataset`, iterable datasets, loaders with a
  custom batch sampler): every rank reads every batch and keeps its rows.
  Such sources must yield the same batches on every rank (same seed).

A global batch with fewer samples than ranks (a tiny last batch) is skipped
on every rank, so no rank waits for a gradient the others never send.
"""

from __future__ import annotations

import numpy as np
import torch

from kerastorch.distribution import runtime
from kerastorch.utils import tree


def shard_adapter(adapter, rank: int, world: int):
    """The adapter that yields this rank's part of each global batch."""
    from kerastorch.trainers.data_adapters import ArrayDataAdapter
    from kerastorch.trainers.data_adapters.torch_data_loader_adapter import (
        TorchDataLoaderAdapter,
    )

    if isinstance(adapter, ArrayDataAdapter):
        return ShardedArrayAdapter(adapter, rank, world)
    if isinstance(adapter, TorchDataLoaderAdapter) and _samplable(adapter.loader):
        return DistributedLoaderAdapter(adapter.loader, rank, world)
    return BatchSlicingAdapter(adapter, rank, world)


def _samplable(loader) -> bool:
    from torch.utils.data import IterableDataset

    return loader.batch_size is not None and not isinstance(loader.dataset, IterableDataset)


def _rows(t, idx):
    if isinstance(t, torch.Tensor):
        return t.index_select(0, idx.to(t.device))
    if isinstance(t, np.ndarray):
        return t[idx.cpu().numpy()]
    return t


class ShardedArrayAdapter:
    """In-memory arrays: rank 0's permutation, each rank selecting its own rows."""

    def __init__(self, adapter, rank: int, world: int):
        self.adapter = adapter
        self.rank, self.world = rank, world
        self.batch_size = adapter.batch_size
        n, b = adapter.num_samples, adapter.batch_size
        full, last = divmod(n, b)
        self._num_batches = full + (1 if last >= world else 0)
        if adapter.num_batches < self._num_batches:  # `steps` cut it shorter
            self._num_batches = adapter.num_batches

    @property
    def num_batches(self) -> int:
        return self._num_batches

    has_partial_batch = False
    partial_batch_size = None

    def pin_memory(self) -> None:
        self.adapter.pin_memory()

    def get_epoch_iterator(self):
        a = self.adapter
        n, b = a.num_samples, a.batch_size
        data = a._data
        leaves = tree.flatten(data)
        shuffle = a._shuffle
        if shuffle is True or shuffle == "True":
            order = runtime.broadcast_tensor(torch.randperm(n))
        elif shuffle == "batch":
            batches = runtime.broadcast_tensor(torch.randperm(-(-n // b)))
            order = torch.cat([torch.arange(i * b, min((i + 1) * b, n)) for i in batches.tolist()])
        else:
            order = torch.arange(n)
        for i in range(self._num_batches):
            local = order[i * b : (i + 1) * b][self.rank :: self.world]
            yield tree.pack_sequence_as(data, [_rows(t, local) for t in leaves])

    def on_epoch_end(self) -> None:
        self.adapter.on_epoch_end()


class DistributedLoaderAdapter:
    """A map-style `DataLoader` rebuilt around a `DistributedSampler` (B / W per rank)."""

    def __init__(self, loader, rank: int, world: int):
        from torch.utils.data import DataLoader
        from torch.utils.data import RandomSampler
        from torch.utils.data.distributed import DistributedSampler

        from kerastorch.trainers.data_adapters.torch_data_loader_adapter import (
            TorchDataLoaderAdapter,
        )

        if loader.batch_size % world:
            raise ValueError(
                f"The DataLoader's batch_size ({loader.batch_size}) is the global "
                f"batch size and must be divisible by the number of processes ({world})."
            )
        seed = int(runtime.broadcast_tensor(torch.randint(0, 2**31 - 1, ())))
        self.sampler = DistributedSampler(
            loader.dataset,
            num_replicas=world,
            rank=rank,
            shuffle=isinstance(loader.sampler, RandomSampler),
            seed=seed,
            drop_last=False,
        )
        extra = {"prefetch_factor": loader.prefetch_factor} if loader.num_workers > 0 else {}
        self._loader = DataLoader(
            loader.dataset,
            batch_size=loader.batch_size // world,
            sampler=self.sampler,
            num_workers=loader.num_workers,
            collate_fn=loader.collate_fn,
            pin_memory=loader.pin_memory,
            drop_last=loader.drop_last,
            timeout=loader.timeout,
            worker_init_fn=loader.worker_init_fn,
            multiprocessing_context=loader.multiprocessing_context,
            persistent_workers=loader.persistent_workers,
            **extra,
        )
        self._inner = TorchDataLoaderAdapter(self._loader)
        self.batch_size = loader.batch_size
        self._epoch = 0

    @property
    def num_batches(self):
        return self._inner.num_batches

    has_partial_batch = False
    partial_batch_size = None

    def get_epoch_iterator(self):
        self.sampler.set_epoch(self._epoch)
        self._epoch += 1
        yield from self._inner.get_epoch_iterator()

    def on_epoch_end(self) -> None:
        pass


class BatchSlicingAdapter:
    """Any other source: every rank reads each global batch and keeps rows rank::W."""

    def __init__(self, adapter, rank: int, world: int):
        self.adapter = adapter
        self.rank, self.world = rank, world
        self.batch_size = getattr(adapter, "batch_size", None)

    @property
    def num_batches(self):
        return self.adapter.num_batches

    has_partial_batch = False
    partial_batch_size = None

    def get_epoch_iterator(self):
        for batch in self.adapter.get_epoch_iterator():
            n = _leading_size(batch)
            if n is not None and n < self.world:
                continue
            yield tree.map_structure(self._slice, batch)

    def _slice(self, t):
        if isinstance(t, (torch.Tensor, np.ndarray)) and t.ndim:
            return t[self.rank :: self.world]
        return t

    def on_epoch_end(self) -> None:
        self.adapter.on_epoch_end()


def _leading_size(batch) -> int | None:
    for leaf in tree.flatten(batch):
        if isinstance(leaf, (torch.Tensor, np.ndarray)) and leaf.ndim:
            return int(leaf.shape[0])
    return None
