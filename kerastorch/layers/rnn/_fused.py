"""The fused path: run a whole sequence through torch's RNN kernels (cuDNN on CUDA).

`torch.lstm`, `torch.gru`, `torch.rnn_tanh` and `torch.rnn_relu` are the ops
behind `nn.LSTM`/`nn.GRU`/`nn.RNN`; the layers hand them their Keras weights
converted to torch's layout. A right-padded mask (each row `True...False`)
becomes a `PackedSequence`, and the result is rearranged to what the generic
loop (`_loop.rnn_loop`) gives for the same mask, so both paths agree exactly;
any other mask returns `None` and the caller runs the loop.
"""

from __future__ import annotations

import torch
from torch.nn.utils.rnn import PackedSequence
from torch.nn.utils.rnn import pack_padded_sequence
from torch.nn.utils.rnn import pad_packed_sequence

_OPS = {
    "lstm": torch.lstm,
    "gru": torch.gru,
    "rnn_tanh": torch.rnn_tanh,
    "rnn_relu": torch.rnn_relu,
}


def _hidden(mode: str, states: list[torch.Tensor]):
    hx = [s.unsqueeze(0) for s in states]  # (1, batch, units): one layer, one direction
    return tuple(hx) if mode == "lstm" else hx[0]


def _unpack_hidden(mode: str, result) -> tuple[torch.Tensor, list[torch.Tensor]]:
    if mode == "lstm":
        out, h, c = result
        return out, [h.squeeze(0), c.squeeze(0)]
    out, h = result
    return out, [h.squeeze(0)]


def right_padded_lengths(mask: torch.Tensor):
    """`(lengths, lengths on the CPU)` if `mask` is right-padded, else `None`.

    One device-to-host copy carries both the check and the lengths that
    `pack_padded_sequence` needs on the CPU.
    """
    if mask.device.type == "meta":
        return None
    lengths = mask.sum(dim=1)  # (batch,)
    steps = torch.arange(mask.shape[1], device=mask.device)
    right_padded = (mask == (steps < lengths[:, None])).all()
    host = torch.cat([right_padded.view(1).to(lengths.dtype), lengths]).cpu()
    if not host[0]:
        return None
    return lengths, host[1:]


def run_fused(
    mode: str,
    sequences: torch.Tensor,
    initial_states: list[torch.Tensor],
    params: list[torch.Tensor],
    has_biases: bool,
    mask: torch.Tensor | None = None,
    go_backwards: bool = False,
    zero_output_for_mask: bool = False,
    return_sequences: bool = True,
):
    """`(last_output, outputs, states)` as `rnn_loop` would give, or `None` for an unusable mask.

    Args:
        mode: `"lstm"`, `"gru"`, `"rnn_tanh"` or `"rnn_relu"`.
        sequences: `(batch, timesteps, features)`.
        initial_states: `[h]`, or `[h, c]` for LSTM, each `(batch, units)`.
        params: `[w_ih, w_hh]` (+ `[b_ih, b_hh]` when `has_biases`) in torch's layout.
    """
    op = _OPS[mode]
    # cuDNN keeps what backward needs only in train mode.
    train = torch.is_grad_enabled()
    hx = _hidden(mode, initial_states)
    if mask is None:
        x = sequences.flip(1) if go_backwards else sequences
        outputs, final = _unpack_hidden(
            mode, op(x, hx, params, has_biases, 1, 0.0, train, False, True)
        )  # outputs (batch, time, units)
        return final[0], (outputs if return_sequences else None), final

    found = right_padded_lengths(mask)
    if found is None:
        return None
    lengths, host_lengths = found
    timesteps = mask.shape[1]
    steps = torch.arange(timesteps, device=mask.device)  # (time,)
    # Packing needs lengths >= 1: a fully masked row runs one step, then is overwritten.
    run_lengths = lengths.clamp(min=1)
    x = sequences
    if go_backwards:
        # Row b reads its valid steps last to first: x[b, L-1], ..., x[b, 0].
        index = (run_lengths[:, None] - 1 - steps).clamp(min=0)  # (batch, time)
        x = x.gather(1, index[..., None].expand(-1, -1, x.shape[-1]))
    packed = pack_padded_sequence(
        x, host_lengths.clamp(min=1), batch_first=True, enforce_sorted=False
    )
    hx_sorted = _hidden(
        mode, [s.index_select(0, packed.sorted_indices) for s in initial_states]
    )
    data, final = _unpack_hidden(
        mode,
        op(
            packed.data,
            packed.batch_sizes,
            hx_sorted,
            params,
            has_biases,
            1,
            0.0,
            train,
            False,
        ),
    )
    # (batch, units), back in the batch's order
    final = [h.index_select(0, packed.unsorted_indices) for h in final]
    empty = (lengths == 0)[:, None]  # (batch, 1): rows that never see a valid step
    final = [torch.where(empty, s0, h) for s0, h in zip(initial_states, final)]
    if zero_output_for_mask and not go_backwards:
        # The last step is masked unless the row is full: its output is then zeros.
        last_output = torch.where((lengths == timesteps)[:, None], final[0], 0)
    else:
        last_output = torch.where(empty, 0, final[0])
    if not return_sequences:
        return last_output, None, final

    padded, _ = pad_packed_sequence(
        PackedSequence(
            data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices
        ),
        batch_first=True,
        total_length=timesteps,
    )  # (batch, time, units), zeros past each row's length
    if zero_output_for_mask and not go_backwards:
        return last_output, torch.where(mask[..., None], padded, 0), final
    if go_backwards:
        # Masked steps come first in processing order, and output zeros.
        source = steps - (timesteps - lengths)[:, None]  # (batch, time)
        valid = source >= 0
    else:
        # Masked steps repeat the row's last valid output.
        source = torch.minimum(steps, run_lengths[:, None] - 1)
        valid = ~empty.expand(-1, timesteps)
    index = source.clamp(min=0)[..., None].expand(-1, -1, padded.shape[-1])
    outputs = torch.where(valid[..., None], padded.gather(1, index), 0)
    return last_output, outputs, final
