"""GroupedQueryAttention: query heads share fewer key/value heads (Ainslie et al., 2023)."""

from __future__ import annotations

import math

import torch

from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.layers.attention import _utils
from kerastorch.layers.core.einsum_dense import EinsumDense
from kerastorch.layers.layer import Layer


class GroupedQueryAttention(Layer):
    """Grouped-query attention (`keras.layers.GroupQueryAttention`).

    `num_key_value_heads` key/value heads are each shared by
    `num_query_heads // num_key_value_heads` query heads (query head `u` uses
    key/value head `u // (num_query_heads // num_key_value_heads)`). One
    key/value head is multi-query attention; as many as query heads is
    multi-head attention. The projections are `EinsumDense` sublayers `query`
    (kernel `(dim, num_query_heads, head_dim)`), `key` and `value` (kernels
    `(dim, num_key_value_heads, head_dim)`) and `attention_output` (kernel
    `(num_query_heads, head_dim, dim)`). Without requested scores the
    attention runs in torch's SDPA with `enable_gqa`, so the key/value heads
    are never copied.

    Args:
        head_dim: size of each attention head.
        num_query_heads: number of query heads.
        num_key_value_heads: number of key/value heads; must divide
            `num_query_heads`.
        dropout: dropout rate on the attention probabilities, in training.
            Defaults to `0.0`.
        use_bias: whether the projections have biases. Defaults to `True`.
        flash_attention: `None` lets torch pick its fastest kernel; `True` does
            the same and refuses `return_attention_scores=True`; `False` keeps
            torch off its flash kernel. Defaults to `None`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer, bias_regularizer, activity_regularizer: for the
            projection sublayers. Defaults to `None`.
        kernel_constraint, bias_constraint: Defaults to `None`.
        seed: optional integer seed for the dropout. Defaults to `None`.

    Call arguments: as `MultiHeadAttention` (`query (B, T, dim)`,
    `value (B, S, dim)`, optional `key`, masks, `attention_mask`,
    `return_attention_scores`, `training`, `use_causal_mask`); the scores have
    shape `(B, num_query_heads, T, S)`.

    Example:

    >>> layer = kerastorch.layers.GroupQueryAttention(
    ...     head_dim=8, num_query_heads=4, num_key_value_heads=2)
    >>> layer(torch.randn(2, 5, 16), torch.randn(2, 7, 16)).shape
    torch.Size([2, 5, 16])
    """

    def __init__(
        self,
        head_dim: int,
        num_query_heads: int,
        num_key_value_heads: int,
        dropout: float = 0.0,
        use_bias: bool = True,
        flash_attention: bool | None = None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        seed: int | None = None,
        **kwargs,
    ):
        _utils.check_positive_int(head_dim, "head_dim")
        _utils.check_positive_int(num_query_heads, "num_query_heads")
        _utils.check_positive_int(num_key_value_heads, "num_key_value_heads")
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError(
                "`num_query_heads` must be divisible by `num_key_value_heads`. "
                f"Received: num_query_heads={num_query_heads}, "
                f"num_key_value_heads={num_key_value_heads}"
            )
        dropout = _utils.check_dropout(dropout)
        if flash_attention not in (None, True, False):
            raise ValueError(
                "`flash_attention` must be None, True or False. "
                f"Received: flash_attention={flash_attention!r}"
            )
        seed_generator = _utils.make_seed_generator(seed, dropout)
        super().__init__(**kwargs)
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = bool(use_bias)
        self._flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._seed_generator = seed_generator
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))
        # b batch, q query length, k key length, m model dim, u query heads,
        # v key/value heads, h head dim.
        self._dot_product_equation = "bquh,bkuh->buqk"
        self._combine_equation = "buqk,bkuh->bquh"

    def build(self, query_shape, value_shape, key_shape=None):
        """Create the four projections from the input shapes."""
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        for arg, shape in (
            ("query", query_shape),
            ("value", value_shape),
            ("key", key_shape),
        ):
            if len(shape) != 3 or shape[-1] is None:
                raise ValueError(
                    f"Layer '{self.name}' needs a 3D `{arg}` (batch, seq, features) "
                    f"with known features. Received: {arg}_shape={shape}"
                )
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be "
                f"equal. Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        self.feature_dim = query_shape[-1]
        q_heads, kv_heads = self.num_query_heads, self.num_key_value_heads
        self._query_dense = self._projection(
            "bqm,muh->bquh", (None, q_heads, self.head_dim), "uh", "query"
        )
        self._query_dense.build(query_shape)
        self._key_dense = self._projection(
            "bkm,mvh->bkvh", (None, kv_heads, self.head_dim), "vh", "key"
        )
        self._key_dense.build(key_shape)
        self._value_dense = self._projection(
            "bkm,mvh->bkvh", (None, kv_heads, self.head_dim), "vh", "value"
        )
        self._value_dense.build(value_shape)
        self._output_dense = self._projection(
            "bquh,uhm->bqm", (None, self.feature_dim), "m", "attention_output"
        )
        self._output_dense.build((None, None, q_heads, self.head_dim))

    def _projection(self, equation: str, output_shape, bias_axes: str, name: str):
        return EinsumDense(
            equation,
            output_shape=output_shape,
            bias_axes=bias_axes if self.use_bias else None,
            name=name,
            kernel_initializer=self.kernel_initializer,
            bias_initializer=self.bias_initializer,
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            activity_regularizer=self._activity_regularizer,
            kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint,
            dtype=self.dtype_policy,
        )

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores: bool = False,
        training=None,
        use_causal_mask: bool = False,
    ):
        value, key, mask = _utils.prepare_inputs(
            query,
            value,
            key,
            query_mask,
            value_mask,
            key_mask,
            attention_mask,
            return_attention_scores,
            self._flash_attention,
        )  # (B | 1, T | 1, S) or None
        q = self._query_dense(query)  # (B, T, num_query_heads, head_dim)
        k = self._key_dense(key)  # (B, S, num_key_value_heads, head_dim)
        v = self._value_dense(value)  # (B, S, num_key_value_heads, head_dim)
        dropout_on = bool(training) and self.dropout > 0
        causal = None
        if use_causal_mask:
            causal = _utils.causal_mask(q.shape[1], k.shape[1], q.device)  # (T, S)
        if return_attention_scores or (dropout_on and self._seed_generator is not None):
            if causal is not None:
                mask = causal if mask is None else mask & causal
            output, scores = self._explicit_attention(q, k, v, mask, dropout_on)
        else:
            is_causal = causal is not None and mask is None
            if causal is not None and mask is not None:
                mask = mask & causal
            if mask is not None:
                mask = _utils.expand_mask(mask, 4, 1)  # (B | 1, 1, T | 1, S)
            output = _utils.sdpa(
                q.transpose(1, 2),
                k.transpose(1, 2),
                v.transpose(1, 2),
                mask,
                dropout_p=self.dropout if dropout_on else 0.0,
                is_causal=is_causal,
                scale=self._inverse_sqrt_head_dim,
                flash_attention=self._flash_attention,
                enable_gqa=self.num_repeats > 1,
            ).transpose(1, 2)  # (B, T, num_query_heads, head_dim)
            scores = None
        output = self._output_dense(output)  # (B, T, dim)
        if return_attention_scores:
            return output, scores
        return output

    def _explicit_attention(self, query, key, value, mask, dropout_on):
        """softmax(q k^T / sqrt(head_dim)) v with the key/value heads repeated per group."""
        key = key.repeat_interleave(
            self.num_repeats, dim=2
        )  # (B, S, num_query_heads, H)
        value = value.repeat_interleave(self.num_repeats, dim=2)
        query = query * self._inverse_sqrt_head_dim
        scores = torch.einsum(self._dot_product_equation, query, key)  # (B, Nq, T, S)
        if mask is not None:
            mask = _utils.expand_mask(mask, 4, 1)
        probs = _utils.masked_softmax(scores, mask)
        dropped = probs
        if dropout_on:
            dropped = _utils.dropout(probs, self.dropout, self._seed_generator)
        return torch.einsum(self._combine_equation, dropped, value), probs

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "head_dim": self.head_dim,
                "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads,
                "use_bias": self.use_bias,
                "dropout": self.dropout,
                "flash_attention": self._flash_attention,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(
                    self._activity_regularizer
                ),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "seed": self.seed,
            }
        )
        return config


GroupQueryAttention = GroupedQueryAttention
