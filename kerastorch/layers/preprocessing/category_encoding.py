"""CategoryEncoding: integer ids → one-hot, multi-hot or count vectors."""

from __future__ import annotations

import numpy as np
import torch

from kerastorch.layers.preprocessing import preprocessing_utils as utils
from kerastorch.layers.preprocessing.data_layer import DataLayer

_OUTPUT_MODES = ("one_hot", "multi_hot", "count")


class CategoryEncoding(DataLayer):
    """Encodes integer features in `[0, num_tokens)` as dense float vectors.

    Args:
        num_tokens: the number of distinct ids; inputs must satisfy
            `0 <= value < num_tokens` (a ValueError otherwise).
        output_mode: `"one_hot"` (each element becomes a vector; a trailing
            axis of size 1 is replaced, otherwise one is appended),
            `"multi_hot"` (the last axis is the sample: `(..., n)` →
            `(..., num_tokens)` with 1 for each id present) or `"count"` (as
            multi-hot, with the number of occurrences, optionally weighted by
            `count_weights` in `call`). Defaults to `"multi_hot"`.
        sparse: must be `False` (dense outputs only). Defaults to `False`.

    Example:

    >>> layer = kerastorch.layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")
    >>> layer([3, 2, 0, 1])
    tensor([[0., 0., 0., 1.],
            [0., 0., 1., 0.],
            [1., 0., 0., 0.],
            [0., 1., 0., 0.]])
    """

    def __init__(
        self,
        num_tokens: int | None = None,
        output_mode: str = "multi_hot",
        sparse: bool = False,
        **kwargs,
    ):
        if num_tokens is None:
            raise ValueError(
                "`num_tokens` must be set to use CategoryEncoding. If the number "
                "of tokens is not known beforehand, use the IntegerLookup layer "
                "instead. Received: num_tokens=None"
            )
        utils.check_positive_int(num_tokens, "num_tokens", "CategoryEncoding")
        output_mode = utils.validate_output_mode(
            output_mode, _OUTPUT_MODES, "CategoryEncoding"
        )
        utils.check_not_sparse(sparse, "CategoryEncoding")
        super().__init__(**kwargs)
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = False

    def call(self, inputs, count_weights=None):
        ids = utils.to_int_tensor(inputs, self.name)
        utils.check_id_range(ids, self.num_tokens, self.name, "num_tokens")
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    "`count_weights` is only used when `output_mode` is 'count'. "
                    f"Received: output_mode={self.output_mode!r}"
                )
            if not isinstance(count_weights, torch.Tensor):
                count_weights = torch.as_tensor(np.asarray(count_weights))
            if tuple(count_weights.shape) != tuple(ids.shape):
                raise ValueError(
                    "`count_weights` must have the same shape as the inputs. Received: "
                    f"count_weights.shape={tuple(count_weights.shape)}, "
                    f"inputs.shape={tuple(ids.shape)}"
                )
            # Keep the weights' precision (float64 weights give float64 counts, as in Keras).
            dtype = (
                count_weights.dtype
                if count_weights.is_floating_point()
                else self._float_dtype
            )
            return utils.encode_categorical(
                ids, "count", self.num_tokens, count_weights=count_weights, dtype=dtype
            )
        return utils.encode_categorical(
            ids, self.output_mode, self.num_tokens, dtype=self._float_dtype
        )

    def compute_output_shape(self, input_shape):
        return utils.encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "num_tokens": self.num_tokens,
                "output_mode": self.output_mode,
                "sparse": False,
            }
        )
        return config
