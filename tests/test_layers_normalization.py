"""Tests for the normalization layers: numerics, moving statistics, masks, config, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import kerastorch
from kerastorch.backend.keras_tensor import KerasTensor
from kerastorch.layers.normalization import BatchNormalization
from kerastorch.layers.normalization import GroupNormalization
from kerastorch.layers.normalization import LayerNormalization
from kerastorch.layers.normalization import RMSNormalization
from kerastorch.layers.normalization import UnitNormalization
from kerastorch.layers.normalization.batch_normalization import _channels_at_dim1

RTOL, ATOL = 1e-5, 1e-5


def _randn(*shape, seed=0, loc=1.5, scale=2.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g) * scale + loc


def _set_random_affine(layer, seed=1):
    """Give gamma/beta (or scale) non-trivial values, so tests see them applied."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for v in layer.trainable_weights:
            v.copy_(torch.rand(v.shape, generator=g) + 0.5)


def _bn_reference(x, axis, gamma, beta, mean, var, eps):
    """Keras's batch_normalization formula in numpy, channel axis `axis`."""
    shape = [1] * x.ndim
    shape[axis] = -1
    return (x - mean.reshape(shape)) / np.sqrt(
        var.reshape(shape) + eps
    ) * gamma.reshape(shape) + beta.reshape(shape)


# --- BatchNormalization --------------------------------------------------------------

BN_CASES = [
    ((6, 3), -1),  # 2-D: channel already at dim 1
    ((2, 3, 4), -1),  # sequence: flattened to (positions, C)
    ((2, 3, 3, 4), -1),  # NHWC: channels_last view
    ((2, 4, 3, 3), 1),  # NCHW
    ((2, 3, 4, 5), 2),  # an interior axis
    ((2, 2, 3, 2, 3), -1),  # NDHWC
]


@pytest.mark.parametrize("shape,axis", BN_CASES)
def test_batch_norm_training_matches_keras_formula(shape, axis):
    x = _randn(*shape)
    bn = BatchNormalization(axis=axis, momentum=0.8)
    bn.build(shape)
    _set_random_affine(bn)
    out = bn(x, training=True)

    xn = x.numpy().astype(np.float64)
    red = tuple(a for a in range(len(shape)) if a != axis % len(shape))
    mean, var = xn.mean(axis=red), xn.var(axis=red)  # biased variance
    gamma, beta = bn.gamma.detach().numpy(), bn.beta.detach().numpy()
    expected = _bn_reference(xn, axis % len(shape), gamma, beta, mean, var, 1e-3)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-4, atol=1e-4)
    # Keras's update: moving = moving * momentum + batch_stat * (1 - momentum),
    # with the *biased* batch variance (torch's own update would use n / (n - 1)).
    np.testing.assert_allclose(
        bn.moving_mean.numpy(), 0.8 * 0 + 0.2 * mean, rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        bn.moving_variance.numpy(), 0.8 * 1 + 0.2 * var, rtol=1e-5
    )
    n = xn.size // shape[axis]
    unbiased_update = 0.8 + 0.2 * var * n / (n - 1)
    assert not np.allclose(bn.moving_variance.numpy(), unbiased_update, rtol=1e-4)


def test_batch_norm_moving_stats_accumulate_over_steps():
    bn = BatchNormalization(momentum=0.9)
    batches = [_randn(5, 2, seed=s) for s in range(3)]
    mean, var = np.zeros(2), np.ones(2)
    for b in batches:
        bn(b, training=True)
        bn_np = b.numpy().astype(np.float64)
        mean = 0.9 * mean + 0.1 * bn_np.mean(0)
        var = 0.9 * var + 0.1 * bn_np.var(0)
    np.testing.assert_allclose(bn.moving_mean.numpy(), mean, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), var, rtol=1e-5)


@pytest.mark.parametrize("training", [False, None])
def test_batch_norm_inference_uses_moving_stats(training):
    x = _randn(4, 3, 3, 2)
    bn = BatchNormalization()
    bn.build(x.shape)
    _set_random_affine(bn)
    bn.set_weights(
        [
            bn.gamma.numpy(),
            bn.beta.numpy(),
            np.array([0.5, -1.0]),
            np.array([2.0, 0.25]),
        ]
    )
    out = bn(x, training=training)
    expected = _bn_reference(
        x.numpy(),
        3,
        bn.gamma.numpy(),
        bn.beta.numpy(),
        np.array([0.5, -1.0]),
        np.array([2.0, 0.25]),
        1e-3,
    )
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), [0.5, -1.0])
    np.testing.assert_array_equal(bn.moving_variance.numpy(), [2.0, 0.25])


