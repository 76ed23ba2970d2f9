"""Activation functions (`keras.activations`): tensors in, tensors out.

    Dense(64, activation="relu")
    Dense(64, activation=kerastorch.activations.gelu)

Each function takes a tensor (arrays are converted) and returns a tensor of
the same shape, computed with torch's own ops.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from collections.abc import Mapping

import torch
import torch.nn.functional as F

from kerastorch.initializers import _lookup

_KIND = "activation function"


def _tensor(x) -> torch.Tensor:
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x)


def relu(
    x,
    negative_slope: float = 0.0,
    max_value: float | None = None,
    threshold: float = 0.0,
) -> torch.Tensor:
    """Rectified linear unit, with optional leak, ceiling and threshold.

    `max_value` where `x >= max_value`, `x` where `threshold < x < max_value`,
    else `negative_slope * (x - threshold)`.

    Args:
        x: input tensor.
        negative_slope: slope below the threshold. Defaults to `0.0`.
        max_value: saturation value (upper bound), or `None`. Defaults to `None`.
        threshold: values at or below it are damped or zeroed. Defaults to `0.0`.
    """
    x = _tensor(x)
    if threshold == 0 and max_value is None:
        return F.relu(x) if negative_slope == 0 else F.leaky_relu(x, negative_slope)
    if threshold == 0 and negative_slope == 0 and max_value == 6:
        return F.relu6(x)
    out = torch.where(x > threshold, x, torch.zeros_like(x))
    if max_value is not None:
        out = out.clamp(0.0, max_value)
    if negative_slope != 0:
        out = out - negative_slope * F.relu(threshold - x)
    return out


def relu6(x) -> torch.Tensor:
    """ReLU capped at 6: `min(max(x, 0), 6)`."""
    return F.relu6(_tensor(x))


def leaky_relu(x, negative_slope: float = 0.2) -> torch.Tensor:
    """Leaky ReLU: `x` if `x >= 0` else `negative_slope * x`.

    Args:
        x: input tensor.
        negative_slope: slope for negative inputs. Defaults to `0.2`.
    """
    return F.leaky_relu(_tensor(x), negative_slope)


def elu(x, alpha: float = 1.0) -> torch.Tensor:
    """Exponential linear unit: `x` if `x > 0` else `alpha * (exp(x) - 1)`.

    Args:
        x: input tensor.
        alpha: scale of the negative part. Defaults to `1.0`.
    """
    return F.elu(_tensor(x), alpha)


def selu(x) -> torch.Tensor:
    """Scaled exponential linear unit (self-normalizing networks)."""
    return F.selu(_tensor(x))


def celu(x, alpha: float = 1.0) -> torch.Tensor:
    """Continuously differentiable ELU: `max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`.

    Args:
        x: input tensor.
        alpha: scale of the negative part. Defaults to `1.0`.
    """
    return F.celu(_tensor(x), alpha)


def gelu(x, approximate: bool = True) -> torch.Tensor:
    """Gaussian error linear unit: `x * P(X <= x)` for `X ~ N(0, 1)`.

    Args:
        x: input tensor.
        approximate: use the tanh approximation. Defaults to `True`.
    """
    return F.gelu(_tensor(x), approximate="tanh" if approximate else "none")


def silu(x) -> torch.Tensor:
    """Sigmoid linear unit (swish): `x * sigmoid(x)`."""
    return F.silu(_tensor(x))


swish = silu


def hard_sigmoid(x) -> torch.Tensor:
    """Piecewise linear sigmoid: `relu6(x + 3) / 6`."""
    return F.hardsigmoid(_tensor(x))


def hard_silu(x) -> torch.Tensor:
    """Hard SiLU (hard swish): `x * relu6(x + 3) / 6`."""
    return F.hardswish(_tensor(x))


hard_swish = hard_silu


def sigmoid(x) -> torch.Tensor:
    """Sigmoid: `1 / (1 + exp(-x))`."""
    return torch.sigmoid(_tensor(x))


def log_sigmoid(x) -> torch.Tensor:
    """Logarithm of the sigmoid: `-softplus(-x)`, computed stably."""
    return F.logsigmoid(_tensor(x))


def sparse_sigmoid(x) -> torch.Tensor:
    """Sparse sigmoid: 0 below -1, 1 above 1, `(x + 1) / 2` in between."""
    return ((_tensor(x) + 1) / 2).clamp(0.0, 1.0)


def tanh(x) -> torch.Tensor:
    """Hyperbolic tangent."""
    return torch.tanh(_tensor(x))


def hard_tanh(x) -> torch.Tensor:
    """Hard tanh: `x` clipped to `[-1, 1]`."""
    return F.hardtanh(_tensor(x))


def tanh_shrink(x) -> torch.Tensor:
    """Tanh shrink: `x - tanh(x)`."""
    return F.tanhshrink(_tensor(x))


def hard_shrink(x, threshold: float = 0.5) -> torch.Tensor:
    """Hard shrink: `x` where `|x| > threshold`, else 0.

    Args:
        x: input tensor.
        threshold: the cut-off. Defaults to `0.5`.
    """
    return F.hardshrink(_tensor(x), threshold)


def soft_shrink(x, threshold: float = 0.5) -> torch.Tensor:
    """Soft shrink: `x` moved `threshold` towards 0, 0 where `|x| <= threshold`.

    Args:
        x: input tensor.
        threshold: the shrink amount. Defaults to `0.5`.
    """
    return F.softshrink(_tensor(x), threshold)


def threshold(x, threshold: float, default_value: float) -> torch.Tensor:
    """`x` where `x > threshold`, else `default_value`.

    Args:
        x: input tensor.
        threshold: values at or below it are replaced.
        default_value: the replacement value.
    """
    return F.threshold(_tensor(x), threshold, default_value)


def softplus(x) -> torch.Tensor:
    """Softplus: `log(exp(x) + 1)`."""
    return F.softplus(_tensor(x))


def sparse_plus(x) -> torch.Tensor:
    """SparsePlus: 0 below -1, `x` above 1, `(x + 1)^2 / 4` in between."""
    x = _tensor(x)
    middle = (x + 1) ** 2 / 4
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x >= 1, x, middle))


def squareplus(x, b: float = 4) -> torch.Tensor:
    """Squareplus: `(x + sqrt(x^2 + b)) / 2`, a smooth ReLU.

    Args:
        x: input tensor.
        b: smoothness, non-negative. Defaults to `4`.
    """
    if b < 0:
        raise ValueError(f"`squareplus` requires b >= 0. Received: b={b}")
    x = _tensor(x)
    return (x + torch.sqrt(x * x + b)) / 2


def softsign(x) -> torch.Tensor:
    """Softsign: `x / (abs(x) + 1)`."""
    return F.softsign(_tensor(x))


def mish(x) -> torch.Tensor:
    """Mish: `x * tanh(softplus(x))`."""
    return F.mish(_tensor(x))


def exponential(x) -> torch.Tensor:
    """Exponential: `exp(x)`."""
    return torch.exp(_tensor(x))


def linear(x) -> torch.Tensor:
    """The identity: returns `x` unchanged."""
    return _tensor(x)


def softmax(x, axis: int = -1) -> torch.Tensor:
    """Softmax: `exp(x) / sum(exp(x))` along `axis`.

    Args:
        x: input tensor.
        axis: the axis to normalize over. Defaults to `-1`.
    """
    return torch.softmax(_tensor(x), dim=axis)


def log_softmax(x, axis: int = -1) -> torch.Tensor:
    """Log of the softmax along `axis`, computed stably.

    Args:
        x: input tensor.
        axis: the axis to normalize over. Defaults to `-1`.
    """
    return torch.log_softmax(_tensor(x), dim=axis)


def sparsemax(x, axis: int = -1) -> torch.Tensor:
    """Sparsemax: the Euclidean projection of `x` onto the probability simplex.

    Like softmax, the outputs along `axis` are non-negative and sum to 1, but
    many are exactly 0.

    Args:
        x: input tensor.
        axis: the axis to normalize over. Defaults to `-1`.
    """
    x = _tensor(x).movedim(axis, -1)  # (..., n)
    z, _ = torch.sort(x, dim=-1, descending=True)
    k = torch.arange(1, z.shape[-1] + 1, device=z.device, dtype=z.dtype)
    cumulative = z.cumsum(-1)
    support = (1 + k * z) > cumulative  # (..., n): True for the first k_max
    k_max = support.sum(-1, keepdim=True)  # (..., 1)
    tau = (cumulative.gather(-1, k_max - 1) - 1) / k_max.to(z.dtype)
    return torch.clamp(x - tau, min=0).movedim(-1, axis)


def glu(x, axis: int = -1) -> torch.Tensor:
    """Gated linear unit: `a * sigmoid(b)` where `x` is split in halves `a, b` on `axis`.

    Args:
        x: input tensor; its size along `axis` must be even.
        axis: the axis to split. Defaults to `-1`.
    """
    x = _tensor(x)
    if x.shape[axis] % 2:
        raise ValueError(
            "`glu` needs an even size along `axis` to split in halves. "
            f"Received: x.shape={tuple(x.shape)}, axis={axis}"
        )
    return F.glu(x, dim=axis)


ALL_OBJECTS = (
    celu,
    elu,
    exponential,
    gelu,
    glu,
    hard_shrink,
    hard_sigmoid,
    hard_silu,
    hard_tanh,
    leaky_relu,
    linear,
    log_sigmoid,
    log_softmax,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    soft_shrink,
    softmax,
    softplus,
    softsign,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    tanh,
    tanh_shrink,
    threshold,
)
ALL_OBJECTS_DICT: dict[str, Callable] = {fn.__name__: fn for fn in ALL_OBJECTS}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu
_BUILTIN_NAMES = {id(fn): fn.__name__ for fn in ALL_OBJECTS}


def serialize(activation: Callable) -> str | dict:
    """Return the name of a built-in activation, or a config dict for others.

    Built-ins give their name (`serialize(swish) == "silu"`). Other named
    functions give `{"class_name": "function", "config": name, ...}` and
    objects with `get_config()` give Keras's class dict; both are found again
    by `deserialize(..., custom_objects={name: obj})`.
    """
    if id(activation) in _BUILTIN_NAMES:
        return _BUILTIN_NAMES[id(activation)]
    if isinstance(activation, types.FunctionType):
        if activation.__name__ == "<lambda>":
            raise ValueError(
                "A lambda activation cannot be serialized. Define it with `def` "
                "and pass it in `custom_objects` when loading."
            )
        return {
            "module": activation.__module__,
            "class_name": "function",
            "config": activation.__name__,
            "registered_name": activation.__name__,
        }
    if hasattr(activation, "get_config"):
        return _lookup.serialize_object(activation, "keras.activations")
    raise ValueError(
        f"Cannot serialize activation {activation!r}: it is not a built-in "
        "activation, a named function or an object with `get_config()`."
    )


def deserialize(
    config: str | Mapping, custom_objects: Mapping | None = None
) -> Callable:
    """Return an activation function from its name or a config dict.

    Args:
        config: a name such as `"relu"`, or a dict made by `serialize`.
        custom_objects: extra `{name: function}` looked up first. Defaults to
            `None`.
    """
    return _lookup.deserialize_object(config, _KIND, ALL_OBJECTS_DICT, custom_objects)


def get(identifier) -> Callable:
    """Return an activation function for a name, config dict, callable or None.

    `None` gives `linear`; callables are returned as is.

    Example:

    >>> kerastorch.activations.get("relu") is kerastorch.activations.relu
    True
    """
    return _lookup.resolve(
        identifier, _KIND, deserialize, none_value=linear, instantiate_classes=False
    )


__all__ = [fn.__name__ for fn in ALL_OBJECTS] + [
    "ALL_OBJECTS",
    "ALL_OBJECTS_DICT",
    "deserialize",
    "get",
    "hard_swish",
    "serialize",
    "swish",
]
