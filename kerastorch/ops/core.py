"""Core ops (`keras.ops.core`): conversion, dtype/shape queries, control flow, scatter.

Every op accepts torch tensors, numpy arrays and Python numbers. Conversion
follows Keras: float64 numpy arrays and Python floats become `floatx()`,
Python ints become int32, other numpy dtypes are kept.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable

import numpy as np
import torch

from kerastorch.backend.dtypes import standardize_dtype
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.ops._symbolic import keras_op
from kerastorch.utils import tree

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
# numpy unsigned types torch does little arithmetic on: widened, as Keras does.
_WIDEN = {
    np.dtype("uint16"): np.int32,
    np.dtype("uint32"): np.int64,
    np.dtype("uint64"): np.int64,
}


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None) -> torch.Tensor:
    """Convert a tensor, numpy array, Python number or (nested) list to a tensor.

    Args:
        x: the value to convert.
        dtype: the target dtype (string, torch or numpy dtype). Defaults to
            `None`: tensors keep theirs, float64 numpy arrays and Python floats
            become `floatx()`, Python ints become int32.
        sparse: must be `None` or `False` (sparse tensors are not supported).
        ragged: must be `None` or `False` (ragged tensors are not supported).

    Example:

    >>> kerastorch.ops.convert_to_tensor(np.array([1.0, 2.0])).dtype
    torch.float32
    """
    if sparse or ragged:
        raise ValueError(
            "kerastorch does not support sparse or ragged tensors. "
            f"Received: sparse={sparse}, ragged={ragged}"
        )
    torch_dtype = None if dtype is None else to_torch_dtype(dtype)
    if isinstance(x, torch.Tensor):
        return x if torch_dtype is None or x.dtype == torch_dtype else x.to(torch_dtype)
    if isinstance(x, KerasTensor):
        raise TypeError(
            "A symbolic KerasTensor cannot be converted to a tensor: it holds no "
            "value. Use it as the input of a layer or a `kerastorch.ops` function. "
            f"Received: x={x}"
        )
    if isinstance(x, (list, tuple)) and any(
        isinstance(leaf, torch.Tensor) for leaf in tree.flatten(x)
    ):
        return torch.stack([convert_to_tensor(item, dtype) for item in x])
    if isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic):
        if torch_dtype is None:
            torch_dtype = _python_scalar_dtype(x)
        return torch.as_tensor(x, dtype=torch_dtype)
    if isinstance(x, (list, tuple)):
        leaves = tree.flatten(x)
        if leaves and all(_is_python_number(v) for v in leaves):
            # Plain Python numbers: typed here without numpy, so torch.compile traces it.
            if torch_dtype is None:
                torch_dtype = _python_list_dtype(leaves)
            return torch.tensor(x, dtype=torch_dtype)
    array = np.asarray(x)
    if array.dtype == object or array.dtype.kind in "SUV":
        raise TypeError(
            f"Cannot convert a value of type {type(x).__name__} with numpy dtype "
            f"'{array.dtype}' to a tensor. Received: x={x!r}"
        )
    if torch_dtype is None:
        if array.dtype == np.float64:
            torch_dtype = to_torch_dtype(None)
        elif array.dtype in _WIDEN:
            array = array.astype(_WIDEN[array.dtype])
    if not array.flags.writeable:
        array = array.copy()  # torch warns on (and could write to) read-only memory
    return torch.as_tensor(array, dtype=torch_dtype)


def _is_python_number(v) -> bool:
    return isinstance(v, (bool, int, float, complex)) and not isinstance(v, np.generic)


def _python_list_dtype(leaves: list) -> torch.dtype:
    """Keras's dtype for a list of Python numbers: bool, int32 (int64 if needed),
    floatx, complex64."""
    if any(isinstance(v, complex) for v in leaves):
        return torch.complex64
    if any(isinstance(v, float) for v in leaves):
        return to_torch_dtype(None)
    if all(isinstance(v, bool) for v in leaves):
        return torch.bool
    if all(_INT32_MIN <= v <= _INT32_MAX for v in leaves):
        return torch.int32
    return torch.int64


def _python_scalar_dtype(x) -> torch.dtype:
    if isinstance(x, bool):
        return torch.bool
    if isinstance(x, int):
        return torch.int32 if _INT32_MIN <= x <= _INT32_MAX else torch.int64
    if isinstance(x, float):
        return to_torch_dtype(None)
    return torch.complex64


def _tensor(x, like: torch.Tensor | None = None) -> torch.Tensor:
    """`convert_to_tensor`, on `like`'s device when given (mixed numpy/cuda inputs)."""
    if isinstance(x, torch.Tensor):
        return x
    t = convert_to_tensor(x)
    if like is not None and t.device != like.device:
        t = t.to(like.device)
    return t