def test_batch_norm_frozen_runs_in_inference_mode_and_keeps_stats():
    x = _randn(6, 4)
    bn = BatchNormalization()
    bn(x, training=True)  # move the statistics away from their initial values
    frozen_mean = bn.moving_mean.numpy().copy()
    frozen_var = bn.moving_variance.numpy().copy()
    expected = bn(x, training=False).detach()

    bn.trainable = False
    out = bn(x, training=True)
    torch.testing.assert_close(out, expected)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), frozen_mean)
    np.testing.assert_array_equal(bn.moving_variance.numpy(), frozen_var)
    assert bn.trainable_weights == []
    assert len(bn.non_trainable_weights) == 4
    bn.trainable = True
    assert not torch.allclose(bn(x, training=True), expected)


def test_batch_norm_weights_and_gradients():
    bn = BatchNormalization()
    x = _randn(8, 5).requires_grad_()
    out = bn(x, training=True)
    assert [w.name for w in bn.weights] == [
        "gamma",
        "beta",
        "moving_mean",
        "moving_variance",
    ]
    assert [w.name for w in bn.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in bn.non_trainable_weights] == [
        "moving_mean",
        "moving_variance",
    ]
    assert all(tuple(w.shape) == (5,) for w in bn.weights)
    assert sorted(bn.state_dict()) == [
        "beta",
        "gamma",
        "moving_mean",
        "moving_variance",
    ]

    upstream = _randn(8, 5, seed=3)
    (out * upstream).sum().backward()
    assert bn.gamma.grad is not None and bn.beta.grad is not None
    assert bn.moving_mean.grad is None and bn.moving_variance.grad is None
    assert not bn.moving_mean.requires_grad and not bn.moving_variance.requires_grad

    # Gradients through the batch statistics, against torch's own batch norm.
    x_ref = x.detach().clone().requires_grad_()
    g = torch.ones(5, requires_grad=True)
    b = torch.zeros(5, requires_grad=True)
    ref = F.batch_norm(x_ref, None, None, g, b, training=True, eps=1e-3)
    (ref * upstream).sum().backward()
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(x.grad, x_ref.grad)
    torch.testing.assert_close(bn.gamma.grad, g.grad)
    torch.testing.assert_close(bn.beta.grad, b.grad)


def test_batch_norm_called_twice_before_backward():
    # A shared layer (siamese nets, GAN real/fake passes) updates its moving
    # statistics twice before one backward pass.
    bn = BatchNormalization()
    x = _randn(6, 3).requires_grad_()
    loss = bn(x, training=True).square().sum() + bn(2 * x, training=True).square().sum()
    loss.backward()
    assert x.grad is not None and bn.gamma.grad is not None
    xn = x.detach().numpy().astype(np.float64)
    expected = 0.99 * (0.99 * 0 + 0.01 * xn.mean(0)) + 0.01 * 2 * xn.mean(0)
    np.testing.assert_allclose(bn.moving_mean.numpy(), expected, rtol=1e-5)


def test_batch_norm_center_scale_off():
    bn = BatchNormalization(center=False, scale=False)
    x = _randn(6, 3)
    out = bn(x, training=True)
    assert [w.name for w in bn.weights] == ["moving_mean", "moving_variance"]
    expected = (x - x.mean(0)) / torch.sqrt(x.var(0, unbiased=False) + 1e-3)
    torch.testing.assert_close(out, expected)


def test_batch_norm_single_value_per_channel():
    # torch's kernel refuses this; Keras gives variance 0, so the output is beta.
    bn = BatchNormalization(beta_initializer="ones")
    out = bn(torch.tensor([[3.0, -2.0]]), training=True)
    torch.testing.assert_close(out, torch.ones(1, 2))
    np.testing.assert_allclose(bn.moving_mean.numpy(), [0.03, -0.02], rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), [0.99, 0.99], rtol=1e-6)


