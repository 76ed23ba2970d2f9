"""fit/evaluate/predict against a hand-written PyTorch loop, and their contracts."""

import math

import numpy as np
import pytest
import torch

import kerastorch
from kerastorch import layers


def _data(n=64, d=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x @ rng.normal(size=(d, 1))).astype("float32")
    return x, y


def _mlp():
    return kerastorch.Sequential([layers.Dense(8, activation="relu"), layers.Dense(1)])


def _reference_loop(model, x, y, batch_size, epochs, lr, sample_weight=None):
    """Plain PyTorch: the same weights trained with torch.optim.SGD and MSE."""
    k1, b1, k2, b2 = [torch.tensor(w) for w in model.get_weights()]
    params = [p.requires_grad_() for p in (k1, b1, k2, b2)]
    opt = torch.optim.SGD(params, lr=lr)
    xt, yt = torch.tensor(x), torch.tensor(y)
    sw = None if sample_weight is None else torch.tensor(sample_weight, dtype=torch.float32)
    for _ in range(epochs):
        for i in range(0, len(x), batch_size):
            xb, yb = xt[i : i + batch_size], yt[i : i + batch_size]
            pred = torch.relu(xb @ k1 + b1) @ k2 + b2
            per_sample = (pred - yb).square().mean(dim=-1)
            if sw is not None:
                per_sample = per_sample * sw[i : i + batch_size]
            loss = per_sample.sum() / per_sample.numel()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return [p.detach().numpy() for p in params]


def test_fit_matches_hand_written_pytorch_loop():
    x, y = _data()
    model = _mlp()
    model.build((None, 5))
    expected = _reference_loop(model, x, y, batch_size=16, epochs=3, lr=0.05)
    model.compile(optimizer=kerastorch.optimizers.SGD(0.05), loss="mse")
    model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_sample_weight_changes_the_gradient_as_expected():
    x, y = _data()
    sw = np.linspace(0.0, 2.0, len(x)).astype("float32")
    model = _mlp()
    model.build((None, 5))
    expected = _reference_loop(model, x, y, batch_size=16, epochs=1, lr=0.05, sample_weight=sw)
    model.compile(optimizer=kerastorch.optimizers.SGD(0.05), loss="mse")
    model.fit(x, y, sample_weight=sw, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_class_weight_equals_sample_weight():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 4)).astype("float32")
    y = rng.integers(0, 3, size=(40,))
    cw = {0: 1.0, 1: 3.0, 2: 0.5}
    results = []
    for kwargs in ({"class_weight": cw}, {"sample_weight": np.array([cw[int(c)] for c in y])}):
        kerastorch.utils.set_random_seed(3)
        model = kerastorch.Sequential([layers.Dense(3)])
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0, **kwargs)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_history_keys_and_lengths_with_validation():
    x, y = _data(100)
    model = _mlp()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=3, batch_size=10, validation_split=0.2, verbose=0)
    assert isinstance(history, kerastorch.callbacks.History)
    assert model.history is history
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert all(len(v) == 3 for v in history.history.values())
    assert history.epoch == [0, 1, 2]
    assert all(isinstance(v, float) for v in history.history["loss"])


def test_validation_split_takes_last_fraction_before_shuffling():
    x = np.arange(10, dtype="float32").reshape(10, 1)
    y = np.zeros((10, 1), dtype="float32")
    model = kerastorch.Sequential([layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=kerastorch.optimizers.SGD(0.0), loss="mae")
    history = model.fit(x, y, validation_split=0.2, epochs=1, verbose=0)
    # Validation samples are 8 and 9: MAE of predictions 8, 9 against 0.
    assert history.history["val_loss"][0] == pytest.approx(8.5)


def test_validation_data_and_freq():
    x, y = _data(40)
    model = _mlp()
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=4, validation_data=(x, y), validation_freq=2, verbose=0)
    assert len(history.history["loss"]) == 4
    assert len(history.history["val_loss"]) == 2


