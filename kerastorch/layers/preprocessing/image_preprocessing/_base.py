"""What the image layers share: layouts, rank 3/4 inputs, seeded per-sample draws.

Every layer takes batched `(batch, height, width, channels)` images or a single
`(height, width, channels)` image (channels first with
`data_format="channels_first"`). Inside, images are handled as channels-first
batches, reached from channels-last inputs by a permuted view (no copy).

Random layers follow Keras 3: `call(images, training=True)`, so they augment
when called directly (e.g. in a data pipeline) and inside `fit`, and return the
images unchanged when `training=False` (as `predict` and `evaluate` pass).
With an integer `seed` a layer owns a `SeedGenerator`, advanced on every call,
so two layers built with the same seed produce the same sequence; without one
they draw from torch's global generator (fixed by `utils.set_random_seed`).
Random numbers are drawn on the images' device.
"""

from __future__ import annotations

import difflib
import numbers

import torch

from kerastorch.backend.config import standardize_data_format
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer
from kerastorch.random.seed_generator import SeedGenerator
from kerastorch.random.seed_generator import generator_for


def check_choice(value, allowed: tuple, arg: str) -> str:
    """`value` if it is one of `allowed`, else a ValueError with close matches."""
    if value in allowed:
        return value
    close = difflib.get_close_matches(str(value), allowed)
    hint = f" Did you mean: '{close[0]}'?" if close else ""
    raise ValueError(
        f"Invalid value for argument `{arg}`: expected one of {list(allowed)}. "
        f"Received: {arg}={value!r}.{hint}"
    )


def check_size(value, arg: str) -> int:
    """A positive integer size, or a ValueError saying what was received."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(
            f"`{arg}` must be a positive integer. Received: {arg}={value!r}"
        )
    return int(value)


def check_pair(value, arg: str) -> tuple[float, float]:
    """A `(low, high)` pair of numbers with low < high (e.g. `value_range`)."""
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 2
        or not all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value
        )
    ):
        raise ValueError(
            f"`{arg}` must be a list or tuple of two numbers. Received: {arg}={value!r}"
        )
    low, high = sorted(float(v) for v in value)
    if low == high:
        raise ValueError(
            f"`{arg}` must span a non-empty range. Received: {arg}={value!r}"
        )
    return low, high


def parse_factor(factor, arg: str, low: float = -1.0, high: float = 1.0):
    """`(lower, upper)` from a number `f` (`(-|f|, |f|)`) or a pair, both in [low, high]."""
    message = (
        f"The `{arg}` argument should be a number (or a list of two numbers) "
        f"in the range [{low}, {high}]. Received: {arg}={factor!r}"
    )
    if isinstance(factor, (list, tuple)):
        if len(factor) != 2 or not all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in factor
        ):
            raise ValueError(message)
        lower, upper = sorted(float(v) for v in factor)
    elif isinstance(factor, numbers.Real) and not isinstance(factor, bool):
        lower, upper = -abs(float(factor)), abs(float(factor))
    else:
        raise ValueError(message)
    if lower < low or upper > high:
        raise ValueError(message)
    return lower, upper


def config_value(value):
    """Tuples become lists, so a config equals its JSON round trip."""
    if isinstance(value, tuple):
        return [config_value(v) for v in value]
    return value


class BaseImagePreprocessingLayer(Layer):
    """Layouts, the rank check and the channels-first view, for every image layer."""

    def __init__(self, data_format: str | None = None, **kwargs):
        data_format = standardize_data_format(data_format)
        super().__init__(**kwargs)
        self.data_format = data_format
        self.input_spec = InputSpec(min_ndim=3, max_ndim=4)

    @property
    def _height_axis(self) -> int:
        return -2 if self.data_format == "channels_first" else -3

    @property
    def _width_axis(self) -> int:
        return -1 if self.data_format == "channels_first" else -2

    def _to_nchw(self, images: torch.Tensor) -> tuple[torch.Tensor, bool]:
        """A `(batch, channels, height, width)` view of the images, and whether
        the input was a single image."""
        unbatched = images.dim() == 3
        if unbatched:
            images = images.unsqueeze(0)
        if self.data_format == "channels_last":
            images = images.permute(0, 3, 1, 2)  # (batch, channels, height, width) view
        return images, unbatched

    def _from_nchw(self, images: torch.Tensor, unbatched: bool) -> torch.Tensor:
        if self.data_format == "channels_last":
            images = images.permute(0, 2, 3, 1)  # (batch, height, width, channels)
        return images.squeeze(0) if unbatched else images

    def _cast(self, images: torch.Tensor) -> torch.Tensor:
        """The images in the layer's compute dtype (Keras outputs floats)."""
        return images.to(to_torch_dtype(self.compute_dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class BaseRandomLayer(BaseImagePreprocessingLayer):
    """An image layer with a seed, drawing its random parameters on the input's device."""

    def __init__(
        self, seed: int | None = None, data_format: str | None = None, **kwargs
    ):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(
                f"`seed` must be an integer or None. Received: seed={seed!r}"
            )
        super().__init__(data_format=data_format, **kwargs)
        self.seed = seed
        self.seed_generator = SeedGenerator(seed) if seed is not None else None

    @staticmethod
    def _active(training) -> bool:
        """Keras 3 semantics: `training=None` (not given) means augment."""
        return True if training is None else bool(training)

    def _generator(self, device: torch.device) -> torch.Generator | None:
        """A local generator for this call (advances the seed), or None: global RNG."""
        if self.seed_generator is None:
            return None
        return generator_for(self.seed_generator, device)

    def _uniform(self, shape, low: float, high: float, device) -> torch.Tensor:
        """Uniform float32 samples on `[low, high)` of `shape`, on `device`."""
        u = torch.rand(shape, generator=self._generator(device), device=device)
        return u * (high - low) + low

    def get_config(self) -> dict:
        config = super().get_config()
        config["seed"] = self.seed
        return config
