import math

import numpy as np
import pytest
import torch

from kerastorch import backend
from kerastorch import initializers

BIG = (400, 500)  # 200k draws: sample moments within ~1% of the true ones


# ---------------------------------------------------------------- constants


def test_zeros_ones_values_and_dtypes():
    z = initializers.Zeros()((2, 3))
    o = initializers.Ones()((2, 3), dtype="int32")
    torch.testing.assert_close(z, torch.zeros(2, 3))
    torch.testing.assert_close(o, torch.ones(2, 3, dtype=torch.int32))
    assert initializers.Zeros()(4, dtype="float64").dtype == torch.float64


def test_default_dtype_follows_floatx():
    backend.set_floatx("float64")
    try:
        assert initializers.GlorotUniform()((2, 2)).dtype == torch.float64
        assert initializers.Ones()((2,)).dtype == torch.float64
    finally:
        backend.set_floatx("float32")
    assert initializers.GlorotUniform()((2, 2)).dtype == torch.float32


def test_constant_scalar_and_broadcast_array():
    torch.testing.assert_close(
        initializers.Constant(3.5)((2, 2)), torch.full((2, 2), 3.5)
    )
    arr = initializers.Constant([1.0, 2.0, 3.0])((2, 3))
    torch.testing.assert_close(arr, torch.tensor([[1.0, 2.0, 3.0]] * 2))
    with pytest.raises(ValueError, match="cannot be broadcast"):
        initializers.Constant([1.0, 2.0])((2, 3))
    with pytest.raises(ValueError, match="Received: value='a'"):
        initializers.Constant("a")


def test_constant_config_round_trip_with_array():
    init = initializers.Constant(np.array([[1.0, 2.0]]))
    clone = initializers.Constant.from_config(init.get_config())
    torch.testing.assert_close(clone((3, 2)), init((3, 2)))
    assert init.get_config() == {"value": [[1.0, 2.0]]}


def test_identity_gain_and_rank_check():
    out = initializers.Identity(gain=2.0)((2, 3))
    torch.testing.assert_close(out, 2.0 * torch.eye(2, 3))
    assert initializers.IdentityInitializer is initializers.Identity
    with pytest.raises(ValueError, match="2D matrices"):
        initializers.Identity()((2, 2, 2))


def test_bad_shape_raises():
    with pytest.raises(ValueError, match="shape"):
        initializers.Zeros()((2, -1))
    with pytest.raises(ValueError, match="shape"):
        initializers.RandomNormal()((2, 1.5))


# ---------------------------------------------------------------- statistics


def test_compute_fans_keras_layout():
    assert initializers.compute_fans(()) == (1, 1)
    assert initializers.compute_fans((7,)) == (7, 7)
    assert initializers.compute_fans((3, 5)) == (3, 5)
    # Conv2D kernel (kh, kw, in, out): receptive field 3*3 = 9.
    assert initializers.compute_fans((3, 3, 16, 32)) == (144, 288)
    assert initializers.compute_fans((5, 4, 6)) == (20, 30)


def test_random_normal_moments():
    x = initializers.RandomNormal(mean=1.0, stddev=2.0, seed=1)(BIG)
    assert abs(x.mean().item() - 1.0) < 0.02
    assert abs(x.std().item() - 2.0) < 0.02


def test_random_uniform_range_and_mean():
    x = initializers.RandomUniform(minval=-1.0, maxval=3.0, seed=2)(BIG)
    assert x.min() >= -1.0 and x.max() < 3.0
    assert abs(x.mean().item() - 1.0) < 0.02
    # Variance of U(a, b) is (b - a)^2 / 12.
    assert abs(x.var().item() - 16 / 12) < 0.02


def test_truncated_normal_bounds_and_std():
    x = initializers.TruncatedNormal(mean=0.5, stddev=0.1, seed=3)(BIG)
    assert x.min() >= 0.5 - 0.2 and x.max() <= 0.5 + 0.2
    # std of a normal truncated at 2 sigma is 0.8796 sigma.
    assert abs(x.std().item() - 0.087962566) < 0.001


@pytest.mark.parametrize(
    "mode, n", [("fan_in", 144), ("fan_out", 288), ("fan_avg", 216)]
)
@pytest.mark.parametrize(
    "distribution", ["truncated_normal", "untruncated_normal", "uniform"]
)
def test_variance_scaling_variance(mode, n, distribution):
    init = initializers.VarianceScaling(
        scale=2.0, mode=mode, distribution=distribution, seed=4
    )
    x = init((3, 3, 16, 32 * 20))  # wider kernel for more samples, same fans ratio
    fan_in, fan_out = 3 * 3 * 16, 3 * 3 * 32 * 20
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    np.testing.assert_allclose(x.var().item(), 2.0 / n, rtol=0.03)
    if distribution == "uniform":
        assert x.abs().max() <= math.sqrt(6.0 / n)
    if distribution == "truncated_normal":
        assert x.abs().max() <= 2 * math.sqrt(2.0 / n) / 0.87962566103423978 + 1e-6


