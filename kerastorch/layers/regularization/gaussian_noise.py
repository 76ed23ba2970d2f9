"""GaussianNoise: additive zero-centred normal noise during training."""

from __future__ import annotations

from kerastorch.layers.layer import Layer
from kerastorch.layers.regularization import _noise


class GaussianNoise(Layer):
    """Adds zero-centred Gaussian noise to the inputs during training.

    A regularizer (a form of random data augmentation for real-valued
    inputs); the identity outside training.

    Args:
        stddev: float between 0 and 1, the standard deviation of the noise.
        seed: optional integer seed. Defaults to `None` (torch's global RNG).

    Example:

    >>> layer = kerastorch.layers.GaussianNoise(0.1)
    >>> layer(torch.zeros(2, 3), training=True).shape
    torch.Size([2, 3])
    """

    def __init__(self, stddev: float, seed: int | None = None, **kwargs):
        stddev = _noise.check_rate(stddev, "stddev")
        seed_generator = _noise.make_seed_generator(seed)
        super().__init__(**kwargs)
        self.stddev = stddev
        self.seed = seed
        self.seed_generator = seed_generator
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        generator = _noise.generator(self.seed_generator, inputs.device)
        return inputs + _noise.normal_noise(inputs, 0.0, self.stddev, generator)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
