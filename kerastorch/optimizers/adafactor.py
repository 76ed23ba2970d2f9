"""`Adafactor`, on `torch.optim.Adafactor`."""

from __future__ import annotations

import math

import torch

from kerastorch.optimizers.optimizer import Optimizer
from kerastorch.optimizers.optimizer import check_number
from kerastorch.optimizers.optimizer import fill_docstring


@fill_docstring
class Adafactor(Optimizer):
    """Adafactor: Adam-like steps with a factored (row x column) second moment.

    Memory-light: for weights with 2 or more dimensions only row and column
    statistics of the last two dimensions are stored. The step size is
    `max(epsilon_2, rms(w)) * min(learning_rate, 1 / sqrt(t))` and each update
    is clipped to an RMS of at most `clip_threshold`.

    Runs `torch.optim.Adafactor` (`beta2_decay=beta_2_decay`,
    `d=clip_threshold`). Keras adds `epsilon_1` to the squared gradients;
    torch floors `sqrt(v)` instead, at `sqrt(epsilon_1)` here, which only
    matters for gradients of about `1e-15` or smaller. As in Keras, the step
    size always uses `min(learning_rate, 1 / sqrt(t))`, so `relative_step` is
    kept for configs only.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
            Defaults to `0.001`.
        beta_2_decay: the decay rate of `beta_2` (`beta_2 = 1 - t ** beta_2_decay`),
            <= 0. Defaults to `-0.8`.
        epsilon_1: a small offset keeping the denominator away from 0.
            Defaults to `1e-30`.
        epsilon_2: the smallest weight RMS used to scale steps.
            Defaults to `1e-3`.
        clip_threshold: the update RMS clipping threshold. Defaults to `1.0`.
        relative_step: whether the learning rate is capped by `1 / sqrt(t)`.
            Defaults to `True`.
        {{base_optimizer_keyword_args}} Defaults to `"adafactor"`.

    Example:

    >>> optimizer = kerastorch.optimizers.Adafactor(learning_rate=1e-2)
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_2_decay: float = -0.8,
        epsilon_1: float = 1e-30,
        epsilon_2: float = 1e-3,
        clip_threshold: float = 1.0,
        relative_step: bool = True,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str = "adafactor",
        **kwargs,
    ):
        check_number("beta_2_decay", beta_2_decay, high=0)
        check_number("epsilon_1", epsilon_1, 0)
        check_number("epsilon_2", epsilon_2, 0)
        check_number("clip_threshold", clip_threshold, 0, low_open=True)
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
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = bool(relative_step)

    def _make_torch_optimizer(self, param_groups: list[dict]) -> torch.optim.Optimizer:
        # Weight decay is applied by the base class, before torch reads rms(w),
        # which is Keras's order.
        return torch.optim.Adafactor(
            param_groups,
            beta2_decay=self.beta_2_decay,
            eps=(math.sqrt(self.epsilon_1), self.epsilon_2),
            d=self.clip_threshold,
            weight_decay=0.0,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold,
                "relative_step": self.relative_step,
            }
        )
        return config
