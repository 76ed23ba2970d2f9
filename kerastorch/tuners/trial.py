"""Trial and Oracle: read-only views of the Optuna study, in KerasTuner's terms."""

from __future__ import annotations

import math
import os

from kerastorch.tuners import study as study_lib

# Optuna's trial states, named as KerasTuner names them.
_STATUS = {"COMPLETE": "COMPLETED", "FAIL": "FAILED", "PRUNED": "STOPPED",
           "RUNNING": "RUNNING", "WAITING": "IDLE"}


class Trial:
    """One trial: its id, hyperparameters, status, score and best-epoch metrics.

    Attributes:
        trial_id: the zero-padded trial number, e.g. `"03"`; names the
            trial's directory `trial_03`.
        number: the Optuna trial number.
        hyperparameters: the `HyperParameters` the model was built with.
        status: `"COMPLETED"`, `"FAILED"`, `"STOPPED"` (pruned), `"RUNNING"` or `"IDLE"`.
        score: the objective value (best epoch, averaged over executions),
            or `None`.
        best_step: the epoch (0-based) of the best objective value.
        metrics: every logged metric at the best epoch.
        directory: the trial's directory (holds `checkpoint.weights.safetensors`).
        optuna_trial: the live `optuna.trial.Trial` during a search (else the
            `FrozenTrial`).
    """

    def __init__(self, tuner, optuna_trial, hyperparameters, status="RUNNING",
                 score=None, best_step=None, metrics=None, error=None):
        self.number = optuna_trial.number
        self.trial_id = tuner._trial_id(self.number)
        self.optuna_trial = optuna_trial
        self.hyperparameters = hyperparameters
        self.status = status
        self.score = score
        self.best_step = best_step
        self.metrics = dict(metrics or {})
        self.error = error
        self.directory = os.path.join(tuner.project_dir, f"trial_{self.trial_id}")
        self.checkpoint_path = os.path.join(self.directory, "checkpoint.weights.safetensors")
        self.log_dir = os.path.join(tuner.project_dir, "tensorboard", f"trial_{self.trial_id}")

    @classmethod
    def from_frozen(cls, tuner, frozen) -> Trial:
        attrs = frozen.user_attrs
        values = attrs.get("hp_values", frozen.params)
        hp = tuner.hyperparameters._for_trial(values=values)
        hp.values = dict(values)
        score = frozen.value if frozen.state.name == "COMPLETE" else None
        return cls(tuner, frozen, hp, status=_STATUS.get(frozen.state.name, frozen.state.name),
                   score=score, best_step=attrs.get("best_step"),
                   metrics=attrs.get("metrics"), error=attrs.get("error"))

    def summary(self) -> None:
        """Print the trial's id, hyperparameters and score."""
        print(f"Trial {self.trial_id} summary")
        print("Hyperparameters:")
        for name, value in self.hyperparameters.values.items():
            print(f"{name}: {value}")
        if self.score is not None:
            print(f"Score: {self.score}")
        elif self.error:
            print(f"Failed: {self.error}")
        else:
            print(f"Status: {self.status}")

    def __repr__(self) -> str:
        return (f"Trial(trial_id={self.trial_id!r}, status={self.status!r}, "
                f"score={self.score}, hyperparameters={self.hyperparameters.values})")


class Oracle:
    """What KerasTuner's oracle offers to read: trials, the best ones, the objective.

    The Optuna study itself is `oracle.study` (and `tuner.study`).
    """

    def __init__(self, tuner):
        self._tuner = tuner

    @property
    def study(self):
        return self._tuner.study

    @property
    def objective(self):
        return self._tuner.objective

    @property
    def max_trials(self) -> int:
        return self._tuner.max_trials

    @property
    def trials(self) -> dict[str, Trial]:
        """Every trial that counts toward `max_trials`, by `trial_id`."""
        return {t.trial_id: t for t in self._tuner._trials()}

    def get_trial(self, trial_id: str) -> Trial:
        trials = self.trials
        if trial_id not in trials:
            raise KeyError(f"No trial {trial_id!r}. Trials: {sorted(trials)}")
        return trials[trial_id]

    def get_best_trials(self, num_trials: int = 1) -> list[Trial]:
        """The completed trials with the best scores, best first."""
        completed = [t for t in self._tuner._trials()
                     if t.status == "COMPLETED" and t.score is not None
                     and not math.isnan(t.score)]
        sign = 1 if self.objective.direction == "min" else -1
        completed.sort(key=lambda t: (sign * t.score, t.number))
        return completed[:num_trials]


def counted_frozen_trials(study) -> list:
    return [t for t in study.get_trials(deepcopy=False) if study_lib.counts(t)]
