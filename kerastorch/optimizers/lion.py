"""`Lion`. torch.optim has no Lion, so its update runs here with foreach kernels."""

from __future__ import annotations

import torch

from kerastorch.optimizers import _foreach
from kerastorch.optimizers.optimizer import Optimizer
from kerastorch.optimizers.optimizer import check_number
from kerastorch.optimizers.optimizer import fill_docstring


class TorchLion(torch.optim.Optimizer):
    """Lion as a `torch.optim.Optimizer` (the engine behind `Lion`).

    ```
    w = w - lr * sign(beta_1 * m + (1 - beta_1) * g)
    m = beta_2 * m + (1 - beta_2) * g
    ```

    Args:
        params: the parameters or param groups.
        lr: the learning rate. Defaults to `0.001`.
        betas: `(beta_1, beta_2)`. Defaults to `(0.9, 0.99)`.
    """

    def __init__(
        self, params, lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.99)
    ):
        super().__init__(params, {"lr": lr, "betas": tuple(betas)})

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params, grads, moments = [], [], []
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError("Lion does not support sparse gradients.")
                state = self.state[p]
                if not state:
                    state["momentum"] = torch.zeros_like(
                        p, memory_format=torch.preserve_format
                    )
                params.append(p)
                grads.append(p.grad)
                moments.append(state["momentum"])
            if not params:
                continue
            beta_1, beta_2 = group["betas"]
            # beta_1 * m + (1 - beta_1) * g, as new tensors
            updates = _foreach.lerp(moments, grads, 1.0 - beta_1)
            _foreach.sign_(updates)
            _foreach.add_(params, updates, alpha=-group["lr"])
            _foreach.lerp_(moments, grads, 1.0 - beta_2)
        return loss


@fill_docstring
class Lion(Optimizer):
    """Lion (EvoLved Sign Momentum): updates of fixed size, signed by momentum.

    ```
    w = w - learning_rate * sign(beta_1 * m + (1 - beta_1) * g)
    m = beta_2 * m + (1 - beta_2) * g
    ```

    Lion's updates are larger than Adam's (each coordinate moves by the
    full learning rate), so it usually wants a 3-10x smaller learning rate.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
            Defaults to `0.001`.
        beta_1: the interpolation factor for the update direction, in (0, 1].
            Defaults to `0.9`.
        beta_2: the decay rate of the momentum. Defaults to `0.99`.
        {{base_optimizer_keyword_args}} Defaults to `"lion"`.

    Example:

    >>> optimizer = kerastorch.optimizers.Lion(learning_rate=1e-4)
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.99,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str = "lion",
        **kwargs,
    ):
        if (
            isinstance(beta_1, bool)
            or not isinstance(beta_1, (int, float))
            or not 0 < beta_1 <= 1
        ):
            raise ValueError(
                "Argument `beta_1` must be in the (0, 1] range. Otherwise, the "
                f"optimizer degenerates to SignSGD. Received: beta_1={beta_1!r}"
            )
        check_number("beta_2", beta_2, 0, 1)
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name,
            **kwargs,
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def _make_torch_optimizer(self, param_groups: list[dict]) -> torch.optim.Optimizer:
        return TorchLion(param_groups, betas=(self.beta_1, self.beta_2))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
