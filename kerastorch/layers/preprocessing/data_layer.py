"""DataLayer: the base of the non-image preprocessing layers."""

from __future__ import annotations

import numpy as np
import torch

from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.layers.layer import Layer
from kerastorch.layers.preprocessing import preprocessing_utils as utils


class DataLayer(Layer):
    """A layer that turns raw data (numbers, strings) into tensors inside a model.

    Python lists are converted before the call (lists of strings to numpy
    `str` arrays, lists of numbers to tensors). Outputs built from numpy or
    string data are placed on the layer's device: a zero-size non-persistent
    buffer follows `model.to(device)`, so a `TextVectorization` in front of a
    GPU model hands its ids to the GPU. Subclasses give their output spec
    through `compute_output_shape` and `_output_dtype`, so symbolic calls
    (`Input(shape=(1,), dtype="string")`) never run `call`.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.register_buffer("_device_anchor", torch.empty(0), persistent=False)

    def __call__(self, *args, **kwargs):
        if args and isinstance(args[0], (list, tuple)):
            args = (self._convert_list(args[0]), *args[1:])
        return super().__call__(*args, **kwargs)

    def _convert_list(self, inputs):
        if any(isinstance(x, KerasTensor) for x in inputs):
            return inputs
        if utils.is_string_data(inputs):
            return utils.to_string_array(inputs, layer_name=self.name)
        return torch.as_tensor(np.asarray(inputs))

    @property
    def _output_device(self) -> torch.device:
        return self._device_anchor.device

    def _place(self, array: np.ndarray, like=None) -> torch.Tensor:
        """A numpy result → a tensor on the input's device (tensor inputs) or the layer's."""
        device = like.device if isinstance(like, torch.Tensor) else self._output_device
        return torch.from_numpy(np.ascontiguousarray(array)).to(device)

    @property
    def _float_dtype(self) -> torch.dtype:
        dtype = to_torch_dtype(self.compute_dtype)
        return dtype if dtype.is_floating_point else torch.float32

    def _output_dtype(self) -> str:
        """The Keras dtype name of the outputs (symbolic calls)."""
        return str(self._float_dtype).replace("torch.", "")

    def compute_output_spec(self, inputs, *args, **kwargs) -> KerasTensor:
        shape = self.compute_output_shape(tuple(inputs.shape))
        return KerasTensor(shape, dtype=self._output_dtype())
