"""`Adam`, on `torch.optim.Adam`."""

from __future__ import annotations

import math

import torch

from kerastorch.optimizers.optimizer import Optimizer
from kerastorch.optimizers.optimizer import check_number
from kerastorch.optimizers.optimizer import fill_docstring


@fill_docstring
class Adam(Optimizer):
    """Adam: stochastic gradient descent with adaptive first and second moments.

    ```
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g ** 2
    alpha = learning_rate * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    w = w - alpha * m / (sqrt(v) + epsilon)
    ```

    Runs `torch.optim.Adam`. Torch adds `epsilon` after dividing `sqrt(v)` by
    `sqrt(1 - beta_2 ** t)`, Keras before; the epsilon handed to torch is
    divided by `sqrt(1 - beta_2 ** t)` at every step, so the updates are
    Keras's exactly. `weight_decay` uses torch's decoupled weight decay.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
            Defaults to `0.001`.
        beta_1: the decay rate of the first moment. Defaults to `0.9`.
        beta_2: the decay rate of the second moment. Defaults to `0.999`.
        epsilon: a small constant for numerical stability. Defaults to `1e-7`.
        amsgrad: whether to use the AMSGrad variant. Defaults to `False`.
        {{base_optimizer_keyword_args}} Defaults to `"adam"`.

    Example:

    >>> optimizer = kerastorch.optimizers.Adam(learning_rate=1e-3)
    >>> model.compile(optimizer=optimizer, loss="mse")
    """

    _torch_decoupled_weight_decay = True
    _jit_tensor_hyperparameters = ("lr", "eps")

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str = "adam",
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
        self.amsgrad = bool(amsgrad)

    def _make_torch_optimizer(self, param_groups: list[dict]) -> torch.optim.Optimizer:
        return torch.optim.Adam(
            param_groups,
            betas=(self.beta_1, self.beta_2),
            eps=self.epsilon,
            amsgrad=self.amsgrad,
            weight_decay=0.0,
            decoupled_weight_decay=True,
        )

    def _before_update(self, step: int) -> None:
        # torch divides by sqrt(v) / sqrt(bc2) + eps', Keras by (sqrt(v) + eps) / sqrt(bc2)
        # (bc2 = 1 - beta_2 ** t): equal when eps' = eps / sqrt(bc2).
        eps = self.epsilon / math.sqrt(1.0 - self.beta_2**step)
        for group in self.torch_optimizer.param_groups:
            if isinstance(group["eps"], torch.Tensor):  # compiled step: a value, not a guard
                group["eps"].fill_(eps)
            else:
                group["eps"] = eps

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "amsgrad": self.amsgrad,
            }
        )
        return config
