"""`run_layer_test`: the checks every layer must pass (Keras's testing helper, on torch)."""

from __future__ import annotations

import numpy as np
import torch

import kerastorch


def run_layer_test(
    layer_cls,
    init_kwargs: dict,
    input_shape=None,
    input_data=None,
    expected_output_shape=None,
    expected_num_trainable_weights: int | None = None,
    expected_num_non_trainable_weights: int | None = None,
    supports_masking: bool | None = None,
    run_training_check: bool = True,
    input_dtype=torch.float32,
):
    """Build, call, check shapes/weights, train one step, and round-trip the config.

    Returns the output of the call on `input_data` (random if not given).
    """
    if input_data is None:
        input_data = torch.rand(input_shape, dtype=input_dtype)
    input_data = torch.as_tensor(input_data)
    layer = layer_cls(**init_kwargs)
    assert not layer.built
    if supports_masking is not None:
        assert layer.supports_masking == supports_masking

    output = layer(input_data)
    assert layer.built
    if expected_output_shape is not None:
        assert tuple(output.shape) == tuple(expected_output_shape)
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights
    if expected_num_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights
    # Every weight is registered with torch exactly once.
    assert len(list(layer.parameters())) == len(layer.weights)

    # Symbolic call: same shape, with an unknown batch size.
    symbolic = layer(kerastorch.Input(batch_shape=(None, *tuple(input_data.shape)[1:]), dtype=str(input_data.dtype).replace("torch.", "")))
    assert tuple(symbolic.shape)[1:] == tuple(output.shape)[1:]

    # Config round trip: a new layer with the same weights computes the same.
    config = layer.get_config()
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config
    clone(input_data)
    clone.set_weights(layer.get_weights())
    torch.testing.assert_close(clone(input_data), layer(input_data))

    if run_training_check and layer.trainable_weights:
        out = layer(input_data, training=True) if layer._call_has_training_arg else layer(input_data)
        loss = out.float().square().mean()
        loss.backward()
        for w in layer.trainable_weights:
            assert w.grad is not None, f"no gradient for {w.path}"
        for w in layer.non_trainable_weights:
            assert w.grad is None
    return output


def assert_numpy_close(a, b, atol=1e-5, rtol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=atol, rtol=rtol)
