"""kerastorch.optimizers: Keras update rules on torch.optim, and the Keras extras."""

import inspect
import json
import math
import warnings

import numpy as np
import pytest
import torch

from kerastorch import optimizers
from kerastorch.optimizers import schedules
from kerastorch.utils.warnings import KerasTorchWarning
from kerastorch.variables import Variable

RNG = np.random.default_rng(0)
W0 = RNG.normal(size=(3, 4))
GRADS = [RNG.normal(size=(3, 4)) for _ in range(4)]


def var(value, name="w", constraint=None):
    return Variable(
        torch.tensor(np.asarray(value, dtype=np.float64)),
        name=name,
        constraint=constraint,
    )


def run(opt, grads=GRADS, w0=W0):
    """Apply `grads` one step each through the trainer path (p.grad + step)."""
    w = var(w0)
    opt.build([w])
    for g in grads:
        opt.zero_grad()
        w.grad = torch.tensor(g)
        opt.step()
    return w.detach().numpy()


# --- Keras's update formulas, written from the Keras docs/source, in numpy -------


def keras_sgd(lr=0.01, momentum=0.0, nesterov=False, wd=None, grads=GRADS):
    w, m = W0.copy(), np.zeros_like(W0)
    for g in grads:
        if wd:
            w = w - w * wd * lr
        if momentum:
            m = momentum * m - lr * g
            w = w + (momentum * m - lr * g if nesterov else m)
        else:
            w = w - lr * g
    return w


def keras_adam(
    lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, wd=None, grads=GRADS, w0=W0
):
    w, m, v, vhat = w0.copy(), np.zeros_like(w0), np.zeros_like(w0), np.zeros_like(w0)
    for t, g in enumerate(grads, start=1):
        if wd:
            w = w - w * wd * lr
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        if amsgrad:
            vhat = np.maximum(vhat, v)
        w = w - m * alpha / (np.sqrt(vhat if amsgrad else v) + eps)
    return w


def keras_adamax(lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    w, m, u = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    for t, g in enumerate(GRADS, start=1):
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1**t) * (u + eps))
    return w


def keras_adagrad(lr=0.001, init=0.1, eps=1e-7):
    w, acc = W0.copy(), np.full_like(W0, init)
    for g in GRADS:
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc + eps)
    return w


def keras_adadelta(lr=0.001, rho=0.95, eps=1e-7):
    w, ag, ad = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    for g in GRADS:
        ag = rho * ag + (1 - rho) * g * g
        delta = -np.sqrt(ad + eps) * g / np.sqrt(ag + eps)
        ad = rho * ad + (1 - rho) * delta * delta
        w = w + lr * delta
    return w


def keras_rmsprop(lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    w, vel, mom, avg = (
        W0.copy(),
        np.zeros_like(W0),
        np.zeros_like(W0),
        np.zeros_like(W0),
    )
    for g in GRADS:
        vel = rho * vel + (1 - rho) * g * g
        if centered:
            avg = rho * avg + (1 - rho) * g
            denominator = vel - avg * avg + eps
        else:
            denominator = vel + eps
        increment = lr * g / np.sqrt(denominator)
        if momentum > 0:
            mom = momentum * mom + increment
            w = w - mom
        else:
            w = w - increment
    return w


def keras_nadam(lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    w, m, v, u_product = W0.copy(), np.zeros_like(W0), np.zeros_like(W0), 1.0
    for t, g in enumerate(GRADS, start=1):
        u_t = b1 * (1 - 0.5 * 0.96 ** (0.004 * t))
        u_t1 = b1 * (1 - 0.5 * 0.96 ** (0.004 * (t + 1)))
        u_product_t = u_product * u_t
        u_product_t1 = u_product_t * u_t1
        u_product = u_product_t
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        m_hat = u_t1 * m / (1 - u_product_t1) + (1 - u_t) * g / (1 - u_product_t)
        v_hat = v / (1 - b2**t)
        w = w - m_hat * lr / (np.sqrt(v_hat) + eps)
    return w


def keras_lion(lr=0.001, b1=0.9, b2=0.99):
    w, m = W0.copy(), np.zeros_like(W0)
    for g in GRADS:
        w = w - lr * np.sign(m * b1 + g * (1 - b1))
        m = m * b2 + g * (1 - b2)
    return w


def keras_adafactor(w0, grads, lr=0.001, decay=-0.8, eps1=1e-30, eps2=1e-3, clip=1.0):
    rms = lambda x: np.sqrt(np.mean(x * x))  # noqa: E731
    w = w0.copy()
    r = np.zeros(w.shape[:-1])
    c = np.zeros(w.shape[:-2] + w.shape[-1:])
    v = np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        rho = min(lr, 1 / math.sqrt(t))
        alpha = max(eps2, rms(w)) * rho
        g2 = g * g + eps1
        beta = 1 - t**decay
        if w.ndim >= 2:
            r = beta * r + (1 - beta) * g2.mean(axis=-1)
            c = beta * c + (1 - beta) * g2.mean(axis=-2)
            v = (r / r.mean(axis=-1, keepdims=True))[..., None] * c[..., None, :]
        else:
            v = beta * v + (1 - beta) * g2
        u = g / np.sqrt(v)
        w = w - alpha * u / max(1.0, rms(u) / clip)
    return w


# --- each optimizer against its Keras formula -------------------------------------

EXACT = {"rtol": 1e-10, "atol": 1e-12}


@pytest.mark.parametrize(
    "opt, expected, tol",
    [
        (lambda: optimizers.SGD(0.1), lambda: keras_sgd(0.1), EXACT),
        (lambda: optimizers.SGD(0.1, momentum=0.9), lambda: keras_sgd(0.1, 0.9), EXACT),
        (
            lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
            lambda: keras_sgd(0.1, 0.9, True),
            EXACT,
        ),
        (lambda: optimizers.SGD(0.1, nesterov=True), lambda: keras_sgd(0.1), EXACT),
        (lambda: optimizers.Adam(0.01), lambda: keras_adam(0.01), EXACT),
        (
            lambda: optimizers.Adam(0.01, amsgrad=True),
            lambda: keras_adam(0.01, amsgrad=True),
            EXACT,
        ),
        (lambda: optimizers.AdamW(0.01), lambda: keras_adam(0.01, wd=0.004), EXACT),
        # torch keeps NAdam's momentum product as a float32 scalar.
        (
            lambda: optimizers.Nadam(0.01),
            lambda: keras_nadam(0.01),
            {"rtol": 1e-7, "atol": 1e-9},
        ),
        (lambda: optimizers.Adadelta(1.0), lambda: keras_adadelta(1.0), EXACT),
        (lambda: optimizers.Lion(0.01), lambda: keras_lion(0.01), EXACT),
        # torch places epsilon differently (see the class docstrings): ~eps-sized gaps.
        (
            lambda: optimizers.Adamax(0.01),
            lambda: keras_adamax(0.01),
            {"rtol": 1e-6, "atol": 1e-8},
        ),
        (
            lambda: optimizers.Adagrad(0.1),
            lambda: keras_adagrad(0.1),
            {"rtol": 1e-6, "atol": 1e-8},
        ),
        # RMSprop: epsilon outside the square root, ~eps / (2 * v) relative per step.
        (
            lambda: optimizers.RMSprop(0.01),
            lambda: keras_rmsprop(0.01),
            {"rtol": 1e-4, "atol": 1e-6},
        ),
        (
            lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
            lambda: keras_rmsprop(0.01, momentum=0.5, centered=True),
            {"rtol": 1e-4, "atol": 1e-6},
        ),
    ],
)
def test_matches_keras_formula(opt, expected, tol):
    np.testing.assert_allclose(run(opt()), expected(), **tol)


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (5,)])
def test_adafactor_matches_keras_formula(shape):
    w0 = RNG.normal(size=shape)
    grads = [RNG.normal(size=shape) for _ in range(3)]
    ours = run(optimizers.Adafactor(0.1), grads=grads, w0=w0)
    np.testing.assert_allclose(
        ours, keras_adafactor(w0, grads, lr=0.1), rtol=1e-6, atol=1e-9
    )


