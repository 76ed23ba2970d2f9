"""Unique, Keras-style object names (`dense`, `dense_1`, ...)."""

from __future__ import annotations

import collections
import re

_UIDS: collections.defaultdict[str, int] = collections.defaultdict(int)


def get_uid(prefix: str = "") -> int:
    """Return 1, 2, 3, ... on successive calls with the same prefix."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


def reset_uids() -> None:
    _UIDS.clear()


def to_snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    return name


def auto_name(prefix: str) -> str:
    """`dense` the first time, then `dense_1`, `dense_2`, ..."""
    uid = get_uid(prefix)
    return prefix if uid == 1 else f"{prefix}_{uid - 1}"
