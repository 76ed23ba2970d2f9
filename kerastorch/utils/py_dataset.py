"""PyDataset: Keras's batch-indexed dataset (the successor of `Sequence`)."""

from __future__ import annotations


class PyDataset:
    """A dataset that returns whole batches: `dataset[i]` is batch `i`.

    Subclass it and implement `__getitem__(index)` (returning `x`, `(x, y)` or
    `(x, y, sample_weight)`) and `__len__` (the number of batches).

    Args:
        workers: number of threads (or processes) loading batches in parallel.
            Defaults to 1.
        use_multiprocessing: use processes instead of threads. The dataset must
            then be picklable. Defaults to `False`.
        max_queue_size: batches prepared ahead. Defaults to 10.

    Example:

    ```python
    class Batches(kerastorch.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, idx):
            s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
            return self.x[s], self.y[s]
    ```
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10):
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"`workers` must be a positive integer. Received: workers={workers}")
        if not isinstance(max_queue_size, int) or max_queue_size < 1:
            raise ValueError(
                f"`max_queue_size` must be a positive integer. Received: max_queue_size={max_queue_size}"
            )
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    @property
    def workers(self) -> int:
        return getattr(self, "_workers", 1)

    @property
    def use_multiprocessing(self) -> bool:
        return getattr(self, "_use_multiprocessing", False)

    @property
    def max_queue_size(self) -> int:
        return getattr(self, "_max_queue_size", 10)

    def __getitem__(self, index):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__getitem__(index)`."
        )

    @property
    def num_batches(self) -> int | None:
        """The number of batches: `len(self)`, or `None` for an infinite dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        return None

    def on_epoch_begin(self) -> None:
        """Called at the start of every epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch (e.g. to reshuffle)."""