def test_evaluate_and_predict_outputs():
    x, y = _data(50)
    model = _mlp()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=1, verbose=0)
    loss, mae = model.evaluate(x, y, batch_size=7, verbose=0)
    with torch.no_grad():
        pred = model(torch.tensor(x))
    assert loss == pytest.approx(float((pred - torch.tensor(y)).square().mean()), rel=1e-5)
    assert mae == pytest.approx(float((pred - torch.tensor(y)).abs().mean()), rel=1e-5)
    as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(as_dict) == {"loss", "mae"}
    out = model.predict(x, batch_size=7, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (50, 1)
    np.testing.assert_allclose(out, pred.numpy(), rtol=1e-5, atol=1e-6)


def test_predict_keeps_nested_structure():
    class TwoHeads(kerastorch.Model):
        def __init__(self):
            super().__init__()
            self.a = layers.Dense(2)
            self.b = layers.Dense(3)

        def call(self, x):
            return {"a": self.a(x), "b": self.b(x)}

    model = TwoHeads()
    out = model.predict(np.ones((10, 4)), batch_size=3, verbose=0)
    assert out["a"].shape == (10, 2) and out["b"].shape == (10, 3)


def test_fit_on_tensors_dict_inputs_generator_dataloader_pydataset():
    x, y = _data(32)

    class DictModel(kerastorch.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(1)

        def call(self, inputs):
            return self.d(torch.cat([inputs["a"], inputs["b"]], dim=-1))

    model = DictModel()
    model.compile(optimizer="sgd", loss="mse")
    model.fit({"a": x[:, :2], "b": torch.tensor(x[:, 2:])}, torch.tensor(y), epochs=1, verbose=0)

    model = _mlp()
    model.compile(optimizer="sgd", loss="mse")

    def gen():
        while True:
            for i in range(0, 32, 8):
                yield x[i : i + 8], y[i : i + 8]

    h = model.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2

    ds = torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    model.fit(ds, batch_size=8, epochs=1, verbose=0)
    model.fit(torch.utils.data.DataLoader(ds, batch_size=8), epochs=1, verbose=0)

    class Batches(kerastorch.utils.PyDataset):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)

        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 8 : (i + 1) * 8], y[i * 8 : (i + 1) * 8]

    model.fit(Batches(), epochs=1, verbose=0)
    model.fit(Batches(workers=2), epochs=1, verbose=0)
    assert model.evaluate(Batches(), verbose=0) > 0
    assert model.predict(Batches(), verbose=0).shape == (32, 1)


def test_pandas_dataframe_inputs():
    pd = pytest.importorskip("pandas")
    x, y = _data(20)
    model = _mlp()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(pd.DataFrame(x), pd.Series(y[:, 0]), epochs=1, verbose=0)


def test_custom_train_step_with_own_trackers():
    class CustomModel(kerastorch.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)
            self.loss_tracker = kerastorch.metrics.Mean(name="loss")
            self.mae_metric = kerastorch.metrics.MeanAbsoluteError(name="mae")

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = kerastorch.losses.mean_squared_error(y, y_pred).mean()
            loss.backward()
            trainable_weights = [v for v in self.trainable_weights]
            gradients = [v.value.grad for v in trainable_weights]
            with torch.no_grad():
                self.optimizer.apply(gradients, trainable_weights)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    x, y = _data(64)
    model = CustomModel()
    model.compile(optimizer="adam")
    history = model.fit(x, y, epochs=5, verbose=0)
    assert set(history.history) == {"loss", "mae"}
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_train_test_predict_on_batch():
    x, y = _data(16)
    model = _mlp()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    logs = model.train_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "mae"}
    loss = model.test_on_batch(x, y)
    assert isinstance(loss, list) and len(loss) == 2
    assert model.predict_on_batch(x).shape == (16, 1)


def test_stop_training_flag_ends_fit():
    class StopAtTwo(kerastorch.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    x, y = _data(16)
    model = _mlp()
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=10, callbacks=[StopAtTwo()], verbose=0)
    assert len(history.history["loss"]) == 2


def test_callback_hooks_counted_with_python_float_logs():
    class Recorder(kerastorch.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.calls = []

        def on_epoch_begin(self, epoch, logs=None):
            self.calls.append("epoch_begin")

        def on_train_batch_end(self, batch, logs=None):
            assert isinstance(logs["loss"], float)
            self.calls.append("batch")

        def on_epoch_end(self, epoch, logs=None):
            self.calls.append("epoch_end")

    rec = Recorder()
    x, y = _data(20)
    model = _mlp()
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, batch_size=8, epochs=2, callbacks=[rec], verbose=0)
    per_epoch = ["epoch_begin"] + ["batch"] * math.ceil(20 / 8) + ["epoch_end"]
    assert rec.calls == per_epoch * 2
    assert rec.params["epochs"] == 2 and rec.params["steps"] == 3


