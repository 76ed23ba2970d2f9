"""kerastorch.tuners: KerasTuner's API on Optuna (search, resume, sharing, pruning, failures)."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("optuna")

import kerastorch as keras  # noqa: E402
from kerastorch import tuners  # noqa: E402
from kerastorch.tuners import hyperparameters as hp_lib  # noqa: E402
from kerastorch.tuners import objective as objective_lib  # noqa: E402


def _data(n=192, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = (x[:, 0] - x[:, 1] > 0).astype("float32")
    return x, y


X, Y = _data()
X_VAL, Y_VAL = _data(64, seed=1)


def build_model(hp):
    model = keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(hp.Int("units", 4, 8, step=4), activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    lr = hp.Choice("lr", [1e-7, 3e-2])
    model.compile(keras.optimizers.Adam(lr), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _fit_args(epochs=3):
    return dict(x=X, y=Y, epochs=epochs, validation_data=(X_VAL, Y_VAL), verbose=0,
                batch_size=32)


def _tuner(cls, tmp_path, **kwargs):
    kwargs.setdefault("objective", "val_accuracy")
    kwargs.setdefault("directory", tmp_path)
    kwargs.setdefault("project_name", "p")
    kwargs.setdefault("seed", 0)
    hypermodel = kwargs.pop("hypermodel", build_model)
    return cls(hypermodel, **kwargs)


# --- HyperParameters ---------------------------------------------------------------------


def test_hyperparameters_return_defaults_and_record_values():
    hp = tuners.HyperParameters()
    assert hp.Int("units", 32, 128, step=32) == 32
    assert hp.Float("lr", 1e-4, 1e-2, sampling="log", default=1e-3) == 1e-3
    assert hp.Choice("act", ["relu", "tanh"]) == "relu"
    assert hp.Boolean("dropout") is False
    assert hp.Fixed("batch", 64) == 64
    assert hp.Int("units", 32, 128, step=32) == 32  # asked again: same value
    assert hp.values == {"units": 32, "lr": 1e-3, "act": "relu", "dropout": False, "batch": 64}
    assert hp.get("act") == "relu" and hp["batch"] == 64 and "lr" in hp
    assert [h.kind for h in hp.space] == ["Int", "Float", "Choice", "Boolean", "Fixed"]
    with pytest.raises(KeyError, match="Unknown hyperparameter: 'nope'"):
        hp.get("nope")


def test_conditional_scope_activates_children_only_for_the_parent_values():
    hp = tuners.HyperParameters()
    kind = hp.Choice("kind", ["mlp", "linear"])
    with hp.conditional_scope("kind", "mlp"):
        units = hp.Int("units", 4, 8)
    with hp.conditional_scope("kind", ["linear"]):
        bias = hp.Boolean("bias", default=True)
    assert (kind, units, bias) == ("mlp", 4, None)
    assert hp.values == {"kind": "mlp", "units": 4}
    assert hp.is_active("units") and not hp.is_active("bias")
    with pytest.raises(ValueError, match="parent hyperparameter defined first"):
        with hp.conditional_scope("missing", [1]):
            pass


def test_grid_values_of_each_kind():
    assert hp_lib.Int("a", 1, 10, step=4).grid_values() == [1, 5, 9]
    assert hp_lib.Int("a", 2, 32, step=2, sampling="log").grid_values() == [2, 4, 8, 16, 32]
    np.testing.assert_allclose(hp_lib.Float("f", 0.0, 1.0, step=0.25).grid_values(),
                               [0, 0.25, 0.5, 0.75, 1.0])
    assert hp_lib.Choice("c", [3, 1]).grid_values() == [3, 1]
    assert hp_lib.Boolean("b").grid_values() == [False, True]
    with pytest.raises(ValueError, match="has no `step`"):
        hp_lib.Float("f", 0.0, 1.0).grid_values()


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda hp: hp.Int("a", 5, 1), "min_value` must be <= `max_value"),
        (lambda hp: hp.Int("a", 1, 5, sampling="reverse"), "`sampling` must be one of"),
        (lambda hp: hp.Float("a", 0.0, 1.0, sampling="log"), "needs `min_value > 0`"),
        (lambda hp: hp.Int("a", 1.5, 5), "must be integers"),
        (lambda hp: hp.Int("a", 1, 5, step=0), "`step` must be"),
        (lambda hp: hp.Int("a", 1, 5, default=9), "`default` must be an integer in"),
        (lambda hp: hp.Choice("a", []), "non-empty list"),
        (lambda hp: hp.Choice("a", [1, "x"]), "all be of one type"),
        (lambda hp: hp.Choice("a", [1, 2], default=3), "`default` must be one of"),
        (lambda hp: hp.Boolean("a", default=1), "must be a bool"),
    ],
)
def test_bad_hyperparameter_arguments_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call(tuners.HyperParameters())


def test_redefining_a_name_with_other_settings_raises():
    hp = tuners.HyperParameters()
    hp.Int("units", 1, 5)
    with pytest.raises(ValueError, match="defined twice with different settings"):
        hp.Int("units", 1, 9)


# --- Objective ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, direction",
    [("val_accuracy", "max"), ("val_loss", "min"), ("loss", "min"), ("val_auc", "max"),
     ("mae", "min"), ("val_precision", "max"), ("val_mean_squared_error", "min")],
)
def test_objective_direction_is_inferred_like_keras_tuner(name, direction):
    assert objective_lib.get(name) == tuners.Objective(name, direction)


def test_bad_objectives_raise():
    with pytest.raises(ValueError, match="Could not infer the optimization direction"):
        objective_lib.get("val_my_score")
    with pytest.raises(ValueError, match="`direction` must be one of"):
        tuners.Objective("val_loss", "down")
    with pytest.raises(TypeError, match="`objective` must be"):
        objective_lib.get(3)


# --- searches -----------------------------------------------------------------------------


def test_search_picks_the_learning_rate_that_learns_and_best_model_matches(tmp_path):
    tuner = _tuner(tuners.GridSearch, tmp_path)
    assert tuner.max_trials == 4  # units {4, 8} x lr {1e-7, 3e-2}
    tuner.search(**_fit_args())
    best_hp = tuner.get_best_hyperparameters()[0]
    assert best_hp.get("lr") == 3e-2
    trials = tuner.oracle.get_best_trials(4)
    assert len(trials) == 4 and trials[0].score > trials[-1].score + 0.1
    assert {t.hyperparameters.values["lr"] for t in trials[-2:]} == {1e-7}
    # The best model is the best epoch's weights: evaluating gives the recorded metrics.
    model = tuner.get_best_models(1)[0]
    logs = model.evaluate(X_VAL, Y_VAL, verbose=0, return_dict=True, batch_size=32)
    np.testing.assert_allclose(logs["loss"], trials[0].metrics["val_loss"], rtol=1e-4)
    np.testing.assert_allclose(logs["accuracy"], trials[0].score, rtol=1e-6)
    assert os.path.exists(os.path.join(trials[0].directory, "checkpoint.weights.safetensors"))


def test_summaries_print_space_and_results(tmp_path, capsys):
    tuner = _tuner(tuners.RandomSearch, tmp_path, max_trials=2)
    tuner.search_space_summary()
    out = capsys.readouterr().out
    assert "Default search space size: 2" in out and "units (Int)" in out
    assert "'values': [1e-07, 0.03]" in out
    tuner.search(**_fit_args(epochs=1))
    tuner.results_summary(num_trials=1)
    out = capsys.readouterr().out
    assert 'Objective(name="val_accuracy", direction="max")' in out
    assert out.count("summary\nHyperparameters:") == 1 and "Score: " in out


def test_rerunning_a_search_continues_it_and_overwrite_starts_again(tmp_path):
    first = _tuner(tuners.RandomSearch, tmp_path, max_trials=2)
    first.search(**_fit_args(epochs=1))
    fits = []
    callback = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: fits.append(1))
    again = _tuner(tuners.RandomSearch, tmp_path, max_trials=4)
    assert again.remaining_trials == 2
    again.search(callbacks=[callback], **_fit_args(epochs=1))
    assert len(fits) == 2  # only the two missing trials ran
    assert len(again.oracle.trials) == 4 and again.remaining_trials == 0
    again.search(**_fit_args(epochs=1))  # nothing left to do
    assert len(again.study.trials) == 4
    fresh = _tuner(tuners.RandomSearch, tmp_path, max_trials=1, overwrite=True)
    assert len(fresh.study.trials) == 0 and not os.path.exists(tmp_path / "p" / "trial_0")


def test_resuming_with_another_objective_raises(tmp_path):
    _tuner(tuners.RandomSearch, tmp_path, max_trials=1)
    with pytest.raises(ValueError, match="already optimizes 'val_accuracy'"):
        _tuner(tuners.RandomSearch, tmp_path, objective="val_loss")


_WORKER = """
import json, os, signal, sys, time
import numpy as np
import kerastorch as keras
from kerastorch import tuners

