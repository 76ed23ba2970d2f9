"""Dropout: zero a random fraction of the inputs during training."""

from __future__ import annotations

import torch.nn.functional as F

from kerastorch.layers.layer import Layer
from kerastorch.layers.regularization import _noise


class Dropout(Layer):
    """Applies dropout: during training, zeroes each input unit with probability `rate`.

    Kept units are scaled by `1 / (1 - rate)` so the expected sum is unchanged.
    Outside training (`training` falsy, as in `predict` and `evaluate`) the
    layer returns its input unchanged.

    Args:
        rate: float between 0 and 1, the fraction of the input units to drop.
        noise_shape: optional tuple, the shape of the binary dropout mask that
            is broadcast over the input (`None` entries take the input's size).
            For inputs `(batch, timesteps, features)`,
            `noise_shape=(None, 1, None)` drops the same features at every
            timestep. Defaults to `None` (one draw per input unit).
        seed: optional integer seed for the layer's own random generator.
            Defaults to `None` (torch's global generator).

    Example:

    >>> layer = kerastorch.layers.Dropout(0.5)
    >>> x = torch.ones(2, 4)
    >>> layer(x, training=False).equal(x)
    True
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
            return F.dropout(inputs, self.rate, training=True)
        shape = _noise.concrete_noise_shape(inputs, self.noise_shape, self.name)
        return _noise.masked_dropout(inputs, self.rate, shape, generator)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}
        )
        return config
