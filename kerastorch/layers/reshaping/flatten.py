"""Flatten: collapse every axis but the batch axis."""

from __future__ import annotations

import math

import torch

from kerastorch.backend import standardize_data_format
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer


class Flatten(Layer):
    """Flattens the input to `(batch, features)`; the batch size is unchanged.

    With `data_format="channels_first"` the channel axis is first moved last,
    so the flattened order (and so the next Dense layer's weights) is the same
    for both layouts, as in Keras. Inputs of shape `(batch,)` become
    `(batch, 1)`.

    Args:
        data_format: `"channels_last"` (`(batch, ..., channels)`) or
            `"channels_first"` (`(batch, channels, ...)`). Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> x = kerastorch.Input(shape=(10, 64))
    >>> kerastorch.layers.Flatten()(x).shape
    (None, 640)
    """

    def __init__(self, data_format: str | None = None, **kwargs):
        data_format = standardize_data_format(data_format)
        super().__init__(**kwargs)
        self.data_format = data_format
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def call(self, inputs):
        if inputs.dim() == 1:
            return inputs.unsqueeze(-1)  # (batch, 1)
        if self.data_format == "channels_first" and inputs.dim() > 2:
            inputs = inputs.movedim(1, -1)  # (batch, ..., channels)
        return torch.flatten(inputs, start_dim=1)  # (batch, prod(rest))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        rest = input_shape[1:]
        if not rest:
            flat = 1
        elif any(d is None for d in rest):
            flat = None
        else:
            flat = math.prod(rest)
        return (input_shape[0], flat)

    def get_config(self) -> dict:
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
