import numpy as np
import pytest
import torch

from kerastorch import constraints
from kerastorch import regularizers


@pytest.fixture
def w():
    g = torch.Generator().manual_seed(0)
    return torch.randn(5, 3, generator=g) * 2  # (input_dim, units)


# ---------------------------------------------------------------- regularizers


def test_l1_l2_l1l2_values(w):
    ws = w.numpy().astype(np.float64)
    np.testing.assert_allclose(
        regularizers.L1(0.3)(w).item(), 0.3 * np.abs(ws).sum(), rtol=1e-6
    )
    np.testing.assert_allclose(
        regularizers.L2(0.2)(w).item(), 0.2 * (ws**2).sum(), rtol=1e-6
    )
    both = regularizers.L1L2(l1=0.3, l2=0.2)(w)
    assert both.shape == ()
    np.testing.assert_allclose(
        both.item(), 0.3 * np.abs(ws).sum() + 0.2 * (ws**2).sum(), rtol=1e-6
    )
    assert regularizers.L1L2()(w).item() == 0.0


def test_defaults():
    assert regularizers.L1().l1 == 0.01
    assert regularizers.L2().l2 == 0.01
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.L2(None).l2 == 0.01  # Keras treats None as the default
    o = regularizers.OrthogonalRegularizer()
    assert (o.factor, o.mode) == (0.01, "rows")


def test_regularizer_penalty_has_gradient(w):
    w = w.clone().requires_grad_(True)
    regularizers.L2(0.5)(w).backward()
    torch.testing.assert_close(w.grad, w.detach())  # d/dw 0.5 * w^2 = w


def test_orthogonal_regularizer_values():
    reg = regularizers.OrthogonalRegularizer(factor=1.0)
    assert reg(torch.eye(4)).item() == 0.0
    # Rows (1, 0), (1, 1), (0, 1): mean |cos| over the 3 pairs (1/sqrt2, 0, 1/sqrt2).
    x = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    expected = (2 / np.sqrt(2)) / 3
    np.testing.assert_allclose(reg(x).item(), expected, rtol=1e-6)
    # Columns (1, 1, 0) and (0, 1, 1): one pair, |cos| = 1/2.
    cols = regularizers.OrthogonalRegularizer(factor=2.0, mode="columns")
    np.testing.assert_allclose(cols(x).item(), 2.0 * 0.5, rtol=1e-6)


def test_orthogonal_regularizer_checks():
    with pytest.raises(ValueError, match="mode='diagonal'"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match=r"rank 2. Received: x.shape=\(2, 2, 2\)"):
        regularizers.OrthogonalRegularizer()(torch.ones(2, 2, 2))


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1"])
def test_factor_checks(bad):
    with pytest.raises(ValueError, match="Received: l1="):
        regularizers.L1(bad)
    with pytest.raises(ValueError, match="Received: l2="):
        regularizers.L1L2(l2=bad)


@pytest.mark.parametrize(
    "reg",
    [
        regularizers.L1(0.2),
        regularizers.L2(0.3),
        regularizers.L1L2(0.1, 0.4),
        regularizers.OrthogonalRegularizer(0.5, "columns"),
    ],
    ids=lambda r: type(r).__name__,
)
def test_regularizer_config_round_trip(reg, w):
    clone = type(reg).from_config(reg.get_config())
    torch.testing.assert_close(clone(w), reg(w))
    restored = regularizers.deserialize(regularizers.serialize(reg))
    assert type(restored) is type(reg)
    torch.testing.assert_close(restored(w), reg(w))


def test_regularizer_get():
    assert regularizers.get(None) is None
    assert type(regularizers.get("l1")) is regularizers.L1
    assert type(regularizers.get("L2")) is regularizers.L2
    assert type(regularizers.get("l1_l2")) is regularizers.L1L2
    assert (
        type(regularizers.get("orthogonal_regularizer"))
        is regularizers.OrthogonalRegularizer
    )
    assert regularizers.l1_l2 is regularizers.L1L2
    inst = regularizers.L2(0.5)
    assert regularizers.get(inst) is inst
    assert regularizers.get({"class_name": "L1", "config": {"l1": 0.7}}).l1 == 0.7

    def penalty(x):
        return x.sum()

    assert regularizers.get(penalty) is penalty
    with pytest.raises(
        ValueError,
        match="Could not interpret regularizer identifier: 'l1l2'. Did you mean: 'L1L2'",
    ):
        regularizers.get("l1l2")
    with pytest.raises(ValueError, match="type float"):
        regularizers.get(0.5)


