"""Node: one call of a layer on symbolic tensors, the edge list of a functional graph.

Calling a layer on `KerasTensor`s appends a `Node` to `layer._inbound_nodes`
and stamps each output tensor with `_keras_history = KerasHistory(layer,
node_index, tensor_index)`, as Keras does. A functional `Model` walks these
back from its outputs to its inputs.
"""

from __future__ import annotations

from collections import namedtuple

from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.utils import tree

KerasHistory = namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])


class Node:
    """The call `operation(*call_args, **call_kwargs) -> outputs` on symbolic tensors.

    Args:
        operation: the layer that was called.
        call_args: the positional arguments of the call.
        call_kwargs: the keyword arguments of the call.
        outputs: the symbolic output structure.
    """

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.outputs = outputs
        self.input_tensors = [
            t for t in tree.flatten((self.call_args, self.call_kwargs)) if isinstance(t, KerasTensor)
        ]
        self.output_tensors = [t for t in tree.flatten(outputs) if isinstance(t, KerasTensor)]
        nodes = operation.__dict__.setdefault("_inbound_nodes", [])
        node_index = len(nodes)
        nodes.append(self)
        for i, tensor in enumerate(self.output_tensors):
            tensor._keras_history = KerasHistory(operation, node_index, i)

    @property
    def is_input(self) -> bool:
        return not self.input_tensors

    @property
    def parent_nodes(self) -> list[Node]:
        """The nodes that produced this node's inputs."""
        parents = []
        for tensor in self.input_tensors:
            history = tensor._keras_history
            if history is not None:
                parents.append(history.operation._inbound_nodes[history.node_index])
        return parents

    def __repr__(self) -> str:
        return f"<Node operation={self.operation.name}, inputs={len(self.input_tensors)}>"
