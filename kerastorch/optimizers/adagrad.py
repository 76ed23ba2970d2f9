"""`Adagrad`, on `torch.optim.Adagrad`."""

from __future__ import annotations

import torch

from kerastorch.optimizers.optimizer import Optimizer
from kerastorch.optimizers.optimizer import check_number
from kerastorch.optimizers.optimizer import fill_docstring


@fill_docstring
class Adagrad(Optimizer):
    """Adagrad: per-weight learning rates scaled by the sum of squared gradients.

    ```
    accumulator = accumulator + g ** 2
    w = w - learning_rate * g / sqrt(accumulator + epsilon)
    ```

    Runs `torch.optim.Adagrad`, which divides by `sqrt(accumulator) + epsilon`
    instead; with the accumulator starting at `initial_accumulator_value`
    (0.1) the two differ by less than `epsilon / accumulator` relative.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
            Defaults to `0.001`.
        initial_accumulator_value: the accumulators' starting value (>= 0).
            Defaults to `0.1`.
        epsilon: a small constant for numerical stability. Defaults to `1e-7`.
        {{base_optimizer_keyword_args}} Defaults to `"adagrad"`.

    Example:

    >>> optimizer = kerastorch.optimizers.Adagrad(learning_rate=0.01)
    """

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value: float = 0.1,
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
        name: str = "adagrad",
        **kwargs,
    ):
        check_number("initial_accumulator_value", initial_accumulator_value, 0)
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
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _make_torch_optimizer(self, param_groups: list[dict]) -> torch.optim.Optimizer:
        return torch.optim.Adagrad(
            param_groups,
            initial_accumulator_value=self.initial_accumulator_value,
            eps=self.epsilon,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon,
            }
        )
        return config
