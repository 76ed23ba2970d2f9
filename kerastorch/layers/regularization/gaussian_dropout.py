"""GaussianDropout: multiplicative 1-centred normal noise during training."""

from __future__ import annotations

import math

from kerastorch.layers.layer import Layer
from kerastorch.layers.regularization import _noise


class GaussianDropout(Layer):
    """Multiplies the inputs by 1-centred Gaussian noise during training.

    The noise has standard deviation `sqrt(rate / (1 - rate))`, matching the
    variance of `Dropout(rate)`; the identity outside training.

    Args:
        rate: float in [0, 1), the drop probability (as with `Dropout`).
        seed: optional integer seed. Defaults to `None` (torch's global RNG).

    Example:

    >>> layer = kerastorch.layers.GaussianDropout(0.2)
    >>> layer(torch.ones(2, 3), training=False)
    tensor([[1., 1., 1.],
            [1., 1., 1.]])
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        rate = _noise.check_rate(rate)
        if rate == 1.0:
            # sqrt(rate / (1 - rate)) is infinite: every output would be NaN/inf.
            raise ValueError(
                "`rate` must be strictly below 1 for GaussianDropout (the noise "
                f"stddev is sqrt(rate / (1 - rate))). Received: rate={rate}"
            )
        seed_generator = _noise.make_seed_generator(seed)
        super().__init__(**kwargs)
        self.rate = rate
        self.seed = seed
        self.seed_generator = seed_generator
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        generator = _noise.generator(self.seed_generator, inputs.device)
        return inputs * _noise.normal_noise(inputs, 1.0, stddev, generator)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