def test_batch_norm_masked_statistics():
    x = _randn(2, 5, 3)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 0]], dtype=torch.bool)
    bn = BatchNormalization(momentum=0.5)
    out = bn(x, training=True, mask=mask)

    valid = x.numpy()[mask.numpy()].astype(np.float64)  # (7, 3): unmasked positions
    count = valid.shape[0] + 1e-7  # Keras divides by (sum of weights + epsilon)
    mean = valid.sum(0) / count
    var = ((valid - mean) ** 2).sum(0) / count
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.5 + 0.5 * var, rtol=1e-5)
    expected = _bn_reference(x.numpy(), 2, np.ones(3), np.zeros(3), mean, var, 1e-3)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-4, atol=1e-5)

    # An all-True mask gives the unmasked result (up to Keras's epsilon).
    plain = BatchNormalization()(x, training=True)
    full = BatchNormalization()(
        x, training=True, mask=torch.ones(2, 5, dtype=torch.bool)
    )
    torch.testing.assert_close(full, plain, rtol=1e-4, atol=1e-5)

    # Inference ignores the mask; the mask passes through to the output.
    x._keras_mask = mask
    out = bn(x)
    torch.testing.assert_close(out._keras_mask, mask)

    with pytest.raises(ValueError, match="one dimension less"):
        bn(x, training=True, mask=torch.ones(2, 5, 3, dtype=torch.bool))


def test_batch_norm_masked_channels_first_and_gradients():
    # The mask covers every axis but the features axis, wherever that is.
    x = _randn(2, 3, 5).requires_grad_()
    mask = torch.tensor([[1, 1, 0, 1, 0], [1, 0, 1, 1, 1]], dtype=torch.bool)
    bn = BatchNormalization(axis=1)
    out = bn(x, training=True, mask=mask)
    out.square().sum().backward()
    valid = x.detach().numpy().transpose(0, 2, 1)[mask.numpy()]  # (6, 3)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.01 * valid.mean(0), rtol=1e-4)
    assert x.grad is not None and bn.gamma.grad is not None and bn.beta.grad is not None


def test_batch_norm_no_copy_for_channels_last_input():
    x = _randn(2, 5, 6, 4)  # NHWC
    view, restore = _channels_at_dim1(x, 3)
    assert view.data_ptr() == x.data_ptr()
    assert view.is_contiguous(memory_format=torch.channels_last)
    assert restore(view).data_ptr() == x.data_ptr()
    bn = BatchNormalization()
    for training in (True, False):
        out = bn(x, training=training)
        assert out.is_contiguous()  # the kernel kept channels_last: no copy back


def test_batch_norm_half_precision_input():
    x = _randn(8, 4)
    bn32 = BatchNormalization()
    bn16 = BatchNormalization()
    ref = bn32(x, training=True)
    out = bn16(x.half(), training=True)
    assert out.dtype == torch.float16
    assert bn16.moving_mean.dtype == torch.float32
    torch.testing.assert_close(out.float(), ref, rtol=1e-2, atol=1e-2)


def test_batch_norm_training_flows_from_outer_call():
    class Block(kerastorch.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.bn = BatchNormalization()

        def call(self, x, training=None):
            return self.bn(x)

    block = Block()
    x = _randn(6, 2)
    block(x, training=True)
    assert not np.allclose(block.bn.moving_mean.numpy(), 0.0)
    moved = block.bn.moving_mean.numpy().copy()
    block(x)
    np.testing.assert_array_equal(block.bn.moving_mean.numpy(), moved)


def test_batch_norm_regularizers_and_constraints():
    bn = BatchNormalization(
        gamma_regularizer="l2", beta_regularizer="l1", gamma_constraint="non_neg"
    )
    bn(_randn(4, 3))
    assert len(bn.losses) == 2
    assert bn.gamma.constraint is not None


def test_batch_norm_synchronized_without_process_group_is_local():
    x = _randn(6, 3)
    a = BatchNormalization(synchronized=True)
    b = BatchNormalization()
    torch.testing.assert_close(a(x, training=True), b(x, training=True))
    torch.testing.assert_close(a.moving_variance.detach(), b.moving_variance.detach())


def test_batch_norm_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match=r"Received: momentum=1.5"):
        BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match=r"Received: epsilon=-1"):
        BatchNormalization(epsilon=-1)
    with pytest.raises(TypeError, match=r"Received: axis=\[1, 2\]"):
        BatchNormalization(axis=[1, 2])
    with pytest.raises(ValueError, match=r"Received: synchronized='yes'"):
        BatchNormalization(synchronized="yes")

    bn = BatchNormalization(axis=3, name="bn_axis")
    with pytest.raises(ValueError, match="bn_axis.*out of bounds"):
        bn(torch.ones(2, 3))
    with pytest.raises(ValueError, match="batch_normalization_rank1|min_ndim"):
        BatchNormalization(name="batch_normalization_rank1")(torch.ones(3))

    bn = BatchNormalization(name="bn_built")
    bn(torch.ones(2, 3))
    with pytest.raises(ValueError, match="bn_built.*ndim"):
        bn(torch.ones(2, 3, 3))
    with pytest.raises(ValueError, match="bn_built.*axis"):
        bn(torch.ones(2, 4))


