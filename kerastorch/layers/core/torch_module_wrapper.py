"""TorchModuleWrapper: any `torch.nn.Module` used as a Keras layer."""

from __future__ import annotations

from torch import nn

from kerastorch.layers.layer import Layer


class TorchModuleWrapper(Layer):
    """Wrap a plain `torch.nn.Module` so it can sit in a Sequential or a graph.

    Its parameters are the layer's weights (trainable when `requires_grad`).
    Lazy torch modules (`nn.LazyLinear`, ...) are materialised on first call.
    `Sequential` wraps plain modules with this automatically.

    The Keras `training` argument sets the torch mode of the wrapped module
    on every call: `training=True` runs it in `train()` mode, `False` or
    `None` in `eval()` mode, as for kerastorch's own layers. As in Keras,
    a frozen layer (`trainable=False`) keeps its batch normalization in
    inference mode even when `training=True`; so does any torch
    BatchNorm/InstanceNorm module whose parameters all have
    `requires_grad=False` (a partly frozen backbone).

    A wrapper can be saved in a `.keras` archive when the wrapped module
    has a `get_config()` method and a `from_config(config)` class method,
    and its class is registered with
    `kerastorch.saving.register_keras_serializable()` (or lives in
    kerastorch): the archive stores that config, never pickled code; the
    weights come from the archive's safetensors.

    Args:
        module: the `torch.nn.Module` to wrap.
        name: the layer name. Defaults to `"torch_module_wrapper"` made unique.
        output_shape: the output shape without the batch axis, for graphs
            whose shapes cannot be inferred by a run on meta tensors.
            Defaults to `None` (inferred).

    Example:

    >>> model = kerastorch.Sequential([torch.nn.Linear(4, 8), kerastorch.layers.Dense(1)])
    >>> layer = kerastorch.layers.TorchModuleWrapper(torch.nn.Conv2d(3, 8, 3))
    """

    def __init__(
        self,
        module: nn.Module,
        name: str | None = None,
        output_shape=None,
        **kwargs,
    ):
        if not isinstance(module, nn.Module):
            raise TypeError(
                "TorchModuleWrapper expects a `torch.nn.Module`. "
                f"Received: module={module!r} (of type {type(module).__name__})"
            )
        if output_shape is not None and not (
            isinstance(output_shape, (list, tuple))
            and all(d is None or (isinstance(d, int) and d > 0) for d in output_shape)
        ):
            raise ValueError(
                "`output_shape` must be a tuple of positive ints or None (without "
                f"the batch axis). Received: output_shape={output_shape!r}"
            )
        super().__init__(name=name, **kwargs)
        self.module = module
        self.declared_output_shape = None if output_shape is None else tuple(output_shape)
        self.supports_masking = False
        if not self.trainable:
            self.trainable = False  # freeze the module's parameters too

    def build(self, input_shape=None):
        pass

    def call(self, *args, training=None, **kwargs):
        set_torch_modes(self.module, bool(training), frozen=not self.trainable)
        return self.module(*args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        if self.declared_output_shape is None:
            return super().compute_output_spec(*args, **kwargs)
        from kerastorch.backend.keras_tensor import KerasTensor

        first = args[0] if args else next(iter(kwargs.values()))
        batch = first.shape[0] if getattr(first, "shape", None) else None
        return KerasTensor((batch, *self.declared_output_shape), dtype=self.compute_dtype)

    def get_config(self) -> dict:
        if not callable(getattr(self.module, "get_config", None)):
            raise NotImplementedError(
                f"Layer '{self.name}' wraps a plain torch module "
                f"({type(self.module).__name__}), which has no Keras config. Save "
                "its weights with `save_weights`, give the module `get_config()` "
                "and `from_config()` (registered with "
                "`@kerastorch.saving.register_keras_serializable()`), or write a "
                "Layer subclass with `get_config()`."
            )
        from kerastorch.saving.serialization_lib import serialize_keras_object

        config = super().get_config()
        config["module"] = serialize_keras_object(self.module)
        if self.declared_output_shape is not None:
            config["output_shape"] = list(self.declared_output_shape)
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if isinstance(config.get("module"), dict):
            from kerastorch.saving.serialization_lib import deserialize_keras_object

            config["module"] = deserialize_keras_object(config["module"])
        return super().from_config(config)


def set_torch_modes(module: nn.Module, training: bool, frozen: bool = False) -> None:
    """Put `module` and its submodules in train or eval mode, frozen norms in eval.

    A normalization module with running statistics (BatchNorm*, InstanceNorm
    with `track_running_stats`, SyncBatchNorm) stays in eval mode when
    `frozen` is true, or when it has parameters and none requires a gradient.
    """
    for m in module.modules():
        mode = training
        # Duck-typed on the public `running_mean` buffer: BatchNorm1d/2d/3d, their
        # lazy and Sync variants, InstanceNorm with running stats.
        if mode and getattr(m, "running_mean", None) is not None:
            params = list(m.parameters(recurse=False))
            if frozen or (params and not any(p.requires_grad for p in params)):
                mode = False
        m.training = mode
