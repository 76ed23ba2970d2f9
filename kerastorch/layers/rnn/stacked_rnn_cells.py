"""StackedRNNCells: several RNN cells run as one, each feeding the next."""

from __future__ import annotations

import torch

from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.layers.layer import Layer
from kerastorch.utils import tree


class StackedRNNCells(Layer):
    """Wraps a list of RNN cells so that an `RNN` runs them as one stacked cell.

    At each timestep the first cell reads the input, each next cell reads the
    previous cell's output, and the last cell's output is the step output.
    The states are a list with one entry per cell (that cell's state or list
    of states).

    Args:
        cells: a list of RNN cells.

    Example:

    >>> cells = [kerastorch.layers.LSTMCell(8), kerastorch.layers.LSTMCell(4)]
    >>> layer = kerastorch.layers.RNN(kerastorch.layers.StackedRNNCells(cells))
    >>> layer(torch.ones(2, 5, 3)).shape
    torch.Size([2, 4])
    """

    def __init__(self, cells, **kwargs):
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError(
                f"`cells` must be a non-empty list of RNN cells. Received: cells={cells!r}"
            )
        for cell in cells:
            if not callable(getattr(cell, "call", None)):
                raise ValueError(
                    "All cells must have a `call` method. "
                    f"Received a cell without one: {cell!r}"
                )
            if getattr(cell, "state_size", None) is None:
                raise ValueError(
                    "All cells must have a `state_size` attribute. "
                    f"Received a cell without one: {cell!r}"
                )
        super().__init__(**kwargs)
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        if size is not None:
            return size
        return tree.flatten(last.state_size)[0]

    def get_initial_state(self, batch_size: int | None = None) -> list:
        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                init = fn(batch_size=batch_size)
                single = isinstance(cell.state_size, int)
                if single and tree.is_nested(init) and len(init) == 1:
                    # One state is a tensor, as `compute_output_shape` says.
                    init = init[0]
                states.append(init)
                continue
            dtype = to_torch_dtype(getattr(cell, "compute_dtype", self.compute_dtype))
            if isinstance(cell.state_size, int):
                states.append(torch.zeros((batch_size, cell.state_size), dtype=dtype))
            else:
                states.append(
                    [torch.zeros((batch_size, d), dtype=dtype) for d in cell.state_size]
                )
        return states

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
            output_dim = getattr(cell, "output_size", None)
            if output_dim is None:
                output_dim = tree.flatten(cell.state_size)[0]
            input_shape = (input_shape[0], output_dim)

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            was_list = tree.is_nested(cell_states)
            cell_states = list(cell_states) if was_list else [cell_states]
            kwargs = {}
            if isinstance(cell, Layer) and cell._call_has_training_arg:
                kwargs["training"] = training
            call = cell if callable(cell) else cell.call
            inputs, cell_states = call(inputs, cell_states, **kwargs)
            if not tree.is_nested(cell_states):
                cell_states = [cell_states]
            if len(cell_states) == 1 and not was_list:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        return inputs, new_states

    def get_config(self) -> dict:
        from kerastorch.layers.serialization import serialize

        config = super().get_config()
        config["cells"] = [serialize(cell) for cell in self.cells]
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from kerastorch.layers.serialization import deserialize

        config = dict(config)
        cells = [
            deserialize(c, custom_objects=custom_objects) for c in config.pop("cells")
        ]
        return cls(cells, **config)
