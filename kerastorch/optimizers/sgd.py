"""`SGD`: gradient descent with optional (Nesterov) momentum, on `torch.optim.SGD`."""

from __future__ import annotations

import torch

from kerastorch.optimizers.optimizer import Optimizer
from kerastorch.optimizers.optimizer import fill_docstring


@fill_docstring
class SGD(Optimizer):
    """Gradient descent (with momentum) optimizer.

    ```
    velocity = momentum * velocity - learning_rate * g
    w = w + velocity                                   # nesterov=False
    w = w + momentum * velocity - learning_rate * g    # nesterov=True
    ```

    Runs `torch.optim.SGD`, which keeps `velocity / -learning_rate` instead of
    `velocity`: identical updates while the learning rate is constant; when a
    schedule changes it, torch applies the new rate to the whole momentum
    buffer where Keras applies it to the new gradient only.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable.
            Defaults to `0.01`.
        momentum: a float in [0, 1]: how much of the previous update is kept.
            Defaults to `0.0` (plain gradient descent).
        nesterov: whether to use Nesterov momentum. Defaults to `False`.
        {{base_optimizer_keyword_args}} Defaults to `"SGD"`.

    Example:

    >>> optimizer = kerastorch.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    >>> model.compile(optimizer=optimizer, loss="mse")
    """

    def __init__(
        self,
        learning_rate=0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str = "SGD",
        **kwargs,
    ):
        if (
            isinstance(momentum, bool)
            or not isinstance(momentum, (int, float))
            or not 0 <= momentum <= 1
        ):
            raise ValueError(
                f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}"
            )
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
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _make_torch_optimizer(self, param_groups: list[dict]) -> torch.optim.Optimizer:
        # torch refuses nesterov without momentum; Keras's formula reduces to
        # plain gradient descent there, which is what momentum=0 gives.
        return torch.optim.SGD(
            param_groups,
            momentum=self.momentum,
            nesterov=self.nesterov and self.momentum > 0,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
