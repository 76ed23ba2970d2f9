import copy

import numpy as np
import pytest
import torch

import kerastorch
from kerastorch.variables import Variable


def test_variable_is_parameter_with_keras_api():
    v = Variable(np.zeros((2, 3)), name="w")
    assert isinstance(v, torch.nn.Parameter)
    assert v.dtype == torch.float32  # float64 numpy becomes floatx
    assert v.name == "w" and v.trainable and v.requires_grad
    v.assign(np.ones((2, 3)))
    v.assign_add(torch.ones(2, 3))
    v.assign_sub(0.5 * np.ones((2, 3)))
    np.testing.assert_allclose(v.numpy(), 1.5 * np.ones((2, 3)))
    assert v.value is v
    assert v.shape == (2, 3)


def test_variable_from_callable_initializer():
    v = Variable(kerastorch.initializers.Ones(), shape=(4,), dtype="float32", name="ones")
    np.testing.assert_allclose(v.numpy(), np.ones(4))
    with pytest.raises(ValueError, match="shape"):
        Variable(kerastorch.initializers.Ones())


def test_assign_wrong_shape_names_variable():
    v = Variable(np.zeros((2, 3), dtype="float32"), name="kernel")
    with pytest.raises(ValueError, match="kernel"):
        v.assign(np.zeros((3, 2)))
    np.testing.assert_allclose(v.numpy(), 0.0)


def test_non_trainable_variable_has_no_grad():
    v = Variable(torch.ones(3), trainable=False)
    assert not v.requires_grad
    v.trainable = True
    assert v.requires_grad


def test_state_dict_deepcopy_and_pickle_round_trip():
    layer = kerastorch.layers.Dense(3)
    layer.build((None, 2))
    state = layer.state_dict()
    assert set(state) == {"kernel", "bias"}
    other = kerastorch.layers.Dense(3)
    other.build((None, 2))
    other.load_state_dict(state)
    torch.testing.assert_close(other.kernel, layer.kernel)
    clone = copy.deepcopy(layer)
    assert isinstance(clone.kernel, Variable) and clone.kernel.path == layer.kernel.path
    assert clone.kernel.data_ptr() != layer.kernel.data_ptr()
    import pickle

    restored = pickle.loads(pickle.dumps(layer.kernel))
    assert isinstance(restored, Variable) and restored.name == "kernel"
    torch.testing.assert_close(restored.detach(), layer.kernel.detach())


def test_gradients_flow_through_variable():
    v = Variable(torch.ones(3))
    (v * 2).sum().backward()
    torch.testing.assert_close(v.grad, torch.full((3,), 2.0))


def test_variable_survives_torch_compile():
    layer = kerastorch.layers.Dense(4)
    x = torch.randn(5, 3)
    expected = layer(x)

    def f(inp):
        return layer(inp)

    compiled = torch.compile(f, backend="eager")
    torch.testing.assert_close(compiled(x), expected)
    assert isinstance(layer.kernel, Variable)
