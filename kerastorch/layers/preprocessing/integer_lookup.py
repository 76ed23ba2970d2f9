"""IntegerLookup: integer values → contiguous indices through a vocabulary."""

from __future__ import annotations

import numpy as np
import torch

from kerastorch.layers.preprocessing import preprocessing_utils as utils
from kerastorch.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Maps integer values to contiguous indices through a vocabulary.

    In `"int"` mode the indices are: the mask token (if set) at 0, then
    `num_oov_indices` OOV indices, then the vocabulary. With several OOV
    indices an unknown value `v` goes to OOV slot `v % num_oov_indices`
    (Keras's default `"floormod"`). Outputs are int64 tensors (values with
    `invert=True`) or float encodings in the other modes.

    Args:
        max_tokens: the largest vocabulary size, special tokens included.
            Defaults to `None` (no limit).
        num_oov_indices: the number of OOV indices. With 0, unknown inputs
            raise a ValueError. Defaults to `1`.
        mask_token: the value meaning "masked": index 0 in `"int"` mode,
            dropped in the other modes. Defaults to `None` (no mask).
        oov_token: the value returned for OOV indices when `invert=True`.
            Defaults to `-1`.
        vocabulary: a list/array of integers, or the path of a text file with
            one integer per line. Defaults to `None` (call `adapt()`).
        vocabulary_dtype: `"int64"` (or `"int32"`). Defaults to `"int64"`.
        idf_weights: IDF weights for `"tf_idf"` mode. Defaults to `None`.
        invert: map indices back to values. Defaults to `False`.
        output_mode: `"int"`, `"one_hot"`, `"multi_hot"`, `"count"` or `"tf_idf"`.
            Defaults to `"int"`.
        pad_to_max_tokens: in the encoding modes, make the last axis `max_tokens`
            wide. Defaults to `False`.
        sparse: must be `False`. Defaults to `False`.

    Example:

    >>> layer = kerastorch.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])
    >>> layer(np.array([[12, 1138, 42], [42, 1000, 36]]))
    tensor([[1, 3, 4],
            [4, 0, 2]])
    """

    _layer_label = "IntegerLookup"
    _key_dtype_name = "int64"

    def __init__(
        self,
        max_tokens: int | None = None,
        num_oov_indices: int = 1,
        mask_token: int | None = None,
        oov_token: int = -1,
        vocabulary=None,
        vocabulary_dtype: str = "int64",
        idf_weights=None,
        invert: bool = False,
        output_mode: str = "int",
        sparse: bool = False,
        pad_to_max_tokens: bool = False,
        **kwargs,
    ):
        if vocabulary_dtype not in ("int64", "int32"):
            raise ValueError(
                "IntegerLookup only supports an integer `vocabulary_dtype` ('int64' "
                f"or 'int32'). Received: vocabulary_dtype={vocabulary_dtype!r}"
            )
        for arg, value in (("mask_token", mask_token), ("oov_token", oov_token)):
            if value is not None and (
                not isinstance(value, (int, np.integer)) or isinstance(value, bool)
            ):
                raise ValueError(
                    f"`{arg}` of IntegerLookup must be an integer or None. "
                    f"Received: {arg}={value!r}"
                )
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=None if mask_token is None else int(mask_token),
            oov_token=None if oov_token is None else int(oov_token),
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens,
            **kwargs,
        )
        self.vocabulary_dtype = vocabulary_dtype

    def _tokens_from_file(self, path: str) -> list:
        with open(path, encoding=self.encoding) as f:
            lines = [line.strip() for line in f.read().splitlines()]
        while lines and lines[-1] == "":
            lines.pop()
        try:
            return [int(line) for line in lines]
        except ValueError as e:
            raise ValueError(
                f"The vocabulary file {path} of IntegerLookup must hold one integer "
                f"per line. {e}"
            ) from None

    def _standardize_tokens(self, tokens: list) -> list:
        out = []
        for t in tokens:
            if not isinstance(t, (int, np.integer)) or isinstance(t, bool):
                raise ValueError(
                    "The vocabulary of IntegerLookup must hold integers. Found "
                    f"{t!r} (of type {type(t).__name__})."
                )
            out.append(int(t))
        return out

    def _as_key_array(self, inputs) -> np.ndarray:
        return utils.to_int_tensor(inputs, self.name).cpu().numpy()

    def _oov_buckets(self, keys: np.ndarray) -> np.ndarray:
        return np.mod(keys, self.num_oov_indices)

    def _inverse(self, ids: torch.Tensor, like) -> torch.Tensor:
        vocabulary = self.get_vocabulary()
        table = torch.tensor(
            [*vocabulary, self.oov_token], dtype=torch.int64, device=ids.device
        )
        valid = (ids >= 0) & (ids < len(vocabulary))
        return table[torch.where(valid, ids, len(vocabulary))]

    def get_config(self) -> dict:
        config = super().get_config()
        config["vocabulary_dtype"] = self.vocabulary_dtype
        return config
