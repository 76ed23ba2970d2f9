"""Bidirectional: run an RNN forwards and backwards over a sequence and merge the results."""

from __future__ import annotations

import torch

from kerastorch.layers.layer import Layer

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _with_prefix(name: str, prefix: str) -> str:
    return prefix + (name[len(prefix) :] if name.startswith(prefix) else name)


class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs.

    The wrapped layer is copied (from its config, with fresh weights) into a
    forward layer and a backward layer (`go_backwards=True`); their
    outputs are merged. With `return_sequences`, the backward output is
    reversed back into time order before merging, and masked timesteps
    output zeros (both layers get `zero_output_for_mask=True`).

    Args:
        layer: an `RNN` instance (`LSTM`, `GRU`, ...), or a layer with
            `go_backwards`, `return_sequences`, `return_state` and a config.
        merge_mode: how to combine the two outputs: `"concat"`, `"sum"`,
            `"mul"`, `"ave"`, or `None` (return both, as a tuple).
            Defaults to `"concat"`.
        weights: optional initial weights, the forward layer's followed by
            the backward layer's, set when the layer is built. Defaults to `None`.
        backward_layer: an optional layer for the backward direction; it must
            have the opposite `go_backwards` and the same `return_sequences`,
            `return_state` and `stateful` as `layer`. Defaults to `None`.

    Call arguments: as the wrapped layer's. An `initial_state` list is split
    in half: the first half for the forward layer, the rest for the backward.
    With `return_state`, the layer returns `(output, *forward_states,
    *backward_states)` (two outputs first when `merge_mode=None`).

    Example:

    >>> layer = kerastorch.layers.Bidirectional(kerastorch.layers.LSTM(4))
    >>> layer(torch.rand(2, 5, 3)).shape
    torch.Size([2, 8])
    """

    def __init__(
        self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs
    ):
        from kerastorch.layers.serialization import deserialize
        from kerastorch.layers.serialization import serialize

        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `Bidirectional` layer with a `Layer` instance. "
                f"Received: {layer!r}"
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                f"`backward_layer` needs to be a `Layer` instance. Received: {backward_layer!r}"
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                "Invalid merge mode. Merge mode should be one of "
                f'{{"sum", "mul", "ave", "concat", None}}. Received: merge_mode={merge_mode!r}'
            )
        super().__init__(**kwargs)
        # Fresh copies from the config: the wrapped instance's state is not carried over.
        config = serialize(layer)
        config["config"]["name"] = _with_prefix(layer.name, "forward_")
        self.forward_layer = deserialize(config)
        if backward_layer is None:
            config = serialize(layer)
            config["config"]["go_backwards"] = True
            config["config"]["name"] = _with_prefix(layer.name, "backward_")
            self.backward_layer = deserialize(config)
        else:
            self.backward_layer = backward_layer
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        # Optional initial weights (forward's, then backward's), set once built.
        self._initial_weights = list(weights) if weights else None
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify_layer_config(self) -> None:
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different "
                f"`go_backwards` values. Received: forward_layer.go_backwards="
                f"{fwd.go_backwards}, backward_layer.go_backwards={bwd.go_backwards}"
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr):
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same "
                    f"value for attribute `{attr}`. Received: {getattr(fwd, attr)} for "
                    f"the forward layer and {getattr(bwd, attr)} for the backward layer."
                )

    def build(self, sequences_shape):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(tuple(sequences_shape))
        if self._initial_weights is not None:
            half = len(self._initial_weights) // 2
            self.forward_layer.set_weights(self._initial_weights[:half])
            self.backward_layer.set_weights(self._initial_weights[half:])
            self._initial_weights = None

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if self.forward_layer._call_has_training_arg:
            kwargs["training"] = training
        if self.forward_layer._call_has_mask_arg and mask is not None:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = y_rev.flip(1)  # back into time order
        if self.merge_mode == "concat":
            output = torch.cat([y, y_rev], dim=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if self.return_state:
            return (*output, *states) if self.merge_mode is None else (output, *states)
        return output

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(tuple(sequences_shape))
        state_shapes = ()
        if self.return_state:
            shape, state_shapes = shape[0], tuple(shape[1:])
        if self.merge_mode == "concat":
            shape = (*shape[:-1], shape[-1] * 2)
        if self.merge_mode is None:
            outputs = (tuple(shape), tuple(shape))
        else:
            outputs = (tuple(shape),)
        if self.return_state:
            return (*outputs, *state_shapes, *state_shapes)
        return outputs if self.merge_mode is None else outputs[0]

    def compute_mask(self, inputs, previous_mask):
        mask = (
            previous_mask[0]
            if isinstance(previous_mask, (list, tuple))
            else previous_mask
        )
        output_mask = mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            n_states = (
                len(self.forward_layer.state_size)
                if hasattr(self.forward_layer, "state_size")
                else 0
            )
            masks += [None] * (2 * n_states)
        if len(masks) == 1:
            return masks[0]
        return masks

    @property
    def states(self):
        fwd, bwd = self.forward_layer.states, self.backward_layer.states
        if fwd is not None and bwd is not None:
            return tuple(fwd) + tuple(bwd)
        return None

    def reset_state(self) -> None:
        if not self.stateful:
            raise AttributeError(
                f"Layer '{self.name}' must be stateful to reset its state."
            )
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self) -> None:
        """Alias of `reset_state`."""
        self.reset_state()

    def get_config(self) -> dict:
        from kerastorch.layers.serialization import serialize

        config = super().get_config()
        config.update(
            {
                "merge_mode": self.merge_mode,
                "layer": serialize(self.forward_layer),
                "backward_layer": serialize(self.backward_layer),
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from kerastorch.layers.serialization import deserialize

        config = dict(config)
        config["layer"] = deserialize(config["layer"], custom_objects=custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = deserialize(
                backward, custom_objects=custom_objects
            )
        return cls(**config)
