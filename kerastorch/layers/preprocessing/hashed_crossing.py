"""HashedCrossing: the hashed cross of two or more scalar features."""

from __future__ import annotations

import numpy as np
import torch

from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.layers.preprocessing import hashing_utils
from kerastorch.layers.preprocessing import preprocessing_utils as utils
from kerastorch.layers.preprocessing.data_layer import DataLayer

_OUTPUT_MODES = ("int", "one_hot")
_SEPARATOR = "_X_"


class HashedCrossing(DataLayer):
    """Crosses scalar features and hashes each combination into `num_bins` bins.

    Each sample's values are written as strings (integers in decimal),
    joined with `"_X_"`, and hashed with the stable 64-bit BLAKE2b of
    `hashing_utils` (so bins differ from TensorFlow's): bin = `hash % num_bins`.

    Args:
        num_bins: the number of hash bins.
        output_mode: `"int"` (bin ids, int64) or `"one_hot"` (float vectors of
            size `num_bins`). Defaults to `"int"`.
        sparse: must be `False`. Defaults to `False`.

    Example:

    >>> layer = kerastorch.layers.HashedCrossing(num_bins=5)
    >>> feat1 = np.array(["A", "B", "A", "B", "A"])
    >>> feat2 = np.array([101, 101, 101, 102, 102])
    >>> layer((feat1, feat2)).shape
    torch.Size([5])
    """

    def __init__(
        self, num_bins: int, output_mode: str = "int", sparse: bool = False, **kwargs
    ):
        utils.check_positive_int(num_bins, "num_bins", "HashedCrossing")
        output_mode = utils.validate_output_mode(
            output_mode, _OUTPUT_MODES, "HashedCrossing"
        )
        utils.check_not_sparse(sparse, "HashedCrossing")
        super().__init__(**kwargs)
        self.num_bins = int(num_bins)
        self.output_mode = output_mode
        self.sparse = False

    def _convert_list(self, inputs):
        # A tuple/list here is the features to cross, not one feature as a list.
        return inputs

    def call(self, inputs):
        features = self._check_inputs(inputs)
        crossed = features[0]
        for feature in features[1:]:
            crossed = np.char.add(np.char.add(crossed, _SEPARATOR), feature)
        bins = hashing_utils.to_bins(hashing_utils.hash_strings(crossed), self.num_bins)
        like = next((x for x in inputs if isinstance(x, torch.Tensor)), None)
        bins = self._place(bins, like=like)
        if self.output_mode == "int":
            return bins
        return utils.encode_categorical(
            bins, "one_hot", self.num_bins, dtype=self._float_dtype
        )

    def _check_inputs(self, inputs) -> list[np.ndarray]:
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(
                f"Layer '{self.name}' should be called on a list or tuple of at least "
                f"2 features. Received: inputs={inputs!r}"
            )
        features = []
        for x in inputs:
            if utils.is_string_data(x):
                arr = utils.to_string_array(x, layer_name=self.name)
            else:
                arr = (
                    x.detach().cpu().numpy()
                    if isinstance(x, torch.Tensor)
                    else np.asarray(x)
                )
                if arr.dtype.kind not in "iu":
                    raise TypeError(
                        f"Layer '{self.name}' crosses string or integer features. "
                        f"Received a feature of dtype {arr.dtype}."
                    )
                arr = arr.astype(str)
            features.append(arr)
        shape = features[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(
                f"All inputs of layer '{self.name}' should have shape (), "
                f"(batch_size,) or (batch_size, 1). Received: shape={shape}"
            )
        if any(f.shape != shape for f in features):
            raise ValueError(
                f"All inputs of layer '{self.name}' should have the same shape. "
                f"Received shapes: {[f.shape for f in features]}"
            )
        return features

    def compute_output_spec(self, inputs, *args, **kwargs) -> KerasTensor:
        shape = self.compute_output_shape(tuple(inputs[0].shape))
        dtype = "int64" if self.output_mode == "int" else self._output_dtype()
        return KerasTensor(shape, dtype=dtype)

    def compute_output_shape(self, input_shape):
        if input_shape and isinstance(input_shape[0], (list, tuple)):
            input_shape = input_shape[0]  # one shape per feature
        return utils.encoded_shape(tuple(input_shape), self.output_mode, self.num_bins)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "num_bins": self.num_bins,
                "output_mode": self.output_mode,
                "sparse": False,
            }
        )
        return config
