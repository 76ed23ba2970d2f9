"""Identity: a placeholder layer that returns its input."""

from __future__ import annotations

from kerastorch.layers.layer import Layer


class Identity(Layer):
    """Returns its input unchanged (the same tensor objects), mask included.

    Useful as a placeholder, e.g. to switch a block off without rewiring a model.

    Example:

    >>> x = torch.ones(2, 3)
    >>> kerastorch.layers.Identity()(x) is x
    True
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