def test_glorot_uniform_bound_and_variance():
    fan_in, fan_out = 300, 700
    x = initializers.GlorotUniform(seed=5)((fan_in, fan_out))
    limit = math.sqrt(6 / (fan_in + fan_out))
    assert x.abs().max() <= limit
    assert x.abs().max() > 0.99 * limit  # fills the whole range
    np.testing.assert_allclose(x.var().item(), 2 / (fan_in + fan_out), rtol=0.03)


@pytest.mark.parametrize(
    "cls, variance",
    [
        (initializers.GlorotNormal, lambda i, o: 2 / (i + o)),
        (initializers.HeNormal, lambda i, o: 2 / i),
        (initializers.HeUniform, lambda i, o: 2 / i),
        (initializers.LecunNormal, lambda i, o: 1 / i),
        (initializers.LecunUniform, lambda i, o: 1 / i),
    ],
)
def test_preset_variances(cls, variance):
    x = cls(seed=6)((300, 700))
    np.testing.assert_allclose(x.var().item(), variance(300, 700), rtol=0.03)
    assert cls().get_config() == {"seed": None}


@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10), (3, 3, 2, 5)])
def test_orthogonal_is_orthonormal(shape):
    q = initializers.Orthogonal(gain=1.0, seed=7)(shape)
    assert q.shape == shape
    m = q.reshape(-1, shape[-1])  # Keras layout: (prod(shape[:-1]), shape[-1])
    small = min(m.shape)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    torch.testing.assert_close(gram, torch.eye(small), atol=1e-5, rtol=0)


def test_orthogonal_gain_and_rank_check():
    q = initializers.Orthogonal(gain=3.0, seed=1)((5, 5))
    torch.testing.assert_close(q.T @ q, 9.0 * torch.eye(5), atol=1e-4, rtol=0)
    assert initializers.OrthogonalInitializer is initializers.Orthogonal
    with pytest.raises(ValueError, match="at least two-dimensional"):
        initializers.Orthogonal()((5,))


def test_low_precision_dtypes():
    for dtype, torch_dtype in [
        ("float16", torch.float16),
        ("bfloat16", torch.bfloat16),
    ]:
        x = initializers.TruncatedNormal(stddev=1.0, seed=0)((1000,), dtype=dtype)
        assert x.dtype == torch_dtype
        assert torch.isfinite(x).all() and x.abs().max() <= 2.01


def test_random_initializers_refuse_int_dtype():
    with pytest.raises(ValueError, match="floating point.*int32"):
        initializers.RandomNormal()((2,), dtype="int32")


# ---------------------------------------------------------------- seeds


ALL_RANDOM = [
    initializers.RandomNormal,
    initializers.RandomUniform,
    initializers.TruncatedNormal,
    initializers.VarianceScaling,
    initializers.GlorotUniform,
    initializers.GlorotNormal,
    initializers.HeUniform,
    initializers.HeNormal,
    initializers.LecunUniform,
    initializers.LecunNormal,
    initializers.Orthogonal,
]


@pytest.mark.parametrize("cls", ALL_RANDOM)
def test_int_seed_is_reproducible_across_calls_and_instances(cls):
    a = cls(seed=42)
    first = a((8, 6))
    torch.testing.assert_close(a((8, 6)), first, rtol=0, atol=0)
    torch.testing.assert_close(cls(seed=42)((8, 6)), first, rtol=0, atol=0)
    assert not torch.equal(cls(seed=43)((8, 6)), first)


@pytest.mark.parametrize("cls", ALL_RANDOM)
def test_no_seed_uses_global_rng(cls):
    init = cls()
    assert not torch.equal(init((8, 6)), init((8, 6)))
    torch.manual_seed(123)
    a = init((8, 6))
    torch.manual_seed(123)
    torch.testing.assert_close(init((8, 6)), a, rtol=0, atol=0)


def test_seed_must_be_int_or_none():
    with pytest.raises(ValueError, match="Received: seed='1'"):
        initializers.RandomNormal(seed="1")
    with pytest.raises(ValueError, match="seed"):
        initializers.GlorotUniform(seed=1.5)


def test_created_on_default_device():
    with torch.device("meta"):
        for init in (
            initializers.GlorotUniform(seed=1),
            initializers.Orthogonal(),
            initializers.Zeros(),
            initializers.Identity(),
        ):
            assert init((4, 4)).device.type == "meta"


# ---------------------------------------------------------------- arguments


def test_variance_scaling_argument_checks():
    with pytest.raises(ValueError, match="scale=0"):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="mode='fan_everything'"):
        initializers.VarianceScaling(mode="fan_everything")
    with pytest.raises(ValueError, match="distribution='gamma'"):
        initializers.VarianceScaling(distribution="gamma")
    assert (
        initializers.VarianceScaling(distribution="Normal").distribution
        == "truncated_normal"
    )


def test_random_argument_checks():
    with pytest.raises(ValueError, match="stddev=-1"):
        initializers.RandomNormal(stddev=-1)
    with pytest.raises(ValueError, match="minval=1, maxval=0"):
        initializers.RandomUniform(minval=1, maxval=0)


# ---------------------------------------------------------------- config / get


