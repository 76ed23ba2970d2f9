"""`kerastorch.utils.PyDataset`: batches by index, optionally loaded by workers."""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import random

from kerastorch.trainers.data_adapters.generator_data_adapter import _convert_batch


def _get_batch(dataset, index):
    return dataset[index]


class PyDatasetAdapter:
    """Iterates a PyDataset; `workers > 1` prefetches up to `max_queue_size` batches."""

    def __init__(self, dataset, shuffle=False):
        self.dataset = dataset
        self._shuffle = bool(shuffle)
        self.batch_size = None
        num = dataset.num_batches
        if num is not None and num <= 0:
            raise ValueError(f"The PyDataset {type(dataset).__name__} has no batches (len 0).")
        self._num_batches = num

    @property
    def num_batches(self):
        return self._num_batches

    has_partial_batch = False
    partial_batch_size = None

    def _indices(self):
        if self._num_batches is None:
            return itertools.count()
        indices = list(range(self._num_batches))
        if self._shuffle:
            random.shuffle(indices)
        return iter(indices)

    def get_epoch_iterator(self):
        self.dataset.on_epoch_begin()
        workers = self.dataset.workers
        if workers <= 1:
            for i in self._indices():
                try:
                    batch = self.dataset[i]
                except IndexError:
                    if self._num_batches is None:
                        return
                    raise
                yield _convert_batch(batch)
            return
        executor_cls = (
            concurrent.futures.ProcessPoolExecutor
            if self.dataset.use_multiprocessing
            else concurrent.futures.ThreadPoolExecutor
        )
        with executor_cls(max_workers=workers) as executor:
            pending = collections.deque()
            indices = self._indices()
            for i in itertools.islice(indices, self.dataset.max_queue_size):
                pending.append(executor.submit(_get_batch, self.dataset, i))
            while pending:
                future = pending.popleft()
                next_index = next(indices, None)
                if next_index is not None:
                    pending.append(executor.submit(_get_batch, self.dataset, next_index))
                yield _convert_batch(future.result())

    def on_epoch_end(self) -> None:
        self.dataset.on_epoch_end()
