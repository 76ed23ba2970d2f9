"""HyperModel: builds (and optionally fits) a model from `HyperParameters`."""

from __future__ import annotations

from collections.abc import Callable


class HyperModel:
    """A model-building recipe whose hyperparameters a tuner searches.

    Override `build(hp)` to return a compiled model. Override `fit(hp,
    model, *args, **kwargs)` to tune the training too (batch size,
    preprocessing); it receives `search`'s arguments and returns the
    `History` (or a float, or a dict of metrics).

    Args:
        name: an optional name. Defaults to `None`.
        tunable: whether the hyperparameters it defines are tuned. Defaults to `True`.

    Example:

    ```python
    class MyHyperModel(keras.tuners.HyperModel):
        def build(self, hp):
            model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
            model.compile(keras.optimizers.SGD(hp.Float("lr", 1e-3, 1e-1, sampling="log")),
                          loss="mse")
            return model

        def fit(self, hp, model, *args, **kwargs):
            return model.fit(*args, batch_size=hp.Choice("batch_size", [16, 32]), **kwargs)
    ```
    """

    def __init__(self, name: str | None = None, tunable: bool = True):
        self.name = name
        self.tunable = tunable

    def build(self, hp):
        """Return a compiled model built with the hyperparameters `hp`."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `build(self, hp)` and return a "
            "compiled model."
        )

    def fit(self, hp, model, *args, **kwargs):
        """Train `model` (by default `model.fit(*args, **kwargs)`); return its History."""
        return model.fit(*args, **kwargs)


class _FunctionHyperModel(HyperModel):
    """A `build_model(hp)` function as a `HyperModel`."""

    def __init__(self, build_fn: Callable):
        super().__init__(name=getattr(build_fn, "__name__", None))
        self._build_fn = build_fn

    def build(self, hp):
        return self._build_fn(hp)


def get(hypermodel) -> HyperModel | None:
    """A `HyperModel` from a `HyperModel`, a `build_model(hp)` callable, or `None`."""
    if hypermodel is None or isinstance(hypermodel, HyperModel):
        return hypermodel
    if callable(hypermodel):
        return _FunctionHyperModel(hypermodel)
    raise TypeError(
        "`hypermodel` must be a `keras.tuners.HyperModel` or a function "
        f"`build_model(hp)` returning a compiled model. Received: hypermodel={hypermodel!r}"
    )
