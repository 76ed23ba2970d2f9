"""`LossFunctionWrapper` and the regression, hinge and segmentation loss classes.

The crossentropy classes live in `crossentropy_losses.py`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from kerastorch.losses import crossentropy_functions as ce
from kerastorch.losses import functions as fns
from kerastorch.losses.loss import Loss
from kerastorch.losses.loss import squeeze_or_expand_to_same_rank

# Functions whose default reduction has a one-kernel implementation.
_FUSED_MEANS = {
    fns.mean_squared_error: fns.mean_squared_error_mean,
    fns.mean_absolute_error: fns.mean_absolute_error_mean,
    fns.huber: fns.huber_mean,
    ce.binary_crossentropy: ce.binary_crossentropy_mean,
    ce.categorical_crossentropy: ce.categorical_crossentropy_mean,
    ce.sparse_categorical_crossentropy: ce.sparse_categorical_crossentropy_mean,
}


class LossFunctionWrapper(Loss):
    """Wrap a loss function `fn(y_true, y_pred, **kwargs)` into a `Loss`.

    Args:
        fn: The loss function, returning per-sample losses.
        reduction: Type of reduction to apply. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).
        **kwargs: Keyword arguments passed to `fn` on every call.

    Example:

    ```python
    loss = keras.losses.LossFunctionWrapper(
        keras.losses.huber, name="huber_2", delta=2.0)
    loss(y_true, y_pred)
    ```
    """

    def __init__(
        self,
        fn: Callable,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
        dtype=None,
        **kwargs,
    ):
        if not callable(fn):
            raise TypeError(
                f"`fn` must be a callable loss function. Received: fn={fn!r}"
            )
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs
        if fn is ce.sparse_categorical_crossentropy:
            self._keep_integer_labels = True
        fused = _FUSED_MEANS.get(fn)
        # A subclass that overrides `call` must see every call.
        if fused is not None and type(self).call is LossFunctionWrapper.call:
            self._fused_mean = functools.partial(fused, **kwargs) if kwargs else fused

    def call(self, y_true, y_pred):
        if isinstance(y_pred, (list, tuple, dict)):  # several outputs: pair by pair
            from kerastorch.utils import tree

            flat_true, flat_pred = tree.flatten(y_true), tree.flatten(y_pred)
            if len(flat_true) != len(flat_pred):
                raise ValueError(
                    f"Loss '{self.name}': `y_true` and `y_pred` have different structures. "
                    f"Received: {len(flat_true)} targets and {len(flat_pred)} predictions."
                )
            pairs = [
                squeeze_or_expand_to_same_rank(t, p)
                for t, p in zip(flat_true, flat_pred)
            ]
            y_true = tree.pack_sequence_as(y_pred, [t for t, _ in pairs])
            y_pred = tree.pack_sequence_as(y_pred, [p for _, p in pairs])
        else:
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        from kerastorch.losses import serialize

        config = super().get_config()
        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict) -> LossFunctionWrapper:
        from kerastorch.losses import deserialize

        config = dict(config)
        if "fn" in config and not callable(config["fn"]):
            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self) -> str:
        fn_name = getattr(self.fn, "__name__", repr(self.fn))
        return f"<LossFunctionWrapper({fn_name}, kwargs={self._fn_kwargs})>"


class _BuiltinLoss(LossFunctionWrapper):
    """A built-in loss: its config lists its own arguments, not `fn`."""

    _config_keys: tuple[str, ...] = ()
    __repr__ = Loss.__repr__

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        config.update({key: getattr(self, key) for key in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)


# ---------------------------------------------------------------- regression


class MeanSquaredError(_BuiltinLoss):
    """Mean of squares of errors: `loss = mean(square(y_true - y_pred))`.

    Args:
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"mean_squared_error"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    mse = keras.losses.MeanSquaredError()
    mse([[0.0, 1.0]], [[1.0, 1.0]])  # tensor(0.5)
    ```
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None
    ):
        super().__init__(
            fns.mean_squared_error, reduction=reduction, name=name, dtype=dtype
        )


class MeanAbsoluteError(_BuiltinLoss):
    """Mean of absolute errors: `loss = mean(abs(y_true - y_pred))`.

    Args:
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"mean_absolute_error"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    keras.losses.MeanAbsoluteError()([[0.0, 1.0]], [[1.0, 1.0]])  # tensor(0.5)
    ```
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None
    ):
        super().__init__(
            fns.mean_absolute_error, reduction=reduction, name=name, dtype=dtype
        )


