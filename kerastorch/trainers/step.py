"""One step of training, evaluation or prediction: the model's math, overridable.

`ModelSteps` is mixed into `Model`. `train_step(data)` runs forward → loss →
backward → optimizer → metrics, as in Keras; a subclass may replace it (the
"customizing what happens in fit" pattern). The trainer calls the function
made by `make_train_function()` once per batch and never looks inside.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import torch

from kerastorch.backend.jit import CompiledFunction
from kerastorch.backend.jit import compile_options
from kerastorch.layers.layer import _CTX
from kerastorch.layers.layer import reset_call_context
from kerastorch.utils import tree


def unpack_x_y_sample_weight(data):
    """Split a batch `data` into `(x, y, sample_weight)` (missing ones are None)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
        f"`(x, y, sample_weight)`, found a tuple of length {len(data)}."
    )


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


class MetricsResults(Mapping):
    """The logs a step returns, computed only when read.

    Reading every metric's `result()` after every step costs tensor work the
    loop rarely needs (callbacks without batch hooks, verbose=0); this mapping
    computes the dict on first access.
    """

    def __init__(self, model):
        self._model = model
        self._values = None

    def _get(self) -> dict:
        if self._values is None:
            self._values = self._model.get_metrics_result()
        return self._values

    def __getitem__(self, key):
        return self._get()[key]

    def __iter__(self):
        return iter(self._get())

    def __len__(self):
        return len(self._get())


