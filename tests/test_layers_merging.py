"""Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot (+ functional forms)."""

import json

import pytest
import torch
import torch.nn.functional as F

import kerastorch
from kerastorch.layers import merging
from kerastorch.layers.merging import Add
from kerastorch.layers.merging import Average
from kerastorch.layers.merging import Concatenate
from kerastorch.layers.merging import Dot
from kerastorch.layers.merging import Maximum
from kerastorch.layers.merging import Minimum
from kerastorch.layers.merging import Multiply
from kerastorch.layers.merging import Subtract

ELEMENTWISE = [
    (Add, merging.add, lambda xs: xs[0] + xs[1] + xs[2]),
    (Multiply, merging.multiply, lambda xs: xs[0] * xs[1] * xs[2]),
    (Average, merging.average, lambda xs: (xs[0] + xs[1] + xs[2]) / 3),
    (
        Maximum,
        merging.maximum,
        lambda xs: torch.maximum(torch.maximum(xs[0], xs[1]), xs[2]),
    ),
    (
        Minimum,
        merging.minimum,
        lambda xs: torch.minimum(torch.minimum(xs[0], xs[1]), xs[2]),
    ),
]


def roundtrip(layer):
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert clone.get_config() == layer.get_config()
    return clone


@pytest.mark.parametrize("cls, fn, reference", ELEMENTWISE)
def test_elementwise_numerics(cls, fn, reference):
    xs = [torch.randn(4, 3, 5) for _ in range(3)]
    expected = reference(xs)
    torch.testing.assert_close(cls()(xs), expected)
    torch.testing.assert_close(fn(xs), expected)
    torch.testing.assert_close(cls()(tuple(x.numpy() for x in xs)), expected)
    torch.testing.assert_close(roundtrip(cls(name="merge_x"))(xs), expected)


@pytest.mark.parametrize("cls, fn, reference", ELEMENTWISE)
def test_elementwise_broadcasting_and_rank_expansion(cls, fn, reference):
    a, b, c = torch.randn(2, 3, 4), torch.randn(2, 1, 4), torch.randn(2, 4)
    # The rank-2 input gets a size-1 axis after the batch axis, as in Keras.
    expected = reference([a, b, c.unsqueeze(1)])
    torch.testing.assert_close(cls()([a, b, c]), expected)
    layer = cls()
    assert layer.compute_output_shape([(None, 3, 4), (None, 1, 4), (None, 4)]) == (
        None,
        3,
        4,
    )
    inputs = [kerastorch.Input(shape=(3, 4)), kerastorch.Input(shape=(1, 4))]
    assert cls()(inputs).shape == (None, 3, 4)


@pytest.mark.parametrize("cls, fn, reference", ELEMENTWISE)
def test_elementwise_gradients_reach_every_input(cls, fn, reference):
    xs = [torch.randn(2, 3, requires_grad=True) for _ in range(3)]
    cls()(xs).sum().backward()
    for x in xs:
        assert x.grad is not None


def test_subtract_exactly_two_inputs():
    a, b = torch.randn(2, 3), torch.randn(2, 3)
    torch.testing.assert_close(Subtract()([a, b]), a - b)
    torch.testing.assert_close(merging.subtract([a, b]), a - b)
    with pytest.raises(ValueError, match="exactly 2 input"):
        Subtract()([a, b, a])
    with pytest.raises(ValueError, match="exactly 2 input"):
        Subtract()([a])
    assert Subtract()([kerastorch.Input(shape=(3,))] * 2).shape == (None, 3)


def test_single_input_list_is_allowed_as_in_keras3():
    x = torch.randn(2, 3)
    torch.testing.assert_close(Add()([x]), x)


@pytest.mark.parametrize("cls", [Add, Multiply, Maximum, Concatenate])
def test_merge_bad_inputs(cls):
    with pytest.raises(ValueError, match="list of inputs"):
        cls()(torch.randn(2, 3))
    with pytest.raises(ValueError, match="different batch sizes"):
        cls()([torch.randn(2, 3), torch.randn(4, 3)])
    with pytest.raises(ValueError, match="at least 1"):
        cls().build([])


def test_merge_incompatible_shapes_name_the_shapes():
    with pytest.raises(ValueError, match="'add_bad'.*\\(3,\\) and \\(4,\\)"):
        Add(name="add_bad")([torch.randn(2, 3), torch.randn(2, 4)])
    with pytest.raises(ValueError, match="incompatible shapes"):
        Multiply()([kerastorch.Input(shape=(3, 5)), kerastorch.Input(shape=(4, 5))])
    # Validated on every call, not only at build.
    layer = Maximum()
    layer([torch.randn(2, 3), torch.randn(2, 3)])
    with pytest.raises(ValueError, match="incompatible shapes"):
        layer([torch.randn(2, 3), torch.randn(2, 5)])


