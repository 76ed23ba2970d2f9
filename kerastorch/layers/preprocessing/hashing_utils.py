"""The stable 64-bit hashes behind `Hashing`, `HashedCrossing` and multi-OOV lookups.

Keras hashes with TensorFlow's FarmHash `Fingerprint64` (SipHash when salted).
Without TensorFlow we use functions that are just as stable across runs,
processes and machines (unlike Python's `hash`), but give *different bins
than Keras/TF*:

- strings: BLAKE2b with an 8-byte digest of the UTF-8 bytes, read as a
  little-endian unsigned 64-bit integer; a salt becomes the BLAKE2b key
  (16 bytes: the two salt integers as little-endian uint64).
- integers: 64-bit FNV-1a over the 8 little-endian bytes of the int64 value
  (with a salt, over the 16 key bytes first), computed vectorised in numpy.

The bin of a value is `hash % num_bins`.
"""

from __future__ import annotations

import hashlib
import struct

import numpy as np
import torch

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK64 = (1 << 64) - 1


def salt_key(salt) -> bytes | None:
    """`None`, an int, or a pair of ints → the 16-byte key (or None)."""
    if salt is None:
        return None
    if isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
        pair = (int(salt), int(salt))
    elif (
        isinstance(salt, (list, tuple))
        and len(salt) == 2
        and all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in salt
        )
    ):
        pair = (int(salt[0]), int(salt[1]))
    else:
        raise ValueError(
            "The `salt` argument can only be a single integer or a tuple of 2 "
            f"integers. Received: salt={salt!r}"
        )
    return struct.pack("<QQ", pair[0] & _MASK64, pair[1] & _MASK64)


def _blake64(data: bytes, key: bytes | None) -> int:
    digest = hashlib.blake2b(data, digest_size=8, key=key or b"").digest()
    return int.from_bytes(digest, "little")


def hash_strings(values: np.ndarray, key: bytes | None = None) -> np.ndarray:
    """uint64 hashes of a numpy `str` array (each distinct string hashed once)."""
    flat = values.reshape(-1)
    if flat.size == 0:
        return np.zeros(values.shape, dtype=np.uint64)
    uniq, inverse = np.unique(flat, return_inverse=True)
    hashed = np.fromiter(
        (_blake64(s.encode("utf-8"), key) for s in uniq.tolist()),
        dtype=np.uint64,
        count=len(uniq),
    )
    return hashed[inverse.reshape(-1)].reshape(values.shape)


def hash_ints(values, key: bytes | None = None) -> np.ndarray:
    """uint64 FNV-1a hashes of the int64 little-endian bytes of each value."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    x = np.ascontiguousarray(values, dtype=np.int64).view(np.uint64)
    start = _FNV_OFFSET
    for byte in key or b"":
        start = ((start ^ byte) * _FNV_PRIME) & _MASK64
    h = np.full(x.shape, start, dtype=np.uint64)
    prime = np.uint64(_FNV_PRIME)
    low_byte = np.uint64(0xFF)
    for i in range(8):
        h ^= (x >> np.uint64(8 * i)) & low_byte
        h *= prime  # uint64 arithmetic wraps modulo 2**64, as FNV needs
    return h


def hash_values(values, key: bytes | None, layer_name: str) -> np.ndarray:
    """uint64 hashes of string or integer data (any shape); floats raise."""
    from kerastorch.layers.preprocessing import preprocessing_utils as utils

    if utils.is_string_data(values):
        return hash_strings(utils.to_string_array(values, layer_name=layer_name), key)
    if isinstance(values, torch.Tensor):
        if (
            values.is_floating_point()
            or values.is_complex()
            or values.dtype == torch.bool
        ):
            raise TypeError(
                f"Layer '{layer_name}' hashes string or integer inputs only. "
                f"Received a tensor of dtype {values.dtype}."
            )
        return hash_ints(values, key)
    arr = np.asarray(values)
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"Layer '{layer_name}' hashes string or integer inputs only. "
            f"Received data of dtype {arr.dtype}."
        )
    return hash_ints(arr, key)


def to_bins(hashes: np.ndarray, num_bins: int) -> np.ndarray:
    """`hash % num_bins` as int64."""
    return (hashes % np.uint64(num_bins)).astype(np.int64)
