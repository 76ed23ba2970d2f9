"""AdditiveAttention: Bahdanau-style attention over `[query, value, key]`."""

from __future__ import annotations

import torch

from kerastorch.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Additive attention layer, a.k.a. Bahdanau-style attention.

    Takes the same inputs, masks and call arguments as `Attention`. The
    scores are `sum(scale * tanh(query + key), axis=-1)`, shape
    `(batch, Tq, Tv)`, with a trainable `scale` vector of the query's last
    dimension when `use_scale=True`.

    Args:
        use_scale: if `True`, create the trainable `scale` of shape `(dim,)`
            (initialized `"glorot_uniform"`). Defaults to `True`.
        dropout: fraction of the attention probabilities to drop in training.
            Defaults to `0.0`.
        seed: optional integer seed for the dropout. Defaults to `None`.

    Example:

    >>> query, value = torch.randn(2, 4, 8), torch.randn(2, 6, 8)
    >>> kerastorch.layers.AdditiveAttention()([query, value]).shape
    torch.Size([2, 4, 8])
    """

    def __init__(
        self,
        use_scale: bool = True,
        dropout: float = 0.0,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        dim = input_shape[0][-1]
        key_dim = input_shape[-1][-1]
        if dim is None:
            raise ValueError(
                f"Layer '{self.name}' needs a known last query dimension. "
                f"Received: query shape {tuple(input_shape[0])}"
            )
        if key_dim is not None and key_dim != dim:
            raise ValueError(
                f"Layer '{self.name}' needs query and key with the same last "
                f"dimension. Received: query shape {tuple(input_shape[0])}, key "
                f"shape {tuple(input_shape[-1])}"
            )
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(
                name="scale", shape=(dim,), initializer="glorot_uniform"
            )

    def _calculate_scores(self, query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
        features = torch.tanh(
            query.unsqueeze(-2) + key.unsqueeze(-3)
        )  # (batch, Tq, Tv, dim)
        if self.scale is None:
            return features.sum(dim=-1)
        return torch.matmul(features, self.scale)  # (batch, Tq, Tv)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config