def test_losses_include_regularization_in_training_loss():
    x, y = _data(32)
    model = kerastorch.Sequential([layers.Dense(1, kernel_regularizer=kerastorch.regularizers.L2(10.0))])
    model.compile(optimizer=kerastorch.optimizers.SGD(0.0), loss="mse")
    logs = model.train_on_batch(x, y, return_dict=True)
    with torch.no_grad():
        mse = float((model(torch.tensor(x)) - torch.tensor(y)).square().mean())
        penalty = float(10.0 * model.layers[0].kernel.square().sum())
    assert logs["loss"] == pytest.approx(mse + penalty, rel=1e-5)


def test_accuracy_string_resolves_by_loss_and_shape():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 4)).astype("float32")
    cases = [
        ("sparse_categorical_crossentropy", rng.integers(0, 3, 30), 3, "SparseCategoricalAccuracy"),
        ("categorical_crossentropy", np.eye(3)[rng.integers(0, 3, 30)], 3, "CategoricalAccuracy"),
        ("binary_crossentropy", rng.integers(0, 2, (30, 1)).astype("float32"), 1, "BinaryAccuracy"),
    ]
    for loss, y, units, cls_name in cases:
        model = kerastorch.Sequential([layers.Dense(units, activation="softmax" if units > 1 else "sigmoid")])
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
        history = model.fit(x, y, epochs=1, verbose=0)
        assert "accuracy" in history.history
        assert type(model._compile_metrics.metrics[0]).__name__ == cls_name


def test_multi_output_losses_and_weights():
    class TwoOut(kerastorch.Model):
        def __init__(self):
            super().__init__()
            self.a = layers.Dense(1)
            self.b = layers.Dense(1)

        def call(self, x):
            return self.a(x), self.b(x)

    x, y = _data(32)
    model = TwoOut()
    model.compile(optimizer=kerastorch.optimizers.SGD(0.0), loss=["mse", "mae"], loss_weights=[1.0, 0.5])
    logs = model.train_on_batch(x, [y, y], return_dict=True)
    with torch.no_grad():
        pa, pb = model(torch.tensor(x))
        yt = torch.tensor(y)
        expected = float((pa - yt).square().mean() + 0.5 * (pb - yt).abs().mean())
    assert logs["loss"] == pytest.approx(expected, rel=1e-5)
    assert "output_1_loss" in logs and "output_2_loss" in logs


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m, x, y: m.fit(x, y[:10], verbose=0), "Data cardinality is ambiguous"),
        (lambda m, x, y: m.fit(x[:0], y[:0], verbose=0), "non-empty"),
        (lambda m, x, y: m.fit(x, y, batch_size=0, verbose=0), "batch_size"),
        (lambda m, x, y: m.fit(x, y, epochs=-1, verbose=0), "epochs"),
        (lambda m, x, y: m.fit(x, y, validation_split=1.5, verbose=0), "validation_split"),
        (lambda m, x, y: m.fit(iter([(x, y)]), validation_split=0.2, verbose=0), "validation_split"),
        (lambda m, x, y: m.fit(x, y, verbose=5), "verbose"),
        (lambda m, x, y: m.fit(x, y, callbacks=[object()], verbose=0), "Callback"),
    ],
)
def test_bad_fit_input_is_rejected_and_model_unchanged(call, match):
    x, y = _data(32)
    model = _mlp()
    model.build((None, 5))
    model.compile(optimizer="adam", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises((ValueError, TypeError), match=match):
        call(model, x, y)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_fit_before_compile_and_unknown_loss():
    model = _mlp()
    with pytest.raises(ValueError, match="compile"):
        model.fit(np.ones((2, 5)), np.ones((2, 1)), verbose=0)
    with pytest.raises(ValueError, match="mse"):
        model.compile(optimizer="adam", loss="mse2")
    with pytest.raises(ValueError, match="adam"):
        model.compile(optimizer="adamm", loss="mse")


def test_generator_with_wrong_structure():
    model = _mlp()
    model.compile(optimizer="adam", loss="mse")

    def gen():
        yield np.ones((2, 5)), np.ones((2, 1))
        yield (np.ones((2, 5)), np.ones((2, 1)), np.ones(2), np.ones(2))

    with pytest.raises(ValueError, match="length 4"):
        model.fit(gen(), epochs=1, verbose=0)


def test_verbose_outputs(capsys):
    x, y = _data(20)
    model = _mlp()
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, batch_size=10, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert out.count("2/2 - ") == 2 and "loss:" in out
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=1, batch_size=10, verbose=1)
    out = capsys.readouterr().out
    assert "2/2" in out and "step" in out and "loss:" in out


