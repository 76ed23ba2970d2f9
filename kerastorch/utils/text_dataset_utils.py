"""`text_dataset_from_directory`: a DataLoader of texts (and labels) from folders."""

from __future__ import annotations

import numbers

import numpy as np
from torch.utils.data import Dataset
from torch.utils.data import default_collate

from kerastorch.utils import dataset_utils


class TextFileDataset(Dataset):
    """One text (a `str`, UTF-8 decoded) and its label per `.txt` file.

    Attributes:
        file_paths: the text files, in dataset order.
        class_names: the class names (label `i` is `class_names[i]`), or `None`.
    """

    def __init__(self, file_paths, labels, class_names, max_length):
        self.file_paths = file_paths
        self.labels = labels
        self.class_names = class_names
        self.max_length = max_length

    def __len__(self) -> int:
        return len(self.file_paths)

    def load(self, index: int) -> str:
        with open(self.file_paths[index], encoding="utf-8", errors="replace") as f:
            text = f.read()
        return text if self.max_length is None else text[: self.max_length]

    def __getitem__(self, index: int):
        text = self.load(index)
        if self.labels is None:
            return text
        return text, self.labels[index]


def collate_texts(samples):
    """Batch texts as a NumPy string array `(batch,)` (what string-taking layers
    accept), labels as a stacked tensor."""
    if isinstance(samples[0], str):
        return np.asarray(samples, dtype=str)
    texts, labels = zip(*samples)
    return np.asarray(texts, dtype=str), default_collate(list(labels))


def text_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode: str | None = "int",
    class_names: list[str] | None = None,
    batch_size: int | None = 32,
    max_length: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    follow_links: bool = False,
    verbose: bool = True,
):
    """Generates a dataset of texts (and labels) from the `.txt` files in a folder.

    With `labels="inferred"` the folder holds one subfolder per class of
    `.txt` files (as `image_dataset_from_directory`).

    Args:
        directory: the data folder.
        labels: `"inferred"`, `None` (no labels) or a list/tuple of integer
            labels, one per file in the sorted order of the file paths.
            Defaults to `"inferred"`.
        label_mode: `"int"`, `"categorical"`, `"binary"` or `None`. Defaults
            to `"int"`.
        class_names: with `labels="inferred"`, the subfolders to use, in
            label order. Defaults to `None` (all, sorted).
        batch_size: the batch size; `None` yields single samples. Defaults
            to 32.
        max_length: the maximum number of characters kept of each text.
            Defaults to `None` (all).
        shuffle: whether to shuffle the files (once, by `seed`) and the
            batches (each epoch). Defaults to `True`.
        seed: the shuffling seed. Defaults to `None` (random).
        validation_split: a float in (0, 1), the fraction held out for
            validation. Defaults to `None`.
        subset: `"training"`, `"validation"` or `"both"`, with
            `validation_split`. Defaults to `None`.
        follow_links: whether to follow symbolic links. Defaults to `False`.
        verbose: print the number of classes and files found. Defaults to
            `True`.

    Returns:
        A `torch.utils.data.DataLoader` yielding `texts` (a NumPy string
        array of shape `(batch,)`) or `(texts, labels)`. It and its
        `.dataset` (a `TextFileDataset`) have the attributes `class_names`
        and `file_paths`. With `subset="both"`, a list of two loaders.

    Example:

    >>> train_ds = kerastorch.utils.text_dataset_from_directory(
    ...     "reviews/train", batch_size=32, seed=1)
    >>> texts, labels = next(iter(train_ds))
    """
    directory = dataset_utils.check_directory(directory)
    labels = dataset_utils.standardize_labels(labels)
    dataset_utils.check_common_args(labels, label_mode, class_names, batch_size)
    if max_length is not None and (
        isinstance(max_length, bool)
        or not isinstance(max_length, numbers.Integral)
        or max_length <= 0
    ):
        raise ValueError(
            "`max_length` must be a positive integer or None. "
            f"Received: max_length={max_length!r}"
        )
    def make_loader_for(files, encoded, class_names, shuffle_batches, seed):
        dataset = TextFileDataset(files, encoded, class_names, max_length)
        return dataset_utils.make_loader(
            dataset,
            batch_size,
            shuffle_batches,
            seed,
            collate_fn=collate_texts if batch_size is not None else None,
            attributes={"class_names": class_names, "file_paths": files},
        )

    return dataset_utils.labeled_file_loaders(
        directory,
        labels,
        label_mode,
        class_names,
        (".txt",),
        "text files",
        validation_split,
        subset,
        shuffle,
        seed,
        follow_links,
        verbose,
        make_loader_for,
    )
