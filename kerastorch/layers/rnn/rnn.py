"""RNN: the base recurrent layer, running a cell over the time axis."""

from __future__ import annotations

import torch

from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer
from kerastorch.layers.rnn import _fused
from kerastorch.layers.rnn._loop import rnn_loop
from kerastorch.layers.rnn._utils import check_bool
from kerastorch.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from kerastorch.layers.rnn.stacked_rnn_cells import StackedRNNCells
from kerastorch.utils import tree


class RNN(Layer):
    """Base class for recurrent layers: runs a cell over the timesteps of a sequence.

    A cell is a layer with a `state_size` attribute (an int, or a list of
    ints, one per state), optionally `output_size`, and
    `call(inputs, states) -> (output, new_states)` for one timestep
    (`inputs` `(batch, features)`, `states` a list of `(batch, size)`). It may
    define `get_initial_state(batch_size)`; otherwise the states start at zero.
    A list of cells is stacked with `StackedRNNCells`.

    Masks (from `Embedding(mask_zero=True)`, `Masking`, or `mask=`) are
    honoured as in Keras: at a masked timestep the states are carried over
    unchanged and the output repeats the previous output (zeros before the
    first valid step, or always zeros with `zero_output_for_mask=True`).

    Args:
        cell: an RNN cell, or a list of cells (stacked).
        return_sequences: return the output of every timestep
            `(batch, timesteps, units)` instead of the last `(batch, units)`.
            Defaults to `False`.
        return_state: also return the final states: the layer returns
            `(output, *states)`. Defaults to `False`.
        go_backwards: process the sequence from its end; the returned
            sequence is in that reversed order. Defaults to `False`.
        stateful: the final states of a batch are the initial states of the
            next one (sample `i` to sample `i`); needs a fixed batch size.
            `reset_state()` zeroes them. Defaults to `False`.
        unroll: accepted for Keras compatibility; the loop is always a
            Python loop over timesteps (or torch's fused kernel), so it has
            no effect. Defaults to `False`.
        zero_output_for_mask: masked timesteps output zeros instead of the
            previous output. Defaults to `False` (`Bidirectional` sets it to
            `return_sequences`).

    Call arguments:
        sequences: `(batch, timesteps, features)`.
        initial_state: a tensor or list of tensors, the initial states.
            Defaults to zeros (or the carried states when `stateful`).
        mask: `(batch, timesteps)` booleans, `True` for valid steps.
        training: whether dropout is active.

    Example:

    >>> cell = kerastorch.layers.SimpleRNNCell(4)
    >>> layer = kerastorch.layers.RNN(cell, return_sequences=True)
    >>> layer(torch.ones(2, 5, 3)).shape
    torch.Size([2, 5, 4])
    """

    def __init__(
        self,
        cell,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        **kwargs,
    ):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(
                f"Argument `cell` should have a `call` method. Received: cell={cell!r}"
            )
        state_size = getattr(cell, "state_size", None)
        if state_size is None:
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (an integer, "
                f"or a list of integers, one per state). Received: cell={cell!r}"
            )
        if not isinstance(state_size, (int, list, tuple)):
            raise ValueError(
                "`state_size` must be an integer or a list/tuple of integers. "
                f"Received: state_size={state_size!r}"
            )
        for name, value in (
            ("return_sequences", return_sequences),
            ("return_state", return_state),
            ("go_backwards", go_backwards),
            ("stateful", stateful),
            ("unroll", unroll),
            ("zero_output_for_mask", zero_output_for_mask),
        ):
            check_bool(value, name)
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)
        self._state_names: list[str] | None = None
        # "auto": torch's fused kernel when the configuration allows it;
        # False: always the per-step loop; True: the fused kernel or an error.
        self._use_fused = "auto"

    # --- building and states -------------------------------------------------------

    def build(self, sequences_shape):
        sequences_shape = tuple(sequences_shape)
        step_shape = (sequences_shape[0], *sequences_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
        if self.stateful:
            if sequences_shape[0] is None:
                raise ValueError(
                    f"Layer '{self.name}' is stateful (`stateful=True`), so the "
                    "batch size must be static. Pass `batch_size=...` to your "
                    f"`Input`. Received: sequences.shape={sequences_shape}"
                )
            self._create_state_buffers(sequences_shape[0])

    def get_initial_state(self, batch_size: int) -> list:
        """The states at the start of a sequence: the cell's, or zeros of `state_size`."""
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            init = fn(batch_size=batch_size)
            return list(init) if tree.is_nested(init) else [init]
        dtype = to_torch_dtype(getattr(self.cell, "compute_dtype", self.compute_dtype))
        return [torch.zeros((batch_size, d), dtype=dtype) for d in self.state_size]

    def _create_state_buffers(self, batch_size: int) -> None:
        device = next(iter(self.parameters()), torch.zeros(())).device
        flat = tree.flatten(self.get_initial_state(batch_size))
        self._state_names = []
        for i, value in enumerate(flat):
            name = f"rnn_state_{i}"
            # Non-persistent buffers: moved by `.to()`, outside weights and state_dict.
            self.register_buffer(
                name, value.detach().to(device).clone(), persistent=False
            )
            self._state_names.append(name)

    @property
    def states(self):
        """The carried states of a stateful layer (in the initial-state structure), or `None`."""
        if self._state_names is None:
            return None
        flat = [getattr(self, n) for n in self._state_names]
        return tree.pack_sequence_as(self.get_initial_state(1), flat)

    def reset_state(self) -> None:
        """Zero the carried states of a stateful layer."""
        if self._state_names is None:
            return
        with torch.no_grad():
            for name in self._state_names:
                getattr(self, name).zero_()

    def reset_states(self) -> None:
        """Alias of `reset_state`."""
        self.reset_state()

    def _carried_states(self, batch_size: int, like: torch.Tensor) -> list:
        if self._state_names is None:
            self._create_state_buffers(batch_size)
        flat = [getattr(self, n) for n in self._state_names]
        if flat and flat[0].shape[0] != batch_size:
            raise ValueError(
                f"Layer '{self.name}' is stateful with batch size {flat[0].shape[0]}, "
                f"but received a batch of {batch_size} samples. Stateful RNNs need "
                "every batch to have the same size (use `shuffle=False` and a "
                "sample count divisible by the batch size)."
            )
        # Copies: the kernels keep their inputs for backward, and the buffers
        # are overwritten in place after the call.
        flat = [
            s.detach().to(device=like.device, dtype=like.dtype).clone() for s in flat
        ]
        return tree.pack_sequence_as(self.get_initial_state(1), flat)

    # --- calling -------------------------------------------------------------------

    def call(self, sequences, initial_state=None, mask=None, training=None):
        if sequences.dim() < 3:
            raise ValueError(
                f"Layer '{self.name}' expects inputs of shape (batch, timesteps, "
                f"...), but received shape {tuple(sequences.shape)}."
            )
        if sequences.shape[1] == 0:
            raise ValueError(
                f"Layer '{self.name}' received a sequence with 0 timesteps: "
                f"shape {tuple(sequences.shape)}."
            )
        compute_dtype = to_torch_dtype(self.compute_dtype)
        if sequences.dtype != compute_dtype:
            # Integer ids, float64 data, mixed-precision policies.
            sequences = sequences.to(compute_dtype)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is not None:
            mask = mask.to(device=sequences.device, dtype=torch.bool)
        batch_size = sequences.shape[0]
        if initial_state is None:
            if self.stateful:
                initial_state = self._carried_states(batch_size, sequences)
            else:
                initial_state = self.get_initial_state(batch_size)
        initial_state = self._standardize_initial_state(initial_state, sequences)
        try:
            last_output, outputs, states = self._inner_loop(
                sequences, initial_state, mask, bool(training)
            )
        finally:
            _reset_dropout_masks(self.cell)
        if self.stateful:
            with torch.no_grad():
                for name, value in zip(self._state_names, tree.flatten(states)):
                    getattr(self, name).copy_(value.detach())
        output = outputs if self.return_sequences else last_output
        if output.dtype != compute_dtype:
            # Under autocast the cell's ops may have produced float32.
            output = output.to(compute_dtype)
            states = tree.map_structure(lambda s: s.to(compute_dtype), states)
        if self.return_state:
            return (output, *states)
        return output

    def _standardize_initial_state(
        self, initial_state, sequences: torch.Tensor
    ) -> list:
        if not tree.is_nested(initial_state):
            initial_state = [initial_state]
        initial_state = list(initial_state)
        expected = len(tree.flatten(self.state_size))
        received = len(tree.flatten(initial_state))
        if received != expected:
            raise ValueError(
                f"Layer '{self.name}' expects {expected} initial state tensor(s) "
                f"(state_size={self.state_size}), but received {received}."
            )
        dtype = sequences.dtype

        def convert(s):
            s = torch.as_tensor(s)
            return s.to(device=sequences.device, dtype=dtype)

        return tree.map_structure(convert, initial_state)

    def _inner_loop(self, sequences, initial_state, mask, training: bool):
        """`(last_output, outputs or None, states)`: the fused kernel if possible, else the loop."""
        # Under torch.compile the loop is traced instead: inductor cannot lower
        # the CPU (oneDNN) RNN kernel when its weights are views of our
        # Keras-layout variables, and Keras also avoids cuDNN while compiling.
        compiling = torch.compiler.is_compiling()
        use_fused = self._use_fused is not False and not compiling
        fused = self._fused_spec(training) if use_fused else None
        if fused is not None:
            mode, params, has_biases = fused
            x = sequences
            dropout_mask = self._input_dropout_mask(sequences, training)
            if dropout_mask is not None:
                x = x * dropout_mask[:, None]  # same mask at every timestep
            result = _fused.run_fused(
                mode,
                x,
                tree.flatten(initial_state),
                [p.to(x.dtype) for p in params],
                has_biases,
                mask=mask,
                go_backwards=self.go_backwards,
                zero_output_for_mask=self.zero_output_for_mask,
                return_sequences=self.return_sequences,
            )
            if result is not None:
                return result
        if self._use_fused is True and not compiling:
            raise ValueError(
                f"Layer '{self.name}' was created with `use_cudnn=True`, but its "
                "configuration or mask cannot use torch's fused kernel (it needs "
                "the default activations, no recurrent dropout in training, "
                "`reset_after=True` for GRU, and no mask or a right-padded one). "
                "Pass `use_cudnn='auto'` to fall back to the per-step loop."
            )
        cell_kwargs = {}
        if isinstance(self.cell, Layer) and self.cell._call_has_training_arg:
            cell_kwargs["training"] = training
        call_cell = self.cell if callable(self.cell) else self.cell.call

        def step(x_t, states):
            output, new_states = call_cell(x_t, states, **cell_kwargs)
            if not tree.is_nested(new_states):
                new_states = [new_states]
            return output, new_states

        return rnn_loop(
            step,
            sequences,
            initial_state,
            mask=mask,
            go_backwards=self.go_backwards,
            zero_output_for_mask=self.zero_output_for_mask,
            return_sequences=self.return_sequences,
        )

    def _fused_spec(self, training: bool):
        """`(mode, torch-layout params, has_biases)` when the fused kernel applies, else None.

        Overridden by `SimpleRNN`, `LSTM` and `GRU`; a generic cell always loops.
        """
        return None

    def _input_dropout_mask(self, sequences: torch.Tensor, training: bool):
        cell = self.cell
        if (
            not training
            or not isinstance(cell, DropoutRNNCell)
            or not 0 < cell.dropout < 1
        ):
            return None
        return cell.get_dropout_mask(sequences[:, 0])

    # --- shapes, masks, config ---------------------------------------------------------

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        batch_size, length = sequences_shape[0], sequences_shape[1]
        states_shape = []
        for size in self.state_size:
            if isinstance(size, int):
                states_shape.append((batch_size, size))
            else:
                states_shape.append([(batch_size, s) for s in size])
        output_size = getattr(self.cell, "output_size", None)
        if output_size is None:
            output_size = tree.flatten(self.state_size)[0]
        if self.return_sequences:
            output_shape = (batch_size, length, output_size)
        else:
            output_shape = (batch_size, output_size)
        if self.return_state:
            return (output_shape, *states_shape)
        return output_shape

    def compute_mask(self, inputs, previous_mask):
        mask = tree.flatten(previous_mask)[0] if previous_mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    def get_config(self) -> dict:
        from kerastorch.layers.serialization import serialize

        config = super().get_config()
        config.update(
            {
                "return_sequences": self.return_sequences,
                "return_state": self.return_state,
                "go_backwards": self.go_backwards,
                "stateful": self.stateful,
                "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask,
                "cell": serialize(self.cell),
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from kerastorch.layers.serialization import deserialize

        config = dict(config)
        cell = deserialize(config.pop("cell"), custom_objects=custom_objects)
        return cls(cell, **config)


def _reset_dropout_masks(cell) -> None:
    if isinstance(cell, DropoutRNNCell):
        cell.reset_dropout_mask()
        cell.reset_recurrent_dropout_mask()
    if isinstance(cell, StackedRNNCells):
        for c in cell.cells:
            _reset_dropout_masks(c)
