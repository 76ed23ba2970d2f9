"""The generic recurrent loop: call a cell once per timestep, honouring a mask.

Masked timesteps follow Keras 3 (`keras.src.backend.*.rnn`): the states are
carried through unchanged, and the output is the previous step's output
(zeros before the first valid step), or zeros when `zero_output_for_mask`.
With `go_backwards` the sequence (and its mask) is read from the end and the
outputs are returned in that processing order.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from kerastorch.layers.rnn._utils import expand_mask
from kerastorch.utils import tree


def rnn_loop(
    step: Callable,
    sequences: torch.Tensor,
    initial_states: list,
    mask: torch.Tensor | None = None,
    go_backwards: bool = False,
    zero_output_for_mask: bool = False,
    return_sequences: bool = True,
):
    """Run `step(input_t, states) -> (output_t, new_states)` over the time axis.

    Args:
        step: the cell step; `new_states` has the structure of `initial_states`.
        sequences: `(batch, timesteps, ...)`.
        initial_states: a (possibly nested) list of state tensors.
        mask: `(batch, timesteps)` booleans, `True` for valid steps, or `None`.
        go_backwards: process the sequence from its last step to its first.
        zero_output_for_mask: masked steps output zeros instead of repeating
            the previous output.
        return_sequences: collect the output of every step.

    Returns:
        `(last_output, outputs, states)`: outputs is `(batch, timesteps, ...)`
        in processing order, or `None` when `return_sequences` is False.
    """
    inputs = sequences.unbind(1)
    masks = mask.unbind(1) if mask is not None else None
    if go_backwards:
        inputs = inputs[::-1]
        masks = masks[::-1] if masks is not None else None
    states = initial_states
    flat_states = tree.flatten(states)
    outputs: list[torch.Tensor] = []
    output = prev_output = None
    for t, x_t in enumerate(inputs):
        output, new_states = step(x_t, states)
        flat_new = tree.flatten(new_states)
        if masks is not None:
            m = masks[t]
            if prev_output is None or zero_output_for_mask:
                prev_output = torch.zeros_like(output)
            output = torch.where(expand_mask(m, output), output, prev_output)
            flat_new = [
                torch.where(expand_mask(m, new), new, old)
                for new, old in zip(flat_new, flat_states)
            ]
        flat_states = flat_new
        states = tree.pack_sequence_as(initial_states, flat_new)
        prev_output = output
        if return_sequences:
            outputs.append(output)
    if not return_sequences:
        return output, None, states
    return output, torch.stack(outputs, dim=1), states  # outputs (batch, time, ...)
