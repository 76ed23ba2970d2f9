"""Helpers of `Optimizer`: argument checks, the Keras-style scalar views, shared docs."""

from __future__ import annotations

import numbers

import numpy as np
import torch
from torch.optim import optimizer as _torch_optim

from kerastorch.optimizers.schedules.learning_rate_schedule import LearningRateSchedule

BASE_OPTIMIZER_ARGS_DOC = """weight_decay: if set, weights are decayed by `learning_rate *
            weight_decay * w` before each update (decoupled weight decay).
            Defaults to `None`.
        clipnorm: if set, each gradient is rescaled so that its L2 norm is at
            most this value. Defaults to `None`.
        clipvalue: if set, gradients are clipped element-wise to
            `[-clipvalue, clipvalue]`. Defaults to `None`.
        global_clipnorm: if set, all gradients are rescaled together so that
            their global L2 norm is at most this value. Defaults to `None`.
        use_ema: whether to keep an exponential moving average (EMA) of the
            weights. Defaults to `False`.
        ema_momentum: the EMA momentum: `average = ema_momentum * average +
            (1 - ema_momentum) * weight`. Defaults to `0.99`.
        ema_overwrite_frequency: if set, the weights are overwritten by their
            average every this many updates; otherwise call
            `finalize_variable_values()` (`fit()` does at the end).
            Defaults to `None`.
        loss_scale_factor: if set, `scale_loss(loss)` multiplies the loss by it
            and the gradients are divided by it before the update.
            Defaults to `None`.
        gradient_accumulation_steps: if set (an int >= 2), the weights are
            updated every this many steps with the average of the gradients
            since the last update. Defaults to `None`.
        name: the optimizer's name."""


def check_number(
    name: str,
    value,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Check that a hyperparameter is a real number in a range; return it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"Argument `{name}` must be a number. Received: {name}={value!r}"
        )
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        if high is None:
            expected = f"{'>' if low_open else '>='} {low}"
        elif low is None:
            expected = f"{'<' if high_open else '<='} {high}"
        else:
            expected = (
                f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
            )
        raise ValueError(
            f"Argument `{name}` must be {expected}. Received: {name}={value}"
        )
    return value


def check_learning_rate(value):
    if isinstance(value, LearningRateSchedule):
        return value
    if (
        isinstance(value, (torch.Tensor, np.ndarray, np.generic))
        and np.ndim(value) == 0
    ):
        value = float(value)
    if callable(value):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            "Argument `learning_rate` should be a float, a `LearningRateSchedule` "
            "or a callable (taking no arguments and returning the learning rate). "
            f"Received: learning_rate={value!r}"
        )
    if not value >= 0 or value == float("inf"):
        raise ValueError(
            f"Argument `learning_rate` must be a finite number >= 0. Received: learning_rate={value}"
        )
    return float(value)


class IterationsView(int):
    """The step count: an int that also has Keras Variable's `numpy()` and `assign()`."""

    def __new__(cls, value: int, optimizer):
        obj = super().__new__(cls, value)
        obj._optimizer = optimizer
        return obj

    def numpy(self) -> np.ndarray:
        return np.asarray(int(self), dtype=np.int64)

    def assign(self, value) -> None:
        self._optimizer.iterations = value


class LearningRateView(float):
    """The current learning rate: a float that also has `numpy()` and `assign()`."""

    def __new__(cls, value: float, optimizer):
        obj = super().__new__(cls, value)
        obj._optimizer = optimizer
        return obj

    def numpy(self) -> np.ndarray:
        return np.asarray(float(self), dtype=np.float32)

    def assign(self, value) -> None:
        self._optimizer.learning_rate = value


def unique_variables(variables) -> list[torch.Tensor]:
    """`variables` as a list, each tensor once (torch refuses duplicates)."""
    if isinstance(variables, torch.Tensor):
        variables = [variables]
    seen: set[int] = set()
    out = []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def check_variables(variables: list) -> None:
    for v in variables:
        if not isinstance(v, torch.Tensor):
            raise TypeError(
                "An optimizer updates Variables / `torch.nn.Parameter`s. "
                f"Received an object of type {type(v).__name__}: {v!r}"
            )
        if not v.is_leaf:
            raise ValueError(
                f"An optimizer can only update leaf tensors (weights), but "
                f"{describe_variable(v)} is the result of a computation."
            )


def describe_variable(v) -> str:
    path = getattr(v, "path", None)
    if path:
        return f"'{path}'"
    return f"<tensor shape={tuple(getattr(v, 'shape', ()))}>"


def fill_docstring(cls: type) -> type:
    """Put the shared keyword-argument docs into a subclass's docstring."""
    if cls.__doc__:
        cls.__doc__ = cls.__doc__.replace(
            "{{base_optimizer_keyword_args}}", BASE_OPTIMIZER_ARGS_DOC
        )
    return cls


# --- calling torch optimizers without their per-call wrappers --------------------


def unwrapped_step(opt: torch.optim.Optimizer):
    """torch's update of `opt` without its wrappers: `(fn, no_grad)`, or None.

    torch wraps every optimizer class's `step` (at the first instance) in a
    function that opens a profiler range and runs the step hooks; when
    neither has work to do (`step_wrapper_has_work`), the inner function
    does the same update. The built-in optimizers wrap that again in
    `_use_grad`, which turns grad mode off around the update with two
    `torch._dynamo.graph_break()` calls (so that a compiled update is an
    inference graph). `no_grad=True` says the caller must turn grad mode off
    itself: then `fn(opt)` is a single frame for `torch.compile`, and
    entered with grad mode off it is that inference graph.
    """
    step = type(opt).step
    inner = getattr(step, "__wrapped__", None) if getattr(step, "hooked", False) else None
    if inner is None:
        return None
    raw = getattr(inner, "__wrapped__", None)
    if (
        getattr(inner, "__code__", None) is _USE_GRAD_CODE
        and raw is not None
        and not opt.defaults.get("differentiable", False)
    ):
        return raw, True
    return inner, False


def _use_grad_code():
    """The code of torch's `_use_grad` wrapper (None if this torch has none)."""
    wrap = getattr(_torch_optim, "_use_grad_for_differentiable", None)
    return None if wrap is None else wrap(lambda self: None).__code__


_USE_GRAD_CODE = _use_grad_code()


def step_wrapper_has_work(opt: torch.optim.Optimizer) -> bool:
    """True when torch's `step` wrapper has work: hooks, a profiler, or a patched instance.

    An instance whose own `step` was replaced (torch's LR schedulers count
    the calls that way) must be called through it.
    """
    return bool(
        "step" in opt.__dict__
        or opt._optimizer_step_pre_hooks
        or opt._optimizer_step_post_hooks
        or _torch_optim._global_optimizer_pre_hooks
        or _torch_optim._global_optimizer_post_hooks
        or torch.autograd._profiler_enabled()
    )


def plain_zero_grad(opt: torch.optim.Optimizer) -> bool:
    """True when `opt.zero_grad` is torch's own and no profiler would record it."""
    return (
        type(opt).zero_grad is torch.optim.Optimizer.zero_grad
        and "zero_grad" not in opt.__dict__
        and not torch.autograd._profiler_enabled()
    )
