"""Activation, Identity, Masking, Embedding, EinsumDense, Lambda."""

import json
import warnings

import pytest
import torch
import torch.nn.functional as F
from layer_test_utils import run_layer_test

import kerastorch
from kerastorch.layers.core import Activation
from kerastorch.layers.core import EinsumDense
from kerastorch.layers.core import Embedding
from kerastorch.layers.core import Identity
from kerastorch.layers.core import Lambda
from kerastorch.layers.core import Masking
from kerastorch.utils.warnings import KerasTorchWarning


def json_config(layer) -> dict:
    return json.loads(json.dumps(layer.get_config()))


# --- Activation / Identity ----------------------------------------------------------------


def test_activation_numerics():
    x = torch.randn(3, 5)
    torch.testing.assert_close(Activation("relu")(x), F.relu(x))
    torch.testing.assert_close(Activation("softmax")(x), torch.softmax(x, dim=-1))
    torch.testing.assert_close(Activation(torch.tanh)(x), torch.tanh(x))
    assert Activation(None)(x) is x


def test_activation_config_mask_and_errors():
    layer = Activation("gelu")
    clone = Activation.from_config(json_config(layer))
    x = torch.randn(2, 3)
    torch.testing.assert_close(clone(x), layer(x))
    assert clone.get_config()["activation"] == "gelu"
    assert Activation("relu")(kerastorch.Input(shape=(4, 2))).shape == (None, 4, 2)
    x._keras_mask = torch.tensor([True, False])
    assert torch.equal(Activation("relu")(x)._keras_mask, x._keras_mask)
    with pytest.raises(ValueError, match="'rellu'. Did you mean: 'relu'"):
        Activation("rellu")


def test_identity_returns_input_and_mask():
    x = torch.randn(2, 3)
    x._keras_mask = torch.tensor([True, False])
    out = Identity()(x)
    assert out is x and torch.equal(out._keras_mask, x._keras_mask)
    assert Identity()(kerastorch.Input(shape=(7,))).shape == (None, 7)
    assert Identity.from_config(Identity(name="skip").get_config()).name == "skip"


# --- Masking ---------------------------------------------------------------------------------


def test_masking_output_and_mask():
    x = torch.tensor(
        [[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]], [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]]
    )
    out = Masking()(x)
    expected_mask = torch.tensor([[True, False, True], [False, False, True]])
    assert torch.equal(out._keras_mask, expected_mask)
    torch.testing.assert_close(out, x * expected_mask[..., None])
    y = torch.tensor([[[-1.0, -1.0], [5.0, -1.0]]])
    out = Masking(mask_value=-1.0)(y)
    assert torch.equal(out._keras_mask, torch.tensor([[False, True]]))
    torch.testing.assert_close(out, torch.tensor([[[0.0, 0.0], [5.0, -1.0]]]))


def test_masking_mask_reaches_the_next_layer():
    x = torch.tensor([[[1.0], [0.0], [2.0]]])
    seen = Lambda(lambda inputs, mask: mask.float())(Masking()(x))
    torch.testing.assert_close(seen, torch.tensor([[1.0, 0.0, 1.0]]))


def test_masking_gradient_shapes_config_errors():
    x = torch.tensor([[[1.0, 2.0], [0.0, 0.0]]], requires_grad=True)
    Masking()(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.tensor([[[1.0, 1.0], [0.0, 0.0]]]))
    assert Masking()(kerastorch.Input(shape=(5, 3))).shape == (None, 5, 3)
    assert Masking.from_config(json_config(Masking(mask_value=-1.0))).mask_value == -1.0
    with pytest.raises(ValueError, match="Received: mask_value='pad'"):
        Masking(mask_value="pad")


# --- Embedding -------------------------------------------------------------------------------


def test_embedding_layer_test():
    run_layer_test(
        Embedding,
        {"input_dim": 10, "output_dim": 4},
        input_data=torch.randint(0, 10, (3, 5)),
        expected_output_shape=(3, 5, 4),
        expected_num_trainable_weights=1,
        expected_num_non_trainable_weights=0,
        supports_masking=False,
    )


