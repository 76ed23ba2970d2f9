"""The four KerasTuner tuners, each an Optuna sampler (and pruner) behind `Tuner`."""

from __future__ import annotations

import math

from kerastorch.tuners.tuner import Tuner
from kerastorch.tuners.tuner import _check_count


class RandomSearch(Tuner):
    """Sample hyperparameters at random (Optuna's `RandomSampler`).

    Takes `Tuner`'s arguments (less `sampler` and `pruner`).

    Example:

    ```python
    tuner = keras.tuners.RandomSearch(build_model, objective="val_accuracy",
                                      max_trials=10, directory="tuning", project_name="mlp")
    tuner.search(x, y, epochs=5, validation_split=0.2)
    best_model = tuner.get_best_models(1)[0]
    ```
    """

    def __init__(self, hypermodel=None, objective=None, max_trials: int = 10, **kwargs):
        super().__init__(hypermodel, objective, max_trials, **kwargs)

    def _make_sampler(self, seed):
        import optuna

        return optuna.samplers.RandomSampler(seed=seed)


class BayesianOptimization(Tuner):
    """Bayesian optimization with a Gaussian process (Optuna's `GPSampler`).

    The first `num_initial_points` trials are random; later ones maximize
    the expected improvement of a GP fit to the finished trials. Without
    SciPy (which `GPSampler` needs), Optuna's TPE sampler is used instead.
    `tuner.study.sampler` says which.

    Args:
        num_initial_points: random trials before the GP is used. Defaults to
            `None` (3 per hyperparameter in the space, at least 2).
        **kwargs: `Tuner`'s arguments (less `sampler` and `pruner`).

    Example:

    ```python
    tuner = keras.tuners.BayesianOptimization(build_model, objective="val_loss",
                                              max_trials=20, num_initial_points=5)
    ```
    """

    def __init__(self, hypermodel=None, objective=None, max_trials: int = 10,
                 num_initial_points: int | None = None, **kwargs):
        _check_count("num_initial_points", num_initial_points, 1, allow_none=True)
        self.num_initial_points = num_initial_points
        super().__init__(hypermodel, objective, max_trials, **kwargs)

    def _make_sampler(self, seed):
        import optuna

        n = self.num_initial_points
        if n is None:
            n = max(2, 3 * len(self.hyperparameters.space))
        try:
            import scipy  # noqa: F401
        except ImportError:
            return optuna.samplers.TPESampler(seed=seed, n_startup_trials=n)
        return optuna.samplers.GPSampler(seed=seed, n_startup_trials=n,
                                         warn_independent_sampling=False)


class Hyperband(Tuner):
    """Hyperband: many trials, most stopped early (Optuna's `HyperbandPruner`).

    Each trial trains for up to `max_epochs` epochs (the `epochs` given to
    `search` is replaced) and reports the objective after every epoch; the
    pruner stops trials whose objective ranks in the bottom of their
    bracket, keeping about one in `factor` at each rung. Hyperparameters are
    sampled at random.

    Args:
        max_epochs: the most epochs a trial trains. Defaults to `100`.
        factor: the reduction factor between rungs. Defaults to `3`.
        hyperband_iterations: how many times to run the brackets' worth of
            trials. Defaults to `1`.
        max_trials: trials in all. Defaults to `None`: one bracket set's worth
            (the models KerasTuner's Hyperband starts per iteration) times
            `hyperband_iterations`.
        **kwargs: `Tuner`'s other arguments (less `sampler` and `pruner`).

    Example:

    ```python
    tuner = keras.tuners.Hyperband(build_model, objective="val_accuracy",
                                   max_epochs=27, factor=3)
    tuner.search(x, y, validation_split=0.2)
    ```
    """

    def __init__(self, hypermodel=None, objective=None, max_epochs: int = 100,
                 factor: int = 3, hyperband_iterations: int = 1,
                 max_trials: int | None = None, **kwargs):
        _check_count("max_epochs", max_epochs, 1)
        _check_count("factor", factor, 2)
        _check_count("hyperband_iterations", hyperband_iterations, 1)
        self.max_epochs = max_epochs
        self.factor = factor
        self.hyperband_iterations = hyperband_iterations
        super().__init__(hypermodel, objective, max_trials, **kwargs)

    def _default_max_trials(self) -> int:
        brackets = int(math.log(self.max_epochs, self.factor) + 1e-9) + 1
        per_iteration = sum(
            math.ceil(brackets * self.factor**b / (b + 1)) for b in range(brackets)
        )
        return per_iteration * self.hyperband_iterations

    def _make_sampler(self, seed):
        import optuna

        return optuna.samplers.RandomSampler(seed=seed)

    def _make_pruner(self):
        import optuna

        return optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=self.max_epochs, reduction_factor=self.factor
        )

    def _fit_kwargs(self, fit_kwargs: dict) -> dict:
        return {**fit_kwargs, "epochs": self.max_epochs}


class GridSearch(Tuner):
    """Try every combination of the (discrete) search space (Optuna's `GridSampler`).

    `Int` takes every `step` (default 1), `Choice`/`Boolean` every value;
    `Float` needs a `step`. The combinations run in a random order fixed by `seed`.

    Args:
        max_trials: trials in all. Defaults to `None` (the whole grid).
        **kwargs: `Tuner`'s other arguments (less `sampler` and `pruner`).

    Example:

    ```python
    tuner = keras.tuners.GridSearch(build_model, objective="val_loss")
    tuner.search(x, y, epochs=3, validation_split=0.2)
    ```
    """

    def __init__(self, hypermodel=None, objective=None, max_trials: int | None = None,
                 **kwargs):
        super().__init__(hypermodel, objective, max_trials, **kwargs)

    def _grid(self) -> dict:
        return {hp.name: hp.grid_values() for hp in self.hyperparameters.space
                if hp.kind != "Fixed"}

    def _default_max_trials(self) -> int:
        return math.prod(len(v) for v in self._grid().values())

    def _make_sampler(self, seed):
        import optuna

        return optuna.samplers.GridSampler(self._grid(), seed=seed)
