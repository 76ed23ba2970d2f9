"""`to_categorical` and `normalize`."""

from __future__ import annotations

import numbers

import numpy as np
import torch


def to_categorical(x, num_classes: int | None = None):
    """Converts a class vector (integers) to a one-hot class matrix.

    A trailing axis of size 1 is dropped first, so `(n, 1)` labels give
    `(n, num_classes)`.

    Args:
        x: array-like of class indices in `[0, num_classes)`.
        num_classes: the number of classes. Defaults to `None`:
            `max(x) + 1`.

    Returns:
        A float64 NumPy array for array-like input, a float32 tensor for a
        tensor input, of shape `x.shape + (num_classes,)`.

    Example:

    >>> kerastorch.utils.to_categorical([0, 2, 1], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    if num_classes is not None and (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, numbers.Integral)
        or num_classes <= 0
    ):
        raise ValueError(
            f"`num_classes` must be a positive integer or None. Received: num_classes={num_classes!r}"
        )
    is_tensor = isinstance(x, torch.Tensor)
    labels = x.detach().cpu().numpy() if is_tensor else np.asarray(x)
    if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise ValueError(
            "`x` must hold integer class indices. Received non-integer values."
        )
    labels = labels.astype("int64")
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.reshape(-1)
    if num_classes is None:
        num_classes = int(flat.max()) + 1 if flat.size else 0
    if flat.size and (flat.min() < 0 or flat.max() >= num_classes):
        raise ValueError(
            f"Class indices must be in [0, {num_classes}). Received values from "
            f"{int(flat.min())} to {int(flat.max())}."
        )
    if is_tensor:
        t = x.reshape(shape).long()
        return torch.nn.functional.one_hot(t, num_classes).to(torch.float32)
    categorical = np.zeros((flat.size, num_classes))
    categorical[np.arange(flat.size), flat] = 1
    return categorical.reshape(shape + (num_classes,))


def normalize(x, axis: int = -1, order: int = 2):
    """Normalizes an array to unit `order`-norm along `axis`.

    Args:
        x: a NumPy array or tensor.
        axis: the axis to normalize along. Defaults to -1.
        order: the norm order (e.g. 2 for the L2 norm). Defaults to 2.

    Returns:
        A NumPy array for NumPy input (zero-norm slices stay zero), a tensor
        for tensor input (`kerastorch.ops.normalize`).

    Example:

    >>> kerastorch.utils.normalize(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    """
    if isinstance(x, torch.Tensor):
        from kerastorch.ops.normalization import normalize as ops_normalize

        return ops_normalize(x, axis=axis, order=order)
    if isinstance(order, bool) or not isinstance(order, numbers.Integral) or order < 1:
        raise ValueError(f"`order` must be an int >= 1. Received: order={order!r}")
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis if axis is not None else -1)
