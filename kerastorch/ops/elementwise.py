"""Element-wise numpy ops (part of `keras.ops.numpy`): arithmetic, comparisons, math.

Binary ops broadcast as numpy does. A Python number next to a tensor takes
the tensor's dtype (Keras's "weak" typing: `float16_tensor + 1.0` stays
float16); ints divided by ints give floats. Transcendental functions of
integer tensors return `floatx()`.
"""

from __future__ import annotations

import torch

from kerastorch.backend.config import floatx
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.ops._symbolic import keras_op
from kerastorch.ops.core import _pair
from kerastorch.ops.core import _tensor
from kerastorch.ops.core import convert_to_tensor


def _float(x) -> torch.Tensor:
    """`x` as a tensor; integer and bool tensors become `floatx()`."""
    x = convert_to_tensor(x)
    if not (x.is_floating_point() or x.is_complex()):
        x = x.to(to_torch_dtype(floatx()))
    return x


def _no_bool(x) -> torch.Tensor:
    """`x` as a tensor; bool becomes int32 (torch has no bool arithmetic)."""
    x = convert_to_tensor(x)
    return x.to(torch.int32) if x.dtype == torch.bool else x


# --- arithmetic ------------------------------------------------------------------


@keras_op
def add(x1, x2) -> torch.Tensor:
    """`x1 + x2`, element-wise with broadcasting."""
    x1, x2 = _pair(x1, x2, keep_scalars=True)
    return torch.add(x1, x2)


@keras_op
def subtract(x1, x2) -> torch.Tensor:
    """`x1 - x2`, element-wise with broadcasting."""
    x1, x2 = _pair(x1, x2, keep_scalars=True)
    return torch.subtract(x1, x2)


@keras_op
def multiply(x1, x2) -> torch.Tensor:
    """`x1 * x2`, element-wise with broadcasting."""
    x1, x2 = _pair(x1, x2, keep_scalars=True)
    return torch.multiply(x1, x2)


@keras_op
def divide(x1, x2) -> torch.Tensor:
    """`x1 / x2` (true division: integer inputs give floats)."""
    x1, x2 = _pair(x1, x2, keep_scalars=True)
    return torch.true_divide(x1, x2)


true_divide = divide


@keras_op
def divide_no_nan(x1, x2) -> torch.Tensor:
    """`x1 / x2`, with 0 wherever `x2` is 0 (gradients stay finite there too)."""
    x1, x2 = _pair(x1, x2)
    zero = x2 == 0
    safe_x2 = torch.where(zero, torch.ones_like(x2), x2)
    return torch.where(zero, 0, torch.true_divide(x1, safe_x2))


@keras_op
def floor_divide(x1, x2) -> torch.Tensor:
    """`x1 // x2`: division rounded towards minus infinity, as in numpy."""
    x1, x2 = _pair(x1, x2, keep_scalars=True)
    return torch.floor_divide(x1, x2)


@keras_op
def mod(x1, x2) -> torch.Tensor:
    """`x1 % x2` with the sign of `x2`, as in numpy."""
    x1, x2 = _pair(x1, x2, keep_scalars=True)
    return torch.remainder(x1, x2)


@keras_op
def power(x1, x2) -> torch.Tensor:
    """`x1 ** x2`, element-wise."""
    x1, x2 = _pair(x1, x2, keep_scalars=True)
    return torch.pow(x1, x2)


@keras_op
def maximum(x1, x2) -> torch.Tensor:
    """Element-wise maximum (NaN propagates)."""
    x1, x2 = _pair(x1, x2)
    return torch.maximum(x1, x2)


@keras_op
def minimum(x1, x2) -> torch.Tensor:
    """Element-wise minimum (NaN propagates)."""
    x1, x2 = _pair(x1, x2)
    return torch.minimum(x1, x2)


@keras_op
def arctan2(x1, x2) -> torch.Tensor:
    """Element-wise angle of the point `(x2, x1)`, in radians."""
    x1, x2 = _pair(x1, x2)
    return torch.atan2(_float(x1), _float(x2))