# --- LayerNormalization -------------------------------------------------------------


def _ln_reference(x, axes, gamma, beta, eps, rms_scaling=False):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    shape = [1] * x.ndim
    for a in axes:
        shape[a] = x.shape[a]
    if rms_scaling:
        return x / np.sqrt(var + eps) * gamma.reshape(shape)
    return (x - mean) / np.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape)


@pytest.mark.parametrize(
    "shape,axis,axes",
    [
        ((4, 6), -1, (1,)),  # fused F.layer_norm
        ((2, 3, 4, 5), [-2, -1], (2, 3)),  # fused, several trailing axes
        ((2, 3, 4, 5), [1, 2], (1, 2)),  # generic path
        ((2, 3, 4), 1, (1,)),
    ],
)
def test_layer_norm_numerics(shape, axis, axes):
    x = _randn(*shape)
    ln = LayerNormalization(axis=axis)
    ln.build(shape)
    _set_random_affine(ln)
    assert tuple(ln.gamma.shape) == tuple(shape[a] for a in axes)
    out = ln(x)
    expected = _ln_reference(
        x.numpy().astype(np.float64), axes, ln.gamma.numpy(), ln.beta.numpy(), 1e-3
    )
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-4, atol=1e-5)


def test_layer_norm_matches_torch_layer_norm():
    x = _randn(3, 7, 8)
    ln = LayerNormalization(epsilon=1e-5)
    ln.build(x.shape)
    _set_random_affine(ln)
    ref = F.layer_norm(x, (8,), ln.gamma.detach(), ln.beta.detach(), 1e-5)
    torch.testing.assert_close(ln(x), ref)


def test_layer_norm_rms_scaling_uses_variance_and_gamma_only():
    x = _randn(4, 6)
    ln = LayerNormalization(rms_scaling=True)
    out = ln(x)
    assert [w.name for w in ln.weights] == ["gamma"]
    expected = _ln_reference(
        x.numpy().astype(np.float64), (1,), np.ones(6), None, 1e-3, True
    )
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_layer_norm_weights_gradients_and_mask():
    ln = LayerNormalization()
    x = _randn(2, 3, 4)
    x._keras_mask = torch.tensor([[True, False, True], [True, True, False]])
    out = ln(x)
    torch.testing.assert_close(out._keras_mask, x._keras_mask)
    out.square().sum().backward()
    assert [w.name for w in ln.trainable_weights] == ["gamma", "beta"]
    assert ln.gamma.grad is not None and ln.beta.grad is not None
    scale_only = LayerNormalization(center=False)
    scale_only(x)
    assert [w.name for w in scale_only.weights] == ["gamma"]
    no_center = LayerNormalization(center=False, scale=False)
    no_center(x)
    assert no_center.weights == []


def test_layer_norm_other_rank_and_dtype():
    ln = LayerNormalization()
    ln(_randn(2, 4))
    assert ln(_randn(2, 3, 4)).shape == (2, 3, 4)  # axis=-1 works at any rank
    out = ln(_randn(2, 4).half())
    assert out.dtype == torch.float32  # Keras casts to the compute dtype


def test_layer_norm_unsorted_axes_keep_keras_weight_layout():
    # Keras builds gamma in the order given and reshapes it (no transpose).
    ln = LayerNormalization(axis=[2, 1], center=False)
    x = _randn(2, 3, 4)
    ln.build(x.shape)
    assert tuple(ln.gamma.shape) == (4, 3)
    _set_random_affine(ln)
    gamma = ln.gamma.detach().numpy().reshape(1, 3, 4)
    expected = _ln_reference(
        x.numpy().astype(np.float64), (1, 2), np.ones((3, 4)), np.zeros((3, 4)), 1e-3
    )
    np.testing.assert_allclose(
        ln(x).detach().numpy(), expected * gamma, rtol=1e-4, atol=1e-5
    )


