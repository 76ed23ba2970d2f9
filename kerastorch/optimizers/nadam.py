"""`Nadam`, on `torch.optim.NAdam`."""

from __future__ import annotations

import torch

from kerastorch.optimizers.optimizer import Optimizer
from kerastorch.optimizers.optimizer import check_number
from kerastorch.optimizers.optimizer import fill_docstring

# Keras's momentum schedule: u_t = beta_1 * (1 - 0.5 * 0.96 ** (0.004 * t)).
_MOMENTUM_DECAY = 0.004


@fill_docstring
class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum.

    Runs `torch.optim.NAdam` with `momentum_decay=0.004`, which is Keras's
    momentum schedule `u_t = beta_1 * (1 - 0.5 * 0.96 ** (0.004 * t))`; the
    updates are Keras's. `weight_decay` uses torch's decoupled weight decay.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
            Defaults to `0.001`.
        beta_1: the decay rate of the first moment. Defaults to `0.9`.
        beta_2: the decay rate of the second moment. Defaults to `0.999`.
        epsilon: a small constant for numerical stability. Defaults to `1e-7`.
        {{base_optimizer_keyword_args}} Defaults to `"nadam"`.

    Example:

    >>> optimizer = kerastorch.optimizers.Nadam(learning_rate=1e-3)
    """

    _torch_decoupled_weight_decay = True

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
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
        name: str = "nadam",
        **kwargs,
    ):
        check_number("beta_1", beta_1, 0, 1, high_open=True)
        check_number("beta_2", beta_2, 0, 1, high_open=True)
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
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _make_torch_optimizer(self, param_groups: list[dict]) -> torch.optim.Optimizer:
        return torch.optim.NAdam(
            param_groups,
            betas=(self.beta_1, self.beta_2),
            eps=self.epsilon,
            momentum_decay=_MOMENTUM_DECAY,
            weight_decay=0.0,
            decoupled_weight_decay=True,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
        )
        return config
