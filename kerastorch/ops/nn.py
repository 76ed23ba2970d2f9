"""Neural-network ops (`keras.ops.nn`): activations, softmax, one_hot, crossentropies,
normalisation statistics and attention, on `torch.nn.functional`.

Keras defaults apply where they differ from torch's: `gelu` uses the tanh
approximation, `leaky_relu`'s slope is 0.2, crossentropies clip
probabilities to `[epsilon, 1 - epsilon]`.
"""

from __future__ import annotations

import numbers

import torch
import torch.nn.functional as F

from kerastorch.backend.config import epsilon as _epsilon
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.ops._symbolic import keras_op
from kerastorch.ops.attention import dot_product_attention
from kerastorch.ops.core import _axes
from kerastorch.ops.core import _tensor
from kerastorch.ops.core import convert_to_tensor
from kerastorch.ops.elementwise import _float
from kerastorch.ops.normalization import batch_normalization
from kerastorch.ops.normalization import layer_normalization
from kerastorch.ops.normalization import moments
from kerastorch.ops.normalization import normalize
from kerastorch.ops.normalization import rms_normalization

# --- activations -------------------------------------------------------------------


@keras_op
def relu(x) -> torch.Tensor:
    """`max(x, 0)`."""
    return F.relu(_float(x))


@keras_op
def relu6(x) -> torch.Tensor:
    """`min(max(x, 0), 6)`."""
    return F.relu6(_float(x))


@keras_op
def sigmoid(x) -> torch.Tensor:
    """`1 / (1 + exp(-x))`."""
    return torch.sigmoid(_float(x))


@keras_op
def log_sigmoid(x) -> torch.Tensor:
    """`log(sigmoid(x))`, computed stably."""
    return F.logsigmoid(_float(x))


@keras_op
def hard_sigmoid(x) -> torch.Tensor:
    """Piecewise-linear sigmoid: `relu6(x + 3) / 6`."""
    return F.hardsigmoid(_float(x))


@keras_op
def silu(x) -> torch.Tensor:
    """`x * sigmoid(x)` (also called swish)."""
    return F.silu(_float(x))


swish = silu


@keras_op
def hard_silu(x) -> torch.Tensor:
    """`x * hard_sigmoid(x)` (also called hard swish)."""
    return F.hardswish(_float(x))


hard_swish = hard_silu


@keras_op
def softplus(x) -> torch.Tensor:
    """`log(1 + exp(x))`."""
    return F.softplus(_float(x))


@keras_op
def softsign(x) -> torch.Tensor:
    """`x / (1 + |x|)`."""
    return F.softsign(_float(x))


@keras_op
def elu(x, alpha: float = 1.0) -> torch.Tensor:
    """`x` if `x > 0`, else `alpha * (exp(x) - 1)`. `alpha` defaults to 1.0."""
    return F.elu(_float(x), alpha=alpha)


@keras_op
def selu(x) -> torch.Tensor:
    """Scaled ELU with the self-normalising constants."""
    return F.selu(_float(x))


@keras_op
def celu(x, alpha: float = 1.0) -> torch.Tensor:
    """`max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))`. `alpha` defaults to 1.0."""
    return F.celu(_float(x), alpha=alpha)


@keras_op
def gelu(x, approximate: bool = True) -> torch.Tensor:
    """Gaussian error linear unit; the tanh approximation by default, as in Keras."""
    return F.gelu(_float(x), approximate="tanh" if approximate else "none")


@keras_op
def leaky_relu(x, negative_slope: float = 0.2) -> torch.Tensor:
    """`x` if `x > 0`, else `negative_slope * x`. The slope defaults to 0.2."""
    return F.leaky_relu(_float(x), negative_slope=negative_slope)


@keras_op
def glu(x, axis: int = -1) -> torch.Tensor:
    """Gated linear unit: `a * sigmoid(b)` where `a, b` are the halves of `x` on `axis`."""
    x = _float(x)
    if x.shape[axis] % 2:
        raise ValueError(
            f"`glu` needs an even size along axis {axis}. Received: x.shape={tuple(x.shape)}"
        )
    return F.glu(x, dim=axis)


