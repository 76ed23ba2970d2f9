from kerastorch.layers.merging.add import Add
from kerastorch.layers.merging.add import add
from kerastorch.layers.merging.average import Average
from kerastorch.layers.merging.average import average
from kerastorch.layers.merging.base_merge import Merge
from kerastorch.layers.merging.concatenate import Concatenate
from kerastorch.layers.merging.concatenate import concatenate
from kerastorch.layers.merging.dot import Dot
from kerastorch.layers.merging.dot import dot
from kerastorch.layers.merging.maximum import Maximum
from kerastorch.layers.merging.maximum import maximum
from kerastorch.layers.merging.minimum import Minimum
from kerastorch.layers.merging.minimum import minimum
from kerastorch.layers.merging.multiply import Multiply
from kerastorch.layers.merging.multiply import multiply
from kerastorch.layers.merging.subtract import Subtract
from kerastorch.layers.merging.subtract import subtract

__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Dot",
    "Maximum",
    "Merge",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