def test_adam_epsilon_is_placed_as_in_keras():
    # With gradients near epsilon, torch's own placement would be off by ~30x
    # at step 1; the per-step epsilon rescaling makes it exact.
    tiny = [g * 1e-8 for g in GRADS]
    ours = run(optimizers.Adam(0.01), grads=tiny)
    np.testing.assert_allclose(ours, keras_adam(0.01, grads=tiny), **EXACT)
    plain_torch = var(W0)
    torch_adam = torch.optim.Adam([plain_torch], lr=0.01, eps=1e-7)
    for g in tiny:
        plain_torch.grad = torch.tensor(g)
        torch_adam.step()
    assert not np.allclose(
        plain_torch.detach().numpy(), keras_adam(0.01, grads=tiny), rtol=1e-3
    )


def test_lion_update_is_torch_optimizer():
    w = torch.nn.Parameter(torch.tensor(W0))
    lion = optimizers.lion.TorchLion([w], lr=0.01)
    for g in GRADS:
        w.grad = torch.tensor(g)
        lion.step()
    np.testing.assert_allclose(w.detach().numpy(), keras_lion(0.01), **EXACT)


# --- defaults ------------------------------------------------------------------------

KERAS_DEFAULTS = {
    optimizers.SGD: {
        "learning_rate": 0.01,
        "momentum": 0.0,
        "nesterov": False,
        "name": "SGD",
    },
    optimizers.Adam: {
        "learning_rate": 0.001,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-7,
        "amsgrad": False,
    },
    optimizers.AdamW: {
        "learning_rate": 0.001,
        "weight_decay": 0.004,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-7,
    },
    optimizers.Adamax: {
        "learning_rate": 0.001,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-7,
    },
    optimizers.Adagrad: {
        "learning_rate": 0.001,
        "initial_accumulator_value": 0.1,
        "epsilon": 1e-7,
    },
    optimizers.Adadelta: {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7},
    optimizers.RMSprop: {
        "learning_rate": 0.001,
        "rho": 0.9,
        "momentum": 0.0,
        "epsilon": 1e-7,
        "centered": False,
    },
    optimizers.Nadam: {
        "learning_rate": 0.001,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "epsilon": 1e-7,
    },
    optimizers.Lion: {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.99},
    optimizers.Adafactor: {
        "learning_rate": 0.001,
        "beta_2_decay": -0.8,
        "epsilon_1": 1e-30,
        "epsilon_2": 1e-3,
        "clip_threshold": 1.0,
        "relative_step": True,
    },
}
BASE_DEFAULTS = {
    "weight_decay": None,
    "clipnorm": None,
    "clipvalue": None,
    "global_clipnorm": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


@pytest.mark.parametrize("cls", list(KERAS_DEFAULTS))
def test_defaults_match_keras(cls):
    params = inspect.signature(cls).parameters
    expected = {**BASE_DEFAULTS, **KERAS_DEFAULTS[cls]}
    for arg, value in expected.items():
        assert params[arg].default == value, arg
    config = cls().get_config()
    for arg, value in expected.items():
        assert config[arg] == value, arg


def test_torch_hyperparameters_follow_keras_defaults():
    w = var(W0)
    rms = optimizers.RMSprop()
    rms.build([w])
    group = rms.param_groups[0]
    assert (group["alpha"], group["eps"], group["lr"]) == (0.9, 1e-7, 0.001)
    ada = optimizers.Adagrad()
    ada.build([w])
    assert ada.param_groups[0]["initial_accumulator_value"] == 0.1
    adam = optimizers.Adam()
    adam.build([w])
    assert adam.param_groups[0]["betas"] == (0.9, 0.999)


# --- weight decay -------------------------------------------------------------------


def test_decoupled_weight_decay_for_sgd():
    np.testing.assert_allclose(
        run(optimizers.SGD(0.1, momentum=0.9, weight_decay=0.05)),
        keras_sgd(0.1, 0.9, wd=0.05),
        **EXACT,
    )


def test_decoupled_weight_decay_for_adam():
    np.testing.assert_allclose(
        run(optimizers.Adam(0.01, weight_decay=0.1)), keras_adam(0.01, wd=0.1), **EXACT
    )


@pytest.mark.parametrize("cls", [optimizers.AdamW, optimizers.SGD])
def test_exclude_from_weight_decay(cls):
    kernel, bias, other = var(W0, "kernel"), var(W0, "bias"), var(W0, "other")
    opt = cls(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[other], var_names=["bias"])
    opt.build([kernel, bias, other])
    for v in (kernel, bias, other):
        v.grad = torch.zeros_like(v)
    opt.step()
    np.testing.assert_allclose(kernel.detach().numpy(), W0 * (1 - 0.1 * 0.5), **EXACT)
    np.testing.assert_allclose(bias.detach().numpy(), W0, **EXACT)
    np.testing.assert_allclose(other.detach().numpy(), W0, **EXACT)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["kernel"])


