"""Python generators and iterators yielding `x`, `(x, y)` or `(x, y, sample_weight)`."""

from __future__ import annotations

from kerastorch.trainers.data_adapters import data_adapter_utils as utils


def _convert_batch(batch):
    if isinstance(batch, list):
        batch = tuple(batch)
    if isinstance(batch, tuple):
        if not 1 <= len(batch) <= 3:
            raise ValueError(
                "A generator must yield `x`, `(x,)`, `(x, y)` or `(x, y, "
                f"sample_weight)`; it yielded a tuple of length {len(batch)}."
            )
        return tuple(utils.to_tensor_structure(part) for part in batch)
    return (utils.to_tensor_structure(batch),)


class GeneratorDataAdapter:
    """Adapter for a Python generator (consumed once, across epochs if needed)."""

    def __init__(self, generator):
        self._generator = iter(generator)
        try:
            first = next(self._generator)
        except StopIteration:
            raise ValueError("The generator yielded no data.") from None
        try:
            converted = _convert_batch(first)
        except TypeError as e:
            raise ValueError(
                f"The generator yielded a batch of an unexpected structure: {e}"
            ) from e
        self._peeked = [converted]
        self._structure_len = len(converted)
        self.batch_size = None

    @property
    def num_batches(self):
        return None

    has_partial_batch = False
    partial_batch_size = None

    def get_epoch_iterator(self):
        while self._peeked:
            yield self._peeked.pop(0)
        for batch in self._generator:
            batch = _convert_batch(batch)
            if len(batch) != self._structure_len:
                raise ValueError(
                    "The generator yielded batches of different structures: the "
                    f"first had {self._structure_len} element(s), a later one "
                    f"{len(batch)}."
                )
            yield batch

    def on_epoch_end(self) -> None:
        pass
