"""Attention (part of `keras.ops.nn`): `dot_product_attention` on torch's SDPA kernels."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from kerastorch.ops._symbolic import keras_op
from kerastorch.ops.core import _tensor
from kerastorch.ops.elementwise import _float

# --- attention ----------------------------------------------------------------------------


@keras_op
def dot_product_attention(
    query,
    key,
    value,
    bias=None,
    mask=None,
    scale: float | None = None,
    is_causal: bool = False,
    flash_attention: bool | None = None,
    attn_logits_soft_cap: float | None = None,
) -> torch.Tensor:
    """Scaled dot-product attention on `(batch, seq, heads, head_dim)` tensors.

    Args:
        query: shape `(B, T, N, H)`.
        key, value: shape `(B, S, K, H)`; `N` must be a multiple of `K`
            (grouped-query attention).
        bias: added to the logits, broadcastable to `(B, N, T, S)`.
        mask: bool, broadcastable to `(B, N, T, S)`; `True` means attend.
        scale: the logit scale. Defaults to `1 / sqrt(H)`.
        is_causal: apply a (top-left aligned) causal mask. Defaults to `False`.
        flash_attention: `None` or `True` let torch pick its fastest kernel
            (flash where the inputs allow); `False` forces the math kernel.
        attn_logits_soft_cap: if set, logits become `cap * tanh(logits / cap)`.

    Returns:
        shape `(B, T, N, H)`.
    """
    query = _float(query)
    key, value = _tensor(key, query), _tensor(value, query)
    if query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        raise ValueError(
            "`query`, `key` and `value` must be 4-D (batch, seq, heads, head_dim). "
            f"Received: {tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
        )
    heads, kv_heads = query.shape[2], key.shape[2]
    if heads % kv_heads:
        raise ValueError(
            f"The query heads ({heads}) must be a multiple of the key heads ({kv_heads})."
        )
    q, k, v = (t.transpose(1, 2) for t in (query, key, value))  # (B, heads, seq, H)
    if heads != kv_heads:
        k = k.repeat_interleave(heads // kv_heads, dim=1)
        v = v.repeat_interleave(heads // kv_heads, dim=1)
    seq_q, seq_k = q.shape[2], k.shape[2]
    keep = None
    if mask is not None:
        keep = _tensor(mask, q).bool()
    if is_causal and (mask is not None or bias is not None or attn_logits_soft_cap):
        causal = torch.ones(seq_q, seq_k, dtype=torch.bool, device=q.device).tril()
        keep = causal if keep is None else keep & causal
        is_causal = False
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    bias_t = None if bias is None else _tensor(bias, q).to(q.dtype)
    if attn_logits_soft_cap:
        logits = torch.matmul(q, k.transpose(-1, -2)) * scale  # (B, N, T, S)
        logits = attn_logits_soft_cap * torch.tanh(logits / attn_logits_soft_cap)
        if bias_t is not None:
            logits = logits + bias_t
        if keep is not None:
            logits = logits.masked_fill(~keep, float("-inf"))
        out = torch.matmul(torch.softmax(logits, dim=-1), v)
    else:
        attn_mask = keep
        if bias_t is not None:
            attn_mask = (
                bias_t if keep is None else bias_t.masked_fill(~keep, float("-inf"))
            )
        if flash_attention is False:
            from torch.nn.attention import SDPBackend
            from torch.nn.attention import sdpa_kernel

            with sdpa_kernel(SDPBackend.MATH):
                out = F.scaled_dot_product_attention(
                    q, k, v, attn_mask=attn_mask, is_causal=is_causal, scale=scale
                )
        else:
            out = F.scaled_dot_product_attention(
                q, k, v, attn_mask=attn_mask, is_causal=is_causal, scale=scale
            )
    return out.transpose(1, 2)  # (B, T, N, H)


__all__ = ["dot_product_attention"]