# --- clipping --------------------------------------------------------------------------


def _one_sgd_step(**kwargs):
    a, b = var(np.zeros(3), "a"), var(np.zeros(2), "b")
    opt = optimizers.SGD(1.0, **kwargs)
    opt.build([a, b])
    a.grad = torch.tensor([3.0, 4.0, 0.0], dtype=torch.float64)  # norm 5
    b.grad = torch.tensor([0.3, 0.4], dtype=torch.float64)  # norm 0.5
    opt.step()
    return -a.detach().numpy(), -b.detach().numpy()


def test_clipnorm_is_per_tensor():
    ga, gb = _one_sgd_step(clipnorm=1.0)
    np.testing.assert_allclose(ga, [0.6, 0.8, 0.0], **EXACT)
    np.testing.assert_allclose(gb, [0.3, 0.4], **EXACT)


def test_global_clipnorm():
    ga, gb = _one_sgd_step(global_clipnorm=1.0)
    total = math.sqrt(25 + 0.25)
    np.testing.assert_allclose(ga, np.array([3.0, 4.0, 0.0]) / total, rtol=1e-5)
    np.testing.assert_allclose(gb, np.array([0.3, 0.4]) / total, rtol=1e-5)


def test_clipvalue():
    ga, gb = _one_sgd_step(clipvalue=0.35)
    np.testing.assert_allclose(ga, [0.35, 0.35, 0.0], **EXACT)
    np.testing.assert_allclose(gb, [0.3, 0.35], **EXACT)


def test_only_one_clip_argument():
    with pytest.raises(
        ValueError, match="Only one of `clipnorm`, `clipvalue` and `global_clipnorm`"
    ):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)


# --- learning rate, schedules, iterations ------------------------------------------------


def test_learning_rate_set_changes_next_update():
    w = var(np.zeros(2))
    opt = optimizers.SGD(0.1)
    opt.build([w])
    w.grad = torch.ones(2, dtype=torch.float64)
    opt.step()
    assert opt.learning_rate == pytest.approx(0.1)
    opt.learning_rate = 0.01
    assert opt.learning_rate == pytest.approx(0.01)
    assert opt.param_groups[0]["lr"] == 0.01
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [-0.11, -0.11], **EXACT)
    opt.learning_rate.assign(0.5)
    assert float(opt.learning_rate.numpy()) == 0.5


def test_schedule_drives_updates_and_can_be_replaced():
    w = var(np.zeros(1))
    opt = optimizers.SGD(schedules.PiecewiseConstantDecay([1], [1.0, 0.1]))
    opt.build([w])
    deltas = []
    for _ in range(3):
        assert opt.learning_rate == pytest.approx([1.0, 1.0, 0.1][len(deltas)])
        before = w.item()
        w.grad = torch.ones(1, dtype=torch.float64)
        opt.step()
        deltas.append(before - w.item())
    np.testing.assert_allclose(deltas, [1.0, 1.0, 0.1], **EXACT)
    assert opt._plain is False
    opt.learning_rate = 0.5  # a float replaces the schedule (what callbacks do)
    assert opt._plain is True
    before = w.item()
    opt.step()
    assert before - w.item() == pytest.approx(0.5)
    opt.learning_rate = schedules.ExponentialDecay(1.0, 1, 0.5)
    assert opt.learning_rate == pytest.approx(0.5**4)


