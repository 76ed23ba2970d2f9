from kerastorch.layers.reshaping.flatten import Flatten
from kerastorch.layers.reshaping.permute import Permute
from kerastorch.layers.reshaping.repeat_vector import RepeatVector
from kerastorch.layers.reshaping.reshape import Reshape

__all__ = [
    "Flatten",
    "Permute",
    "RepeatVector",
    "Reshape",
]
