"""EpochIterator: yields `(step, batch)` with the batch already on the model's device."""

from __future__ import annotations

import warnings

import torch

from kerastorch.utils import tree
from kerastorch.utils.warnings import KerasTorchWarning


class EpochIterator:
    """Walks a data adapter epoch by epoch, moving batches to `device`.

    With `steps_per_epoch`, an epoch is that many batches and the underlying
    iterator carries over between epochs (so an infinite generator works), as
    in Keras. The device and the copy mode are decided once, here.
    """

    def __init__(self, adapter, steps_per_epoch: int | None = None, device=None):
        if steps_per_epoch is not None and (
            not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0
        ):
            raise ValueError(
                "`steps_per_epoch` must be a positive integer or None. "
                f"Received: steps_per_epoch={steps_per_epoch}"
            )
        self.adapter = adapter
        self.steps_per_epoch = steps_per_epoch
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self._needs_copy = self.device.type != "cpu"
        # On CUDA, batches are copied on a stream of their own, a batch ahead,
        # so that the copy of the next batch overlaps the current step.
        self._copy_stream = None
        if self._needs_copy and self.device.type == "cuda":
            if hasattr(adapter, "pin_memory"):
                adapter.pin_memory()
            self._copy_stream = torch.cuda.Stream(device=self.device)
        self._iterator = None
        self.exhausted = False
        self._epochs_done = 0
        self._drawn = -1  # the last step `_draw` reached (skipped ones count)

    @property
    def num_batches(self) -> int | None:
        if self.steps_per_epoch is not None:
            return self.steps_per_epoch
        return self.adapter.num_batches

    def _to_device(self, batch):
        device = self.device
        return tree.map_structure(
            lambda t: t.to(device, non_blocking=True) if isinstance(t, torch.Tensor) else t,
            batch,
        )

    def _copy_ahead(self, batch):
        """Start copying `batch` on the copy stream; `(batch on the device, its event)`."""
        stream = self._copy_stream
        with torch.cuda.stream(stream):
            moved = self._to_device(batch)
            done = stream.record_event()
        return moved, done

    def _ready(self, step, moved, done):
        """`(step, moved)`, once the current stream (the step's) waits for the copy and owns its memory.

        `record_stream` keeps the caching allocator from handing the copy's
        memory, allocated on the copy stream, to another tensor before the
        step's kernels have read it.
        """
        compute = torch.cuda.current_stream(self.device)
        compute.wait_event(done)
        for leaf in tree.flatten(moved):
            if isinstance(leaf, torch.Tensor) and leaf.device.type == "cuda":
                leaf.record_stream(compute)
        return step, moved

    def enumerate_epoch(self, skip: int = 0):
        """Yield `(step, batch)`, the batch on the model's device; see `_draw`.

        On CUDA the next batch's copy is started before a batch is handed
        out (one batch ahead, on the copy stream). The epoch's end (the
        adapter's `on_epoch_end`, the checks for no data) comes after the
        last batch has been handed out.
        """
        if self._copy_stream is None:
            for step, batch in self._draw(skip):
                yield step, (self._to_device(batch) if self._needs_copy else batch)
        else:
            ahead = None
            for step, batch in self._draw(skip):
                copied = (step, *self._copy_ahead(batch))
                if ahead is not None:
                    yield self._ready(*ahead)
                ahead = copied
            if ahead is not None:
                yield self._ready(*ahead)
        self._end_epoch()

    def _draw(self, skip: int = 0):
        """Yield `(step, batch)` as the source gives them; the first `skip` are drawn, not yielded.

        Skipping replays the epoch's shuffling, so a run resumed mid-epoch
        (BackupAndRestore) sees the batches it had not reached yet.
        """
        self.exhausted = False
        if self.steps_per_epoch is None or self._iterator is None:
            self._iterator = iter(self.adapter.get_epoch_iterator())
        limit = self.steps_per_epoch
        step = self._drawn = -1
        while skip and step + 1 < skip and (limit is None or step + 1 < limit):
            try:
                next(self._iterator)
            except StopIteration:
                break
            step = self._drawn = step + 1
        while limit is None or step + 1 < limit:
            try:
                batch = next(self._iterator)
            except StopIteration:
                if limit is not None and step + 1 < limit:
                    if step == -1 and self.adapter.num_batches is not None:
                        # A finite source: start its next pass.
                        self._iterator = iter(self.adapter.get_epoch_iterator())
                        continue
                    warnings.warn(
                        "Your input ran out of data; interrupting training. Make "
                        "sure that your dataset or generator can generate at "
                        "least `steps_per_epoch * epochs` batches.",
                        KerasTorchWarning,
                        stacklevel=2,
                    )
                    # Unknown-size sources are done for good; finite ones restart next epoch.
                    self.exhausted = self.adapter.num_batches is None
                self._iterator = None
                break
            step = self._drawn = step + 1
            yield step, batch

    def _end_epoch(self) -> None:
        """After the epoch's last batch: the checks for no data, then `on_epoch_end`."""
        if self._drawn == -1 and not self.exhausted:
            self.exhausted = True
            if self._epochs_done == 0:
                raise ValueError("The data produced no batch: `x` is empty.")
            warnings.warn(
                "Your input ran out of data; interrupting training. A Python "
                "generator can only be consumed once: for several epochs, make "
                "it infinite and pass `steps_per_epoch`, or use a PyDataset or "
                "DataLoader.",
                KerasTorchWarning,
                stacklevel=2,
            )
        self._epochs_done += 1
        self.adapter.on_epoch_end()
