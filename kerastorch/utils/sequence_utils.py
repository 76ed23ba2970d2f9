"""`pad_sequences`: pad (and truncate) sequences to a common length."""

from __future__ import annotations

import numbers

import numpy as np


def pad_sequences(
    sequences,
    maxlen: int | None = None,
    dtype="int32",
    padding: str = "pre",
    truncating: str = "pre",
    value=0.0,
) -> np.ndarray:
    """Pads sequences to the same length.

    Sequences longer than `maxlen` are cut (at the start with
    `truncating="pre"`, at the end with `"post"`); shorter ones are filled
    with `value` (before with `padding="pre"`, after with `"post"`).

    Args:
        sequences: a list of sequences (lists or arrays; items may be arrays
            of one shared shape).
        maxlen: the output length. Defaults to `None`: the longest sequence.
        dtype: the output dtype; `object` for variable-length strings.
            Defaults to `"int32"`.
        padding: `"pre"` or `"post"`. Defaults to `"pre"`.
        truncating: `"pre"` or `"post"`. Defaults to `"pre"`.
        value: the padding value. Defaults to `0.0`.

    Returns:
        A NumPy array of shape `(len(sequences), maxlen, *item_shape)`.

    Example:

    >>> kerastorch.utils.pad_sequences([[1], [2, 3], [4, 5, 6]])
    array([[0, 0, 1],
           [0, 2, 3],
           [4, 5, 6]], dtype=int32)
    """
    if padding not in ("pre", "post"):
        raise ValueError(
            f'`padding` must be "pre" or "post". Received: padding={padding!r}'
        )
    if truncating not in ("pre", "post"):
        raise ValueError(
            f'`truncating` must be "pre" or "post". Received: truncating={truncating!r}'
        )
    if maxlen is not None and (
        isinstance(maxlen, bool)
        or not isinstance(maxlen, numbers.Integral)
        or maxlen < 0
    ):
        raise ValueError(
            f"`maxlen` must be a non-negative integer or None. Received: maxlen={maxlen!r}"
        )
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"`sequences` must be iterable. Received: {sequences!r}")
    lengths = []
    sample_shape: tuple = ()
    found_shape = False
    for seq in sequences:
        try:
            lengths.append(len(seq))
        except TypeError as e:
            raise ValueError(
                f"`sequences` must be a list of iterables. Found non-iterable: {seq!r}"
            ) from e
        if not found_shape and len(seq):
            sample_shape = np.asarray(seq).shape[1:]
            found_shape = True
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    is_str_dtype = np.issubdtype(np.dtype(dtype), np.str_)
    if isinstance(value, str) and dtype is not object and not is_str_dtype:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            "You should set `dtype=object` for variable length strings."
        )
    out = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    if maxlen == 0:
        return out
    for i, seq in enumerate(sequences):
        if not len(seq):
            continue
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {kept.shape[1:]} of sequence at position {i} is "
                f"different from expected shape {sample_shape}"
            )
        if padding == "post":
            out[i, : len(kept)] = kept
        else:
            out[i, -len(kept) :] = kept
    return out
