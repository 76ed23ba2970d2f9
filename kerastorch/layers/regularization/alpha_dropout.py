"""AlphaDropout: dropout that keeps SELU's self-normalizing mean and variance."""

from __future__ import annotations

import math

import torch.nn.functional as F

from kerastorch.layers.layer import Layer
from kerastorch.layers.regularization import _noise

# SELU's constants: dropped units are set to SELU's negative saturation value.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """Dropout for self-normalizing networks (SELU activations).

    Dropped units are set to `-alpha * scale` (SELU's saturation value) and the
    result is affinely rescaled so that inputs of zero mean and unit variance
    keep them. Identity outside training.

    Args:
        rate: float between 0 and 1, the drop probability.
        noise_shape: optional tuple, the shape of the binary keep/drop mask
            broadcast over the input (`None` entries take the input's size).
            Defaults to `None`.
        seed: optional integer seed. Defaults to `None` (torch's global RNG).

    Example:

    >>> layer = kerastorch.layers.AlphaDropout(0.1)
    >>> layer(torch.randn(4, 8), training=True).shape
    torch.Size([4, 8])
    """

    def __init__(
        self, rate: float, noise_shape=None, seed: int | None = None, **kwargs
    ):
        rate = _noise.check_rate(rate)
        if noise_shape is not None:
            if not isinstance(noise_shape, (list, tuple)) or not all(
                d is None or (isinstance(d, int) and d >= 1) for d in noise_shape
            ):
                raise ValueError(
                    "`noise_shape` must be a tuple of positive integers or None "
                    f"entries. Received: noise_shape={noise_shape!r}"
                )
            noise_shape = tuple(noise_shape)
        seed_generator = _noise.make_seed_generator(seed)
        super().__init__(**kwargs)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.seed_generator = seed_generator
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        generator = _noise.generator(self.seed_generator, inputs.device)
        if self.noise_shape is None and generator is None:
            return F.alpha_dropout(inputs, self.rate, training=True)
        if self.rate == 1.0:
            return inputs * 0.0  # as torch's alpha_dropout(p=1): all units dropped
        shape = _noise.concrete_noise_shape(inputs, self.noise_shape, self.name)
        kept = _noise.keep_mask(inputs, self.rate, shape, generator)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = 1.0 / math.sqrt((1.0 - self.rate) * (1.0 + self.rate * alpha_p**2))
        b = -a * alpha_p * self.rate
        x = inputs * kept + alpha_p * (1.0 - kept)
        return a * x + b

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}
        )
        return config
