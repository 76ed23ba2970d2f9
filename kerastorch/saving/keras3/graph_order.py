"""The order in which Keras 3 lists a functional model's layers.

Keras names each layer's group in a weights file after its class and its
position among the layers of that class (`layers/dense`, `layers/dense_1`),
in the order of `Functional.layers`. That order comes from Keras's graph
walk (`keras.src.ops.function.map_graph`): a depth-first search from the
outputs, then the operations sorted by decreasing depth (distance to the
outputs) and, within one depth, by first visit. Our functional models list
layers in another (equally valid) topological order, so the Keras order is
recomputed here from the same nodes.
"""

from __future__ import annotations

from kerastorch.utils import tree


def keras_layer_order(model) -> list:
    """The layers of functional `model` (InputLayers included), in Keras's order."""
    inputs = list(model._input_tensors)
    outputs = list(model._output_tensors)
    input_ids = {id(t) for t in inputs}
    finished: set[int] = set()
    in_progress: set[int] = set()
    ordered_nodes: list = []  # from the inputs towards the outputs
    first_visit: dict[int, int] = {}  # id(operation) -> DFS order

    def visit(tensor) -> None:
        history = tensor._keras_history
        if history is None:
            return
        operation = history.operation
        node = operation._inbound_nodes[history.node_index]
        if id(node) in finished:
            return
        if not node.is_input and id(tensor) in input_ids:
            finished.add(id(node))  # an intermediate tensor used as a model input
            return
        if id(node) in in_progress:
            raise ValueError(f"The graph of model '{model.name}' has a cycle.")
        first_visit.setdefault(id(operation), len(first_visit))
        in_progress.add(id(node))
        for parent in node.input_tensors:
            visit(parent)
        finished.add(id(node))
        in_progress.discard(id(node))
        ordered_nodes.append(node)

    for output in tree.flatten(outputs):
        visit(output)

    in_graph = {id(n) for n in ordered_nodes}
    node_depth: dict[int, int] = {}
    op_depth: dict[int, int] = {}
    operations: dict[int, object] = {}
    for node in reversed(ordered_nodes):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, op_depth.get(id(node.operation), 0))
        op_depth[id(node.operation)] = depth
        operations[id(node.operation)] = node.operation
        node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for tensor in inputs:  # inputs that no output depends on
        operation = tensor._keras_history.operation
        if id(operation) not in op_depth:
            op_depth[id(operation)] = 0
            first_visit[id(operation)] = -1
            operations[id(operation)] = operation

    ids = sorted(op_depth, key=lambda i: (-op_depth[i], first_visit[i]))
    return [operations[i] for i in ids]
