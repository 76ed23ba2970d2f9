"""MultiHeadAttention: projected multi-head dot-product attention (Vaswani et al., 2017)."""

from __future__ import annotations

import math
import string

import torch

from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.layers.attention import _utils
from kerastorch.layers.core.einsum_dense import EinsumDense
from kerastorch.layers.layer import Layer

_LETTERS = string.ascii_lowercase


class MultiHeadAttention(Layer):
    """Multi-head attention, with Keras's weight layout.

    `query`, `key` and `value` are projected by `EinsumDense` sublayers named
    `query`, `key` and `value` (kernels `(dim, num_heads, key_dim)`, biases
    `(num_heads, key_dim)`); each head computes
    `softmax(q k^T / sqrt(key_dim)) v`; the heads are projected back by the
    `attention_output` sublayer (kernel `(num_heads, value_dim, dim)`).
    Without requested scores and with the default attention axes, the
    attention runs in `torch.nn.functional.scaled_dot_product_attention`
    (flash / memory-efficient kernels); otherwise it is computed explicitly.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value. Defaults to `key_dim`.
        dropout: dropout rate on the attention probabilities, in training.
            Defaults to `0.0`.
        use_bias: whether the projections have biases. Defaults to `True`.
        output_shape: the output's shape besides the batch and attention axes
            (an int or a tuple). Defaults to the query's last dimension.
        attention_axes: the query axes attention runs over (ints, counted on
            the query input; negative ones from its end). Defaults to all axes
            but the batch and the features.
        flash_attention: `None` lets torch pick its fastest kernel; `True` does
            the same and refuses `return_attention_scores=True`; `False` keeps
            torch off its flash kernel. Defaults to `None`.
        kernel_initializer: Defaults to `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        kernel_regularizer, bias_regularizer, activity_regularizer: for the
            projection sublayers. Defaults to `None`.
        kernel_constraint, bias_constraint: Defaults to `None`.
        seed: optional integer seed for the dropout. Defaults to `None`
            (torch's global generator).

    Call arguments:
        query: `(B, T, dim)`. value: `(B, S, dim)`. key: optional `(B, S, dim)`;
            defaults to `value`.
        query_mask, value_mask, key_mask: bool `(B, T)` / `(B, S)`; default to
            the Keras masks of `query`, `value` and `key` (e.g. from
            `Embedding(mask_zero=True)`).
        attention_mask: bool `(B, T, S)` (broadcastable), `True` = may attend.
        return_attention_scores: also return the probabilities
            `(B, num_heads, T, S)`. Defaults to `False`.
        training: whether dropout is active. Defaults to inference.
        use_causal_mask: forbid position `i` to attend to positions `j > i`.
            Defaults to `False`.

    Example:

    >>> layer = kerastorch.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    >>> target, source = torch.randn(3, 8, 16), torch.randn(3, 4, 16)
    >>> output, scores = layer(target, source, return_attention_scores=True)
    >>> output.shape, scores.shape
    (torch.Size([3, 8, 16]), torch.Size([3, 2, 8, 4]))
    """

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape=None,
        attention_axes=None,
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
        _utils.check_positive_int(num_heads, "num_heads")
        _utils.check_positive_int(key_dim, "key_dim")
        if value_dim is not None:
            _utils.check_positive_int(value_dim, "value_dim")
        dropout = _utils.check_dropout(dropout)
        output_shape = _check_output_shape(output_shape)
        attention_axes = _check_attention_axes(attention_axes)
        if flash_attention not in (None, True, False):
            raise ValueError(
                "`flash_attention` must be None, True or False. "
                f"Received: flash_attention={flash_attention!r}"
            )
        seed_generator = _utils.make_seed_generator(seed, dropout)
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim or key_dim
        self._dropout = dropout
        self._use_bias = bool(use_bias)
        self._partial_output_shape = output_shape
        self._attention_axes = attention_axes
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._seed_generator = seed_generator
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))

    # Keras's read-only views of the configuration.
    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    def build(self, query_shape, value_shape, key_shape=None):
        """Create the four projections from the input shapes."""
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        rank = len(query_shape)
        if rank < 3:
            raise ValueError(
                f"Layer '{self.name}' needs a query of rank 3 or more "
                f"(batch, ..., features). Received: query_shape={query_shape}"
            )
        if len(value_shape) != rank or len(key_shape) != rank:
            raise ValueError(
                f"Layer '{self.name}' needs query, value and key of the same rank. "
                f"Received: query_shape={query_shape}, value_shape={value_shape}, "
                f"key_shape={key_shape}"
            )
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be "
                f"equal. Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        for arg, shape in (
            ("query", query_shape),
            ("value", value_shape),
            ("key", key_shape),
        ):
            if shape[-1] is None:
                raise ValueError(
                    f"Layer '{self.name}' needs a known last dimension for `{arg}`. "
                    f"Received: {arg}_shape={shape}"
                )
        self._attn_axes = _normalize_axes(self._attention_axes, rank, self.name)
        # The fused kernel flattens the attention axes: it needs all of them, in order.
        self._fused_ok = self._attn_axes == tuple(range(1, rank - 1))
        self._dot_product_equation, self._combine_equation = _attention_equations(
            rank + 1, self._attn_axes
        )

        heads = [self._num_heads, self._key_dim]
        self._query_dense = self._projection(rank - 1, 1, heads, "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._projection(rank - 1, 1, heads, "key")
        self._key_dense.build(key_shape)
        self._value_dense = self._projection(
            rank - 1, 1, [self._num_heads, self._value_dim], "value"
        )
        self._value_dense.build(value_shape)
        out_dims = list(self._partial_output_shape or [query_shape[-1]])
        self._output_dense = self._projection(rank - 1, 2, out_dims, "attention_output")
        self._output_dense.build((*query_shape[:-1], self._num_heads, self._value_dim))

    def _projection(self, free_dims: int, bound_dims: int, out_dims: list, name: str):
        """An `EinsumDense` mapping `bound_dims` input axes to `out_dims`, as Keras builds it."""
        equation, bias_axes = _projection_equation(free_dims, bound_dims, len(out_dims))
        return EinsumDense(
            equation,
            output_shape=[None] * (free_dims - 1) + list(out_dims),
            bias_axes=bias_axes if self._use_bias else None,
            name=name,
            kernel_initializer=self._kernel_initializer,
            bias_initializer=self._bias_initializer,
            kernel_regularizer=self._kernel_regularizer,
            bias_regularizer=self._bias_regularizer,
            activity_regularizer=self._activity_regularizer,
            kernel_constraint=self._kernel_constraint,
            bias_constraint=self._bias_constraint,
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
        )
        q = self._query_dense(query)  # (B, *T, N, key_dim)
        k = self._key_dense(key)  # (B, *S, N, key_dim)
        v = self._value_dense(value)  # (B, *S, N, value_dim)
        extra = {"use_causal_mask": True} if use_causal_mask else {}
        # (B, *T, N, value_dim), then (B, *T, *output_shape)
        output, scores = self._compute_attention(
            q, k, v, mask, training, return_attention_scores, **extra
        )
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def _compute_attention(
        self,
        query,
        key,
        value,
        attention_mask=None,
        training=None,
        return_attention_scores: bool = False,
        use_causal_mask: bool = False,
    ):
        """Attention of projected heads; override to customize (Keras's hook).

        Args:
            query: `(B, *T, N, key_dim)`. key: `(B, *S, N, key_dim)`.
            value: `(B, *S, N, value_dim)`.
            attention_mask: bool, broadcastable to `(B, *T, *S)` or `None`.
            use_causal_mask: add the causal mask (passed only when `True`).

        Returns:
            `(output (B, *T, N, value_dim), probabilities or None)`.
        """
        num_axes = len(self._attn_axes)
        dropout_on = bool(training) and self._dropout > 0
        if use_causal_mask:
            if num_axes != 1:
                raise ValueError(
                    f"Layer '{self.name}': `use_causal_mask=True` needs exactly one "
                    f"attention axis. Received: attention_axes={self._attention_axes}"
                )
            axis = self._attn_axes[0]
            causal = _utils.causal_mask(
                query.shape[axis], key.shape[axis], query.device
            )
        fused = (
            self._fused_ok
            and not return_attention_scores
            and not (dropout_on and self._seed_generator is not None)
        )
        if fused:
            is_causal = use_causal_mask and attention_mask is None
            if use_causal_mask and not is_causal:
                attention_mask = attention_mask & causal
            return self._fused_attention(
                query, key, value, attention_mask, dropout_on, is_causal
            ), None
        if use_causal_mask:
            attention_mask = (
                causal if attention_mask is None else attention_mask & causal
            )

        query = query * self._inverse_sqrt_key_dim
        scores = torch.einsum(self._dot_product_equation, key, query)  # (B, N, *T, *S)
        if attention_mask is not None:
            attention_mask = _utils.expand_mask(attention_mask, scores.dim(), num_axes)
        probs = _utils.masked_softmax(scores, attention_mask, num_axes)
        dropped = probs
        if dropout_on:
            dropped = _utils.dropout(probs, self._dropout, self._seed_generator)
        # (B, *T, N, value_dim)
        output = torch.einsum(self._combine_equation, dropped, value)
        return output, probs

    def _fused_attention(self, query, key, value, mask, dropout_on, is_causal):
        """SDPA over the (flattened) attention axes: `(B, *T, N, H)` in and out."""
        num_axes = len(self._attn_axes)
        target_dims = query.shape[1 : 1 + num_axes]
        q = query.flatten(1, num_axes).transpose(1, 2)  # (B, N, T, key_dim)
        k = key.flatten(1, num_axes).transpose(1, 2)  # (B, N, S, key_dim)
        v = value.flatten(1, num_axes).transpose(1, 2)  # (B, N, S, value_dim)
        if mask is not None:
            # (B | 1, 1, *T | 1, *S | 1), then (B | 1, 1, T, S) for several axes.
            mask = _utils.expand_mask(mask, 2 + 2 * num_axes, num_axes)
            if num_axes > 1:
                full = (*mask.shape[:2], *target_dims, *key.shape[1 : 1 + num_axes])
                mask = mask.expand(full).flatten(-num_axes).flatten(2, 1 + num_axes)
        out = _utils.sdpa(
            q,
            k,
            v,
            mask,
            dropout_p=self._dropout if dropout_on else 0.0,
            is_causal=is_causal,
            scale=self._inverse_sqrt_key_dim,
            flash_attention=self._flash_attention,
        )  # (B, N, T, value_dim)
        return out.transpose(1, 2).unflatten(1, target_dims)  # (B, *T, N, value_dim)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "num_heads": self._num_heads,
                "key_dim": self._key_dim,
                "value_dim": self._value_dim,
                "dropout": self._dropout,
                "use_bias": self._use_bias,
                "output_shape": self._partial_output_shape,
                "attention_axes": self._attention_axes,
                "flash_attention": self._flash_attention,
                "kernel_initializer": initializers.serialize(self._kernel_initializer),
                "bias_initializer": initializers.serialize(self._bias_initializer),
                "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self._bias_regularizer),
                "activity_regularizer": regularizers.serialize(
                    self._activity_regularizer
                ),
                "kernel_constraint": constraints.serialize(self._kernel_constraint),
                "bias_constraint": constraints.serialize(self._bias_constraint),
                "seed": self.seed,
            }
        )
        return config