def test_regularizer_base():
    base = regularizers.Regularizer()
    assert base(torch.ones(3)).item() == 0.0
    with pytest.raises(NotImplementedError, match="get_config"):
        base.get_config()


# ---------------------------------------------------------------- constraints


def _np_norms(ws, axis):
    return np.sqrt((ws**2).sum(axis=axis, keepdims=True))


def test_max_norm(w):
    ws = w.numpy().astype(np.float64)
    out = constraints.MaxNorm(max_value=2.0)(w).numpy()
    norms = _np_norms(ws, 0)  # one norm per unit (column)
    expected = ws * np.clip(norms, 0, 2.0) / (1e-7 + norms)
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    assert (np.linalg.norm(out, axis=0) <= 2.0 + 1e-5).all()


def test_max_norm_conv_kernel_axes():
    g = torch.Generator().manual_seed(1)
    kernel = torch.randn(3, 3, 4, 8, generator=g)  # (kh, kw, in, out)
    out = constraints.MaxNorm(max_value=1.0, axis=[0, 1, 2])(kernel)
    per_filter = out.reshape(-1, 8).norm(dim=0)
    torch.testing.assert_close(per_filter, torch.ones(8), rtol=1e-5, atol=1e-5)


def test_non_neg(w):
    out = constraints.NonNeg()(w)
    torch.testing.assert_close(out, torch.clamp(w, min=0))


def test_unit_norm(w):
    out = constraints.UnitNorm(axis=1)(w)
    torch.testing.assert_close(out.norm(dim=1), torch.ones(5), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(out, w / (1e-7 + w.norm(dim=1, keepdim=True)))


def test_min_max_norm(w):
    ws = w.numpy().astype(np.float64)
    c = constraints.MinMaxNorm(min_value=1.0, max_value=2.0, rate=0.5)
    norms = _np_norms(ws, 0)
    desired = 0.5 * np.clip(norms, 1.0, 2.0) + 0.5 * norms
    np.testing.assert_allclose(c(w).numpy(), ws * desired / (1e-7 + norms), rtol=1e-5)
    strict = constraints.MinMaxNorm(min_value=7.0, max_value=8.0)(w)
    torch.testing.assert_close(
        strict.norm(dim=0), torch.full((3,), 7.0), rtol=1e-5, atol=1e-5
    )


def test_constraint_argument_checks():
    with pytest.raises(ValueError, match="max_value=-1"):
        constraints.MaxNorm(max_value=-1)
    with pytest.raises(ValueError, match="axis='rows'"):
        constraints.UnitNorm(axis="rows")
    with pytest.raises(ValueError, match="min_value=3, max_value=1"):
        constraints.MinMaxNorm(min_value=3, max_value=1)
    with pytest.raises(ValueError, match="rate=1.5"):
        constraints.MinMaxNorm(rate=1.5)


@pytest.mark.parametrize(
    "constraint",
    [
        constraints.MaxNorm(1.5, axis=[0, 1]),
        constraints.NonNeg(),
        constraints.UnitNorm(axis=1),
        constraints.MinMaxNorm(0.5, 1.5, 0.7, axis=0),
    ],
    ids=lambda c: type(c).__name__,
)
def test_constraint_config_round_trip(constraint, w):
    config = constraint.get_config()
    clone = type(constraint).from_config(config)
    torch.testing.assert_close(clone(w), constraint(w))
    restored = constraints.deserialize(constraints.serialize(constraint))
    assert type(restored) is type(constraint)
    assert restored.get_config() == config
    torch.testing.assert_close(restored(w), constraint(w))


def test_constraint_get():
    assert constraints.get(None) is None
    for name, cls in [
        ("max_norm", constraints.MaxNorm),
        ("MaxNorm", constraints.MaxNorm),
        ("non_neg", constraints.NonNeg),
        ("unit_norm", constraints.UnitNorm),
        ("min_max_norm", constraints.MinMaxNorm),
    ]:
        assert type(constraints.get(name)) is cls
    assert constraints.non_neg is constraints.NonNeg
    assert isinstance(constraints.get(constraints.UnitNorm), constraints.UnitNorm)
    clip = lambda t: t.clamp(-1, 1)  # noqa: E731
    assert constraints.get(clip) is clip
    with pytest.raises(
        ValueError,
        match="Could not interpret constraint identifier: 'non_negative'. Did you mean: 'non_neg'",
    ):
        constraints.get("non_negative")


def test_constraint_base_is_identity(w):
    assert constraints.Constraint()(w) is w
    assert constraints.Constraint().get_config() == {}
