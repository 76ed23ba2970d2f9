"""Random noise for the dropout-family layers.

Without a seed the layers draw from torch's global RNG (so
`torch.manual_seed` / `keras.utils.set_random_seed` make runs repeatable) and
use torch's fused kernels (`F.dropout`, `F.dropout2d`, ...). With a seed each
layer owns a `kerastorch.random.SeedGenerator`, advanced on every draw, so
two layers built with the same seed draw the same sequence of masks, as in
Keras, without touching torch's global RNG.
"""

from __future__ import annotations

import torch

from kerastorch.random.seed_generator import SeedGenerator
from kerastorch.random.seed_generator import generator_for


def check_rate(rate, name: str = "rate") -> float:
    """`rate` as a float in [0, 1], or a ValueError saying what was received."""
    if (
        isinstance(rate, bool)
        or not isinstance(rate, (int, float))
        or not 0 <= rate <= 1
    ):
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected a float "
            f"value between 0 and 1. Received: {name}={rate}"
        )
    return float(rate)


def make_seed_generator(seed) -> SeedGenerator | None:
    """A `SeedGenerator` for an integer seed; `None` (torch's global RNG) for no seed."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
    return SeedGenerator(seed)


def generator(
    seed_generator: SeedGenerator | None, device: torch.device
) -> torch.Generator | None:
    """A local generator for the next seeded draw (advances `seed_generator`), or None."""
    if seed_generator is None or device.type == "meta":
        return None
    return generator_for(seed_generator, device)


def concrete_noise_shape(inputs: torch.Tensor, noise_shape, layer_name: str) -> tuple:
    """`noise_shape` with its `None` entries taken from the input's shape."""
    if noise_shape is None:
        return tuple(inputs.shape)
    if len(noise_shape) != inputs.dim():
        raise ValueError(
            f"Layer '{layer_name}' has noise_shape={tuple(noise_shape)} of rank "
            f"{len(noise_shape)}, but received an input of rank {inputs.dim()} "
            f"(shape {tuple(inputs.shape)})."
        )
    return tuple(inputs.shape[i] if d is None else d for i, d in enumerate(noise_shape))


def keep_mask(
    inputs: torch.Tensor, rate: float, shape: tuple, generator: torch.Generator | None
) -> torch.Tensor:
    """A 0/1 mask of `shape` (in the input's dtype) keeping each entry with prob 1 - rate."""
    mask = torch.empty(shape, dtype=inputs.dtype, device=inputs.device)
    return mask.bernoulli_(1.0 - rate, generator=generator)


def masked_dropout(
    inputs: torch.Tensor, rate: float, shape: tuple, generator: torch.Generator | None
) -> torch.Tensor:
    """Inverted dropout with a mask of `shape` broadcast over the input."""
    mask = keep_mask(inputs, rate, shape, generator)
    if rate < 1.0:
        mask = mask.div_(1.0 - rate)  # scale the kept units: E[output] == input
    return inputs * mask


def normal_noise(
    inputs: torch.Tensor, mean: float, stddev: float, generator: torch.Generator | None
) -> torch.Tensor:
    """Normal noise shaped like `inputs`, in its dtype and on its device."""
    noise = torch.empty_like(inputs, memory_format=torch.contiguous_format)
    return noise.normal_(mean, stddev, generator=generator)