# --- helpers ------------------------------------------------------------------------


def _check_output_shape(output_shape):
    if output_shape is None:
        return None
    received = output_shape
    if isinstance(output_shape, int) and not isinstance(output_shape, bool):
        output_shape = (output_shape,)
    if (
        not isinstance(output_shape, (list, tuple))
        or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0
            for d in output_shape
        )
        or not output_shape
    ):
        raise ValueError(
            "`output_shape` must be a positive int or a non-empty tuple of positive "
            f"ints. Received: output_shape={received!r}"
        )
    return tuple(output_shape)


def _check_attention_axes(axes):
    if axes is None:
        return None
    received = axes
    if isinstance(axes, int) and not isinstance(axes, bool):
        axes = (axes,)
    if (
        not isinstance(axes, (list, tuple))
        or not axes
        or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes)
    ):
        raise ValueError(
            "`attention_axes` must be an int, list, or tuple of ints. "
            f"Received: attention_axes={received!r}"
        )
    return tuple(axes)


def _normalize_axes(axes, rank: int, layer_name: str) -> tuple[int, ...]:
    """Attention axes as non-negative query axes in `[1, rank - 2]` (default: all of them)."""
    if axes is None:
        return tuple(range(1, rank - 1))
    normalized = tuple(a + rank if a < 0 else a for a in axes)
    if len(set(normalized)) != len(normalized) or not all(
        1 <= a <= rank - 2 for a in normalized
    ):
        raise ValueError(
            f"Layer '{layer_name}': `attention_axes` must be distinct axes of the "
            f"query other than the batch (0) and feature ({rank - 1}) axes. "
            f"Received: attention_axes={axes} for a query of rank {rank}"
        )
    return normalized