class MeanAbsolutePercentageError(_BuiltinLoss):
    """Mean absolute percentage error: `loss = 100 * mean(abs((y_true - y_pred) / y_true))`.

    Args:
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"mean_absolute_percentage_error"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    keras.losses.MeanAbsolutePercentageError()([[2.0, 4.0]], [[1.0, 4.0]])  # tensor(25.)
    ```
    """

    def __init__(
        self,
        reduction="sum_over_batch_size",
        name="mean_absolute_percentage_error",
        dtype=None,
    ):
        super().__init__(
            fns.mean_absolute_percentage_error,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


class MeanSquaredLogarithmicError(_BuiltinLoss):
    """Mean squared log error: `loss = mean(square(log(y_true + 1) - log(y_pred + 1)))`.

    Args:
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"mean_squared_logarithmic_error"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    keras.losses.MeanSquaredLogarithmicError()([[0.0, 1.0]], [[1.0, 1.0]])
    ```
    """

    def __init__(
        self,
        reduction="sum_over_batch_size",
        name="mean_squared_logarithmic_error",
        dtype=None,
    ):
        super().__init__(
            fns.mean_squared_logarithmic_error,
            reduction=reduction,
            name=name,
            dtype=dtype,
        )


class CosineSimilarity(_BuiltinLoss):
    """Negative cosine similarity: `loss = -sum(l2_norm(y_true) * l2_norm(y_pred))`.

    Values are in [-1, 1]; minimising it pulls predictions towards targets.

    Args:
        axis: The axis along which the similarity is computed. Defaults to `-1`.
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"cosine_similarity"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    keras.losses.CosineSimilarity()([[0.0, 1.0]], [[0.0, 2.0]])  # tensor(-1.)
    ```
    """

    _config_keys = ("axis",)

    def __init__(
        self,
        axis=-1,
        reduction="sum_over_batch_size",
        name="cosine_similarity",
        dtype=None,
    ):
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"`axis` must be an int. Received: axis={axis!r}")
        super().__init__(
            fns.cosine_similarity,
            reduction=reduction,
            name=name,
            dtype=dtype,
            axis=axis,
        )
        self.axis = axis


class Huber(_BuiltinLoss):
    """Huber loss: quadratic for errors up to `delta`, linear beyond.

    `0.5 * x**2` if `|x| <= delta`, else `delta * |x| - 0.5 * delta**2`,
    averaged over the last axis, with `x = y_pred - y_true`.

    Args:
        delta: The point where the loss changes from quadratic to linear.
            Defaults to `1.0`.
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"huber_loss"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    keras.losses.Huber(delta=1.0)([[0.0, 0.0]], [[0.5, 3.0]])  # tensor(1.3125)
    ```
    """

    _config_keys = ("delta",)

    def __init__(
        self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None
    ):
        if isinstance(delta, bool) or not isinstance(delta, (int, float)) or delta < 0:
            raise ValueError(
                f"`delta` must be a non-negative number. Received: delta={delta!r}"
            )
        super().__init__(
            fns.huber, reduction=reduction, name=name, dtype=dtype, delta=delta
        )
        self.delta = delta


