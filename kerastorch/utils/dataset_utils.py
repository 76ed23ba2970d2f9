"""Indexing folders of files, train/validation splits, `split_dataset`.

The `*_dataset_from_directory` utilities return a `torch.utils.data.DataLoader`
(what `model.fit` takes directly) whose `.dataset` is a map-style torch
`Dataset`; both carry the Keras attributes `class_names` and `file_paths`.
"""

from __future__ import annotations

import numbers
import os

import numpy as np
import torch
from torch.utils.data import DataLoader
from torch.utils.data import Dataset


def check_directory(directory) -> str:
    """`directory` as a string path, or a ValueError if it is not an existing folder."""
    if not isinstance(directory, (str, os.PathLike)):
        raise ValueError(
            f"`directory` must be a path to a folder. Received: directory={directory!r}"
        )
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(
            "`directory` does not exist or is not a folder. "
            f"Received: directory={directory!r}"
        )
    return directory


def standardize_labels(labels):
    """`"inferred"`, `None`, or explicit labels as a list (arrays and tuples included)."""
    if isinstance(labels, (np.ndarray, torch.Tensor, tuple)):
        return np.asarray(labels).tolist()
    return labels


def check_common_args(labels, label_mode, class_names, batch_size) -> None:
    """The argument checks shared by the image and text utilities."""
    if not (labels is None or (isinstance(labels, str) and labels == "inferred")):
        if not isinstance(labels, (list, tuple, np.ndarray)):
            raise ValueError(
                "`labels` argument should be a list/tuple of integer labels, of "
                "the same size as the number of files in the target directory. "
                "If you wish to infer the labels from the subdirectory names in "
                "the target directory, pass `labels='inferred'`. If you wish to "
                "get a dataset that only contains the files (no labels), pass "
                f"`labels=None`. Received: labels={labels!r}"
            )
        if class_names:
            raise ValueError(
                "You can only pass `class_names` if `labels='inferred'`. "
                f"Received: labels={labels!r}, and class_names={class_names}"
            )
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(
            '`label_mode` argument must be one of "int", "categorical", "binary", '
            f"or None. Received: label_mode={label_mode!r}"
        )
    if batch_size is not None and (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, numbers.Integral)
        or batch_size <= 0
    ):
        raise ValueError(
            f"`batch_size` must be a positive integer or None. Received: batch_size={batch_size!r}"
        )


def check_validation_split_arg(validation_split, subset, shuffle, seed) -> None:
    """Keras's rules: both or neither of `validation_split`/`subset`; a seed when shuffling."""
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(
            "`validation_split` must be between 0 and 1. "
            f"Received: validation_split={validation_split}"
        )
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(
            "If `subset` is set, `validation_split` must be set, and inversely. "
            f"Received: validation_split={validation_split}, subset={subset!r}"
        )
    if subset not in ("training", "validation", "both", None):
        raise ValueError(
            '`subset` must be either "training", "validation" or "both". '
            f"Received: subset={subset!r}"
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide "
            "a `seed` argument, to make sure that there is no overlap between the "
            "training and validation subset."
        )