def _projection_equation(free_dims: int, bound_dims: int, output_dims: int):
    """`("abc,cde->abde", "de")`: the einsum equation and bias axes of a projection.

    The first `free_dims` input axes pass through, the next `bound_dims` are
    contracted with the kernel, and `output_dims` new axes come out (Keras's
    lettering, so the sublayer configs match Keras's).
    """
    free = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims : free_dims + bound_dims]
    out = _LETTERS[free_dims + bound_dims : free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out


def _attention_equations(rank: int, attn_axes: tuple[int, ...]) -> tuple[str, str]:
    """(key·query → scores, scores·value → output) einsum equations for projected heads.

    Projected tensors are `(B, <other axes>, N, H)` of `rank` axes; the
    scores are `(<batch axes incl. heads>, <query attention axes>, <key
    attention axes>)`, e.g. `"aecd,abcd->acbe"` and `"acbe,aecd->abcd"` for
    rank 4 with attention over axis 1.
    """
    target = _LETTERS[:rank]
    source = list(target)
    for i, axis in enumerate(attn_axes):
        source[axis] = _LETTERS[rank + i]
    source = "".join(source)
    batch_axes = [i for i in range(rank - 1) if i not in attn_axes]
    scores = (
        "".join(target[i] for i in batch_axes)
        + "".join(target[i] for i in attn_axes)
        + "".join(source[i] for i in attn_axes)
    )
    return f"{source},{target}->{scores}", f"{scores},{source}->{target}"
