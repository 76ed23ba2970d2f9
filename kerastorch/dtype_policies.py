"""Dtype policies: the dtype a layer keeps its variables in and computes in.

`"mixed_float16"`/`"mixed_bfloat16"` keep variables in float32 and compute
under `torch.autocast`; the trainer adds a `torch.amp.GradScaler` for float16.
"""

from __future__ import annotations

import torch

from kerastorch.backend import config
from kerastorch.backend.dtypes import standardize_dtype
from kerastorch.backend.dtypes import to_torch_dtype


class DTypePolicy:
    """A named pair of dtypes: `variable_dtype` and `compute_dtype`.

    Args:
        name: a dtype name (`"float32"`, `"bfloat16"`, ...) or
            `"mixed_float16"` / `"mixed_bfloat16"`. Defaults to `floatx()`.
    """

    def __init__(self, name: str | None = None):
        if name is None:
            name = config.floatx()
        if not isinstance(name, str):
            raise TypeError(
                f"A DTypePolicy name must be a string. Received: name={name!r}"
            )
        if name in ("mixed_float16", "mixed_bfloat16"):
            self._variable_dtype = "float32"
            self._compute_dtype = name.split("_", 1)[1]
        else:
            try:
                self._variable_dtype = self._compute_dtype = standardize_dtype(name)
            except ValueError:
                raise ValueError(
                    f"Cannot convert {name!r} to a mixed precision DTypePolicy. "
                    "Valid policies are 'mixed_float16', 'mixed_bfloat16', and "
                    "plain dtype names such as 'float32'."
                ) from None
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def variable_dtype(self) -> str:
        return self._variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self._compute_dtype

    @property
    def is_mixed(self) -> bool:
        return self._compute_dtype != self._variable_dtype

    @property
    def autocast_dtype(self) -> torch.dtype | None:
        """The torch dtype to autocast to, or `None` when no autocast is needed."""
        return to_torch_dtype(self._compute_dtype) if self.is_mixed else None

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict) -> DTypePolicy:
        return cls(**config)

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


_GLOBAL_POLICY: DTypePolicy | None = None


def get(identifier) -> DTypePolicy:
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return DTypePolicy.from_config(identifier.get("config", identifier))
    if isinstance(identifier, torch.dtype):
        return DTypePolicy(standardize_dtype(identifier))
    return DTypePolicy(identifier)


def set_dtype_policy(policy) -> None:
    """Set the policy new layers get by default (`kerastorch.mixed_precision.set_global_policy`)."""
    global _GLOBAL_POLICY
    _GLOBAL_POLICY = None if policy is None else get(policy)


def dtype_policy() -> DTypePolicy:
    """The global policy; `floatx()` when none was set."""
    if _GLOBAL_POLICY is None:
        return DTypePolicy(config.floatx())
    return _GLOBAL_POLICY
