"""Nested structures (lists, tuples, dicts of leaves), as Keras's `tree` handles them.

Thin wrappers on `torch.utils._pytree` would tie us to a private module, so
this is a small plain-Python version for the structures Keras users pass.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping


def is_nested(x) -> bool:
    return isinstance(x, (list, tuple, Mapping))


def flatten(structure) -> list:
    """Leaves of `structure` in order (dicts by sorted key, as Keras does)."""
    out: list = []
    _flatten(structure, out)
    return out


def _flatten(x, out: list) -> None:
    if isinstance(x, Mapping):
        for key in sorted(x):
            _flatten(x[key], out)
    elif isinstance(x, (list, tuple)):
        for item in x:
            _flatten(item, out)
    else:
        out.append(x)


def map_structure(fn: Callable, *structures):
    """Apply `fn` to matching leaves of one or more same-shaped structures."""
    first = structures[0]
    if isinstance(first, Mapping):
        return {k: map_structure(fn, *(s[k] for s in structures)) for k in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # namedtuple
        return type(first)(*(map_structure(fn, *items) for items in zip(*structures)))
    if isinstance(first, (list, tuple)):
        for s in structures[1:]:
            if len(s) != len(first):
                raise ValueError(
                    f"Structures have different lengths: {len(first)} and {len(s)}."
                )
        return type(first)(map_structure(fn, *items) for items in zip(*structures))
    return fn(*structures)


def pack_sequence_as(structure, flat: list):
    """Inverse of `flatten`: put the leaves of `flat` into `structure`'s shape."""
    it = iter(flat)

    def pack(s):
        if isinstance(s, Mapping):
            values = {k: pack(s[k]) for k in sorted(s)}
            return {k: values[k] for k in s}
        if isinstance(s, tuple) and hasattr(s, "_fields"):
            return type(s)(*(pack(item) for item in s))
        if isinstance(s, (list, tuple)):
            return type(s)(pack(item) for item in s)
        return next(it)

    return pack(structure)


def is_shape_tuple(x) -> bool:
    """`(None, 3)`, `[2, 4]` or `()`: a sequence of ints and `None` (a shape, not a structure)."""
    return isinstance(x, (list, tuple)) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in x
    )


def map_shape_structure(fn: Callable, structure):
    """Apply `fn` to each shape in a structure of shapes (shapes are leaves)."""
    if is_shape_tuple(structure):
        return fn(tuple(structure))
    if isinstance(structure, dict):
        return {k: map_shape_structure(fn, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_shape_structure(fn, v) for v in structure)
    return fn(structure)
