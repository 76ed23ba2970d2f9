"""Attention layers: Attention, AdditiveAttention, MultiHeadAttention, GroupQueryAttention."""

from kerastorch.layers.attention.additive_attention import AdditiveAttention
from kerastorch.layers.attention.attention import Attention
from kerastorch.layers.attention.grouped_query_attention import GroupedQueryAttention
from kerastorch.layers.attention.grouped_query_attention import GroupQueryAttention
from kerastorch.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = [
    "AdditiveAttention",
    "Attention",
    "GroupQueryAttention",
    "GroupedQueryAttention",
    "MultiHeadAttention",
]
