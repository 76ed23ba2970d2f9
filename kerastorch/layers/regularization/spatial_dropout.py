"""SpatialDropout1D/2D/3D: drop whole feature maps (channels) during training."""

from __future__ import annotations

import torch.nn.functional as F

from kerastorch.backend import standardize_data_format
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.regularization import _noise
from kerastorch.layers.regularization.dropout import Dropout

_FEATURE_DROPOUT = {1: F.dropout1d, 2: F.dropout2d, 3: F.dropout3d}


class _SpatialDropout(Dropout):
    """Dropout with one draw per (sample, channel), shared by all spatial positions."""

    _spatial_rank = 0

    def __init__(
        self, rate: float, data_format: str | None = None, seed=None, **kwargs
    ):
        data_format = standardize_data_format(data_format)
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = data_format
        self.input_spec = InputSpec(ndim=self._spatial_rank + 2)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        rank = self._spatial_rank
        channels_last = self.data_format == "channels_last"
        generator = _noise.generator(self.seed_generator, inputs.device)
        if generator is None:
            # torch's feature dropout wants (batch, channels, *spatial): a permuted view.
            x = inputs.movedim(-1, 1) if channels_last else inputs
            x = _FEATURE_DROPOUT[rank](x, self.rate, training=True)
            return x.movedim(1, -1) if channels_last else x
        batch, channels = inputs.shape[0], inputs.shape[-1 if channels_last else 1]
        ones = [1] * rank
        # One draw per (sample, channel): (batch, 1.., C) or (batch, C, 1..).
        shape = (batch, *ones, channels) if channels_last else (batch, channels, *ones)
        return _noise.masked_dropout(inputs, self.rate, shape, generator)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["noise_shape"]
        config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Spatial 1D dropout: drops entire channels of `(batch, timesteps, channels)` inputs.

    Use it instead of `Dropout` after convolutions, where neighbouring
    timesteps are correlated and per-element dropout barely regularizes.
    Identity outside training.

    Args:
        rate: float between 0 and 1, the fraction of channels to drop.
        seed: optional integer seed. Defaults to `None`.

    Example:

    >>> layer = kerastorch.layers.SpatialDropout1D(0.5)
    >>> layer(torch.ones(2, 5, 3), training=True).shape
    torch.Size([2, 5, 3])
    """

    _spatial_rank = 1

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        # Keras's SpatialDropout1D has no `data_format`: inputs are channels_last.
        super().__init__(rate, data_format="channels_last", seed=seed, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["data_format"]
        return config


class SpatialDropout2D(_SpatialDropout):
    """Spatial 2D dropout: drops entire channels of 4D image inputs.

    Args:
        rate: float between 0 and 1, the fraction of channels to drop.
        data_format: `"channels_last"` (`(batch, rows, cols, channels)`) or
            `"channels_first"` (`(batch, channels, rows, cols)`). Defaults to
            `keras.config.image_data_format()`.
        seed: optional integer seed. Defaults to `None`.

    Example:

    >>> layer = kerastorch.layers.SpatialDropout2D(0.5)
    >>> layer(torch.ones(2, 4, 4, 3), training=True).shape
    torch.Size([2, 4, 4, 3])
    """

    _spatial_rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Spatial 3D dropout: drops entire channels of 5D volume inputs.

    Args:
        rate: float between 0 and 1, the fraction of channels to drop.
        data_format: `"channels_last"` (`(batch, d1, d2, d3, channels)`) or
            `"channels_first"` (`(batch, channels, d1, d2, d3)`). Defaults to
            `keras.config.image_data_format()`.
        seed: optional integer seed. Defaults to `None`.

    Example:

    >>> layer = kerastorch.layers.SpatialDropout3D(0.5)
    >>> layer(torch.ones(2, 3, 3, 3, 4), training=True).shape
    torch.Size([2, 3, 3, 3, 4])
    """

    _spatial_rank = 3