directory, max_trials, kill_at, out, storage, barrier = sys.argv[1:7]
max_trials, kill_at = int(max_trials), int(kill_at)
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4)).astype("float32")
y = x.sum(axis=1, keepdims=True)
ran = []

class Kill(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if len(ran) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

class Model(tuners.HyperModel):
    def build(self, hp):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(hp.Int("units", 1, 64))])
        model.compile("sgd", loss="mse")
        return model

    def fit(self, hp, model, *args, **kwargs):
        ran.append(hp.values["units"])
        with open(out, "w") as f:
            json.dump(ran, f)
        time.sleep(0.1 if barrier != "-" else 0)  # let sharing processes interleave
        return model.fit(*args, **kwargs)

tuner = tuners.RandomSearch(Model(), objective="val_loss", max_trials=max_trials,
                            directory=directory, project_name="p",
                            storage=None if storage == "-" else storage)
if barrier != "-":  # start searching together
    open(f"{barrier}.{os.getpid()}", "w").close()
    deadline = time.time() + 60
    while (len([f for f in os.listdir(directory) if f.startswith("ready.")]) < 2
           and time.time() < deadline):
        time.sleep(0.05)
tuner.search(x, y, epochs=2, validation_split=0.25, verbose=0, callbacks=[Kill()])
"""


def _worker(tmp_path, max_trials, kill_at=-1, out="ran.json", storage="-", barrier="-"):
    script = tmp_path / "worker.py"
    script.write_text(_WORKER)
    args = [sys.executable, str(script), str(tmp_path), str(max_trials), str(kill_at),
            str(tmp_path / out), storage, barrier]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _units_run(tmp_path, out="ran.json"):
    return json.loads((tmp_path / out).read_text())


@pytest.mark.slow
def test_a_search_killed_mid_trial_resumes_with_the_remaining_trials(tmp_path):
    proc = _worker(tmp_path, max_trials=4, kill_at=3)  # SIGKILL inside the third trial's fit
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -9, err
    killed = _units_run(tmp_path)
    assert len(killed) == 3
    resumed = []

    class Model(tuners.HyperModel):
        def build(self, hp):
            model = keras.Sequential([keras.Input((4,)),
                                      keras.layers.Dense(hp.Int("units", 1, 64))])
            model.compile("sgd", loss="mse")
            return model

        def fit(self, hp, model, *args, **kwargs):
            resumed.append(hp.values["units"])
            return model.fit(*args, **kwargs)

    tuner = tuners.RandomSearch(Model(), "val_loss", max_trials=4, directory=tmp_path,
                                project_name="p")
    assert tuner.remaining_trials == 1  # the killed trial is still RUNNING in the study
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    tuner.search(x, x[:, :1], epochs=1, validation_split=0.25, verbose=0)
    # The interrupted trial runs again with its parameters, then the fourth one.
    assert len(resumed) == 2 and resumed[0] == killed[2]
    trials = tuner.oracle.trials
    assert [t.status for t in trials.values()] == ["COMPLETED"] * 4
    assert sorted(t.hyperparameters.values["units"] for t in trials.values()) == sorted(
        killed + resumed[1:]
    )


@pytest.mark.slow
def test_two_processes_sharing_a_study_run_disjoint_trials(tmp_path):
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    procs = [_worker(tmp_path, 6, out=f"ran{i}.json", storage=storage,
                     barrier=str(tmp_path / "ready")) for i in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    tuner = tuners.RandomSearch(build_model, "val_loss", max_trials=6, directory=tmp_path,
                                project_name="p", storage=storage)
    workers = {}
    for t in tuner.oracle.trials.values():
        workers.setdefault(t.optuna_trial.user_attrs["kerastorch_worker"], []).append(t.number)
    counted = tuner.oracle.trials
    assert len(counted) == 6 and all(t.status == "COMPLETED" for t in counted.values())
    assert len(workers) == 2  # both processes ran trials
    ran = [_units_run(tmp_path, f"ran{i}.json") for i in range(2)]
    assert sorted(len(r) for r in ran) == sorted(len(n) for n in workers.values())
    assert sum(len(r) for r in ran) == 6  # no trial ran twice


class _EpochCounter(keras.callbacks.Callback):
    epochs = []  # class-level: survives the deep copies the tuner makes

    def on_epoch_end(self, epoch, logs=None):
        _EpochCounter.epochs.append(epoch)


def test_hyperband_prunes_trials(tmp_path):
    _EpochCounter.epochs = []
    tuner = _tuner(tuners.Hyperband, tmp_path, max_epochs=9, factor=3, max_trials=8)
    tuner.search(X, Y, validation_data=(X_VAL, Y_VAL), verbose=0, epochs=1,
                 callbacks=[_EpochCounter()])
    statuses = [t.status for t in tuner.oracle.trials.values()]
    assert len(statuses) == 8 and "STOPPED" in statuses and "COMPLETED" in statuses
    assert len(_EpochCounter.epochs) < 8 * 9
    assert max(_EpochCounter.epochs) == 8  # `epochs=1` is replaced by max_epochs
    assert tuners.Hyperband(build_model, "val_loss", max_epochs=9, factor=3,
                            directory=tmp_path, project_name="q").max_trials == 3 + 5 + 9


def test_failing_trials_are_recorded_and_the_search_goes_on(tmp_path):
    def build(hp):
        if hp.Choice("kind", ["ok", "broken", "nan"]) == "broken":
            raise RuntimeError("cannot build this one")
        model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(1, "sigmoid")])
        model.compile("adam", loss="mse", metrics=["accuracy"])
        return model

    class NaNData(tuners.HyperModel):
        def build(self, hp):
            return build(hp)

        def fit(self, hp, model, x, y, **kwargs):
            if hp.get("kind") == "nan":
                y = y * np.nan
            return model.fit(x, y, **kwargs)

    tuner = _tuner(tuners.GridSearch, tmp_path, hypermodel=NaNData(), max_retries_per_trial=1,
                   max_consecutive_failed_trials=10)
    tuner.search(**_fit_args(epochs=2))
    trials = {t.hyperparameters.values["kind"]: t for t in tuner.oracle.trials.values()}
    assert len(trials) == 3
    assert trials["broken"].status == "FAILED"
    assert "RuntimeError: cannot build this one" in trials["broken"].error
    assert trials["nan"].status == "FAILED" and "NaN" in trials["nan"].error
    assert trials["ok"].status == "COMPLETED"
    assert tuner.get_best_hyperparameters()[0].values["kind"] == "ok"


def test_too_many_consecutive_failures_stop_the_search(tmp_path):
    def build(hp):
        hp.Int("units", 1, 100)
        raise RuntimeError("always broken")

    tuner = _tuner(tuners.RandomSearch, tmp_path, hypermodel=build, max_trials=5,
                   max_consecutive_failed_trials=2)
    with pytest.raises(RuntimeError, match="consecutive failures exceeded the limit of 2"):
        tuner.search(**_fit_args(epochs=1))
    assert [t.status for t in tuner.oracle.trials.values()] == ["FAILED", "FAILED"]


def test_unknown_objective_stops_after_the_first_trial_naming_the_logged_metrics(tmp_path):
    tuner = _tuner(tuners.RandomSearch, tmp_path,
                   objective=tuners.Objective("val_acc", "max"), max_trials=3)
    with pytest.raises(ValueError, match=r"'val_acc' is not among .*'val_accuracy'.*"
                                         r"Did you mean: 'val_accuracy'"):
        tuner.search(**_fit_args(epochs=1))
    assert len(tuner.study.trials) == 1 and tuner.remaining_trials == 3


def test_a_model_that_is_not_compiled_is_a_clear_error(tmp_path):
    def build(hp):
        return keras.Sequential([keras.Input((6,)), keras.layers.Dense(hp.Int("u", 1, 2))])

    tuner = _tuner(tuners.RandomSearch, tmp_path, hypermodel=build, max_trials=2)
    with pytest.raises(ValueError, match="must return a compiled model"):
        tuner.search(**_fit_args(epochs=1))


def test_conditional_hyperparameters_in_a_search(tmp_path):
    def build(hp):
        kind = hp.Choice("kind", ["mlp", "linear"])
        layers = [keras.Input((6,))]
        with hp.conditional_scope("kind", "mlp"):
            if kind == "mlp":
                layers.append(keras.layers.Dense(hp.Int("units", 2, 4, step=2), activation="relu"))
        layers.append(keras.layers.Dense(1, activation="sigmoid"))
        model = keras.Sequential(layers)
        model.compile("adam", loss="binary_crossentropy", metrics=["accuracy"])
        return model

    tuner = _tuner(tuners.GridSearch, tmp_path, hypermodel=build)
    assert [h.name for h in tuner.hyperparameters.space] == ["kind", "units"]
    tuner.search(**_fit_args(epochs=1))
    values = [t.hyperparameters.values for t in tuner.oracle.trials.values()]
    assert {"kind": "linear"} in values
    assert {"kind": "mlp", "units": 2} in values and {"kind": "mlp", "units": 4} in values


def test_executions_are_averaged_and_run_trial_may_return_floats(tmp_path):
    class Scripted(tuners.HyperModel):
        calls = 0

        def build(self, hp):
            hp.Fixed("f", 1)
            model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
            model.compile("sgd", "mse")
            return model

        def fit(self, hp, model, *args, **kwargs):
            Scripted.calls += 1
            return {1: {"val_loss": [3.0, 1.0]}, 2: {"val_loss": [2.0]}}[Scripted.calls]

    tuner = _tuner(tuners.RandomSearch, tmp_path, hypermodel=Scripted(),
                   objective="val_loss", max_trials=1, executions_per_trial=2)
    tuner.search(verbose=0)
    assert tuner.oracle.get_best_trials()[0].score == pytest.approx(1.5)

    class Quadratic(tuners.BayesianOptimization):
        def run_trial(self, trial, *args, **kwargs):
            x = trial.hyperparameters.Float("x", -4.0, 4.0)
            return (x - 2.0) ** 2

    quadratic = Quadratic(objective=tuners.Objective("score", "min"), max_trials=8,
                          num_initial_points=4, seed=0, directory=tmp_path, project_name="q")
    assert type(quadratic.study.sampler).__name__ == "GPSampler"
    quadratic.search(verbose=0)
    best = quadratic.get_best_hyperparameters()[0].get("x")
    assert abs(best - 2.0) < 1.0


def test_each_trial_writes_tensorboard_scalars_and_hparams(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import plugin_data_pb2

    tuner = _tuner(tuners.RandomSearch, tmp_path, max_trials=1)
    tuner.search(**_fit_args(epochs=2))
    trial = tuner.oracle.get_best_trials()[0]
    assert trial.log_dir == str(tmp_path / "p" / "tensorboard" / f"trial_{trial.trial_id}")
    acc = EventAccumulator(trial.log_dir)
    acc.Reload()
    scalars = acc.Tags()["scalars"]
    assert "epoch_val_accuracy" in scalars and "best/val_accuracy" in scalars
    assert [e.step for e in acc.Scalars("epoch_loss")] == [0, 1]
    assert acc.Scalars("best/val_accuracy")[0].value == pytest.approx(trial.score)
    content = acc.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_start_info"]).session_start_info
    assert start.hparams["lr"].number_value == pytest.approx(trial.hyperparameters.get("lr"))
    assert start.hparams["units"].number_value == trial.hyperparameters.get("units")


def test_bad_tuner_arguments_raise(tmp_path):
    with pytest.raises(ValueError, match="`max_trials` must be an integer >= 1"):
        _tuner(tuners.RandomSearch, tmp_path, max_trials=0)
    with pytest.raises(ValueError, match="executions_per_trial"):
        _tuner(tuners.RandomSearch, tmp_path, executions_per_trial=1.5)
    with pytest.raises(ValueError, match="`factor` must be an integer >= 2"):
        _tuner(tuners.Hyperband, tmp_path, factor=1)
    with pytest.raises(TypeError, match="`hypermodel` must be"):
        tuners.RandomSearch("not a model", directory=tmp_path)
    with pytest.raises(ValueError, match="Could not infer"):
        _tuner(tuners.RandomSearch, tmp_path, objective="val_something")


def test_importing_tuners_does_not_import_optuna():
    code = "import sys, kerastorch.tuners; print('optuna' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_example_runs_a_short_search(tmp_path):
    import runpy

    path = os.path.join(os.path.dirname(__file__), "..", "examples", "tuning.py")
    main = runpy.run_path(path)["main"]
    best_accuracy, best_hp = main(max_trials=2, epochs=2, directory=str(tmp_path))
    assert 0.0 <= best_accuracy <= 1.0 and "learning_rate" in best_hp
    print(textwrap.shorten(str(best_hp), 80))
