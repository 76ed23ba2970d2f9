"""`Adadelta`, on `torch.optim.Adadelta`."""

from __future__ import annotations

import torch

from kerastorch.optimizers.optimizer import Optimizer
from kerastorch.optimizers.optimizer import check_number
from kerastorch.optimizers.optimizer import fill_docstring


@fill_docstring
class Adadelta(Optimizer):
    """Adadelta: steps scaled by running averages of squared gradients and updates.

    ```
    acc_g = rho * acc_g + (1 - rho) * g ** 2
    delta = -sqrt(acc_delta + epsilon) / sqrt(acc_g + epsilon) * g
    acc_delta = rho * acc_delta + (1 - rho) * delta ** 2
    w = w + learning_rate * delta
    ```

    Runs `torch.optim.Adadelta`, whose update is the same formula.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
            Defaults to `0.001`.
        rho: the decay rate of the running averages. Defaults to `0.95`.
        epsilon: a small constant for numerical stability. Defaults to `1e-7`.
        {{base_optimizer_keyword_args}} Defaults to `"adadelta"`.

    Example:

    >>> optimizer = kerastorch.optimizers.Adadelta(learning_rate=1.0)
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho: float = 0.95,
        epsilon: float = 1e-7,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str = "adadelta",
        **kwargs,
    ):
        check_number("rho", rho, 0, 1)
        check_number("epsilon", epsilon, 0)
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
        self.rho = rho
        self.epsilon = epsilon

    def _make_torch_optimizer(self, param_groups: list[dict]) -> torch.optim.Optimizer:
        return torch.optim.Adadelta(param_groups, rho=self.rho, eps=self.epsilon)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
