"""`kerastorch.mixed_precision`: Keras names for the global dtype policy."""

from kerastorch.dtype_policies import DTypePolicy
from kerastorch.dtype_policies import dtype_policy as global_policy
from kerastorch.dtype_policies import set_dtype_policy as set_global_policy

Policy = DTypePolicy

__all__ = ["DTypePolicy", "Policy", "global_policy", "set_global_policy"]
