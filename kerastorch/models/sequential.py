"""Sequential: a plain stack of layers, built on first call or from an `Input`."""

from __future__ import annotations

import torch
from torch import nn

from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.layers.core.input_layer import InputLayer
from kerastorch.layers.core.torch_module_wrapper import TorchModuleWrapper
from kerastorch.layers.layer import Layer
from kerastorch.models.model import Model


class Sequential(Model):
    """A model that is a linear stack of layers, each feeding the next.

    Without an `Input`, the model has no weights until its first call (or
    `build(input_shape)`), when every layer is built from the real shapes.
    Plain `torch.nn.Module`s are accepted and wrapped in `TorchModuleWrapper`.

    Args:
        layers: optional list of layers to add.
        trainable: Defaults to `True`.
        name: Defaults to `"sequential"` made unique.

    Example:

    ```python
    model = kerastorch.Sequential([
        kerastorch.Input(shape=(16,)),
        kerastorch.layers.Dense(8, activation="relu"),
        kerastorch.layers.Dense(1),
    ])
    ```
    """

    def __init__(self, layers=None, trainable: bool = True, name: str | None = None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._input_layer: InputLayer | None = None
        self._stack: list[Layer] = []
        if layers is not None:
            if not isinstance(layers, (list, tuple)):
                raise TypeError(
                    "`layers` must be a list of layers. "
                    f"Received: layers={layers!r}"
                )
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_rebuild()

    # --- structure --------------------------------------------------------------

    def add(self, layer, rebuild: bool = True) -> None:
        """Add a layer (or `Input`, or plain `torch.nn.Module`) on top of the stack."""
        if isinstance(layer, KerasTensor):
            history = layer._keras_history
            if history is not None and isinstance(history.operation, InputLayer):
                layer = history.operation
            else:
                raise ValueError(
                    "Only `kerastorch.Input` tensors can be added to a Sequential "
                    f"model. Received: {layer}"
                )
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._stack:
                raise ValueError(
                    f"Sequential model '{self.name}' can only have an Input as its "
                    "first layer."
                )
            self._input_layer = layer
            self.built = False
            if rebuild:
                self._maybe_rebuild()
            return
        if isinstance(layer, nn.Module) and not isinstance(layer, Layer):
            layer = TorchModuleWrapper(layer)
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `kerastorch.layers.Layer` (or `torch.nn.Module`) "
                f"can be added to a Sequential model. Received: {layer!r} "
                f"(of type {type(layer).__name__})"
            )
        names = {existing.name for existing in self._stack}
        if layer.name in names:
            raise ValueError(
                f"All layers added to a Sequential model should have unique "
                f"names. Name '{layer.name}' is already the name of a layer in "
                "this model. Update the `name` argument to pass a unique name."
            )
        if not self._stack and self._input_layer is None:
            batch_input_shape = getattr(layer, "_batch_input_shape", None)
            if batch_input_shape is not None:
                self._input_layer = InputLayer(batch_shape=batch_input_shape)
        self._stack.append(layer)
        self.add_module(layer.name.replace(".", "_"), layer)
        self.built = False
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer."""
        if not self._stack:
            raise ValueError(f"There are no layers in Sequential model '{self.name}' to pop.")
        layer = self._stack.pop()
        for key, module in list(self._modules.items()):
            if module is layer:
                del self._modules[key]
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self) -> None:
        if self._input_layer is not None and self._stack:
            self.build(self._input_layer.batch_shape)

    @property
    def layers(self) -> list[Layer]:
        return list(self._stack)

    def _tracked_layers(self) -> list[Layer]:
        return list(self._stack)

    # --- building and calling -------------------------------------------------------

    def build(self, input_shape=None) -> None:
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError(
                    f"Sequential model '{self.name}' cannot be built because it has "
                    "no input shape. Pass `input_shape`, add an `Input` first, or "
                    "call the model on data."
                )
            input_shape = self._input_layer.batch_shape
        if not self._stack:
            raise ValueError(
                f"Sequential model '{self.name}' has no layers; add some before "
                "building it."
            )
        input_shape = tuple(input_shape)
        if self._input_layer is None or tuple(self._input_layer.batch_shape) != input_shape:
            dtype = self._input_layer.dtype if self._input_layer is not None else None
            self._input_layer = InputLayer(batch_shape=input_shape, dtype=dtype)
        # Symbolic pass from the Input: builds each layer from the real shapes,
        # computes nothing, and records the graph (`model.outputs`, `layer.output`).
        x = self._input_layer.output_tensor
        self.built = True
        # (The build wrapper puts this model's name in the variable paths:
        # "sequential/dense/kernel".)
        try:
            for layer in self._stack:
                x = layer(x)
        except Exception:
            self.built = False
            raise
        self._build_shapes = input_shape
        self._output_spec = x

    def _maybe_build(self, args, kwargs) -> None:
        if self.built:
            return
        first = args[0] if args else kwargs.get(self._first_arg)
        if isinstance(first, KerasTensor):
            self.build(first.shape)
            return
        if isinstance(first, torch.Tensor) and first.dim() >= 1 and self._stack:
            # Built from data as from an `Input` of the data's shape and dtype,
            # so the model has a graph (`inputs`, `outputs`) as in Keras.
            if self._input_layer is None:
                self._input_layer = InputLayer(
                    batch_shape=(None, *tuple(first.shape)[1:]),
                    dtype=str(first.dtype).replace("torch.", ""),
                )
            self.build(self._input_layer.batch_shape)
            return
        # Structured inputs: each layer builds on its first real call.
        self.built = True

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._stack:
            kwargs = {}
            if layer._call_has_mask_arg and mask is not None:
                kwargs["mask"] = mask
            if training is not None and layer._call_has_training_arg:
                kwargs["training"] = training
            x = layer(x, **kwargs) if kwargs else layer(x)
            mask = getattr(x, "_keras_mask", None) if isinstance(x, torch.Tensor) else None
        return x

    def compute_output_spec(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._stack:
            x = layer.compute_output_spec(x)
        return x

    # --- shapes -------------------------------------------------------------------

    @property
    def input_shape(self):
        if self._input_layer is None:
            raise AttributeError(
                f"Sequential model '{self.name}' has no defined input shape yet."
            )
        return self._input_layer.batch_shape

    @property
    def output_shape(self):
        spec = getattr(self, "_output_spec", None)
        if spec is not None:
            return spec.shape
        if self._stack and self._stack[-1]._output_shape is not None:
            return self._stack[-1]._output_shape
        raise AttributeError(
            f"Sequential model '{self.name}' has no defined output shape yet."
        )

    @property
    def inputs(self):
        if self._input_layer is None:
            raise ValueError(f"Sequential model '{self.name}' has no defined inputs yet.")
        return [self._input_layer.output_tensor]

    @property
    def input(self):
        return self.inputs[0]

    @property
    def outputs(self):
        spec = getattr(self, "_output_spec", None)
        if spec is None:
            raise ValueError(f"Sequential model '{self.name}' has no defined outputs yet.")
        return [spec]

    @property
    def output(self):
        return self.outputs[0]

    # --- config ------------------------------------------------------------------

    def get_config(self) -> dict:
        from kerastorch.layers import serialize

        layer_configs = []
        if self._input_layer is not None:
            layer_configs.append(serialize(self._input_layer))
        layer_configs.extend(serialize(layer) for layer in self._stack)
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": self.dtype_policy.name,
            "layers": layer_configs,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from kerastorch.layers import deserialize

        config = dict(config)
        layer_configs = config.pop("layers")
        model = cls(
            name=config.get("name"),
            trainable=config.get("trainable", True),
        )
        for layer_config in layer_configs:
            model.add(deserialize(layer_config, custom_objects=custom_objects), rebuild=False)
        model._maybe_rebuild()
        return model