@keras_op
def hard_tanh(x) -> torch.Tensor:
    """`x` clipped to `[-1, 1]`."""
    return F.hardtanh(_float(x))


@keras_op
def hard_shrink(x, threshold: float = 0.5) -> torch.Tensor:
    """`x` where `|x| > threshold`, else 0."""
    return F.hardshrink(_float(x), lambd=threshold)


@keras_op
def soft_shrink(x, threshold: float = 0.5) -> torch.Tensor:
    """`x - threshold` above it, `x + threshold` below `-threshold`, else 0."""
    return F.softshrink(_float(x), lambd=threshold)


@keras_op
def tanh_shrink(x) -> torch.Tensor:
    """`x - tanh(x)`."""
    return F.tanhshrink(_float(x))


@keras_op
def squareplus(x, b: float = 4) -> torch.Tensor:
    """`(x + sqrt(x**2 + b)) / 2`, a smooth ReLU. `b` defaults to 4."""
    x = _float(x)
    return (x + torch.sqrt(torch.square(x) + b)) / 2


@keras_op
def sparse_plus(x) -> torch.Tensor:
    """0 for `x <= -1`, `(x + 1)**2 / 4` for `|x| < 1`, `x` for `x >= 1`."""
    x = _float(x)
    return torch.where(x <= -1, 0.0, torch.where(x >= 1, x, torch.square(x + 1) / 4))


def _along(fn, x: torch.Tensor, axis) -> torch.Tensor:
    """Apply `fn(t, dim=-1)` jointly over `axis` (an int, a tuple, or None for all)."""
    if isinstance(axis, int):
        return fn(x, dim=axis)
    dims = _axes(axis, x.ndim)
    dims = tuple(range(x.ndim)) if dims is None else dims
    kept = [d for d in range(x.ndim) if d not in dims]
    perm = kept + list(dims)
    moved = x.permute(perm)
    out = fn(moved.reshape(*moved.shape[: len(kept)], -1), dim=-1).reshape(moved.shape)
    inverse = [perm.index(d) for d in range(x.ndim)]
    return out.permute(inverse)


@keras_op
def softmax(x, axis=-1) -> torch.Tensor:
    """`exp(x) / sum(exp(x))` over `axis` (an int or a tuple). Defaults to -1."""
    return _along(F.softmax, _float(x), axis)


@keras_op
def log_softmax(x, axis=-1) -> torch.Tensor:
    """`x - logsumexp(x)` over `axis` (an int or a tuple). Defaults to -1."""
    return _along(F.log_softmax, _float(x), axis)


# --- encodings -----------------------------------------------------------------------


@keras_op
def one_hot(x, num_classes: int, axis: int = -1, dtype=None, sparse: bool = False):
    """One-hot encode the integer tensor `x` into a new axis of size `num_classes`.

    Labels outside `[0, num_classes)` encode as all zeros, as in Keras.

    Args:
        x: integer class labels.
        num_classes: the size of the encoding.
        axis: where the new axis goes. Defaults to -1 (last).
        dtype: the result dtype. Defaults to `floatx()`.
        sparse: must be `False` (sparse tensors are not supported).

    Example:

    >>> ops.one_hot(np.array([0, 2]), 3)
    tensor([[1., 0., 0.],
            [0., 0., 1.]])
    """
    if sparse:
        raise ValueError(
            "kerastorch does not support sparse outputs. Received: sparse=True"
        )
    if (
        not isinstance(num_classes, numbers.Integral)
        or isinstance(num_classes, bool)
        or num_classes < 1
    ):
        raise ValueError(
            f"`num_classes` must be a positive int. Received: num_classes={num_classes!r}"
        )
    x = convert_to_tensor(x)
    if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
        raise TypeError(
            f"`one_hot` needs integer labels, but received a {x.dtype} tensor. "
            "Cast it first, e.g. `ops.one_hot(ops.cast(x, 'int32'), num_classes)`."
        )
    classes = torch.arange(int(num_classes), device=x.device)
    out = (x.unsqueeze(-1) == classes).to(
        to_torch_dtype(dtype)
    )  # (*x.shape, num_classes)
    if axis != -1:
        out = torch.movedim(out, -1, axis)
    return out