def test_layer_norm_bad_arguments_and_inputs():
    with pytest.raises(TypeError, match="Received: axis='x'"):
        LayerNormalization(axis="x")
    with pytest.raises(ValueError, match="Received: epsilon=-0.1"):
        LayerNormalization(epsilon=-0.1)
    with pytest.raises(ValueError, match="ln_bad.*out of bounds"):
        LayerNormalization(axis=2, name="ln_bad")(torch.ones(2, 3))
    with pytest.raises(ValueError, match="ln_rep.*repeated"):
        LayerNormalization(axis=[1, -1], name="ln_rep")(torch.ones(2, 3))
    ln = LayerNormalization(name="ln_size")
    ln(torch.ones(2, 3))
    with pytest.raises(ValueError, match="ln_size"):
        ln(torch.ones(2, 4))


# --- GroupNormalization -------------------------------------------------------------


def _gn_reference(x, groups, axis, gamma, beta, eps):
    """Keras's definition: consecutive channels form a group; numpy."""
    x = np.moveaxis(x, axis, -1)
    n, c = x.shape[0], x.shape[-1]
    grouped = x.reshape(n, -1, groups, c // groups)
    mean = grouped.mean(axis=(1, 3), keepdims=True)
    var = grouped.var(axis=(1, 3), keepdims=True)
    out = ((grouped - mean) / np.sqrt(var + eps)).reshape(x.shape) * gamma + beta
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize(
    "shape,axis,groups",
    [((2, 4, 5, 6), -1, 3), ((2, 6, 4, 5), 1, 2), ((3, 7, 8), -1, 4), ((2, 6), -1, 3)],
)
def test_group_norm_numerics(shape, axis, groups):
    x = _randn(*shape)
    gn = GroupNormalization(groups=groups, axis=axis)
    gn.build(shape)
    _set_random_affine(gn)
    out = gn(x)
    expected = _gn_reference(
        x.numpy().astype(np.float64),
        groups,
        axis % len(shape),
        gn.gamma.numpy(),
        gn.beta.numpy(),
        1e-3,
    )
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-4, atol=1e-5)


def test_group_norm_matches_torch_on_channels_first_and_keeps_layout():
    x = _randn(2, 5, 5, 8)  # NHWC
    gn = GroupNormalization(groups=4)
    gn.build(x.shape)
    _set_random_affine(gn)
    out = gn(x)
    ref = F.group_norm(
        x.permute(0, 3, 1, 2), 4, gn.gamma.detach(), gn.beta.detach(), 1e-3
    )
    torch.testing.assert_close(out, ref.permute(0, 2, 3, 1))
    assert out.is_contiguous()  # channels_last view in, channels_last result back


def test_group_norm_instance_norm_weights_and_gradients():
    gn = GroupNormalization(groups=-1)
    x = _randn(2, 3, 4)
    out = gn(x)
    assert gn.get_config()["groups"] == 4  # resolved at build, as Keras does
    expected = (x - x.mean(1, keepdim=True)) / torch.sqrt(
        x.var(1, unbiased=False, keepdim=True) + 1e-3
    )
    torch.testing.assert_close(out, expected)
    out.square().sum().backward()
    assert [w.name for w in gn.weights] == ["gamma", "beta"]
    assert gn.gamma.grad is not None and gn.beta.grad is not None


def test_group_norm_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="Received: groups=0"):
        GroupNormalization(groups=0)
    with pytest.raises(ValueError, match="Received: axis=0"):
        GroupNormalization(axis=0)
    with pytest.raises(TypeError, match=r"Received: axis=\[1\]"):
        GroupNormalization(axis=[1])
    with pytest.raises(ValueError, match="gn_div.*multiple"):
        GroupNormalization(groups=4, name="gn_div")(torch.ones(2, 6))
    with pytest.raises(ValueError, match="gn_many.*multiple"):
        GroupNormalization(groups=8, name="gn_many")(torch.ones(2, 4))
    gn = GroupNormalization(groups=2, name="gn_rank")
    gn(torch.ones(2, 3, 4))
    with pytest.raises(ValueError, match="gn_rank.*ndim"):
        gn(torch.ones(2, 4))


