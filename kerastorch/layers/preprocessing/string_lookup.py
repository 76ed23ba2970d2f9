"""StringLookup: strings → integer indices through a vocabulary."""

from __future__ import annotations

import numpy as np
import torch

from kerastorch.layers.preprocessing import hashing_utils
from kerastorch.layers.preprocessing import preprocessing_utils as utils
from kerastorch.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Maps strings to integer indices through a vocabulary (given or learned by `adapt`).

    In `"int"` mode the indices are: the mask token (if set) at 0, then
    `num_oov_indices` OOV indices, then the vocabulary. With several OOV
    indices an unknown string goes to `hash(string) % num_oov_indices` (the
    stable BLAKE2b hash of `hashing_utils`, so the OOV slot differs from
    TensorFlow's). Inputs are numpy arrays of `str`/`bytes` or (nested) lists
    of `str`; outputs are int64 tensors, float encodings in the other modes,
    or numpy `str` arrays with `invert=True`.

    Args:
        max_tokens: the largest vocabulary size, special tokens included.
            Defaults to `None` (no limit).
        num_oov_indices: the number of OOV indices. With 0, unknown inputs
            raise a ValueError. Defaults to `1`.
        mask_token: the token meaning "masked": index 0 in `"int"` mode,
            dropped in the other modes. Defaults to `None` (no mask).
        oov_token: the term returned for OOV indices when `invert=True`.
            Defaults to `"[UNK]"`.
        vocabulary: a list/array of terms, or the path of a text file with one
            term per line. Defaults to `None` (call `adapt()`).
        idf_weights: IDF weights for `"tf_idf"` mode, one per vocabulary term.
            Defaults to `None`.
        invert: map indices back to terms. Defaults to `False`.
        output_mode: `"int"`, `"one_hot"`, `"multi_hot"`, `"count"` or `"tf_idf"`.
            Defaults to `"int"`.
        pad_to_max_tokens: in the encoding modes, make the last axis `max_tokens`
            wide. Defaults to `False`.
        sparse: must be `False`. Defaults to `False`.
        encoding: the text encoding of `bytes` inputs. Defaults to `"utf-8"`.

    Example:

    >>> layer = kerastorch.layers.StringLookup(vocabulary=["a", "b", "c", "d"])
    >>> layer([["a", "c", "d"], ["d", "z", "b"]])
    tensor([[1, 3, 4],
            [4, 0, 2]])
    """

    _layer_label = "StringLookup"
    _key_dtype_name = "string"

    def __init__(
        self,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        mask_token: str | None = None,
        oov_token: str = "[UNK]",
        vocabulary=None,
        idf_weights=None,
        invert: bool = False,
        output_mode: str = "int",
        pad_to_max_tokens: bool = False,
        sparse: bool = False,
        encoding: str = "utf-8",
        vocabulary_dtype: str = "string",
        **kwargs,
    ):
        for arg, value in (("mask_token", mask_token), ("oov_token", oov_token)):
            if value is not None and not isinstance(value, (str, bytes)):
                raise ValueError(
                    f"`{arg}` of StringLookup must be a string or None. "
                    f"Received: {arg}={value!r}"
                )
        if vocabulary_dtype not in ("string", "str"):
            raise ValueError(
                "StringLookup only supports `vocabulary_dtype='string'`. "
                f"Received: vocabulary_dtype={vocabulary_dtype!r}"
            )
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token.decode(encoding)
            if isinstance(mask_token, bytes)
            else mask_token,
            oov_token=oov_token.decode(encoding)
            if isinstance(oov_token, bytes)
            else oov_token,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens,
            encoding=encoding,
            **kwargs,
        )

    def _tokens_from_file(self, path: str) -> list:
        with open(path, encoding=self.encoding) as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        return lines

    def _standardize_tokens(self, tokens: list) -> list:
        out = []
        for t in tokens:
            if isinstance(t, bytes):
                t = t.decode(self.encoding)
            if not isinstance(t, str):
                raise ValueError(
                    "The vocabulary of StringLookup must hold strings. Found "
                    f"{t!r} (of type {type(t).__name__})."
                )
            out.append(t)
        return out

    def _as_key_array(self, inputs) -> np.ndarray:
        return utils.to_string_array(inputs, self.encoding, self.name)

    def _oov_buckets(self, keys: np.ndarray) -> np.ndarray:
        hashes = hashing_utils.hash_strings(keys)
        return hashing_utils.to_bins(hashes, self.num_oov_indices)

    def _inverse(self, ids: torch.Tensor, like) -> np.ndarray:
        vocabulary = self.get_vocabulary()
        # The last entry answers every index outside the vocabulary.
        table = np.asarray([*vocabulary, self.oov_token], dtype=str)
        ids = ids.cpu().numpy()
        valid = (ids >= 0) & (ids < len(vocabulary))
        return table[np.where(valid, ids, len(vocabulary))]

    def get_config(self) -> dict:
        config = super().get_config()
        config["encoding"] = self.encoding
        return config