def test_embedding_numerics_weights_and_float_ids():
    layer = Embedding(10, 4)
    ids = torch.tensor([[1, 2, 9], [0, 0, 3]])
    out = layer(ids)
    torch.testing.assert_close(out, F.embedding(ids, layer.embeddings.detach()))
    torch.testing.assert_close(layer(ids.float()), out)
    torch.testing.assert_close(layer(ids.to(torch.int32)), out)
    torch.testing.assert_close(layer(ids.numpy()), out)
    (w,) = layer.weights
    assert w.name == "embeddings" and w.path == "embedding/embeddings"
    assert tuple(w.shape) == (10, 4)
    # Keras's "uniform" initializer: U(-0.05, 0.05).
    big = Embedding(500, 64)
    big.build()
    assert big.embeddings.abs().max() <= 0.05 and big.embeddings.std() > 0.02


def test_embedding_mask_zero():
    layer = Embedding(5, 2, mask_zero=True)
    assert layer.supports_masking
    ids = torch.tensor([[3, 0, 1], [0, 0, 2]])
    out = layer(ids)
    assert torch.equal(out._keras_mask, ids != 0)
    assert torch.equal(layer.compute_mask(ids, None), ids != 0)
    assert Embedding(5, 2).compute_mask(ids, None) is None
    assert getattr(Embedding(5, 2)(ids), "_keras_mask", None) is None


def test_embedding_gradient_only_for_used_rows():
    layer = Embedding(6, 3)
    layer(torch.tensor([[1, 1, 4]])).sum().backward()
    grad = layer.embeddings.grad
    torch.testing.assert_close(grad[1], torch.full((3,), 2.0))
    torch.testing.assert_close(grad[4], torch.ones(3))
    assert grad[[0, 2, 3, 5]].abs().sum() == 0


def test_embedding_initial_weights_config_dtype_and_symbolic():
    table = torch.arange(12.0).reshape(6, 2).numpy()
    layer = Embedding(6, 2, weights=table)
    torch.testing.assert_close(layer(torch.tensor([5])), torch.tensor([[10.0, 11.0]]))
    clone = Embedding.from_config(json_config(Embedding(6, 2, mask_zero=True)))
    assert clone.mask_zero and clone.output_dim == 2
    mixed = Embedding(6, 2, dtype="mixed_bfloat16")
    assert mixed(torch.tensor([[1]])).dtype == torch.bfloat16
    assert mixed.embeddings.dtype == torch.float32
    ids = kerastorch.Input(shape=(7,), dtype="int64")
    assert Embedding(6, 3)(ids).shape == (None, 7, 3)


def test_embedding_bad_arguments():
    with pytest.raises(ValueError, match="Received: input_dim=0, output_dim=4"):
        Embedding(0, 4)
    with pytest.raises(ValueError, match="Received: input_dim=3, output_dim=2.5"):
        Embedding(3, 2.5)
    with pytest.raises(ValueError, match="Could not interpret initializer identifier"):
        Embedding(3, 2, embeddings_initializer="unifrom")
    with pytest.warns(KerasTorchWarning, match="input_length"):
        Embedding(3, 2, input_length=5)


# --- EinsumDense -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "equation, output_shape, bias_axes, input_shape, kernel, bias, out",
    [
        ("ab,bc->ac", 64, "c", (2, 32), (32, 64), (64,), (2, 64)),
        ("abc,cd->abd", (None, 64), "d", (2, 32, 128), (128, 64), (64,), (2, 32, 64)),
        (
            "abc,cde->abde",
            (None, 16, 64),
            "de",
            (2, 32, 8),
            (8, 16, 64),
            (16, 64),
            (2, 32, 16, 64),
        ),
        ("...b,bc->...c", 64, "c", (2, 32, 128), (128, 64), (64,), (2, 32, 64)),
        (
            "abc...,cd->abd...",
            (5, 4),
            "b",
            (2, 5, 3, 7),
            (3, 4),
            (5, 1, 1),
            (2, 5, 4, 7),
        ),
        ("ab,bcd->acd", (4, 5), None, (2, 3), (3, 4, 5), None, (2, 4, 5)),
    ],
)
def test_einsum_dense_shapes_and_numerics(
    equation, output_shape, bias_axes, input_shape, kernel, bias, out
):
    layer = EinsumDense(
        equation, output_shape, bias_axes=bias_axes, bias_initializer="random_normal"
    )
    x = torch.randn(input_shape)
    y = layer(x)
    assert tuple(layer.kernel.shape) == kernel
    assert (layer.bias is None) == (bias is None)
    if bias is not None:
        assert tuple(layer.bias.shape) == bias
    assert tuple(y.shape) == out
    expected = torch.einsum(equation, x, layer.kernel.detach())
    if bias is not None:
        expected = expected + layer.bias.detach()
    torch.testing.assert_close(y, expected)
    assert layer.compute_output_shape((None, *input_shape[1:])) == (None, *out[1:])


