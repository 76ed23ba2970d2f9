"""`set_random_seed`: one call to make Python, numpy and torch draws reproducible."""

from __future__ import annotations

import random

import numpy as np
import torch


def set_random_seed(seed: int) -> None:
    """Seed Python's `random`, numpy and torch (CPU and every CUDA device).

    Random ops called with `seed=None`, weight initialisers and
    `SeedGenerator(seed=None)` all draw from these, so a script that calls
    this first gives the same numbers on every run.

    Args:
        seed: an int in `[0, 2**32)`.

    Example:

    >>> kerastorch.utils.set_random_seed(1337)
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(
            "Expected `seed` argument to be an integer. "
            f"Received: seed={seed!r} (of type {type(seed).__name__})"
        )
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise ValueError(f"`seed` must be in [0, 2**32). Received: seed={seed}")
    random.seed(seed)
    np.random.seed(seed)
    # Seeds CUDA too; lazily, so it neither initialises CUDA nor needs it present.
    torch.manual_seed(seed)