def test_callable_learning_rate():
    rate = {"value": 0.5}
    w = var(np.zeros(1))
    opt = optimizers.SGD(lambda: rate["value"])
    opt.build([w])
    w.grad = torch.ones(1, dtype=torch.float64)
    opt.step()
    rate["value"] = 0.25
    opt.step()
    assert w.item() == pytest.approx(-0.75)
    with pytest.raises(ValueError, match="cannot be serialized"):
        opt.get_config()


def test_iterations():
    opt = optimizers.Adam()
    run(opt)
    assert opt.iterations == len(GRADS)
    assert int(opt.iterations) == 4
    assert opt.iterations.numpy() == np.int64(4)
    opt.iterations.assign(10)
    assert opt.iterations == 10
    assert opt.state_dict()["iterations"] == 10


# --- apply / apply_gradients --------------------------------------------------------------


def test_apply_builds_and_matches_step():
    w = var(W0)
    opt = optimizers.Adam(0.01)
    for g in GRADS:
        opt.apply([torch.tensor(g)], [w])
    assert opt.built and w.grad is None
    np.testing.assert_allclose(w.detach().numpy(), keras_adam(0.01), **EXACT)
    opt.apply([torch.tensor(GRADS[0])])  # built: variables may be left out
    assert opt.iterations == 5


def test_apply_gradients_pairs_and_leaves_grads_untouched():
    a, b = var(np.zeros(3), "a"), var(np.zeros(2), "b")
    grad = torch.tensor([3.0, 4.0, 0.0], dtype=torch.float64)
    opt = optimizers.SGD(1.0, clipnorm=1.0)
    result = opt.apply_gradients([(grad, a), (torch.ones(2, dtype=torch.float64), b)])
    assert result == 1
    # The caller's tensor is not scaled in place.
    np.testing.assert_allclose(grad.numpy(), [3.0, 4.0, 0.0])
    np.testing.assert_allclose(a.detach().numpy(), [-0.6, -0.8, 0.0], **EXACT)


def test_apply_errors():
    a, b = var(np.zeros(2), "a"), var(np.zeros(2), "b")
    opt = optimizers.SGD()
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([torch.ones(2)])
    with pytest.raises(ValueError, match="one gradient per variable"):
        opt.apply([torch.ones(2)], [a, b])
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply([None], [a])
    opt = optimizers.SGD()
    with pytest.warns(KerasTorchWarning, match="Gradients do not exist for variables"):
        opt.apply([torch.ones(2), None], [a, b])
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply([torch.ones(2)], [var(np.zeros(2), "new")])


def test_step_before_build_raises():
    with pytest.raises(ValueError, match="not built yet"):
        optimizers.SGD(clipnorm=1.0).step()


# --- constraints, EMA, accumulation, loss scaling ------------------------------------------


def test_constraints_applied_after_update():
    w = var(np.array([0.05, 1.0]), constraint=lambda x: x.clamp(min=0.0))
    free = var(np.array([0.05, 1.0]), "free")
    opt = optimizers.SGD(0.1)
    opt.build([w, free])
    w.grad = torch.ones(2, dtype=torch.float64)
    free.grad = torch.ones(2, dtype=torch.float64)
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.0, 0.9], **EXACT)
    np.testing.assert_allclose(free.detach().numpy(), [-0.05, 0.9], **EXACT)


def test_ema_tracks_weights_and_finalize_overwrites():
    opt = optimizers.SGD(0.1, use_ema=True, ema_momentum=0.9)
    w = var(W0)
    opt.build([w])
    average = None
    for g in GRADS:
        w.grad = torch.tensor(g)
        opt.step()
        now = w.detach().numpy().copy()
        average = now if average is None else 0.9 * average + 0.1 * now
    np.testing.assert_allclose(w.detach().numpy(), keras_sgd(0.1), **EXACT)
    np.testing.assert_allclose(opt.variables[-1].numpy(), average, **EXACT)
    opt.finalize_variable_values([w])
    np.testing.assert_allclose(w.detach().numpy(), average, **EXACT)


def test_ema_overwrite_frequency():
    opt = optimizers.SGD(1.0, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    w = var(np.zeros(1))
    opt.build([w])
    w.grad = torch.ones(1, dtype=torch.float64)
    opt.step()  # w = -1, average = -1
    assert w.item() == pytest.approx(-1.0)
    opt.step()  # w = -2, average = -1.5, then overwritten
    assert w.item() == pytest.approx(-1.5)


@pytest.mark.parametrize("cls", [optimizers.SGD, optimizers.Adam])
def test_gradient_accumulation_equals_bigger_batch(cls):
    x = torch.randn(8, 3, dtype=torch.float64)
    y = torch.randn(8, 2, dtype=torch.float64)
    w_full, w_acc = var(W0[:, :2], "full"), var(W0[:, :2], "acc")
    full = cls(learning_rate=0.1)
    full.build([w_full])
    acc = cls(learning_rate=0.1, gradient_accumulation_steps=2)
    acc.build([w_acc])
    for _ in range(2):  # two updates
        full.zero_grad()
        ((x @ w_full - y) ** 2).mean().backward()
        full.step()
        for half in (slice(0, 4), slice(4, 8)):
            acc.zero_grad()  # a no-op between accumulating steps
            ((x[half] @ w_acc - y[half]) ** 2).mean().backward()
            acc.step()
    torch.testing.assert_close(w_acc.detach(), w_full.detach(), rtol=1e-10, atol=1e-12)
    assert acc.iterations == 2 and acc._iterations == 4
    assert w_acc.grad is not None
    acc.zero_grad()  # right after an update: clears
    assert w_acc.grad is None


def test_loss_scale_factor():
    x = torch.randn(4, 3, dtype=torch.float64)
    w_plain, w_scaled = var(W0[:, :1], "plain"), var(W0[:, :1], "scaled")
    plain, scaled = optimizers.Adam(0.1), optimizers.Adam(0.1, loss_scale_factor=128.0)
    plain.build([w_plain])
    scaled.build([w_scaled])
    assert plain.scale_loss(3.0) == 3.0 and scaled.scale_loss(3.0) == 384.0
    assert plain._loss_scale is None and scaled._loss_scale == 128.0
    for opt, w in ((plain, w_plain), (scaled, w_scaled)):
        opt.scale_loss((x @ w).pow(2).mean()).backward()
        opt.step()
    torch.testing.assert_close(
        w_scaled.detach(), w_plain.detach(), rtol=1e-12, atol=1e-14
    )


def test_grad_scaler_drives_the_optimizer():
    x = torch.randn(4, 3)
    w_plain, w_amp = var(W0[:, :1], "plain").float(), var(W0[:, :1], "amp").float()
    w_plain, w_amp = torch.nn.Parameter(w_plain), torch.nn.Parameter(w_amp)
    plain, amp = optimizers.SGD(0.1, clipnorm=0.5), optimizers.SGD(0.1, clipnorm=0.5)
    plain.build([w_plain])
    amp.build([w_amp])
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    (x @ w_plain).pow(2).mean().backward()
    plain.step()
    scaler.scale((x @ w_amp).pow(2).mean()).backward()
    scaler.step(amp)  # unscales through optimizer.param_groups, then amp.step()
    scaler.update()
    torch.testing.assert_close(w_amp.detach(), w_plain.detach())


def test_plain_step_takes_the_fast_path():
    w = var(W0)
    for opt in (optimizers.SGD(), optimizers.Adam(), optimizers.AdamW()):
        opt.build([w])
        assert opt._plain, opt.name
    for kwargs in (
        {"clipnorm": 1.0},
        {"use_ema": True},
        {"gradient_accumulation_steps": 2},
        {"learning_rate": schedules.ExponentialDecay(0.1, 10, 0.9)},
        {"weight_decay": 0.1},
    ):
        opt = optimizers.SGD(**kwargs)
        opt.build([w])
        assert not opt._plain, kwargs
    constrained = var(W0, constraint=lambda x: x)
    opt = optimizers.SGD()
    opt.build([constrained])
    assert not opt._plain


# --- state -------------------------------------------------------------------------------


def test_state_dict_round_trip_resumes_training():
    reference = run(optimizers.Adam(0.01, use_ema=True))
    first = optimizers.Adam(0.01, use_ema=True)
    w = var(W0)
    first.build([w])
    for g in GRADS[:2]:
        w.grad = torch.tensor(g)
        first.step()
    state = first.state_dict()
    assert state["iterations"] == 2 and len(state["ema"]) == 1
    second = optimizers.Adam(0.01, use_ema=True)
    second.load_state_dict(state)  # before build: applied at build time
    second.build([w])
    assert second.iterations == 2
    for g in GRADS[2:]:
        w.grad = torch.tensor(g)
        second.step()
    np.testing.assert_allclose(w.detach().numpy(), reference, **EXACT)
    assert len(second.variables) == 4  # exp_avg, exp_avg_sq, step, ema average


def test_build_is_idempotent_and_checks_inputs():
    w = var(W0)
    opt = optimizers.SGD()
    opt.build([w])
    torch_opt = opt.torch_optimizer
    opt.build([w, w])
    assert opt.torch_optimizer is torch_opt
    with pytest.raises(ValueError, match="at least one variable"):
        optimizers.SGD().build([])
    with pytest.raises(TypeError, match="Variables"):
        optimizers.SGD().build([np.zeros(2)])


def test_build_adds_new_variables_with_the_same_settings():
    a = var(np.zeros(2), "a")
    b = var(np.ones(2), "b", constraint=lambda x: x.clamp(max=0.5))
    opt = optimizers.AdamW(0.1, weight_decay=0.5, use_ema=True, clipnorm=1.0)
    opt.build([a])
    opt.build([a, b])  # e.g. a layer unfrozen between two fit() calls
    assert len(opt.param_groups) == 2
    b.grad = torch.zeros(2, dtype=torch.float64)
    opt.step()
    # decayed (1 - 0.1 * 0.5) then constrained; EMA tracks it from its first step
    np.testing.assert_allclose(b.detach().numpy(), [0.5, 0.5], **EXACT)
    np.testing.assert_allclose(opt.variables[-1].numpy(), [0.95, 0.95], **EXACT)
    with pytest.raises(ValueError, match="Unknown variable: 'c'"):
        opt.apply([torch.ones(2)], [var(np.zeros(2), "c")])


# --- torch optimizers ------------------------------------------------------------------------


def test_wrap_torch_optimizer_instance():
    w_ours, w_ref = var(W0, "ours"), var(W0, "ref")
    wrapped = optimizers.get(torch.optim.SGD([w_ours], lr=0.1, momentum=0.9))
    reference = torch.optim.SGD([w_ref], lr=0.1, momentum=0.9)
    assert isinstance(wrapped, optimizers.TorchOptimizer) and wrapped.built
    wrapped.build([w_ours])  # no-op
    for g in GRADS:
        for w in (w_ours, w_ref):
            w.grad = torch.tensor(g)
        wrapped.step()
        reference.step()
        wrapped.zero_grad()
    assert w_ours.grad is None
    torch.testing.assert_close(w_ours.detach(), w_ref.detach())
    assert wrapped.iterations == 4
    assert wrapped.learning_rate == pytest.approx(0.1)
    wrapped.learning_rate = 0.05
    assert wrapped.torch_optimizer.param_groups[0]["lr"] == 0.05


def test_wrapped_param_groups_keep_their_ratio():
    a, b = var(W0, "a"), var(W0, "b")
    torch_opt = torch.optim.Adam(
        [{"params": [a], "lr": 0.1}, {"params": [b], "lr": 0.01}]
    )
    wrapped = optimizers.TorchOptimizer(torch_opt)
    wrapped.learning_rate = 0.05
    assert [g["lr"] for g in torch_opt.param_groups] == pytest.approx([0.05, 0.005])
    explicit = optimizers.TorchOptimizer(
        torch.optim.SGD([a], lr=0.1), learning_rate=0.5
    )
    assert explicit.param_groups[0]["lr"] == 0.5 and explicit.learning_rate == 0.5


def test_torch_optimizer_class_is_built_later_and_round_trips():
    wrapped = optimizers.get(torch.optim.SGD)
    assert not wrapped.built and wrapped.learning_rate == pytest.approx(0.001)
    wrapped = optimizers.TorchOptimizer(
        torch.optim.SGD, {"momentum": 0.9}, learning_rate=0.1
    )
    w_ours, w_ref = var(W0, "ours"), var(W0, "ref")
    wrapped.build([w_ours])
    reference = torch.optim.SGD([w_ref], lr=0.1, momentum=0.9)
    config = optimizers.serialize(wrapped)
    json.dumps(config)
    assert config["config"]["torch_optimizer"] == "torch.optim.SGD"
    rebuilt = optimizers.deserialize(config)
    w_rebuilt = var(W0, "rebuilt")
    rebuilt.build([w_rebuilt])
    for g in GRADS:
        for w in (w_ours, w_ref, w_rebuilt):
            w.grad = torch.tensor(g)
        wrapped.step()
        reference.step()
        rebuilt.step()
    torch.testing.assert_close(w_ours.detach(), w_ref.detach())
    torch.testing.assert_close(w_rebuilt.detach(), w_ref.detach())
    with pytest.raises(TypeError, match="torch.optim.Optimizer"):
        optimizers.TorchOptimizer("sgd")
    bad = dict(config, config={**config["config"], "torch_optimizer": "os.system"})
    with pytest.raises(ValueError, match="Cannot rebuild the torch optimizer"):
        optimizers.deserialize(bad)


# --- config, get, serialize ------------------------------------------------------------------------

CONFIGURED = [
    lambda: optimizers.SGD(0.05, momentum=0.5, nesterov=True, clipnorm=2.0),
    lambda: optimizers.Adam(0.002, beta_1=0.8, amsgrad=True, global_clipnorm=1.0),
    lambda: optimizers.AdamW(0.003, weight_decay=0.01, use_ema=True, ema_momentum=0.9),
    lambda: optimizers.Adamax(0.002, clipvalue=0.5),
    lambda: optimizers.Adagrad(
        0.01, initial_accumulator_value=0.2, loss_scale_factor=4.0
    ),
    lambda: optimizers.Adadelta(0.5, rho=0.9, gradient_accumulation_steps=2),
    lambda: optimizers.RMSprop(
        0.01, rho=0.8, momentum=0.1, centered=True, weight_decay=0.01
    ),
    lambda: optimizers.Nadam(0.002, beta_2=0.99),
    lambda: optimizers.Lion(schedules.CosineDecay(0.01, 100), beta_2=0.9),
    lambda: optimizers.Adafactor(0.01, clip_threshold=2.0),
]


@pytest.mark.parametrize("make", CONFIGURED)
def test_config_round_trip(make):
    opt = make()
    config = opt.get_config()
    json.dumps(config)
    clone = type(opt).from_config(config)
    assert clone.get_config() == config
    via_dict = optimizers.deserialize(json.loads(json.dumps(optimizers.serialize(opt))))
    assert type(via_dict) is type(opt) and via_dict.get_config() == config
    np.testing.assert_allclose(run(clone, GRADS[:2]), run(make(), GRADS[:2]), **EXACT)


@pytest.mark.parametrize(
    "name, cls",
    [
        ("adam", optimizers.Adam),
        ("sgd", optimizers.SGD),
        ("rmsprop", optimizers.RMSprop),
        ("adamw", optimizers.AdamW),
        ("adagrad", optimizers.Adagrad),
        ("adadelta", optimizers.Adadelta),
        ("adamax", optimizers.Adamax),
        ("nadam", optimizers.Nadam),
        ("lion", optimizers.Lion),
        ("adafactor", optimizers.Adafactor),
        ("Adam", optimizers.Adam),
        ("SGD", optimizers.SGD),
        ("RMSprop", optimizers.RMSprop),
        ("AdamW", optimizers.AdamW),
    ],
)
def test_get_by_name(name, cls):
    opt = optimizers.get(name)
    assert type(opt) is cls
    assert opt.get_config() == cls().get_config()


def test_get_other_identifiers():
    assert optimizers.get(None) is None
    adam = optimizers.Adam()
    assert optimizers.get(adam) is adam
    assert type(optimizers.get(optimizers.Nadam)) is optimizers.Nadam
    assert (
        optimizers.get(
            {"class_name": "SGD", "config": {"learning_rate": 0.5}}
        ).learning_rate
        == 0.5
    )
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 3"):
        optimizers.get(3)
    with pytest.raises(ValueError, match="base class"):
        optimizers.get("optimizer")


def test_unknown_name_lists_close_matches():
    with pytest.raises(ValueError) as info:
        optimizers.get("adan")
    message = str(info.value)
    assert message.startswith(
        "Could not interpret optimizer identifier: 'adan'. Did you mean: 'adam'"
    )
    with pytest.raises(ValueError, match="Did you mean: 'rmsprop'"):
        optimizers.get("rmsprob")


def test_custom_optimizer_and_schedule_through_custom_objects():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, step):
            return self.rate / 2**step

        def get_config(self):
            return {"rate": self.rate}

    class MySGD(optimizers.SGD):
        pass

    config = optimizers.serialize(MySGD(Halving(1.0)))
    assert config["registered_name"] == "MySGD"
    with pytest.raises(ValueError, match="Could not interpret learning rate schedule"):
        optimizers.deserialize(config, custom_objects={"MySGD": MySGD})
    opt = optimizers.deserialize(
        config, custom_objects={"MySGD": MySGD, "Halving": Halving}
    )
    assert type(opt) is MySGD and opt.learning_rate == 1.0
    opt.iterations = 3
    assert opt.learning_rate == 0.125


