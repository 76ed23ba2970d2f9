"""What the attention layers share: argument checks, masks, masked softmax, dropout, SDPA.

Masks are boolean tensors where `True` means "may attend". Fully masked rows
(a query position that may attend to nothing) give all-zero probabilities in
both the explicit path (`masked_softmax`) and the fused path (`sdpa`), so the
two agree everywhere, as Keras's masked `Softmax` does.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerastorch.random.random import dropout as seeded_dropout
from kerastorch.random.seed_generator import SeedGenerator


def check_positive_int(value, name: str) -> int:
    """`value` if it is a positive int, else a ValueError saying what was received."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )
    return value


def check_dropout(rate) -> float:
    """`rate` as a float in [0, 1], else a ValueError saying what was received."""
    if (
        isinstance(rate, bool)
        or not isinstance(rate, (int, float))
        or not 0 <= rate <= 1
    ):
        raise ValueError(
            f"`dropout` must be a float between 0 and 1. Received: dropout={rate!r}"
        )
    return float(rate)


def make_seed_generator(seed, rate: float) -> SeedGenerator | None:
    """A `SeedGenerator` for a seeded layer with dropout; `None` uses torch's global RNG."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
    if seed is None or rate == 0:
        return None
    return SeedGenerator(seed)


def keras_mask(x):
    """The Keras mask a previous layer (e.g. `Embedding(mask_zero=True)`) put on `x`."""
    return getattr(x, "_keras_mask", None)


def to_bool(mask, device) -> torch.Tensor | None:
    """`mask` (tensor, array or nested list; 0/1 or bool) as a bool tensor on `device`."""
    if mask is None:
        return None
    mask = torch.as_tensor(mask, device=device)
    return mask if mask.dtype == torch.bool else mask != 0


def causal_mask(q_len: int, v_len: int, device) -> torch.Tensor:
    """`(q_len, v_len)` lower-triangular bool mask: position i attends to j <= i."""
    return torch.ones(q_len, v_len, dtype=torch.bool, device=device).tril()


def merge_masks(
    query_mask=None, value_mask=None, key_mask=None, attention_mask=None, device=None
) -> torch.Tensor | None:
    """AND of the masks, as Keras combines them: query `(B, T, 1)`, value/key `(B, 1, S)`."""
    merged = to_bool(attention_mask, device)
    if query_mask is not None:
        merged = _and(merged, to_bool(query_mask, device).unsqueeze(-1))  # (B, T, 1)
    for mask in (value_mask, key_mask):
        if mask is not None:
            merged = _and(merged, to_bool(mask, device).unsqueeze(-2))  # (B, 1, S)
    return merged


def prepare_inputs(
    query,
    value,
    key,
    query_mask,
    value_mask,
    key_mask,
    attention_mask,
    return_attention_scores: bool,
    flash_attention,
):
    """`(value, key, mask)` for a multi-head attention call, as Keras prepares them.

    `key` defaults to `value`; masks default to the Keras masks previous layers
    put on the inputs and are merged into one `(B | 1, T | 1, S)` bool mask.
    """
    if return_attention_scores and flash_attention:
        raise ValueError(
            "Returning attention scores is not supported when flash attention "
            "is enabled. Please disable flash attention to access attention scores."
        )
    value = torch.as_tensor(value, device=query.device)
    if key is None:
        key = value
    else:
        key = torch.as_tensor(key, device=query.device)
        key_mask = keras_mask(key) if key_mask is None else key_mask
    query_mask = keras_mask(query) if query_mask is None else query_mask
    value_mask = keras_mask(value) if value_mask is None else value_mask
    mask = merge_masks(query_mask, value_mask, key_mask, attention_mask, device=query.device)
    return value, key, mask


def _and(a, b):
    return b if a is None else a & b


def expand_mask(mask: torch.Tensor, rank: int, num_axes: int) -> torch.Tensor:
    """Insert unit axes before the query attention axes until `mask` has `rank` axes.

    A `(B, T, S)` mask becomes `(B, 1, T, S)` for scores `(B, heads, T, S)`.
    """
    if mask.dim() < 2 * num_axes:
        raise ValueError(
            f"The attention mask needs at least {2 * num_axes} axes (query and key "
            f"attention axes). Received a mask of shape {tuple(mask.shape)}."
        )
    while mask.dim() < rank:
        mask = mask.unsqueeze(-2 * num_axes - 1)
    return mask


def masked_softmax(scores: torch.Tensor, mask, num_axes: int = 1) -> torch.Tensor:
    """Softmax over the last `num_axes` axes; masked entries (and fully masked rows) get 0."""
    if mask is not None:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    if num_axes == 1:
        probs = torch.softmax(scores, dim=-1)
    else:
        flat = scores.flatten(-num_axes)  # (..., S1 * S2 ...)
        probs = torch.softmax(flat, dim=-1).reshape(scores.shape)
    if mask is not None:
        probs = probs.masked_fill(~mask, 0.0)
    return probs


def dropout(probs: torch.Tensor, rate: float, seed_generator) -> torch.Tensor:
    """Dropout of attention probabilities (call only in training, with rate > 0)."""
    if seed_generator is None:
        return F.dropout(probs, rate, training=True)
    return seeded_dropout(probs, rate, seed=seed_generator)


def sdpa(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    mask: torch.Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    flash_attention: bool | None = None,
    enable_gqa: bool = False,
) -> torch.Tensor:
    """`F.scaled_dot_product_attention` on `(B, heads, seq, dim)` tensors.

    `mask` is bool, broadcastable to `(B, heads, T, S)`. Rows with nothing to
    attend to are unmasked for the kernel (some fused kernels return NaN for
    them) and zeroed afterwards. `flash_attention=False` keeps torch off its
    flash kernel.
    """
    valid_rows = None
    if mask is not None:
        valid_rows = mask.any(dim=-1, keepdim=True)  # (..., T, 1)
        mask = mask | ~valid_rows
    kwargs = {"attn_mask": mask, "dropout_p": dropout_p, "is_causal": is_causal}
    if scale is not None:
        kwargs["scale"] = scale
    if enable_gqa:
        kwargs["enable_gqa"] = True
    if flash_attention is False:
        from torch.nn.attention import SDPBackend
        from torch.nn.attention import sdpa_kernel

        with sdpa_kernel([SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]):
            out = F.scaled_dot_product_attention(query, key, value, **kwargs)
    else:
        out = F.scaled_dot_product_attention(query, key, value, **kwargs)
    if valid_rows is not None:
        out = out.masked_fill(~valid_rows, 0.0)
    return out


def large_negative(t: torch.Tensor) -> float:
    """Keras's masking offset for logits computed in `t`'s dtype (or the autocast dtype)."""
    dtype = t.dtype
    device_type = t.device.type
    if device_type != "meta" and torch.is_autocast_enabled(device_type):
        dtype = torch.get_autocast_dtype(device_type)
    return 65504.0 if dtype == torch.float16 else 1.0e9
