"""`compile(jit_compile=...)`: the steps under real `torch.compile` (inductor on CPU).

Compiling is slow here (seconds per graph), so each test uses a tiny model
and few steps; the module is marked slow but runs in CI.
"""

import numpy as np
import pytest
import torch
from torch._dynamo.testing import CompileCounterWithBackend

import kerastorch as keras
from kerastorch.utils.warnings import KerasTorchWarning

pytestmark = pytest.mark.slow

N, D = 100, 6  # 100 samples, batch 32: three full batches and a partial one
# Inductor (C++ codegen) costs seconds per graph here: one test uses it, the
# others trace with dynamo + AOTAutograd and run the graphs eagerly.
FAST = {"backend": "aot_eager"}


@pytest.fixture(autouse=True)
def _fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, D)).astype("float32")
    y = (x[:, :1] * 2.0 - x[:, 1:2] + 0.1 * rng.normal(size=(N, 1))).astype("float32")
    return x, y


def _model(jit_compile, *, optimizer="adam", bn=False, **compile_kwargs):
    keras.utils.set_random_seed(1)
    layers = [keras.Input((D,)), keras.layers.Dense(8, activation="relu")]
    if bn:
        layers.append(keras.layers.BatchNormalization())
    layers.append(keras.layers.Dense(1))
    model = keras.Sequential(layers)
    model.compile(
        optimizer=optimizer, loss="mse", metrics=["mae"], jit_compile=jit_compile, **compile_kwargs
    )
    return model


def _assert_same_weights(a, b, atol=1e-5):
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, atol=atol, rtol=1e-5)


def test_jit_fit_evaluate_predict_match_eager_and_compile_once_per_step_function():
    x, y = _data()
    counter = CompileCounterWithBackend("inductor")
    eager = _model(False, bn=True)
    jit = _model({"backend": counter}, bn=True)
    fit_args = dict(batch_size=32, epochs=3, validation_data=_data(1), shuffle=False, verbose=0)
    h_eager = eager.fit(x, y, **fit_args)
    h_jit = jit.fit(x, y, **{**fit_args, "epochs": 1})
    compiled_after_one_epoch = counter.frame_count
    h_jit2 = jit.fit(x, y, **{**fit_args, "epochs": 3, "initial_epoch": 1})
    # Train forward+loss+metrics, optimizer update, test forward: one graph
    # each, and the partial batch (100 % 32 = 4) never recompiles.
    assert compiled_after_one_epoch == 3
    assert counter.frame_count == 3
    assert jit._jit_train_forward.eager_calls == 3  # one partial batch per epoch
    for key in ("loss", "mae", "val_loss", "val_mae"):
        got = h_jit.history[key] + h_jit2.history[key]
        np.testing.assert_allclose(got, h_eager.history[key], rtol=1e-5, atol=1e-6)
    _assert_same_weights(eager, jit)
    np.testing.assert_allclose(
        jit.predict(x, batch_size=32, verbose=0),
        eager.predict(x, batch_size=32, verbose=0),
        atol=1e-5,
    )
    assert counter.frame_count == 4  # + the predict step
    np.testing.assert_allclose(
        jit.evaluate(x, y, batch_size=32, verbose=0),
        eager.evaluate(x, y, batch_size=32, verbose=0),
        rtol=1e-5,
    )


def test_lr_schedule_and_accumulation_do_not_recompile_and_match_eager():
    x, y = _data()
    counter = CompileCounterWithBackend("aot_eager")

    def optimizer():
        schedule = keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=2, decay_rate=0.5)
        return keras.optimizers.Adam(schedule, gradient_accumulation_steps=2)

    eager = _model(False, optimizer=optimizer())
    jit = _model({"backend": counter}, optimizer=optimizer())
    for model in (eager, jit):
        model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
    assert counter.frame_count == 2  # train forward and optimizer update, nothing more
    assert int(jit.optimizer.iterations) == int(eager.optimizer.iterations) == 6
    _assert_same_weights(eager, jit)
    # Saved optimizer state keeps plain floats, not the compiled step's tensors.
    state = jit.optimizer.state_dict()
    assert all(isinstance(g["lr"], float) and isinstance(g["eps"], float) for g in state["param_groups"])


def test_jit_with_steps_per_execution_matches_eager():
    x, y = _data()
    eager = _model(False)
    jit = _model(FAST, steps_per_execution=3)
    for model in (eager, jit):
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    _assert_same_weights(eager, jit)


def test_user_train_step_is_compiled_whole():
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = keras.layers.Dense(8, activation="relu")
            self.d2 = keras.layers.Dense(1)
            self.calls = 0

        def call(self, x):
            return self.d2(self.d1(x))

        def train_step(self, data):
            self.calls += 1
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            with torch.no_grad():
                self.optimizer.step()
            return {"loss": loss.detach()}

    x, y = _data()
    results = []
    for jit in (False, True):
        keras.utils.set_random_seed(3)
        model = Custom()
        model.compile(optimizer="sgd", loss="mse", jit_compile=FAST if jit else False)
        history = model.fit(x, y, batch_size=50, epochs=2, shuffle=False, verbose=0)
        results.append((model, history))
    (eager, h_eager), (jit, h_jit) = results
    from kerastorch.backend.jit import CompiledFunction

    assert isinstance(jit.train_function, CompiledFunction)
    assert jit.calls == eager.calls == 4
    np.testing.assert_allclose(h_jit.history["loss"], h_eager.history["loss"], rtol=1e-5)
    _assert_same_weights(eager, jit)


class _DataDependent(keras.layers.Layer):
    """Branches on a tensor's value: fine eagerly, a graph break under compile."""

    def call(self, x):
        if x.sum() > 1e9:
            return x * 2.0
        return x