def _iter_valid_files(directory: str, follow_links: bool, formats: tuple[str, ...]):
    """`(root, filename)` of every file with an allowed extension, sorted by folder then name."""
    walk = os.walk(directory, followlinks=follow_links)
    for root, _, files in sorted(walk, key=lambda entry: entry[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield root, name


def index_directory(
    directory: str,
    labels,
    formats: tuple[str, ...],
    class_names=None,
    shuffle: bool = True,
    seed: int | None = None,
    follow_links: bool = False,
    verbose: bool = True,
):
    """List the files of `directory`, their labels and the class names, as Keras does.

    With `labels="inferred"` each subfolder (sorted, hidden ones skipped, or
    `class_names` in the order given) is a class and its files, recursively,
    are its samples; otherwise every file below `directory` is a sample, in
    sorted order. With `shuffle` the list is permuted by `seed`.

    Returns:
        `(file_paths, labels, class_names)`: `labels` an int array or `None`.
    """
    if labels == "inferred":
        subdirs = [
            name
            for name in sorted(os.listdir(directory))
            if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")
        ]
        if class_names is not None:
            if not isinstance(class_names, (list, tuple)) or not set(
                class_names
            ) <= set(subdirs):
                raise ValueError(
                    "The `class_names` passed did not match the names of the "
                    f"subdirectories of the target directory. Expected: {subdirs} "
                    f"(or a subset of it), but received: class_names={class_names}"
                )
            subdirs = list(class_names)
    else:
        if class_names is not None:
            if labels is None:
                raise ValueError(
                    "When `labels=None` (no labels), argument `class_names` "
                    "cannot be specified."
                )
            raise ValueError(
                "When argument `labels` is specified, argument `class_names` "
                "cannot be specified (the `class_names` will be the sorted list "
                "of labels)."
            )
        subdirs = [""]

    file_paths: list[str] = []
    label_list: list[int] = []
    for index, subdir in enumerate(subdirs):
        folder = os.path.join(directory, subdir) if subdir else directory
        for root, name in _iter_valid_files(folder, follow_links, formats):
            file_paths.append(os.path.join(root, name))
            label_list.append(index)

    if labels == "inferred":
        label_array = np.asarray(label_list, dtype="int32")
        class_names = list(subdirs)
    elif labels is None:
        label_array = None
        class_names = None
    else:
        if len(labels) != len(file_paths):
            raise ValueError(
                "Expected the lengths of `labels` to match the number of files in "
                f"the target directory. len(labels) is {len(labels)} while we "
                f"found {len(file_paths)} files in directory {directory}."
            )
        label_array = np.asarray(labels)
        if label_array.dtype.kind not in "iu":
            raise ValueError(
                f"`labels` must be integers. Received labels of dtype {label_array.dtype}."
            )
        label_array = label_array.astype("int32")
        class_names = [str(v) for v in sorted(set(label_array.tolist()))]

    if verbose:
        if label_array is None:
            print(f"Found {len(file_paths)} files.")
        else:
            print(
                f"Found {len(file_paths)} files belonging to {len(class_names)} classes."
            )
    if shuffle and file_paths:
        order = np.random.RandomState(seed).permutation(len(file_paths))
        file_paths = [file_paths[i] for i in order]
        if label_array is not None:
            label_array = label_array[order]
    return file_paths, label_array, class_names


def labeled_file_loaders(
    directory: str,
    labels,
    label_mode,
    class_names,
    formats: tuple[str, ...],
    kind: str,
    validation_split,
    subset,
    shuffle: bool,
    seed,
    follow_links: bool,
    verbose: bool,
    make_loader_for,
):
    """The shared body of `image/text_dataset_from_directory`.

    Indexes the files under `directory`, splits off `subset`, encodes the
    labels, and calls `make_loader_for(files, labels, class_names, shuffle,
    seed)` for each requested subset; `kind` ("images", "text files") names
    the files in errors. Returns one loader, or two for `subset="both"`.
    """
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = int(np.random.randint(1e6))
    paths, label_array, class_names = index_directory(
        directory,
        labels,
        formats=formats,
        class_names=class_names,
        shuffle=shuffle,
        seed=seed,
        follow_links=follow_links,
        verbose=verbose,
    )
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            'When passing `label_mode="binary"`, there must be exactly 2 '
            f"class_names. Received: class_names={class_names}"
        )

    def build(subset_name, shuffle_batches):
        files, subset_labels = get_training_or_validation_split(
            paths, label_array, validation_split, subset_name, verbose
        )
        if not files:
            what = f"{subset_name} {kind}" if subset_name else kind
            raise ValueError(
                f"No {what} found in directory {directory}. Allowed formats: {formats}"
            )
        encoded = None
        if subset_labels is not None:
            encoded = encode_labels(subset_labels, label_mode, len(class_names))
        return make_loader_for(files, encoded, class_names, shuffle_batches, seed)

    if subset == "both":
        return [build("training", shuffle), build("validation", False)]
    return build(subset, shuffle)


def get_training_or_validation_split(
    samples, labels, validation_split, subset, verbose=True
):
    """The `subset` ("training" or "validation") part: validation is the last
    `int(validation_split * len(samples))` samples."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    split_at = len(samples) - num_val
    if subset == "training":
        if verbose:
            print(f"Using {split_at} files for training.")
        return samples[:split_at], None if labels is None else labels[:split_at]
    if verbose:
        print(f"Using {num_val} files for validation.")
    return samples[split_at:], None if labels is None else labels[split_at:]


def encode_labels(
    labels: np.ndarray, label_mode: str, num_classes: int
) -> torch.Tensor:
    """Per-sample label tensor: int32 `(n,)`, float32 one-hot `(n, k)` or binary `(n, 1)`."""
    t = torch.from_numpy(np.asarray(labels, dtype="int64"))
    if label_mode == "int":
        return t.to(torch.int32)
    if label_mode == "binary":
        return t.to(torch.float32).unsqueeze(-1)  # (n, 1)
    if t.numel() and (t.min() < 0 or t.max() >= num_classes):
        raise ValueError(
            f"Labels must be in [0, {num_classes}) for label_mode='categorical'. "
            f"Received labels from {int(t.min())} to {int(t.max())}."
        )
    return torch.nn.functional.one_hot(t, num_classes).to(torch.float32)  # (n, k)


def make_loader(
    dataset: Dataset,
    batch_size: int | None,
    shuffle: bool,
    seed: int | None,
    collate_fn=None,
    attributes: dict | None = None,
) -> DataLoader:
    """A DataLoader over `dataset`, reshuffled each epoch from `seed` when `shuffle`."""
    generator = None
    if shuffle:
        generator = torch.Generator()
        generator.manual_seed(
            int(seed) if seed is not None else int(np.random.randint(1e6))
        )
    kwargs = {} if collate_fn is None else {"collate_fn": collate_fn}
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=bool(shuffle),
        generator=generator,
        **kwargs,
    )
    for name, value in (attributes or {}).items():
        setattr(dataset, name, value)
        setattr(loader, name, value)
    return loader


# --- split_dataset -----------------------------------------------------------------


class _ArrayDataset(Dataset):
    """Rows of one array, or of several arrays (a tuple/dict per row), as a torch Dataset."""

    def __init__(self, arrays):
        self.arrays = arrays
        leaves = (
            list(arrays.values())
            if isinstance(arrays, dict)
            else (list(arrays) if isinstance(arrays, tuple) else [arrays])
        )
        lengths = {len(leaf) for leaf in leaves}
        if len(lengths) != 1:
            raise ValueError(
                "All arrays passed to `split_dataset` must have the same length. "
                f"Received lengths: {sorted(lengths)}"
            )
        self._length = lengths.pop()

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        if isinstance(self.arrays, dict):
            return {k: v[index] for k, v in self.arrays.items()}
        if isinstance(self.arrays, tuple):
            return tuple(a[index] for a in self.arrays)
        return self.arrays[index]


def _as_array(x):
    if isinstance(x, torch.Tensor):
        return x
    arr = np.asarray(x)
    return torch.from_numpy(arr) if arr.dtype.kind in "biuf" else arr


def _as_dataset(dataset) -> Dataset:
    if isinstance(dataset, DataLoader):
        raise TypeError(
            "`split_dataset` takes a Dataset or arrays, not a DataLoader (split "
            "its `.dataset` and build a DataLoader per split)."
        )
    if isinstance(dataset, Dataset):
        if not hasattr(dataset, "__len__"):
            raise TypeError(
                "`split_dataset` needs a dataset with a length (a map-style torch "
                f"Dataset). Received: {type(dataset).__name__}"
            )
        return dataset
    if isinstance(dataset, dict):
        return _ArrayDataset({k: _as_array(v) for k, v in dataset.items()})
    if (
        isinstance(dataset, (list, tuple))
        and dataset
        and all(isinstance(v, (np.ndarray, torch.Tensor)) for v in dataset)
    ):
        return _ArrayDataset(tuple(_as_array(v) for v in dataset))
    if isinstance(dataset, (np.ndarray, torch.Tensor, list)):
        return _ArrayDataset(_as_array(dataset))
    raise TypeError(
        "The `dataset` argument must be a torch `Dataset`, a NumPy array, a "
        "tensor, or a list/tuple/dict of arrays. "
        f"Received: dataset={dataset!r} of type {type(dataset).__name__}"
    )


def _split_sizes(left_size, right_size, total: int) -> tuple[int, int]:
    """Resolve fractions/counts/None into two positive sizes summing to at most `total`."""
    for value, name in ((left_size, "left_size"), (right_size, "right_size")):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (numbers.Integral, float))
        ):
            raise TypeError(
                f"Invalid `{name}` type. Expected: int or float or None. "
                f"Received: type({name})={type(value).__name__}"
            )
        if value is None:
            continue
        if isinstance(value, numbers.Integral) and not 0 < value < total:
            raise ValueError(
                f"`{name}` should be either a positive integer smaller than {total}, "
                f"or a float within the range `[0, 1]`. Received: {name}={value}"
            )
        if isinstance(value, float) and not 0 < value < 1:
            raise ValueError(
                f"`{name}` should be either a positive integer smaller than {total}, "
                f"or a float within the range `[0, 1]`. Received: {name}={value}"
            )
    if (
        isinstance(left_size, float)
        and isinstance(right_size, float)
        and (left_size + right_size > 1)
    ):
        raise ValueError(
            "The sum of `left_size` and `right_size` is greater than 1. It must be "
            f"less than or equal to 1. Received: left_size={left_size}, right_size={right_size}"
        )
    left = round(left_size * total) if isinstance(left_size, float) else left_size
    right = round(right_size * total) if isinstance(right_size, float) else right_size
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(
            f"The sum of `left_size` and `right_size` should be at most the dataset "
            f"length {total}. Received: left_size + right_size = {left + right}"
        )
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(
                f"With `dataset` of length={total}, `left_size`={left_size} and "
                f"`right_size`={right_size}, the {side} side dataset split would be "
                "empty. Adjust any of the aforementioned parameters."
            )
    return int(left), int(right)


def split_dataset(
    dataset,
    left_size=None,
    right_size=None,
    shuffle: bool = False,
    seed: int | None = None,
):
    """Splits a dataset (or arrays) into a left and a right dataset.

    Args:
        dataset: a map-style torch `Dataset`, a NumPy array or tensor, or a
            list/tuple/dict of arrays of the same length (each sample then is a
            tuple/dict).
        left_size: a float in (0, 1) (a fraction of the samples, rounded) or a
            positive int (a count). Defaults to `None`: the complement of
            `right_size`.
        right_size: the same for the right split. Defaults to `None`: the
            complement of `left_size`.
        shuffle: whether to shuffle the samples before splitting. Defaults to
            `False`.
        seed: the shuffling seed. Defaults to `None` (random).

    Returns:
        `(left_dataset, right_dataset)`, two `torch.utils.data.Subset`s, which
        `model.fit` takes directly. The right split holds the last
        `right_size` samples.

    Example:

    >>> data = np.random.random(size=(1000, 4))
    >>> left, right = kerastorch.utils.split_dataset(data, left_size=0.8)
    >>> len(left), len(right)
    (800, 200)
    """
    if left_size is None and right_size is None:
        raise ValueError(
            "At least one of the `left_size` or `right_size` must be specified. "
            "Received: left_size=None and right_size=None"
        )
    data = _as_dataset(dataset)
    total = len(data)
    if total == 0:
        raise ValueError("`dataset` is empty: there is nothing to split.")
    left, right = _split_sizes(left_size, right_size, total)
    order = np.arange(total)
    if shuffle:
        seed = int(np.random.randint(1e6)) if seed is None else seed
        order = np.random.RandomState(seed).permutation(total)
    left_indices = order[:left].tolist()
    right_indices = order[total - right :].tolist()
    return (
        torch.utils.data.Subset(data, left_indices),
        torch.utils.data.Subset(data, right_indices),
    )