def _masked(x, mask):
    x._keras_mask = mask
    return x


def test_add_and_multiply_with_masks():
    m1 = torch.tensor([[True, False, False]])
    m2 = torch.tensor([[True, True, False]])
    a = _masked(torch.full((1, 3, 2), 2.0), m1)
    b = _masked(torch.full((1, 3, 2), 3.0), m2)
    out = Add()([a, b])
    # Masked-out entries count as 0; outside both masks the output is 0.
    torch.testing.assert_close(out[0, :, 0], torch.tensor([5.0, 3.0, 0.0]))
    assert torch.equal(out._keras_mask, m1 | m2)
    out = Multiply()([a, b])
    torch.testing.assert_close(out[0, :, 0], torch.tensor([6.0, 3.0, 0.0]))
    assert torch.equal(out._keras_mask, m1 | m2)


def test_maximum_minimum_with_masks():
    m1 = torch.tensor([[True, False, True]])
    m2 = torch.tensor([[False, True, True]])
    a = _masked(torch.tensor([[[5.0], [9.0], [1.0]]]), m1)
    b = _masked(torch.tensor([[[7.0], [2.0], [4.0]]]), m2)
    # A masked-out entry takes the other input's value.
    torch.testing.assert_close(
        Maximum()([a, b])[0, :, 0], torch.tensor([5.0, 2.0, 4.0])
    )
    torch.testing.assert_close(
        Minimum()([a, b])[0, :, 0], torch.tensor([5.0, 2.0, 1.0])
    )
    assert torch.equal(Maximum()([a, b])._keras_mask, m1 | m2)


def test_merge_mask_is_none_when_an_input_is_unmasked():
    a = _masked(torch.randn(1, 3, 2), torch.tensor([[True, False, True]]))
    b = torch.randn(1, 3, 2)
    assert getattr(Add()([a, b]), "_keras_mask", None) is None
    assert Add().compute_mask([a, b], None) is None


# --- Concatenate -------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [-1, 1, 2, 0])
def test_concatenate_numerics(axis):
    a = torch.randn(2, 3, 4)
    b = torch.randn(2, 3, 4)
    expected = torch.cat([a, b], dim=axis)
    torch.testing.assert_close(Concatenate(axis=axis)([a, b]), expected)
    torch.testing.assert_close(merging.concatenate([a, b], axis=axis), expected)


def test_concatenate_shapes_and_errors():
    a, b = kerastorch.Input(shape=(2, 5)), kerastorch.Input(shape=(1, 5))
    assert Concatenate(axis=1)([a, b]).shape == (None, 3, 5)
    c, d = kerastorch.Input(shape=(None, 2)), kerastorch.Input(shape=(None, 3))
    assert Concatenate()([c, d]).shape == (None, None, 5)
    layer = Concatenate(axis=1)
    assert layer.compute_output_shape([(None, 2, 5), (None, 1, 5)]) == (None, 3, 5)
    assert layer.compute_output_shape([(None, None, 5), (None, 1, 5)]) == (
        None,
        None,
        5,
    )
    with pytest.raises(
        ValueError, match="matching shapes except for the concatenation axis"
    ):
        Concatenate(axis=1)([torch.randn(2, 3, 4), torch.randn(2, 3, 5)])
    with pytest.raises(ValueError, match="matching shapes"):
        Concatenate()([torch.randn(2, 3, 4), torch.randn(2, 4)])
    with pytest.raises(ValueError, match="out of range"):
        Concatenate(axis=3)([torch.randn(2, 3), torch.randn(2, 3)])
    with pytest.raises(ValueError, match="Received: axis='1'"):
        Concatenate(axis="1")
    assert roundtrip(Concatenate(axis=1)).axis == 1


def test_concatenate_masks():
    m = torch.tensor([[True, False, True]])
    a = _masked(torch.randn(1, 3, 2), m)
    b = torch.randn(1, 3, 4)
    # Feature axis: the timestep mask survives (the unmasked input counts as all True).
    assert torch.equal(
        Concatenate()([a, b])._keras_mask, torch.ones(1, 3, dtype=torch.bool)
    )
    c = _masked(torch.randn(1, 3, 4), torch.tensor([[False, False, True]]))
    assert torch.equal(
        Concatenate()([a, c])._keras_mask, torch.tensor([[True, False, True]])
    )
    # Time axis: masks are concatenated.
    d = _masked(torch.randn(1, 2, 2), torch.tensor([[False, True]]))
    out = Concatenate(axis=1)([a, d])
    assert torch.equal(
        out._keras_mask, torch.tensor([[True, False, True, False, True]])
    )


