"""Linear algebra (`keras.ops.linalg`) on `torch.linalg`; inputs are batched matrices."""

from __future__ import annotations

import torch

from kerastorch.ops._symbolic import keras_op
from kerastorch.ops.core import _axes
from kerastorch.ops.core import _promoted
from kerastorch.ops.elementwise import _float


@keras_op
def norm(x, ord=None, axis=None, keepdims: bool = False) -> torch.Tensor:
    """Vector or matrix norm, as numpy's `linalg.norm`.

    Args:
        ord: the norm order (numbers, `inf`, "fro", "nuc"). Defaults to the
            2-norm (Frobenius for matrices).
        axis: `None` (the flattened tensor when `ord` is `None`), an int
            (vector norms) or a pair (matrix norms). Defaults to `None`.
        keepdims: keep reduced axes with size 1. Defaults to `False`.
    """
    x = _float(x)
    dims = _axes(axis, x.ndim)
    if dims is not None and len(dims) == 1:
        dims = dims[0]
    return torch.linalg.norm(x, ord=ord, dim=dims, keepdim=keepdims)


@keras_op
def inv(x) -> torch.Tensor:
    """Inverse of the square matrices `x`."""
    return torch.linalg.inv(_float(x))


@keras_op
def det(x) -> torch.Tensor:
    """Determinant of the square matrices `x`."""
    return torch.linalg.det(_float(x))


@keras_op
def solve(a, b) -> torch.Tensor:
    """`x` such that `a @ x = b`."""
    a, b = _promoted(_float(a), b)
    return torch.linalg.solve(a, b)


@keras_op
def solve_triangular(a, b, lower: bool = False) -> torch.Tensor:
    """`x` such that `a @ x = b` for triangular `a` (upper unless `lower=True`)."""
    a, b = _promoted(_float(a), b)
    vector = b.ndim == a.ndim - 1
    if vector:
        b = b.unsqueeze(-1)
    out = torch.linalg.solve_triangular(a, b, upper=not lower)
    return out.squeeze(-1) if vector else out


@keras_op
def lstsq(a, b, rcond=None) -> torch.Tensor:
    """Least-squares solution `x` minimising `||a @ x - b||`."""
    a, b = _promoted(_float(a), b)
    vector = b.ndim == 1
    if vector:
        b = b.unsqueeze(-1)
    out = torch.linalg.lstsq(a, b, rcond=rcond).solution
    return out.squeeze(-1) if vector else out


@keras_op
def cholesky(x) -> torch.Tensor:
    """Lower-triangular Cholesky factor of the positive-definite matrices `x`."""
    return torch.linalg.cholesky(_float(x))


@keras_op
def eig(x) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigenvalues and eigenvectors (complex) of the square matrices `x`."""
    return tuple(torch.linalg.eig(_float(x)))


@keras_op
def eigh(x) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigenvalues (ascending) and eigenvectors of the symmetric matrices `x`."""
    return tuple(torch.linalg.eigh(_float(x)))


@keras_op
def qr(x, mode: str = "reduced") -> tuple[torch.Tensor, torch.Tensor]:
    """QR decomposition `(q, r)`; `mode` is "reduced" (default) or "complete"."""
    if mode not in ("reduced", "complete"):
        raise ValueError(
            f"`mode` must be 'reduced' or 'complete'. Received: mode={mode!r}"
        )
    return tuple(torch.linalg.qr(_float(x), mode=mode))


@keras_op
def svd(x, full_matrices: bool = True, compute_uv: bool = True):
    """Singular value decomposition `(u, s, vh)`, or only `s` when `compute_uv=False`."""
    x = _float(x)
    if not compute_uv:
        return torch.linalg.svdvals(x)
    return tuple(torch.linalg.svd(x, full_matrices=full_matrices))


@keras_op
def lu_factor(x) -> tuple[torch.Tensor, torch.Tensor]:
    """LU factorisation `(lu, pivots)`, pivots 0-based as in scipy and Keras."""
    lu, pivots = torch.linalg.lu_factor(_float(x))
    return lu, pivots - 1


__all__ = [
    "cholesky",
    "det",
    "eig",
    "eigh",
    "inv",
    "lstsq",
    "lu_factor",
    "norm",
    "qr",
    "solve",
    "solve_triangular",
    "svd",
]
