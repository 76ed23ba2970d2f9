import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from kerastorch import activations


@pytest.fixture
def x():
    g = torch.Generator().manual_seed(0)
    # (4, 6) values in [-5, 5], plus the piecewise break points exactly.
    base = torch.rand(4, 6, generator=g) * 10 - 5
    base[0, :5] = torch.tensor([-1.0, 0.0, 1.0, 6.0, -3.0])
    return base


def _np(t):
    return t.detach().numpy().astype(np.float64)


# Each built-in against torch.nn.functional or a hand formula in numpy.
REFERENCES = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "selu": lambda x: (
        1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1))
    ),
    "celu": lambda x: np.maximum(0, x) + np.minimum(0, np.exp(x) - 1),
    "gelu": lambda x: (
        0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    ),
    "silu": lambda x: x / (1 + np.exp(-x)),
    "swish": lambda x: x / (1 + np.exp(-x)),
    "hard_sigmoid": lambda x: np.clip(x + 3, 0, 6) / 6,
    "hard_silu": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "hard_swish": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "log_sigmoid": lambda x: -np.log1p(np.exp(-x)),
    "sparse_sigmoid": lambda x: np.where(x <= -1, 0, np.where(x >= 1, 1, (x + 1) / 2)),
    "tanh": np.tanh,
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "sparse_plus": lambda x: np.where(
        x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)
    ),
    "squareplus": lambda x: (x + np.sqrt(x**2 + 4)) / 2,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
    "exponential": np.exp,
    "linear": lambda x: x,
    "softmax": lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),
    "log_softmax": lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True)),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_matches_reference(name, x):
    fn = activations.get(name)
    out = fn(x)
    assert out.shape == x.shape and out.dtype == x.dtype
    np.testing.assert_allclose(_np(out), REFERENCES[name](_np(x)), rtol=1e-5, atol=1e-6)


def test_gelu_exact_and_default_is_tanh(x):
    torch.testing.assert_close(activations.gelu(x, approximate=False), F.gelu(x))
    torch.testing.assert_close(activations.gelu(x), F.gelu(x, approximate="tanh"))
    assert not torch.allclose(activations.gelu(x), F.gelu(x), atol=1e-6, rtol=0)


def _relu_reference(x, negative_slope=0.0, max_value=None, threshold=0.0):
    out = np.where(x > threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        out = np.where(x >= max_value, max_value, out)
    return out


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"negative_slope": 0.1},
        {"max_value": 6.0},
        {"max_value": 2.5},
        {"threshold": 1.0},
        {"negative_slope": 0.3, "max_value": 3.0},
        {"negative_slope": 0.2, "threshold": 0.5, "max_value": 4.0},
    ],
)
def test_relu_arguments(kwargs, x):
    out = activations.relu(x, **kwargs)
    np.testing.assert_allclose(
        _np(out), _relu_reference(_np(x), **kwargs), rtol=1e-6, atol=1e-6
    )


def test_relu_custom_path_has_gradients(x):
    x = x.clone().requires_grad_(True)
    activations.relu(
        x, negative_slope=0.1, max_value=3.0, threshold=0.5
    ).sum().backward()
    xs = _np(x)
    expected = np.where(xs > 0.5, np.where(xs >= 3.0, 0.0, 1.0), 0.1)
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_argument_variants(x):
    torch.testing.assert_close(
        activations.leaky_relu(x, negative_slope=0.5), F.leaky_relu(x, 0.5)
    )
    torch.testing.assert_close(activations.elu(x, alpha=2.0), F.elu(x, 2.0))
    torch.testing.assert_close(activations.celu(x, alpha=0.5), F.celu(x, 0.5))
    torch.testing.assert_close(activations.softmax(x, axis=0), torch.softmax(x, dim=0))
    torch.testing.assert_close(
        activations.log_softmax(x, axis=0), torch.log_softmax(x, dim=0)
    )
    torch.testing.assert_close(
        activations.hard_shrink(x, threshold=2.0), F.hardshrink(x, 2.0)
    )
    torch.testing.assert_close(
        activations.soft_shrink(x, threshold=2.0), F.softshrink(x, 2.0)
    )
    xs = _np(x)
    np.testing.assert_allclose(
        _np(activations.squareplus(x, b=1.0)), (xs + np.sqrt(xs**2 + 1)) / 2, rtol=1e-6
    )
    with pytest.raises(ValueError, match="b=-1"):
        activations.squareplus(x, b=-1)