class LogCosh(_BuiltinLoss):
    """Logarithm of the hyperbolic cosine of the error: `mean(log(cosh(y_pred - y_true)))`.

    Args:
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"log_cosh"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    keras.losses.LogCosh()([[0.0, 1.0]], [[1.0, 1.0]])
    ```
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(fns.log_cosh, reduction=reduction, name=name, dtype=dtype)


# -------------------------------------------------------------------- hinge


class Hinge(_BuiltinLoss):
    """Hinge loss: `loss = maximum(1 - y_true * y_pred, 0)`.

    `y_true` is expected in {-1, 1}; {0, 1} labels are converted.

    Args:
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"hinge"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    keras.losses.Hinge()([[0.0, 1.0]], [[0.6, 0.4]])  # tensor(1.1)
    ```
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(fns.hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(_BuiltinLoss):
    """Squared hinge loss: `loss = square(maximum(1 - y_true * y_pred, 0))`.

    Args:
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"squared_hinge"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    keras.losses.SquaredHinge()([[0.0, 1.0]], [[0.6, 0.4]])
    ```
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None
    ):
        super().__init__(fns.squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(_BuiltinLoss):
    """Categorical hinge loss: `loss = maximum(neg - pos + 1, 0)`.

    `pos = sum(y_true * y_pred)` and `neg = max((1 - y_true) * y_pred)`.

    Args:
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"categorical_hinge"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    keras.losses.CategoricalHinge()([[0.0, 1.0]], [[0.6, 0.4]])  # tensor(1.2)
    ```
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None
    ):
        super().__init__(
            fns.categorical_hinge, reduction=reduction, name=name, dtype=dtype
        )


# ------------------------------------------------------------ kl / poisson


class KLDivergence(_BuiltinLoss):
    """Kullback-Leibler divergence: `loss = y_true * log(y_true / y_pred)`.

    Both inputs are clipped to `[epsilon, 1]`.

    Args:
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"kl_divergence"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    keras.losses.KLDivergence()([[0.5, 0.5]], [[0.9, 0.1]])
    ```
    """

    def __init__(
        self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None
    ):
        super().__init__(fns.kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(_BuiltinLoss):
    """Poisson loss: `loss = y_pred - y_true * log(y_pred + epsilon)`.

    Args:
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"poisson"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    keras.losses.Poisson()([[0.0, 1.0]], [[1.0, 1.0]])  # tensor(1.)
    ```
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(fns.poisson, reduction=reduction, name=name, dtype=dtype)


# ------------------------------------------------------------- segmentation


class Dice(_BuiltinLoss):
    """Dice loss: `loss = 1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))`.

    Args:
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"dice"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).
        axis: Axes the sums run over (int or tuple). Defaults to `None`
            (all axes: one loss for the whole batch).

    Example:

    ```python
    keras.losses.Dice(axis=(1, 2))(y_true, y_pred)  # one loss per image, averaged
    ```
    """

    _config_keys = ("axis",)

    def __init__(
        self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None
    ):
        super().__init__(
            fns.dice, reduction=reduction, name=name, dtype=dtype, axis=axis
        )
        self.axis = axis


class Tversky(_BuiltinLoss):
    """Tversky loss: a Dice loss with separate weights for the two error kinds.

    With `alpha = beta = 0.5` it equals the Dice loss.

    Args:
        alpha: Weight of `sum(y_true * (1 - y_pred))`. Defaults to `0.5`.
        beta: Weight of `sum((1 - y_true) * y_pred)`. Defaults to `0.5`.
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"tversky"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).
        axis: Axes the sums run over. Defaults to `None` (all axes).

    Example:

    ```python
    keras.losses.Tversky(alpha=0.7, beta=0.3)(y_true, y_pred)
    ```
    """

    _config_keys = ("alpha", "beta", "axis")

    def __init__(
        self,
        alpha=0.5,
        beta=0.5,
        reduction="sum_over_batch_size",
        name="tversky",
        axis=None,
        dtype=None,
    ):
        super().__init__(
            fns.tversky,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            beta=beta,
            axis=axis,
        )
        self.alpha = alpha
        self.beta = beta
        self.axis = axis
