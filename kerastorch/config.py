"""`kerastorch.config`: global settings, with Keras 3's names."""

from kerastorch.backend.config import backend
from kerastorch.backend.config import epsilon
from kerastorch.backend.config import floatx
from kerastorch.backend.config import image_data_format
from kerastorch.backend.config import set_epsilon
from kerastorch.backend.config import set_floatx
from kerastorch.backend.config import set_image_data_format
from kerastorch.dtype_policies import dtype_policy
from kerastorch.dtype_policies import set_dtype_policy

__all__ = [
    "backend",
    "dtype_policy",
    "epsilon",
    "floatx",
    "image_data_format",
    "set_dtype_policy",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
]