# --- bad arguments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: optimizers.SGD(learning_rate="fast"), ValueError, "learning_rate"),
        (lambda: optimizers.SGD(learning_rate=-0.1), ValueError, "learning_rate=-0.1"),
        (lambda: optimizers.SGD(momentum=1.5), ValueError, "momentum=1.5"),
        (lambda: optimizers.Adam(beta_1=1.0), ValueError, "beta_1=1.0"),
        (lambda: optimizers.Adam(epsilon="x"), TypeError, "epsilon"),
        (lambda: optimizers.AdamW(weight_decay=None), ValueError, "weight_decay=None"),
        (lambda: optimizers.Lion(beta_1=0.0), ValueError, "SignSGD"),
        (lambda: optimizers.RMSprop(rho=2.0), ValueError, "rho=2.0"),
        (lambda: optimizers.Adafactor(beta_2_decay=0.5), ValueError, "<= 0"),
        (lambda: optimizers.SGD(gradient_accumulation_steps=1), ValueError, ">= 2"),
        (
            lambda: optimizers.SGD(use_ema=True, ema_momentum=2.0),
            ValueError,
            "ema_momentum=2.0",
        ),
        (
            lambda: optimizers.SGD(use_ema=True, ema_overwrite_frequency=0.5),
            ValueError,
            "ema_overwrite",
        ),
        (
            lambda: optimizers.SGD(loss_scale_factor=0.0),
            ValueError,
            "loss_scale_factor",
        ),
        (lambda: optimizers.SGD(clipnorm=-1.0), ValueError, "clipnorm=-1.0"),
        (lambda: optimizers.SGD(weight_decay=-1.0), ValueError, "weight_decay"),
        (lambda: optimizers.SGD(lr=0.1), ValueError, "not recognized"),
    ],
)
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_decay_argument_warns_and_is_ignored():
    with pytest.warns(KerasTorchWarning, match="`decay` is no longer supported"):
        opt = optimizers.SGD(decay=0.1)
    assert opt.learning_rate == 0.01