def test_threshold(x):
    out = activations.threshold(x, 0.5, -7.0)
    xs = _np(x)
    np.testing.assert_allclose(_np(out), np.where(xs > 0.5, xs, -7.0))


def test_glu(x):
    a, b = x[:, :3], x[:, 3:]
    torch.testing.assert_close(activations.glu(x), a * torch.sigmoid(b))
    torch.testing.assert_close(activations.glu(x, axis=0), x[:2] * torch.sigmoid(x[2:]))
    with pytest.raises(ValueError, match=r"x.shape=\(4, 5\), axis=-1"):
        activations.glu(x[:, :5])


def _sparsemax_reference(z):
    # Find tau with sum(max(z - tau, 0)) = 1 by bisection: an independent check.
    lo, hi = z.min() - 1, z.max()
    for _ in range(200):
        tau = (lo + hi) / 2
        if np.maximum(z - tau, 0).sum() > 1:
            lo = tau
        else:
            hi = tau
    return np.maximum(z - (lo + hi) / 2, 0)


def test_sparsemax(x):
    out = activations.sparsemax(x)
    expected = np.stack([_sparsemax_reference(row) for row in _np(x)])
    np.testing.assert_allclose(_np(out), expected, atol=1e-5)
    np.testing.assert_allclose(_np(out.sum(-1)), np.ones(4), rtol=1e-6)
    assert (out == 0).any()  # sparse, unlike softmax
    out0 = activations.sparsemax(x, axis=0)
    expected0 = np.stack([_sparsemax_reference(col) for col in _np(x).T], axis=1)
    np.testing.assert_allclose(_np(out0), expected0, atol=1e-5)


def test_accepts_numpy_input():
    out = activations.relu(np.array([-1.0, 2.0]))
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), [0.0, 2.0])


# ---------------------------------------------------------------- get / serialize


def test_get_identifiers():
    assert activations.get("relu") is activations.relu
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.get(None) is activations.linear
    assert (
        activations.get({"class_name": "function", "config": "gelu"})
        is activations.gelu
    )

    def my_act(t):
        return t * 2

    assert activations.get(my_act) is my_act
    module = torch.nn.ReLU()
    assert activations.get(module) is module


def test_get_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError) as info:
        activations.get("rleu")
    assert str(info.value).startswith(
        "Could not interpret activation function identifier: 'rleu'. Did you mean: 'relu'"
    )
    with pytest.raises(ValueError, match="Did you mean: 'softmax'"):
        activations.get("sotfmax")
    with pytest.raises(ValueError, match="type int"):
        activations.get(3)


@pytest.mark.parametrize("name", sorted(activations.ALL_OBJECTS_DICT))
def test_serialize_round_trip_builtins(name):
    fn = activations.get(name)
    serialized = activations.serialize(fn)
    assert isinstance(serialized, str)
    assert activations.deserialize(serialized) is fn


def test_serialize_aliases_give_canonical_name():
    assert activations.serialize(activations.swish) == "silu"
    assert activations.serialize(activations.hard_swish) == "hard_silu"


def test_serialize_custom_function_and_lambda():
    def scaled_tanh(t):
        return 1.7 * torch.tanh(t)

    config = activations.serialize(scaled_tanh)
    assert config["class_name"] == "function" and config["config"] == "scaled_tanh"
    restored = activations.deserialize(
        config, custom_objects={"scaled_tanh": scaled_tanh}
    )
    assert restored is scaled_tanh
    with pytest.raises(ValueError, match="scaled_tanh"):
        activations.deserialize(config)
    with pytest.raises(ValueError, match="lambda"):
        activations.serialize(lambda t: t)