CONFIGURED = [
    initializers.Zeros(),
    initializers.Ones(),
    initializers.Constant(2.0),
    initializers.Identity(gain=0.5),
    initializers.RandomNormal(mean=0.1, stddev=0.3, seed=1),
    initializers.RandomUniform(minval=-2, maxval=1, seed=2),
    initializers.TruncatedNormal(mean=-1, stddev=0.2, seed=3),
    initializers.VarianceScaling(
        scale=3.0, mode="fan_avg", distribution="uniform", seed=4
    ),
    initializers.GlorotUniform(seed=5),
    initializers.HeNormal(seed=6),
    initializers.Orthogonal(gain=2.0, seed=7),
]


@pytest.mark.parametrize("init", CONFIGURED, ids=lambda i: type(i).__name__)
def test_config_round_trip(init):
    clone = type(init).from_config(init.get_config())
    assert clone.get_config() == init.get_config()
    torch.testing.assert_close(clone((5, 5)), init((5, 5)), rtol=0, atol=0)
    restored = initializers.deserialize(initializers.serialize(init))
    assert type(restored) is type(init)
    torch.testing.assert_close(restored((5, 5)), init((5, 5)), rtol=0, atol=0)
    torch.testing.assert_close(init.clone()((5, 5)), init((5, 5)), rtol=0, atol=0)


def test_serialize_uses_keras_layout():
    config = initializers.serialize(initializers.HeUniform(seed=3))
    assert config == {
        "module": "keras.initializers",
        "class_name": "HeUniform",
        "config": {"seed": 3},
        "registered_name": None,
    }


@pytest.mark.parametrize(
    "name, cls",
    [
        ("glorot_uniform", initializers.GlorotUniform),
        ("GlorotUniform", initializers.GlorotUniform),
        ("glorot_normal", initializers.GlorotNormal),
        ("he_normal", initializers.HeNormal),
        ("he_uniform", initializers.HeUniform),
        ("lecun_normal", initializers.LecunNormal),
        ("lecun_uniform", initializers.LecunUniform),
        ("zeros", initializers.Zeros),
        ("zero", initializers.Zeros),
        ("ones", initializers.Ones),
        ("one", initializers.Ones),
        ("constant", initializers.Constant),
        ("identity", initializers.Identity),
        ("IdentityInitializer", initializers.Identity),
        ("orthogonal", initializers.Orthogonal),
        ("OrthogonalInitializer", initializers.Orthogonal),
        ("truncated_normal", initializers.TruncatedNormal),
        ("random_normal", initializers.RandomNormal),
        ("normal", initializers.RandomNormal),
        ("random_uniform", initializers.RandomUniform),
        ("uniform", initializers.RandomUniform),
        ("variance_scaling", initializers.VarianceScaling),
    ],
)
def test_get_by_name(name, cls):
    assert type(initializers.get(name)) is cls


def test_get_other_identifiers():
    assert initializers.get(None) is None
    inst = initializers.HeNormal(seed=1)
    assert initializers.get(inst) is inst
    assert isinstance(initializers.get(initializers.Ones), initializers.Ones)
    from_dict = initializers.get(
        {"class_name": "RandomUniform", "config": {"minval": 0, "maxval": 1}}
    )
    assert from_dict.get_config() == {"minval": 0, "maxval": 1, "seed": None}

    def my_init(shape, dtype=None):
        return torch.full(shape, 7.0)

    assert initializers.get(my_init) is my_init
    # the lowercase exports are the classes, as in Keras
    assert initializers.glorot_uniform is initializers.GlorotUniform


def test_get_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError) as info:
        initializers.get("glorot_unifrom")
    message = str(info.value)
    assert message.startswith(
        "Could not interpret initializer identifier: 'glorot_unifrom'."
    )
    assert "Did you mean: 'glorot_uniform'" in message
    assert "'GlorotUniform'" not in message  # one suggestion per object
    with pytest.raises(ValueError, match="Did you mean: 'HeNormal'"):
        initializers.get("HeNormall")
    with pytest.raises(ValueError, match="Expected one of: .*glorot_uniform"):
        initializers.get("zzzzzzzz")
    with pytest.raises(ValueError, match="type int"):
        initializers.get(42)


def test_deserialize_custom_objects():
    class Halves(initializers.Initializer):
        def __init__(self, value=0.5):
            self.value = value

        def __call__(self, shape, dtype=None):
            return torch.full(shape, self.value)

        def get_config(self):
            return {"value": self.value}

    config = initializers.serialize(Halves(0.25))
    assert config["registered_name"] == "Halves"
    restored = initializers.deserialize(config, custom_objects={"Halves": Halves})
    torch.testing.assert_close(restored((2,)), torch.full((2,), 0.25))
    with pytest.raises(
        ValueError, match="Could not interpret initializer identifier: 'Halves'"
    ):
        initializers.deserialize(config)


def test_works_with_variable():
    from kerastorch.variables import Variable

    v = Variable(initializers.get("orthogonal"), shape=(4, 4), name="w")
    torch.testing.assert_close(
        v.detach().T @ v.detach(), torch.eye(4), atol=1e-5, rtol=0
    )
