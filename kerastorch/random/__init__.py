"""`kerastorch.random`: seeded random tensors (`keras.random`), on local torch generators."""

from kerastorch.random.random import *  # noqa: F403
from kerastorch.random.random import __all__ as _ops
from kerastorch.random.seed_generator import SeedGenerator as SeedGenerator

__all__ = sorted([*_ops, "SeedGenerator"])
