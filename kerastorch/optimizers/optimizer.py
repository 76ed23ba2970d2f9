"""`Optimizer`: Keras's optimizer API driving a `torch.optim` optimizer.

The update math is torch's: `build(variables)` creates `self.torch_optimizer`
over the variables (kerastorch Variables are `nn.Parameter`s). Around its
`step()` this class adds what Keras optimizers do and torch's do not: loss
scaling, gradient accumulation, gradient clipping, Keras's decoupled weight
decay, learning rate schedules, variable constraints and weight EMA.

Two ways to drive it:

    # what fit() does, and any torch-style loop
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

    # Keras custom training loops
    optimizer.apply(grads, model.trainable_variables)
"""

from __future__ import annotations

import contextlib
import numbers
import re
import warnings
from collections.abc import Callable
from collections.abc import Iterable

import torch

from kerastorch.backend.naming import auto_name
from kerastorch.backend.naming import to_snake_case
from kerastorch.optimizers import _foreach
from kerastorch.optimizers.optimizer_utils import IterationsView
from kerastorch.optimizers.optimizer_utils import LearningRateView
from kerastorch.optimizers.optimizer_utils import check_learning_rate
from kerastorch.optimizers.optimizer_utils import check_number
from kerastorch.optimizers.optimizer_utils import check_variables
from kerastorch.optimizers.optimizer_utils import describe_variable
from kerastorch.optimizers.optimizer_utils import fill_docstring
from kerastorch.optimizers.optimizer_utils import plain_zero_grad
from kerastorch.optimizers.optimizer_utils import step_wrapper_has_work
from kerastorch.optimizers.optimizer_utils import unique_variables
from kerastorch.optimizers.optimizer_utils import unwrapped_step
from kerastorch.optimizers.schedules.learning_rate_schedule import LearningRateSchedule
from kerastorch.utils.warnings import KerasTorchWarning

# Re-exported for the concrete optimizers.
__all__ = ["Optimizer", "check_number", "fill_docstring"]