def test_einsum_dense_layer_test_and_activation():
    run_layer_test(
        EinsumDense,
        {
            "equation": "abc,cd->abd",
            "output_shape": (None, 6),
            "bias_axes": "d",
            "activation": "relu",
            "kernel_regularizer": "l2",
        },
        input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 6),
        expected_num_trainable_weights=2,
        expected_num_non_trainable_weights=0,
    )
    layer = EinsumDense("ab,bc->ac", 3, activation="tanh")
    x = torch.randn(2, 5)
    torch.testing.assert_close(layer(x), torch.tanh(x @ layer.kernel.detach()))
    assert [w.name for w in layer.weights] == ["kernel"]
    assert len(layer.losses) == 0


def test_einsum_dense_symbolic_and_config():
    layer = EinsumDense("...b,bc->...c", 4, bias_axes="c")
    assert layer(kerastorch.Input(shape=(6, 3))).shape == (None, 6, 4)
    clone = EinsumDense.from_config(json_config(layer))
    assert clone.partial_output_shape == (4,) and clone.bias_axes == "c"
    clone(torch.zeros(1, 6, 3))
    clone.set_weights(layer.get_weights())
    x = torch.randn(2, 6, 3)
    torch.testing.assert_close(clone(x), layer(x))


@pytest.mark.parametrize(
    "kwargs, input_shape, message",
    [
        (
            {"equation": "ab->ac", "output_shape": 3},
            None,
            "Invalid einsum equation 'ab->ac'",
        ),
        (
            {"equation": "ab,bc->ac", "output_shape": 0},
            None,
            "Received: output_shape=0",
        ),
        ({"equation": 3, "output_shape": 3}, None, "Received: equation=3"),
        (
            {"equation": "ab,bc->ac", "output_shape": 3, "bias_axes": "x"},
            (2, 4),
            "Bias dimension 'x'",
        ),
        ({"equation": "ab,bc->ac", "output_shape": (3, 4)}, (2, 4), "needs 1 entries"),
        ({"equation": "ab,bc->acd", "output_shape": (3, 4)}, (2, 4), "Dimension 'd'"),
        ({"equation": "ab,bcd->ac", "output_shape": 3}, (2, 4), "Weight dimension 'd'"),
        (
            {"equation": "abc,cd->abd", "output_shape": (7, 5)},
            (2, 3, 4),
            "shared dimension 'b'",
        ),
        (
            {"equation": "ab,bc->ac", "output_shape": 3},
            (2, 3, 4),
            "expects inputs of rank 2",
        ),
        (
            {"equation": "ab,bc->ac", "output_shape": 3, "lora_rank": 2},
            None,
            "Received: lora_rank=2",
        ),
    ],
)
def test_einsum_dense_errors(kwargs, input_shape, message):
    with pytest.raises(ValueError, match=message):
        layer = EinsumDense(**kwargs)
        layer(torch.zeros(input_shape))


# --- Lambda ---------------------------------------------------------------------------------


def double(x):
    return x * 2


def shift(x, amount=0.0):
    return x + amount


def pass_mask(inputs, previous_mask):
    return previous_mask


def test_lambda_calls_function_with_arguments_mask_and_training():
    x = torch.randn(2, 3)
    torch.testing.assert_close(Lambda(lambda t: t**2)(x), x**2)
    torch.testing.assert_close(Lambda(shift, arguments={"amount": 1.5})(x), x + 1.5)

    seen = {}

    def record(t, training=None):
        seen["training"] = training
        return t

    layer = Lambda(record)
    layer(x, training=True)
    assert seen["training"] is True
    layer(x)
    assert seen["training"] is None


