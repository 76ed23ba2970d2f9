"""kerastorch.random and utils.random_utils: seeding semantics, reproducibility,
distribution statistics, dtypes and bad input."""

import random

import numpy as np
import pytest
import torch

from kerastorch import random as kr
from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.random.seed_generator import draw_seed
from kerastorch.utils.random_utils import set_random_seed

N = 20000


def test_int_seed_is_fixed_and_seed_generator_advances():
    a = kr.normal((4, 3), seed=42)
    b = kr.normal((4, 3), seed=42)
    torch.testing.assert_close(a, b)
    assert not torch.equal(a, kr.normal((4, 3), seed=43))
    gen = kr.SeedGenerator(7)
    first, second = kr.uniform((5,), seed=gen), kr.uniform((5,), seed=gen)
    assert not torch.equal(first, second)
    replay = kr.SeedGenerator(7)
    torch.testing.assert_close(kr.uniform((5,), seed=replay), first)
    torch.testing.assert_close(kr.uniform((5,), seed=replay), second)


def test_seed_generator_state_config_and_stateless_seeds():
    gen = kr.SeedGenerator(11, name="sg")
    assert (
        gen.name == "sg" and gen.state.tolist() == [11, 0] and not gen.state.trainable
    )
    state = gen.next()
    assert state.tolist() == [11, 0] and gen.state.tolist() == [11, 1]
    # The state returned by next() is itself a seed: it reproduces that draw.
    gen2 = kr.SeedGenerator(11)
    torch.testing.assert_close(kr.normal((3,), seed=state), kr.normal((3,), seed=gen2))
    clone = kr.SeedGenerator.from_config(gen.get_config())
    assert clone.get_config() == {"seed": 11}
    assert kr.SeedGenerator().name != kr.SeedGenerator().name


def test_seed_generator_without_seed_follows_python_random():
    random.seed(5)
    a = kr.normal((3,), seed=kr.SeedGenerator())
    random.seed(5)
    b = kr.normal((3,), seed=kr.SeedGenerator())
    torch.testing.assert_close(a, b)


def test_nearby_seed_states_are_unrelated():
    # (seed, counter) pairs must not collide: (0, 1) and (1, 0) give different draws.
    assert draw_seed([0, 1]) != draw_seed([1, 0])
    a, b = kr.normal((100,), seed=1), kr.normal((100,), seed=2)
    assert abs(np.corrcoef(a.numpy(), b.numpy())[0, 1]) < 0.3


def test_bad_seeds():
    with pytest.raises(
        ValueError, match="must be an integer, a `SeedGenerator`, or None"
    ):
        kr.normal((2,), seed="1")
    with pytest.raises(ValueError, match="must be an integer"):
        kr.SeedGenerator(1.5)
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        kr.SeedGenerator(1, sed=2)


def test_none_seed_uses_the_global_torch_rng():
    torch.manual_seed(3)
    a = kr.normal((4,))
    torch.manual_seed(3)
    torch.testing.assert_close(kr.normal((4,)), a)
    assert not torch.equal(kr.normal((4,)), a)


def test_seeded_draws_leave_the_global_rng_alone():
    for draw in (
        lambda: kr.normal((3,), seed=1),
        lambda: kr.dropout(torch.ones(8), 0.5, seed=1),
        lambda: kr.gamma((3,), 2.0, seed=1),
        lambda: kr.beta((3,), 2.0, 3.0, seed=1),
        lambda: kr.shuffle(torch.arange(5), seed=1),
    ):
        torch.manual_seed(0)
        expected = torch.rand(3)
        torch.manual_seed(0)
        draw()
        torch.testing.assert_close(torch.rand(3), expected)


def test_normal_uniform_truncated_statistics_and_dtypes():
    x = kr.normal((N,), mean=2.0, stddev=3.0, seed=1)
    assert x.dtype == torch.float32 and x.shape == (N,)
    assert abs(x.mean().item() - 2.0) < 0.1 and abs(x.std().item() - 3.0) < 0.1
    u = kr.uniform((N,), minval=-1.0, maxval=3.0, seed=1)
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean().item() - 1.0) < 0.05
    t = kr.truncated_normal((N,), mean=1.0, stddev=2.0, seed=1)
    assert t.min() >= -3.0 and t.max() <= 5.0
    # std of a standard normal truncated at +-2 is 0.8796
    assert (
        abs(t.std().item() - 2.0 * 0.8796) < 0.05 and abs(t.mean().item() - 1.0) < 0.05
    )
    assert kr.normal((2,), dtype="float16", seed=1).dtype == torch.float16
    assert kr.truncated_normal((2,), dtype="bfloat16", seed=1).dtype == torch.bfloat16
    assert kr.uniform((2, 3), dtype="float64").dtype == torch.float64
    for fn in (kr.normal, kr.uniform, kr.truncated_normal):
        with pytest.raises(ValueError, match="floating point `dtype`"):
            fn((2,), dtype="int32")