@keras_op
def logaddexp(x1, x2) -> torch.Tensor:
    """`log(exp(x1) + exp(x2))`, computed stably."""
    x1, x2 = _pair(x1, x2)
    return torch.logaddexp(_float(x1), _float(x2))


@keras_op
def hypot(x1, x2) -> torch.Tensor:
    """`sqrt(x1**2 + x2**2)`, element-wise."""
    x1, x2 = _pair(x1, x2)
    return torch.hypot(_float(x1), _float(x2))


@keras_op
def negative(x) -> torch.Tensor:
    """`-x`, element-wise."""
    return torch.negative(_no_bool(x))


@keras_op
def abs(x) -> torch.Tensor:
    """Absolute value, element-wise."""
    return torch.abs(_no_bool(x))


absolute = abs


@keras_op
def sign(x) -> torch.Tensor:
    """-1, 0 or 1 according to the sign of each element."""
    return torch.sign(_no_bool(x))


@keras_op
def square(x) -> torch.Tensor:
    """`x * x`, element-wise (integers stay integers)."""
    return torch.square(_no_bool(x))


@keras_op
def sqrt(x) -> torch.Tensor:
    """Square root, element-wise."""
    return torch.sqrt(_float(x))


@keras_op
def reciprocal(x) -> torch.Tensor:
    """`1 / x`, element-wise."""
    return torch.reciprocal(_float(x))


@keras_op
def exp(x) -> torch.Tensor:
    """`e ** x`, element-wise."""
    return torch.exp(_float(x))


@keras_op
def exp2(x) -> torch.Tensor:
    """`2 ** x`, element-wise."""
    return torch.exp2(_float(x))


@keras_op
def expm1(x) -> torch.Tensor:
    """`exp(x) - 1`, accurate for small `x`."""
    return torch.expm1(_float(x))


@keras_op
def log(x) -> torch.Tensor:
    """Natural logarithm, element-wise."""
    return torch.log(_float(x))


@keras_op
def log2(x) -> torch.Tensor:
    """Base-2 logarithm, element-wise."""
    return torch.log2(_float(x))


@keras_op
def log10(x) -> torch.Tensor:
    """Base-10 logarithm, element-wise."""
    return torch.log10(_float(x))


@keras_op
def log1p(x) -> torch.Tensor:
    """`log(1 + x)`, accurate for small `x`."""
    return torch.log1p(_float(x))


@keras_op
def sin(x) -> torch.Tensor:
    """Sine, element-wise (radians)."""
    return torch.sin(_float(x))


@keras_op
def cos(x) -> torch.Tensor:
    """Cosine, element-wise (radians)."""
    return torch.cos(_float(x))


@keras_op
def tan(x) -> torch.Tensor:
    """Tangent, element-wise (radians)."""
    return torch.tan(_float(x))


@keras_op
def arcsin(x) -> torch.Tensor:
    """Inverse sine, element-wise."""
    return torch.asin(_float(x))


@keras_op
def arccos(x) -> torch.Tensor:
    """Inverse cosine, element-wise."""
    return torch.acos(_float(x))


@keras_op
def arctan(x) -> torch.Tensor:
    """Inverse tangent, element-wise."""
    return torch.atan(_float(x))


@keras_op
def sinh(x) -> torch.Tensor:
    """Hyperbolic sine, element-wise."""
    return torch.sinh(_float(x))


@keras_op
def cosh(x) -> torch.Tensor:
    """Hyperbolic cosine, element-wise."""
    return torch.cosh(_float(x))


@keras_op
def tanh(x) -> torch.Tensor:
    """Hyperbolic tangent, element-wise."""
    return torch.tanh(_float(x))


@keras_op
def arcsinh(x) -> torch.Tensor:
    """Inverse hyperbolic sine, element-wise."""
    return torch.asinh(_float(x))


