"""Learning rate schedules (`keras.optimizers.schedules`).

A schedule maps the optimizer's step count (a Python int) to a learning rate
(a Python float). Values are computed with Python floats, so evaluating a
schedule on the training hot path never touches the device.
"""

from __future__ import annotations

import math
import numbers


def _check_number(name: str, value, minimum: float | None = None, strict: bool = False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"Argument `{name}` must be a number. Received: {name}={value!r}"
        )
    if minimum is not None and (value <= minimum if strict else value < minimum):
        sign = ">" if strict else ">="
        raise ValueError(
            f"Argument `{name}` must be {sign} {minimum}. Received: {name}={value}"
        )
    return value


def _as_step(step) -> float:
    """The step as a float (ints, numpy scalars, 0-d tensors, an iterations counter)."""
    return float(step)


class LearningRateSchedule:
    """The base class of learning rate schedules.

    Subclasses implement `__call__(step)` returning the learning rate for the
    given optimizer step, and `get_config()` to be serializable.

    Example:

    ```python
    class InverseSqrt(keras.optimizers.schedules.LearningRateSchedule):
        def __init__(self, initial_learning_rate):
            self.initial_learning_rate = initial_learning_rate

        def __call__(self, step):
            return self.initial_learning_rate / (step + 1) ** 0.5

        def get_config(self):
            return {"initial_learning_rate": self.initial_learning_rate}

    optimizer = keras.optimizers.SGD(learning_rate=InverseSqrt(0.1))
    ```
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' "
            "must override `__call__(self, step)`."
        )

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' "
            "must override `get_config()` in order to be serializable."
        )

    @classmethod
    def from_config(cls, config: dict):
        """Instantiate a schedule from the output of `get_config()`."""
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """Exponential decay: `initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: the number of steps over which the rate is multiplied by
            `decay_rate`. Must be > 0.
        decay_rate: the decay factor.
        staircase: if `True`, `step / decay_steps` is an integer division, so
            the rate drops in discrete jumps. Defaults to `False`.
        name: the schedule's name. Defaults to `"ExponentialDecay"`.

    Example:

    >>> schedule = ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5)
    >>> schedule(100)
    0.05
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ):
        _check_number("initial_learning_rate", initial_learning_rate)
        _check_number("decay_steps", decay_steps, 0, strict=True)
        _check_number("decay_rate", decay_rate)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step) -> float:
        p = _as_step(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate**p

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """A piecewise constant rate: `values[i]` between `boundaries[i-1]` and `boundaries[i]`.

    The rate is `values[0]` while `step <= boundaries[0]`, `values[1]` while
    `boundaries[0] < step <= boundaries[1]`, ..., and `values[-1]` once
    `step > boundaries[-1]`.

    Args:
        boundaries: strictly increasing step numbers.
        values: the rates, one more than `boundaries`.
        name: the schedule's name. Defaults to `"PiecewiseConstant"`.

    Example:

    >>> schedule = PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])
    >>> [schedule(100), schedule(101), schedule(201)]
    [1.0, 0.5, 0.1]
    """

    def __init__(self, boundaries, values, name: str = "PiecewiseConstant"):
        boundaries = list(boundaries)
        values = list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of "
                f"values. Received: boundaries={boundaries} of length "
                f"{len(boundaries)}, and values={values} of length {len(values)}."
            )
        for i, b in enumerate(boundaries):
            _check_number(f"boundaries[{i}]", b)
        for i, v in enumerate(values):
            _check_number(f"values[{i}]", v)
        if any(b1 >= b2 for b1, b2 in zip(boundaries, boundaries[1:])):
            raise ValueError(
                f"`boundaries` must be strictly increasing. Received: boundaries={boundaries}"
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step) -> float:
        step = _as_step(step)
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from `initial_learning_rate` to `end_learning_rate`.

    ```
    step = min(step, decay_steps)
    rate = (initial - end) * (1 - step / decay_steps) ** power + end
    ```

    With `cycle=True`, `decay_steps` is replaced by its first multiple that is
    not smaller than `step`, so the decay restarts.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: the number of steps to reach `end_learning_rate`. Must be > 0.
        end_learning_rate: the final rate. Defaults to `0.0001`.
        power: the polynomial's power. Defaults to `1.0` (linear).
        cycle: whether to restart after `decay_steps`. Defaults to `False`.
        name: the schedule's name. Defaults to `"PolynomialDecay"`.

    Example:

    >>> schedule = PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0)
    >>> schedule(5)
    0.05
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ):
        _check_number("initial_learning_rate", initial_learning_rate)
        _check_number("decay_steps", decay_steps, 0, strict=True)
        _check_number("end_learning_rate", end_learning_rate)
        _check_number("power", power)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = bool(cycle)
        self.name = name

    def __call__(self, step) -> float:
        step = _as_step(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            multiplier = 1.0 if step == 0 else math.ceil(step / decay_steps)
            decay_steps *= multiplier
        else:
            step = min(step, decay_steps)
        fraction = 1.0 - step / decay_steps
        delta = self.initial_learning_rate - self.end_learning_rate
        return delta * fraction**self.power + self.end_learning_rate

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    """Inverse time decay: `initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: how often the decay is applied. Must be > 0.
        decay_rate: the decay rate.
        staircase: if `True`, `step / decay_steps` is an integer division.
            Defaults to `False`.
        name: the schedule's name. Defaults to `"InverseTimeDecay"`.

    Example:

    >>> schedule = InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5)
    >>> schedule(2)
    0.05
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ):
        _check_number("initial_learning_rate", initial_learning_rate)
        _check_number("decay_steps", decay_steps, 0, strict=True)
        _check_number("decay_rate", decay_rate)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step) -> float:
        p = _as_step(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1.0 + self.decay_rate * p)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class CosineDecay(LearningRateSchedule):
    """Cosine decay, with an optional linear warmup first.

    Without warmup (`warmup_target=None`) the rate decays from
    `initial_learning_rate` to `initial_learning_rate * alpha` over
    `decay_steps`. With a `warmup_target`, the rate first rises linearly from
    `initial_learning_rate` to `warmup_target` over `warmup_steps`, then
    decays from `warmup_target` to `warmup_target * alpha` over `decay_steps`.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: the number of decay steps. Must be > 0.
        alpha: the final rate as a fraction of the peak rate. Defaults to `0.0`.
        name: the schedule's name. Defaults to `"CosineDecay"`.
        warmup_target: the rate reached at the end of the warmup, or `None`
            for no warmup. Defaults to `None`.
        warmup_steps: the number of warmup steps. Defaults to `0`.

    Example:

    >>> schedule = CosineDecay(0.0, 100, warmup_target=0.1, warmup_steps=10)
    >>> [schedule(5), schedule(10), schedule(110)]
    [0.05, 0.1, 0.0]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ):
        _check_number("initial_learning_rate", initial_learning_rate)
        _check_number("decay_steps", decay_steps, 0, strict=True)
        _check_number("alpha", alpha)
        if warmup_target is not None:
            _check_number("warmup_target", warmup_target)
        _check_number("warmup_steps", warmup_steps, 0)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step: float, peak: float) -> float:
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return peak * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step) -> float:
        step = _as_step(step)
        if self.warmup_target is None:
            return self._decay(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            fraction = step / self.warmup_steps
            delta = self.warmup_target - self.initial_learning_rate
            return delta * fraction + self.initial_learning_rate
        return self._decay(step - self.warmup_steps, self.warmup_target)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR).

    The rate decays from `initial_learning_rate` to `initial_learning_rate *
    alpha` over `first_decay_steps`, then restarts; each period is `t_mul`
    times longer than the previous one and starts at `m_mul` times its peak.

    Args:
        initial_learning_rate: the learning rate at step 0.
        first_decay_steps: the length of the first period. Must be > 0.
        t_mul: the period length multiplier. Defaults to `2.0`.
        m_mul: the peak rate multiplier. Defaults to `1.0`.
        alpha: the minimum rate as a fraction of `initial_learning_rate`.
            Defaults to `0.0`.
        name: the schedule's name. Defaults to `"SGDRDecay"`.

    Example:

    >>> schedule = CosineDecayRestarts(0.1, first_decay_steps=10)
    >>> [schedule(0), schedule(10), schedule(20)]
    [0.1, 0.1, 0.05]
    """

    def __init__(
        self,
        initial_learning_rate: float,
        first_decay_steps: int,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
        name: str = "SGDRDecay",
    ):
        _check_number("initial_learning_rate", initial_learning_rate)
        _check_number("first_decay_steps", first_decay_steps, 0, strict=True)
        _check_number("t_mul", t_mul, 0, strict=True)
        _check_number("m_mul", m_mul, 0)
        _check_number("alpha", alpha)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step) -> float:
        fraction = _as_step(step) / self.first_decay_steps
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            i_restart = math.floor(fraction)
            fraction -= i_restart
        else:
            # Periods grow geometrically: find the period `step` falls in.
            i_restart = math.floor(
                math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul)
            )
            done = (1.0 - t_mul**i_restart) / (1.0 - t_mul)
            fraction = (fraction - done) / t_mul**i_restart
        cosine = 0.5 * self._m_mul**i_restart * (1.0 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }
