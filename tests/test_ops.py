"""kerastorch.ops: numerics against numpy (the reference for numpy-style ops) and
torch, Keras dtype rules, symbolic (KerasTensor) calls, and bad input."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from kerastorch import ops
from kerastorch.backend import config
from kerastorch.backend.keras_tensor import KerasTensor

RNG = np.random.default_rng(0)
A = RNG.normal(size=(3, 4)).astype("float32")
B = RNG.normal(size=(3, 4)).astype("float32")
POS = RNG.uniform(0.1, 2.0, size=(3, 4)).astype("float32")
UNIT = RNG.uniform(-0.9, 0.9, size=(3, 4)).astype("float32")
A3 = RNG.normal(size=(2, 3, 4)).astype("float32")


def close(actual, expected, **kw):
    np.testing.assert_allclose(
        ops.convert_to_numpy(actual), expected, rtol=1e-5, atol=1e-5, **kw
    )


def both(x):
    """The same input as numpy array and as tensor."""
    return [x, torch.from_numpy(x.copy())]


# --- conversion and dtypes ------------------------------------------------------------


def test_convert_to_tensor_dtype_rules():
    assert ops.convert_to_tensor(np.zeros(2, "float64")).dtype == torch.float32
    assert ops.convert_to_tensor(np.zeros(2, "int64")).dtype == torch.int64
    assert ops.convert_to_tensor(np.zeros(2, "float16")).dtype == torch.float16
    assert ops.convert_to_tensor([1, 2]).dtype == torch.int32
    assert ops.convert_to_tensor(3).dtype == torch.int32
    assert ops.convert_to_tensor(2.5).dtype == torch.float32
    assert ops.convert_to_tensor(True).dtype == torch.bool
    assert ops.convert_to_tensor([1.0, 2]).dtype == torch.float32
    assert ops.convert_to_tensor(np.zeros(2, "uint32")).dtype == torch.int64
    assert ops.convert_to_tensor([1, 2], dtype="float16").dtype == torch.float16
    t = torch.ones(2)
    assert ops.convert_to_tensor(t) is t
    stacked = ops.convert_to_tensor([torch.ones(2), np.zeros(2)])
    assert stacked.shape == (2, 2)
    readonly = np.ones(3, "float32")
    readonly.flags.writeable = False
    close(ops.convert_to_tensor(readonly), readonly)


def test_floatx_applies_to_python_floats():
    config.set_floatx("float64")
    assert ops.convert_to_tensor(1.5).dtype == torch.float64
    assert ops.mean(np.array([1, 2])).dtype == torch.float64
    assert ops.zeros((2,)).dtype == torch.float64


def test_convert_to_tensor_bad_input():
    with pytest.raises(TypeError, match="numpy dtype"):
        ops.convert_to_tensor(["a", "b"])
    with pytest.raises(ValueError, match="sparse"):
        ops.convert_to_tensor([1.0], sparse=True)
    with pytest.raises(TypeError, match="symbolic"):
        ops.convert_to_tensor(KerasTensor((None, 2)))


def test_convert_to_numpy_shape_dtype_cast():
    x = torch.ones(2, 3, dtype=torch.bfloat16)
    out = ops.convert_to_numpy(x)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    assert ops.shape(x) == (2, 3) and isinstance(ops.shape(x)[0], int)
    assert ops.shape(KerasTensor((None, 3))) == (None, 3)
    assert ops.dtype(x) == "bfloat16" and ops.dtype(np.zeros(2, "int16")) == "int16"
    assert ops.is_tensor(x) and not ops.is_tensor(np.ones(2))
    assert ops.cast(np.array([1.7, -1.7]), "int32").tolist() == [1, -1]
    assert ops.cast(x, torch.float32).dtype == torch.float32
    assert ops.saturate_cast(np.array([300.0, -5.0]), "uint8").tolist() == [255, 0]


def test_weak_typing_of_python_scalars():
    half = torch.ones(2, dtype=torch.float16)
    assert ops.add(half, 1.0).dtype == torch.float16
    assert ops.multiply(2, half).dtype == torch.float16
    assert ops.maximum(half, 0.5).dtype == torch.float16
    ints = torch.ones(2, dtype=torch.int32)
    assert ops.add(ints, 1).dtype == torch.int32
    assert ops.add(ints, 1.5).dtype == torch.float32
    assert ops.divide(ints, ints).dtype == torch.float32
    assert ops.where(torch.tensor([True, False]), half, 0.0).dtype == torch.float16


def test_numpy_operand_follows_tensor_device():
    # A numpy operand is moved to the tensor's device; meta stands in for an accelerator.
    t = torch.ones(2, 2, device="meta")
    assert ops.add(t, np.ones((2, 2), "float32")).device.type == "meta"
    assert ops.matmul(t, np.ones((2, 3), "float32")).shape == (2, 3)


# --- element-wise ---------------------------------------------------------------------

UNARY = [
    ("abs", np.abs, A),
    ("sign", np.sign, A),
    ("negative", np.negative, A),
    ("square", np.square, A),
    ("sqrt", np.sqrt, POS),
    ("exp", np.exp, A),
    ("exp2", np.exp2, A),
    ("expm1", np.expm1, A),
    ("log", np.log, POS),
    ("log2", np.log2, POS),
    ("log10", np.log10, POS),
    ("log1p", np.log1p, POS),
    ("sin", np.sin, A),
    ("cos", np.cos, A),
    ("tan", np.tan, UNIT),
    ("arcsin", np.arcsin, UNIT),
    ("arccos", np.arccos, UNIT),
    ("arctan", np.arctan, A),
    ("sinh", np.sinh, A),
    ("cosh", np.cosh, A),
    ("tanh", np.tanh, A),
    ("arcsinh", np.arcsinh, A),
    ("arccosh", np.arccosh, POS + 1),
    ("arctanh", np.arctanh, UNIT),
    ("floor", np.floor, A * 3),
    ("ceil", np.ceil, A * 3),
    ("round", np.round, A * 3),
    ("trunc", np.trunc, A * 3),
    ("reciprocal", np.reciprocal, POS),
    ("isnan", np.isnan, A),
    ("isfinite", np.isfinite, A),
    ("isinf", np.isinf, A),
    ("logical_not", np.logical_not, np.round(A)),
    ("rsqrt", lambda x: 1 / np.sqrt(x), POS),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), A),
    ("relu", lambda x: np.maximum(x, 0), A),
]


@pytest.mark.parametrize("name,np_fn,x", UNARY, ids=[u[0] for u in UNARY])
def test_unary_matches_numpy(name, np_fn, x):
    for inp in both(x):
        close(getattr(ops, name)(inp), np_fn(x))


def test_unary_int_inputs_give_floats_like_keras():
    ints = np.array([1, 4, 9], "int32")
    assert ops.sqrt(ints).dtype == torch.float32
    assert ops.floor(ints).dtype == torch.float32
    assert ops.square(ints).dtype == torch.int32
    assert ops.abs(np.array([-2], "int64")).dtype == torch.int64
    close(ops.sqrt(ints), [1, 2, 3])


BINARY = [
    ("add", np.add),
    ("subtract", np.subtract),
    ("multiply", np.multiply),
    ("divide", np.divide),
    ("true_divide", np.true_divide),
    ("power", np.power),
    ("maximum", np.maximum),
    ("minimum", np.minimum),
    ("arctan2", np.arctan2),
    ("logaddexp", np.logaddexp),
    ("hypot", np.hypot),
    ("floor_divide", np.floor_divide),
    ("mod", np.mod),
    ("equal", np.equal),
    ("not_equal", np.not_equal),
    ("greater", np.greater),
    ("greater_equal", np.greater_equal),
    ("less", np.less),
    ("less_equal", np.less_equal),
    ("logical_and", np.logical_and),
    ("logical_or", np.logical_or),
    ("logical_xor", np.logical_xor),
]


@pytest.mark.parametrize("name,np_fn", BINARY, ids=[b[0] for b in BINARY])
def test_binary_matches_numpy_with_broadcasting(name, np_fn):
    x1 = POS if name in ("power",) else np.round(A * 3)
    x2 = np.round(B[0] * 3) + (
        5 if name in ("floor_divide", "mod") else 0
    )  # (4,) broadcasts
    fn = getattr(ops, name)
    for a in both(x1):
        for b in both(x2):
            close(fn(a, b), np_fn(x1, x2))
    close(fn(torch.from_numpy(x1), 2.0), np_fn(x1, np.float32(2.0)))


def test_divide_no_nan_value_and_gradient():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = torch.tensor([0.0, 4.0], requires_grad=True)
    out = ops.divide_no_nan(x, y)
    close(out, [0.0, 0.5])
    out.sum().backward()
    assert torch.isfinite(x.grad).all() and torch.isfinite(y.grad).all()


def test_clip_where_isclose_nan_to_num():
    close(ops.clip(A, -0.5, 0.5), np.clip(A, -0.5, 0.5))
    close(ops.clip(A, 1.0, -1.0), np.clip(A, 1.0, -1.0))  # min > max: all max, as numpy
    close(ops.clip(np.array([1, 5, 9]), 2.5, 7), np.clip([1, 5, 9], 2.5, 7))
    assert ops.clip(np.array([True, False]), 0, 1).dtype == torch.int32
    close(ops.where(A > 0, A, 0.0), np.where(A > 0, A, 0.0))
    assert ops.where(np.array([True, False]), 1, 0).dtype == torch.int32
    rows, cols = ops.where(A > 0)
    np.testing.assert_array_equal(rows.numpy(), np.where(A > 0)[0])
    np.testing.assert_array_equal(cols.numpy(), np.where(A > 0)[1])
    with pytest.raises(ValueError, match="both"):
        ops.where(A > 0, A)
    close(ops.isclose(A, A + 1e-9), np.isclose(A, A + 1e-9))
    z = np.array([np.nan, np.inf, -np.inf, 1.0], "float32")
    close(
        ops.nan_to_num(z, nan=0.5, posinf=9.0, neginf=-9.0),
        np.nan_to_num(z, nan=0.5, posinf=9, neginf=-9),
    )


# --- reductions ---------------------------------------------------------------------------

REDUCTIONS = [
    ("sum", np.sum),
    ("mean", np.mean),
    ("max", np.max),
    ("min", np.min),
    ("prod", np.prod),
    ("std", np.std),
    ("var", np.var),
    ("all", np.all),
    ("any", np.any),
    (
        "logsumexp",
        lambda x, axis=None, keepdims=False: np.log(
            np.sum(np.exp(x), axis=axis, keepdims=keepdims)
        ),
    ),
    ("median", np.median),
]


@pytest.mark.parametrize("name,np_fn", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@pytest.mark.parametrize("axis", [None, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(name, np_fn, axis, keepdims):
    x = np.round(A3, 1) if name in ("all", "any") else A3
    out = getattr(ops, name)(torch.from_numpy(x), axis=axis, keepdims=keepdims)
    expected = np_fn(x, axis=axis, keepdims=keepdims)
    assert tuple(out.shape) == np.shape(expected)
    close(out, expected)


def test_reduction_dtypes_follow_keras():
    ints = np.array([[1, 2], [3, 4]], "int32")
    assert ops.mean(ints).dtype == torch.float32
    assert ops.sum(ints).dtype == torch.int32
    assert ops.sum(np.array([True, True])).dtype == torch.int32
    assert ops.sum(np.array([1], "int64")).dtype == torch.int64
    assert ops.cumsum(ints, axis=0).dtype == torch.int32
    assert ops.std(ints).dtype == torch.float32
    assert ops.argmax(ints).dtype == torch.int64


def test_reduction_edge_cases():
    close(ops.sum(A, axis=()), A)  # numpy: an empty axis tuple reduces nothing
    close(ops.max(np.zeros((0, 3), "float32"), axis=0, initial=-1.0), [-1, -1, -1])
    close(ops.max(A, initial=10.0), 10.0)
    with pytest.raises(ValueError, match="empty"):
        ops.max(np.zeros((0,), "float32"))
    with pytest.raises(ValueError, match="out of bounds"):
        ops.sum(A, axis=2)


@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_argmax_argmin(axis, keepdims):
    for name in ("argmax", "argmin"):
        out = getattr(ops, name)(A, axis=axis, keepdims=keepdims)
        np.testing.assert_array_equal(
            out.numpy(), getattr(np, name)(A, axis=axis, keepdims=keepdims)
        )


def test_sort_argsort_cumulative_count_average_quantile():
    for axis in (None, 0, -1):
        np.testing.assert_array_equal(
            ops.argsort(A, axis=axis).numpy(), np.argsort(A, axis=axis, kind="stable")
        )
        close(ops.sort(A, axis=axis), np.sort(A, axis=axis))
        close(ops.cumsum(A, axis=axis), np.cumsum(A, axis=axis))
        close(ops.cumprod(POS, axis=axis), np.cumprod(POS, axis=axis))
    assert ops.count_nonzero(np.round(A)).item() == np.count_nonzero(np.round(A))
    close(ops.count_nonzero(np.round(A), axis=1), np.count_nonzero(np.round(A), axis=1))
    w = POS[0]
    close(ops.average(A, axis=1, weights=w), np.average(A, axis=1, weights=w))
    close(ops.average(A, weights=POS), np.average(A, weights=POS))
    close(ops.average(A), np.average(A))
    for method in ("linear", "lower", "higher", "midpoint", "nearest"):
        close(
            ops.quantile(A3, [0.2, 0.9], axis=(0, 2), method=method, keepdims=True),
            np.quantile(A3, [0.2, 0.9], axis=(0, 2), method=method, keepdims=True),
        )
    with pytest.raises(ValueError, match="method"):
        ops.quantile(A, 0.5, method="cubic")


# --- creation -----------------------------------------------------------------------------


def test_creation_shapes_dtypes_values():
    assert ops.zeros((2, 3)).dtype == torch.float32 and ops.ones(4).shape == (4,)
    assert ops.zeros((2,), dtype="int8").dtype == torch.int8
    assert ops.full((2, 2), 7).dtype == torch.int32
    assert ops.full((2, 2), 7.0).dtype == torch.float32
    assert (
        ops.full((2,), np.float64(7.0)).dtype == torch.float32
    )  # numpy float64 -> floatx
    assert ops.full((2,), np.int16(7)).dtype == torch.int16
    close(ops.full((2, 3), np.array([1.0, 2.0, 3.0])), np.full((2, 3), [1.0, 2.0, 3.0]))
    assert ops.zeros_like(np.zeros(3, "int64")).dtype == torch.int64
    assert ops.ones_like(A, dtype="float16").dtype == torch.float16
    close(ops.full_like(A, 3), np.full_like(A, 3))
    assert (
        ops.arange(5).dtype == torch.int32
        and ops.arange(0, 1, 0.25).dtype == torch.float32
    )
    close(ops.arange(2, 11, 3), np.arange(2, 11, 3))
    close(ops.eye(3, 4, k=1), np.eye(3, 4, k=1))
    close(ops.eye(4, 3, k=-2), np.eye(4, 3, k=-2))
    close(ops.identity(3), np.identity(3))
    close(ops.tri(3, 4, k=1), np.tri(3, 4, k=1))
    close(ops.tril(A3, k=-1), np.tril(A3, k=-1))
    close(ops.triu(A3, k=1), np.triu(A3, k=1))
    close(ops.diag(A[0], k=1), np.diag(A[0], k=1))
    close(ops.diag(A, k=-1), np.diag(A, k=-1))
    close(
        ops.diagonal(A3, offset=1, axis1=1, axis2=2),
        np.diagonal(A3, offset=1, axis1=1, axis2=2),
    )
    with pytest.raises(ValueError, match="1-D or 2-D"):
        ops.diag(A3)


def test_linspace_logspace_meshgrid():
    close(ops.linspace(0, 1, 5), np.linspace(0, 1, 5))
    close(ops.linspace(2, 3, 4, endpoint=False), np.linspace(2, 3, 4, endpoint=False))
    out, step = ops.linspace(0, 10, 6, retstep=True)
    close(step, 2.0)
    start, stop = np.array([0.0, 1.0]), np.array([1.0, 3.0])
    close(ops.linspace(start, stop, 3, axis=1), np.linspace(start, stop, 3, axis=1))
    close(ops.logspace(0, 2, 3), np.logspace(0, 2, 3))
    for indexing in ("xy", "ij"):
        for got, want in zip(
            ops.meshgrid(np.arange(3), np.arange(2), indexing=indexing),
            np.meshgrid(np.arange(3), np.arange(2), indexing=indexing),
        ):
            close(got, want)


# --- manipulation ---------------------------------------------------------------------------


def test_reshape_transpose_axes():
    close(ops.reshape(A, (4, -1)), A.reshape(4, -1))
    close(ops.transpose(A3), np.transpose(A3))  # reverses all axes
    close(ops.transpose(A3, (1, 0, 2)), np.transpose(A3, (1, 0, 2)))
    close(ops.swapaxes(A3, 0, 2), np.swapaxes(A3, 0, 2))
    close(ops.moveaxis(A3, 0, -1), np.moveaxis(A3, 0, -1))
    assert ops.expand_dims(A, (0, 3)).shape == np.expand_dims(A, (0, 3)).shape
    assert ops.expand_dims(A, -1).shape == (3, 4, 1)
    x = np.zeros((1, 3, 1), "float32")
    assert ops.squeeze(x).shape == (3,) and ops.squeeze(x, axis=-1).shape == (1, 3)
    assert ops.ravel(A3).shape == (24,)
    with pytest.raises(ValueError, match="Cannot squeeze axis 1"):
        ops.squeeze(x, axis=1)
    with pytest.raises(ValueError, match="every axis"):
        ops.transpose(A3, (0, 1))


def test_join_and_split():
    close(ops.concatenate([A, B], axis=1), np.concatenate([A, B], axis=1))
    close(ops.concatenate([A, B[0]], axis=None), np.concatenate([A, B[0]], axis=None))
    assert (
        ops.concatenate([np.ones(2, "int32"), np.ones(2, "float32")]).dtype
        == torch.float32
    )
    close(ops.stack([A, B], axis=-1), np.stack([A, B], axis=-1))
    close(ops.hstack([A, B]), np.hstack([A, B]))
    close(ops.vstack([A[0], B[0]]), np.vstack([A[0], B[0]]))
    close(ops.append(A, B, axis=0), np.append(A, B, axis=0))
    for spec in (2, [1, 3]):
        for got, want in zip(ops.split(A, spec, axis=1), np.split(A, spec, axis=1)):
            close(got, want)
    assert [t.shape[1] for t in ops.array_split(A, 3, axis=1)] == [2, 1, 1]
    with pytest.raises(ValueError, match="equal sections"):
        ops.split(A, 3, axis=1)
    assert len(ops.unstack(A3, axis=1)) == 3
    with pytest.raises(ValueError, match="num=3"):
        ops.unstack(A3, num=3)


def test_tile_repeat_broadcast_flip_roll_rot90():
    close(ops.tile(A, (2, 1)), np.tile(A, (2, 1)))
    close(ops.tile(A[0], 2), np.tile(A[0], 2))
    close(ops.repeat(A, 2), np.repeat(A, 2))
    close(ops.repeat(A, [1, 0, 2], axis=0), np.repeat(A, [1, 0, 2], axis=0))
    close(ops.broadcast_to(A[0], (2, 3, 4)), np.broadcast_to(A[0], (2, 3, 4)))
    close(ops.flip(A3), np.flip(A3))
    close(ops.flip(A3, axis=(0, 2)), np.flip(A3, axis=(0, 2)))
    close(ops.roll(A, 3), np.roll(A, 3))
    close(ops.roll(A3, (1, -1), axis=(0, 2)), np.roll(A3, (1, -1), axis=(0, 2)))
    close(ops.rot90(A, k=3), np.rot90(A, k=3))


def test_take_and_take_along_axis():
    idx = np.array([[0, -1], [2, 1]])
    close(ops.take(A, idx), np.take(A, idx))
    close(ops.take(A3, idx, axis=1), np.take(A3, idx, axis=1))
    close(ops.take(A, [3, -2], axis=-1), np.take(A, [3, -2], axis=-1))
    order = np.argsort(A, axis=1)
    close(ops.take_along_axis(A, order, axis=1), np.take_along_axis(A, order, axis=1))
    close(
        ops.take_along_axis(A, np.array([[0], [-1], [1]]), axis=1),
        np.take_along_axis(A, np.array([[0], [-1], [1]]), axis=1),
    )
    close(
        ops.take_along_axis(A, np.array([5, 0]), axis=None),
        np.take_along_axis(A, np.array([5, 0]), axis=None),
    )


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
@pytest.mark.parametrize("pad_width", [2, (1, 3), ((0, 1), (2, 5)), ((4, 0), (9, 1))])
def test_pad_matches_numpy(mode, pad_width):
    x = A[:2, :3]
    for inp in both(x):
        close(ops.pad(inp, pad_width, mode=mode), np.pad(x, pad_width, mode=mode))


def test_pad_constant_values_and_errors():
    close(
        ops.pad(A, ((1, 0), (0, 2)), constant_values=7),
        np.pad(A, ((1, 0), (0, 2)), constant_values=7),
    )
    with pytest.raises(
        ValueError,
        match="Could not interpret pad mode identifier: 'reflct'. Did you mean: 'reflect'",
    ):
        ops.pad(A, 1, mode="reflct")
    with pytest.raises(ValueError, match="constant_values"):
        ops.pad(A, 1, mode="edge", constant_values=1)
    with pytest.raises(ValueError, match="pad_width"):
        ops.pad(A, ((1, 1), (1, 1), (1, 1)))
    with pytest.raises(ValueError, match="non-negative"):
        ops.pad(A, -1)


def test_index_ops():
    for got, want in zip(ops.nonzero(np.round(A)), np.nonzero(np.round(A))):
        np.testing.assert_array_equal(got.numpy(), want)
    close(ops.diff(A3, n=2, axis=1), np.diff(A3, n=2, axis=1))
    seq = np.array([1.0, 2.0, 2.0, 5.0], "float32")
    for side in ("left", "right"):
        close(
            ops.searchsorted(seq, np.array([2.0, 0.0, 9.0]), side=side),
            np.searchsorted(seq, [2.0, 0.0, 9.0], side=side),
        )
    close(
        ops.digitize(np.array([0.5, 1.0, 3.0, 6.0]), seq[[0, 1, 3]]),
        np.digitize([0.5, 1.0, 3.0, 6.0], seq[[0, 1, 3]]),
    )
    labels = np.array([0, 3, 3, 1])
    close(ops.bincount(labels, minlength=6), np.bincount(labels, minlength=6))
    close(ops.bincount(labels, weights=seq), np.bincount(labels, weights=seq))
    close(ops.bincount(np.array([[0, 1, 1], [2, 2, 2]])), [[1, 2, 0], [0, 0, 3]])
    with pytest.raises(ValueError, match="non-negative"):
        ops.bincount(np.array([-1, 2]))
    conds = [A < -0.5, A > 0.5]
    choices = [A * 0 - 1, A * 0 + 1]
    close(ops.select(conds, choices, default=0), np.select(conds, choices, default=0))
    assert (
        ops.ndim(A3) == 3
        and ops.size(A3) == 24
        and ops.ndim(KerasTensor((None, 2))) == 2
    )


# --- products -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shapes",
    [
        ((4,), (4,)),
        ((3, 4), (4,)),
        ((4,), (4, 5)),
        ((3, 4), (4, 5)),
        ((2, 3, 4), (4,)),
        ((2, 3, 4), (5, 4, 6)),
        ((), (3,)),
    ],
)
def test_dot_matches_numpy(shapes):
    x1 = RNG.normal(size=shapes[0]).astype("float32")
    x2 = RNG.normal(size=shapes[1]).astype("float32")
    close(ops.dot(x1, x2), np.dot(x1, x2))


def test_products_match_numpy():
    close(ops.matmul(A3, B.T), np.matmul(A3, B.T))
    assert (
        ops.matmul(np.ones((2, 2), "int32"), np.ones((2, 2), "float32")).dtype
        == torch.float32
    )
    close(ops.einsum("bij,kj->bik", A3, B), np.einsum("bij,kj->bik", A3, B))
    close(ops.tensordot(A3, B, axes=([2], [1])), np.tensordot(A3, B, axes=([2], [1])))
    c = A3.transpose(1, 2, 0)  # (3, 4, 2)
    close(ops.tensordot(A3, c, axes=2), np.tensordot(A3, c, axes=2))
    close(ops.tensordot(A, B.T, axes=1), np.tensordot(A, B.T, axes=1))
    close(ops.outer(A[0], B[1]), np.outer(A[0], B[1]))
    close(ops.inner(A, B), np.inner(A, B))
    close(ops.vdot(A, B), np.vdot(A, B))
    close(ops.kron(A[:2, :2], B[:2, :2]), np.kron(A[:2, :2], B[:2, :2]))
    close(
        ops.trace(A3, offset=1, axis1=1, axis2=2),
        np.trace(A3, offset=1, axis1=1, axis2=2),
    )
    v3, w3 = A[:, :3], B[:, :3]
    close(ops.cross(v3, w3), np.cross(v3, w3))
    v2 = np.pad(A[:, :2], ((0, 0), (0, 1)))  # a 2-vector is (x, y, 0)
    close(ops.cross(A[:, :2], w3), np.cross(v2, w3))
    close(ops.cross(A[:, :2], B[:, :2]), A[:, 0] * B[:, 1] - A[:, 1] * B[:, 0])
    close(ops.cross(v3.T, w3.T, axis=0), np.cross(v3.T, w3.T, axis=0))
    with pytest.raises(ValueError, match="size 2 or 3"):
        ops.cross(A, B)


# --- nn -------------------------------------------------------------------------------------


def test_activations_match_torch_and_keras_defaults():
    x = torch.from_numpy(A * 4)
    close(ops.gelu(x), F.gelu(x, approximate="tanh"))  # Keras: approximate=True
    close(ops.gelu(x, approximate=False), F.gelu(x))
    close(ops.leaky_relu(x), np.where(A > 0, A * 4, A * 4 * 0.2))
    close(ops.leaky_relu(x, negative_slope=0.01), F.leaky_relu(x, 0.01))
    close(ops.relu6(x), np.clip(A * 4, 0, 6))
    close(ops.elu(x, alpha=0.5), np.where(A > 0, A * 4, 0.5 * np.expm1(A * 4)))
    close(ops.selu(x), F.selu(x))
    close(ops.celu(x, alpha=2.0), F.celu(x, 2.0))
    close(ops.softplus(x), np.log1p(np.exp(A * 4)))
    close(ops.softsign(x), A * 4 / (1 + np.abs(A * 4)))
    close(ops.silu(x), A * 4 / (1 + np.exp(-A * 4)))
    assert ops.swish is ops.silu
    close(ops.hard_sigmoid(x), np.clip(A * 4 + 3, 0, 6) / 6)
    close(ops.hard_silu(x), A * 4 * np.clip(A * 4 + 3, 0, 6) / 6)
    close(ops.log_sigmoid(x), -np.log1p(np.exp(-A * 4)))
    close(ops.hard_tanh(x), np.clip(A * 4, -1, 1))
    close(ops.hard_shrink(x, 1.0), np.where(np.abs(A * 4) > 1, A * 4, 0))
    close(ops.soft_shrink(x, 1.0), np.sign(A * 4) * np.maximum(np.abs(A * 4) - 1, 0))
    close(ops.tanh_shrink(x), A * 4 - np.tanh(A * 4))
    close(ops.squareplus(x), (A * 4 + np.sqrt((A * 4) ** 2 + 4)) / 2)
    s = np.array([-2.0, -0.5, 0.5, 2.0], "float32")
    close(ops.sparse_plus(s), [0.0, 0.0625, 0.5625, 2.0])
    close(ops.glu(x), A[:, :2] * 4 / (1 + np.exp(-A[:, 2:] * 4)))
    assert ops.relu(np.array([-1, 2])).dtype == torch.float32
    with pytest.raises(ValueError, match="even size"):
        ops.glu(A[:, :3])


def test_softmax_axes():
    e = np.exp(A3 - A3.max(axis=-1, keepdims=True))
    close(ops.softmax(A3), e / e.sum(-1, keepdims=True))
    joint = ops.softmax(A3, axis=(0, 2))
    e = np.exp(A3)
    close(joint, e / e.sum(axis=(0, 2), keepdims=True))
    close(
        ops.log_softmax(A3, axis=1),
        np.log(np.exp(A3) / np.exp(A3).sum(1, keepdims=True)),
    )
    close(ops.sum(ops.softmax(A3, axis=None)), 1.0)


def test_one_hot_and_multi_hot():
    labels = np.array([[0, 2], [1, -1]])
    out = ops.one_hot(labels, 3)
    assert out.dtype == torch.float32 and out.shape == (2, 2, 3)
    close(
        out,
        np.eye(3)[[[0, 2], [1, 0]]] * np.array([1, 1, 1, 0])[:, None].reshape(2, 2, 1),
    )
    assert ops.one_hot(labels, 3, axis=0).shape == (3, 2, 2)
    close(ops.one_hot(labels, 3, axis=0)[:, 0, 1], [0, 0, 1])
    assert ops.one_hot(np.array([1]), 4, dtype="int32").dtype == torch.int32
    assert ops.one_hot(np.array([1]), np.int64(4)).shape == (1, 4)
    assert ops.top_k(A, np.int64(1))[0].shape == (3, 1)
    close(ops.one_hot(np.array([7]), 3), [[0, 0, 0]])  # out of range: zeros, as Keras
    close(
        ops.multi_hot(np.array([[0, 2, 2], [1, 1, 1]]), 4), [[1, 0, 1, 0], [0, 1, 0, 0]]
    )
    close(ops.multi_hot(np.array([3, 0]), 4), [1, 0, 0, 1])
    with pytest.raises(TypeError, match="integer labels"):
        ops.one_hot(np.array([0.0, 1.0]), 3)
    with pytest.raises(ValueError, match="num_classes"):
        ops.one_hot(np.array([0]), 0)


def test_crossentropies_match_torch():
    logits = torch.from_numpy(A)
    probs = torch.softmax(logits, -1)
    target_idx = torch.tensor([0, 3, 1])
    target = F.one_hot(target_idx, 4).float()
    ref = F.cross_entropy(logits, target_idx, reduction="none")
    close(ops.categorical_crossentropy(target, logits, from_logits=True), ref)
    close(ops.categorical_crossentropy(target, probs), ref)
    close(
        ops.categorical_crossentropy(target, probs * 3), ref
    )  # renormalised, as Keras
    close(
        ops.sparse_categorical_crossentropy(target_idx, logits, from_logits=True), ref
    )
    close(ops.sparse_categorical_crossentropy(target_idx[:, None].float(), probs), ref)
    close(
        ops.categorical_crossentropy(target.T, logits.T, from_logits=True, axis=0), ref
    )
    close(
        ops.sparse_categorical_crossentropy(
            target_idx, logits.T, from_logits=True, axis=0
        ),
        ref,
    )
    y = torch.from_numpy((A > 0).astype("float32"))
    p = torch.sigmoid(torch.from_numpy(B))
    close(ops.binary_crossentropy(y, p), F.binary_cross_entropy(p, y, reduction="none"))
    close(
        ops.binary_crossentropy(y, torch.from_numpy(B), from_logits=True),
        F.binary_cross_entropy_with_logits(torch.from_numpy(B), y, reduction="none"),
    )
    eps = 1e-7
    close(
        ops.binary_crossentropy(np.array([1.0]), np.array([0.0])), [-math.log(eps)]
    )  # clipped
    with pytest.raises(ValueError, match="same shape"):
        ops.categorical_crossentropy(target[:, :3], logits)
    with pytest.raises(ValueError, match="without the class"):
        ops.sparse_categorical_crossentropy(target_idx[:2], logits)


def test_moments_normalize_batch_and_layer_norm():
    mean, var = ops.moments(A3, axes=(0, 1))
    close(mean, A3.mean((0, 1)))
    close(var, A3.var((0, 1)))
    mean, var = ops.moments(torch.from_numpy(A3).half(), axes=[0, 1], keepdims=True)
    assert mean.dtype == torch.float16 and mean.shape == (1, 1, 4)
    close(ops.normalize(A), A / np.linalg.norm(A, axis=-1, keepdims=True))
    close(ops.normalize(A, axis=0, order=1), A / np.abs(A).sum(0, keepdims=True))
    close(ops.normalize(np.zeros((1, 3), "float32")), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="order"):
        ops.normalize(A, order=0)
    m, v, off, sc = A3.mean((0, 1)), A3.var((0, 1)), B[0], POS[0]
    close(
        ops.batch_normalization(A3, m, v, axis=-1, offset=off, scale=sc, epsilon=1e-3),
        (A3 - m) / np.sqrt(v + 1e-3) * sc + off,
    )
    close(
        ops.batch_normalization(A3, A3.mean((0, 2)), A3.var((0, 2)), axis=1),
        (A3 - A3.mean((0, 2))[:, None]) / np.sqrt(A3.var((0, 2))[:, None] + 1e-3),
    )
    x = torch.from_numpy(A3)
    close(
        ops.layer_normalization(x, gamma=POS[0], beta=B[0], epsilon=1e-5),
        F.layer_norm(
            x, (4,), torch.from_numpy(POS[0]), torch.from_numpy(B[0]), eps=1e-5
        ),
    )
    close(
        ops.rms_normalization(x, scale=2.0, epsilon=1e-6),
        F.rms_norm(x, (4,), eps=1e-6) * 2,
    )


def test_synchronized_moments_in_a_process_group(tmp_path):
    import torch.distributed as dist

    from kerastorch.ops.normalization import _synchronized_moments

    if dist.is_initialized():
        pytest.skip("a process group is already running")
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path}/pg", rank=0, world_size=1
    )
    x = torch.from_numpy(A3).double().requires_grad_(True)
    try:
        mean, var = _synchronized_moments(x, (0, 1))
        # The all-reduce is differentiable: gradients match the local formula.
        torch.autograd.backward((mean.sum() + var.sum(),))
        grad = x.grad.clone()
        x.grad = None
        local_var, local_mean = torch.var_mean(x, dim=(0, 1), correction=0)
        (local_mean.sum() + local_var.sum()).backward()
    finally:
        dist.destroy_process_group()
    close(mean, A3.mean((0, 1), keepdims=True))
    close(var, A3.var((0, 1), keepdims=True))
    close(grad, x.grad)


def _reference_attention(q, k, v, bias=None, mask=None, causal=False, cap=None):
    q, k, v = (t.transpose(1, 2) for t in (q, k, v))
    if k.shape[1] != q.shape[1]:
        k = k.repeat_interleave(q.shape[1] // k.shape[1], 1)
        v = v.repeat_interleave(q.shape[1] // v.shape[1], 1)
    logits = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if cap:
        logits = cap * torch.tanh(logits / cap)
    if bias is not None:
        logits = logits + bias
    if mask is not None:
        logits = logits.masked_fill(~mask, float("-inf"))
    if causal:
        t, s = logits.shape[-2:]
        logits = logits.masked_fill(
            ~torch.ones(t, s, dtype=torch.bool).tril(), float("-inf")
        )
    return (torch.softmax(logits, -1) @ v).transpose(1, 2)


def test_dot_product_attention():
    g = torch.Generator().manual_seed(0)
    q = torch.randn(2, 5, 4, 8, generator=g)
    k = torch.randn(2, 6, 2, 8, generator=g)  # grouped-query: 4 query heads, 2 kv heads
    v = torch.randn(2, 6, 2, 8, generator=g)
    bias = torch.randn(1, 4, 5, 6, generator=g)
    mask = torch.rand(2, 1, 5, 6, generator=g) > 0.3
    mask[..., 0] = True
    close(ops.dot_product_attention(q, k, v), _reference_attention(q, k, v))
    close(
        ops.dot_product_attention(q, k, v, is_causal=True),
        _reference_attention(q, k, v, causal=True),
    )
    close(
        ops.dot_product_attention(q, k, v, bias=bias, mask=mask, is_causal=True),
        _reference_attention(q, k, v, bias, mask, causal=True),
    )
    close(
        ops.dot_product_attention(q, k, v, mask=mask, attn_logits_soft_cap=2.0),
        _reference_attention(q, k, v, mask=mask, cap=2.0),
    )
    close(
        ops.dot_product_attention(q, k, v, bias=bias, flash_attention=False),
        _reference_attention(q, k, v, bias),
    )
    with pytest.raises(ValueError, match="4-D"):
        ops.dot_product_attention(q[0], k[0], v[0])
    with pytest.raises(ValueError, match="multiple"):
        ops.dot_product_attention(q[:, :, :3], k, v)


# --- math -----------------------------------------------------------------------------------


def test_math_ops():
    special = pytest.importorskip("scipy.special")
    close(ops.erf(A), special.erf(A))
    close(ops.erfinv(UNIT), special.erfinv(UNIT))
    close(ops.logdet(np.eye(3, dtype="float32") * 2), 3 * math.log(2))
    values, indices = ops.top_k(A, 2)
    np.testing.assert_array_equal(indices.numpy(), np.argsort(-A, axis=-1)[:, :2])
    close(values, -np.sort(-A, axis=-1)[:, :2])
    with pytest.raises(ValueError, match="`k`"):
        ops.top_k(A, 5)
    preds = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]], "float32")
    np.testing.assert_array_equal(
        ops.in_top_k(np.array([2, 0]), preds, 1).numpy(), [False, False]
    )
    np.testing.assert_array_equal(
        ops.in_top_k(np.array([2, 0]), preds, 2).numpy(), [True, True]
    )  # tie counts
    data = np.arange(12, dtype="float32").reshape(6, 2)
    ids = np.array([0, 2, 2, 0, -1, 7])
    sums = np.zeros((4, 2), "float32")
    np.add.at(sums, ids[:4], data[:4])
    close(ops.segment_sum(data, ids, num_segments=4), sums)
    maxes = ops.segment_max(data, ids, num_segments=4)
    close(maxes[[0, 2]], [[6, 7], [4, 5]])
    assert torch.isneginf(maxes[1]).all() and torch.isneginf(maxes[3]).all()
    assert ops.segment_sum(data[:4], ids[:4]).shape == (3, 2)
    frames = ops.extract_sequences(np.arange(10), 4, 3)
    close(frames, [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])


# --- linalg -----------------------------------------------------------------------------------

NORM_CASES = [
    (None, None),
    (1, 0),
    (np.inf, 1),
    (0, -1),
    (3, 1),
    ("fro", (0, 1)),
    ("nuc", (0, 1)),
    (1, (0, 1)),
    (-np.inf, (1, 0)),
    (2, None),
]


@pytest.mark.parametrize("ord,axis", NORM_CASES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_matches_numpy(ord, axis, keepdims):
    close(
        ops.norm(A, ord=ord, axis=axis, keepdims=keepdims),
        np.linalg.norm(A, ord=ord, axis=axis, keepdims=keepdims),
    )


def test_linalg_ops():
    m = A @ A.T + 3 * np.eye(3, dtype="float32")
    close(ops.norm(A3), np.linalg.norm(A3))
    close(ops.inv(m), np.linalg.inv(m))
    close(ops.det(m), np.linalg.det(m))
    close(ops.solve(m, A), np.linalg.solve(m, A))
    up = np.triu(m)
    close(ops.solve_triangular(up, A[:, 0]), np.linalg.solve(up, A[:, 0]))
    close(
        ops.solve_triangular(np.tril(m), A, lower=True), np.linalg.solve(np.tril(m), A)
    )
    close(ops.cholesky(m), np.linalg.cholesky(m))
    close(ops.lstsq(A.T, B[0]), np.linalg.lstsq(A.T, B[0], rcond=None)[0])
    q, r = ops.qr(A.T)
    assert q.shape == (4, 3) and ops.qr(A.T, mode="complete")[0].shape == (4, 4)
    close(q @ r, A.T)
    u, s, vh = ops.svd(A, full_matrices=False)
    close(u @ torch.diag(s) @ vh, A)
    close(ops.svd(A, compute_uv=False), np.linalg.svd(A, compute_uv=False))
    w, v = ops.eigh(m)
    close(w, np.linalg.eigvalsh(m))
    w, v = ops.eig(m)
    close(np.sort(w.real.numpy()), np.linalg.eigvalsh(m))
    linalg = pytest.importorskip("scipy.linalg")
    lu, piv = ops.lu_factor(m)
    lu_ref, piv_ref = linalg.lu_factor(m)
    close(lu, lu_ref)
    np.testing.assert_array_equal(piv.numpy(), piv_ref)
    with pytest.raises(ValueError, match="mode"):
        ops.qr(A, mode="full")


# --- core: slicing, scatter, control flow ------------------------------------------------------


def test_slice_scatter_updates():
    close(ops.slice(A3, (1, 0, 2), (1, 2, 2)), A3[1:2, 0:2, 2:4])
    with pytest.raises(ValueError, match="one entry per axis"):
        ops.slice(A3, (0,), (1,))
    updated = ops.slice_update(A, (1, 2), np.ones((2, 2), "float32"))
    expected = A.copy()
    expected[1:3, 2:4] = 1
    close(updated, expected)
    close(A, A)  # input untouched
    out = ops.scatter(
        np.array([[0, 1], [2, 0], [0, 1]]), np.array([1.0, 2.0, 3.0]), (3, 2)
    )
    close(out, [[0, 4], [0, 0], [2, 0]])  # repeated coordinates add up
    out = ops.scatter_update(
        np.zeros((2, 3), "float32"), np.array([[1, 2], [0, 0]]), np.array([5.0, 6.0])
    )
    close(out, [[6, 0, 0], [0, 0, 5]])


def test_control_flow():
    assert ops.cond(torch.tensor(True), lambda: 1, lambda: 2) == 1
    assert ops.cond(False, lambda: 1, lambda: 2) == 2
    i, total = ops.while_loop(lambda i, t: i < 5, lambda i, t: (i + 1, t + i), (0, 0))
    assert (i, total) == (5, 10)
    assert (
        ops.while_loop(lambda x: x < 100, lambda x: x * 2, 1, maximum_iterations=3) == 8
    )
    assert ops.fori_loop(0, 4, lambda i, v: v + i, 10) == 16
    branches = [lambda x: x - 1, lambda x: x + 1]
    assert [ops.switch(i, branches, 10) for i in (-3, 0, 1, 9)] == [9, 9, 11, 11]
    carry, ys = ops.scan(
        lambda c, x: (c + x, c + x), torch.zeros(4), torch.from_numpy(A)
    )
    close(ys, np.cumsum(A, axis=0))
    close(carry, A.sum(0))
    carry, ys = ops.scan(
        lambda c, x: (c + x, c), 0.0, torch.from_numpy(A[:, 0]), reverse=True
    )
    close(ys, np.cumsum(A[::-1, 0])[::-1] - A[:, 0])
    _, ys = ops.scan(lambda c, _: (c * 2, c), torch.tensor(1.0), length=4)
    close(ys, [1, 2, 4, 8])
    with pytest.raises(ValueError, match="length"):
        ops.scan(lambda c, x: (c, x), 0)
    close(ops.map(lambda r: r.sum(), A), A.sum(1))
    out = ops.map(lambda d: {"s": d["a"] + d["b"]}, {"a": A, "b": B})
    close(out["s"], A + B)
    close(ops.vectorized_map(lambda r: r @ r, torch.from_numpy(A)), (A * A).sum(1))


def test_stop_gradient():
    x = torch.ones(2, requires_grad=True)
    y = (ops.stop_gradient(x * 2) * x).sum()
    y.backward()
    close(x.grad, [2.0, 2.0])


# --- symbolic calls (Functional API) -----------------------------------------------------------


def test_ops_on_keras_tensors_infer_shapes():
    x = KerasTensor((None, 4))
    y = ops.concatenate([ops.relu(x), ops.add(1.0, x)], axis=-1)
    assert isinstance(y, KerasTensor) and y.shape == (None, 8)
    assert ops.sum(y, axis=0).shape == (8,)
    assert ops.mean(KerasTensor((None, 4), dtype="int32"), axis=1).dtype == "float32"
    assert ops.argmax(y, axis=-1).dtype == "int64"
    parts = ops.split(x, 2, axis=1)
    assert [p.shape for p in parts] == [(None, 2), (None, 2)]
    values, indices = ops.top_k(x, 3)
    assert values.shape == (None, 3) and indices.dtype == "int64"
    assert ops.one_hot(KerasTensor((None,), dtype="int32"), 5).shape == (None, 5)


def test_op_layer_replays_and_round_trips_its_config():
    from kerastorch.ops._op_layer import OpLayer

    x = KerasTensor((None, 3))
    y = ops.sum(x, axis=1, keepdims=True)
    layer = y._keras_history.operation
    node = layer._inbound_nodes[y._keras_history.node_index]
    kwargs = node.call_kwargs
    assert isinstance(layer, OpLayer) and layer.name == "sum"
    assert kwargs == {"axis": 1, "keepdims": True}
    real = torch.from_numpy(A[:, :3])
    close(layer(real, **kwargs), A[:, :3].sum(1, keepdims=True))
    clone = OpLayer.from_config(layer.get_config())
    close(clone(real, **kwargs), A[:, :3].sum(1, keepdims=True))
    with pytest.raises(ValueError, match="Only kerastorch ops"):
        OpLayer("os.system")
