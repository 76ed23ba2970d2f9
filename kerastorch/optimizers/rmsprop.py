"""`RMSprop`, on `torch.optim.RMSprop`."""

from __future__ import annotations

import torch

from kerastorch.optimizers.optimizer import Optimizer
from kerastorch.optimizers.optimizer import check_number
from kerastorch.optimizers.optimizer import fill_docstring


@fill_docstring
class RMSprop(Optimizer):
    """RMSprop: steps scaled by a moving average of squared gradients.

    ```
    v = rho * v + (1 - rho) * g ** 2
    w = w - learning_rate * g / sqrt(v + epsilon)     # Keras
    w = w - learning_rate * g / (sqrt(v) + epsilon)   # torch, what runs here
    ```

    Runs `torch.optim.RMSprop` (`rho` is torch's `alpha`). Two differences
    from Keras's formula remain, as torch cannot be configured to match:
    `epsilon` is added after the square root (Keras adds it inside, which
    acts like an epsilon of `sqrt(1e-7) ~ 3e-4` when `v` is tiny, so steps
    for gradients below ~1e-3 are larger here), and with `momentum` the
    learning rate multiplies the momentum buffer (same updates while the rate
    is constant).

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
            Defaults to `0.001`.
        rho: the decay rate of the moving average. Defaults to `0.9`.
        momentum: the momentum. Defaults to `0.0`.
        epsilon: a small constant for numerical stability. Defaults to `1e-7`.
        centered: if `True`, normalize by the estimated variance of the
            gradient instead of its second moment. Defaults to `False`.
        {{base_optimizer_keyword_args}} Defaults to `"rmsprop"`.

    Example:

    >>> optimizer = kerastorch.optimizers.RMSprop(learning_rate=1e-3)
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str = "rmsprop",
        **kwargs,
    ):
        check_number("rho", rho, 0, 1)
        check_number("momentum", momentum, 0)
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
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = bool(centered)

    def _make_torch_optimizer(self, param_groups: list[dict]) -> torch.optim.Optimizer:
        return torch.optim.RMSprop(
            param_groups,
            alpha=self.rho,
            eps=self.epsilon,
            momentum=self.momentum,
            centered=self.centered,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "rho": self.rho,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "centered": self.centered,
            }
        )
        return config
