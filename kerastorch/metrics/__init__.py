"""Metrics: `kerastorch.metrics.Mean`, `Precision`, `AUC`, ... and `get()`.

Every metric is a plain object whose state (`metric.variables`) holds sums,
so the distributed trainer can all-reduce it with SUM before `result()`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from kerastorch.backend.naming import to_snake_case
from kerastorch.metrics import hinge_metrics
from kerastorch.metrics import probabilistic_metrics
from kerastorch.metrics import regression_metrics
from kerastorch.metrics.accuracy_metrics import Accuracy
from kerastorch.metrics.accuracy_metrics import BinaryAccuracy
from kerastorch.metrics.accuracy_metrics import CategoricalAccuracy
from kerastorch.metrics.accuracy_metrics import SparseCategoricalAccuracy
from kerastorch.metrics.accuracy_metrics import SparseTopKCategoricalAccuracy
from kerastorch.metrics.accuracy_metrics import TopKCategoricalAccuracy
from kerastorch.metrics.accuracy_metrics import accuracy
from kerastorch.metrics.accuracy_metrics import binary_accuracy
from kerastorch.metrics.accuracy_metrics import categorical_accuracy
from kerastorch.metrics.accuracy_metrics import sparse_categorical_accuracy
from kerastorch.metrics.accuracy_metrics import sparse_top_k_categorical_accuracy
from kerastorch.metrics.accuracy_metrics import top_k_categorical_accuracy
from kerastorch.metrics.confusion_metrics import AUC
from kerastorch.metrics.confusion_metrics import FalseNegatives
from kerastorch.metrics.confusion_metrics import FalsePositives
from kerastorch.metrics.confusion_metrics import Precision
from kerastorch.metrics.confusion_metrics import Recall
from kerastorch.metrics.confusion_metrics import TrueNegatives
from kerastorch.metrics.confusion_metrics import TruePositives
from kerastorch.metrics.f_score_metrics import F1Score
from kerastorch.metrics.f_score_metrics import FBetaScore
from kerastorch.metrics.hinge_metrics import CategoricalHinge
from kerastorch.metrics.hinge_metrics import Hinge
from kerastorch.metrics.hinge_metrics import SquaredHinge
from kerastorch.metrics.iou_metrics import BinaryIoU
from kerastorch.metrics.iou_metrics import IoU
from kerastorch.metrics.iou_metrics import MeanIoU
from kerastorch.metrics.iou_metrics import OneHotIoU
from kerastorch.metrics.iou_metrics import OneHotMeanIoU
from kerastorch.metrics.metric import Metric
from kerastorch.metrics.probabilistic_metrics import BinaryCrossentropy
from kerastorch.metrics.probabilistic_metrics import CategoricalCrossentropy
from kerastorch.metrics.probabilistic_metrics import KLDivergence
from kerastorch.metrics.probabilistic_metrics import Poisson
from kerastorch.metrics.probabilistic_metrics import SparseCategoricalCrossentropy
from kerastorch.metrics.reduction_metrics import Mean
from kerastorch.metrics.reduction_metrics import MeanMetricWrapper
from kerastorch.metrics.reduction_metrics import Sum
from kerastorch.metrics.regression_metrics import CosineSimilarity
from kerastorch.metrics.regression_metrics import LogCoshError
from kerastorch.metrics.regression_metrics import MeanAbsoluteError
from kerastorch.metrics.regression_metrics import MeanAbsolutePercentageError
from kerastorch.metrics.regression_metrics import MeanSquaredError
from kerastorch.metrics.regression_metrics import MeanSquaredLogarithmicError
from kerastorch.metrics.regression_metrics import R2Score
from kerastorch.metrics.regression_metrics import RootMeanSquaredError
from kerastorch.metrics.sensitivity_metrics import PrecisionAtRecall
from kerastorch.metrics.sensitivity_metrics import RecallAtPrecision
from kerastorch.metrics.sensitivity_metrics import SensitivityAtSpecificity
from kerastorch.metrics.sensitivity_metrics import SpecificityAtSensitivity

ALL_OBJECTS = (
    Metric,
    Mean,
    Sum,
    MeanMetricWrapper,
    # Regression
    MeanSquaredError,
    RootMeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    CosineSimilarity,
    LogCoshError,
    R2Score,
    # Classification
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
    # Losses as metrics
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    KLDivergence,
    Poisson,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    # Accuracy
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    # F-score and IoU
    F1Score,
    FBetaScore,
    IoU,
    BinaryIoU,
    MeanIoU,
    OneHotIoU,
    OneHotMeanIoU,
)


ALL_OBJECTS_DICT: dict[str, type] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update(
    {
        "acc": Accuracy,
        "bce": BinaryCrossentropy,
        "BCE": BinaryCrossentropy,
        "mse": MeanSquaredError,
        "MSE": MeanSquaredError,
        "mae": MeanAbsoluteError,
        "MAE": MeanAbsoluteError,
        "mape": MeanAbsolutePercentageError,
        "MAPE": MeanAbsolutePercentageError,
        "msle": MeanSquaredLogarithmicError,
        "MSLE": MeanSquaredLogarithmicError,
        "rmse": RootMeanSquaredError,
        "RMSE": RootMeanSquaredError,
    }
)

# Stateless per-sample functions that `MeanMetricWrapper` configs may name.
_FUNCTIONS: dict[str, Callable] = {
    fn.__name__: fn
    for fn in (
        accuracy,
        binary_accuracy,
        categorical_accuracy,
        sparse_categorical_accuracy,
        top_k_categorical_accuracy,
        sparse_top_k_categorical_accuracy,
        hinge_metrics.hinge,
        hinge_metrics.squared_hinge,
        hinge_metrics.categorical_hinge,
        probabilistic_metrics.binary_crossentropy,
        probabilistic_metrics.categorical_crossentropy,
        probabilistic_metrics.sparse_categorical_crossentropy,
        probabilistic_metrics.kl_divergence,
        probabilistic_metrics.poisson,
        regression_metrics.mean_squared_error,
        regression_metrics.mean_absolute_error,
        regression_metrics.mean_absolute_percentage_error,
        regression_metrics.mean_squared_logarithmic_error,
        regression_metrics.log_cosh,
        regression_metrics.cosine_similarity,
    )
}


def _unknown(identifier, candidates) -> ValueError:
    import difflib

    message = f"Could not interpret metric identifier: {identifier!r}."
    if isinstance(identifier, str):
        close = difflib.get_close_matches(identifier, list(candidates), n=3)
        if close:
            message += " Did you mean: " + ", ".join(repr(c) for c in close) + "? "
    return ValueError(message)


def serialize(metric) -> dict:
    """Serialize a `Metric` instance or a metric function to a config dict.

    Args:
        metric: a `Metric` instance or a function.

    Returns:
        `{"module", "class_name", "config", "registered_name"}`, the Keras layout.
    """
    if isinstance(metric, Metric):
        cls = type(metric)
        builtin = ALL_OBJECTS_DICT.get(cls.__name__) is cls
        return {
            "module": "keras.metrics" if builtin else cls.__module__,
            "class_name": cls.__name__,
            "config": metric.get_config(),
            "registered_name": None if builtin else cls.__name__,
        }
    if callable(metric) and hasattr(metric, "__name__"):
        return {
            "module": "keras.metrics",
            "class_name": "function",
            "config": metric.__name__,
            "registered_name": "function",
        }
    raise ValueError(
        f"Could not serialize metric: expected a Metric or a function. Received: {metric!r}"
    )


def deserialize(config, custom_objects: dict | None = None):
    """Rebuild a metric (or metric function) from `serialize()` output or a name.

    Args:
        config: a dict from `serialize()` (`class_name` + `config`), or a name.
        custom_objects: extra `{name: class or function}` to look names up in.

    Returns:
        A `Metric` instance, or a function.
    """
    custom_objects = custom_objects or {}
    is_function = False
    if isinstance(config, str):
        name, inner = config, None
    elif isinstance(config, dict) and "class_name" in config:
        name, inner = config["class_name"], config.get("config")
        if name == "function":
            name, inner, is_function = inner, None, True
    else:
        raise ValueError(
            "Could not deserialize metric: expected a name or a dict with "
            f"'class_name' and 'config'. Received: {config!r}"
        )
    # A function and a class can share a snake-case name ("binary_accuracy").
    tables = (custom_objects, _FUNCTIONS, ALL_OBJECTS_DICT)
    if not is_function:
        tables = (custom_objects, ALL_OBJECTS_DICT, _FUNCTIONS)
    obj = next((t[name] for t in tables if name in t), None)
    if obj is None:
        raise _unknown(name, [*ALL_OBJECTS_DICT, *_FUNCTIONS, *custom_objects])
    if inspect.isclass(obj):
        return obj.from_config(inner) if inner is not None else obj()
    return obj


def get(identifier):
    """Retrieve a metric from a name, a config dict, a class or a callable.

    A string names a metric class (`"AUC"`, `"auc"`, `"binary_accuracy"`,
    `"mse"`, ...) and returns a new instance with default arguments; `"accuracy"`
    and `"acc"` give the exact-match `Accuracy` (the training engine picks a
    binary/categorical/sparse accuracy from the loss instead). A dict is
    passed to `deserialize`; a class is instantiated; a `Metric` or a function
    is returned as is; `None` gives `None`.

    Args:
        identifier: the metric identifier.

    Returns:
        A `Metric` instance, a function, or `None`.

    Example:

    >>> kerastorch.metrics.get("mse")
    <MeanSquaredError name=mean_squared_error>
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = ALL_OBJECTS_DICT.get(identifier)
        if cls is None:
            raise _unknown(identifier, ALL_OBJECTS_DICT)
        return cls()
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, Metric) or callable(identifier):
        return identifier
    raise _unknown(identifier, ())


__all__ = [cls.__name__ for cls in ALL_OBJECTS] + [
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "deserialize",
    "get",
    "serialize",
]