def _promoted(*xs) -> list[torch.Tensor]:
    """Tensors of one common dtype (numpy-style promotion), on the first tensor's device."""
    first = next((x for x in xs if isinstance(x, torch.Tensor)), None)
    ts = [_tensor(x, first) for x in xs]
    if not ts:
        return ts
    dtype = ts[0].dtype
    for t in ts[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return [t if t.dtype == dtype else t.to(dtype) for t in ts]


def _is_scalar(x) -> bool:
    return isinstance(x, (bool, int, float)) or (
        isinstance(x, np.generic) and x.ndim == 0
    )


def _pair(x1, x2, keep_scalars: bool = False) -> tuple:
    """Tensors for a binary op; a Python number next to a tensor takes its dtype.

    With `keep_scalars=True` such numbers are returned as Python numbers for
    torch ops that accept them; otherwise they become tensors of the dtype
    torch's (Keras-like, "weak") promotion gives, e.g. float16 stays float16.
    """
    t1, t2 = isinstance(x1, torch.Tensor), isinstance(x2, torch.Tensor)
    if t1 and t2:
        return x1, x2
    if t1:
        return x1, _operand(x2, x1, keep_scalars)
    if t2:
        return _operand(x1, x2, keep_scalars), x2
    return convert_to_tensor(x1), convert_to_tensor(x2)


def _operand(x, like: torch.Tensor, keep_scalars: bool):
    if _is_scalar(x):
        x = x.item() if isinstance(x, np.generic) else x
        if keep_scalars:
            return x
        return torch.as_tensor(x, dtype=torch.result_type(like, x), device=like.device)
    return _tensor(x, like)


def _axes(axis, ndim: int) -> tuple[int, ...] | None:
    """`axis` (None, int, list or tuple) as a tuple of non-negative ints, or None."""
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        axes = tuple(int(a) for a in axis)
    else:
        axes = (int(axis),)
    for a in axes:
        if not -builtins.max(ndim, 1) <= a < builtins.max(ndim, 1):
            raise ValueError(
                f"`axis` {a} is out of bounds for a tensor of rank {ndim}. "
                f"Received: axis={axis}"
            )
    return tuple(a % builtins.max(ndim, 1) for a in axes)


def convert_to_numpy(x) -> np.ndarray:
    """Return `x` as a numpy array (bfloat16 becomes float32, which numpy lacks)."""
    if isinstance(x, KerasTensor):
        raise TypeError(f"A symbolic KerasTensor holds no value. Received: x={x}")
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.cpu().numpy()
    if isinstance(x, (list, tuple)):
        return np.asarray([convert_to_numpy(item) for item in x])
    return np.asarray(x)


def is_tensor(x) -> bool:
    """Whether `x` is a torch tensor (a `kerastorch.Variable` is one)."""
    return isinstance(x, torch.Tensor)


def shape(x) -> tuple:
    """The shape of `x` as a tuple of ints (`None` for unknown symbolic sizes)."""
    if isinstance(x, KerasTensor):
        return x.shape
    if isinstance(x, (torch.Tensor, np.ndarray)):
        return tuple(x.shape)
    return tuple(np.shape(x))


def dtype(x) -> str:
    """The Keras dtype name of `x`, e.g. `"float32"`."""
    if isinstance(x, KerasTensor):
        return x.dtype
    return standardize_dtype(convert_to_tensor(x).dtype)


@keras_op
def cast(x, dtype) -> torch.Tensor:
    """Cast `x` to `dtype` (a Keras dtype name, torch or numpy dtype)."""
    return convert_to_tensor(x).to(to_torch_dtype(dtype))


@keras_op
def saturate_cast(x, dtype) -> torch.Tensor:
    """Cast `x` to `dtype`, clipping values to the target's range first."""
    x = convert_to_tensor(x)
    target = to_torch_dtype(dtype)
    if target != torch.bool:
        info = torch.finfo(target) if target.is_floating_point else torch.iinfo(target)
        lo = builtins.max(float(info.min), _dtype_min(x.dtype))
        hi = builtins.min(float(info.max), _dtype_max(x.dtype))
        x = torch.clamp(x, lo, hi)
    return x.to(target)


def _dtype_min(d: torch.dtype) -> float:
    if d == torch.bool:
        return 0.0
    return float((torch.finfo(d) if d.is_floating_point else torch.iinfo(d)).min)


def _dtype_max(d: torch.dtype) -> float:
    if d == torch.bool:
        return 1.0
    return float((torch.finfo(d) if d.is_floating_point else torch.iinfo(d)).max)


@keras_op
def stop_gradient(variable) -> torch.Tensor:
    """Return `variable` cut from the autograd graph (no gradient flows back)."""
    return convert_to_tensor(variable).detach()


@keras_op
def unstack(x, num: int | None = None, axis: int = 0) -> list[torch.Tensor]:
    """Split `x` along `axis` into a list of tensors of one less rank."""
    x = convert_to_tensor(x)
    if num is not None and x.shape[axis] != num:
        raise ValueError(
            f"Cannot unstack {x.shape[axis]} items along axis {axis} into "
            f"num={num} tensors. Received: x.shape={tuple(x.shape)}"
        )
    return list(torch.unbind(x, dim=axis))


@keras_op
def slice(inputs, start_indices, shape) -> torch.Tensor:
    """The block of `inputs` starting at `start_indices` with the given `shape`.

    Example:

    >>> ops.slice(ops.arange(10), (2,), (3,))   # [2, 3, 4]
    """
    inputs = convert_to_tensor(inputs)
    starts = [int(s) for s in start_indices]
    sizes = [int(s) for s in shape]
    if len(starts) != inputs.ndim or len(sizes) != inputs.ndim:
        raise ValueError(
            f"`start_indices` and `shape` need one entry per axis of `inputs` "
            f"(rank {inputs.ndim}). Received: start_indices={start_indices}, "
            f"shape={shape}"
        )
    index = tuple(builtins.slice(s, s + n) for s, n in zip(starts, sizes))
    return inputs[index]


@keras_op
def slice_update(inputs, start_indices, updates) -> torch.Tensor:
    """A copy of `inputs` with the block at `start_indices` replaced by `updates`."""
    inputs = convert_to_tensor(inputs)
    updates = _tensor(updates, inputs).to(inputs.dtype)
    starts = [int(s) for s in start_indices]
    index = tuple(builtins.slice(s, s + n) for s, n in zip(starts, updates.shape))
    out = inputs.clone()
    out[index] = updates
    return out


@keras_op
def scatter(indices, values, shape) -> torch.Tensor:
    """A zero tensor of `shape` with `values` added at `indices`.

    Args:
        indices: int tensor of shape `(..., index_depth)`: the coordinates.
        values: the values, of shape `indices.shape[:-1] + shape[index_depth:]`.
            Values at repeated coordinates are summed.
        shape: the shape of the result.
    """
    values = convert_to_tensor(values)
    indices = _tensor(indices, values).long()
    out = torch.zeros(tuple(shape), dtype=values.dtype, device=values.device)
    return out.index_put(tuple(indices.unbind(-1)), values, accumulate=True)


@keras_op
def scatter_update(inputs, indices, updates) -> torch.Tensor:
    """A copy of `inputs` with `updates` written at `indices` (shape `(n, depth)`)."""
    inputs = convert_to_tensor(inputs)
    indices = _tensor(indices, inputs).long()
    updates = _tensor(updates, inputs).to(inputs.dtype)
    return inputs.index_put(tuple(indices.unbind(-1)), updates)


def cond(pred, true_fn: Callable, false_fn: Callable):
    """Return `true_fn()` if `pred` is true, else `false_fn()`."""
    return true_fn() if bool(pred) else false_fn()


def switch(index, branches: list[Callable], *operands):
    """Call `branches[index](*operands)`; `index` is clamped to the valid range, as in Keras."""
    if not branches:
        raise ValueError(
            "`branches` must hold at least one function. Received: branches=[]"
        )
    i = builtins.min(builtins.max(int(index), 0), len(branches) - 1)
    return branches[i](*operands)


def while_loop(
    cond: Callable, body: Callable, loop_vars, maximum_iterations: int | None = None
):
    """Run `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` holds.

    Args:
        cond: returns a boolean (Python or scalar tensor) from the loop vars.
        body: returns new loop vars of the same structure.
        loop_vars: a tuple/list of values (unpacked into `cond` and `body`),
            or a single value.
        maximum_iterations: stop after this many iterations. Defaults to `None`.
    """
    is_sequence = isinstance(loop_vars, (list, tuple))
    state = tuple(loop_vars) if is_sequence else (loop_vars,)
    i = 0
    while (maximum_iterations is None or i < maximum_iterations) and bool(cond(*state)):
        state = body(*state)
        if not is_sequence or not isinstance(state, (list, tuple)):
            state = (state,)
        i += 1
    return type(loop_vars)(state) if is_sequence else state[0]


def fori_loop(lower: int, upper: int, body_fun: Callable, init_val):
    """Run `val = body_fun(i, val)` for `i` in `range(lower, upper)`; return `val`."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def _leading_size(xs) -> int:
    return int(tree.flatten(xs)[0].shape[0])


def _stack_structures(items: list):
    if not items or items[0] is None:
        return None
    flat = [tree.flatten(item) for item in items]
    stacked = [
        torch.stack([convert_to_tensor(f[i]) for f in flat])
        for i in range(len(flat[0]))
    ]
    return tree.pack_sequence_as(items[0], stacked)


def map(f: Callable, xs):
    """Apply `f` to each slice of `xs` along its first axis; stack the results."""
    xs = tree.map_structure(convert_to_tensor, xs)
    n = _leading_size(xs)
    return _stack_structures(
        [f(tree.map_structure(lambda t, i=i: t[i], xs)) for i in range(n)]
    )


def scan(
    f: Callable,
    init,
    xs=None,
    length: int | None = None,
    reverse: bool = False,
    unroll=1,
):
    """Loop `carry, y = f(carry, x)` over the first axis of `xs`; return `(carry, ys)`.

    Args:
        f: the step function.
        init: the initial carry.
        xs: values to scan over (a tensor or nested structure), or `None`.
        length: the number of steps when `xs` is `None`.
        reverse: scan from the last slice to the first. Defaults to `False`.
        unroll: accepted for Keras compatibility; eager loops are not unrolled.
    """
    if xs is None and length is None:
        raise ValueError(
            "`scan` needs `xs` or `length`. Received: xs=None, length=None"
        )
    if xs is not None:
        xs = tree.map_structure(convert_to_tensor, xs)
        n = _leading_size(xs)
        if length is not None and length != n:
            raise ValueError(
                f"`length`={length} does not match the {n} slices of `xs`."
            )
    else:
        n = int(length)
    steps = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, []
    for i in steps:
        x = None if xs is None else tree.map_structure(lambda t, i=i: t[i], xs)
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    return carry, _stack_structures(ys)


def vectorized_map(function: Callable, elements):
    """Apply `function` to each slice of `elements` along axis 0, vectorised by `torch.vmap`."""
    elements = tree.map_structure(convert_to_tensor, elements)
    return torch.vmap(function)(elements)


__all__ = [
    "cast",
    "cond",
    "convert_to_numpy",
    "convert_to_tensor",
    "dtype",
    "fori_loop",
    "is_tensor",
    "map",
    "saturate_cast",
    "scan",
    "scatter",
    "scatter_update",
    "shape",
    "slice",
    "slice_update",
    "stop_gradient",
    "switch",
    "unstack",
    "vectorized_map",
    "while_loop",
]