class ModelSteps:
    """Compile state and the default train/test/predict steps of a Model."""

    def _init_training_state(self) -> None:
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self.stop_training = False
        self.history = None
        self.train_function = None
        self.test_function = None
        self.predict_function = None
        self.steps_per_execution = 1
        self.jit_compile = False
        self.run_eagerly = False
        self._grad_scaler = None
        self._regularized = None

    # --- compile -----------------------------------------------------------------

    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile="auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Configure training: optimizer, loss(es), metrics.

        Args:
            optimizer: name or optimizer instance (a `torch.optim.Optimizer`
                works too). Defaults to `"rmsprop"`.
            loss: name, `Loss` instance, callable `f(y_true, y_pred)`, or a
                list/dict of those for several outputs.
            loss_weights: scalar weights per output (list or dict).
            metrics: list (or dict per output) of metric names/objects/callables.
            weighted_metrics: metrics that use `sample_weight`/`class_weight`.
            run_eagerly: never compile the step. Defaults to `False`.
            steps_per_execution: batches per call of the train function.
            jit_compile: `True` compiles the train, test and predict steps
                with `torch.compile`: forward and loss (so the backward too),
                the optimizer's update, and metric updates. The first batch
                runs eagerly (it builds state); batches of another shape
                (the last, partial one) run eagerly instead of recompiling,
                unless `{"dynamic": True}`. A dict is passed to
                `torch.compile` (`mode`, `fullgraph`, `dynamic`, `backend`,
                `options`). If compiling fails, training continues eagerly
                after one warning. Module-level globals the steps read are
                read once, when they are traced (call `compile()` again
                after changing one); tensors and the attributes of layers
                are checked on every call (see `kerastorch.backend.jit`).
                `"auto"` means `False`, as in Keras on torch. Defaults to
                `"auto"`.
        """
        from kerastorch import optimizers
        from kerastorch.trainers.compile_utils import CompileLoss
        from kerastorch.trainers.compile_utils import CompileMetrics
        from kerastorch.trainers.compile_utils import make_loss_tracker

        if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(
                "`steps_per_execution` must be a positive integer. "
                f"Received: steps_per_execution={steps_per_execution}"
            )
        if metrics is not None and not isinstance(metrics, (list, tuple, dict)):
            raise TypeError(
                "`metrics` must be a list or a dict (per output). "
                f"Received: metrics={metrics!r}"
            )
        if loss is not None:
            _check_loss_spec(loss)
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self._compile_loss = CompileLoss(loss, loss_weights, model=self) if loss is not None else None
        self._compile_metrics = (
            CompileMetrics(metrics, weighted_metrics, loss=loss, model=self)
            if (metrics or weighted_metrics)
            else None
        )
        self._loss_tracker = make_loss_tracker()
        self.run_eagerly = bool(run_eagerly)
        self.steps_per_execution = steps_per_execution
        if not (isinstance(jit_compile, (bool, Mapping)) or jit_compile == "auto"):
            raise ValueError(
                "`jit_compile` must be `True`, `False`, `\"auto\"` or a dict of "
                f"`torch.compile` options. Received: jit_compile={jit_compile!r}"
            )
        if isinstance(jit_compile, Mapping):
            compile_options(jit_compile)  # unknown options fail now, not at fit
        self.jit_compile = False if jit_compile == "auto" else jit_compile
        if self.run_eagerly and self.jit_compile:
            raise ValueError(
                "`run_eagerly=True` and `jit_compile=True` cannot both be set."
            )
        self._compile_config = {
            "optimizer": optimizers.serialize(self.optimizer),
            "loss": self._compile_loss.get_config()["loss"] if self._compile_loss else None,
            "loss_weights": loss_weights,
            "metrics": self._compile_metrics.get_config()["metrics"]
            if self._compile_metrics
            else None,
            "weighted_metrics": self._compile_metrics.get_config()["weighted_metrics"]
            if self._compile_metrics
            else None,
            "run_eagerly": self.run_eagerly,
            "steps_per_execution": steps_per_execution,
            "jit_compile": self.jit_compile,
        }
        self.train_function = self.test_function = self.predict_function = None
        self.compiled = True

    def get_compile_config(self) -> dict | None:
        return getattr(self, "_compile_config", None) if self.compiled else None

    def _assert_compiled(self) -> None:
        if not self.compiled:
            raise ValueError(
                "You must call `compile()` before using the model for training "
                "or evaluation."
            )

    # --- metrics ------------------------------------------------------------------

    @property
    def metrics(self) -> list:
        """Metrics tracked by the model: the loss tracker, compiled metrics, and any
        metric objects set as attributes of the model or its layers."""
        result = []
        if self.compiled:
            if self._loss_tracker is not None:
                result.append(self._loss_tracker)
            if self._compile_metrics is not None:
                result.append(self._compile_metrics)
            if self._compile_loss is not None:
                result.extend(self._compile_loss.metrics)
        for layer in self._flatten_layers():
            result.extend(layer.__dict__.get("_tracked_metrics", []))
        return result

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self) -> dict:
        """Current results of all metrics, flattened into `{name: tensor}`."""
        out = {}
        for metric in self.metrics:
            if metric is self._compile_metrics and not metric.built:
                continue
            value = metric.result()
            if isinstance(value, Mapping):
                out.update(value)
            else:
                out[metric.name] = value
        return out

    # --- loss -------------------------------------------------------------------

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training: bool = True
    ) -> torch.Tensor:
        """The total loss: the compiled loss plus `self.losses` (regularization)."""
        total = None
        if self._compile_loss is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        extra = self._extra_losses()
        if extra:
            penalty = torch.stack([e.reshape(()).to(torch.float32) for e in extra]).sum()
            total = penalty if total is None else total + penalty
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def _extra_losses(self) -> list[torch.Tensor]:
        """`add_loss` losses of the last call and weight penalties (fast when none)."""
        if self._regularized is None:
            self._regularized = [
                (v, v.regularizer)
                for v in self.trainable_weights
                if getattr(v, "regularizer", None) is not None
            ]
        if not _CTX.loss_layers and not self._regularized:
            return []
        losses = [loss for layer in _CTX.loss_layers for loss in layer._losses]
        losses.extend(reg(v) for v, reg in self._regularized)
        return losses

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics; return the logs (computed when read)."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return MetricsResults(self)

    # --- steps --------------------------------------------------------------------

    def train_step(self, data):
        """One optimizer step on one batch; returns the logs dict."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        loss, y_pred = self._forward(x, y, sample_weight, training=True)
        optimizer = self.optimizer
        optimizer.zero_grad()
        scaler = self._grad_scaler
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.scale_loss(loss).backward()
            optimizer.step()
        if self._fused_metrics:
            return MetricsResults(self)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def _forward(self, x, y, sample_weight, training: bool):
        """`_forward_loss_metrics`, compiled when `jit_compile` made it so.

        `jit_compile` compiles exactly this: in training, AOTAutograd then
        compiles the backward of the loss too.
        """
        jit = self.__dict__.get("_jit_train_forward" if training else "_jit_test_forward")
        if jit is not None:
            return jit(x, y, sample_weight)
        return self._forward_loss_metrics(x, y, sample_weight, training=training)

    def _forward_loss_metrics(self, x, y, sample_weight, training: bool = True):
        """Forward, loss and loss tracking (and metric updates when `_fused_metrics`)."""
        y_pred = self(x, training=training)
        if self._policy_is_mixed:
            y_pred = tree.map_structure(_to_float32, y_pred)
        loss = None
        if training or self._compile_loss is not None or _CTX.loss_layers:
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=training)
            self._loss_tracker.update_state(loss.detach(), sample_weight=_batch_size(x))
        if self._fused_metrics and self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        if training:
            # Only the loss is differentiated. A `y_pred` that required grad
            # would make a compiled forward a second differentiable output,
            # whose zero gradient the backward materializes and adds.
            y_pred = tree.map_structure(_detach, y_pred)
        return loss, y_pred

    @property
    def _fused_metrics(self) -> bool:
        """True when `compute_metrics` is ours, so metric updates join the forward."""
        return type(self).compute_metrics is ModelSteps.compute_metrics

    def test_step(self, data):
        """Loss and metrics on one batch, no update; returns the logs dict."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        _, y_pred = self._forward(x, y, sample_weight, training=False)
        if self._fused_metrics:
            return MetricsResults(self)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs on one batch (`training=False`)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    @property
    def _policy_is_mixed(self) -> bool:
        return self._autocast_dtype is not None

    # --- step functions --------------------------------------------------------------

    def make_train_function(self, force: bool = False):
        """Build (once) the function the trainer calls per batch: `fn(data) -> logs`.

        With `jit_compile`, our `train_step` runs its forward+loss+metrics and
        the optimizer's update under `torch.compile` (two graphs, backward
        compiled by AOTAutograd); a user's own `train_step` is compiled whole.
        """
        if self.train_function is not None and not force:
            return self.train_function
        self._regularized = None
        fn = self.train_step
        self.__dict__.pop("_jit_train_forward", None)
        if getattr(self.optimizer, "_jit_step", None) is not None:
            self.optimizer._jit_step = None  # recompiled without jit_compile
            self.optimizer._float_hyperparameters()
        if self._jit_enabled:
            options = compile_options(self.jit_compile)
            if type(self).train_step is ModelSteps.train_step:
                self.__dict__["_jit_train_forward"] = _compiled_step(
                    self._forward_loss_metrics, options, "train step (forward and loss)"
                )
                fn = _compile_optimizer_after_first_step(self, fn, options)
            else:
                fn = _compiled_step(fn, options, "train step")
        self.train_function = fn
        return fn

    @property
    def _jit_enabled(self) -> bool:
        return bool(self.jit_compile) and not self.run_eagerly

    def make_test_function(self, force: bool = False):
        if self.test_function is not None and not force:
            return self.test_function
        step = self.test_step
        self.__dict__.pop("_jit_test_forward", None)
        if self._jit_enabled:
            options = compile_options(self.jit_compile)
            if type(self).test_step is ModelSteps.test_step:
                self.__dict__["_jit_test_forward"] = _compiled_step(
                    functools.partial(self._forward_loss_metrics, training=False),
                    options,
                    "test step",
                )
            else:
                step = _compiled_step(step, options, "test step")

        def test_function(data):
            with torch.no_grad():
                return step(data)

        self.test_function = test_function
        return test_function

    def make_predict_function(self, force: bool = False):
        if self.predict_function is not None and not force:
            return self.predict_function
        step = self.predict_step
        if self._jit_enabled:
            step = _compiled_step(step, compile_options(self.jit_compile), "predict step")

        def predict_function(data):
            with torch.inference_mode():
                return step(data)

        self.predict_function = predict_function
        return predict_function


def _compiled_step(fn, options: dict, what: str) -> CompiledFunction:
    """`fn` compiled as a model step: each call starts from a reset layer call context.

    The compiled step drops its guards on that global (see
    `kerastorch.backend.jit`), so it must start from the state it was
    traced in.
    """
    return CompiledFunction(fn, options, what, before_compiled=reset_call_context)


def _compile_optimizer_after_first_step(model, train_step, options):
    """`train_step`, with the optimizer's update compiled once its state exists."""
    state = {"pending": True}

    def step(data):
        logs = train_step(data)
        if state["pending"]:
            state["pending"] = False
            optimizer = model.optimizer
            if hasattr(optimizer, "compile_step") and optimizer.built:
                optimizer.compile_step(options)
        return logs

    return step


def _check_loss_spec(loss) -> None:
    from kerastorch import losses

    for item in tree.flatten(loss):
        if item is None:
            continue
        losses.get(item)  # raises ValueError for unknown names


def _detach(t):
    """`t.detach()`, keeping its Keras mask (for masked metrics)."""
    if not isinstance(t, torch.Tensor):
        return t
    out = t.detach()
    mask = getattr(t, "_keras_mask", None)
    if mask is not None:
        out._keras_mask = mask
    return out


def _to_float32(t):
    if isinstance(t, torch.Tensor) and t.dtype in (torch.float16, torch.bfloat16):
        return t.float()
    return t


def _batch_size(x) -> int:
    for leaf in tree.flatten(x):
        if hasattr(leaf, "shape") and len(leaf.shape):
            return int(leaf.shape[0])
    return 1