def test_frozen_layer_after_first_fit_and_unfrozen_later_trains():
    x, y = _data(32)
    model = _mlp()
    model.build((None, 5))
    model.layers[0].trainable = False
    model.compile(optimizer="adam", loss="mse")
    frozen = model.layers[0].get_weights()[0].copy()
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(frozen, model.layers[0].get_weights()[0])
    model.layers[0].trainable = True
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(frozen, model.layers[0].get_weights()[0])


def test_mixed_bfloat16_policy_computes_in_bf16_keeps_float32_variables():
    kerastorch.mixed_precision.set_global_policy("mixed_bfloat16")
    model = kerastorch.Sequential([layers.Dense(8, activation="relu"), layers.Dense(1)])
    out = model(torch.ones(2, 5))
    assert out.dtype == torch.bfloat16
    assert all(w.dtype == torch.float32 for w in model.weights)
    x, y = _data(64)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=3, verbose=0)
    assert all(np.isfinite(history.history["loss"]))
    assert all(w.dtype == torch.float32 for w in model.weights)


def test_mixed_float16_uses_grad_scaler():
    kerastorch.mixed_precision.set_global_policy("mixed_float16")
    model = kerastorch.Sequential([layers.Dense(4), layers.Dense(1)])
    x, y = _data(32)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    assert isinstance(model._grad_scaler, torch.amp.GradScaler)
    assert all(np.isfinite(w).all() for w in model.get_weights())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("steps_per_execution", [1, 4])
def test_cuda_batches_copied_on_the_side_stream_train_as_on_cpu(steps_per_execution):
    """Host data reaches a CUDA model through the copy stream, a batch ahead:
    the step must wait for each copy (a race would train on stale memory)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4096, 512)).astype("float32")
    y = rng.normal(size=(4096, 1)).astype("float32")
    weights = []
    for device in ("cpu", "cuda"):
        kerastorch.utils.set_random_seed(0)
        model = kerastorch.Sequential(
            [kerastorch.Input((512,)), layers.Dense(256, activation="relu"), layers.Dense(1)]
        ).to(device)
        model.compile(optimizer="sgd", loss="mse", steps_per_execution=steps_per_execution)
        model.fit(x, y, batch_size=256, epochs=2, shuffle=False, verbose=0)
        weights.append(model.get_weights())
    for cpu, cuda in zip(*weights):
        np.testing.assert_allclose(cuda, cpu, atol=1e-5, rtol=1e-4)


def test_masked_metrics_in_training_with_a_custom_compute_metrics():
    """`y_pred` handed to an overridden `compute_metrics` keeps its Keras mask in training."""
    seen = []

    class Masked(kerastorch.Model):
        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            seen.append(getattr(y_pred, "_keras_mask", None) is not None)
            return super().compute_metrics(x, y, y_pred, sample_weight)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 5, 3)).astype("float32")
    x[:, 3:] = 0.0  # the last two timesteps are masked
    y = rng.normal(size=(32, 5, 1)).astype("float32")
    inputs = kerastorch.Input((5, 3))
    outputs = layers.Dense(1)(layers.Masking(0.0)(inputs))
    model = Masked(inputs, outputs)
    model.compile(optimizer=kerastorch.optimizers.SGD(0.0), loss="mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=32, epochs=1, validation_data=(x, y), verbose=0)
    assert seen and all(seen)
    # Learning rate 0: training and validation see the same model and data.
    np.testing.assert_allclose(history.history["mae"], history.history["val_mae"], rtol=1e-6)


def test_the_next_cuda_copy_is_drawn_before_the_epoch_ends(monkeypatch):
    """The one-ahead copy path (run on the CPU with the copies made identities):
    every batch is handed out in order, and `on_epoch_end` runs after the last."""
    from kerastorch.trainers.epoch_iterator import EpochIterator

    events = []

    class Source(kerastorch.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            events.append(f"get {i}")
            return np.full((2, 1), i, dtype="float32")

        def on_epoch_end(self):
            events.append("on_epoch_end")

    from kerastorch.trainers.data_adapters import get_data_adapter

    iterator = EpochIterator(get_data_adapter(Source()))
    iterator._copy_stream = object()
    monkeypatch.setattr(iterator, "_copy_ahead", lambda batch: (batch, None))
    monkeypatch.setattr(iterator, "_ready", lambda step, batch, done: (step, batch))
    for step, batch in iterator.enumerate_epoch():
        events.append(f"step {step}")
        assert float(np.asarray(batch).ravel()[0]) == step
    assert events == ["get 0", "get 1", "step 0", "get 2", "step 1", "step 2", "on_epoch_end"]
