"""The `Initializer` base class and the helpers its subclasses share."""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Sequence

import torch

from kerastorch.backend.dtypes import standardize_dtype
from kerastorch.backend.dtypes import to_torch_dtype


class Initializer:
    """Base class for initializers: callables `(shape, dtype) -> tensor`.

    Subclasses implement `__call__(shape, dtype=None)` and, when they take
    arguments, `get_config()`. Tensors are created on torch's current default
    device (`with torch.device("cuda"):` places them on the GPU).

    Example:

    >>> class ExampleRandomNormal(kerastorch.initializers.Initializer):
    ...     def __init__(self, mean, stddev):
    ...         self.mean = mean
    ...         self.stddev = stddev
    ...     def __call__(self, shape, dtype=None):
    ...         dtype = kerastorch.backend.to_torch_dtype(dtype)
    ...         return torch.normal(self.mean, self.stddev, size=shape, dtype=dtype)
    ...     def get_config(self):
    ...         return {"mean": self.mean, "stddev": self.stddev}
    """

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        """Return a tensor of `shape` and `dtype` (defaults to `floatx()`)."""
        raise NotImplementedError(
            f"Initializer subclasses must implement `__call__()`. "
            f"{type(self).__name__} does not."
        )

    def get_config(self) -> dict:
        """Return the constructor arguments as a JSON-friendly dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        """Rebuild an initializer from the dict returned by `get_config()`."""
        return cls(**config)

    def clone(self) -> Initializer:
        """Return a new initializer with the same configuration."""
        return type(self).from_config(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def standardize_shape(shape) -> tuple[int, ...]:
    """Turn an int, list, tuple or `torch.Size` into a tuple of non-negative ints."""
    if isinstance(shape, int):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(
            f"An initializer's `shape` must be a tuple of ints. Received: shape={shape!r}"
        ) from None
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, int) or d < 0:
            raise ValueError(
                "An initializer's `shape` must hold non-negative ints. "
                f"Received: shape={shape!r}"
            )
    return dims


def check_seed(seed) -> int | None:
    """Validate a `seed` argument: an int or None."""
    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool)):
        return seed
    raise ValueError(
        f"`seed` must be an integer or None. Received: seed={seed!r} "
        f"(of type {type(seed).__name__})"
    )


def float_dtype(dtype, owner: str) -> torch.dtype:
    """The torch dtype for `dtype` (None = floatx), which must be floating point."""
    torch_dtype = to_torch_dtype(standardize_dtype(dtype))
    if not torch_dtype.is_floating_point:
        raise ValueError(
            f"{owner} can only create floating point tensors. "
            f"Received: dtype={standardize_dtype(dtype)!r}"
        )
    return torch_dtype


def random_tensor(
    shape: Sequence[int],
    dtype: torch.dtype,
    seed: int | None,
    fill: Callable[[torch.Tensor, torch.Generator | None], object],
) -> torch.Tensor:
    """Make a tensor, let `fill(tensor, generator)` draw into it, cast to `dtype`.

    With an int `seed` the values come from a fresh CPU `torch.Generator`, so
    every call (and every device) gets the same numbers; they are then moved to
    the default device. With `seed=None` torch's global RNG of the default
    device draws them in place (`torch.manual_seed` controls it).
    Low-precision dtypes are drawn in float32 and cast, as the inverse-CDF
    sampling of the truncated normal is not accurate in half precision.
    """
    work_dtype = torch.float64 if dtype == torch.float64 else torch.float32
    if seed is None:
        out = torch.empty(tuple(shape), dtype=work_dtype)
        fill(out, None)
    else:
        generator = torch.Generator(device="cpu").manual_seed(seed)
        out = torch.empty(tuple(shape), dtype=work_dtype, device="cpu")
        fill(out, generator)
        out = out.to(torch.get_default_device())
    return out.to(dtype)


def compute_fans(shape: Sequence[int]) -> tuple[int, int]:
    """Keras's `(fan_in, fan_out)` for a weight of `shape`.

    Kernels are stored the Keras way, `(*spatial, in_channels, out_channels)`,
    so for rank > 2 both fans are multiplied by the receptive field size.
    """
    shape = tuple(shape)
    if len(shape) < 1:  # a scalar
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field
