"""dtype names <-> torch dtypes, the Keras way (strings such as "float32")."""

from __future__ import annotations

import numpy as np
import torch

from kerastorch.backend import config

_STR_TO_TORCH = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "uint8": torch.uint8,
    "uint16": torch.uint16,
    "uint32": torch.uint32,
    "uint64": torch.uint64,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "bool": torch.bool,
    "complex64": torch.complex64,
    "complex128": torch.complex128,
}
_TORCH_TO_STR = {v: k for k, v in _STR_TO_TORCH.items()}
_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "int": "int64"}
_STRING_NAMES = ("string", "str")


def standardize_dtype(dtype) -> str:
    """Return the Keras string name of `dtype` (str, torch.dtype, numpy dtype, type).

    `None` means `floatx()`.
    """
    if dtype is None:
        return config.floatx()
    if dtype is str or (isinstance(dtype, str) and dtype in _STRING_NAMES):
        return "string"  # string inputs (preprocessing layers); no torch dtype
    if isinstance(dtype, torch.dtype):
        if dtype in _TORCH_TO_STR:
            return _TORCH_TO_STR[dtype]
        raise ValueError(f"Unsupported dtype: {dtype}")
    if hasattr(dtype, "name") and isinstance(dtype.name, str):
        # numpy dtypes and DTypePolicy-like objects
        name = dtype.name
        if name in _STR_TO_TORCH:
            return name
    if dtype is float:
        return "float32"
    if dtype is int:
        return "int64"
    if dtype is bool:
        return "bool"
    if isinstance(dtype, str):
        name = _ALIASES.get(dtype, dtype)
        if name in _STR_TO_TORCH:
            return name
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name in _STR_TO_TORCH:
        return name
    raise ValueError(
        f"Invalid dtype: {dtype!r}. Expected one of {sorted(_STR_TO_TORCH)}."
    )


def to_torch_dtype(dtype) -> torch.dtype:
    """Return the torch dtype for any dtype spelling accepted by `standardize_dtype`."""
    if isinstance(dtype, torch.dtype):
        return dtype
    name = standardize_dtype(dtype)
    if name == "string":
        raise ValueError(
            "The 'string' dtype has no torch equivalent: string data stays in "
            "numpy arrays until a preprocessing layer (StringLookup, "
            "TextVectorization, Hashing, ...) turns it into numbers."
        )
    return _STR_TO_TORCH[name]


def is_float_dtype(dtype) -> bool:
    return to_torch_dtype(dtype).is_floating_point
