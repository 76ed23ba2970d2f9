"""Attention: dot-product (Luong-style) attention over `[query, value, key]`."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerastorch.layers.attention import _utils
from kerastorch.layers.layer import Layer


class Attention(Layer):
    """Dot-product attention layer, a.k.a. Luong-style attention.

    Inputs are a list `[query, value]` or `[query, value, key]` with shapes
    `(batch, Tq, dim)`, `(batch, Tv, value_dim)` and `(batch, Tv, dim)` (the
    key defaults to the value). The layer computes scores `(batch, Tq, Tv)`
    from query and key, a softmax over `Tv`, and the weighted sum of the
    values, `(batch, Tq, value_dim)`. In `"dot"` mode without requested scores
    the computation runs in `torch.nn.functional.scaled_dot_product_attention`.

    Args:
        use_scale: if `True`, a trainable scalar `scale` multiplies the scores.
            Defaults to `False`.
        score_mode: `"dot"` (query-key dot product) or `"concat"`
            (`concat_score_weight * sum(tanh(scale * (query + key)))`).
            Defaults to `"dot"`.
        dropout: fraction of the attention probabilities to drop in training.
            Defaults to `0.0`.
        seed: optional integer seed for the dropout. Defaults to `None`
            (torch's global generator).

    Call arguments:
        inputs: the list `[query, value]` or `[query, value, key]`.
        mask: the list `[query_mask, value_mask]` of bool tensors `(batch, Tq)`
            and `(batch, Tv)`. Defaults to the inputs' Keras masks. Outputs at
            masked query positions are zero; masked values get no attention.
        return_attention_scores: also return the probabilities
            `(batch, Tq, Tv)` (after masking and softmax). Defaults to `False`.
        training: whether dropout is active. Defaults to inference.
        use_causal_mask: forbid position `i` to attend to positions `j > i`.
            Defaults to `False`.

    Example:

    >>> query, value = torch.randn(2, 4, 8), torch.randn(2, 6, 8)
    >>> kerastorch.layers.Attention()([query, value]).shape
    torch.Size([2, 4, 8])
    """

    def __init__(
        self,
        use_scale: bool = False,
        score_mode: str = "dot",
        dropout: float = 0.0,
        seed: int | None = None,
        **kwargs,
    ):
        if score_mode not in ("dot", "concat"):
            raise ValueError(
                "Invalid value for argument score_mode. Expected one of "
                f"{{'dot', 'concat'}}. Received: score_mode={score_mode!r}"
            )
        dropout = _utils.check_dropout(dropout)
        seed_generator = _utils.make_seed_generator(seed, dropout)
        super().__init__(**kwargs)
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        self.seed_generator = seed_generator
        self.supports_masking = True

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        query_shape, key_shape = input_shape[0], input_shape[-1]
        if (
            query_shape[-1] is not None
            and key_shape[-1] is not None
            and (query_shape[-1] != key_shape[-1])
        ):
            raise ValueError(
                f"Layer '{self.name}' needs query and key with the same last "
                f"dimension. Received: query shape {tuple(query_shape)}, key shape "
                f"{tuple(key_shape)}"
            )
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones"
            )

    def _calculate_scores(self, query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
        """Scores `(batch, Tq, Tv)` of query `(batch, Tq, dim)` and key `(batch, Tv, dim)`."""
        if self.score_mode == "dot":
            scores = torch.matmul(query, key.transpose(-1, -2))  # (batch, Tq, Tv)
            return scores * self.scale if self.scale is not None else scores
        summed = query.unsqueeze(-2) + key.unsqueeze(-3)  # (batch, Tq, Tv, dim)
        if self.scale is not None:
            summed = self.scale * summed
        return self.concat_score_weight * torch.tanh(summed).sum(dim=-1)

    def _apply_scores(self, scores, value, scores_mask=None, training=None):
        """Masked softmax of `scores`, dropout, weighted sum of `value`.

        Returns the output `(batch, Tq, value_dim)` and the probabilities
        `(batch, Tq, Tv)` before dropout.
        """
        if scores_mask is not None:
            # Keras's offset (not -inf): a fully masked row averages the values.
            scores = scores - _utils.large_negative(scores) * (~scores_mask).to(
                scores.dtype
            )
        weights = torch.softmax(scores, dim=-1)
        dropped = weights
        if training and self.dropout > 0:
            dropped = _utils.dropout(weights, self.dropout, self.seed_generator)
        return torch.matmul(dropped, value), weights

    def call(
        self,
        inputs,
        mask=None,
        training=None,
        return_attention_scores: bool = False,
        use_causal_mask: bool = False,
    ):
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        device = query.device
        scores_mask = None
        if value_mask is not None:
            scores_mask = _utils.to_bool(value_mask, device).unsqueeze(
                -2
            )  # (batch, 1, Tv)
        causal = None
        if use_causal_mask:
            causal = _utils.causal_mask(query.shape[-2], value.shape[-2], device)
            causal = causal.unsqueeze(0)  # (1, Tq, Tv)

        fused = (
            self.score_mode == "dot"
            and type(self)._calculate_scores is Attention._calculate_scores
            and not return_attention_scores
            and not (training and self.dropout > 0 and self.seed_generator is not None)
        )
        if fused:
            result = self._fused_attention(
                query, key, value, scores_mask, causal, training
            )
            weights = None
        else:
            if causal is not None:
                scores_mask = causal if scores_mask is None else scores_mask & causal
            scores = self._calculate_scores(query, key)
            result, weights = self._apply_scores(scores, value, scores_mask, training)
        if query_mask is not None:
            query_mask = _utils.to_bool(query_mask, device).unsqueeze(
                -1
            )  # (batch, Tq, 1)
            result = result * query_mask.to(result.dtype)
        if return_attention_scores:
            return result, weights
        return result

    def _fused_attention(self, query, key, value, scores_mask, causal, training):
        """The `"dot"` scores through torch's SDPA kernel, with Keras's masking offset."""
        if self.scale is not None:
            query = query * self.scale  # scale * (q . k) == (scale * q) . k
        bias = None
        is_causal = causal is not None and scores_mask is None
        if scores_mask is not None:
            if causal is not None:
                scores_mask = scores_mask & causal
            offset = _utils.large_negative(query)
            bias = torch.zeros(
                scores_mask.shape, dtype=query.dtype, device=query.device
            )
            bias = bias.masked_fill(~scores_mask, -offset)  # (batch | 1, Tq | 1, Tv)
        dropout_p = self.dropout if training else 0.0
        return F.scaled_dot_product_attention(
            query,
            key,
            value,
            attn_mask=bias,
            dropout_p=dropout_p,
            is_causal=is_causal,
            scale=1.0,
        )  # (batch, Tq, value_dim)

    def compute_mask(self, inputs, previous_mask=None):
        self._validate_inputs(inputs, previous_mask)
        if not previous_mask or previous_mask[0] is None:
            return None
        return previous_mask[0]

    def _validate_inputs(self, inputs, mask=None) -> None:
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or any(
            x is None or isinstance(x, int)
            for x in inputs  # one shape, in `build`
        ):
            raise ValueError(
                f"{name} layer '{self.name}' must be called on a list of inputs, "
                f"namely [query, value] or [query, value, key]. Received: inputs={inputs}."
            )
        if not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{name} layer '{self.name}' accepts an inputs list of length 2 or 3, "
                "namely [query, value] or [query, value, key]. "
                f"Received length: {len(inputs)}."
            )
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(
                    f"{name} layer '{self.name}' mask must be a list, namely "
                    f"[query_mask, value_mask]. Received: mask={mask}."
                )
            if not 2 <= len(mask) <= 3:
                raise ValueError(
                    f"{name} layer '{self.name}' accepts a mask list of length 2 or 3. "
                    f"Received length: {len(mask)}."
                )

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "use_scale": self.use_scale,
                "score_mode": self.score_mode,
                "dropout": self.dropout,
                "seed": self.seed,
            }
        )
        return config
