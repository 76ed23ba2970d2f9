"""Random initializers: normal, uniform, truncated normal, variance scaling, orthogonal.

An int `seed` makes every call return the same values (a fresh
`torch.Generator` per call); `seed=None` draws from torch's global RNG, so
`torch.manual_seed` / `kerastorch.utils.set_random_seed` control it.
"""

from __future__ import annotations

import math
import numbers

import torch
from torch.nn import init

from kerastorch.initializers.initializer import Initializer
from kerastorch.initializers.initializer import check_seed
from kerastorch.initializers.initializer import compute_fans
from kerastorch.initializers.initializer import float_dtype
from kerastorch.initializers.initializer import random_tensor
from kerastorch.initializers.initializer import standardize_shape

# Standard deviation of a unit normal truncated at +/- 2: dividing by it keeps
# the variance of a truncated draw equal to the one asked for.
_TRUNCATED_STDDEV = 0.87962566103423978


def _check_number(name: str, value, positive: bool = False, non_negative: bool = False):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or math.isnan(value)
    ):
        raise ValueError(f"`{name}` must be a number. Received: {name}={value!r}")
    if positive and value <= 0:
        raise ValueError(f"`{name}` must be positive. Received: {name}={value!r}")
    if non_negative and value < 0:
        raise ValueError(f"`{name}` must be non-negative. Received: {name}={value!r}")
    return value


class RandomInitializer(Initializer):
    """Base class for initializers that draw random values.

    Args:
        seed: an int for reproducible draws (every call then returns the same
            values), or `None` to use torch's global RNG. Defaults to `None`.
    """

    def __init__(self, seed: int | None = None):
        self.seed = check_seed(seed)

    def get_config(self) -> dict:
        return {"seed": self.seed}


class RandomNormal(RandomInitializer):
    """Initializer that draws from a normal distribution.

    Args:
        mean: mean of the values. Defaults to `0.0`.
        stddev: standard deviation of the values. Defaults to `0.05`.
        seed: an int for reproducible values, or `None`. Defaults to `None`.

    Example:

    >>> initializer = kerastorch.initializers.RandomNormal(mean=0.0, stddev=1.0)
    >>> initializer((2, 2)).shape
    torch.Size([2, 2])
    """

    def __init__(
        self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None
    ):
        self.mean = _check_number("mean", mean)
        self.stddev = _check_number("stddev", stddev, non_negative=True)
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        """Return normal draws of `shape`; `dtype` defaults to `floatx()`."""
        return random_tensor(
            standardize_shape(shape),
            float_dtype(dtype, type(self).__name__),
            self.seed,
            lambda t, g: init.normal_(t, self.mean, self.stddev, generator=g),
        )

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomInitializer):
    """Initializer that draws from a normal distribution truncated at 2 stddev.

    Values further than two standard deviations from the mean are discarded
    and drawn again (done here by inverse-CDF sampling, same distribution).

    Args:
        mean: mean of the untruncated normal. Defaults to `0.0`.
        stddev: standard deviation of the untruncated normal. Defaults to `0.05`.
        seed: an int for reproducible values, or `None`. Defaults to `None`.

    Example:

    >>> initializer = kerastorch.initializers.TruncatedNormal(stddev=1.0)
    >>> bool(initializer((100,)).abs().max() <= 2.0)
    True
    """

    def __init__(
        self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None
    ):
        self.mean = _check_number("mean", mean)
        self.stddev = _check_number("stddev", stddev, non_negative=True)
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        """Return truncated normal draws of `shape`; `dtype` defaults to `floatx()`."""
        mean, std = self.mean, self.stddev
        return random_tensor(
            standardize_shape(shape),
            float_dtype(dtype, type(self).__name__),
            self.seed,
            lambda t, g: init.trunc_normal_(
                t, mean, std, a=mean - 2 * std, b=mean + 2 * std, generator=g
            ),
        )

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(RandomInitializer):
    """Initializer that draws from a uniform distribution on `[minval, maxval)`.

    Args:
        minval: lower bound of the range. Defaults to `-0.05`.
        maxval: upper bound of the range. Defaults to `0.05`.
        seed: an int for reproducible values, or `None`. Defaults to `None`.

    Example:

    >>> initializer = kerastorch.initializers.RandomUniform(minval=0.0, maxval=1.0)
    >>> initializer((2, 2)).shape
    torch.Size([2, 2])
    """

    def __init__(
        self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None
    ):
        self.minval = _check_number("minval", minval)
        self.maxval = _check_number("maxval", maxval)
        if minval > maxval:
            raise ValueError(
                "`minval` must not exceed `maxval`. "
                f"Received: minval={minval}, maxval={maxval}"
            )
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        """Return uniform draws of `shape`; `dtype` defaults to `floatx()`."""
        return random_tensor(
            standardize_shape(shape),
            float_dtype(dtype, type(self).__name__),
            self.seed,
            lambda t, g: init.uniform_(t, self.minval, self.maxval, generator=g),
        )

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(RandomInitializer):
    """Initializer whose scale adapts to the shape of the weight.

    With `n` the fan-in, fan-out or their mean (per `mode`):
    `"truncated_normal"` and `"untruncated_normal"` draw with
    `stddev = sqrt(scale / n)` (the truncated one corrected so the variance
    after truncation is `scale / n`); `"uniform"` draws from `[-limit, limit]`
    with `limit = sqrt(3 * scale / n)`. Conv kernels are laid out
    `(*spatial, in, out)`: fans include the receptive field size.

    Args:
        scale: scaling factor, a positive float. Defaults to `1.0`.
        mode: one of `"fan_in"`, `"fan_out"`, `"fan_avg"`. Defaults to `"fan_in"`.
        distribution: one of `"truncated_normal"`, `"untruncated_normal"`,
            `"uniform"` (`"normal"` means `"truncated_normal"`).
            Defaults to `"truncated_normal"`.
        seed: an int for reproducible values, or `None`. Defaults to `None`.

    Example:

    >>> initializer = kerastorch.initializers.VarianceScaling(
    ...     scale=0.1, mode="fan_in", distribution="uniform")
    >>> initializer((3, 3, 16, 32)).shape
    torch.Size([3, 3, 16, 32])
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
    ):
        _check_number("scale", scale, positive=True)
        if mode not in self._MODES:
            raise ValueError(
                f"Invalid `mode` argument: expected one of {list(self._MODES)}. "
                f"Received: mode={mode!r}"
            )
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError(
                "Invalid `distribution` argument: expected one of "
                f"{list(self._DISTRIBUTIONS)}. Received: distribution={distribution!r}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        """Return scaled random draws of `shape`; `dtype` defaults to `floatx()`."""
        shape = standardize_shape(shape)
        torch_dtype = float_dtype(dtype, type(self).__name__)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[
            self.mode
        ]
        variance = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            std = math.sqrt(variance) / _TRUNCATED_STDDEV

            def fill(t, g):
                init.trunc_normal_(t, 0.0, std, a=-2 * std, b=2 * std, generator=g)

        elif self.distribution == "untruncated_normal":
            std = math.sqrt(variance)

            def fill(t, g):
                init.normal_(t, 0.0, std, generator=g)

        else:
            limit = math.sqrt(3.0 * variance)

            def fill(t, g):
                init.uniform_(t, -limit, limit, generator=g)

        return random_tensor(shape, torch_dtype, self.seed, fill)

    def get_config(self) -> dict:
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
        }


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling preset: only `seed` is configurable."""

    _PRESET: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed: int | None = None):
        scale, mode, distribution = self._PRESET
        super().__init__(scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self) -> dict:
        return {"seed": self.seed}


class GlorotUniform(_FixedVarianceScaling):
    """The Glorot (Xavier) uniform initializer.

    Draws from `[-limit, limit]` with `limit = sqrt(6 / (fan_in + fan_out))`.
    The default kernel initializer of Dense and Conv layers.

    Args:
        seed: an int for reproducible values, or `None`. Defaults to `None`.

    Example:

    >>> initializer = kerastorch.initializers.GlorotUniform(seed=0)
    >>> initializer((3, 4)).shape
    torch.Size([3, 4])
    """

    _PRESET = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    """The Glorot (Xavier) normal initializer.

    Draws from a normal truncated at 2 stddev with
    `stddev = sqrt(2 / (fan_in + fan_out))` (after truncation).

    Args:
        seed: an int for reproducible values, or `None`. Defaults to `None`.

    Example:

    >>> initializer = kerastorch.initializers.GlorotNormal()
    >>> initializer((3, 4)).shape
    torch.Size([3, 4])
    """

    _PRESET = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    """The He uniform initializer: `[-limit, limit]`, `limit = sqrt(6 / fan_in)`.

    Args:
        seed: an int for reproducible values, or `None`. Defaults to `None`.

    Example:

    >>> initializer = kerastorch.initializers.HeUniform()
    >>> initializer((3, 4)).shape
    torch.Size([3, 4])
    """

    _PRESET = (2.0, "fan_in", "uniform")


class HeNormal(_FixedVarianceScaling):
    """The He normal initializer: truncated normal, `stddev = sqrt(2 / fan_in)`.

    Args:
        seed: an int for reproducible values, or `None`. Defaults to `None`.

    Example:

    >>> initializer = kerastorch.initializers.HeNormal()
    >>> initializer((3, 4)).shape
    torch.Size([3, 4])
    """

    _PRESET = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    """The LeCun uniform initializer: `[-limit, limit]`, `limit = sqrt(3 / fan_in)`.

    Args:
        seed: an int for reproducible values, or `None`. Defaults to `None`.

    Example:

    >>> initializer = kerastorch.initializers.LecunUniform()
    >>> initializer((3, 4)).shape
    torch.Size([3, 4])
    """

    _PRESET = (1.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    """The LeCun normal initializer: truncated normal, `stddev = sqrt(1 / fan_in)`.

    Args:
        seed: an int for reproducible values, or `None`. Defaults to `None`.

    Example:

    >>> initializer = kerastorch.initializers.LecunNormal()
    >>> initializer((3, 4)).shape
    torch.Size([3, 4])
    """

    _PRESET = (1.0, "fan_in", "truncated_normal")


class Orthogonal(RandomInitializer):
    """Initializer that generates an orthogonal matrix.

    The shape is viewed as a matrix `(prod(shape[:-1]), shape[-1])` (Keras's
    kernel layout); its rows or its columns, whichever are fewer, are
    orthonormal. Made from the QR decomposition of a normal draw.

    Args:
        gain: multiplicative factor applied to the matrix. Defaults to `1.0`.
        seed: an int for reproducible values, or `None`. Defaults to `None`.

    Example:

    >>> initializer = kerastorch.initializers.Orthogonal()
    >>> q = initializer((4, 4))
    >>> torch.allclose(q.T @ q, torch.eye(4), atol=1e-5)
    True
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None):
        self.gain = _check_number("gain", gain)
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        """Return an orthogonal matrix reshaped to `shape` (rank >= 2)."""
        shape = standardize_shape(shape)
        torch_dtype = float_dtype(dtype, type(self).__name__)
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        tall = (max(rows, cols), min(rows, cols))

        def fill(t, g):
            a = init.normal_(
                torch.empty(tall, dtype=t.dtype, device=t.device), generator=g
            )
            q, r = torch.linalg.qr(a)  # q: (max, min) with orthonormal columns
            # Multiplying by sign(diag(r)) makes the result uniform over matrices.
            q = q * torch.sign(torch.diagonal(r))
            t.copy_((q.T if rows < cols else q).reshape(shape))

        return random_tensor(shape, torch_dtype, self.seed, fill) * self.gain

    def get_config(self) -> dict:
        return {"gain": self.gain, "seed": self.seed}


# Keras's other spelling.
OrthogonalInitializer = Orthogonal