# --- schedules ---------------------------------------------------------------------------


def test_exponential_and_inverse_time_decay():
    exp = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert exp(0) == pytest.approx(0.1) and exp(5) == pytest.approx(0.1 * 0.5**0.5)
    stair = schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)
    assert stair(19) == pytest.approx(0.05) and stair(20) == pytest.approx(0.025)
    inv = schedules.InverseTimeDecay(0.1, decay_steps=2, decay_rate=0.5)
    assert inv(3) == pytest.approx(0.1 / (1 + 0.5 * 1.5))
    assert schedules.InverseTimeDecay(0.1, 2, 0.5, staircase=True)(3) == pytest.approx(
        0.1 / 1.5
    )


def test_piecewise_constant_decay():
    schedule = schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert [schedule(s) for s in (0, 10, 11, 20, 21, 1000)] == [
        1.0,
        1.0,
        0.5,
        0.5,
        0.1,
        0.1,
    ]
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([10], [1.0])
    with pytest.raises(ValueError, match="strictly increasing"):
        schedules.PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1])


def test_polynomial_decay():
    schedule = schedules.PolynomialDecay(
        0.1, decay_steps=10, end_learning_rate=0.01, power=2.0
    )
    assert schedule(5) == pytest.approx(0.09 * 0.25 + 0.01)
    assert schedule(50) == pytest.approx(0.01)
    cyc = schedules.PolynomialDecay(0.1, 10, 0.0, cycle=True)
    assert cyc(0) == pytest.approx(0.1)
    assert cyc(15) == pytest.approx(0.1 * (1 - 15 / 20))


def test_cosine_decay():
    schedule = schedules.CosineDecay(0.1, decay_steps=100, alpha=0.1)
    assert schedule(50) == pytest.approx(0.1 * (0.9 * 0.5 + 0.1))
    assert schedule(500) == pytest.approx(0.01)
    warm = schedules.CosineDecay(0.0, 100, warmup_target=0.2, warmup_steps=10)
    assert warm(5) == pytest.approx(0.1)
    assert warm(10) == pytest.approx(0.2)
    assert warm(60) == pytest.approx(0.2 * 0.5 * (1 + math.cos(math.pi * 0.5)))


