"""TensorBoard callback: event files read back with TensorBoard's own reader."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

import kerastorch
from kerastorch import layers
from kerastorch.callbacks.callback_list import CallbackList
from kerastorch.callbacks.tensorboard import TensorBoard
from kerastorch.utils.warnings import KerasTorchWarning

N, BATCH = 32, 8  # 4 batches per epoch


def _data(n=N, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = rng.integers(0, 3, size=(n,))
    return x, y


def _model(lr=0.05):
    model = kerastorch.Sequential(
        [layers.Dense(8, activation="relu"), layers.Dense(3, activation="softmax")]
    )
    model.compile(
        optimizer=kerastorch.optimizers.SGD(lr),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _fit(model, tb, epochs=3, validation=True, **kwargs):
    x, y = _data()
    val = _data(16, seed=1) if validation else None
    return model.fit(
        x,
        y,
        batch_size=BATCH,
        epochs=epochs,
        validation_data=val,
        callbacks=[tb],
        verbose=0,
        shuffle=False,
        **kwargs,
    )


def _load(path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(
        str(path),
        size_guidance={"scalars": 0, "histograms": 0, "tensors": 0, "images": 0},
    )
    acc.Reload()
    return acc


def _steps(acc, tag):
    return [e.step for e in acc.Scalars(tag)]


def _values(acc, tag):
    return [e.value for e in acc.Scalars(tag)]


# --- scalars ---------------------------------------------------------------------


def test_epoch_scalars_match_history(tmp_path):
    model = _model()
    history = _fit(model, TensorBoard(tmp_path, write_graph=False))
    train, val = _load(tmp_path / "train"), _load(tmp_path / "validation")

    assert set(train.Tags()["scalars"]) == {
        "epoch_loss",
        "epoch_accuracy",
        "epoch_learning_rate",
    }
    assert set(val.Tags()["scalars"]) == {
        "epoch_loss",
        "epoch_accuracy",
        "evaluation_loss_vs_iterations",
        "evaluation_accuracy_vs_iterations",
    }
    for name in ("loss", "accuracy"):
        assert _steps(train, f"epoch_{name}") == [0, 1, 2]
        np.testing.assert_allclose(
            _values(train, f"epoch_{name}"), history.history[name], atol=1e-6
        )
        assert _steps(val, f"epoch_{name}") == [0, 1, 2]
        np.testing.assert_allclose(
            _values(val, f"epoch_{name}"), history.history[f"val_{name}"], atol=1e-6
        )
        # Evaluation inside fit: step = optimizer iterations after each epoch.
        tag = f"evaluation_{name}_vs_iterations"
        assert _steps(val, tag) == [4, 8, 12]
        np.testing.assert_allclose(
            _values(val, tag), history.history[f"val_{name}"], atol=1e-6
        )
    np.testing.assert_allclose(
        _values(train, "epoch_learning_rate"), [0.05] * 3, rtol=1e-6
    )
    assert not train.Tags()["histograms"] and not train.Tags()["graph"]


def test_no_validation_writes_no_validation_dir(tmp_path):
    _fit(_model(), TensorBoard(tmp_path, write_graph=False), epochs=1, validation=False)
    assert (tmp_path / "train").is_dir()
    assert not (tmp_path / "validation").exists()


def test_epoch_mode_does_not_listen_to_batches():
    assert CallbackList([TensorBoard("unused")])._listeners["on_train_batch_end"] == []
    for kwargs in ({"update_freq": "batch"}, {"update_freq": 3}, {"profile_batch": 2}):
        cbs = CallbackList([TensorBoard("unused", **kwargs)])
        assert len(cbs._listeners["on_train_batch_begin"]) == 1
        assert len(cbs._listeners["on_train_batch_end"]) == 1
        assert cbs._listeners["on_test_batch_end"] == []


def test_batch_logs_arrive_unconverted_and_are_read_only_when_written(tmp_path):
    class CountingLogs(dict):
        reads = 0

        def items(self):
            CountingLogs.reads += 1
            return super().items()

    seen = []

    class Recorder(TensorBoard):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(logs)
            super().on_train_batch_end(batch, logs)

    model = _model()
    tb = Recorder(tmp_path, update_freq=3, write_graph=False)
    cbs = CallbackList([tb], model=model)
    cbs.on_train_begin()
    for batch in range(6):
        cbs.on_train_batch_begin(batch)
        cbs.on_train_batch_end(batch, CountingLogs(loss=torch.tensor(0.5 + batch)))
    cbs.on_train_end()
    assert all(isinstance(logs["loss"], torch.Tensor) for logs in seen)  # no host sync
    assert CountingLogs.reads == 2  # batches 3 and 6 only
    train = _load(tmp_path / "train")
    assert _steps(train, "batch_loss") == [3, 6]
    np.testing.assert_allclose(_values(train, "batch_loss"), [2.5, 5.5])


@pytest.mark.parametrize(
    "update_freq, expected",
    [("batch", list(range(1, 9))), (1, list(range(1, 9))), (3, [3, 6])],
)
def test_batch_scalars_step_numbers(tmp_path, update_freq, expected):
    model = _model()
    history = _fit(
        model,
        TensorBoard(tmp_path, write_graph=False, update_freq=update_freq),
        epochs=2,
    )
    train = _load(tmp_path / "train")
    assert {"batch_loss", "batch_accuracy"} <= set(train.Tags()["scalars"])
    assert _steps(train, "batch_loss") == expected
    if update_freq == "batch":
        # Batch logs are running averages: the last batch of an epoch is the epoch value.
        values = dict(zip(_steps(train, "batch_loss"), _values(train, "batch_loss")))
        np.testing.assert_allclose(
            [values[4], values[8]], history.history["loss"], atol=1e-6
        )


def test_steps_per_second(tmp_path):
    _fit(
        _model(),
        TensorBoard(
            tmp_path, write_graph=False, write_steps_per_second=True, update_freq=2
        ),
        epochs=2,
    )
    train = _load(tmp_path / "train")
    assert _steps(train, "epoch_steps_per_second") == [0, 1]
    assert _steps(train, "batch_steps_per_second") == [2, 4, 6, 8]
    assert all(v > 0 for v in _values(train, "epoch_steps_per_second"))
    assert all(v > 0 for v in _values(train, "batch_steps_per_second"))


def test_second_fit_appends(tmp_path):
    model = _model()
    tb = TensorBoard(tmp_path, write_graph=False, update_freq="batch")
    first = _fit(model, tb, epochs=2)
    second = _fit(model, tb, epochs=4, initial_epoch=2)
    train = _load(tmp_path / "train")
    assert _steps(train, "epoch_loss") == [0, 1, 2, 3]
    np.testing.assert_allclose(
        _values(train, "epoch_loss"),
        first.history["loss"] + second.history["loss"],
        atol=1e-6,
    )
    assert _steps(train, "batch_loss") == list(range(1, 17))  # continues across fits
    assert len(list((tmp_path / "train").glob("events.out.tfevents.*"))) == 2
    assert tb._writers == {}  # closed at the end of each fit


def test_standalone_evaluate_writes_and_closes(tmp_path):
    model = _model()
    _fit(
        model,
        TensorBoard(tmp_path / "fit", write_graph=False),
        epochs=1,
        validation=False,
    )
    tb = TensorBoard(tmp_path / "eval")
    x, y = _data(16, seed=1)
    logs = model.evaluate(
        x, y, batch_size=BATCH, callbacks=[tb], verbose=0, return_dict=True
    )
    assert tb._writers == {}
    val = _load(tmp_path / "eval" / "validation")
    assert _steps(val, "evaluation_loss_vs_iterations") == [4]
    np.testing.assert_allclose(
        _values(val, "evaluation_loss_vs_iterations"), [logs["loss"]], atol=1e-6
    )
    np.testing.assert_allclose(
        _values(val, "evaluation_accuracy_vs_iterations"), [logs["accuracy"]], atol=1e-6
    )
    assert not (tmp_path / "eval" / "train").exists()


# --- histograms, images, graph ---------------------------------------------------


@pytest.mark.parametrize("freq, steps", [(1, [0, 1, 2]), (2, [0, 2])])
def test_histograms_tagged_by_weight_path(tmp_path, freq, steps):
    model = _model()
    _fit(model, TensorBoard(tmp_path, write_graph=False, histogram_freq=freq))
    train = _load(tmp_path / "train")
    assert set(train.Tags()["histograms"]) == {
        f"{w.path}/histogram" for w in model.weights
    }
    for w in model.weights:
        events = train.Histograms(f"{w.path}/histogram")
        assert [e.step for e in events] == steps
    if freq == 1:  # the last histogram describes the final weights
        kernel = model.weights[0]
        last = train.Histograms(f"{kernel.path}/histogram")[-1].histogram_value
        assert last.num == kernel.numel()
        np.testing.assert_allclose(
            [last.min, last.max, last.sum],
            [kernel.min().item(), kernel.max().item(), kernel.sum().item()],
            rtol=1e-5,
        )
    assert not train.Tags()["images"]


def test_no_histograms_when_freq_zero(tmp_path):
    _fit(_model(), TensorBoard(tmp_path, write_graph=False, histogram_freq=0), epochs=1)
    assert _load(tmp_path / "train").Tags()["histograms"] == []


def test_write_images(tmp_path):
    model = _model()
    _fit(
        model,
        TensorBoard(tmp_path, write_graph=False, histogram_freq=1, write_images=True),
        epochs=1,
    )
    train = _load(tmp_path / "train")
    assert set(train.Tags()["images"]) == {f"{w.path}/image" for w in model.weights}
    shapes = {
        tag: (train.Images(tag)[0].height, train.Images(tag)[0].width)
        for tag in train.Tags()["images"]
    }
    kernel, bias, kernel_1, bias_1 = (f"{w.path}/image" for w in model.weights)
    assert shapes == {
        kernel: (4, 8),  # a (4, 8) kernel as is
        bias: (1, 8),
        kernel_1: (3, 8),  # an (8, 3) kernel transposed: wider than tall
        bias_1: (1, 3),
    }


def test_conv1d_kernel_image(tmp_path):
    model = kerastorch.Sequential(
        [layers.Conv1D(2, 3), layers.GlobalAveragePooling1D()]
    )
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.rand(8, 6, 4).astype("float32")
    y = np.random.rand(8, 2).astype("float32")
    tb = TensorBoard(tmp_path, write_graph=False, histogram_freq=1, write_images=True)
    model.fit(x, y, epochs=1, callbacks=[tb], verbose=0)
    images = _load(tmp_path / "train").Images(f"{model.weights[0].path}/image")
    assert len(images) == 1 and images[0].height > 0


def test_graph_written_when_requested(tmp_path):
    _fit(_model(), TensorBoard(tmp_path / "on", write_graph=True), epochs=1)
    _fit(_model(), TensorBoard(tmp_path / "off", write_graph=False), epochs=1)
    on = _load(tmp_path / "on" / "train")
    assert on.Tags()["graph"]
    ops = {node.op for node in on.Graph().node}
    assert any("linear" in op or "addmm" in op or "matmul" in op for op in ops), ops
    assert not _load(tmp_path / "off" / "train").Tags()["graph"]


def test_graph_with_batch_hooks_and_functional_model(tmp_path):
    inputs = kerastorch.Input((4,))
    outputs = layers.Dense(3, activation="softmax")(
        layers.Dense(8, activation="relu")(inputs)
    )
    model = kerastorch.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    tb = TensorBoard(tmp_path, update_freq="batch")
    _fit(model, tb, epochs=1)
    assert _load(tmp_path / "train").Tags()["graph"]
    assert tb._graph_hook is None and tb._graph_input is None


class _Untraceable(kerastorch.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(3, activation="softmax")

    def call(self, x):
        if torch.jit.is_tracing():
            raise RuntimeError("this model refuses tracing")
        return self.dense(x)


def test_untraceable_graph_warns_and_training_continues(tmp_path):
    model = _Untraceable()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.warns(
        KerasTorchWarning, match="could not trace.*refuses tracing"
    ) as record:
        history = _fit(model, TensorBoard(tmp_path), epochs=2)
    assert len([r for r in record if issubclass(r.category, KerasTorchWarning)]) == 1
    assert len(history.history["loss"]) == 2
    train = _load(tmp_path / "train")
    assert not train.Tags()["graph"]
    assert _steps(train, "epoch_loss") == [0, 1]


class _NoisyDropout(kerastorch.Model):
    """Draws random numbers on every call, training or not (as user code may)."""

    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(8)
        self.dropout = layers.Dropout(0.5)
        self.out = layers.Dense(3, activation="softmax")

    def call(self, x, training=None):
        x = x + 1e-3 * torch.rand_like(x)
        return self.out(self.dropout(self.hidden(x), training=training))


def test_graph_tracing_keeps_rng_and_training_unchanged(tmp_path):
    def run(write_graph):
        torch.manual_seed(0)
        model = _NoisyDropout()
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        tb = TensorBoard(tmp_path / str(write_graph), write_graph=write_graph)
        _fit(model, tb, epochs=2)
        assert (
            _load(tmp_path / str(write_graph) / "train").Tags()["graph"] == write_graph
        )
        return model.get_weights(), torch.rand(3)

    (w_on, r_on), (w_off, r_off) = run(True), run(False)
    for a, b in zip(w_on, w_off):
        np.testing.assert_array_equal(a, b)
    torch.testing.assert_close(r_on, r_off)


# --- profiler --------------------------------------------------------------------


@pytest.mark.parametrize("profile_batch", [(2, 3), "2,3"])
def test_profile_batch_writes_trace(tmp_path, profile_batch):
    tb = TensorBoard(tmp_path, write_graph=False, profile_batch=profile_batch)
    _fit(_model(), tb, epochs=1, validation=False)
    traces = list((tmp_path / "plugins" / "profile").glob("*.pt.trace.json"))
    assert len(traces) == 1
    events = json.loads(traces[0].read_text())["traceEvents"]
    steps = {
        e["name"] for e in events if str(e.get("name", "")).startswith("ProfilerStep#")
    }
    assert len(steps) == 2  # batches 2 and 3
    assert tb._profiler is None


def test_profile_stops_when_training_ends_early(tmp_path):
    tb = TensorBoard(tmp_path, write_graph=False, profile_batch=(3, 100))
    _fit(_model(), tb, epochs=1, validation=False)
    assert len(list((tmp_path / "plugins" / "profile").glob("*.pt.trace.json"))) == 1
    assert tb._profiler is None


def test_profile_batch_zero_writes_no_trace(tmp_path):
    _fit(
        _model(),
        TensorBoard(tmp_path, write_graph=False, profile_batch=0),
        epochs=1,
        validation=False,
    )
    assert not (tmp_path / "plugins").exists()


@pytest.mark.parametrize(
    "value, expected",
    [
        (0, (0, 0)),
        (5, (5, 5)),
        ((2, 4), (2, 4)),
        ([3, 3], (3, 3)),
        ("4", (4, 4)),
        ("1,6", (1, 6)),
    ],
)
def test_profile_batch_parsing(value, expected):
    tb = TensorBoard("unused", profile_batch=value)
    assert (tb._start_batch, tb._stop_batch) == expected
    assert tb._should_trace == (expected != (0, 0))


# --- distribution, import cost, arguments ------------------------------------------


def test_non_zero_rank_writes_nothing(tmp_path, monkeypatch):
    # The callback's own gate (real torchrun runs: tests/test_distributed.py).
    import kerastorch.callbacks.tensorboard as tensorboard_module

    monkeypatch.setattr(tensorboard_module, "is_main_process", lambda: False)
    tb = TensorBoard(
        tmp_path / "logs", histogram_freq=1, update_freq="batch", profile_batch=1
    )
    assert not tb._wants_batch_hooks("on_train_batch_end")
    model = _model()
    _fit(model, tb, epochs=1)
    x, y = _data(16)
    model.evaluate(x, y, callbacks=[tb], verbose=0)
    assert not (tmp_path / "logs").exists()


def test_importing_the_callback_does_not_import_tensorboard():
    code = (
        "import sys, kerastorch.callbacks.tensorboard; "
        "print(any(m.startswith(('tensorboard', 'torch.utils.tensorboard')) for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"histogram_freq": -1}, "histogram_freq=-1"),
        ({"histogram_freq": 1.5}, "histogram_freq=1.5"),
        ({"update_freq": "step"}, "update_freq='step'"),
        ({"update_freq": 0}, "update_freq=0"),
        ({"update_freq": True}, "update_freq=True"),
        ({"profile_batch": -1}, "profile_batch=-1"),
        ({"profile_batch": (3, 2)}, r"profile_batch=\(3, 2\)"),
        ({"profile_batch": (0, 2)}, r"profile_batch=\(0, 2\)"),
        ({"profile_batch": (1, 2, 3)}, r"profile_batch=\(1, 2, 3\)"),
        ({"profile_batch": "a,b"}, "profile_batch='a,b'"),
        ({"profile_batch": 1.0}, "profile_batch=1.0"),
        ({"embeddings_freq": 1}, "not supported.*embeddings_freq=1"),
        ({"embeddings_freq": -2}, "embeddings_freq=-2"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match) as info:
        TensorBoard("unused", **kwargs)
    assert "Received: " in str(info.value)


def test_bad_log_dir_type():
    with pytest.raises(TypeError, match="Received: log_dir=3"):
        TensorBoard(3)
