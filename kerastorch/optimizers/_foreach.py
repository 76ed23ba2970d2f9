"""Multi-tensor in-place ops used by the optimizer step (one kernel per group).

These wrap `torch._foreach_*`: underscore-named, but they are the kernels that
`torch.optim` itself runs for its `foreach=True` implementations, and the only
way to update many tensors without a Python loop of small kernels. Keeping them
in this one file means a rename in torch is fixed here.
"""

from __future__ import annotations

import torch


def mul_(tensors: list[torch.Tensor], factor: float) -> None:
    """`t *= factor` for every tensor."""
    torch._foreach_mul_(tensors, factor)


def lerp_(tensors: list[torch.Tensor], ends: list[torch.Tensor], weight: float) -> None:
    """`t += weight * (end - t)` for every pair."""
    torch._foreach_lerp_(tensors, ends, weight)


def lerp(tensors: list[torch.Tensor], ends: list[torch.Tensor], weight: float) -> list:
    """`t + weight * (end - t)` for every pair, as new tensors."""
    return torch._foreach_lerp(tensors, ends, weight)


def sign_(tensors: list[torch.Tensor]) -> None:
    torch._foreach_sign_(tensors)


def add_(tensors: list[torch.Tensor], others: list[torch.Tensor], alpha: float) -> None:
    """`t += alpha * other` for every pair."""
    torch._foreach_add_(tensors, others, alpha=alpha)


def copy_(tensors: list[torch.Tensor], sources: list[torch.Tensor]) -> None:
    torch._foreach_copy_(tensors, sources)