def test_a_step_that_cannot_compile_falls_back_with_one_warning():
    x, y = _data()
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((D,)), _DataDependent(), keras.layers.Dense(1)])
    model.compile("sgd", "mse", jit_compile={**FAST, "fullgraph": True})
    with pytest.warns(KerasTorchWarning, match=r"torch.compile failed on the train step") as caught:
        history = model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    assert sum("torch.compile failed" in str(w.message) for w in caught) == 1
    assert np.isfinite(history.history["loss"]).all()
    assert model._jit_train_forward.failed


def test_run_eagerly_wins_and_bad_jit_compile_values_raise():
    model = _model(True)
    model.run_eagerly = True
    model.fit(*_data(), batch_size=32, epochs=1, verbose=0)
    assert "_jit_train_forward" not in model.__dict__
    with pytest.raises(ValueError, match="jit_compile"):
        _model("yes")
    with pytest.raises(ValueError, match=r"Unknown `jit_compile` option\(s\) \['mdoe'\]"):
        _model({"mdoe": "max-autotune"})
    with pytest.raises(ValueError, match="cannot both be set"):
        _model(True, run_eagerly=True)


def test_recompiling_without_jit_drops_the_compiled_optimizer_step():
    x, y = _data()
    model = _model(FAST)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert model.optimizer._jit_step is not None
    model.compile(optimizer=model.optimizer, loss="mse", jit_compile=False)
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert model.optimizer._jit_step is None
    assert all(isinstance(g["lr"], float) for g in model.optimizer.param_groups)


def test_jit_under_mixed_bfloat16_matches_eager():
    x, y = _data()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        eager = _model(False)
        jit = _model(FAST)
        for model in (eager, jit):
            model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert jit.layers[0].kernel.dtype == torch.float32
    _assert_same_weights(eager, jit, atol=1e-3)


class _TrainingPenalty(keras.layers.Layer):
    """Adds a loss in training only: validation leaves no loss layers behind."""

    def call(self, x, training=None):
        if training:
            self.add_loss(0.1 * torch.mean(x**2))
        return x


def test_add_loss_layers_and_validation_match_eager():
    """Losses from `add_loss` under jit, with validation between epochs: the call
    context the compiled forward starts from is reset before each call (its guards
    are dropped), so the epoch's first step starts as the others."""
    x, y = _data()

    def build(jit_compile):
        keras.utils.set_random_seed(1)
        model = keras.Sequential(
            [
                keras.Input((D,)),
                keras.layers.Dense(8, activation="relu", activity_regularizer="l2"),
                _TrainingPenalty(),
                keras.layers.Dense(1),
            ]
        )
        model.compile(optimizer="adam", loss="mse", jit_compile=jit_compile)
        return model

    counter = CompileCounterWithBackend("aot_eager")
    eager, jit = build(False), build({"backend": counter})
    fit_args = dict(batch_size=32, epochs=3, validation_data=_data(1), shuffle=False, verbose=0)
    h_eager, h_jit = eager.fit(x, y, **fit_args), jit.fit(x, y, **fit_args)
    assert counter.frame_count == 3
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(h_jit.history[key], h_eager.history[key], rtol=1e-5)
    _assert_same_weights(eager, jit)


def test_freezing_a_layer_without_recompiling_is_seen_by_the_compiled_step():
    """Tensor guards stay: `trainable=False` flips `requires_grad`, so the step recompiles."""
    x, y = _data()
    models = []
    for jit_compile in (False, FAST):
        model = _model(jit_compile)
        model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
        model.layers[0].trainable = False
        frozen = [w.detach().clone() for w in model.layers[0].weights]
        model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        for before, after in zip(frozen, model.layers[0].weights):
            torch.testing.assert_close(after.detach(), before, rtol=0, atol=0)
        models.append(model)
    _assert_same_weights(*models)


def test_guard_filter_drops_only_globals_and_can_be_replaced():
    from kerastorch.backend.jit import keras_guard_filter
    from kerastorch.backend.jit import torch_compile_kwargs

    seen = []

    def recording(entries):
        seen.append(entries)
        return keras_guard_filter(entries)

    x, y = _data()
    jit_compile = {**FAST, "options": {"guard_filter_fn": recording}}
    model = _model(jit_compile)
    model.fit(x, y, batch_size=32, epochs=2, validation_data=_data(1), shuffle=False, verbose=0)
    # The user's filter serves every compiled step (train forward, optimizer
    # update, test forward), and their dict is left as it was.
    assert len(seen) == 3
    assert jit_compile["options"] == {"guard_filter_fn": recording}
    entries = seen[0]
    keep = keras_guard_filter(entries)
    dropped = [e for e, k in zip(entries, keep) if not k]
    assert dropped and all(e.is_global for e in dropped)
    kept_types = {e.guard_type for e, k in zip(entries, keep) if k}
    assert "TENSOR_MATCH" in kept_types  # weights, inputs, metric states
    assert any("_global_forward_hooks" in e.name for e, k in zip(entries, keep) if k)

    # An inductor `mode` is passed as its options, with the filter added;
    # a filter of the user's is left alone.
    kwargs = torch_compile_kwargs({"mode": "max-autotune-no-cudagraphs", "dynamic": False})
    assert "mode" not in kwargs and kwargs["options"]["guard_filter_fn"] is keras_guard_filter
    assert kwargs["options"]["max_autotune"] is True
    mine = {"options": {"guard_filter_fn": recording}}
    assert torch_compile_kwargs(mine) == mine
    assert torch_compile_kwargs({"backend": "aot_eager", "mode": "x"})["mode"] == "x"