@keras_op
def arccosh(x) -> torch.Tensor:
    """Inverse hyperbolic cosine, element-wise."""
    return torch.acosh(_float(x))


@keras_op
def arctanh(x) -> torch.Tensor:
    """Inverse hyperbolic tangent, element-wise."""
    return torch.atanh(_float(x))


@keras_op
def floor(x) -> torch.Tensor:
    """Round down to an integer value (integer inputs give `floatx()`, as in Keras)."""
    return torch.floor(_float(x))


@keras_op
def ceil(x) -> torch.Tensor:
    """Round up to an integer value (integer inputs give `floatx()`, as in Keras)."""
    return torch.ceil(_float(x))


@keras_op
def round(x, decimals: int = 0) -> torch.Tensor:
    """Round half to even, to `decimals` places. Defaults to 0 places."""
    x = convert_to_tensor(x)
    if not x.is_floating_point():
        return x
    return torch.round(x, decimals=decimals)


@keras_op
def trunc(x) -> torch.Tensor:
    """Round towards zero."""
    x = convert_to_tensor(x)
    return torch.trunc(x) if x.is_floating_point() else x


@keras_op
def clip(x, x_min, x_max) -> torch.Tensor:
    """Limit the values of `x` to `[x_min, x_max]` (numbers or tensors).

    As in numpy, where `x_min > x_max` every value becomes `x_max`.
    """
    x = _no_bool(x)
    if isinstance(x_min, torch.Tensor) or isinstance(x_max, torch.Tensor):
        x_min = _tensor(x_min, x).to(x.dtype) if x_min is not None else None
        x_max = _tensor(x_max, x).to(x.dtype) if x_max is not None else None
    elif not x.is_floating_point():
        # Python floats as bounds of an int tensor: compare in float, as numpy does.
        if isinstance(x_min, float) or isinstance(x_max, float):
            x = _float(x)
    return torch.clamp(x, x_min, x_max)


@keras_op
def nan_to_num(
    x, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
):
    """Replace NaN by `nan` and infinities by `posinf`/`neginf` (dtype extremes by default)."""
    return torch.nan_to_num(convert_to_tensor(x), nan=nan, posinf=posinf, neginf=neginf)


@keras_op
def conj(x) -> torch.Tensor:
    """Complex conjugate, element-wise (a no-op on real tensors)."""
    return torch.conj(convert_to_tensor(x)).resolve_conj()


conjugate = conj


@keras_op
def real(x) -> torch.Tensor:
    """Real part, element-wise."""
    x = convert_to_tensor(x)
    return torch.real(x) if x.is_complex() else x


@keras_op
def imag(x) -> torch.Tensor:
    """Imaginary part, element-wise (zeros for real tensors)."""
    x = convert_to_tensor(x)
    return torch.imag(x) if x.is_complex() else torch.zeros_like(x)


# --- comparisons and logic ---------------------------------------------------------


@keras_op
def equal(x1, x2) -> torch.Tensor:
    """`x1 == x2`, element-wise (bool)."""
    x1, x2 = _pair(x1, x2, keep_scalars=True)
    return torch.eq(x1, x2)


@keras_op
def not_equal(x1, x2) -> torch.Tensor:
    """`x1 != x2`, element-wise (bool)."""
    x1, x2 = _pair(x1, x2, keep_scalars=True)
    return torch.ne(x1, x2)


@keras_op
def greater(x1, x2) -> torch.Tensor:
    """`x1 > x2`, element-wise (bool)."""
    x1, x2 = _pair(x1, x2, keep_scalars=True)
    return torch.gt(x1, x2)


@keras_op
def greater_equal(x1, x2) -> torch.Tensor:
    """`x1 >= x2`, element-wise (bool)."""
    x1, x2 = _pair(x1, x2, keep_scalars=True)
    return torch.ge(x1, x2)


@keras_op
def less(x1, x2) -> torch.Tensor:
    """`x1 < x2`, element-wise (bool)."""
    x1, x2 = _pair(x1, x2, keep_scalars=True)
    return torch.lt(x1, x2)


