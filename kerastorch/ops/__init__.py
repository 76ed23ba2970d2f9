"""`kerastorch.ops`: Keras 3's backend-agnostic tensor functions, running on torch.

Every function accepts torch tensors, numpy arrays and Python numbers, and
returns torch tensors. Names, arguments and semantics are Keras's (which
follow numpy's); the same functions are grouped in the submodules
`ops.numpy`, `ops.nn`, `ops.math`, `ops.linalg` and `ops.core`, as in Keras.
Called on symbolic `KerasTensor`s (Functional API), they return
`KerasTensor`s.

Example:

>>> from kerastorch import ops
>>> ops.softmax(ops.convert_to_tensor([[1.0, 2.0, 3.0]]))
tensor([[0.0900, 0.2447, 0.6652]])
"""

from kerastorch.ops import core
from kerastorch.ops import linalg
from kerastorch.ops import math
from kerastorch.ops import nn
from kerastorch.ops import numpy
from kerastorch.ops.core import *  # noqa: F403
from kerastorch.ops.linalg import *  # noqa: F403
from kerastorch.ops.math import *  # noqa: F403
from kerastorch.ops.nn import *  # noqa: F403
from kerastorch.ops.numpy import *  # noqa: F403

__all__ = sorted(
    {*core.__all__, *linalg.__all__, *math.__all__, *nn.__all__, *numpy.__all__}
)