class Optimizer:
    """The base class of Keras optimizers, running a `torch.optim` optimizer.

    Subclasses implement `_make_torch_optimizer(param_groups)`; everything else
    (schedules, clipping, weight decay, EMA, accumulation, constraints,
    serialization) lives here. Use a concrete optimizer such as `Adam`, or
    `TorchOptimizer` to wrap any `torch.optim.Optimizer`.

    Args:
        learning_rate: a float, a `keras.optimizers.schedules.LearningRateSchedule`
            (called with the step count), or a callable taking no arguments
            and returning the rate.
        {{base_optimizer_keyword_args}}

    Example:

    >>> optimizer = kerastorch.optimizers.SGD(learning_rate=0.1)
    >>> optimizer.build(model.trainable_variables)
    >>> loss.backward(); optimizer.step(); optimizer.zero_grad()
    """

    # True where the torch optimizer itself applies Keras's decoupled weight
    # decay (`w -= lr * wd * w` before the update): the decay then travels in
    # param groups and `exclude_from_weight_decay` picks the group.
    _torch_decoupled_weight_decay = False

    def __init__(
        self,
        learning_rate,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs,
    ):
        if kwargs.pop("decay", None) is not None:
            warnings.warn(
                "Argument `decay` is no longer supported and will be ignored.",
                KerasTorchWarning,
                stacklevel=2,
            )
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        learning_rate = check_learning_rate(learning_rate)
        if weight_decay is not None:
            check_number("weight_decay", weight_decay, 0)
        for arg, value in (
            ("clipnorm", clipnorm),
            ("clipvalue", clipvalue),
            ("global_clipnorm", global_clipnorm),
        ):
            if value is not None:
                check_number(arg, value, 0)
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can "
                f"be set. Received: clipnorm={clipnorm}, "
                f"clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        if gradient_accumulation_steps and (
            isinstance(gradient_accumulation_steps, bool)
            or not isinstance(gradient_accumulation_steps, int)
            or gradient_accumulation_steps < 2
        ):
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps={gradient_accumulation_steps}"
            )
        if use_ema:
            if not isinstance(ema_momentum, numbers.Real) or not 0 <= ema_momentum <= 1:
                raise ValueError(
                    "`ema_momentum` must be in the range [0, 1]. "
                    f"Received: ema_momentum={ema_momentum}"
                )
            if ema_overwrite_frequency and (
                not isinstance(ema_overwrite_frequency, int)
                or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. "
                    f"Received: ema_overwrite_frequency={ema_overwrite_frequency}"
                )
        if loss_scale_factor is not None:
            check_number("loss_scale_factor", loss_scale_factor, 0, low_open=True)

        self.name = (
            name if name is not None else auto_name(to_snake_case(type(self).__name__))
        )
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps or None
        # Read by the trainer to decide whether to call `scale_loss`.
        self._loss_scale = loss_scale_factor
        self._learning_rate = learning_rate
        self._iterations = 0  # every step() call; a Python int, never synced
        self.built = False
        self.torch_optimizer: torch.optim.Optimizer | None = None
        self._variables: list[torch.Tensor] = []
        self._index: dict[int, int] = {}
        self._exclude_ids: set[int] = set()
        self._exclude_pattern: re.Pattern | None = None
        self._own_decay: list[torch.Tensor] = []
        self._constrained: list[torch.Tensor] = []
        self._ema_averages: list[torch.Tensor] = []
        self._accumulating = False
        self._pending_state: dict | None = None
        self._plain = False
        self._hook: Callable[[int], None] | None = None
        self._jit_step = None  # a CompiledFunction over torch's step (`jit_compile`)

    # --- what subclasses provide -------------------------------------------------

    def _make_torch_optimizer(self, param_groups: list[dict]) -> torch.optim.Optimizer:
        """Create the torch optimizer over `param_groups` (each has `params`, `lr`)."""
        raise NotImplementedError(
            f"Optimizer '{type(self).__name__}' must implement "
            "`_make_torch_optimizer(param_groups)` returning a `torch.optim.Optimizer`."
        )

    def _before_update(self, step: int) -> None:
        """Adjust torch hyperparameters before update number `step` (1-based)."""

    # --- build -------------------------------------------------------------------

    def build(self, variables: Iterable[torch.Tensor]) -> None:
        """Create `self.torch_optimizer` over `variables` (the trainable weights).

        Calling it again with the variables it holds does nothing; variables
        it does not hold yet (e.g. a layer unfrozen since) join the torch
        optimizer as a new param group, with the same settings.
        """
        variables = unique_variables(variables)
        if self.built:
            new = [v for v in variables if id(v) not in self._index]
            if new:
                check_variables(new)
                for group in self._param_groups_for(new):
                    self.torch_optimizer.add_param_group(group)
                self._track(new)
                self._refresh_plan()
            return
        if not variables:
            raise ValueError(
                f"Optimizer '{self.name}' needs at least one variable to build. "
                "Pass the weights to train: `optimizer.build(model.trainable_variables)`."
            )
        check_variables(variables)
        self.torch_optimizer = self._make_torch_optimizer(
            self._param_groups_for(variables)
        )
        self._finish_build(variables)

    def _param_groups_for(self, variables: list[torch.Tensor]) -> list[dict]:
        lr = self._lr_now()
        if self.weight_decay and self._torch_decoupled_weight_decay:
            decay = [v for v in variables if self._use_weight_decay(v)]
            rest = [v for v in variables if not self._use_weight_decay(v)]
            groups = [
                {"params": decay, "weight_decay": float(self.weight_decay)},
                {"params": rest, "weight_decay": 0.0},
            ]
            groups = [g for g in groups if g["params"]]
        else:
            groups = [{"params": variables}]
        for group in groups:
            group["lr"] = lr
        return groups

    def _track(self, variables: list[torch.Tensor]) -> None:
        """Bookkeeping for variables the torch optimizer now holds."""
        start = len(self._variables)
        self._variables = self._variables + variables
        self._index.update({id(v): start + i for i, v in enumerate(variables)})
        self._constrained += [
            v for v in variables if getattr(v, "constraint", None) is not None
        ]
        if self.weight_decay and not self._torch_decoupled_weight_decay:
            self._own_decay += [v for v in variables if self._use_weight_decay(v)]
        if self.use_ema:
            with torch.no_grad():
                self._ema_averages += [v.detach().clone() for v in variables]

    def _finish_build(self, variables: list[torch.Tensor]) -> None:
        self._track(variables)
        self.built = True
        if self._pending_state is not None:
            state, self._pending_state = self._pending_state, None
            self.load_state_dict(state)
        self._refresh_plan()

    def _refresh_plan(self) -> None:
        """Precompute which step features are active, so a plain step costs nothing."""
        n = self.gradient_accumulation_steps
        scale = (self.loss_scale_factor or 1.0) * (n or 1)
        self._grad_scale = None if scale == 1.0 else 1.0 / scale
        if self.clipnorm:
            self._clip = "norm"
        elif self.global_clipnorm:
            self._clip = "global"
        elif self.clipvalue:
            self._clip = "value"
        else:
            self._clip = None
        overridden = type(self)._before_update is not Optimizer._before_update
        self._hook = self._before_update if overridden else None
        self._plain = self.built and not (
            callable(self._learning_rate)
            or self._grad_scale is not None
            or self._clip
            or n
            or self.use_ema
            or self._own_decay
            or self._constrained
        )

    # --- the step ------------------------------------------------------------------

    def step(self, closure: Callable | None = None):
        """Apply one update from the gradients already in `p.grad`.

        Call after `loss.backward()`. Returns what `closure` returns, if given.
        """
        if self._plain:
            if self._hook is not None:
                self._hook(self._iterations + 1)
            loss = self._torch_step(closure)
            self._iterations += 1
            return loss
        return self._step(closure)

    def _step(self, closure):
        if not self.built:
            raise ValueError(
                f"Optimizer '{self.name}' is not built yet. Call "
                "`optimizer.build(trainable_variables)` before `step()` "
                "(`fit()` does it for you, and `apply()` builds on first use)."
            )
        n = self.gradient_accumulation_steps
        loss = None
        if n and (self._iterations + 1) % n != 0:
            # The next backward() adds to p.grad; zero_grad() waits for the update.
            self._accumulating = True
        else:
            self._accumulating = False
            loss = self._update(closure)
        if self.use_ema:
            self._update_ema()
        self._iterations += 1
        if self._constrained:
            with torch.no_grad():
                for v in self._constrained:
                    v.copy_(v.constraint(v))
        return loss

    def _update(self, closure):
        with torch.no_grad():
            if self._grad_scale is not None or self._clip:
                grads = [v.grad for v in self._variables if v.grad is not None]
                if self._grad_scale is not None and grads:
                    # Sum of n micro-batch gradients -> mean, then unscale the loss.
                    _foreach.mul_(grads, self._grad_scale)
                if self._clip:
                    self._clip_gradients(grads)
            lr = self._lr_now()
            if callable(self._learning_rate):
                self._set_group_lr(lr)
            if self._own_decay:
                decayed = [v for v in self._own_decay if v.grad is not None]
                if decayed:
                    _foreach.mul_(decayed, 1.0 - lr * self.weight_decay)
        if self._hook is not None:
            self._hook(self._update_count() + 1)
        return self._torch_step(closure)

    def _torch_step(self, closure):
        opt = self.torch_optimizer
        if closure is not None or step_wrapper_has_work(opt):
            if self._jit_step is not None and closure is None:
                return self._jit_step.hooked()
            return opt.step(closure)
        if self._jit_step is not None:
            return self._jit_step()
        unwrapped = unwrapped_step(opt)
        if unwrapped is None:
            return opt.step()
        fn, no_grad = unwrapped
        with torch.no_grad() if no_grad else contextlib.nullcontext():
            return fn(opt)

    def compile_step(self, options: dict | None = None) -> None:
        """Run torch's update under `torch.compile` from the next `step()` on.

        `compile(jit_compile=True)` calls this. The update compiles once:
        learning rates live in 0-d tensors while compiled, so a schedule or
        `ReduceLROnPlateau` changes a value, not the graph. If compiling
        fails, updates continue eagerly after one warning.

        Args:
            options: `torch.compile` keyword arguments. Defaults to `None`.
        """

        if not self.built:
            raise ValueError(
                f"Optimizer '{self.name}' is not built yet; build it before "
                "`compile_step()`."
            )
        self._jit_step = _CompiledUpdate(self, options or {})

    # Hyperparameters that change between updates (the learning rate; Adam's
    # bias-corrected epsilon) are 0-d tensors while compiled: a float would
    # be a guard, and every new value a recompile.
    _jit_tensor_hyperparameters = ("lr",)

    def _tensor_hyperparameters(self) -> None:
        for group in self.torch_optimizer.param_groups:
            for key in self._jit_tensor_hyperparameters:
                if not isinstance(group[key], torch.Tensor):
                    group[key] = torch.tensor(float(group[key]), dtype=torch.float32)

    def _float_hyperparameters(self, groups: list[dict] | None = None) -> None:
        """Back to floats in `groups` (default: the torch optimizer's own)."""
        for group in self.torch_optimizer.param_groups if groups is None else groups:
            for key in self._jit_tensor_hyperparameters:
                if isinstance(group.get(key), torch.Tensor):
                    group[key] = float(group[key])

    def _clip_gradients(self, grads: list[torch.Tensor]) -> None:
        if self._clip == "norm":
            # Keras's clip_by_norm: g * c / max(||g||, c), per tensor.
            c = float(self.clipnorm)
            for g in grads:
                g.mul_(c / torch.linalg.vector_norm(g).clamp(min=c))
        elif self._clip == "global":
            torch.nn.utils.clip_grad_norm_(self._variables, float(self.global_clipnorm))
        else:
            torch.nn.utils.clip_grad_value_(self._variables, float(self.clipvalue))

    def _update_ema(self) -> None:
        count = self._update_count()
        momentum = self.ema_momentum if count != 0 else 0.0
        with torch.no_grad():
            _foreach.lerp_(self._ema_averages, self._variables, 1.0 - momentum)
            freq = self.ema_overwrite_frequency
            if freq and (count + 1) % freq == 0:
                _foreach.copy_(self._variables, self._ema_averages)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients (`p.grad = None`).

        With `gradient_accumulation_steps`, this does nothing between the
        accumulating steps, so that `backward()` keeps summing into `p.grad`;
        the gradients are cleared once an update has been applied.
        """
        opt = self.torch_optimizer
        if self._accumulating or opt is None:
            return
        if set_to_none and plain_zero_grad(opt):
            # What torch's zero_grad does for set_to_none, minus its
            # profiler range and per-call setup (~25 us a step here).
            for group in opt.param_groups:
                for p in group["params"]:
                    p.grad = None
            return
        opt.zero_grad(set_to_none=set_to_none)

    def scale_loss(self, loss):
        """Multiply `loss` by `loss_scale_factor` (if set) before `backward()`."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    # --- Keras's apply API -------------------------------------------------------------

    def apply(self, grads, trainable_variables=None) -> None:
        """Update `trainable_variables` with `grads` (Keras custom training loops).

        Args:
            grads: a list of gradient tensors (`None` entries are skipped).
            trainable_variables: the variables, one per gradient. May be left
                out once the optimizer is built (then the grads match the
                variables it was built with). Defaults to `None`.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must "
                    "already be built on a list of variables. Call "
                    "`optimizer.build(trainable_variables)` first."
                )
            variables = self._variables
        else:
            variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(
                f"`apply` needs one gradient per variable. Received {len(grads)} "
                f"gradients for {len(variables)} variables."
            )
        if self.built:
            unknown = [v for v in variables if id(v) not in self._index]
            if unknown:
                raise ValueError(
                    f"Unknown variable: {describe_variable(unknown[0])}. This "
                    "optimizer can only be called for the variables it was "
                    "originally built with. "
                    "When working with a new set of variables, you should recreate "
                    "a new optimizer instance (or call `optimizer.build(variables)` "
                    "first to add them)."
                )
        else:
            self.build(variables)
        pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not pairs:
            raise ValueError("No gradients provided for any variable.")
        if len(pairs) < len(variables):
            missing = [
                getattr(v, "name", "?") for g, v in zip(grads, variables) if g is None
            ]
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing "
                "the loss. If using `model.compile()`, did you forget to provide "
                "a `loss` argument?",
                KerasTorchWarning,
                stacklevel=2,
            )
        if not self._accumulating:
            for v in self._variables:
                v.grad = None
        # Steps that modify p.grad in place must not touch the caller's tensors.
        copy = not self._plain
        for g, v in pairs:
            g = torch.as_tensor(g).detach().to(device=v.device, dtype=v.dtype)
            if v.grad is None:
                v.grad = g.clone() if copy else g
            else:
                v.grad.add_(g)
        self.step()
        self.zero_grad()

    def apply_gradients(self, grads_and_vars) -> IterationsView:
        """`apply` for a list of `(gradient, variable)` pairs; returns `iterations`."""
        pairs = list(grads_and_vars)
        if pairs:
            grads, variables = zip(*pairs)
            self.apply(grads, variables)
        return self.iterations

    # --- learning rate, iterations, state -------------------------------------------------

    @property
    def learning_rate(self) -> float:
        """The current learning rate (for a schedule: its value at `iterations`)."""
        return LearningRateView(self._lr_now(), self)

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        value = check_learning_rate(value)
        self._learning_rate = value
        if self.built:
            self._set_group_lr(self._lr_now() if callable(value) else value)
            self._refresh_plan()

    def _lr_now(self) -> float:
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            return float(lr(self._iterations))
        if callable(lr):
            return float(lr())
        if self.built:
            return float(self.torch_optimizer.param_groups[0]["lr"])
        return lr

    def _set_group_lr(self, lr: float) -> None:
        for group in self.torch_optimizer.param_groups:
            if isinstance(group["lr"], torch.Tensor):
                group["lr"].fill_(lr)
            else:
                group["lr"] = lr

    def _update_count(self) -> int:
        n = self.gradient_accumulation_steps
        return self._iterations // n if n else self._iterations

    @property
    def iterations(self) -> IterationsView:
        """The number of updates applied (`int()`-able, with `.numpy()`)."""
        return IterationsView(self._update_count(), self)

    @iterations.setter
    def iterations(self, value) -> None:
        value = int(value)
        if value < 0:
            raise ValueError(f"`iterations` must be >= 0. Received: iterations={value}")
        self._iterations = value * (self.gradient_accumulation_steps or 1)

    @property
    def param_groups(self) -> list[dict]:
        """The torch optimizer's param groups (`[]` before `build`), e.g. for `GradScaler`."""
        # Read through each time: torch's load_state_dict replaces the list.
        return (
            self.torch_optimizer.param_groups
            if self.torch_optimizer is not None
            else []
        )

    @property
    def variables(self) -> list[torch.Tensor]:
        """The optimizer's state tensors: torch's per-weight state, then EMA averages.

        Torch creates its per-weight state at the first update, so this is
        empty until then. The step count is in `state_dict()["iterations"]`.
        """
        out: list[torch.Tensor] = []
        if self.torch_optimizer is not None:
            for v in self._variables:
                state = self.torch_optimizer.state.get(v, {})
                out.extend(
                    t for _, t in sorted(state.items()) if isinstance(t, torch.Tensor)
                )
        out.extend(self._ema_averages)
        return out

    def state_dict(self) -> dict:
        """Torch's `state_dict()` plus `"iterations"` (and `"ema"` averages)."""
        if not self.built:
            return {"iterations": self._iterations}
        state = self.torch_optimizer.state_dict()
        self._float_hyperparameters(state["param_groups"])  # tensors while compiled
        state["iterations"] = self._iterations
        if self.use_ema:
            state["ema"] = list(self._ema_averages)
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore `state_dict()`; before `build`, it is applied at build time."""
        state = dict(state_dict)
        iterations = state.pop("iterations", None)
        ema = state.pop("ema", None)
        if iterations is not None:
            self._iterations = int(iterations)
        if not self.built:
            if "param_groups" in state or ema is not None:
                self._pending_state = {**state, "ema": ema}
            return
        if "param_groups" in state:
            self.torch_optimizer.load_state_dict(state)
            if not callable(self._learning_rate):
                self._learning_rate = float(self.torch_optimizer.param_groups[0]["lr"])
        if ema is not None and self.use_ema:
            if len(ema) != len(self._ema_averages):
                raise ValueError(
                    f"The saved state holds {len(ema)} EMA averages, but optimizer "
                    f"'{self.name}' tracks {len(self._ema_averages)} variables."
                )
            with torch.no_grad():
                for average, saved in zip(self._ema_averages, ema):
                    average.copy_(torch.as_tensor(saved))

    # --- weight decay and EMA -------------------------------------------------------------

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Exclude variables from weight decay (call before `build`).

        Args:
            var_list: variables to exclude. Defaults to `None`.
            var_names: regular expressions; a variable whose `name` matches any
                of them is excluded, e.g. `["bias"]`. Defaults to `None`.
        """
        if self.built:
            raise ValueError(
                "`exclude_from_weight_decay()` can only be configured before "
                "the optimizer is built."
            )
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = (
            re.compile("|".join(sorted(set(var_names)))) if var_names else None
        )

    def _use_weight_decay(self, variable: torch.Tensor) -> bool:
        if id(variable) in self._exclude_ids:
            return False
        if self._exclude_pattern is not None:
            return (
                self._exclude_pattern.search(str(getattr(variable, "name", ""))) is None
            )
        return True

    def finalize_variable_values(self, var_list) -> None:
        """With `use_ema`, overwrite the variables with their moving averages."""
        if not self.use_ema or not self.built:
            return
        with torch.no_grad():
            for v in var_list:
                i = self._index.get(id(v))
                if i is not None:
                    v.copy_(self._ema_averages[i])

    def swap_ema_weights(self) -> None:
        """With `use_ema`, exchange every variable's value with its moving average.

        In place, one variable at a time (the extra memory is one copy of the
        largest variable); calling it twice restores both. Used by
        `keras.callbacks.SwapEMAWeights` to evaluate with the averaged weights.
        """
        if not self.use_ema:
            raise ValueError(
                f"Optimizer '{self.name}' keeps no moving averages to swap: "
                "create it with `use_ema=True`. Received: use_ema=False"
            )
        if not self.built:
            raise ValueError(
                f"Optimizer '{self.name}' is not built yet, so it has no moving "
                "averages to swap. Train first (or call `optimizer.build(variables)`)."
            )
        with torch.no_grad():
            for v, average in zip(self._variables, self._ema_averages):
                held = v.detach().clone()
                v.copy_(average)
                average.copy_(held)

    # --- config -------------------------------------------------------------------------

    def get_config(self) -> dict:
        """The constructor arguments (the learning rate as a float or a schedule config)."""
        from kerastorch.optimizers import schedules

        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif callable(lr):
            raise ValueError(
                f"Optimizer '{self.name}' has a plain callable as `learning_rate`, "
                "which cannot be serialized. Use a "
                "`keras.optimizers.schedules.LearningRateSchedule` subclass with "
                "`get_config()` instead."
            )
        else:
            lr = float(self._lr_now())
        return {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        """Create an optimizer from `get_config()` (with no state)."""
        from kerastorch.optimizers import schedules

        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(
                config["learning_rate"], custom_objects=custom_objects
            )
        return cls(**config)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} name={self.name}, "
            f"learning_rate={self._lr_now():.6g}, built={self.built}>"
        )