@keras_op
def multi_hot(
    inputs, num_classes: int, axis: int = -1, dtype=None, sparse: bool = False
):
    """Encode each row of integer labels as one vector with a 1 at every label present.

    A 1-D `inputs` gives shape `(num_classes,)`; a 2-D `(batch, n)` gives
    `(batch, num_classes)`.
    """
    inputs = convert_to_tensor(inputs)
    reduce_axis = 1 if inputs.ndim > 1 else 0
    encoded = one_hot(inputs, num_classes, axis=axis, dtype=dtype, sparse=sparse)
    return torch.amax(encoded, dim=reduce_axis)


# --- losses ---------------------------------------------------------------------------


def _check_same_shape(target: torch.Tensor, output: torch.Tensor) -> None:
    if target.shape != output.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}"
        )


@keras_op
def binary_crossentropy(target, output, from_logits: bool = False) -> torch.Tensor:
    """Element-wise binary crossentropy (no reduction) between labels and predictions.

    Args:
        target: labels in [0, 1], the shape of `output`.
        output: probabilities, or logits when `from_logits=True`.
        from_logits: whether `output` holds logits. Defaults to `False`.
    """
    output = _float(output)
    target = _tensor(target, output).to(output.dtype)
    _check_same_shape(target, output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    eps = _epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    # Written out rather than F.binary_cross_entropy: that one refuses autocast
    # and half precision on CPU; with the clip above the two agree.
    return -(target * torch.log(output) + (1.0 - target) * torch.log1p(-output))


def _log_probs(output: torch.Tensor, from_logits: bool, axis: int) -> torch.Tensor:
    if from_logits:
        return F.log_softmax(output, dim=axis)
    eps = _epsilon()
    output = output / torch.sum(output, dim=axis, keepdim=True)
    return torch.log(torch.clamp(output, eps, 1.0 - eps))


@keras_op
def categorical_crossentropy(target, output, from_logits: bool = False, axis: int = -1):
    """Crossentropy between one-hot (or soft) labels and predictions, reduced over `axis`.

    Args:
        target: label distributions, the shape of `output`.
        output: probabilities (renormalised to sum to 1), or logits when
            `from_logits=True`.
        from_logits: whether `output` holds logits. Defaults to `False`.
        axis: the class axis. Defaults to -1.
    """
    output = _float(output)
    target = _tensor(target, output).to(output.dtype)
    _check_same_shape(target, output)
    return -torch.sum(target * _log_probs(output, from_logits, axis), dim=axis)


@keras_op
def sparse_categorical_crossentropy(
    target, output, from_logits: bool = False, axis: int = -1
):
    """Crossentropy between integer labels and predictions, reduced over `axis`.

    Args:
        target: class indices, shape `output.shape` without `axis` (a trailing
            axis of size 1 is accepted too).
        output: probabilities, or logits when `from_logits=True`.
        from_logits: whether `output` holds logits. Defaults to `False`.
        axis: the class axis. Defaults to -1.
    """
    output = _float(output)
    target = _tensor(target, output)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = target.squeeze(-1)
    axis = axis % output.ndim
    expected = output.shape[:axis] + output.shape[axis + 1 :]
    if target.shape != expected:
        raise ValueError(
            "Argument `target` must have the shape of `output` without the class "
            f"axis. Received: target.shape={tuple(target.shape)}, "
            f"output.shape={tuple(output.shape)}, axis={axis}"
        )
    encoded = one_hot(target.long(), output.shape[axis], axis=axis, dtype=output.dtype)
    return -torch.sum(encoded * _log_probs(output, from_logits, axis), dim=axis)


__all__ = [
    "batch_normalization",
    "binary_crossentropy",
    "categorical_crossentropy",
    "celu",
    "dot_product_attention",
    "elu",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "layer_normalization",
    "leaky_relu",
    "log_sigmoid",
    "log_softmax",
    "moments",
    "multi_hot",
    "normalize",
    "one_hot",
    "relu",
    "relu6",
    "rms_normalization",
    "selu",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_categorical_crossentropy",
    "sparse_plus",
    "squareplus",
    "swish",
    "tanh_shrink",
]
