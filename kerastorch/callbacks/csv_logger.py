"""CSVLogger: stream each epoch's logs to a CSV file."""

from __future__ import annotations

import csv
import os

import numpy as np

from kerastorch.callbacks.callback import Callback
from kerastorch.distribution.runtime import is_main_process


def _cell(value):
    """A log value as a CSV cell: scalars as they are, sequences as `"[a, b]"`."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, (np.ndarray, list, tuple)):
        return f'"[{", ".join(map(str, np.asarray(value).ravel().tolist()))}]"'
    return value


class CSVLogger(Callback):
    """Write each epoch's results to a CSV file, one row per epoch.

    The header is `epoch` followed by the log keys in sorted order, as seen
    at the first epoch; if those hold no `val_` keys, a `val_` column is
    added for each key (filled with `NA` when there is no validation), as
    Keras does so that a later validation run fits the same columns.

    Args:
        filename: path of the CSV file, e.g. `"run/log.csv"`.
        separator: the one-character string between cells. Defaults to `","`.
        append: if `True`, append to an existing file (writing the header only
            if the file is empty); if `False`, overwrite it. Defaults to
            `False`.

    Example:

    ```python
    csv_logger = keras.callbacks.CSVLogger("training.log")
    model.fit(x_train, y_train, callbacks=[csv_logger])
    ```
    """

    def __init__(
        self, filename: str | os.PathLike, separator: str = ",", append: bool = False
    ):
        if not isinstance(filename, (str, os.PathLike)):
            raise TypeError(
                "`filename` must be a path (a string or `os.PathLike`). "
                f"Received: filename={filename!r}"
            )
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(
                "`separator` must be a one-character string. "
                f"Received: separator={separator!r}"
            )
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = bool(append)
        self.keys: list[str] | None = None
        self.writer: csv.DictWriter | None = None
        self.csv_file = None
        self.append_header = True

    def on_train_begin(self, logs=None):
        self.append_header = True
        self._writing = is_main_process()  # one file per job, from rank 0
        if not self._writing:
            return
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as f:
                self.append_header = not f.readline()
        mode = "a" if self.append else "w"
        self._close()
        self.csv_file = open(self.filename, mode, newline="")
        self.keys = None
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        if not getattr(self, "_writing", True):
            return
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(
                self.csv_file,
                fieldnames=["epoch"] + self.keys,
                delimiter=self.sep,
                extrasaction="ignore",
            )
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, _cell(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self._close()
        self.writer = None

    def _close(self) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
