"""The handful of backend functions Keras code reaches for (`keras.backend`)."""

from kerastorch.backend.config import backend
from kerastorch.backend.config import epsilon
from kerastorch.backend.config import floatx
from kerastorch.backend.config import image_data_format
from kerastorch.backend.config import set_epsilon
from kerastorch.backend.config import set_floatx
from kerastorch.backend.config import set_image_data_format
from kerastorch.backend.config import standardize_data_format
from kerastorch.backend.dtypes import is_float_dtype
from kerastorch.backend.dtypes import standardize_dtype
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.backend.naming import get_uid


def clear_session() -> None:
    """Reset the name counters (so the next Dense is named `dense` again)."""
    from kerastorch.backend import naming

    naming.reset_uids()


def is_keras_tensor(x) -> bool:
    """True for the symbolic tensors made by `kerastorch.Input`."""
    from kerastorch.backend.keras_tensor import KerasTensor

    return isinstance(x, KerasTensor)


__all__ = [
    "backend",
    "clear_session",
    "epsilon",
    "floatx",
    "get_uid",
    "image_data_format",
    "is_float_dtype",
    "is_keras_tensor",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "standardize_data_format",
    "standardize_dtype",
    "to_torch_dtype",
]
