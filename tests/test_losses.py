"""Tests for kerastorch.losses: numerics against numpy / torch references."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from kerastorch import losses
from kerastorch.utils.warnings import KerasTorchWarning

EPS = 1e-7
RNG = np.random.default_rng(0)


def close(actual, expected, rtol=1e-5, atol=1e-6):
    actual = (
        actual.detach().cpu().numpy() if isinstance(actual, torch.Tensor) else actual
    )
    expected = (
        expected.detach().cpu().numpy()
        if isinstance(expected, torch.Tensor)
        else expected
    )
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def probs(*shape):
    x = RNG.random(shape).astype(np.float32) + 0.05
    return x / x.sum(-1, keepdims=True)


def onehot(labels, num_classes):
    return np.eye(num_classes, dtype=np.float32)[labels]


# ---------------------------------------------------------------- per-sample


def np_mse(t, p):
    return np.mean((t - p) ** 2, -1)


def np_mae(t, p):
    return np.mean(np.abs(t - p), -1)


def np_mape(t, p):
    return 100 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPS)), -1)


def np_msle(t, p):
    return np.mean(
        (np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2, -1
    )


def np_logcosh(t, p):
    return np.mean(np.log(np.cosh(p - t)), -1)


def np_huber(t, p, d=1.0):
    e = np.abs(p - t)
    return np.mean(np.where(e <= d, 0.5 * e**2, d * e - 0.5 * d**2), -1)


def np_poisson(t, p):
    return np.mean(p - t * np.log(p + EPS), -1)


def np_kld(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), -1)


def np_hinge(t, p):
    return np.mean(np.maximum(1 - t * p, 0), -1)


def np_sq_hinge(t, p):
    return np.mean(np.maximum(1 - t * p, 0) ** 2, -1)


def np_cat_hinge(t, p):
    return np.maximum(np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1, 0)


def np_cosine(t, p):
    t = t / np.linalg.norm(t, axis=-1, keepdims=True)
    p = p / np.linalg.norm(p, axis=-1, keepdims=True)
    return -np.sum(t * p, -1)


REGRESSION = [
    (losses.MeanSquaredError, losses.mean_squared_error, np_mse, "real"),
    (losses.MeanAbsoluteError, losses.mean_absolute_error, np_mae, "real"),
    (
        losses.MeanAbsolutePercentageError,
        losses.mean_absolute_percentage_error,
        np_mape,
        "real",
    ),
    (
        losses.MeanSquaredLogarithmicError,
        losses.mean_squared_logarithmic_error,
        np_msle,
        "pos",
    ),
    (losses.LogCosh, losses.log_cosh, np_logcosh, "real"),
    (losses.Huber, losses.huber, np_huber, "real"),
    (losses.Poisson, losses.poisson, np_poisson, "pos"),
    (losses.KLDivergence, losses.kl_divergence, np_kld, "prob"),
    (losses.Hinge, losses.hinge, np_hinge, "sign"),
    (losses.SquaredHinge, losses.squared_hinge, np_sq_hinge, "sign"),
    (losses.CategoricalHinge, losses.categorical_hinge, np_cat_hinge, "onehot"),
    (losses.CosineSimilarity, losses.cosine_similarity, np_cosine, "real"),
]


def make_inputs(kind, shape=(6, 4)):
    if kind == "real":
        return RNG.normal(size=shape).astype(np.float32), RNG.normal(size=shape).astype(
            np.float32
        )
    if kind == "pos":
        return RNG.random(shape).astype(np.float32) * 3, RNG.random(shape).astype(
            np.float32
        ) * 3
    if kind == "prob":
        return probs(*shape), probs(*shape)
    if kind == "sign":
        return RNG.choice([-1.0, 1.0], size=shape).astype(np.float32), RNG.normal(
            size=shape
        ).astype(np.float32)
    labels = RNG.integers(0, shape[-1], shape[:-1])
    return onehot(labels, shape[-1]), RNG.normal(size=shape).astype(np.float32)


@pytest.mark.parametrize(
    "cls,fn,ref,kind", REGRESSION, ids=lambda v: getattr(v, "__name__", "")
)
def test_per_sample_values_match_numpy(cls, fn, ref, kind):
    y_true, y_pred = make_inputs(kind)
    expected = ref(y_true, y_pred)
    close(fn(y_true, y_pred), expected)
    close(cls(reduction=None)(y_true, y_pred), expected)
    close(cls()(torch.from_numpy(y_true), torch.from_numpy(y_pred)), expected.mean())
    close(cls(reduction="sum")(y_true, y_pred), expected.sum(), rtol=1e-5)


def test_regression_losses_match_torch_functional():
    t = torch.randn(8, 5)
    p = torch.randn(8, 5, requires_grad=True)
    close(losses.MeanSquaredError()(t, p), F.mse_loss(p, t))
    close(losses.MeanAbsoluteError()(t, p), F.l1_loss(p, t))
    for delta in (0.5, 1.0, 2.5):
        close(losses.Huber(delta=delta)(t, p), F.huber_loss(p, t, delta=delta))
    close(
        losses.CosineSimilarity(reduction=None)(t, p),
        -F.cosine_similarity(t, p, dim=-1),
    )
    rate = torch.rand(8, 5) + 0.1
    counts = torch.poisson(torch.full((8, 5), 2.0))
    close(
        losses.Poisson(reduction=None)(counts, rate),
        F.poisson_nll_loss(
            rate, counts, log_input=False, eps=EPS, reduction="none"
        ).mean(-1),
    )
    tp, pp = torch.from_numpy(probs(8, 5)), torch.from_numpy(probs(8, 5))
    close(
        losses.KLDivergence(reduction=None)(tp, pp),
        F.kl_div(pp.log(), tp, reduction="none").sum(-1),
    )


def test_hinge_converts_binary_labels():
    y01 = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]], np.float32)
    y_pred = RNG.normal(size=(2, 3)).astype(np.float32)
    close(losses.hinge(y01, y_pred), losses.hinge(2 * y01 - 1, y_pred))
    close(losses.squared_hinge(y01, y_pred), np_sq_hinge(2 * y01 - 1, y_pred))
    # Labels that are not all {0, 1} are used as they are.
    y = np.array([[-1.0, 1.0, 0.0]], np.float32)
    close(losses.hinge(y, y_pred[:1]), np_hinge(y, y_pred[:1]))


def test_keras_documented_values():
    y_true = [[0, 1, 0], [0, 0, 1]]
    y_pred = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    cce = losses.CategoricalCrossentropy()
    close(cce(y_true, y_pred), 1.1769392, rtol=1e-4)
    close(cce(y_true, y_pred, sample_weight=np.array([0.3, 0.7])), 0.8135, rtol=1e-3)
    close(
        losses.CategoricalCrossentropy(reduction="sum")(y_true, y_pred),
        2.354,
        rtol=1e-3,
    )
    close(
        losses.CategoricalCrossentropy(reduction=None)(y_true, y_pred),
        [0.0513, 2.3026],
        rtol=1e-3,
    )
    scce = losses.SparseCategoricalCrossentropy()
    close(scce([1, 2], y_pred), 1.1769392, rtol=1e-4)
    close(scce([1, 2], y_pred, sample_weight=[0.3, 0.7]), 0.8135, rtol=1e-3)

    bce = losses.BinaryCrossentropy(from_logits=True)
    close(bce([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]), 0.8654, rtol=1e-3)
    y_true, y_pred = [[0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]]
    close(bce(y_true, y_pred), 0.8654, rtol=1e-3)
    close(bce(y_true, y_pred, sample_weight=[0.8, 0.2]), 0.2436, rtol=1e-3)
    close(
        losses.BinaryCrossentropy(from_logits=True, reduction="sum")(y_true, y_pred),
        1.730,
        rtol=1e-3,
    )
    close(
        losses.binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]),
        [0.916, 0.714],
        rtol=1e-3,
    )

    focal = losses.BinaryFocalCrossentropy(gamma=2, from_logits=True)
    close(focal([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]), 0.691, rtol=1e-3)
    balanced = losses.BinaryFocalCrossentropy(
        apply_class_balancing=True, gamma=3, from_logits=True
    )
    close(balanced(y_true, y_pred), 0.482, rtol=2e-3)
    close(balanced(y_true, y_pred, sample_weight=[0.8, 0.2]), 0.097, rtol=5e-3)
    close(
        losses.BinaryFocalCrossentropy(gamma=5, from_logits=True, reduction=None)(
            y_true, y_pred
        ),
        [0.0017, 1.1561],
        rtol=5e-3,
        atol=1e-4,
    )
    close(
        losses.binary_focal_crossentropy(
            [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], gamma=2
        ),
        [0.330, 0.206],
        rtol=2e-3,
    )
    cfce = losses.CategoricalFocalCrossentropy()
    y_true = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    y_pred = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    close(cfce(y_true, y_pred), 0.23315276, rtol=1e-4)
    close(cfce(y_true, y_pred, sample_weight=np.array([0.3, 0.7])), 0.1632, rtol=1e-3)
    close(losses.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]), [0.18, 0.13])
    close(
        losses.log_cosh([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]]),
        [0.2168904, 0.0],
    )
    close(
        losses.cosine_similarity(
            [[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]]
        ),
        [0.0, -1.0, 1.0],
    )


# ------------------------------------------------------------- crossentropy


def test_categorical_crossentropy_matches_torch():
    labels = torch.randint(0, 5, (16,))
    y_true = F.one_hot(labels, 5).float()
    logits = torch.randn(16, 5)
    close(
        losses.CategoricalCrossentropy(from_logits=True)(y_true, logits),
        F.cross_entropy(logits, labels),
    )
    # Probabilities: clipped, renormalised, then -sum(y * log p).
    p = torch.softmax(logits, -1)
    expected = -(
        y_true * torch.log(torch.clamp(p / p.sum(-1, keepdim=True), EPS, 1 - EPS))
    ).sum(-1)
    close(losses.CategoricalCrossentropy(reduction=None)(y_true, p), expected)
    # Un-normalised probabilities are renormalised, as Keras does.
    close(
        losses.categorical_crossentropy(y_true, 3 * p),
        losses.categorical_crossentropy(y_true, p),
    )


@pytest.mark.parametrize("smoothing", [0.1, 0.3])
def test_categorical_label_smoothing(smoothing):
    labels = torch.randint(0, 4, (10,))
    y_true = F.one_hot(labels, 4).float()
    logits = torch.randn(10, 4)
    loss = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=smoothing)
    close(
        loss(y_true, logits), F.cross_entropy(logits, labels, label_smoothing=smoothing)
    )
    smoothed = y_true * (1 - smoothing) + smoothing / 4
    p = torch.softmax(logits, -1)
    expected = -(smoothed * torch.log(p.clamp(EPS, 1 - EPS))).sum(-1).mean()
    close(
        losses.CategoricalCrossentropy(label_smoothing=smoothing)(y_true, p), expected
    )


def test_sparse_categorical_crossentropy_matches_torch():
    labels = torch.randint(0, 6, (12,))
    logits = torch.randn(12, 6)
    expected = F.cross_entropy(logits, labels)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    close(loss(labels, logits), expected)
    close(loss(labels[:, None], logits), expected)  # (batch, 1) labels
    close(loss(labels.float(), logits), expected)  # float labels
    close(loss(labels.numpy().astype(np.int32), logits), expected)  # numpy int32
    p = torch.softmax(logits, -1)
    close(losses.SparseCategoricalCrossentropy()(labels, p), expected, rtol=1e-4)
    close(
        losses.SparseCategoricalCrossentropy(reduction=None)(labels, p),
        F.cross_entropy(logits, labels, reduction="none"),
        rtol=1e-4,
    )


def test_sparse_categorical_crossentropy_sequences_and_axis():
    labels = torch.randint(0, 5, (3, 7))
    logits = torch.randn(3, 7, 5)
    expected = F.cross_entropy(
        logits.permute(0, 2, 1), labels, reduction="none"
    )  # (3, 7)
    close(
        losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)(
            labels, logits
        ),
        expected,
    )
    close(
        losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits),
        expected.mean(),
    )
    # Class axis first: (3, 5, 7).
    channels_first = logits.permute(0, 2, 1)
    close(
        losses.sparse_categorical_crossentropy(
            labels, channels_first, from_logits=True, axis=1
        ),
        expected,
    )


def test_sparse_ignore_class():
    labels = torch.tensor([[0, 2, -1], [1, -1, 2]])
    logits = torch.randn(2, 3, 3)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    expected = F.cross_entropy(
        logits.reshape(-1, 3), labels.reshape(-1), ignore_index=-1
    )
    close(loss(labels, logits), expected)  # mean over the 4 valid entries only
    per_entry = losses.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=-1, reduction=None
    )(labels, logits)
    assert per_entry[0, 2] == 0 and per_entry[1, 1] == 0
    close(per_entry[0, 0], F.cross_entropy(logits[0, :1], labels[0, :1]))
    summed = losses.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=-1, reduction="sum"
    )
    close(summed(labels, logits), expected * 4)
    # Everything ignored: a zero loss (not NaN), with finite gradients.
    z = torch.randn(2, 3, requires_grad=True)
    out = loss(torch.tensor([-1, -1]), z)
    out.backward()
    assert out.item() == 0.0 and torch.isfinite(z.grad).all()


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_binary_crossentropy(smoothing):
    y_true = torch.randint(0, 2, (9, 3)).float()
    logits = torch.randn(9, 3)
    target = y_true * (1 - smoothing) + 0.5 * smoothing
    loss = losses.BinaryCrossentropy(from_logits=True, label_smoothing=smoothing)
    close(loss(y_true, logits), F.binary_cross_entropy_with_logits(logits, target))
    p = torch.sigmoid(logits).clamp(EPS, 1 - EPS).numpy()
    t = target.numpy()
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1)
    bce = losses.BinaryCrossentropy(label_smoothing=smoothing, reduction=None)
    close(bce(y_true, torch.sigmoid(logits)), expected, rtol=1e-4)
    # Probabilities of exactly 0 and 1 are clipped, not infinite.
    edge = losses.BinaryCrossentropy()([[1.0, 0.0]], [[0.0, 1.0]])
    high = np.float32(1 - EPS)
    close(
        edge, -(np.log(np.float32(EPS)) + np.log(np.float32(1) - high)) / 2, rtol=1e-4
    )


def test_binary_crossentropy_rank_matching():
    y_true = torch.randint(0, 2, (8,)).float()
    logits = torch.randn(8, 1)
    expected = F.binary_cross_entropy_with_logits(logits[:, 0], y_true)
    close(losses.BinaryCrossentropy(from_logits=True)(y_true, logits), expected)
    per_sample = losses.BinaryCrossentropy(from_logits=True, reduction=None)(
        y_true, logits
    )
    assert per_sample.shape == (8,)


@pytest.mark.parametrize(
    "make_loss,kind",
    [
        (
            lambda lg: losses.CategoricalCrossentropy(
                from_logits=lg, label_smoothing=0.1
            ),
            "onehot",
        ),
        (lambda lg: losses.SparseCategoricalCrossentropy(from_logits=lg), "sparse"),
        (
            lambda lg: losses.BinaryCrossentropy(from_logits=lg, label_smoothing=0.1),
            "binary",
        ),
        (
            lambda lg: losses.BinaryFocalCrossentropy(
                from_logits=lg, apply_class_balancing=True
            ),
            "binary",
        ),
        (lambda lg: losses.CategoricalFocalCrossentropy(from_logits=lg), "onehot"),
    ],
)
def test_from_logits_agrees_with_probabilities(make_loss, kind):
    logits = torch.randn(10, 4)
    if kind == "binary":
        y_true, p = torch.randint(0, 2, (10, 4)).float(), torch.sigmoid(logits)
    else:
        labels = torch.randint(0, 4, (10,))
        y_true = labels if kind == "sparse" else F.one_hot(labels, 4).float()
        p = torch.softmax(logits, -1)
    close(make_loss(False)(y_true, p), make_loss(True)(y_true, logits), rtol=1e-4)


def test_categorical_focal_reference_and_alpha_list():
    labels = torch.randint(0, 3, (6,))
    y_true = F.one_hot(labels, 3).float()
    p = torch.from_numpy(probs(6, 3))
    out = p.clamp(EPS, 1 - EPS)
    expected = (0.25 * (1 - out) ** 2 * -y_true * torch.log(out)).sum(-1)
    close(losses.categorical_focal_crossentropy(y_true, p), expected)
    alpha = [0.1, 0.5, 0.9]
    expected = (torch.tensor(alpha) * (1 - out) ** 2 * -y_true * torch.log(out)).sum(-1)
    close(losses.categorical_focal_crossentropy(y_true, p, alpha=alpha), expected)
    # gamma=0 and alpha=1 is plain crossentropy.
    close(
        losses.categorical_focal_crossentropy(y_true, p, alpha=1.0, gamma=0.0),
        losses.categorical_crossentropy(y_true, p),
    )


def test_binary_focal_gamma_zero_is_bce():
    y_true = torch.randint(0, 2, (5, 4)).float()
    p = torch.rand(5, 4)
    close(
        losses.binary_focal_crossentropy(y_true, p, gamma=0.0),
        losses.binary_crossentropy(y_true, p),
    )


def test_dice_and_tversky():
    y_true = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
    y_pred = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]
    close(losses.dice(y_true, y_pred, axis=(1, 2, 3)), [0.5, 0.75757575])
    close(losses.dice(y_true, y_pred), 0.6164384)
    close(
        losses.Dice(axis=(1, 2, 3), reduction=None)(np.array(y_true), np.array(y_pred)),
        [0.5, 0.75757575],
    )
    close(
        losses.Tversky(axis=(1, 2, 3), reduction=None)(y_true, y_pred),
        [0.5, 0.75757575],
    )
    t, p = np.array(y_true, np.float32), np.array(y_pred, np.float32)
    tp, fn, fp = (t * p).sum(), (t * (1 - p)).sum(), ((1 - t) * p).sum()
    close(
        losses.tversky(t, p, alpha=0.7, beta=0.3),
        1 - tp / (tp + 0.7 * fn + 0.3 * fp + EPS),
    )


# ---------------------------------------------------------------- reductions


def test_reductions():
    y_true = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]], np.float32)
    y_pred = np.zeros((3, 2), np.float32)
    per_sample = np.array([2.5, 12.5, 0.0])
    weights = np.array([1.0, 0.5, 2.0], np.float32)
    for reduction, expected in [
        ("sum_over_batch_size", per_sample.mean()),
        ("mean", per_sample.mean()),
        ("sum", per_sample.sum()),
        ("mean_with_sample_weight", per_sample.mean()),
        ("none", per_sample),
        (None, per_sample),
    ]:
        close(losses.MeanSquaredError(reduction=reduction)(y_true, y_pred), expected)
    weighted = per_sample * weights
    for reduction, expected in [
        ("sum_over_batch_size", weighted.sum() / 3),
        ("sum", weighted.sum()),
        ("mean_with_sample_weight", weighted.sum() / weights.sum()),
        (None, weighted),
    ]:
        close(
            losses.MeanSquaredError(reduction=reduction)(
                y_true, y_pred, sample_weight=weights
            ),
            expected,
        )
    # A zero total weight gives 0, not NaN.
    zero = losses.MeanSquaredError(reduction="mean_with_sample_weight")(
        y_true, y_pred, sample_weight=np.zeros(3)
    )
    assert zero.item() == 0.0


def test_sample_weight_effect_and_shapes():
    y_true = torch.randn(5, 3)
    y_pred = torch.randn(5, 3)
    loss = losses.MeanAbsoluteError(reduction="sum")
    per_sample = losses.mean_absolute_error(y_true, y_pred)
    weights = torch.tensor([1.0, 0.0, 1.0, 1.0, 1.0])
    close(loss(y_true, y_pred, sample_weight=weights), per_sample.sum() - per_sample[1])
    close(
        loss(y_true, y_pred, sample_weight=weights[:, None]),
        per_sample.sum() - per_sample[1],
    )
    close(loss(y_true, y_pred, sample_weight=3.0), 3 * per_sample.sum())
    default = losses.MeanAbsoluteError()
    close(
        default(y_true, y_pred, sample_weight=2 * torch.ones(5)),
        2 * default(y_true, y_pred),
    )
    close(
        default(y_true, y_pred, sample_weight=weights.numpy()),
        (per_sample * weights).sum() / 5,
    )
    # Per-entry weights for sequence losses.
    seq_true, seq_pred = torch.randn(2, 4, 3), torch.randn(2, 4, 3)
    w = torch.rand(2, 4)
    close(
        losses.MeanSquaredError()(seq_true, seq_pred, sample_weight=w),
        (losses.mean_squared_error(seq_true, seq_pred) * w).mean(),
    )
    with pytest.raises(
        ValueError, match=r"sample_weight.shape=\(4,\).*losses.shape=\(5,\)"
    ):
        default(y_true, y_pred, sample_weight=torch.ones(4))


def test_keras_mask_on_predictions():
    y_true = torch.randn(2, 4, 3)
    y_pred = torch.randn(2, 4, 3)
    mask = torch.tensor([[True, True, False, False], [True, True, True, False]])
    y_pred._keras_mask = mask
    per_entry = losses.mean_squared_error(y_true, y_pred)  # (2, 4)
    close(losses.MeanSquaredError()(y_true, y_pred), per_entry[mask].mean())
    close(
        losses.MeanSquaredError(reduction="sum")(y_true, y_pred), per_entry[mask].sum()
    )
    w = torch.tensor([[1.0], [3.0]])
    weighted = per_entry * w
    close(
        losses.MeanSquaredError()(y_true, y_pred, sample_weight=w),
        weighted[mask].sum() / 5,
    )
    close(
        losses.MeanSquaredError(reduction="mean_with_sample_weight")(y_true, y_pred),
        per_entry[mask].mean(),
    )


def test_fused_path_matches_general_path_values_and_grads():
    cases = [
        (losses.MeanSquaredError(), torch.randn(6), torch.randn(6, 1)),
        (losses.MeanAbsoluteError(), torch.randn(6, 3), torch.randn(6, 3)),
        (losses.Huber(delta=0.7), torch.randn(6, 3), torch.randn(6, 3)),
        (
            losses.BinaryCrossentropy(),
            torch.randint(0, 2, (6, 1)).float(),
            torch.rand(6, 1),
        ),
        (
            losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
            torch.randint(0, 2, (6,)).float(),
            torch.randn(6, 1),
        ),
        (
            losses.CategoricalCrossentropy(label_smoothing=0.2),
            F.one_hot(torch.randint(0, 4, (6,)), 4).float(),
            torch.rand(6, 4),
        ),
        (
            losses.CategoricalCrossentropy(from_logits=True),
            F.one_hot(torch.randint(0, 4, (2, 3)), 4).float(),
            torch.randn(2, 3, 4),
        ),
        (
            losses.SparseCategoricalCrossentropy(),
            torch.randint(0, 4, (6, 1)),
            torch.rand(6, 4),
        ),
        (
            losses.SparseCategoricalCrossentropy(from_logits=True),
            torch.randint(0, 4, (2, 3)),
            torch.randn(2, 3, 4),
        ),
    ]
    for loss, y_true, y_pred in cases:
        assert loss._fused_mean is not None
        a = y_pred.clone().requires_grad_(True)
        fused = loss(y_true, a)
        fused.backward()
        b = y_pred.clone().requires_grad_(True)
        general = loss(
            y_true, b, sample_weight=torch.ones(())
        )  # forces the general path
        general.backward()
        close(fused, general, rtol=1e-5)
        close(a.grad, b.grad, rtol=1e-4, atol=1e-7)


def test_subclass_overriding_call_is_not_bypassed():
    class Doubled(losses.MeanSquaredError):
        def call(self, y_true, y_pred):
            return 2 * super().call(y_true, y_pred)

    y_true, y_pred = torch.randn(4, 2), torch.randn(4, 2)
    close(Doubled()(y_true, y_pred), 2 * F.mse_loss(y_pred, y_true))


def test_custom_loss_subclass_and_dtype():
    class MyLoss(losses.Loss):
        def call(self, y_true, y_pred):
            return torch.mean(torch.abs(y_true - y_pred) ** 3, dim=-1)

    loss = MyLoss()
    assert loss.name.startswith("my_loss") and loss.dtype == "float32"
    y_true, y_pred = np.ones((3, 2)), np.zeros((3, 2))  # float64 numpy
    out = loss(y_true, y_pred)
    assert out.dtype == torch.float32 and out.item() == 1.0
    assert MyLoss(dtype="float64")(y_true, y_pred).dtype == torch.float64
    half = losses.MeanSquaredError()(
        torch.ones(2, 2), torch.zeros(2, 2, dtype=torch.float16)
    )
    assert half.dtype == torch.float32
    with pytest.raises(NotImplementedError, match="must implement"):
        losses.Loss()(y_true, y_pred)


def test_nested_predictions_for_custom_losses():
    class SumOfMse(losses.Loss):
        def call(self, y_true, y_pred):
            return sum(losses.mean_squared_error(y_true[k], y_pred[k]) for k in y_pred)

    y_true = {"a": torch.ones(3, 2), "b": torch.zeros(3, 1)}
    y_pred = {"a": torch.zeros(3, 2), "b": torch.ones(3, 1)}
    close(SumOfMse()(y_true, y_pred), 2.0)


def test_cpu_autocast_binary_crossentropy():
    y_true = torch.randint(0, 2, (4, 3)).float()
    p = torch.rand(4, 3)
    expected = losses.BinaryCrossentropy()(y_true, p)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = losses.BinaryCrossentropy()(y_true, p)
    close(got, expected, rtol=1e-5)


# ------------------------------------------------------------------- errors


def test_wrong_shapes_raise_value_error_naming_both_shapes():
    cases = [
        (losses.CategoricalCrossentropy(), (4, 3), (4, 2)),
        (losses.BinaryCrossentropy(), (4, 3), (4, 2)),
        (losses.MeanSquaredError(), (4, 3), (4, 2)),
        (losses.KLDivergence(), (4, 3), (5, 3)),
        (losses.SparseCategoricalCrossentropy(), (5,), (4, 3)),
    ]
    for loss, true_shape, pred_shape in cases:
        y_true = torch.zeros(true_shape)
        with pytest.raises(ValueError) as info:
            loss(y_true, torch.rand(pred_shape))
        message = str(info.value)
        assert f"y_true.shape={true_shape}" in message.replace(",)", ",)")
        assert f"y_pred.shape={pred_shape}" in message


def test_invalid_arguments():
    with pytest.raises(ValueError, match="reduction='average'"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="label_smoothing=1.5"):
        losses.CategoricalCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match="axis=True"):
        losses.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]], axis=True)
    with pytest.raises(ValueError, match="ignore_class='void'"):
        losses.SparseCategoricalCrossentropy(ignore_class="void")
    with pytest.raises(ValueError, match="delta=-1"):
        losses.Huber(delta=-1)
    with pytest.raises(TypeError, match="fn=3"):
        losses.LossFunctionWrapper(3)


def test_single_class_categorical_warns():
    with pytest.warns(KerasTorchWarning, match="binary_crossentropy"):
        losses.CategoricalCrossentropy()(torch.ones(3, 1), torch.ones(3, 1))


# ---------------------------------------------------- get / serialize / config


@pytest.mark.parametrize(
    "name,expected",
    [
        ("mse", losses.mean_squared_error),
        ("MSE", losses.mean_squared_error),
        ("mean_squared_error", losses.mean_squared_error),
        ("mae", losses.mean_absolute_error),
        ("mape", losses.mean_absolute_percentage_error),
        ("msle", losses.mean_squared_logarithmic_error),
        ("kld", losses.kl_divergence),
        ("kullback_leibler_divergence", losses.kl_divergence),
        ("logcosh", losses.log_cosh),
        ("bce", losses.binary_crossentropy),
        ("binary_crossentropy", losses.binary_crossentropy),
        ("sparse_categorical_crossentropy", losses.sparse_categorical_crossentropy),
        ("categorical_crossentropy", losses.categorical_crossentropy),
    ],
)
def test_get_function_names(name, expected):
    assert losses.get(name) is expected


def test_get_other_identifiers():
    loss = losses.get("MeanSquaredError")
    assert isinstance(loss, losses.MeanSquaredError)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    instance = losses.CategoricalCrossentropy()
    assert losses.get(instance) is instance
    custom = lambda y_true, y_pred: y_pred  # noqa: E731
    assert losses.get(custom) is custom
    assert losses.get(None) is None
    from_dict = losses.get(
        {"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}}
    )
    assert (
        isinstance(from_dict, losses.CategoricalCrossentropy) and from_dict.from_logits
    )
    assert (
        losses.mse is losses.mean_squared_error and losses.kld is losses.kl_divergence
    )


def test_get_unknown_names():
    with pytest.raises(
        ValueError,
        match=r"Could not interpret loss identifier: 'mse2'\. Did you mean: 'mse'",
    ):
        losses.get("mse2")
    with pytest.raises(
        ValueError, match="Did you mean: 'sparse_categorical_crossentropy'"
    ):
        losses.get("sparse_categorical_crossentropi")
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 5"):
        losses.get(5)
    with pytest.raises(ValueError, match="Did you mean: 'Huber'"):
        losses.deserialize({"class_name": "Hubber", "config": {}})


CONFIGURED = [
    losses.MeanSquaredError(reduction="sum", name="my_mse"),
    losses.MeanAbsolutePercentageError(),
    losses.CosineSimilarity(axis=1),
    losses.Huber(delta=0.3, reduction=None),
    losses.LogCosh(),
    losses.Hinge(),
    losses.CategoricalHinge(),
    losses.KLDivergence(),
    losses.Poisson(reduction="mean_with_sample_weight"),
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2, axis=-1),
    losses.BinaryFocalCrossentropy(
        apply_class_balancing=True, alpha=0.4, gamma=1.5, from_logits=True
    ),
    losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
    losses.CategoricalFocalCrossentropy(alpha=[0.2, 0.3, 0.5], gamma=1.0),
    losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
    losses.Dice(axis=(1,)),
    losses.Tversky(alpha=0.7, beta=0.3),
    losses.LossFunctionWrapper(losses.huber, name="wrapped", delta=2.0),
    losses.MeanSquaredError(dtype="float64"),
]


@pytest.mark.parametrize("loss", CONFIGURED, ids=lambda loss: loss.name)
def test_config_and_serialize_round_trip(loss):
    sparse = isinstance(loss, losses.SparseCategoricalCrossentropy)
    y_true = torch.randint(0, 3, (5,)) if sparse else torch.rand(5, 3)
    y_pred = torch.randn(5, 3) if loss.name != "kl_divergence" else torch.rand(5, 3)
    weights = torch.rand(5)
    restored = type(loss).from_config(loss.get_config())
    assert restored.get_config() == loss.get_config()
    close(
        restored(y_true, y_pred, sample_weight=weights),
        loss(y_true, y_pred, sample_weight=weights),
    )
    config = losses.serialize(loss)
    assert config["class_name"] == type(loss).__name__
    again = losses.deserialize(config)
    assert type(again) is type(loss) and again.get_config() == loss.get_config()
    close(again(y_true, y_pred), loss(y_true, y_pred))


def test_serialize_functions_and_custom_objects():
    config = losses.serialize(losses.mse)
    assert (
        config["class_name"] == "function" and config["config"] == "mean_squared_error"
    )
    assert losses.deserialize(config) is losses.mean_squared_error
    assert isinstance(losses.deserialize("Poisson"), losses.Poisson)

    def my_loss(y_true, y_pred):
        return torch.mean(y_pred - y_true, dim=-1)

    wrapper = losses.LossFunctionWrapper(my_loss, name="mine")
    config = losses.serialize(wrapper)
    with pytest.raises(ValueError, match="my_loss"):
        losses.deserialize(config)
    restored = losses.deserialize(config, custom_objects={"my_loss": my_loss})
    assert restored.fn is my_loss and restored.name == "mine"
    from kerastorch.saving import custom_object_scope

    with custom_object_scope({"my_loss": my_loss}):
        assert losses.deserialize(config).fn is my_loss
        assert losses.get("my_loss") is my_loss
