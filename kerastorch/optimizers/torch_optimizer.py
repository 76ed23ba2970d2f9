"""`TorchOptimizer`: Keras's optimizer API around any `torch.optim.Optimizer`."""

from __future__ import annotations

import inspect

import torch

from kerastorch.optimizers.optimizer import Optimizer
from kerastorch.optimizers.optimizer import fill_docstring


@fill_docstring
class TorchOptimizer(Optimizer):
    """Use a `torch.optim.Optimizer` where Keras expects an optimizer.

    `keras.optimizers.get(torch_optimizer)` and `model.compile(optimizer=...)`
    wrap torch optimizers with this class. It exposes the same API as the
    Keras optimizers (`step`, `zero_grad`, `apply`, `learning_rate`,
    `iterations`, `state_dict`, ...), and the Keras extras (clipping, EMA,
    loss scaling, gradient accumulation, constraints) work too.

    Setting `learning_rate` sets every param group's `lr`; where the groups
    have different rates, all are scaled by the same factor, so their ratios
    are kept.

    Args:
        torch_optimizer: a `torch.optim.Optimizer` instance (already holding
            the parameters), or a `torch.optim.Optimizer` subclass: it is then
            created over the variables at `build()`.
        torch_kwargs: keyword arguments for the subclass, when `torch_optimizer`
            is a class (e.g. `{"momentum": 0.9}`). Defaults to `None`.
        learning_rate: a float, a `LearningRateSchedule` or a callable that
            replaces the torch optimizer's `lr`. Defaults to `None` (keep it).
        {{base_optimizer_keyword_args}} Defaults to the torch class name in
            lower case.

    `weight_decay` is not an argument here: the torch optimizer has its own.

    Example:

    >>> opt = kerastorch.optimizers.get(torch.optim.SGD(model.parameters(), lr=0.1))
    >>> model.compile(optimizer=opt, loss="mse")
    >>> model.compile(optimizer=torch.optim.AdamW, loss="mse")  # built at fit()
    """

    def __init__(
        self,
        torch_optimizer,
        torch_kwargs: dict | None = None,
        learning_rate=None,
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
        if isinstance(torch_optimizer, torch.optim.Optimizer):
            instance, torch_cls = torch_optimizer, type(torch_optimizer)
            if torch_kwargs:
                raise ValueError(
                    "`torch_kwargs` is only used when `torch_optimizer` is a class; "
                    f"the instance given is already configured. Received: torch_kwargs={torch_kwargs}"
                )
        elif isinstance(torch_optimizer, type) and issubclass(
            torch_optimizer, torch.optim.Optimizer
        ):
            instance, torch_cls = None, torch_optimizer
        else:
            raise TypeError(
                "`torch_optimizer` must be a `torch.optim.Optimizer` instance or "
                f"subclass. Received: {torch_optimizer!r}"
            )
        torch_kwargs = dict(torch_kwargs or {})
        if torch_kwargs.get("params") is not None:
            raise ValueError("Pass the parameters to `build()`, not in `torch_kwargs`.")
        explicit_lr = learning_rate is not None
        if not explicit_lr:
            if instance is not None:
                learning_rate = float(instance.param_groups[0]["lr"])
            else:
                learning_rate = torch_kwargs.get("lr", _default_lr(torch_cls))
        super().__init__(
            learning_rate=learning_rate,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name if name is not None else torch_cls.__name__.lower(),
            **kwargs,
        )
        self._torch_cls = torch_cls
        self._torch_kwargs = torch_kwargs
        self._torch_instance_given = instance is not None
        if instance is not None:
            self.torch_optimizer = instance
            variables = [p for group in instance.param_groups for p in group["params"]]
            self._finish_build(variables)
            if explicit_lr:
                lr = self._learning_rate
                self._set_group_lr(self._lr_now() if callable(lr) else lr)

    def build(self, variables) -> None:
        """Create the torch optimizer (class given); an instance given keeps its params.

        A torch optimizer built over some of the parameters is a common way to
        train only those, so an instance is never extended here.
        """
        if self._torch_instance_given:
            return
        super().build(variables)

    def _make_torch_optimizer(self, param_groups: list[dict]) -> torch.optim.Optimizer:
        return self._torch_cls(param_groups, **self._torch_kwargs)

    def _set_group_lr(self, lr: float) -> None:
        groups = self.torch_optimizer.param_groups
        first = float(groups[0]["lr"])
        if first > 0 and any(float(g["lr"]) != first for g in groups):
            rates = [float(g["lr"]) * lr / first for g in groups]
        else:
            rates = [lr] * len(groups)
        for group, rate in zip(groups, rates):
            if isinstance(group["lr"], torch.Tensor):
                group["lr"].fill_(rate)
            else:
                group["lr"] = rate

    def get_config(self) -> dict:
        config = super().get_config()
        del config["weight_decay"]
        cls = self._torch_cls
        if getattr(torch.optim, cls.__name__, None) is cls:
            config["torch_optimizer"] = f"torch.optim.{cls.__name__}"
        else:
            config["torch_optimizer"] = f"{cls.__module__}.{cls.__qualname__}"
        defaults = (
            self.torch_optimizer.defaults if self.torch_optimizer is not None else {}
        )
        config["torch_kwargs"] = _json_kwargs(cls, {**defaults, **self._torch_kwargs})
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        """Rebuild a (not yet built) wrapper; the torch optimizer is made at `build()`."""
        config = dict(config)
        config["torch_optimizer"] = _resolve_torch_class(
            config.get("torch_optimizer"), custom_objects
        )
        return super().from_config(config, custom_objects=custom_objects)


def _default_lr(torch_cls: type) -> float:
    param = inspect.signature(torch_cls.__init__).parameters.get("lr")
    if param is None or not isinstance(param.default, (int, float)):
        raise ValueError(
            f"`{torch_cls.__name__}` has no default learning rate: pass "
            "`learning_rate=` or `torch_kwargs={'lr': ...}`."
        )
    return float(param.default)


def _json_kwargs(torch_cls: type, values: dict) -> dict:
    """The constructor arguments among `values` that JSON can hold (tuples as lists)."""
    accepted = inspect.signature(torch_cls.__init__).parameters
    out = {}
    for key, value in values.items():
        if key in ("self", "params", "lr") or key not in accepted:
            continue
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, tuple):
            value = list(value)
        items = value if isinstance(value, list) else [value]
        if all(v is None or isinstance(v, (bool, int, float, str)) for v in items):
            out[key] = value
    return out


def _resolve_torch_class(name, custom_objects: dict | None) -> type:
    """A torch optimizer class from its config name; only torch.optim (or registered) ones."""
    from kerastorch.saving.object_registration import get_registered_object

    if isinstance(name, str):
        short = name.rsplit(".", 1)[-1]
        found = get_registered_object(name, custom_objects) or get_registered_object(
            short, custom_objects
        )
        if found is None and name.startswith("torch.optim."):
            found = getattr(torch.optim, short, None)
        if isinstance(found, type) and issubclass(found, torch.optim.Optimizer):
            return found
    raise ValueError(
        f"Cannot rebuild the torch optimizer {name!r}: classes are looked up in "
        "`torch.optim` by name; pass others in `custom_objects`."
    )
