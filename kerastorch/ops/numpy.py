"""`keras.ops.numpy`: the numpy-style ops, gathered from the files that implement them."""

from kerastorch.ops.creation import *  # noqa: F403
from kerastorch.ops.creation import __all__ as _creation
from kerastorch.ops.elementwise import *  # noqa: F403
from kerastorch.ops.elementwise import __all__ as _elementwise
from kerastorch.ops.manipulation import *  # noqa: F403
from kerastorch.ops.manipulation import __all__ as _manipulation
from kerastorch.ops.products import *  # noqa: F403
from kerastorch.ops.products import __all__ as _products
from kerastorch.ops.reduction import *  # noqa: F403
from kerastorch.ops.reduction import __all__ as _reduction

__all__ = sorted({*_creation, *_elementwise, *_manipulation, *_products, *_reduction})
