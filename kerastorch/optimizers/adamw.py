"""`AdamW`, on `torch.optim.AdamW`."""

from __future__ import annotations

import numbers

import torch

from kerastorch.optimizers.adam import Adam
from kerastorch.optimizers.optimizer import fill_docstring


@fill_docstring
class AdamW(Adam):
    """Adam with decoupled weight decay.

    Before each Adam update the weights are decayed:
    `w = w - learning_rate * weight_decay * w`. Runs `torch.optim.AdamW`, whose
    decay is the same; epsilon is rescaled per step as in `Adam`, so the
    updates are Keras's exactly. Use `exclude_from_weight_decay` to exempt
    variables (e.g. biases).

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
            Defaults to `0.001`.
        weight_decay: the decay rate. Defaults to `0.004`.
        beta_1: the decay rate of the first moment. Defaults to `0.9`.
        beta_2: the decay rate of the second moment. Defaults to `0.999`.
        epsilon: a small constant for numerical stability. Defaults to `1e-7`.
        amsgrad: whether to use the AMSGrad variant. Defaults to `False`.
        {{base_optimizer_keyword_args}} Defaults to `"adamw"`.

    Example:

    >>> optimizer = kerastorch.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.01)
    >>> optimizer.exclude_from_weight_decay(var_names=["bias"])
    """

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str = "adamw",
        **kwargs,
    ):
        if isinstance(weight_decay, bool) or not isinstance(weight_decay, numbers.Real):
            raise ValueError(
                f"Argument `weight_decay` must be a float. Received: weight_decay={weight_decay!r}"
            )
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
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

    def _make_torch_optimizer(self, param_groups: list[dict]) -> torch.optim.Optimizer:
        # Each group carries its own weight_decay (0.0 for excluded variables).
        return torch.optim.AdamW(
            param_groups,
            betas=(self.beta_1, self.beta_2),
            eps=self.epsilon,
            amsgrad=self.amsgrad,
            weight_decay=0.0,
        )
