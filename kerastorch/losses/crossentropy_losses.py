"""The crossentropy loss classes: binary, categorical, sparse and focal."""

from __future__ import annotations

from kerastorch.losses import crossentropy_functions as ce
from kerastorch.losses.losses import _BuiltinLoss


def _check_probability(value, name: str) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 <= value <= 1
    ):
        raise ValueError(
            f"`{name}` must be a float in [0, 1]. Received: {name}={value!r}"
        )


def _check_int_axis(axis) -> None:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"`axis` must be an int. Received: axis={axis!r}")


class BinaryCrossentropy(_BuiltinLoss):
    """Cross-entropy between binary labels (0 or 1) and predictions.

    Args:
        from_logits: Whether `y_pred` holds logits rather than probabilities.
            Defaults to `False`.
        label_smoothing: Float in [0, 1]; labels are squeezed towards 0.5.
            Defaults to `0.0`.
        axis: The axis along which the mean is computed. Defaults to `-1`.
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"binary_crossentropy"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    bce([0.0, 1.0, 0.0, 0.0], [-18.6, 0.51, 2.94, -12.8])  # tensor(0.8654)
    ```
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_crossentropy",
        dtype=None,
    ):
        _check_probability(label_smoothing, "label_smoothing")
        _check_int_axis(axis)
        super().__init__(
            ce.binary_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class BinaryFocalCrossentropy(_BuiltinLoss):
    """Focal cross-entropy for binary labels: `(1 - p_t)**gamma * bce`.

    Down-weights easy examples (Lin et al., 2018).

    Args:
        apply_class_balancing: Whether to weight class 1 by `alpha` and
            class 0 by `1 - alpha`. Defaults to `False`.
        alpha: Balancing weight of class 1. Defaults to `0.25`.
        gamma: Focusing parameter; 0 gives plain binary crossentropy.
            Defaults to `2.0`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in [0, 1]. Defaults to `0.0`.
        axis: The axis along which the mean is computed. Defaults to `-1`.
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"binary_focal_crossentropy"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    loss = keras.losses.BinaryFocalCrossentropy(gamma=2.0, from_logits=True)
    loss([0.0, 1.0, 0.0, 0.0], [-18.6, 0.51, 2.94, -12.8])  # tensor(0.6912)
    ```
    """

    _config_keys = (
        "from_logits",
        "label_smoothing",
        "axis",
        "apply_class_balancing",
        "alpha",
        "gamma",
    )

    def __init__(
        self,
        apply_class_balancing=False,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="binary_focal_crossentropy",
        dtype=None,
    ):
        _check_probability(label_smoothing, "label_smoothing")
        _check_probability(alpha, "alpha")
        _check_int_axis(axis)
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or gamma < 0:
            raise ValueError(
                f"`gamma` must be a non-negative number. Received: gamma={gamma!r}"
            )
        super().__init__(
            ce.binary_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma


class CategoricalCrossentropy(_BuiltinLoss):
    """Cross-entropy between one-hot labels and predictions.

    Args:
        from_logits: Whether `y_pred` holds logits rather than probabilities.
            Defaults to `False`.
        label_smoothing: Float in [0, 1]: labels become
            `y_true * (1 - label_smoothing) + label_smoothing / num_classes`.
            Defaults to `0.0`.
        axis: The class axis. Defaults to `-1`.
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"categorical_crossentropy"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    cce = keras.losses.CategoricalCrossentropy()
    cce([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])  # tensor(1.1769)
    ```
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(
        self,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_crossentropy",
        dtype=None,
    ):
        _check_probability(label_smoothing, "label_smoothing")
        _check_int_axis(axis)
        super().__init__(
            ce.categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis


class CategoricalFocalCrossentropy(_BuiltinLoss):
    """Alpha-balanced focal cross-entropy for one-hot labels.

    `loss = sum(alpha * (1 - p)**gamma * -y_true * log(p))` over classes.

    Args:
        alpha: Balancing factor: a float, or a list of one float per class.
            Defaults to `0.25`.
        gamma: Focusing parameter; 0 gives `alpha` times plain crossentropy.
            Defaults to `2.0`.
        from_logits: Whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: Float in [0, 1]. Defaults to `0.0`.
        axis: The class axis. Defaults to `-1`.
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"categorical_focal_crossentropy"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    cfce = keras.losses.CategoricalFocalCrossentropy()
    cfce([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    # tensor(0.2332)
    ```
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(
        self,
        alpha=0.25,
        gamma=2.0,
        from_logits=False,
        label_smoothing=0.0,
        axis=-1,
        reduction="sum_over_batch_size",
        name="categorical_focal_crossentropy",
        dtype=None,
    ):
        _check_probability(label_smoothing, "label_smoothing")
        _check_int_axis(axis)
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or gamma < 0:
            raise ValueError(
                f"`gamma` must be a non-negative number. Received: gamma={gamma!r}"
            )
        super().__init__(
            ce.categorical_focal_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.alpha = alpha
        self.gamma = gamma


class SparseCategoricalCrossentropy(_BuiltinLoss):
    """Cross-entropy between integer labels and predictions.

    `y_true` holds class ids, shape `(batch,)` or `(batch, 1)`; `y_pred` has
    one value per class, shape `(batch, num_classes)`.

    Args:
        from_logits: Whether `y_pred` holds logits rather than probabilities.
            Defaults to `False`.
        ignore_class: Optional class id to leave out of the loss (and of the
            average), e.g. a "void" class -1 or 255. Defaults to `None`.
        axis: The class axis. Defaults to `-1`.
        reduction: Type of reduction to apply to the loss. Defaults to
            `"sum_over_batch_size"`.
        name: Optional name for the loss instance. Defaults to `"sparse_categorical_crossentropy"`.
        dtype: The dtype of the loss's computations. Defaults to `None`
            (`keras.backend.floatx()`).

    Example:

    ```python
    scce = keras.losses.SparseCategoricalCrossentropy()
    scce([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])  # tensor(1.1769)
    ```
    """

    _config_keys = ("from_logits", "ignore_class", "axis")

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        axis=-1,
        reduction="sum_over_batch_size",
        name="sparse_categorical_crossentropy",
        dtype=None,
    ):
        if ignore_class is not None and (
            isinstance(ignore_class, bool) or not isinstance(ignore_class, int)
        ):
            raise ValueError(
                f"`ignore_class` must be an int or None. Received: ignore_class={ignore_class!r}"
            )
        _check_int_axis(axis)
        super().__init__(
            ce.sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis
