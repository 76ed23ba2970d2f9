"""Random ops (`keras.random`): normal, uniform, randint, dropout, shuffle, ...

`seed` is an int (the same numbers on every call), a `SeedGenerator`
(new numbers each call, a reproducible sequence), or `None` (torch's global
RNG, fixed by `kerastorch.utils.set_random_seed`). Seeded draws use a local
`torch.Generator` and leave the global RNG untouched. Results are created on
torch's default device (`dropout`, `shuffle`, `categorical`: the input's).
"""

from __future__ import annotations

import contextlib
import numbers

import torch
import torch.nn.functional as F

from kerastorch.backend.dtypes import standardize_dtype
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.ops._symbolic import keras_op
from kerastorch.ops.core import convert_to_tensor
from kerastorch.random.seed_generator import draw_seed
from kerastorch.random.seed_generator import generator_for


def _shape(shape) -> tuple[int, ...]:
    if isinstance(shape, numbers.Integral):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _float_dtype(dtype, fn: str) -> torch.dtype:
    torch_dtype = to_torch_dtype(dtype)
    if not torch_dtype.is_floating_point:
        raise ValueError(
            f"`keras.random.{fn}` needs a floating point `dtype`. "
            f"Received: dtype={standardize_dtype(dtype)}"
        )
    return torch_dtype


def _device():
    return torch.get_default_device()


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> torch.Tensor:
    """Samples from a normal distribution.

    Args:
        shape: the output shape.
        mean: the mean. Defaults to 0.
        stddev: the standard deviation. Defaults to 1.
        dtype: a float dtype. Defaults to `floatx()`.
        seed: an int, a `SeedGenerator` or `None`. Defaults to `None`.

    Example:

    >>> kerastorch.random.normal((2, 3), seed=1)
    """
    torch_dtype = _float_dtype(dtype, "normal")
    out = torch.randn(
        _shape(shape),
        generator=generator_for(seed),
        dtype=torch_dtype,
        device=_device(),
    )
    return out * stddev + mean


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> torch.Tensor:
    """Samples from a uniform distribution on `[minval, maxval)`.

    Args:
        shape: the output shape.
        minval: the lower bound. Defaults to 0.
        maxval: the upper bound (excluded). Defaults to 1.
        dtype: a float dtype. Defaults to `floatx()`.
        seed: an int, a `SeedGenerator` or `None`. Defaults to `None`.
    """
    torch_dtype = _float_dtype(dtype, "uniform")
    out = torch.rand(
        _shape(shape),
        generator=generator_for(seed),
        dtype=torch_dtype,
        device=_device(),
    )
    return out * (maxval - minval) + minval


def randint(shape, minval, maxval, dtype="int32", seed=None) -> torch.Tensor:
    """Random integers in `[minval, maxval)`.

    Args:
        shape: the output shape.
        minval: the lowest value.
        maxval: one above the highest value.
        dtype: an integer dtype. Defaults to "int32".
        seed: an int, a `SeedGenerator` or `None`. Defaults to `None`.
    """
    torch_dtype = to_torch_dtype(dtype)
    if (
        torch_dtype.is_floating_point
        or torch_dtype.is_complex
        or torch_dtype == torch.bool
    ):
        raise ValueError(
            f"`keras.random.randint` needs an integer `dtype`. Received: dtype={dtype}"
        )
    if int(minval) >= int(maxval):
        raise ValueError(
            f"`minval` must be below `maxval`. Received: minval={minval}, maxval={maxval}"
        )
    return torch.randint(
        int(minval),
        int(maxval),
        _shape(shape),
        generator=generator_for(seed),
        dtype=torch_dtype,
        device=_device(),
    )


def truncated_normal(
    shape, mean=0.0, stddev=1.0, dtype=None, seed=None
) -> torch.Tensor:
    """Samples from a normal distribution, redrawn beyond 2 standard deviations.

    Arguments as in `normal`.
    """
    torch_dtype = _float_dtype(dtype, "truncated_normal")
    # float32 at least: the inverse-CDF sampler needs erfinv, absent for half on CPU.
    compute = torch.promote_types(torch_dtype, torch.float32)
    out = torch.empty(_shape(shape), dtype=compute, device=_device())
    torch.nn.init.trunc_normal_(
        out, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=generator_for(seed)
    )
    return (out * stddev + mean).to(torch_dtype)


@keras_op
def dropout(inputs, rate: float, noise_shape=None, seed=None) -> torch.Tensor:
    """Zero entries of `inputs` with probability `rate`, scale the rest by `1 / (1 - rate)`.

    Args:
        inputs: the tensor.
        rate: the drop probability, in `[0, 1]`.
        noise_shape: the shape of the keep/drop mask, broadcast to `inputs`
            (`None` entries take the input's size). Defaults to the input shape.
        seed: an int, a `SeedGenerator` or `None`. Defaults to `None`.
    """
    if not 0 <= rate <= 1:
        raise ValueError(f"`rate` must be in [0, 1]. Received: rate={rate}")
    inputs = convert_to_tensor(inputs)
    if rate == 0:
        return inputs
    if rate == 1:
        return torch.zeros_like(inputs)
    if noise_shape is None and seed is None:
        return F.dropout(inputs, p=rate, training=True)
    if noise_shape is None:
        noise_shape = inputs.shape
    if len(noise_shape) != inputs.ndim:
        raise ValueError(
            f"`noise_shape` needs one entry per axis of `inputs` (rank {inputs.ndim}). "
            f"Received: noise_shape={tuple(noise_shape)}"
        )
    noise_shape = tuple(
        inputs.shape[i] if d is None else int(d) for i, d in enumerate(noise_shape)
    )
    generator = generator_for(seed, inputs.device)
    noise = torch.rand(noise_shape, generator=generator, device=inputs.device)
    keep = noise >= rate
    return torch.where(keep, inputs / (1 - rate), 0.0)


@keras_op
def shuffle(x, axis: int = 0, seed=None) -> torch.Tensor:
    """`x` with its slices along `axis` in random order."""
    x = convert_to_tensor(x)
    generator = generator_for(seed, x.device)
    perm = torch.randperm(x.shape[axis], generator=generator, device=x.device)
    return torch.index_select(x, axis, perm)


@keras_op
def categorical(logits, num_samples: int, dtype="int32", seed=None) -> torch.Tensor:
    """Draw class indices from the categorical distributions given by `logits`.

    Args:
        logits: shape `(batch, num_classes)`: unnormalised log-probabilities.
        num_samples: draws per row.
        dtype: an integer dtype. Defaults to "int32".
        seed: an int, a `SeedGenerator` or `None`. Defaults to `None`.

    Returns:
        shape `(batch, num_samples)`.
    """
    logits = convert_to_tensor(logits)
    if logits.ndim != 2:
        raise ValueError(
            "`logits` must have shape (batch_size, num_classes). "
            f"Received: logits.shape={tuple(logits.shape)}"
        )
    probs = torch.softmax(logits.float(), dim=-1)
    generator = generator_for(seed, logits.device)
    out = torch.multinomial(probs, num_samples, replacement=True, generator=generator)
    return out.to(to_torch_dtype(dtype))


@contextlib.contextmanager
def _seeded_global_rng(seed, device: torch.device):
    """Run torch.distributions samplers (which take no generator) from `seed`,
    leaving the global RNG as it was."""
    torch_seed = draw_seed(seed)
    if torch_seed is None:
        yield
        return
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices, device_type=device.type):
        if device.type == "cuda":
            with torch.cuda.device(device):
                torch.cuda.manual_seed(torch_seed)
        else:
            torch.default_generator.manual_seed(torch_seed)
        yield


def gamma(shape, alpha, dtype=None, seed=None) -> torch.Tensor:
    """Samples from Gamma(`alpha`, rate 1) distributions (`alpha` broadcasts to `shape`)."""
    torch_dtype = _float_dtype(dtype, "gamma")
    device = _device()
    alpha = torch.broadcast_to(
        torch.as_tensor(alpha, dtype=torch.float32, device=device), _shape(shape)
    )
    with _seeded_global_rng(seed, device):
        out = torch.distributions.Gamma(alpha, torch.ones_like(alpha)).sample()
    return out.to(torch_dtype)


def beta(shape, alpha, beta, dtype=None, seed=None) -> torch.Tensor:
    """Samples from Beta(`alpha`, `beta`) distributions (parameters broadcast to `shape`)."""
    torch_dtype = _float_dtype(dtype, "beta")
    device = _device()
    a = torch.broadcast_to(
        torch.as_tensor(alpha, dtype=torch.float32, device=device), _shape(shape)
    )
    b = torch.broadcast_to(
        torch.as_tensor(beta, dtype=torch.float32, device=device), _shape(shape)
    )
    with _seeded_global_rng(seed, device):
        out = torch.distributions.Beta(a, b).sample()
    return out.to(torch_dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None) -> torch.Tensor:
    """Samples from Binomial(`counts`, `probabilities`) (parameters broadcast to `shape`).

    Args:
        dtype: a float dtype for the counts drawn. Defaults to `floatx()`.
    """
    torch_dtype = _float_dtype(dtype, "binomial")
    device = _device()
    counts = torch.broadcast_to(
        torch.as_tensor(counts, dtype=torch.float32, device=device), _shape(shape)
    )
    probs = torch.broadcast_to(
        torch.as_tensor(probabilities, dtype=torch.float32, device=device),
        _shape(shape),
    )
    out = torch.binomial(
        counts.contiguous(), probs.contiguous(), generator=generator_for(seed, device)
    )
    return out.to(torch_dtype)


__all__ = [
    "beta",
    "binomial",
    "categorical",
    "dropout",
    "gamma",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]
