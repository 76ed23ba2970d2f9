"""TimeDistributed: apply a layer to every timestep of a sequence."""

from __future__ import annotations

from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer
from kerastorch.utils import tree


class TimeDistributed(Layer):
    """Applies a layer to every temporal slice of an input.

    Inputs are `(batch, timesteps, ...)`; the wrapped layer sees
    `(batch * timesteps, ...)` in one call (a view of the input, no loop over
    time) and its output is reshaped back to `(batch, timesteps, ...)`. The
    same weights serve every timestep. A mask `(batch, timesteps)` is passed
    to the wrapped layer (flattened the same way) when its `call` takes one,
    and passed on unchanged.

    Args:
        layer: a `Layer` instance.

    Example:

    >>> layer = kerastorch.layers.TimeDistributed(kerastorch.layers.Dense(8))
    >>> layer(torch.rand(32, 10, 16)).shape
    torch.Size([32, 10, 8])
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `TimeDistributed` layer with a `Layer` instance. "
                f"Received: {layer!r}"
            )
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)

    @staticmethod
    def _merged_shape(input_shape: tuple) -> tuple:
        batch, timesteps = input_shape[0], input_shape[1]
        merged = (
            batch * timesteps if batch is not None and timesteps is not None else None
        )
        return (merged, *input_shape[2:])

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(
                f"`TimeDistributed` Layer '{self.name}' should be passed an input of "
                f"at least 3 dimensions. Received: input_shape={input_shape}"
            )
        if not self.layer.built:
            self.layer.build(self._merged_shape(input_shape))

    def call(self, inputs, training=None, mask=None):
        batch, timesteps = inputs.shape[0], inputs.shape[1]
        if mask is not None and tuple(mask.shape[:2]) != (batch, timesteps):
            raise ValueError(
                f"`TimeDistributed` Layer '{self.name}' got a mask of shape "
                f"{tuple(mask.shape)}, which does not match the input's first two "
                f"dimensions {(batch, timesteps)}."
            )
        # (batch * time, ...): a view when the input is contiguous.
        flat = inputs.reshape(batch * timesteps, *inputs.shape[2:])
        kwargs = {}
        if self.layer._call_has_training_arg and training is not None:
            kwargs["training"] = training
        if self.layer._call_has_mask_arg and mask is not None:
            kwargs["mask"] = mask.reshape(batch * timesteps, *mask.shape[2:])
        outputs = self.layer(flat, **kwargs)
        return tree.map_structure(
            lambda y: y.reshape(batch, timesteps, *y.shape[1:]), outputs
        )  # (batch, time, ...)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        child = self.layer.compute_output_shape((input_shape[0], *input_shape[2:]))
        return tree.map_shape_structure(
            lambda s: (input_shape[0], input_shape[1], *s[1:]), child
        )

    def get_config(self) -> dict:
        from kerastorch.layers.serialization import serialize

        config = super().get_config()
        config["layer"] = serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from kerastorch.layers.serialization import deserialize

        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)