def test_cosine_decay_restarts():
    schedule = schedules.CosineDecayRestarts(
        1.0, first_decay_steps=10, t_mul=2.0, m_mul=0.5
    )
    assert schedule(0) == pytest.approx(1.0)
    assert schedule(5) == pytest.approx(0.5)
    assert schedule(10) == pytest.approx(0.5)  # second period starts at m_mul
    assert schedule(20) == pytest.approx(0.25)  # halfway through the 20-step period
    same_length = schedules.CosineDecayRestarts(1.0, 10, t_mul=1.0, alpha=0.2)
    assert same_length(15) == pytest.approx(0.8 * 0.5 + 0.2)


SCHEDULES = [
    schedules.ExponentialDecay(0.1, 10, 0.9, staircase=True),
    schedules.PiecewiseConstantDecay([5, 10], [0.1, 0.05, 0.01]),
    schedules.PolynomialDecay(0.1, 10, 0.001, power=0.5, cycle=True),
    schedules.InverseTimeDecay(0.1, 10, 0.5),
    schedules.CosineDecay(0.0, 100, alpha=0.1, warmup_target=0.1, warmup_steps=10),
    schedules.CosineDecayRestarts(0.1, 10, t_mul=1.5, m_mul=0.9, alpha=0.01),
]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: type(s).__name__)
def test_schedule_config_round_trip(schedule):
    clone = type(schedule).from_config(schedule.get_config())
    assert clone.get_config() == schedule.get_config()
    data = json.loads(json.dumps(schedules.serialize(schedule)))
    assert data["module"] == "keras.optimizers.schedules"
    restored = schedules.deserialize(data)
    for step in (0, 3, 7, 12, 250):
        assert restored(step) == schedule(step)
    assert schedule(torch.tensor(7)) == schedule(7)


def test_schedule_errors():
    with pytest.raises(ValueError, match="decay_steps=0"):
        schedules.ExponentialDecay(0.1, 0, 0.9)
    with pytest.raises(ValueError, match="first_decay_steps"):
        schedules.CosineDecayRestarts(0.1, -1)
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        schedules.LearningRateSchedule()(0)
    with pytest.raises(ValueError, match="Did you mean: 'CosineDecay'"):
        schedules.deserialize({"class_name": "CosineDecy", "config": {}})


# --- torch's step and zero_grad called without their wrappers ---------------------


def test_unwrapped_step_matches_torch_step_and_keeps_grad_mode():
    """The fast path (no profiler range, no `_use_grad` graph breaks) updates as torch's step."""
    from kerastorch.optimizers.optimizer_utils import unwrapped_step

    ours = optimizers.Adam(0.01)
    w_ours, w_ref = var(W0, "ours"), var(W0, "ref")
    ours.build([w_ours])
    reference = torch.optim.Adam([w_ref], lr=0.01, eps=1e-7, decoupled_weight_decay=True)
    fn, no_grad = unwrapped_step(ours.torch_optimizer)
    assert no_grad and fn is not type(ours.torch_optimizer).step
    for t, g in enumerate(GRADS, start=1):
        ours.zero_grad()
        assert w_ours.grad is None
        w_ours.grad, w_ref.grad = torch.tensor(g), torch.tensor(g)
        for group in reference.param_groups:  # Keras's epsilon, as `Adam` sets it
            group["eps"] = 1e-7 / math.sqrt(1 - 0.999**t)
        ours.step()
        reference.step()
        assert torch.is_grad_enabled()
    torch.testing.assert_close(w_ours.detach(), w_ref.detach(), rtol=0, atol=0)


def test_torch_step_hooks_and_instance_patches_still_run():
    opt = optimizers.SGD(0.1)
    w = var(W0)
    opt.build([w])
    calls = []
    opt.torch_optimizer.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.torch_optimizer.register_step_post_hook(lambda o, a, k: calls.append("post"))
    w.grad = torch.ones_like(w)
    opt.step()
    assert calls == ["pre", "post"]
    # torch's LR schedulers replace the instance's `step` to count its calls.
    scheduler = torch.optim.lr_scheduler.StepLR(opt.torch_optimizer, step_size=1, gamma=0.5)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "lr_scheduler.step() before optimizer.step()"
        scheduler.step()
    assert calls == ["pre", "post", "pre", "post"]


def test_profiler_still_sees_the_optimizer_ranges():
    from torch.profiler import profile

    opt = optimizers.Adam(0.01)
    w = var(W0)
    opt.build([w])
    w.grad = torch.ones_like(w)
    opt.step()
    with profile() as prof:
        opt.zero_grad()
        w.grad = torch.ones_like(w)
        opt.step()
    names = {event.name for event in prof.events()}
    assert "Optimizer.step#Adam.step" in names
    assert "Optimizer.zero_grad#Adam.zero_grad" in names


def test_differentiable_torch_optimizer_keeps_its_grad_mode_wrapper():
    from kerastorch.optimizers.optimizer_utils import unwrapped_step

    w = var(W0)
    torch_opt = torch.optim.SGD([w], lr=0.1, differentiable=True)
    fn, no_grad = unwrapped_step(torch_opt)
    assert not no_grad and fn is type(torch_opt).step.__wrapped__
