"""DropoutRNNCell: dropout masks drawn once per sequence and reused at every step."""

from __future__ import annotations

import torch

from kerastorch import random as kt_random


class DropoutRNNCell:
    """Mixin for RNN cells with `dropout` and `recurrent_dropout` (as in Keras).

    The cell's first step of a sequence draws a mask for its inputs
    (`get_dropout_mask`) and one for its recurrent state
    (`get_recurrent_dropout_mask`); later steps reuse them, and the `RNN`
    layer resets them after each call. The class using it sets `dropout`,
    `recurrent_dropout` and `seed_generator` (a `SeedGenerator` or `None`),
    and may set `dropout_mask_count` (masks stacked on a leading axis, one
    per gate, as Keras's `implementation=1`).
    """

    _dropout_mask = None
    _recurrent_dropout_mask = None

    def _draw(self, like: torch.Tensor, rate: float) -> torch.Tensor:
        count = getattr(self, "dropout_mask_count", 1)
        if count > 1:
            # (count, batch, ...): one independent mask per gate.
            like = like.unsqueeze(0).expand(count, *like.shape)
        ones = torch.ones_like(like)
        return kt_random.dropout(ones, rate, seed=self.seed_generator)

    def get_dropout_mask(self, step_input: torch.Tensor) -> torch.Tensor | None:
        """The input dropout mask of the current sequence, shaped like `step_input`."""
        if self.dropout <= 0:
            return None
        if self._dropout_mask is None:
            self._dropout_mask = self._draw(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(
        self, step_state: torch.Tensor
    ) -> torch.Tensor | None:
        """The recurrent dropout mask of the current sequence, shaped like `step_state`."""
        if self.recurrent_dropout <= 0:
            return None
        if self._recurrent_dropout_mask is None:
            self._recurrent_dropout_mask = self._draw(
                step_state, self.recurrent_dropout
            )
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self) -> None:
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self) -> None:
        self._recurrent_dropout_mask = None
