"""Hashing: strings or integers → a stable bin in `[0, num_bins)`."""

from __future__ import annotations

import numpy as np
import torch

from kerastorch.layers.preprocessing import hashing_utils
from kerastorch.layers.preprocessing import preprocessing_utils as utils
from kerastorch.layers.preprocessing.data_layer import DataLayer

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


class Hashing(DataLayer):
    """Hashes string or integer features into `num_bins` bins.

    The hash is stable across runs and machines but differs from Keras/TF's
    FarmHash, so the bins differ from TensorFlow's: strings use 64-bit
    BLAKE2b of their UTF-8 bytes (keyed by `salt`), integers 64-bit FNV-1a
    of their int64 bytes (see `hashing_utils`); the bin is `hash % num_bins`.
    With `mask_value`, that value goes to bin 0 and everything else to
    `1 + hash % (num_bins - 1)`.

    Args:
        num_bins: the number of bins, including the mask bin if `mask_value` is set.
        mask_value: a value (str or int) that maps to bin 0. Defaults to `None`.
        salt: an integer or a pair of integers keying the hash. Defaults to `None`.
        output_mode: `"int"` (bin ids, int64), `"one_hot"`, `"multi_hot"` or
            `"count"` (float encodings over `num_bins`). Defaults to `"int"`.
        sparse: must be `False`. Defaults to `False`.

    Example:

    >>> layer = kerastorch.layers.Hashing(num_bins=3, mask_value="")
    >>> layer([["A"], ["B"], [""]]).shape
    torch.Size([3, 1])
    """

    def __init__(
        self,
        num_bins: int,
        mask_value=None,
        salt=None,
        output_mode: str = "int",
        sparse: bool = False,
        **kwargs,
    ):
        if (
            num_bins is None
            or not isinstance(num_bins, (int, np.integer))
            or num_bins <= 0
        ):
            raise ValueError(
                "The `num_bins` for `Hashing` cannot be `None` or a non-positive "
                f"value. Received: num_bins={num_bins!r}"
            )
        if mask_value is not None and num_bins < 2:
            raise ValueError(
                "With `mask_value` set, `num_bins` must be at least 2 (bin 0 holds "
                f"the mask). Received: num_bins={num_bins}"
            )
        if mask_value is not None and not isinstance(
            mask_value, (str, bytes, int, np.integer)
        ):
            raise ValueError(
                "`mask_value` must be a string or an integer. "
                f"Received: mask_value={mask_value!r}"
            )
        output_mode = utils.validate_output_mode(output_mode, _OUTPUT_MODES, "Hashing")
        utils.check_not_sparse(sparse, "Hashing")
        key = hashing_utils.salt_key(salt)
        super().__init__(**kwargs)
        self.num_bins = int(num_bins)
        self.mask_value = (
            mask_value.decode() if isinstance(mask_value, bytes) else mask_value
        )
        if salt is not None:
            salt = (
                [int(s) for s in salt]
                if isinstance(salt, (list, tuple))
                else [int(salt)] * 2
            )
        self.salt = salt
        self._key = key
        self.output_mode = output_mode
        self.sparse = False

    def call(self, inputs):
        bins = self._place(self._hash(inputs), like=inputs)
        if self.output_mode == "int":
            return bins
        return utils.encode_categorical(
            bins, self.output_mode, self.num_bins, dtype=self._float_dtype
        )

    def _hash(self, inputs) -> np.ndarray:
        hashes = hashing_utils.hash_values(inputs, self._key, self.name)
        if self.mask_value is None:
            return hashing_utils.to_bins(hashes, self.num_bins)
        bins = hashing_utils.to_bins(hashes, self.num_bins - 1) + 1
        if utils.is_string_data(inputs):
            if isinstance(self.mask_value, str):
                values = utils.to_string_array(inputs, layer_name=self.name)
                bins[values == self.mask_value] = 0
        elif not isinstance(self.mask_value, str):
            values = (
                inputs.cpu().numpy()
                if isinstance(inputs, torch.Tensor)
                else np.asarray(inputs)
            )
            bins[values == self.mask_value] = 0
        return bins

    def compute_output_shape(self, input_shape):
        return utils.encoded_shape(input_shape, self.output_mode, self.num_bins)

    def _output_dtype(self) -> str:
        return "int64" if self.output_mode == "int" else super()._output_dtype()

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "num_bins": self.num_bins,
                "mask_value": utils.listify(self.mask_value),
                "salt": self.salt,
                "output_mode": self.output_mode,
                "sparse": False,
            }
        )
        return config
