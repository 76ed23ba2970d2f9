"""Tests for kerastorch.metrics: numerics against numpy/sklearn, state contract, config."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
import torch
from sklearn import metrics as skm

import kerastorch.metrics as M
from kerastorch.metrics.metric import Metric
from kerastorch.variables import Variable

RNG = np.random.default_rng(0)
N, C = 64, 4
EPS = 1e-7


def close(actual, expected, rtol=1e-5, atol=1e-6):
    actual = actual.detach().cpu().numpy() if torch.is_tensor(actual) else actual
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# Data sets --------------------------------------------------------------------

_W = RNG.uniform(0.1, 2.0, N).astype(np.float32)
_LABELS = RNG.integers(0, C, N)
_LOGITS = RNG.normal(size=(N, C)).astype(np.float32)
DATA = {
    "bin": (
        RNG.integers(0, 2, (N, 1)).astype(np.float32),
        RNG.uniform(size=(N, 1)).astype(np.float32),
    ),
    "cat": (np.eye(C, dtype=np.float32)[_LABELS], softmax(_LOGITS)),
    "sparse": (_LABELS, softmax(_LOGITS)),
    "multilabel": (
        RNG.integers(0, 2, (N, C)).astype(np.float32),
        RNG.uniform(size=(N, C)).astype(np.float32),
    ),
    "reg": (
        RNG.uniform(0.1, 3, (N, 3)).astype(np.float32),
        RNG.uniform(0.1, 3, (N, 3)).astype(np.float32),
    ),
    "ids": (_LABELS, RNG.integers(0, C, N)),
    "values": (RNG.normal(size=(N, 3)).astype(np.float32), None),
}

# (factory, data set): every built-in metric, used by the contract tests.
CASES = {
    "mean": (lambda: M.Mean(), "values"),
    "sum": (lambda: M.Sum(), "values"),
    "accuracy": (lambda: M.Accuracy(), "ids"),
    "binary_accuracy": (lambda: M.BinaryAccuracy(), "bin"),
    "categorical_accuracy": (lambda: M.CategoricalAccuracy(), "cat"),
    "sparse_categorical_accuracy": (lambda: M.SparseCategoricalAccuracy(), "sparse"),
    "top_k": (lambda: M.TopKCategoricalAccuracy(k=2), "cat"),
    "sparse_top_k": (lambda: M.SparseTopKCategoricalAccuracy(k=2), "sparse"),
    "auc": (lambda: M.AUC(), "bin"),
    "auc_pr": (lambda: M.AUC(curve="PR", num_thresholds=50), "bin"),
    "auc_multi": (
        lambda: M.AUC(multi_label=True, label_weights=[1, 2, 0, 1]),
        "multilabel",
    ),
    "precision": (lambda: M.Precision(thresholds=[0.7, 0.2]), "bin"),
    "recall_top_k": (lambda: M.Recall(top_k=2), "multilabel"),
    "precision_class": (lambda: M.Precision(class_id=1), "multilabel"),
    "tp": (lambda: M.TruePositives(), "bin"),
    "fp": (lambda: M.FalsePositives(thresholds=[0.2, 0.5]), "bin"),
    "tn": (lambda: M.TrueNegatives(), "bin"),
    "fn": (lambda: M.FalseNegatives(), "bin"),
    "sens_at_spec": (lambda: M.SensitivityAtSpecificity(0.5), "bin"),
    "spec_at_sens": (lambda: M.SpecificityAtSensitivity(0.5), "bin"),
    "prec_at_rec": (lambda: M.PrecisionAtRecall(0.5), "bin"),
    "rec_at_prec": (lambda: M.RecallAtPrecision(0.5), "bin"),
    "f1": (lambda: M.F1Score(average="weighted", threshold=0.5), "multilabel"),
    "fbeta": (lambda: M.FBetaScore(beta=2.0), "cat"),
    "mse": (lambda: M.MeanSquaredError(), "reg"),
    "rmse": (lambda: M.RootMeanSquaredError(), "reg"),
    "mae": (lambda: M.MeanAbsoluteError(), "reg"),
    "mape": (lambda: M.MeanAbsolutePercentageError(), "reg"),
    "msle": (lambda: M.MeanSquaredLogarithmicError(), "reg"),
    "cosine": (lambda: M.CosineSimilarity(), "reg"),
    "logcosh": (lambda: M.LogCoshError(), "reg"),
    "r2": (lambda: M.R2Score(class_aggregation="variance_weighted_average"), "reg"),
    "bce": (lambda: M.BinaryCrossentropy(label_smoothing=0.1), "bin"),
    "cce": (lambda: M.CategoricalCrossentropy(), "cat"),
    "scce": (lambda: M.SparseCategoricalCrossentropy(), "sparse"),
    "kld": (lambda: M.KLDivergence(), "cat"),
    "poisson": (lambda: M.Poisson(), "reg"),
    "hinge": (lambda: M.Hinge(), "bin"),
    "squared_hinge": (lambda: M.SquaredHinge(), "bin"),
    "categorical_hinge": (lambda: M.CategoricalHinge(), "cat"),
    "mean_iou": (lambda: M.MeanIoU(num_classes=C, ignore_class=0), "ids"),
    "iou": (lambda: M.IoU(num_classes=C, target_class_ids=[1, 3]), "ids"),
    "binary_iou": (lambda: M.BinaryIoU(), "bin"),
    "one_hot_iou": (lambda: M.OneHotIoU(num_classes=C, target_class_ids=[0, 2]), "cat"),
    "one_hot_mean_iou": (lambda: M.OneHotMeanIoU(num_classes=C), "cat"),
}


def update(metric, data, rows=slice(None), weighted=True, as_torch=True):
    y_true, y_pred = DATA[data]
    w = _W[rows] if weighted else None
    conv = torch.as_tensor if as_torch else np.asarray
    if y_pred is None:
        metric.update_state(conv(y_true[rows]), sample_weight=w)
    else:
        metric.update_state(conv(y_true[rows]), conv(y_pred[rows]), sample_weight=w)


@contextlib.contextmanager
def no_host_reads():
    """Make every tensor-to-host read raise, as a CPU stand-in for a sync check."""

    def refuse(*args, **kwargs):
        raise AssertionError("update_state read a tensor value on the host")

    names = ["item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__"]
    saved = {name: getattr(torch.Tensor, name) for name in names}
    try:
        for name in names:
            setattr(torch.Tensor, name, refuse)
        yield
    finally:
        for name, fn in saved.items():
            setattr(torch.Tensor, name, fn)


# The state contract (every metric) ---------------------------------------------


@pytest.mark.parametrize("key", list(CASES))
def test_state_is_sum_reducible(key):
    factory, data = CASES[key]
    full, part_a, part_b = factory(), factory(), factory()
    update(full, data)
    update(part_a, data, slice(0, 40))
    update(part_b, data, slice(40, None))
    # What the distributed trainer does: SUM-all-reduce each state tensor.
    assert len(part_a.variables) == len(part_b.variables) > 0
    for va, vb in zip(part_a.variables, part_b.variables):
        va.add_(vb)
    close(part_a.result(), full.result(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("key", list(CASES))
def test_update_state_never_reads_values_on_host(key):
    factory, data = CASES[key]
    metric = factory()
    update(metric, data, slice(0, 8))  # lazy builds happen here
    with no_host_reads():
        update(metric, data, slice(8, 32))
        update(metric, data, slice(32, None), as_torch=False)


@pytest.mark.parametrize("key", list(CASES))
def test_config_round_trip_and_reset(key):
    factory, data = CASES[key]
    metric = factory()
    update(metric, data)
    clone = type(metric).from_config(metric.get_config())
    update(clone, data)
    close(clone.result(), metric.result())
    rebuilt = M.deserialize(M.serialize(metric))
    assert type(rebuilt) is type(metric) and rebuilt.name == metric.name
    update(rebuilt, data)
    close(rebuilt.result(), metric.result())
    # After a reset, the metric behaves like a fresh one.
    metric.reset_state()
    assert all(float(v.abs().sum()) == 0 for v in metric.variables)
    update(metric, data, slice(0, 10))
    fresh = factory()
    update(fresh, data, slice(0, 10))
    close(metric.result(), fresh.result())


@pytest.mark.parametrize("key", list(CASES))
def test_variables_are_non_trainable_keras_variables(key):
    factory, data = CASES[key]
    metric = factory()
    update(metric, data)
    for v in metric.variables:
        assert isinstance(v, Variable) and not v.trainable and not v.requires_grad
        assert v.path.startswith(metric.name + "/")
        assert v.device == metric.device


# Base class -------------------------------------------------------------------


class BinaryTruePositives(Metric):
    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(
            shape=(), initializer="zeros", name="tp"
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = (
            torch.as_tensor(y_true).bool() & torch.as_tensor(y_pred).bool()
        ).float()
        if sample_weight is not None:
            values = values * torch.as_tensor(sample_weight)
        self.true_positives.assign(self.true_positives + values.sum())

    def result(self):
        return self.true_positives.detach().clone()


def test_custom_metric_keras_style():
    m = BinaryTruePositives()
    assert m.name == "binary_true_positives" and m.dtype == "float32"
    assert float(m([1, 1, 0, 1], [1, 0, 1, 1])) == 2.0
    m.update_state([1, 1], [1, 1], sample_weight=[0.5, 0.25])
    assert float(m.result()) == 2.75
    m.reset_state()
    assert float(m.result()) == 0.0
    assert m.variables[0].path == "binary_true_positives/tp"
    assert repr(m) == "<BinaryTruePositives name=binary_true_positives>"


def test_auto_names_are_unique_snake_case():
    class MyCustomScore(Metric):
        pass

    first, second = MyCustomScore(), MyCustomScore()
    assert first.name.startswith("my_custom_score")
    assert second.name != first.name and second.name.startswith("my_custom_score_")


def test_forgetting_super_init_is_explained():
    class Broken(Metric):
        def __init__(self):
            pass

    with pytest.raises(RuntimeError, match="super"):
        Broken().add_variable(shape=())


def test_add_variable_initializers_and_dtypes():
    m = Metric(name="m", dtype="float64")
    assert m.add_variable((2,)).dtype == torch.float64
    assert m.add_variable((2,), initializer="ones").tolist() == [1.0, 1.0]
    assert m.add_variable((), initializer=3).item() == 3.0
    seeded = m.add_variable(
        (2, 2), initializer=lambda shape, dtype: np.full(shape, 2.0)
    )
    assert seeded.sum().item() == 8.0
    assert m.add_variable((3,), dtype="int64", name="n").dtype == torch.int64
    with pytest.raises(ValueError, match="shape"):
        m.add_variable((3,), initializer=np.zeros(2))
    assert len(m.variables) == 5
    with pytest.raises(TypeError, match="name=3"):
        Metric(name=3)
    with pytest.raises(ValueError, match="dtype"):
        Metric(dtype="float7")


def test_sub_metrics_are_tracked():
    class Pair(Metric):
        def __init__(self):
            super().__init__(name="pair")
            self.a = M.Mean(name="a")
            self.b = M.Sum(name="b")

        def update_state(self, values):
            self.a.update_state(values)
            self.b.update_state(values)

        def result(self):
            return {"a": self.a.result(), "b": self.b.result()}

    pair = Pair()
    assert [v.path for v in pair.variables] == ["a/total", "a/count", "b/total"]
    assert pair.to("cpu") is pair
    out = pair([1.0, 2.0, 6.0])
    assert float(out["a"]) == 3.0 and float(out["b"]) == 9.0
    pair.reset_state()
    assert float(pair.result()["b"]) == 0.0


def test_to_device_keeps_references_and_updates():
    m = M.AUC(num_thresholds=5)
    refs = m.variables
    storage = [v.data_ptr() for v in refs]
    assert m.to("cpu") is m and m.device == torch.device("cpu")
    assert all(a is b for a, b in zip(m.variables, refs))
    assert [v.data_ptr() for v in refs] == storage
    m.update_state([0, 1, 1], [0.2, 0.9, 0.6])
    assert float(refs[0].sum()) > 0  # the old references see the update


def test_inputs_that_require_grad_do_not_build_a_graph():
    m = M.MeanSquaredError()
    y_pred = torch.rand(4, 2, requires_grad=True)
    m.update_state(torch.rand(4, 2), y_pred)
    assert m.total.grad_fn is None and not m.total.requires_grad
    loss_tracker = M.Mean()
    loss_tracker.update_state((y_pred**2).sum(), sample_weight=4)
    assert loss_tracker.total.grad_fn is None


# Reductions -------------------------------------------------------------------


def test_mean_and_sum_match_numpy_with_weights_of_every_rank():
    values = DATA["values"][0]
    w2 = RNG.uniform(size=values.shape).astype(np.float32)
    for weight in (None, _W, _W[:, None], w2):
        mean, total = M.Mean(), M.Sum()
        for rows in (slice(0, 20), slice(20, None)):
            sw = None if weight is None else weight[rows]
            mean.update_state(values[rows], sample_weight=sw)
            total.update_state(values[rows], sample_weight=sw)
        if weight is None:
            full_w = np.ones_like(values)
        else:
            full_w = np.broadcast_to(weight.reshape(N, -1), values.shape)
        close(mean.result(), (values * full_w).sum() / full_w.sum(), rtol=1e-5)
        close(total.result(), (values * full_w).sum(), rtol=1e-5)


def test_mean_keras_examples_and_scalar_fast_path():
    m = M.Mean()
    m.update_state([1, 3, 5, 7])
    assert float(m.result()) == 4.0
    m.reset_state()
    assert float(m.result()) == 0.0  # no data: 0, not NaN
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 2.0
    tracker = M.Mean()
    tracker.update_state(torch.tensor(2.0), sample_weight=3)
    tracker.update_state(torch.tensor(6.0))
    assert float(tracker.result()) == 3.0  # (2 * 3 + 6) / 4
    s = M.Sum()
    s.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(s.result()) == 4.0


def test_keras_mask_is_used_as_sample_weight():
    values = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    values._keras_mask = torch.tensor([[True, True, False], [True, False, False]])
    m = M.Mean()
    m.update_state(values)
    close(m.result(), (1 + 2 + 4) / 3)
    # On y_pred of a per-timestep metric: masked timesteps are left out.
    y_true = torch.zeros(2, 3, 1)
    y_pred = torch.arange(6.0).reshape(2, 3, 1)
    y_pred._keras_mask = torch.tensor([[True, False, True], [False, True, True]])
    mse = M.MeanSquaredError()
    mse.update_state(y_true, y_pred, sample_weight=torch.tensor([1.0, 2.0]))
    expected = (0 + 4 + 2 * (16 + 25)) / (2 + 2 * 2)
    close(mse.result(), expected)


def test_mean_metric_wrapper_with_function_and_kwargs():
    m = M.MeanMetricWrapper(fn=M.binary_accuracy, name="acc_07", threshold=0.7)
    m.update_state([[1], [1], [0]], [[0.8], [0.6], [0.1]])
    close(m.result(), 2 / 3)
    config = m.get_config()
    assert config["threshold"] == 0.7 and config["fn"]["config"] == "binary_accuracy"
    clone = M.MeanMetricWrapper.from_config(config)
    clone.update_state([[1], [1], [0]], [[0.8], [0.6], [0.1]])
    close(clone.result(), 2 / 3)
    with pytest.raises(TypeError, match="callable"):
        M.MeanMetricWrapper(fn="mse")


def test_custom_function_receives_tensors():
    m = M.MeanMetricWrapper(
        fn=lambda y_true, y_pred: (y_true - y_pred).abs().amax(dim=-1)
    )
    m.update_state(np.array([[0.0, 1.0], [2.0, 2.0]]), [[0.5, 1.0], [2.0, 5.0]])
    close(m.result(), (0.5 + 3.0) / 2)


# Accuracy ---------------------------------------------------------------------


def test_accuracy_metrics_match_numpy():
    y_bin, p_bin = DATA["bin"]
    y_cat, p_cat = DATA["cat"]
    w = _W
    checks = [
        (M.BinaryAccuracy(), y_bin, p_bin, (y_bin[:, 0] == (p_bin[:, 0] > 0.5))),
        (
            M.BinaryAccuracy(threshold=0.8),
            y_bin,
            p_bin,
            (y_bin[:, 0] == (p_bin[:, 0] > 0.8)),
        ),
        (M.CategoricalAccuracy(), y_cat, p_cat, _LABELS == p_cat.argmax(-1)),
        (
            M.SparseCategoricalAccuracy(),
            _LABELS[:, None],
            p_cat,
            _LABELS == p_cat.argmax(-1),
        ),
        (M.Accuracy(), _LABELS, DATA["ids"][1], _LABELS == DATA["ids"][1]),
    ]
    rank = (-p_cat).argsort(-1).argsort(-1)[np.arange(N), _LABELS]  # 0 = best
    checks.append((M.TopKCategoricalAccuracy(k=2), y_cat, p_cat, rank < 2))
    checks.append((M.SparseTopKCategoricalAccuracy(k=3), _LABELS, p_cat, rank < 3))
    for metric, y_true, y_pred, hits in checks:
        for rows in (slice(0, 30), slice(30, None)):
            metric.update_state(y_true[rows], y_pred[rows], sample_weight=w[rows])
        close(metric.result(), (hits * w).sum() / w.sum(), rtol=1e-5)


def test_top_k_ties_count_in_and_k_may_exceed_classes():
    # Class 2 ties with the 2nd best score: counted as in the top 2 (like TF).
    y_pred = [[0.5, 0.2, 0.2, 0.1]]
    assert M.sparse_top_k_categorical_accuracy([2], y_pred, k=2).tolist() == [1.0]
    assert M.sparse_top_k_categorical_accuracy([3], y_pred, k=2).tolist() == [0.0]
    assert M.sparse_top_k_categorical_accuracy([3], y_pred, k=10).tolist() == [1.0]


def test_sparse_top_k_from_sorted_ids():
    sorted_ids = torch.tensor([[3, 1, 0, 2], [2, 0, 1, 3]])
    m = M.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    m.update_state(torch.tensor([1, 1]), sorted_ids)
    assert float(m.result()) == 0.5
    assert M.SparseTopKCategoricalAccuracy.from_config(m.get_config()).from_sorted_ids


def test_rank_one_inputs_are_one_sample_per_element():
    m = M.BinaryAccuracy()
    m.update_state([1, 0, 1, 1], [0.9, 0.2, 0.1, 0.6], sample_weight=[1, 1, 1, 0])
    close(m.result(), 2 / 3)


@pytest.mark.parametrize(
    "factory, match",
    [
        (lambda: M.BinaryAccuracy(threshold=1.0), "threshold=1.0"),
        (lambda: M.TopKCategoricalAccuracy(k=0), "k=0"),
        (lambda: M.SparseTopKCategoricalAccuracy(k=2.5), "k=2.5"),
    ],
)
def test_accuracy_bad_arguments(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


# Confusion counts, precision, recall ----------------------------------------------


def test_confusion_counts_match_sklearn_at_each_threshold():
    y_true, y_pred = DATA["bin"]
    thresholds = [0.7, 0.3, 0.5]  # unsorted on purpose: results keep this order
    metrics = {
        "tp": M.TruePositives(thresholds),
        "fp": M.FalsePositives(thresholds),
        "tn": M.TrueNegatives(thresholds),
        "fn": M.FalseNegatives(thresholds),
    }
    for m in metrics.values():
        for rows in (slice(0, 25), slice(25, None)):
            m.update_state(y_true[rows], y_pred[rows], sample_weight=_W[rows])
    for i, t in enumerate(thresholds):
        tn, fp, fn, tp = skm.confusion_matrix(
            y_true[:, 0], y_pred[:, 0] > t, sample_weight=_W
        ).ravel()
        expected = {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
        for key, m in metrics.items():
            close(m.result()[i], expected[key], rtol=1e-5)
    assert M.TruePositives()(y_true, y_pred).ndim == 0  # one threshold: a scalar


def test_precision_recall_match_sklearn():
    y_true, y_pred = DATA["bin"]
    for thresholds in (None, 0.3, [0.1, 0.5, 0.9]):
        precision, recall = M.Precision(thresholds), M.Recall(thresholds)
        precision.update_state(y_true, y_pred, sample_weight=_W)
        recall.update_state(y_true, y_pred, sample_weight=_W)
        ts = [0.5] if thresholds is None else np.atleast_1d(thresholds)
        expected_p = [
            skm.precision_score(y_true, y_pred > t, sample_weight=_W) for t in ts
        ]
        expected_r = [
            skm.recall_score(y_true, y_pred > t, sample_weight=_W) for t in ts
        ]
        close(precision.result(), np.squeeze(expected_p), rtol=1e-5)
        close(recall.result(), np.squeeze(expected_r), rtol=1e-5)


def test_precision_recall_top_k_and_class_id():
    y_true, y_pred = DATA["multilabel"]
    top2 = np.zeros_like(y_pred, dtype=bool)
    np.put_along_axis(top2, np.argsort(-y_pred, axis=-1)[:, :2], True, axis=-1)
    m = M.Recall(top_k=2)
    m.update_state(y_true, y_pred)
    close(m.result(), skm.recall_score(y_true.ravel(), top2.ravel()))
    m = M.Precision(top_k=2, thresholds=0.6)  # top 2 and above 0.6
    m.update_state(y_true, y_pred)
    close(
        m.result(), skm.precision_score(y_true.ravel(), (top2 & (y_pred > 0.6)).ravel())
    )
    m = M.Precision(class_id=1)
    m.update_state(y_true, y_pred, sample_weight=_W)
    close(
        m.result(),
        skm.precision_score(y_true[:, 1], y_pred[:, 1] > 0.5, sample_weight=_W),
    )
    # Keras's own examples (ties in top-k go to the lower index).
    m = M.Precision(top_k=2)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert float(m.result()) == 0.0
    with pytest.raises(ValueError, match="class_id"):
        M.Precision(class_id=0).update_state([0, 1], [0.2, 0.8])


@pytest.mark.parametrize(
    "factory, match",
    [
        (lambda: M.Precision(thresholds=1.5), r"\[0, 1\]"),
        (lambda: M.Recall(thresholds=[0.2, -0.1]), r"\[0, 1\]"),
        (lambda: M.TruePositives(thresholds=[]), r"\[0, 1\]"),
        (lambda: M.Precision(top_k=0), "top_k=0"),
        (lambda: M.Recall(class_id="a"), "class_id='a'"),
    ],
)
def test_confusion_bad_arguments(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


# AUC ------------------------------------------------------------------------------


def _on_grid(n, num_thresholds, shape):
    """Predictions strictly between thresholds: bucketing is then exact."""
    return (
        (RNG.integers(0, num_thresholds - 1, shape) + 0.5) / (num_thresholds - 1)
    ).astype(np.float32)


def test_roc_auc_matches_sklearn():
    y_true = RNG.integers(0, 2, 500)
    y_pred = _on_grid(500, 200, 500)
    w = RNG.uniform(0.1, 2, 500)
    m = M.AUC()
    for rows in (slice(0, 200), slice(200, None)):
        m.update_state(y_true[rows], y_pred[rows], sample_weight=w[rows])
    close(m.result(), skm.roc_auc_score(y_true, y_pred, sample_weight=w), rtol=1e-4)
    # Continuous scores: within the discretisation error of 200 thresholds.
    y_pred = RNG.uniform(size=500).astype(np.float32) * 0.6 + 0.4 * y_true
    m = M.AUC()
    m.update_state(y_true, y_pred)
    close(m.result(), skm.roc_auc_score(y_true, y_pred), atol=5e-3)


def _interpolated_pr_reference(y_true, y_pred, thresholds, w):
    """Numerically integrate precision d(recall) with TP and P linear between thresholds."""
    tp = np.array([(w * y_true * (y_pred > t)).sum() for t in thresholds])
    p = np.array([(w * (y_pred > t)).sum() for t in thresholds])
    total_pos = (w * y_true).sum()
    area, steps = 0.0, 20000
    s = (np.arange(steps) + 0.5) / steps
    for i in range(len(thresholds) - 1):
        tp_s = tp[i] + s * (tp[i + 1] - tp[i])
        p_s = p[i] + s * (p[i + 1] - p[i])
        precision = np.where(p_s > 0, tp_s / np.where(p_s > 0, p_s, 1), 0)
        area += (precision * (tp[i] - tp[i + 1]) / total_pos / steps).sum()
    return area


def test_pr_auc_interpolation_matches_davis_goadrich_integral():
    m = M.AUC(num_thresholds=3, curve="PR")
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    # Hand-derived: (1 + 2/3 * ln 4) / 6 + 1 / 2
    close(m.result(), (1 + 2 / 3 * np.log(4)) / 6 + 0.5, rtol=1e-5)
    y_true = RNG.integers(0, 2, 300).astype(np.float64)
    y_pred = RNG.uniform(size=300) * 0.5 + 0.3 * y_true
    w = RNG.uniform(0.1, 2, 300)
    m = M.AUC(num_thresholds=20, curve="PR")
    m.update_state(y_true, y_pred, sample_weight=w)
    reference = _interpolated_pr_reference(y_true, y_pred, m.thresholds, w)
    close(m.result(), reference, rtol=1e-3)
    # With many thresholds it approaches average precision.
    m = M.AUC(num_thresholds=1000, curve="PR")
    m.update_state(y_true, y_pred)
    close(m.result(), skm.average_precision_score(y_true, y_pred), atol=2e-2)


def test_auc_summation_methods_keras_example():
    results = {}
    for method in ("interpolation", "minoring", "majoring"):
        m = M.AUC(num_thresholds=3, summation_method=method)
        m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        results[method] = float(m.result())
    assert results == pytest.approx(
        {"interpolation": 0.75, "minoring": 0.5, "majoring": 1.0}
    )
    m = M.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    assert float(m.result()) == pytest.approx(1.0)
    pr = M.AUC(num_thresholds=3, curve="pr", summation_method="minoring")
    pr.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    # recall [1, .5, 0], precision [.5, 1, 0]: min heights .5 * .5 + 0 * .5
    assert float(pr.result()) == pytest.approx(0.25)


def test_multi_label_auc_averages_per_label_auc():
    y_true = RNG.integers(0, 2, (400, 3))
    y_pred = _on_grid(400, 200, (400, 3))
    per_label = [skm.roc_auc_score(y_true[:, j], y_pred[:, j]) for j in range(3)]
    lazy, built = M.AUC(multi_label=True), M.AUC(multi_label=True, num_labels=3)
    assert lazy.variables == [] and len(built.variables) == 4
    for m in (lazy, built):
        m.update_state(y_true, y_pred)
        close(m.result(), np.mean(per_label), rtol=1e-4)
    weighted = M.AUC(multi_label=True, label_weights=[1.0, 0.0, 3.0])
    weighted.update_state(y_true, y_pred)
    close(weighted.result(), (per_label[0] + 3 * per_label[2]) / 4, rtol=1e-4)
    with pytest.raises(ValueError, match="3 labels"):
        built.update_state(y_true[:, :2], y_pred[:, :2])
    with pytest.raises(ValueError, match="rank 2"):
        M.AUC(multi_label=True).update_state(y_true[:, :, None], y_pred[:, :, None])


def test_auc_label_weights_flattened_and_from_logits():
    y_true = RNG.integers(0, 2, (300, 2))
    y_pred = _on_grid(300, 200, (300, 2))
    m = M.AUC(label_weights=[2.0, 0.5])
    m.update_state(y_true, y_pred)
    w = np.broadcast_to([2.0, 0.5], y_true.shape)
    close(
        m.result(),
        skm.roc_auc_score(y_true.ravel(), y_pred.ravel(), sample_weight=w.ravel()),
        rtol=1e-4,
    )
    logits = torch.randn(300)
    labels = torch.randint(0, 2, (300,))
    a, b = M.AUC(from_logits=True), M.AUC()
    a.update_state(labels, logits)
    b.update_state(labels, torch.sigmoid(logits))
    close(a.result(), b.result().numpy())


def test_auc_config_keeps_explicit_thresholds():
    m = M.AUC(thresholds=[0.6, 0.2], curve="PR", name="pr_auc")
    assert m.num_thresholds == 4 and m.thresholds[1:-1] == [0.2, 0.6]
    config = m.get_config()
    assert config["thresholds"] == [0.2, 0.6] and config["curve"] == "PR"
    clone = M.AUC.from_config(config)
    assert clone.thresholds == m.thresholds and clone.name == "pr_auc"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"curve": "XYZ"}, "curve"),
        ({"summation_method": "trapezoid"}, "summation method"),
        ({"num_thresholds": 1}, "num_thresholds=1"),
        ({"num_labels": 3}, "multi_label"),
        ({"thresholds": [0.5, 2.0]}, r"\[0, 1\]"),
    ],
)
def test_auc_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        M.AUC(**kwargs)


# "X at Y" --------------------------------------------------------------------------


def _rates_at(y_true, y_pred, w, thresholds):
    out = []
    for t in thresholds:
        pred = y_pred > t
        tp = (w * (y_true == 1) * pred).sum()
        fp = (w * (y_true == 0) * pred).sum()
        tn = (w * (y_true == 0) * ~pred).sum()
        fn = (w * (y_true == 1) * ~pred).sum()
        div = lambda a, b: a / b if b else 0.0  # noqa: E731
        out.append(
            {
                "sens": div(tp, tp + fn),
                "spec": div(tn, tn + fp),
                "prec": div(tp, tp + fp),
            }
        )
    return out


@pytest.mark.parametrize(
    "cls, constrained, dependent",
    [
        (M.SensitivityAtSpecificity, "spec", "sens"),
        (M.SpecificityAtSensitivity, "sens", "spec"),
        (M.PrecisionAtRecall, "sens", "prec"),
        (M.RecallAtPrecision, "prec", "sens"),
    ],
)
def test_x_at_y_metrics_match_brute_force(cls, constrained, dependent):
    y_true, y_pred = DATA["bin"][0][:, 0], DATA["bin"][1][:, 0]
    m = cls(0.6, num_thresholds=50)
    m.update_state(y_true, y_pred, sample_weight=_W)
    rates = _rates_at(y_true, y_pred, _W, m.thresholds)
    feasible = [r[dependent] for r in rates if r[constrained] >= 0.6]
    close(m.result(), max(feasible, default=0.0), rtol=1e-5)
    with pytest.raises(ValueError, match="range"):
        cls(1.5)


def test_x_at_y_keras_examples():
    y_true, y_pred = [0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]
    m = M.SensitivityAtSpecificity(0.5)
    m.update_state(y_true, y_pred, sample_weight=[1, 1, 2, 2, 1])
    close(m.result(), 1 / 3)
    m = M.SpecificityAtSensitivity(0.5)
    m.update_state(y_true, y_pred)
    close(m.result(), 2 / 3)
    m = M.RecallAtPrecision(0.8)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    close(m.result(), 1.0)


# F-scores ---------------------------------------------------------------------------


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_f_scores_match_sklearn(average):
    y_true, y_pred = DATA["multilabel"]
    f1 = M.F1Score(average=average, threshold=0.5)
    fb = M.FBetaScore(average=average, beta=2.0, threshold=0.4)
    for rows in (slice(0, 30), slice(30, None)):
        f1.update_state(y_true[rows], y_pred[rows], sample_weight=_W[rows])
        fb.update_state(y_true[rows], y_pred[rows], sample_weight=_W[rows])
    kwargs = {"average": average, "sample_weight": _W, "zero_division": 0}
    close(f1.result(), skm.f1_score(y_true, y_pred > 0.5, **kwargs), rtol=1e-4)
    close(
        fb.result(),
        skm.fbeta_score(y_true, y_pred > 0.4, beta=2.0, **kwargs),
        rtol=1e-4,
    )


def test_f1_without_threshold_uses_the_argmax():
    y_true, y_pred = DATA["cat"]
    m = M.F1Score()
    m.update_state(y_true, y_pred)
    expected = skm.f1_score(_LABELS, y_pred.argmax(-1), average=None, labels=range(C))
    close(m.result(), expected, rtol=1e-4)
    # An all-zero row predicts nothing (rather than every class).
    m = M.F1Score(average="micro")
    m.update_state([[0, 1], [1, 0]], [[0.0, 0.0], [0.9, 0.1]])
    close(m.result(), 2 / 3, rtol=1e-5)


@pytest.mark.parametrize(
    "factory, match",
    [
        (lambda: M.F1Score(average="samples"), "average='samples'"),
        (lambda: M.FBetaScore(beta=0.0), "beta=0.0"),
        (lambda: M.FBetaScore(beta="2"), "beta='2'"),
        (lambda: M.F1Score(threshold=1.5), "threshold=1.5"),
    ],
)
def test_f_score_bad_arguments(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_f_score_needs_2d_inputs():
    with pytest.raises(ValueError, match="2D"):
        M.F1Score().update_state([1, 0], [0.4, 0.6])


# Regression -------------------------------------------------------------------------


def _weighted_mean(per_sample, w):
    return (per_sample * w).sum() / w.sum()


def test_regression_metrics_match_numpy():
    y, p = DATA["reg"]
    y64, p64 = y.astype(np.float64), p.astype(np.float64)
    norm = lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True)  # noqa: E731
    expected = {
        M.MeanSquaredError: ((y64 - p64) ** 2).mean(-1),
        M.MeanAbsoluteError: np.abs(y64 - p64).mean(-1),
        M.MeanAbsolutePercentageError: 100 * np.abs((y64 - p64) / y64).mean(-1),
        M.MeanSquaredLogarithmicError: ((np.log1p(p64) - np.log1p(y64)) ** 2).mean(-1),
        M.LogCoshError: np.log(np.cosh(p64 - y64)).mean(-1),
        M.CosineSimilarity: (norm(y64) * norm(p64)).sum(-1),
        M.Poisson: (p64 - y64 * np.log(p64 + EPS)).mean(-1),
    }
    for cls, per_sample in expected.items():
        m = cls()
        for rows in (slice(0, 10), slice(10, None)):
            m.update_state(y[rows], p[rows], sample_weight=_W[rows])
        close(m.result(), _weighted_mean(per_sample, _W), rtol=1e-5)
    rmse = M.RootMeanSquaredError()
    rmse.update_state(y, p, sample_weight=_W)
    close(
        rmse.result(),
        np.sqrt(_weighted_mean(((y64 - p64) ** 2).mean(-1), _W)),
        rtol=1e-5,
    )


def test_log_cosh_is_stable_for_large_errors():
    m = M.LogCoshError()
    m.update_state([[0.0]], [[1000.0]])
    close(m.result(), 1000.0 - np.log(2.0), rtol=1e-6)


@pytest.mark.parametrize(
    "aggregation, multioutput",
    [
        (None, "raw_values"),
        ("uniform_average", "uniform_average"),
        ("variance_weighted_average", "variance_weighted"),
    ],
)
def test_r2_matches_sklearn(aggregation, multioutput):
    y, p = DATA["reg"]
    m = M.R2Score(class_aggregation=aggregation)
    for rows in (slice(0, 33), slice(33, None)):
        m.update_state(y[rows], p[rows], sample_weight=_W[rows])
    expected = skm.r2_score(y, p, sample_weight=_W, multioutput=multioutput)
    close(m.result(), expected, rtol=1e-4, atol=1e-5)


def test_adjusted_r2_and_rank_one_inputs():
    y, p = DATA["reg"][0][:, 0], DATA["reg"][1][:, 0]
    m = M.R2Score(num_regressors=3)
    m.update_state(y, p)
    r2 = skm.r2_score(y, p)
    close(m.result(), 1 - (1 - r2) * (N - 1) / (N - 3 - 1), rtol=1e-4)
    small = M.R2Score(num_regressors=10)
    small.update_state([[1.0], [2.0], [4.0]], [[1.5], [2.0], [3.0]])
    with pytest.warns(UserWarning, match="Falling back"):
        value = small.result()
    close(value, skm.r2_score([1, 2, 4], [1.5, 2, 3]), rtol=1e-5)
    with pytest.raises(ValueError, match="class_aggregation"):
        M.R2Score(class_aggregation="mean")
    with pytest.raises(ValueError, match="num_regressors=-1"):
        M.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match="2D"):
        M.R2Score().update_state(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))


# Probabilistic and hinge ---------------------------------------------------------------


def _log_sigmoid(x):
    return -np.logaddexp(0, -x)


def test_crossentropy_metrics_match_numpy():
    y_bin, p_bin = DATA["bin"]
    y = 0.9 * y_bin + 0.05  # label_smoothing=0.1
    p = np.clip(p_bin.astype(np.float64), EPS, 1 - EPS)
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(-1)
    m = M.BinaryCrossentropy(label_smoothing=0.1)
    m.update_state(y_bin, p_bin, sample_weight=_W)
    close(m.result(), _weighted_mean(bce, _W), rtol=1e-5)
    logits = _LOGITS[:, :1]
    bce_logits = -(
        y_bin * _log_sigmoid(logits) + (1 - y_bin) * _log_sigmoid(-logits)
    ).mean(-1)
    m = M.BinaryCrossentropy(from_logits=True)
    m.update_state(y_bin, logits)
    close(m.result(), bce_logits.mean(), rtol=1e-5)

    y_cat, p_cat = DATA["cat"]
    cce = -(y_cat * np.log(np.clip(p_cat, EPS, 1 - EPS))).sum(-1)
    for metric, labels in (
        (M.CategoricalCrossentropy(), y_cat),
        (M.SparseCategoricalCrossentropy(), _LABELS),
    ):
        metric.update_state(labels, p_cat, sample_weight=_W)
        close(metric.result(), _weighted_mean(cce, _W), rtol=1e-5)
    ref = torch.nn.functional.cross_entropy(
        torch.as_tensor(_LOGITS), torch.as_tensor(_LABELS)
    )
    for metric, labels in (
        (M.CategoricalCrossentropy(from_logits=True), y_cat),
        (M.SparseCategoricalCrossentropy(from_logits=True), _LABELS[:, None]),
    ):
        metric.update_state(labels, _LOGITS)
        close(metric.result(), ref.item(), rtol=1e-5)
    smooth = M.CategoricalCrossentropy(label_smoothing=0.2)
    smooth.update_state(y_cat, p_cat)
    y_s = y_cat * 0.8 + 0.2 / C
    close(
        smooth.result(),
        (-(y_s * np.log(np.clip(p_cat, EPS, 1))).sum(-1)).mean(),
        rtol=1e-5,
    )


def test_keras_docstring_values_for_loss_metrics():
    y_true, y_pred = [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]
    expected = {
        M.BinaryCrossentropy: 0.81492424,
        M.KLDivergence: 0.45814306,
        M.Hinge: 1.3,
        M.SquaredHinge: 1.86,
        M.CategoricalHinge: 1.4,
    }
    for cls, value in expected.items():
        m = cls()
        m.update_state(y_true, y_pred)
        close(m.result(), value, rtol=1e-5)
    m = M.CategoricalCrossentropy()
    m.update_state(
        [[0, 1, 0], [0, 0, 1]],
        [[0.05, 0.95, 0], [0.1, 0.8, 0.1]],
        sample_weight=[0.3, 0.7],
    )
    close(m.result(), 1.6271976, rtol=1e-5)


def test_kld_poisson_and_hinge_match_numpy():
    y_cat, p_cat = DATA["cat"]
    yc, pc = np.clip(y_cat, EPS, 1), np.clip(p_cat, EPS, 1)
    m = M.KLDivergence()
    m.update_state(y_cat, p_cat, sample_weight=_W)
    close(m.result(), _weighted_mean((yc * np.log(yc / pc)).sum(-1), _W), rtol=1e-5)

    y_bin, _ = DATA["bin"]
    scores = _LOGITS[:, :2]
    y_pm = 2 * np.repeat(y_bin, 2, axis=1) - 1  # {0, 1} labels act as {-1, 1}
    margins = np.maximum(1 - y_pm * scores, 0)
    for cls, per_sample in (
        (M.Hinge, margins.mean(-1)),
        (M.SquaredHinge, (margins**2).mean(-1)),
    ):
        for labels in (np.repeat(y_bin, 2, axis=1), y_pm):
            m = cls()
            m.update_state(labels, scores)
            close(m.result(), per_sample.mean(), rtol=1e-5)
    pos = (y_cat * _LOGITS).sum(-1)
    neg = ((1 - y_cat) * _LOGITS).max(-1)
    m = M.CategoricalHinge()
    m.update_state(y_cat, _LOGITS)
    close(m.result(), np.maximum(neg - pos + 1, 0).mean(), rtol=1e-5)


def test_crossentropy_shape_errors():
    with pytest.raises(ValueError, match="same shape"):
        M.CategoricalCrossentropy().update_state([[0, 1]], [[0.2, 0.3, 0.5]])
    with pytest.raises(ValueError, match="compatible shapes"):
        M.SparseCategoricalCrossentropy().update_state([[0, 1]], [[0.2, 0.3, 0.5]])
    with pytest.raises(ValueError, match="label_smoothing=2"):
        M.BinaryCrossentropy(label_smoothing=2)


# IoU ---------------------------------------------------------------------------------


def _iou_reference(y_true, y_pred, w, num_classes, targets):
    cm = skm.confusion_matrix(
        y_true, y_pred, labels=range(num_classes), sample_weight=w
    )
    tp = np.diag(cm)
    denom = cm.sum(0) + cm.sum(1) - tp
    valid = denom[targets] > 0
    return (tp[targets][valid] / denom[targets][valid]).mean()


def test_mean_iou_matches_sklearn_confusion_matrix():
    y_true, y_pred = DATA["ids"]
    m = M.MeanIoU(num_classes=C)
    for rows in (slice(0, 20), slice(20, None)):
        m.update_state(y_true[rows], y_pred[rows], sample_weight=_W[rows])
    close(m.result(), _iou_reference(y_true, y_pred, _W, C, list(range(C))), rtol=1e-5)
    # ignore_class drops those pixels; classes never seen are left out of the mean.
    labels = np.array([[0, 1, 255], [1, 1, 255]])
    preds = np.array([[0, 1, 2], [0, 1, 1]])
    m = M.MeanIoU(num_classes=4, ignore_class=255)
    m.update_state(labels, preds)
    keep = labels.ravel() != 255
    expected = _iou_reference(
        labels.ravel()[keep], preds.ravel()[keep], None, 4, [0, 1, 2, 3]
    )
    close(m.result(), expected, rtol=1e-5)


def test_iou_variants():
    y_true, y_pred = DATA["ids"]
    m = M.IoU(num_classes=C, target_class_ids=[1, 3])
    m.update_state(y_true, y_pred)
    close(m.result(), _iou_reference(y_true, y_pred, None, C, [1, 3]), rtol=1e-5)
    y_cat, p_cat = DATA["cat"]
    m = M.OneHotMeanIoU(num_classes=C)
    m.update_state(y_cat, p_cat)
    close(
        m.result(), _iou_reference(_LABELS, p_cat.argmax(-1), None, C, list(range(C)))
    )
    m = M.MeanIoU(num_classes=C, sparse_y_true=False, sparse_y_pred=False)
    m.update_state(y_cat, p_cat)
    close(
        m.result(), _iou_reference(_LABELS, p_cat.argmax(-1), None, C, list(range(C)))
    )
    m = M.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    m.update_state(
        [0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], sample_weight=[0.2, 0.3, 0.4, 0.1]
    )
    close(m.result(), 0.17361112, rtol=1e-5)  # Keras's example
    with pytest.raises(ValueError, match="target_class_ids"):
        M.IoU(num_classes=2, target_class_ids=[2])
    with pytest.raises(ValueError, match="num_classes=0"):
        M.MeanIoU(num_classes=0)


# get / serialize / deserialize -------------------------------------------------------------


@pytest.mark.parametrize(
    "identifier, cls",
    [
        ("accuracy", M.Accuracy),
        ("acc", M.Accuracy),
        ("mse", M.MeanSquaredError),
        ("MAE", M.MeanAbsoluteError),
        ("mape", M.MeanAbsolutePercentageError),
        ("msle", M.MeanSquaredLogarithmicError),
        ("bce", M.BinaryCrossentropy),
        ("auc", M.AUC),
        ("AUC", M.AUC),
        ("precision", M.Precision),
        ("recall", M.Recall),
        ("binary_accuracy", M.BinaryAccuracy),
        ("sparse_categorical_accuracy", M.SparseCategoricalAccuracy),
        ("top_k_categorical_accuracy", M.TopKCategoricalAccuracy),
        ("categorical_crossentropy", M.CategoricalCrossentropy),
        ("f1_score", M.F1Score),
        ("r2_score", M.R2Score),
        ("RootMeanSquaredError", M.RootMeanSquaredError),
    ],
)
def test_get_strings(identifier, cls):
    metric = M.get(identifier)
    assert type(metric) is cls


def test_get_other_identifiers():
    assert M.get(None) is None
    m = M.Precision()
    assert M.get(m) is m
    assert M.get(M.binary_accuracy) is M.binary_accuracy
    assert isinstance(M.get(M.Recall), M.Recall)
    from_dict = M.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.3}})
    assert isinstance(from_dict, M.BinaryAccuracy) and from_dict.threshold == 0.3
    assert M.deserialize(M.serialize(M.categorical_accuracy)) is M.categorical_accuracy


def test_get_unknown_names_suggest_close_matches():
    with pytest.raises(ValueError) as info:
        M.get("mse2")
    assert str(info.value).startswith(
        "Could not interpret metric identifier: 'mse2'. Did you mean: 'mse'"
    )
    with pytest.raises(ValueError, match="'precission'.*'precision'"):
        M.get("precission")
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 42"):
        M.get(42)
    with pytest.raises(ValueError, match="Could not interpret"):
        M.deserialize({"class_name": "NoSuchMetric", "config": {}})


def test_serialize_layout_and_custom_objects():
    config = M.serialize(M.Precision(thresholds=0.3, name="p"))
    assert config == {
        "module": "keras.metrics",
        "class_name": "Precision",
        "config": {
            "name": "p",
            "dtype": "float32",
            "thresholds": 0.3,
            "top_k": None,
            "class_id": None,
        },
        "registered_name": None,
    }
    custom = M.serialize(BinaryTruePositives())
    assert custom["registered_name"] == "BinaryTruePositives"
    rebuilt = M.deserialize(
        custom, custom_objects={"BinaryTruePositives": BinaryTruePositives}
    )
    assert isinstance(rebuilt, BinaryTruePositives)


def test_per_call_overhead_is_small():
    """A loose guard: a training step should not pay milliseconds per metric."""
    import time

    y_true = torch.randint(0, 2, (32, 1)).float()
    y_pred = torch.rand(32, 1)
    for metric in (M.BinaryAccuracy(), M.AUC(), M.Mean()):
        args = (
            (y_true.mean(),)
            if isinstance(metric, M.Mean)
            and not isinstance(metric, M.MeanMetricWrapper)
            else (y_true, y_pred)
        )
        metric.update_state(*args)
        start = time.perf_counter()
        for _ in range(200):
            metric.update_state(*args)
        per_call = (time.perf_counter() - start) / 200
        assert per_call < 2e-3, f"{metric.name}: {per_call * 1e6:.0f} us per update"
