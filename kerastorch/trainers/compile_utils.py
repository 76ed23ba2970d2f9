"""Resolve `compile(loss=..., metrics=...)` into callables, per output.

Resolution waits for the first batch, when the structure and shapes of
`y_true` and `y_pred` are known (that is how `"accuracy"` picks binary,
categorical or sparse categorical accuracy, as Keras does).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from kerastorch.trainers.step import _batch_size
from kerastorch.utils import tree


def _output_names(y_pred, model) -> list[str]:
    if isinstance(y_pred, Mapping):
        return sorted(y_pred)
    flat = tree.flatten(y_pred)
    names = getattr(model, "output_names", None)
    if names and len(names) == len(flat):
        return list(names)
    if len(flat) == 1:
        return ["output"]
    return [f"output_{i + 1}" for i in range(len(flat))]


def _per_output(spec, names: list[str], what: str, y_pred) -> list:
    """Spread a compile argument (single, list or dict) over the outputs."""
    if isinstance(spec, Mapping):
        unknown = set(spec) - set(names)
        if unknown:
            raise ValueError(
                f"In the dict argument `{what}`, keys {sorted(unknown)} do not "
                f"match any model output. Expected keys in {names}."
            )
        return [spec.get(n) for n in names]
    if isinstance(spec, (list, tuple)) and len(names) > 1:
        if len(spec) != len(names):
            raise ValueError(
                f"For a model with {len(names)} outputs, `{what}` must have "
                f"{len(names)} entries (one per output). Received {len(spec)}: {spec}"
            )
        return list(spec)
    return [spec] * len(names)


def _is_sparse_loss(loss) -> bool:
    name = loss if isinstance(loss, str) else getattr(loss, "__name__", type(loss).__name__)
    return "sparse" in str(name).lower() and "categorical" in str(name).lower()


def make_loss_tracker():
    """A `Mean` named "loss" with a one-kernel update for the per-step scalar loss."""
    from kerastorch.metrics import Mean

    class LossTracker(Mean):
        def update_state(self, values, sample_weight=None) -> None:
            if isinstance(values, torch.Tensor) and values.dim() == 0 and isinstance(sample_weight, int):
                self.total.add_(values.detach(), alpha=sample_weight)
                self.count.add_(sample_weight)
                return
            super().update_state(values, sample_weight=sample_weight)

    return LossTracker(name="loss")


class CompileLoss:
    """The compiled loss: one loss per output, weighted and summed to a scalar."""

    def __init__(self, loss, loss_weights=None, model=None):
        self._spec = loss
        self._weights_spec = loss_weights
        self._model = model
        self._built = False
        self.metrics: list = []

    def build(self, y_true, y_pred) -> None:
        from kerastorch import losses
        from kerastorch.metrics import Mean

        names = _output_names(y_pred, self._model)
        specs = _per_output(self._spec, names, "loss", y_pred)
        weights = (
            _per_output(self._weights_spec, names, "loss_weights", y_pred)
            if self._weights_spec is not None
            else [None] * len(names)
        )
        fns = []
        for spec in specs:
            if spec is None:
                fns.append(None)
                continue
            fn = losses.get(spec)
            if not isinstance(fn, losses.Loss):
                fn = losses.LossFunctionWrapper(fn, name=getattr(fn, "__name__", None))
            fns.append(fn)
        if all(f is None for f in fns):
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        self.names = names
        self.fns = fns
        self.loss_weights = [1.0 if w is None else float(w) for w in weights]
        self._single = len(names) == 1 and self.loss_weights[0] == 1.0
        if len(names) > 1:
            self.metrics = [Mean(name=f"{n}_loss") for n in names]
        self._built = True

    def __call__(self, y_true, y_pred, sample_weight=None) -> torch.Tensor:
        if not self._built:
            self.build(y_true, y_pred)
        if self._single:
            return self.fns[0](y_true, y_pred, sample_weight)
        flat_true = _flatten_like(y_true, y_pred, self.names)
        flat_pred = _flatten_like(y_pred, y_pred, self.names)
        flat_sw = (
            _flatten_like(sample_weight, y_pred, self.names)
            if isinstance(sample_weight, (list, tuple, Mapping))
            else [sample_weight] * len(self.names)
        )
        total = None
        for i, fn in enumerate(self.fns):
            if fn is None:
                continue
            value = fn(flat_true[i], flat_pred[i], flat_sw[i])
            if self.metrics:
                self.metrics[i].update_state(value.detach(), sample_weight=_batch_size(flat_pred[i]))
            value = value * self.loss_weights[i] if self.loss_weights[i] != 1.0 else value
            total = value if total is None else total + value
        return total

    def get_config(self) -> dict:
        from kerastorch import losses

        def ser(spec):
            if isinstance(spec, str) or spec is None:
                return spec
            if isinstance(spec, (list, tuple)):
                return [ser(s) for s in spec]
            if isinstance(spec, Mapping):
                return {k: ser(v) for k, v in spec.items()}
            return losses.serialize(spec)

        return {"loss": ser(self._spec), "loss_weights": self._weights_spec}


def _flatten_like(values, y_pred, names: list[str]) -> list:
    if isinstance(values, Mapping):
        return [values.get(n) for n in names]
    if isinstance(values, (list, tuple)):
        if len(values) != len(names):
            raise ValueError(
                f"Expected {len(names)} targets (one per output {names}), "
                f"received {len(values)}."
            )
        return list(values)
    if len(names) == 1:
        return [values]
    raise ValueError(
        f"The model has {len(names)} outputs {names}, but a single target "
        "was given. Pass a list or dict of targets."
    )


class CompileMetrics:
    """The compiled metrics (and weighted metrics), per output, as one metric-like object."""

    def __init__(self, metrics=None, weighted_metrics=None, loss=None, model=None):
        self.name = "compile_metrics"
        self._metrics_spec = metrics
        self._weighted_spec = weighted_metrics
        self._loss_spec = loss
        self._model = model
        self._built = False
        self._metrics: list = []  # (metric, output index, weighted)

    @property
    def built(self) -> bool:
        return self._built

    def build(self, y_true, y_pred) -> None:
        names = _output_names(y_pred, self._model)
        flat_true = _flatten_like(y_true, y_pred, names) if y_true is not None else [None] * len(names)
        flat_pred = _flatten_like(y_pred, y_pred, names)
        loss_specs = (
            _per_output(self._loss_spec, names, "loss", y_pred)
            if self._loss_spec is not None
            else [None] * len(names)
        )
        entries = []
        for spec, weighted in ((self._metrics_spec, False), (self._weighted_spec, True)):
            if spec is None:
                continue
            if isinstance(spec, Mapping):
                per_output = _per_output(spec, names, "metrics", y_pred)
            elif isinstance(spec, (list, tuple)) and len(names) > 1 and spec and all(
                isinstance(s, (list, tuple)) or s is None for s in spec
            ):
                per_output = _per_output(list(spec), names, "metrics", y_pred)
            else:
                if not isinstance(spec, (list, tuple)):
                    raise TypeError(
                        "`metrics` must be a list or a dict (one entry per output). "
                        f"Received: metrics={spec!r}"
                    )
                per_output = [spec] * len(names)
            for i, output_metrics in enumerate(per_output):
                if output_metrics is None:
                    continue
                if not isinstance(output_metrics, (list, tuple)):
                    output_metrics = [output_metrics]
                for m in output_metrics:
                    metric = _get_metric(m, flat_true[i], flat_pred[i], loss_specs[i])
                    if len(names) > 1:
                        metric.name = f"{names[i]}_{metric.name}"
                    if weighted:
                        metric.name = f"weighted_{metric.name}" if any(
                            existing.name == metric.name for existing, _, _ in entries
                        ) else metric.name
                    entries.append((metric, i, weighted))
        device = None
        for t in tree.flatten(y_pred):
            if isinstance(t, torch.Tensor):
                device = t.device
                break
        for metric, _, _ in entries:
            if device is not None and hasattr(metric, "to"):
                metric.to(device)
        self.names = names
        self._metrics = entries
        self._built = True

    @property
    def metrics(self) -> list:
        return [m for m, _, _ in self._metrics]

    @property
    def variables(self) -> list:
        return [v for m in self.metrics for v in getattr(m, "variables", [])]

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if not self._built:
            self.build(y_true, y_pred)
        if not self._metrics:
            return
        if len(self.names) == 1:
            flat_true, flat_pred, flat_sw = [y_true], [y_pred], [sample_weight]
        else:
            flat_true = _flatten_like(y_true, y_pred, self.names)
            flat_pred = _flatten_like(y_pred, y_pred, self.names)
            flat_sw = (
                _flatten_like(sample_weight, y_pred, self.names)
                if isinstance(sample_weight, (list, tuple, Mapping))
                else [sample_weight] * len(self.names)
            )
        for metric, i, weighted in self._metrics:
            metric.update_state(
                flat_true[i], flat_pred[i], sample_weight=flat_sw[i] if weighted else None
            )

    def result(self) -> dict:
        out = {}
        for metric, _, _ in self._metrics:
            value = metric.result()
            if isinstance(value, Mapping):
                out.update(value)
            else:
                out[metric.name] = value
        return out

    def reset_state(self) -> None:
        for metric, _, _ in self._metrics:
            metric.reset_state()

    def get_config(self) -> dict:
        from kerastorch import metrics as metrics_module

        def ser(spec):
            if isinstance(spec, str) or spec is None:
                return spec
            if isinstance(spec, (list, tuple)):
                return [ser(s) for s in spec]
            if isinstance(spec, Mapping):
                return {k: ser(v) for k, v in spec.items()}
            return metrics_module.serialize(spec)

        return {"metrics": ser(self._metrics_spec), "weighted_metrics": ser(self._weighted_spec)}


def _get_metric(identifier, y_true, y_pred, loss_spec):
    """Resolve one metric identifier for one output, as Keras does."""
    from kerastorch import metrics as metrics_module

    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        true_shape = tuple(getattr(y_true, "shape", ())) if y_true is not None else ()
        pred_shape = tuple(y_pred.shape)
        if loss_spec is not None and _is_sparse_loss(loss_spec):
            metric = metrics_module.SparseCategoricalAccuracy(name=identifier)
        elif pred_shape and pred_shape[-1] == 1:
            metric = metrics_module.BinaryAccuracy(name=identifier)
        elif len(true_shape) < len(pred_shape) or (
            len(true_shape) == len(pred_shape) and true_shape and true_shape[-1] == 1
        ):
            metric = metrics_module.SparseCategoricalAccuracy(name=identifier)
        else:
            metric = metrics_module.CategoricalAccuracy(name=identifier)
        return metric
    metric = metrics_module.get(identifier)
    if isinstance(metric, type):
        metric = metric()
    if not isinstance(metric, metrics_module.Metric):
        name = identifier if isinstance(identifier, str) else getattr(metric, "__name__", None)
        metric = metrics_module.MeanMetricWrapper(metric, name=name)
    elif isinstance(identifier, str):
        metric.name = identifier
    return metric