fill_docstring(Optimizer)


class _CompiledUpdate:
    """torch's update of `optimizer` under `torch.compile` (see `compile_step`).

    The update compiled is torch's `step` without its wrappers (a profiler
    range with the step hooks, and `_use_grad`'s graph breaks), which would
    make each step three guarded frames instead of one (see
    `unwrapped_step`). While hooks are registered or a profiler
    runs, `hooked()` compiles and runs the wrapped `step` instead.
    """

    def __init__(self, optimizer: Optimizer, options: dict):
        from kerastorch.backend.jit import CompiledFunction

        opt = optimizer.torch_optimizer
        # The wrapper's graph break rules out `fullgraph`; lr/eps are tensors.
        self._options = {**options, "dynamic": False, "fullgraph": False}
        self._make = lambda fn: CompiledFunction(
            fn,
            self._options,
            "optimizer step",
            before_compiled=optimizer._tensor_hyperparameters,
            on_fallback=optimizer._float_hyperparameters,
        )
        unwrapped = unwrapped_step(opt)
        self._plain = self._wrapped = None
        self._no_grad = False
        if unwrapped is not None:
            fn, self._no_grad = unwrapped
            self._plain = self._make(lambda: fn(opt))
        self._opt = opt

    def __call__(self):
        if self._plain is None:
            return self.hooked()
        # Entered with grad mode off, the update is one inference graph.
        with torch.no_grad() if self._no_grad else contextlib.nullcontext():
            return self._plain()

    def hooked(self):
        if self._wrapped is None:
            self._wrapped = self._make(self._opt.step)
        return self._wrapped()
