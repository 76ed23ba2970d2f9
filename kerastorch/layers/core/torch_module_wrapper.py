"""TorchModuleWrapper: any `torch.nn.Module` used as a Keras layer."""

from __future__ import annotations

from torch import nn

from kerastorch.layers.layer import Layer


class TorchModuleWrapper(Layer):
    """Wrap a plain `torch.nn.Module` so it can sit in a Sequential or a graph.

    Its parameters are the layer's weights (trainable when `requires_grad`).
    Lazy torch modules (`nn.LazyLinear`, ...) are materialised on first call.
    `Sequential` wraps plain modules with this automatically.

    Args:
        module: the `torch.nn.Module` to wrap.
        name: the layer name. Defaults to `"torch_module_wrapper"` made unique.

    Example:

    >>> model = kerastorch.Sequential([torch.nn.Linear(4, 8), kerastorch.layers.Dense(1)])
    """

    def __init__(self, module: nn.Module, name: str | None = None, **kwargs):
        if not isinstance(module, nn.Module):
            raise TypeError(
                "TorchModuleWrapper expects a `torch.nn.Module`. "
                f"Received: module={module!r} (of type {type(module).__name__})"
            )
        super().__init__(name=name, **kwargs)
        self.module = module
        self.supports_masking = False

    def build(self, input_shape=None):
        pass

    def call(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Layer '{self.name}' wraps a plain torch module "
            f"({type(self.module).__name__}), which has no Keras config. Save "
            "its weights with `save_weights`, or write a Layer subclass with "
            "`get_config()`."
        )
