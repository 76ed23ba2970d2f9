"""Weight initializers (`keras.initializers`).

    kernel_initializer="glorot_uniform"
    kernel_initializer=kerastorch.initializers.HeNormal(seed=1)

Every initializer is a callable `(shape, dtype=None) -> torch.Tensor` that
creates its tensor on torch's current default device.
"""

from __future__ import annotations

from collections.abc import Mapping

from kerastorch.backend.naming import to_snake_case
from kerastorch.initializers import _lookup
from kerastorch.initializers.constant_initializers import Constant
from kerastorch.initializers.constant_initializers import Identity
from kerastorch.initializers.constant_initializers import IdentityInitializer
from kerastorch.initializers.constant_initializers import Ones
from kerastorch.initializers.constant_initializers import Zeros
from kerastorch.initializers.initializer import Initializer
from kerastorch.initializers.initializer import compute_fans
from kerastorch.initializers.random_initializers import GlorotNormal
from kerastorch.initializers.random_initializers import GlorotUniform
from kerastorch.initializers.random_initializers import HeNormal
from kerastorch.initializers.random_initializers import HeUniform
from kerastorch.initializers.random_initializers import LecunNormal
from kerastorch.initializers.random_initializers import LecunUniform
from kerastorch.initializers.random_initializers import Orthogonal
from kerastorch.initializers.random_initializers import OrthogonalInitializer
from kerastorch.initializers.random_initializers import RandomNormal
from kerastorch.initializers.random_initializers import RandomUniform
from kerastorch.initializers.random_initializers import TruncatedNormal
from kerastorch.initializers.random_initializers import VarianceScaling

# Keras also exports the snake_case names; they are the classes themselves.
constant = Constant
identity = Identity
ones = Ones
zeros = Zeros
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = Orthogonal
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling

_KIND = "initializer"
_MODULE = "keras.initializers"

ALL_OBJECTS = (
    Initializer,
    Constant,
    Identity,
    Ones,
    Zeros,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
)
ALL_OBJECTS_DICT: dict[str, type] = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update(
    {
        "IdentityInitializer": Identity,
        "OrthogonalInitializer": Orthogonal,
        "normal": RandomNormal,
        "uniform": RandomUniform,
        "one": Ones,
        "zero": Zeros,
    }
)


def serialize(initializer: Initializer) -> dict:
    """Return the initializer as a Keras-style config dict.

    Args:
        initializer: an `Initializer` instance.

    Returns:
        `{"module", "class_name", "config", "registered_name"}`.
    """
    return _lookup.serialize_object(initializer, _MODULE)


def deserialize(
    config: str | Mapping, custom_objects: Mapping | None = None
) -> Initializer:
    """Return an initializer from a name or a config dict made by `serialize`.

    Args:
        config: a name such as `"he_normal"` or a dict with `"class_name"` and
            `"config"`.
        custom_objects: extra `{name: class}` to look names up in first.
            Defaults to `None`.
    """
    return _lookup.deserialize_object(config, _KIND, ALL_OBJECTS_DICT, custom_objects)


def get(identifier) -> Initializer | None:
    """Return an initializer for a name, config dict, class, callable or None.

    Names are case-sensitive (`"glorot_uniform"` or `"GlorotUniform"`); a class
    is instantiated with its defaults; any callable `f(shape, dtype=None)` is
    returned as is; `None` gives `None`.

    Example:

    >>> kerastorch.initializers.get("he_normal")
    HeNormal(seed=None)
    """
    return _lookup.resolve(identifier, _KIND, deserialize)


__all__ = [
    "ALL_OBJECTS",
    "ALL_OBJECTS_DICT",
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "IdentityInitializer",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "OrthogonalInitializer",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "compute_fans",
    "constant",
    "deserialize",
    "get",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "identity",
    "lecun_normal",
    "lecun_uniform",
    "ones",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "serialize",
    "truncated_normal",
    "variance_scaling",
    "zeros",
]