# --- UnitNormalization --------------------------------------------------------------


@pytest.mark.parametrize("axis,axes", [(-1, (1,)), ([1, 2], (1, 2))])
def test_unit_norm_numerics(axis, axes):
    x = _randn(3, 4, 5) if axes == (1, 2) else _randn(3, 4)
    out = UnitNormalization(axis=axis)(x)
    xn = x.numpy().astype(np.float64)
    expected = xn / np.maximum(np.sqrt((xn**2).sum(axis=axes, keepdims=True)), 1e-6)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose((out.numpy() ** 2).sum(axis=axes), 1.0, rtol=1e-5)


def test_unit_norm_zero_vector_and_no_weights():
    layer = UnitNormalization()
    x = torch.zeros(2, 3, requires_grad=True)
    out = layer(x)
    torch.testing.assert_close(out, torch.zeros(2, 3))
    out.sum().backward()
    assert torch.isfinite(x.grad).all()
    assert layer.weights == []


def test_unit_norm_bad_arguments():
    with pytest.raises(TypeError, match="Received: axis=1.5"):
        UnitNormalization(axis=1.5)
    with pytest.raises(ValueError, match="un_bad.*out of bounds"):
        UnitNormalization(axis=3, name="un_bad")(torch.ones(2, 3))


# --- RMSNormalization ---------------------------------------------------------------


@pytest.mark.parametrize("shape,axis,axes", [((3, 6), -1, (1,)), ((2, 4, 3), 1, (1,))])
def test_rms_norm_numerics(shape, axis, axes):
    x = _randn(*shape)
    layer = RMSNormalization(axis=axis)
    layer.build(shape)
    _set_random_affine(layer)
    out = layer(x)
    xn = x.numpy().astype(np.float64)
    bshape = [1] * len(shape)
    bshape[axes[0]] = shape[axes[0]]
    expected = (
        xn
        / np.sqrt((xn**2).mean(axis=axes, keepdims=True) + 1e-6)
        * layer.scale.numpy().reshape(bshape)
    )
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_rms_norm_weights_and_gradients():
    layer = RMSNormalization()
    x = _randn(2, 5)
    out = layer(x)
    assert [w.name for w in layer.weights] == ["scale"]
    out.square().sum().backward()
    assert layer.scale.grad is not None
    ref = F.rms_norm(x, (5,), None, 1e-6)
    torch.testing.assert_close(out, ref)
    assert layer(_randn(2, 3, 5)).shape == (2, 3, 5)  # axis=-1 at a higher rank
    with pytest.raises(ValueError, match="Received: epsilon='a'"):
        RMSNormalization(epsilon="a")


# --- shared: config round trip, symbolic shapes, regularizer losses ---------------------

ALL_LAYERS = [
    lambda: BatchNormalization(
        axis=1,
        momentum=0.9,
        epsilon=1e-2,
        center=False,
        gamma_initializer="random_normal",
        gamma_regularizer="l2",
    ),
    lambda: LayerNormalization(
        axis=[1, 2], epsilon=1e-4, scale=False, beta_constraint="non_neg"
    ),
    lambda: LayerNormalization(rms_scaling=True),
    lambda: GroupNormalization(groups=2, axis=1, epsilon=1e-5, beta_regularizer="l1"),
    lambda: UnitNormalization(axis=[1, 2]),
    lambda: RMSNormalization(axis=1, epsilon=1e-5),
]


@pytest.mark.parametrize("make", ALL_LAYERS)
def test_config_round_trip(make):
    layer = make()
    x = _randn(3, 4, 6)
    out = (
        layer(x, training=False) if isinstance(layer, BatchNormalization) else layer(x)
    )
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    clone.build(tuple(x.shape))
    clone.set_weights(layer.get_weights())
    torch.testing.assert_close(clone(x), out)


@pytest.mark.parametrize("make", ALL_LAYERS)
def test_symbolic_call_and_compute_output_shape(make):
    layer = make()
    inputs = kerastorch.Input(shape=(4, 6))
    out = layer(inputs)
    assert isinstance(out, KerasTensor)
    assert out.shape == (None, 4, 6)
    assert tuple(layer.compute_output_shape((None, 4, 6))) == (None, 4, 6)
    assert layer(_randn(2, 4, 6)).shape == (2, 4, 6)
