"""Tuner: KerasTuner's search loop, run by an Optuna study.

One `search()` call runs `study.optimize` until the study holds `max_trials`
trials (finished, failed or running, counted across every process sharing
the study). Each trial builds a model with sampled `HyperParameters`, fits
it with `search`'s arguments, and scores it by the best epoch of the
objective; the best epoch's weights are saved in the trial's directory.
"""

from __future__ import annotations

import contextlib
import copy
import math
import numbers
import os
import time
import traceback

from kerastorch.tuners import hypermodel as hypermodel_lib
from kerastorch.tuners import objective as objective_lib
from kerastorch.tuners import study as study_lib
from kerastorch.tuners.hyperparameters import HyperParameters
from kerastorch.tuners.objective import missing_message
from kerastorch.tuners.pruning import BestEpochCheckpoint
from kerastorch.tuners.pruning import PruningCallback
from kerastorch.tuners.tensorboard_hparams import TrialMetricsLogger
from kerastorch.tuners.tensorboard_hparams import write_hparams
from kerastorch.tuners.trial import Oracle
from kerastorch.tuners.trial import Trial

_MAX_SPACE_BUILDS = 32  # builds spent discovering conditional hyperparameters


class _TrialFailed(Exception):
    """A trial raised (or diverged) on every attempt; recorded as FAIL, the search goes on."""


class _SurplusTrial(Exception):
    """Asked for after other processes reached `max_trials`; recorded and ignored."""


class _UserError(ValueError):
    """A mistake in the search's setup: stops the search instead of failing a trial."""


def _check_count(name: str, value, low: int, allow_none: bool = False):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"`{name}` must be an integer >= {low}. Received: {name}={value!r}")