def test_concatenate_gradient():
    a, b = torch.randn(2, 3, requires_grad=True), torch.randn(2, 4, requires_grad=True)
    (Concatenate()([a, b]) * torch.arange(7.0)).sum().backward()
    torch.testing.assert_close(a.grad, torch.arange(3.0).expand(2, 3))
    torch.testing.assert_close(b.grad, torch.arange(3.0, 7.0).expand(2, 4))


# --- Dot ---------------------------------------------------------------------------------------


def test_dot_2d_gives_batch_by_one():
    a, b = torch.randn(4, 5), torch.randn(4, 5)
    out = Dot(axes=1)([a, b])
    assert out.shape == (4, 1)
    torch.testing.assert_close(out[:, 0], (a * b).sum(dim=1))
    torch.testing.assert_close(merging.dot([a, b], axes=-1), out)


def test_dot_3d_axes_pairs_match_einsum():
    x, y = torch.randn(2, 3, 5), torch.randn(2, 10, 3)
    torch.testing.assert_close(
        Dot(axes=(1, 2))([x, y]), torch.einsum("bik,bji->bkj", x, y)
    )
    p, q = torch.randn(2, 4, 6), torch.randn(2, 6, 7)
    torch.testing.assert_close(Dot(axes=(2, 1))([p, q]), torch.bmm(p, q))
    torch.testing.assert_close(Dot(axes=(-1, -2))([p, q]), torch.bmm(p, q))
    r, s = torch.randn(2, 5), torch.randn(2, 3, 5)
    torch.testing.assert_close(
        Dot(axes=(1, 2))([r, s]), torch.einsum("bk,bjk->bj", r, s)
    )
    u, v = torch.randn(2, 3, 4, 5), torch.randn(2, 5, 6)
    torch.testing.assert_close(
        Dot(axes=(3, 1))([u, v]), torch.einsum("bijk,bkl->bijl", u, v)
    )


def test_dot_normalize_is_cosine_similarity():
    a, b = torch.randn(6, 8), torch.randn(6, 8)
    out = Dot(axes=1, normalize=True)([a, b])
    torch.testing.assert_close(out[:, 0], F.cosine_similarity(a, b, dim=1))


def test_dot_shapes_config_and_gradient():
    x, y = kerastorch.Input(shape=(3, 5)), kerastorch.Input(shape=(10, 3))
    assert Dot(axes=(1, 2))([x, y]).shape == (None, 5, 10)
    assert Dot(axes=1).compute_output_shape([(None, 4), (None, 4)]) == (None, 1)
    assert Dot(axes=(1, 2)).compute_output_shape([(None, 3, 5), (None, 10, 3)]) == (
        None,
        5,
        10,
    )
    clone = roundtrip(Dot(axes=(1, 2), normalize=True))
    assert clone.axes == (1, 2) and clone.normalize
    a, b = torch.randn(2, 3, requires_grad=True), torch.randn(2, 3, requires_grad=True)
    Dot(axes=1)([a, b]).sum().backward()
    torch.testing.assert_close(a.grad, b.detach())
    torch.testing.assert_close(b.grad, a.detach())
    masked = _masked(torch.randn(2, 3, 4), torch.ones(2, 3, dtype=torch.bool))
    assert getattr(Dot(axes=2)([masked, masked]), "_keras_mask", None) is None


@pytest.mark.parametrize(
    "axes, error, message",
    [
        ("1", TypeError, "Received: axes='1'"),
        ((1, 2, 3), ValueError, "two elements"),
        ((1, "2"), ValueError, "should be integers"),
    ],
)
def test_dot_bad_axes(axes, error, message):
    with pytest.raises(error, match=message):
        Dot(axes=axes)


def test_dot_bad_inputs():
    a = torch.randn(2, 3)
    with pytest.raises(ValueError, match="axis values 3 \\(at axis 1\\) != 4"):
        Dot(axes=1)([a, torch.randn(2, 4)])
    with pytest.raises(ValueError, match="axis 0"):
        Dot(axes=0)([a, a])
    with pytest.raises(ValueError, match="exactly 2 input"):
        Dot(axes=1)([a, a, a])
    with pytest.raises(ValueError, match="rank >= 2"):
        Dot(axes=1)([torch.randn(2), torch.randn(2)])
    with pytest.raises(ValueError, match="out of range"):
        Dot(axes=3)([a, a])