def test_lambda_mask_argument():
    x = torch.randn(2, 3, 4)
    x._keras_mask = torch.tensor([[True, False, True], [True, True, False]])
    assert (
        getattr(Lambda(double)(x), "_keras_mask", None) is None
    )  # no mask: none produced
    assert torch.equal(Lambda(double, mask=pass_mask)(x)._keras_mask, x._keras_mask)
    fixed = torch.tensor([[True, True, True], [False, False, False]])
    assert torch.equal(Lambda(double, mask=fixed)(x)._keras_mask, fixed)


def test_lambda_output_shapes():
    x = kerastorch.Input(shape=(4, 3))
    assert Lambda(lambda t: t.sum(dim=-1))(x).shape == (None, 4)
    assert Lambda(double).compute_output_shape((None, 4, 3)) == (None, 4, 3)
    assert Lambda(double, output_shape=(12,)).compute_output_shape((None, 4, 3)) == (
        None,
        12,
    )
    assert Lambda(double, output_shape=lambda s: (s[0], 1)).compute_output_shape(
        (8, 4)
    ) == (8, 1)


def test_lambda_named_function_round_trip():
    layer = Lambda(shift, output_shape=(3,), arguments={"amount": 2.0})
    config = json_config(layer)
    assert config["function"]["class_name"] == "function"
    assert config["function"]["config"] == "shift"
    with pytest.raises(ValueError, match="custom_objects=\\{'shift': shift\\}"):
        Lambda.from_config(config)
    clone = Lambda.from_config(config, custom_objects={"shift": shift})
    x = torch.randn(2, 3)
    torch.testing.assert_close(clone(x), x + 2.0)
    assert clone.compute_output_shape((None, 3)) == (None, 3)
    with kerastorch.saving.custom_object_scope({"shift": shift}):
        assert Lambda.from_config(config).function is shift
    # kerastorch's own functions are found without help.
    relu_layer = Lambda.from_config(json_config(Lambda(kerastorch.activations.relu)))
    assert relu_layer.function is kerastorch.activations.relu


def test_lambda_bytecode_needs_safe_mode_off():
    layer = Lambda(lambda t, k=3.0: t * k + torch.ones(()), mask=lambda i, m: m)
    config = json_config(layer)
    assert config["function"]["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="safe_mode=False"):
        Lambda.from_config(config)
    with pytest.raises(ValueError, match="safe_mode=False"):
        Lambda.from_config(config, safe_mode=True)
    clone = Lambda.from_config(config, safe_mode=False)
    x = torch.randn(2, 2)
    torch.testing.assert_close(clone(x), x * 3.0 + 1.0)
    assert callable(clone.mask)


def test_lambda_unserializable_parts_raise():
    offset = torch.ones(3)
    with pytest.raises(ValueError, match="enclosing variables"):
        Lambda(lambda t: t + offset).get_config()
    with pytest.raises(ValueError, match="fixed mask tensor"):
        Lambda(double, mask=torch.ones(2, dtype=torch.bool)).get_config()
    with pytest.raises(ValueError, match="arguments"):
        Lambda(shift, arguments={"amount": torch.ones(1)}).get_config()
    with pytest.raises(ValueError, match="Received: function=3"):
        Lambda(3)
    with pytest.raises(ValueError, match="Received: arguments="):
        Lambda(double, arguments=[1])


def test_lambda_gradient_and_sequential():
    x = torch.randn(4, 3, requires_grad=True)
    Lambda(double)(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.full((4, 3), 2.0))
    model = kerastorch.Sequential(
        [kerastorch.Input(shape=(3,)), Lambda(double), Activation("relu")]
    )
    y = torch.randn(5, 3)
    torch.testing.assert_close(model(y), F.relu(2 * y))


def test_no_warnings_on_plain_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Embedding(3, 2)(torch.tensor([[1]]))
        Masking()(torch.ones(1, 2, 3))
