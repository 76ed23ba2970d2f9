"""Activation: apply an activation function as a layer."""

from __future__ import annotations

from kerastorch import activations
from kerastorch.layers.layer import Layer


class Activation(Layer):
    """Applies an activation function to its input.

    Args:
        activation: an activation function, or the name of a built-in one
            (`"relu"`, `"softmax"`, ...). `None` means linear.

    Example:

    >>> layer = kerastorch.layers.Activation("relu")
    >>> layer(torch.tensor([-3.0, -1.0, 0.0, 2.0]))
    tensor([0., 0., 0., 2.])
    """

    def __init__(self, activation, **kwargs):
        activation = activations.get(activation)  # ValueError naming close matches
        super().__init__(**kwargs)
        self.activation = activation
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
