"""Embedding: look up a dense vector for each integer index."""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F

from kerastorch import constraints
from kerastorch import initializers
from kerastorch import regularizers
from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.layers.layer import Layer
from kerastorch.utils.warnings import KerasTorchWarning


class Embedding(Layer):
    """Turns non-negative integer indices into dense vectors of size `output_dim`.

    The table has Keras's layout and name: `embeddings`, shape
    `(input_dim, output_dim)`. Indices may come as integer or float tensors
    (floats are truncated to integers). The lookup is `torch.nn.functional.embedding`.

    Args:
        input_dim: positive integer, the vocabulary size (largest index + 1).
        output_dim: positive integer, the size of each vector.
        embeddings_initializer: Defaults to `"uniform"` (uniform in [-0.05, 0.05]).
        embeddings_regularizer: Defaults to `None`.
        embeddings_constraint: Defaults to `None`.
        mask_zero: whether index 0 is padding: the layer then produces the
            mask `inputs != 0` for the layers after it, and index 0 is
            unavailable for real tokens (`input_dim` should be vocabulary + 1).
            Defaults to `False`.
        weights: optional initial table, an array of shape
            `(input_dim, output_dim)` (or a one-element list of it).
            Defaults to `None`.

    Example:

    >>> layer = kerastorch.layers.Embedding(1000, 64)
    >>> layer(torch.randint(0, 1000, (32, 10))).shape
    torch.Size([32, 10, 64])
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero: bool = False,
        weights=None,
        lora_rank: int | None = None,
        **kwargs,
    ):
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(
                    f"`{arg}` must be a positive integer. Received: "
                    f"input_dim={input_dim}, output_dim={output_dim}"
                )
        if lora_rank is not None:
            raise ValueError(
                "LoRA (`lora_rank`) is not supported by kerastorch's Embedding. "
                f"Received: lora_rank={lora_rank}"
            )
        if kwargs.pop("input_length", None) is not None:
            warnings.warn(
                "Argument `input_length` is deprecated. Just remove it.",
                KerasTorchWarning,
                stacklevel=2,
            )
        activity_regularizer = kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        # Index lookups are not autocast; the output is cast to the compute dtype.
        self.autocast = False
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )

    def call(self, inputs):
        if inputs.dtype not in (torch.int32, torch.int64):  # float / uint8 / ... ids
            inputs = inputs.long()
        outputs = F.embedding(inputs, self.embeddings)  # (*inputs.shape, output_dim)
        compute_dtype = to_torch_dtype(self.compute_dtype)
        if outputs.dtype != compute_dtype:
            outputs = outputs.to(compute_dtype)
        return outputs

    def compute_mask(self, inputs, previous_mask=None):
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.output_dim)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(
                    self.embeddings_initializer
                ),
                "embeddings_regularizer": regularizers.serialize(
                    self.embeddings_regularizer
                ),
                "activity_regularizer": regularizers.serialize(
                    self.activity_regularizer
                ),
                "embeddings_constraint": constraints.serialize(
                    self.embeddings_constraint
                ),
                "mask_zero": self.mask_zero,
            }
        )
        return config
