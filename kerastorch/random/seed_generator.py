"""`SeedGenerator`: a seed state that advances on every draw, as in Keras.

The state is a non-trainable `kerastorch.Variable` `[seed, counter]`;
`next()` returns it and increments the counter. A random op turns a state
into a local `torch.Generator` (see `generator_for`), so seeded draws never
touch torch's global RNG.
"""

from __future__ import annotations

import random as _py_random

import numpy as np
import torch

from kerastorch.backend import naming
from kerastorch.variables import Variable

_MASK64 = (1 << 64) - 1


class SeedGenerator:
    """Generates a new, deterministic seed state each time `next()` is called.

    Pass one to random ops (or keep one in a layer) so that each call draws
    new numbers, while the whole sequence is fixed by the initial `seed`.

    Args:
        seed: the initial seed (an int). Defaults to `None`: a random seed
            from Python's `random` module (fixed by
            `kerastorch.utils.set_random_seed`).
        name: the generator's name. Defaults to `"seed_generator"`, made unique.

    Example:

    >>> gen = kerastorch.random.SeedGenerator(1337)
    >>> a = kerastorch.random.normal((2,), seed=gen)
    >>> b = kerastorch.random.normal((2,), seed=gen)   # differs from `a`
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs):
        kwargs.pop("backend", None)  # Keras accepts (and ignores) it here too
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        if seed is None:
            seed = _py_random.randint(1, 10**9)
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise ValueError(
                "Argument `seed` must be an integer. "
                f"Received: seed={seed!r} (of type {type(seed).__name__})"
            )
        self._initial_seed = int(seed)
        self.name = name or naming.auto_name("seed_generator")
        self.state = Variable(
            torch.tensor([self._initial_seed, 0], dtype=torch.int64),
            trainable=False,
            name="seed_generator_state",
        )

    def next(self, ordered: bool = True) -> torch.Tensor:
        """Return the current state `[seed, counter]` and advance the counter.

        Args:
            ordered: accepted for Keras compatibility; draws are always ordered.
        """
        value = self.state.detach().clone()
        with torch.no_grad():
            self.state[1] += 1
        return value

    def get_config(self) -> dict:
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config: dict) -> SeedGenerator:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name}, seed={self._initial_seed}>"


def _mix(seed: int, counter: int) -> int:
    """splitmix64 of (seed, counter): nearby states give unrelated torch seeds."""
    z = (
        seed * 0x9E3779B97F4A7C15 + counter * 0xD1B54A32D192ED03 + 0x632BE59BD9B4E019
    ) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return (z ^ (z >> 31)) & ((1 << 63) - 1)


def draw_seed(seed) -> int | None:
    """A 63-bit torch seed for one draw, or `None` to use torch's global RNG.

    `seed` is an int (the same numbers every call), a `SeedGenerator`
    (advanced by this call), a `[seed, counter]` state from
    `SeedGenerator.next()`, or `None`.
    """
    if seed is None:
        return None
    if isinstance(seed, SeedGenerator):
        state = seed.next().tolist()
    elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        state = [int(seed), 0]
    elif isinstance(seed, (torch.Tensor, np.ndarray, list, tuple)) and np.shape(
        seed.detach().cpu() if isinstance(seed, torch.Tensor) else seed
    ) == (2,):
        state = [int(v) for v in (seed.tolist() if hasattr(seed, "tolist") else seed)]
    else:
        raise ValueError(
            "Argument `seed` must be an integer, a `SeedGenerator`, or None. "
            f"Received: seed={seed!r} (of type {type(seed).__name__})"
        )
    return _mix(*state)


def generator_for(seed, device=None) -> torch.Generator | None:
    """A `torch.Generator` on `device` seeded from `seed` (see `draw_seed`), or `None`."""
    torch_seed = draw_seed(seed)
    if torch_seed is None:
        return None
    device = torch.device(device) if device is not None else torch.get_default_device()
    if device.type == "meta":
        return None  # shape inference: no numbers are drawn
    generator = torch.Generator(device=device)
    generator.manual_seed(torch_seed)
    return generator