@keras_op
def less_equal(x1, x2) -> torch.Tensor:
    """`x1 <= x2`, element-wise (bool)."""
    x1, x2 = _pair(x1, x2, keep_scalars=True)
    return torch.le(x1, x2)


@keras_op
def isclose(x1, x2, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    """Whether `|x1 - x2| <= atol + rtol * |x2|`, element-wise (numpy's test)."""
    x1, x2 = _pair(x1, x2)
    dtype = torch.promote_types(x1.dtype, x2.dtype)
    return torch.isclose(
        x1.to(dtype), x2.to(dtype), rtol=rtol, atol=atol, equal_nan=equal_nan
    )


@keras_op
def logical_and(x1, x2) -> torch.Tensor:
    """Element-wise logical AND of the truth values of `x1` and `x2`."""
    x1, x2 = _pair(x1, x2)
    return torch.logical_and(x1, x2)


@keras_op
def logical_or(x1, x2) -> torch.Tensor:
    """Element-wise logical OR of the truth values of `x1` and `x2`."""
    x1, x2 = _pair(x1, x2)
    return torch.logical_or(x1, x2)


@keras_op
def logical_xor(x1, x2) -> torch.Tensor:
    """Element-wise logical XOR of the truth values of `x1` and `x2`."""
    x1, x2 = _pair(x1, x2)
    return torch.logical_xor(x1, x2)


@keras_op
def logical_not(x) -> torch.Tensor:
    """Element-wise logical NOT of the truth value of `x`."""
    return torch.logical_not(convert_to_tensor(x))


@keras_op
def isnan(x) -> torch.Tensor:
    """Whether each element is NaN (bool)."""
    return torch.isnan(convert_to_tensor(x))


@keras_op
def isinf(x) -> torch.Tensor:
    """Whether each element is +inf or -inf (bool)."""
    return torch.isinf(convert_to_tensor(x))


@keras_op
def isfinite(x) -> torch.Tensor:
    """Whether each element is neither infinite nor NaN (bool)."""
    return torch.isfinite(convert_to_tensor(x))


@keras_op
def where(condition, x1=None, x2=None):
    """Pick `x1` where `condition` holds, else `x2` (numbers or tensors).

    With only `condition`, returns the indices of its non-zero entries, like
    `nonzero`.

    Example:

    >>> ops.where(x > 0, x, 0.0)
    """
    condition = convert_to_tensor(condition)
    if x1 is None and x2 is None:
        return torch.nonzero(condition, as_tuple=True)
    if x1 is None or x2 is None:
        raise ValueError(
            "`x1` and `x2` must both be given, or both be None. "
            f"Received: x1={x1}, x2={x2}"
        )
    if not isinstance(x1, torch.Tensor) and not isinstance(x2, torch.Tensor):
        x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    else:
        x1, x2 = _pair(x1, x2, keep_scalars=True)
    like = x1 if isinstance(x1, torch.Tensor) else x2
    if condition.device != like.device:
        condition = condition.to(like.device)
    if condition.dtype != torch.bool:
        condition = condition != 0
    return torch.where(condition, x1, x2)


__all__ = [
    "abs",
    "absolute",
    "add",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "ceil",
    "clip",
    "conj",
    "conjugate",
    "cos",
    "cosh",
    "divide",
    "divide_no_nan",
    "equal",
    "exp",
    "exp2",
    "expm1",
    "floor",
    "floor_divide",
    "greater",
    "greater_equal",
    "hypot",
    "imag",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "less",
    "less_equal",
    "log",
    "log10",
    "log1p",
    "log2",
    "logaddexp",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "maximum",
    "minimum",
    "mod",
    "multiply",
    "nan_to_num",
    "negative",
    "not_equal",
    "power",
    "real",
    "reciprocal",
    "round",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "square",
    "subtract",
    "tan",
    "tanh",
    "true_divide",
    "trunc",
    "where",
]
