"""`timeseries_dataset_from_array`: sliding windows over an array, as a DataLoader."""

from __future__ import annotations

import numbers

import numpy as np
import torch
from torch.utils.data import Dataset

from kerastorch.utils import dataset_utils


def _as_tensor(x) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x
    return torch.from_numpy(np.ascontiguousarray(np.asarray(x)))


class TimeseriesWindows(Dataset):
    """Window `i` is `data[start + p_i + k * sampling_rate]` for `k < sequence_length`
    (with `p_i` its start position), paired with `targets[start + p_i]`.

    A whole batch is gathered with one indexing operation (`__getitems__`).
    """

    def __init__(self, data, targets, positions, sequence_length, sampling_rate):
        self.data = data
        self.targets = targets
        self.positions = (
            positions  # (num_windows,) int64, already offset by start_index
        )
        self.offsets = (
            torch.arange(sequence_length) * sampling_rate
        )  # (sequence_length,)

    def __len__(self) -> int:
        return len(self.positions)

    def __getitems__(self, indices):
        starts = self.positions[torch.as_tensor(indices, dtype=torch.long)]  # (batch,)
        windows = self.data[
            starts[:, None] + self.offsets
        ]  # (batch, sequence_length, ...)
        if self.targets is None:
            return windows
        return windows, self.targets[starts]

    def __getitem__(self, index: int):
        start = self.positions[index]
        window = self.data[start + self.offsets]  # (sequence_length, ...)
        if self.targets is None:
            return window
        return window, self.targets[start]


def _already_batched(batch):
    return batch


def _check_positive(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )


def timeseries_dataset_from_array(
    data,
    targets,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed: int | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
):
    """Creates a dataset of sliding windows over a timeseries.

    Window `i` starts at `start_index + i * sequence_stride` and holds
    `sequence_length` steps taken every `sampling_rate` steps; only full
    windows ending before `end_index` are made. Its target is
    `targets[start_index + i * sequence_stride]`.

    Args:
        data: an array or tensor of consecutive timesteps, axis 0 is time.
        targets: the targets, `targets[i]` for the window starting at `i`,
            or `None` (windows only).
        sequence_length: the number of timesteps per window.
        sequence_stride: the step between the starts of consecutive windows.
            Defaults to 1.
        sampling_rate: the step between timesteps within a window.
            Defaults to 1.
        batch_size: windows per batch; `None` yields single windows.
            Defaults to 128.
        shuffle: whether to shuffle the windows (reshuffled each epoch, from
            `seed`). Defaults to `False`.
        seed: the shuffling seed. Defaults to `None` (random).
        start_index: the first timestep used. Defaults to `None` (0).
        end_index: timesteps from here on are not used. Defaults to `None`
            (the end of `data`).

    Returns:
        A `torch.utils.data.DataLoader` yielding `windows` of shape
        `(batch, sequence_length, ...)` (data's dtype), or
        `(windows, targets)`; `model.fit` takes it directly.

    Example: with `data = np.arange(100)`, `sequence_length=10`,
    `sampling_rate=2`, `sequence_stride=3`, the windows hold steps
    `[0 2 4 ... 18]`, `[3 5 7 ... 21]`, `[6 8 10 ... 24]`, ...

    >>> ds = kerastorch.utils.timeseries_dataset_from_array(
    ...     np.arange(100), None, sequence_length=10, sampling_rate=2,
    ...     sequence_stride=3, batch_size=4)
    >>> next(iter(ds))[1].tolist()
    [3, 5, 7, 9, 11, 13, 15, 17, 19, 21]
    """
    data = _as_tensor(data)
    length = len(data)
    _check_positive(sequence_length, "sequence_length")
    if start_index is not None:
        if start_index < 0:
            raise ValueError(
                f"`start_index` must be 0 or greater. Received: start_index={start_index}"
            )
        if start_index >= length:
            raise ValueError(
                "`start_index` must be lower than the length of the data. "
                f"Received: start_index={start_index}, for data of length {length}"
            )
    if end_index is not None:
        if start_index is not None and end_index <= start_index:
            raise ValueError(
                "`end_index` must be higher than `start_index`. "
                f"Received: start_index={start_index}, and end_index={end_index}"
            )
        if end_index > length:
            raise ValueError(
                "`end_index` must be at most the length of the data. "
                f"Received: end_index={end_index}, for data of length {length}"
            )
        if end_index <= 0:
            raise ValueError(
                f"`end_index` must be higher than 0. Received: end_index={end_index}"
            )
    _check_positive(sampling_rate, "sampling_rate")
    if sampling_rate >= length:
        raise ValueError(
            "`sampling_rate` must be lower than the length of the data. "
            f"Received: sampling_rate={sampling_rate}, for data of length {length}"
        )
    _check_positive(sequence_stride, "sequence_stride")
    if sequence_stride >= length:
        raise ValueError(
            "`sequence_stride` must be lower than the length of the data. "
            f"Received: sequence_stride={sequence_stride}, for data of length {length}"
        )
    if batch_size is not None:
        _check_positive(batch_size, "batch_size")

    start_index = 0 if start_index is None else int(start_index)
    end_index = length if end_index is None else int(end_index)
    num_windows = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = _as_tensor(targets)
        num_windows = min(num_windows, len(targets) - start_index)
    positions = torch.arange(0, max(num_windows, 0), sequence_stride) + start_index
    dataset = TimeseriesWindows(
        data, targets, positions, sequence_length, sampling_rate
    )
    if batch_size is None:
        return dataset_utils.make_loader(dataset, None, shuffle, seed)
    return dataset_utils.make_loader(
        dataset, batch_size, shuffle, seed, collate_fn=_already_batched
    )