def test_randint():
    x = kr.randint((N,), 3, 8, seed=1)
    assert x.dtype == torch.int32
    assert set(x.unique().tolist()) == {3, 4, 5, 6, 7}
    assert kr.randint((2,), 0, 5, dtype="int64").dtype == torch.int64
    torch.testing.assert_close(
        kr.randint((6,), 0, 100, seed=9), kr.randint((6,), 0, 100, seed=9)
    )
    with pytest.raises(ValueError, match="integer `dtype`"):
        kr.randint((2,), 0, 5, dtype="float32")
    with pytest.raises(ValueError, match="below `maxval`"):
        kr.randint((2,), 5, 5)


def test_dropout():
    x = torch.ones(200, 100)
    out = kr.dropout(x, 0.3, seed=1)
    kept = out != 0
    assert abs(kept.float().mean().item() - 0.7) < 0.02
    torch.testing.assert_close(out[kept], torch.full_like(out[kept], 1 / 0.7))
    torch.testing.assert_close(kr.dropout(x, 0.3, seed=1), out)
    shared = kr.dropout(x, 0.5, noise_shape=(None, 1), seed=2)  # one decision per row
    assert ((shared == 0).all(1) | (shared != 0).all(1)).all()
    unseeded = kr.dropout(x, 0.5)
    assert abs((unseeded == 0).float().mean().item() - 0.5) < 0.02
    torch.testing.assert_close(
        kr.dropout(np.ones((2, 2), "float32"), 0.0), torch.ones(2, 2)
    )
    assert (kr.dropout(x, 1.0) == 0).all()
    with pytest.raises(ValueError, match="rate"):
        kr.dropout(x, 1.5)
    with pytest.raises(ValueError, match="noise_shape"):
        kr.dropout(x, 0.5, noise_shape=(1,), seed=1)
    assert isinstance(kr.dropout(KerasTensor((None, 4)), 0.5), KerasTensor)


def test_shuffle():
    x = torch.arange(20).reshape(10, 2)
    out = kr.shuffle(x, seed=3)
    assert sorted(out[:, 0].tolist()) == x[:, 0].tolist()
    torch.testing.assert_close(
        out[:, 1] - out[:, 0], torch.ones(10, dtype=torch.int64)
    )  # rows intact
    torch.testing.assert_close(kr.shuffle(x, seed=3), out)
    cols = kr.shuffle(torch.arange(12).reshape(2, 6), axis=1, seed=0)
    assert sorted(cols[0].tolist()) == list(range(6)) and (cols[1] - cols[0] == 6).all()


def test_categorical_frequencies():
    probs = torch.tensor([[0.1, 0.6, 0.3], [0.0, 0.0, 1.0]])
    logits = torch.log(probs)  # log(0) = -inf: never drawn
    out = kr.categorical(logits, 5000, seed=1)
    assert out.shape == (2, 5000) and out.dtype == torch.int32
    freq = torch.bincount(out[0].long(), minlength=3).float() / 5000
    torch.testing.assert_close(freq, probs[0], atol=0.03, rtol=0)
    assert (out[1] == 2).all()
    assert kr.categorical(logits, 2, dtype="int64", seed=1).dtype == torch.int64
    with pytest.raises(ValueError, match="batch_size, num_classes"):
        kr.categorical(torch.zeros(3), 2)


def test_gamma_beta_binomial_statistics():
    g = kr.gamma((N,), alpha=3.0, seed=1)
    assert abs(g.mean().item() - 3.0) < 0.1 and abs(g.var().item() - 3.0) < 0.2
    torch.testing.assert_close(kr.gamma((4,), 3.0, seed=1), kr.gamma((4,), 3.0, seed=1))
    b = kr.beta((N,), alpha=2.0, beta=6.0, seed=1)
    assert b.min() >= 0 and b.max() <= 1 and abs(b.mean().item() - 0.25) < 0.01
    n = kr.binomial((N,), counts=10, probabilities=0.3, seed=1)
    assert n.dtype == torch.float32 and abs(n.mean().item() - 3.0) < 0.05
    assert n.min() >= 0 and n.max() <= 10
    torch.testing.assert_close(
        kr.binomial((5,), 10, 0.5, seed=4), kr.binomial((5,), 10, 0.5, seed=4)
    )
    with pytest.raises(ValueError, match="floating point"):
        kr.gamma((2,), 1.0, dtype="int32")


def test_set_random_seed_covers_python_numpy_and_torch():
    def draw():
        return (
            random.random(),
            np.random.rand(),
            torch.rand(1).item(),
            kr.normal((2,)).tolist(),
        )

    set_random_seed(123)
    first = draw()
    set_random_seed(123)
    assert draw() == first
    set_random_seed(124)
    assert draw() != first
    with pytest.raises(ValueError, match="integer"):
        set_random_seed(1.0)
    with pytest.raises(ValueError, match="2\\*\\*32"):
        set_random_seed(-1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_seeded_draws_on_cuda():
    x = torch.ones(1000, device="cuda")
    out = kr.dropout(x, 0.5, seed=1)
    assert out.device.type == "cuda"
    torch.testing.assert_close(out, kr.dropout(x, 0.5, seed=1))
    with torch.device("cuda"):
        a = kr.normal((4,), seed=5)
    assert a.device.type == "cuda"
    assert kr.shuffle(x, seed=1).device.type == "cuda"