class Tuner:
    """Search hyperparameters with an Optuna sampler (and pruner).

    The subclasses `RandomSearch`, `BayesianOptimization`, `Hyperband` and
    `GridSearch` choose the sampler; `Tuner` itself takes any Optuna
    `sampler` and `pruner`. The study lives in `directory/project_name/study.db`
    (SQLite) unless `storage` names another Optuna storage; running the same
    search again continues it (finished trials are kept and count toward
    `max_trials`), and several processes given the same storage share the
    work.

    Args:
        hypermodel: a `HyperModel` or a function `build_model(hp)` returning
            a compiled model. May be `None` if you override `run_trial`.
        objective: a logged metric name (`"val_accuracy"`: maximized,
            `"val_loss"`: minimized, as KerasTuner infers) or an
            `Objective(name, direction)`. Defaults to `"val_loss"`.
        max_trials: how many trials the study runs in all. Defaults to `10`.
        executions_per_trial: models built and fit per trial; the trial's
            score is the mean of their best-epoch values. Defaults to `1`.
        seed: seed of the sampler. Defaults to `None`.
        overwrite: delete the project (study, checkpoints, logs) and start
            again. Defaults to `False` (resume).
        directory: where the project directory goes. Defaults to `None` (`"."`).
        project_name: the project directory and the Optuna study name.
            Defaults to `None` (`"untitled_project"`).
        storage: an Optuna RDB URL (`"postgresql://..."`,
            `"sqlite:///shared.db"`) or storage object. Defaults to `None`
            (`directory/project_name/study.db`).
        max_retries_per_trial: extra attempts for a trial that raises.
            Defaults to `0`.
        max_consecutive_failed_trials: stop the search with an error after
            this many failed trials in a row. Defaults to `3`.
        sampler: an `optuna.samplers` sampler. Defaults to `None` (TPE).
        pruner: an `optuna.pruners` pruner, fed the objective each epoch.
            Defaults to `None` (no pruning).

    Example:

    ```python
    tuner = keras.tuners.Tuner(build_model, objective="val_loss", max_trials=5,
                               sampler=optuna.samplers.QMCSampler(seed=0))
    tuner.search(x, y, epochs=5, validation_split=0.2)
    ```
    """

    def __init__(
        self,
        hypermodel=None,
        objective=None,
        max_trials: int | None = 10,
        executions_per_trial: int = 1,
        seed: int | None = None,
        overwrite: bool = False,
        directory: str | None = None,
        project_name: str | None = None,
        storage=None,
        max_retries_per_trial: int = 0,
        max_consecutive_failed_trials: int = 3,
        sampler=None,
        pruner=None,
    ):
        _check_count("max_trials", max_trials, 1, allow_none=True)
        _check_count("executions_per_trial", executions_per_trial, 1)
        _check_count("seed", seed, 0, allow_none=True)
        _check_count("max_retries_per_trial", max_retries_per_trial, 0)
        _check_count("max_consecutive_failed_trials", max_consecutive_failed_trials, 1)
        if project_name is not None and (not isinstance(project_name, str) or not project_name):
            raise ValueError(
                f"`project_name` must be a non-empty string. Received: project_name={project_name!r}"
            )
        study_lib.require_optuna()
        self.hypermodel = hypermodel_lib.get(hypermodel)
        self.objective = objective_lib.get("val_loss" if objective is None else objective)
        self.executions_per_trial = executions_per_trial
        self.seed = seed
        self.max_retries_per_trial = max_retries_per_trial
        self.max_consecutive_failed_trials = max_consecutive_failed_trials
        self.directory = os.fspath(directory) if directory is not None else "."
        self.project_name = project_name or "untitled_project"
        self.project_dir = os.path.join(self.directory, self.project_name)
        self.hyperparameters = HyperParameters()
        self._populate_space()
        self.max_trials = self._default_max_trials() if max_trials is None else max_trials
        self._user_sampler = sampler
        self.pruner = pruner if pruner is not None else self._make_pruner()
        self.study, self.storage = study_lib.open_study(
            self.project_dir, self.project_name, storage, self.objective.direction,
            self.objective.name, overwrite,
        )
        self.study.pruner = self.pruner
        self.study.sampler = self._sampler()

    # --- what subclasses choose -------------------------------------------------------

    def _make_sampler(self, seed: int | None):
        import optuna

        return optuna.samplers.TPESampler(seed=seed)

    def _make_pruner(self):
        return None

    def _default_max_trials(self) -> int:
        return 10

    def _sampler(self):
        """The sampler for a search, seeded with `seed` + trials already in the study.

        Offsetting by the trials done keeps a resumed search from drawing
        its first points again.
        """
        if self._user_sampler is not None:
            return self._user_sampler
        done = len(self.study.trials) if hasattr(self, "study") else 0
        return self._make_sampler(None if self.seed is None else self.seed + done)

    # --- the search space -------------------------------------------------------------

    def _populate_space(self) -> None:
        """Build once with defaults, then once per value of each conditional parent."""
        if self.hypermodel is None:
            return
        tried: set = set()
        queue: list[dict] = [{}]
        builds = 0
        while queue and builds < _MAX_SPACE_BUILDS:
            forced = queue.pop(0)
            hp = self.hyperparameters._for_trial(values=forced)
            builds += 1
            with contextlib.suppress(Exception):  # the space is what was defined before a raise
                self.hypermodel.build(hp)
            self.hyperparameters._space.update(hp._space)
            parents = {p for h in hp.space for p, _ in h.conditions}
            for parent in parents:
                if not hp.is_active(parent):
                    continue
                try:
                    values = hp._space[parent].grid_values()
                except ValueError:
                    continue
                for value in values[:8]:
                    key = tuple(sorted({**forced, parent: value}.items(), key=str))
                    if key not in tried:
                        tried.add(key)
                        queue.append({**forced, parent: value})

    def search_space_summary(self, extended: bool = False) -> None:
        """Print the hyperparameters of the search space with their settings."""
        space = self.hyperparameters.space
        print("Search space summary")
        print(f"Default search space size: {len(space)}")
        for hp in space:
            print(f"{hp.name} ({hp.kind})")
            print(hp.get_config())

    # --- the search -------------------------------------------------------------------

    @property
    def remaining_trials(self) -> int:
        """Trials left before the study reaches `max_trials`."""
        return max(0, self.max_trials - len(self._counted()))

    def _counted(self) -> list:
        return [t for t in self.study.get_trials(deepcopy=False) if study_lib.counts(t)]

    def search(self, *fit_args, **fit_kwargs) -> None:
        """Run trials until the study holds `max_trials` of them.

        Takes `fit`'s arguments (`x`, `y`, `epochs=`, `validation_data=`,
        `callbacks=`, ...): each trial fits its model with them. Callbacks are
        deep-copied for each model, as in KerasTuner.
        """
        self._verbose = fit_kwargs.get("verbose", 1)
        recovered = study_lib.recover_interrupted(self.study, self.storage)
        if recovered and self._verbose:
            print(f"Trials {recovered} were interrupted; they will run again.")
        self.study.sampler = self._sampler()
        if self.remaining_trials == 0:
            if self._verbose:
                print(f"The search is complete: {self.max_trials} trials in '{self.project_dir}'.")
            return
        self._consecutive_failures = 0
        self._search_start = time.time()
        with study_lib.quiet_optuna():
            self.study.optimize(
                lambda t: self._objective(t, fit_args, fit_kwargs),
                catch=(_TrialFailed, _SurplusTrial),
                callbacks=[self._after_trial],
            )

    def _objective(self, optuna_trial, fit_args, fit_kwargs) -> float:
        import optuna

        optuna_trial.set_user_attr(study_lib.WORKER, study_lib.worker_id())
        earlier = [t for t in self._counted() if t.number < optuna_trial.number]
        if len(earlier) >= self.max_trials:
            optuna_trial.set_user_attr(study_lib.SURPLUS, True)
            optuna_trial.study.stop()
            raise _SurplusTrial()
        hp = self.hyperparameters._for_trial(optuna_trial)
        trial = Trial(self, optuna_trial, hp)
        os.makedirs(trial.directory, exist_ok=True)
        if self._verbose:
            print(f"\nSearch: running trial #{len(earlier) + 1} of {self.max_trials} "
                  f"(trial_{trial.trial_id})", flush=True)
        trial._start = time.time()
        error = None
        try:
            for _ in range(self.max_retries_per_trial + 1):
                try:
                    results = self.run_trial(trial, *fit_args, **fit_kwargs)
                    break
                except (optuna.TrialPruned, _UserError):
                    raise
                except Exception as e:  # any failure of build or fit fails the trial
                    error = e
                    if self._verbose:
                        traceback.print_exc()
            else:
                message = f"{type(error).__name__}: {error}"
                optuna_trial.set_user_attr("error", message)
                raise _TrialFailed(message) from error
        except KeyboardInterrupt:
            # Not the trial's fault: run it again when the search resumes.
            optuna_trial.set_user_attr(study_lib.INTERRUPTED, True)
            self.study.enqueue_trial(optuna_trial.params)
            raise
        except optuna.TrialPruned:
            self._record(trial, getattr(trial, "_best_metrics", {}), None)
            raise
        except _UserError:
            optuna_trial.set_user_attr(study_lib.ABORTED, True)
            raise
        finally:
            self._merge_space(hp)
            optuna_trial.set_user_attr("hp_values", dict(hp.values))
        try:
            value, metrics, best_step = self._score(results)
        except _UserError:
            optuna_trial.set_user_attr(study_lib.ABORTED, True)
            raise
        if math.isnan(value):
            optuna_trial.set_user_attr("error", "the objective is NaN")
            raise _TrialFailed("the objective is NaN")
        self._record(trial, metrics, best_step)
        return value

    def _merge_space(self, hp: HyperParameters) -> None:
        for name, definition in hp._space.items():
            self.hyperparameters._space.setdefault(name, definition)

    def _record(self, trial: Trial, metrics: dict, best_step) -> None:
        trial.optuna_trial.set_user_attr("metrics", metrics)
        if best_step is not None:
            trial.optuna_trial.set_user_attr("best_step", best_step)
        write_hparams(trial.log_dir, trial.hyperparameters.values, metrics)

    def _after_trial(self, study, frozen) -> None:
        from optuna.trial import TrialState

        if frozen.user_attrs.get(study_lib.SURPLUS):
            return
        view = Trial.from_frozen(self, frozen)
        if frozen.state == TrialState.FAIL and not frozen.user_attrs.get(study_lib.INTERRUPTED):
            self._consecutive_failures += 1
            if self._verbose:
                print(f"Trial {view.trial_id} failed: {view.error}", flush=True)
            if self._consecutive_failures >= self.max_consecutive_failed_trials:
                study.stop()
                raise RuntimeError(
                    f"Number of consecutive failures exceeded the limit of "
                    f"{self.max_consecutive_failed_trials}. The last one: {view.error}"
                )
        else:
            self._consecutive_failures = 0
        if self._verbose and frozen.state != TrialState.FAIL:
            self._print_trial_end(view, frozen)
        if self.remaining_trials == 0:
            study.stop()

    def _print_trial_end(self, view: Trial, frozen) -> None:
        what = "complete" if view.status == "COMPLETED" else "pruned"
        seconds = frozen.duration.total_seconds() if frozen.duration else 0.0
        score = f"{self.objective.name}={view.score:.5g}" if view.score is not None else ""
        print(f"Trial {view.trial_id} {what} [{seconds:.1f}s] {score}")
        print(f"Hyperparameters: {view.hyperparameters.values}")
        best = self.oracle.get_best_trials(1)
        if best:
            print(f"Best {self.objective.name} so far: {best[0].score:.5g}", flush=True)

    # --- one trial ---------------------------------------------------------------------

    def run_trial(self, trial: Trial, *fit_args, **fit_kwargs):
        """Build and fit `executions_per_trial` models; return their `History`s.

        Override it to train differently; return a `History`, a dict of
        metrics, a float (the objective), or a list of these (averaged).
        """
        if self.hypermodel is None:
            raise _UserError(
                "This tuner has no `hypermodel`: pass one, or override `run_trial`."
            )
        import optuna

        hp = trial.hyperparameters
        best = BestEpochCheckpoint(self.objective, trial.checkpoint_path)
        histories = []
        for execution in range(self.executions_per_trial):
            callbacks = self._copy_callbacks(fit_kwargs.get("callbacks"), trial, execution)
            prefix = f"execution_{execution}/" if execution else ""
            callbacks.append(TrialMetricsLogger(trial.log_dir, prefix))
            callbacks.append(best)
            pruning = None
            if execution == 0 and self.pruner is not None:
                pruning = PruningCallback(trial.optuna_trial, self.objective.name)
                callbacks.append(pruning)
            model = self._build(hp)
            kwargs = {**self._fit_kwargs(fit_kwargs), "callbacks": callbacks}
            history = self.hypermodel.fit(hp, model, *fit_args, **kwargs)
            trial._best_metrics = best.best_logs
            if best.nan_epoch is not None:
                raise FloatingPointError(f"NaN or infinite loss at epoch {best.nan_epoch + 1}.")
            if pruning is not None and pruning.pruned:
                raise optuna.TrialPruned(f"pruned after epoch {pruning.pruned_epoch + 1}")
            histories.append(history)
        return histories

    def _fit_kwargs(self, fit_kwargs: dict) -> dict:
        return dict(fit_kwargs)

    def _copy_callbacks(self, callbacks, trial: Trial, execution: int) -> list:
        from kerastorch.callbacks.tensorboard import TensorBoard

        copies = []
        for callback in callbacks or []:
            try:
                callback = copy.deepcopy(callback)
            except Exception:  # an unpicklable callback is shared, as it is
                pass
            if isinstance(callback, TensorBoard):
                callback.log_dir = os.path.join(
                    callback.log_dir, f"trial_{trial.trial_id}", f"execution{execution}"
                )
            copies.append(callback)
        return copies

    def _build(self, hp: HyperParameters):
        model = self.hypermodel.build(hp)
        if not getattr(model, "compiled", False):
            raise _UserError(
                "The hypermodel must return a compiled model (call `model.compile(...)` "
                f"in `build`). Received: {type(model).__name__}"
            )
        return model

    def _score(self, results) -> tuple[float, dict, int | None]:
        """`(value, best-epoch metrics, best epoch)` of `run_trial`'s results."""
        items = results if isinstance(results, list) else [results]
        values, all_metrics, best_step = [], [], None
        for item in items:
            logs = getattr(item, "history", item)
            if isinstance(logs, dict) and logs and all(
                isinstance(v, (list, tuple)) for v in logs.values()
            ):
                if self.objective.name not in logs:
                    raise _UserError(missing_message(self.objective.name, logs))
                series = [float(v) for v in logs[self.objective.name]]
                step = self._best_index(series)
                metrics = {k: float(v[step]) for k, v in logs.items() if len(v) > step}
                best_step = step if best_step is None else best_step
            elif isinstance(logs, dict):
                if self.objective.name not in logs:
                    raise _UserError(missing_message(self.objective.name, logs))
                metrics = {k: float(v) for k, v in logs.items()}
            elif isinstance(logs, numbers.Real):
                metrics = {self.objective.name: float(logs)}
            else:
                raise _UserError(
                    "`run_trial` (and `HyperModel.fit`) must return a History, a dict "
                    f"of metrics, a float, or a list of these. Received: {item!r}"
                )
            values.append(metrics[self.objective.name])
            all_metrics.append(metrics)
        keys = set.intersection(*(set(m) for m in all_metrics))
        mean = {k: sum(m[k] for m in all_metrics) / len(all_metrics) for k in sorted(keys)}
        return sum(values) / len(values), mean, best_step

    def _best_index(self, series: list[float]) -> int:
        finite = [(v, i) for i, v in enumerate(series) if not math.isnan(v)]
        if not finite:
            return len(series) - 1
        pick = min if self.objective.direction == "min" else max
        return pick(finite, key=lambda p: (p[0], -p[1]) if pick is max else p)[1]

    # --- results ------------------------------------------------------------------------

    def _trial_id(self, number: int) -> str:
        return str(number).zfill(len(str(self.max_trials)))

    def _trials(self) -> list[Trial]:
        return [Trial.from_frozen(self, t) for t in self._counted()]

    @property
    def oracle(self) -> Oracle:
        """A read-only view of the study in KerasTuner's terms (`get_best_trials`, `trials`)."""
        return Oracle(self)

    def get_best_hyperparameters(self, num_trials: int = 1) -> list[HyperParameters]:
        """The `HyperParameters` of the best completed trials, best first."""
        return [t.hyperparameters for t in self.oracle.get_best_trials(num_trials)]

    def load_model(self, trial: Trial):
        """Build `trial`'s model and load the weights of its best epoch."""
        model = self._build(trial.hyperparameters)
        if not os.path.exists(trial.checkpoint_path):
            raise FileNotFoundError(
                f"Trial {trial.trial_id} has no checkpoint at '{trial.checkpoint_path}'. "
                "Checkpoints are written where the trial ran: with a shared `storage`, "
                "share `directory` too (or load on the machine that ran it)."
            )
        if not getattr(model, "built", True):
            raise ValueError(
                "The hypermodel's model is not built, so its weights cannot be loaded. "
                "Start it with `keras.Input(...)` (or call `model.build(shape)` in `build`)."
            )
        model.load_weights(trial.checkpoint_path)
        return model

    def get_best_models(self, num_models: int = 1) -> list:
        """The best models, best first, with the weights of each one's best epoch."""
        return [self.load_model(t) for t in self.oracle.get_best_trials(num_models)]

    def results_summary(self, num_trials: int = 10) -> None:
        """Print the best `num_trials` trials: hyperparameters and score."""
        print("Results summary")
        print(f"Results in {self.project_dir}")
        print(f"Showing {num_trials} best trials")
        print(self.objective)
        for trial in self.oracle.get_best_trials(num_trials):
            print()
            trial.summary()
