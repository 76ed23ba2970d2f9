"""HyperParameters: the search space, defined by the code that builds the model.

`hp.Int(...)`, `hp.Float(...)`, `hp.Choice(...)` register a hyperparameter
and return its value: the default outside a search, a value sampled by
Optuna (`trial.suggest_*`) inside one, or the value stored for a finished
trial when its model is rebuilt. Nothing here imports Optuna.
"""

from __future__ import annotations

import contextlib
import math
import numbers

_SAMPLINGS = ("linear", "log")


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


class HyperParameter:
    """One named hyperparameter: its kind, range or values, default and conditions."""

    kind = "HyperParameter"

    def __init__(self, name: str, default=None, conditions=()):
        if not isinstance(name, str) or not name:
            raise ValueError(
                f"A hyperparameter name must be a non-empty string. Received: name={name!r}"
            )
        self.name = name
        self.default = default
        # ((parent_name, (values...)), ...): active when every parent holds one of its values.
        self.conditions = tuple((p, tuple(v)) for p, v in conditions)

    def get_config(self) -> dict:
        return {
            "default": self.default,
            "conditions": [{"name": p, "values": list(v)} for p, v in self.conditions],
        }

    def _definition(self) -> dict:
        """The config without default and conditions: what must agree on redefinition."""
        config = self.get_config()
        config.pop("default")
        config.pop("conditions")
        return config

    def grid_values(self) -> list:
        """Every value, in order, for `GridSearch`."""
        raise NotImplementedError

    def suggest(self, trial):
        """Sample a value with the Optuna `trial`."""
        raise NotImplementedError


def _check_range(kind: str, name: str, min_value, max_value, step, sampling, integer):
    check = _is_int if integer else _is_number
    what = "integers" if integer else "numbers"
    if not check(min_value) or not check(max_value):
        raise ValueError(
            f"{kind} '{name}': `min_value` and `max_value` must be {what}. "
            f"Received: min_value={min_value!r}, max_value={max_value!r}"
        )
    if min_value > max_value:
        raise ValueError(
            f"{kind} '{name}': `min_value` must be <= `max_value`. "
            f"Received: min_value={min_value}, max_value={max_value}"
        )
    if sampling not in _SAMPLINGS:
        raise ValueError(
            f"{kind} '{name}': `sampling` must be one of {list(_SAMPLINGS)}. "
            f"Received: sampling={sampling!r}"
        )
    if sampling == "log" and min_value <= 0:
        raise ValueError(
            f"{kind} '{name}': `sampling='log'` needs `min_value > 0`. "
            f"Received: min_value={min_value}"
        )
    if step is not None:
        if not check(step) or step <= 0 or (sampling == "log" and step <= 1):
            bound = "> 1 (a multiplier)" if sampling == "log" else "> 0"
            raise ValueError(
                f"{kind} '{name}': `step` must be one of the {what} {bound}. "
                f"Received: step={step!r}"
            )


def _geometric(min_value, max_value, factor) -> list:
    """`min, min*factor, ...` up to `max_value` (log sampling with a step)."""
    values, value = [], min_value
    while value <= max_value * (1 + 1e-12):
        values.append(value)
        value = value * factor
    return values


class Int(HyperParameter):
    """An integer in `[min_value, max_value]`, both included."""

    kind = "Int"

    def __init__(self, name, min_value, max_value, step=None, sampling="linear",
                 default=None, conditions=()):
        _check_range("Int", name, min_value, max_value, step, sampling, integer=True)
        if default is not None and (not _is_int(default) or not min_value <= default <= max_value):
            raise ValueError(
                f"Int '{name}': `default` must be an integer in [{min_value}, "
                f"{max_value}]. Received: default={default!r}"
            )
        super().__init__(name, min_value if default is None else default, conditions)
        self.min_value, self.max_value = int(min_value), int(max_value)
        self.step, self.sampling = step, sampling

    def get_config(self) -> dict:
        return {**super().get_config(), "min_value": self.min_value,
                "max_value": self.max_value, "step": self.step, "sampling": self.sampling}

    def grid_values(self) -> list:
        if self.sampling == "log" and self.step is not None:
            return [int(v) for v in _geometric(self.min_value, self.max_value, self.step)]
        return list(range(self.min_value, self.max_value + 1, self.step or 1))

    def suggest(self, trial) -> int:
        if self.sampling == "log":
            if self.step is not None:  # a multiplier: a fixed set of values
                return trial.suggest_categorical(self.name, self.grid_values())
            return trial.suggest_int(self.name, self.min_value, self.max_value, log=True)
        step = self.step or 1
        high = self.min_value + (self.max_value - self.min_value) // step * step
        return trial.suggest_int(self.name, self.min_value, high, step=step)


class Float(HyperParameter):
    """A float in `[min_value, max_value]`; `sampling="log"` for scales such as learning rates."""

    kind = "Float"

    def __init__(self, name, min_value, max_value, step=None, sampling="linear",
                 default=None, conditions=()):
        _check_range("Float", name, min_value, max_value, step, sampling, integer=False)
        if default is not None and (not _is_number(default) or not min_value <= default <= max_value):
            raise ValueError(
                f"Float '{name}': `default` must be a number in [{min_value}, "
                f"{max_value}]. Received: default={default!r}"
            )
        super().__init__(name, float(min_value if default is None else default), conditions)
        self.min_value, self.max_value = float(min_value), float(max_value)
        self.step, self.sampling = step, sampling

    def get_config(self) -> dict:
        return {**super().get_config(), "min_value": self.min_value,
                "max_value": self.max_value, "step": self.step, "sampling": self.sampling}

    def grid_values(self) -> list:
        if self.step is None:
            raise ValueError(
                f"GridSearch needs a finite set of values, but Float '{self.name}' has "
                "no `step`. Pass `step=` (or use `hp.Choice`)."
            )
        if self.sampling == "log":
            return _geometric(self.min_value, self.max_value, self.step)
        count = math.floor((self.max_value - self.min_value) / self.step + 1e-9)
        return [self.min_value + i * self.step for i in range(count + 1)]

    def suggest(self, trial) -> float:
        if self.step is not None:
            if self.sampling == "log":
                return trial.suggest_categorical(self.name, self.grid_values())
            values = self.grid_values()
            return trial.suggest_float(self.name, self.min_value, values[-1], step=self.step)
        log = self.sampling == "log"
        return trial.suggest_float(self.name, self.min_value, self.max_value, log=log)


class Choice(HyperParameter):
    """One of a list of values (all ints, all floats, all strings or all booleans)."""

    kind = "Choice"

    def __init__(self, name, values, ordered=None, default=None, conditions=()):
        if not isinstance(values, (list, tuple)) or not values:
            raise ValueError(
                f"Choice '{name}': `values` must be a non-empty list. Received: values={values!r}"
            )
        kinds = {bool if isinstance(v, bool) else int if _is_int(v) else
                 float if _is_number(v) else str if isinstance(v, str) else None
                 for v in values}
        if None in kinds or (len(kinds) > 1 and kinds != {int, float}):
            raise ValueError(
                f"Choice '{name}': `values` must all be of one type (int, float, str "
                f"or bool). Received: values={list(values)!r}"
            )
        numeric = kinds <= {int, float}
        if ordered and not numeric:
            raise ValueError(
                f"Choice '{name}': `ordered=True` needs numeric values. "
                f"Received: values={list(values)!r}"
            )
        if default is not None and default not in values:
            raise ValueError(
                f"Choice '{name}': `default` must be one of {list(values)!r}. "
                f"Received: default={default!r}"
            )
        super().__init__(name, values[0] if default is None else default, conditions)
        self.values = list(values)
        self.ordered = numeric if ordered is None else bool(ordered)

    def get_config(self) -> dict:
        return {**super().get_config(), "values": list(self.values), "ordered": self.ordered}

    def grid_values(self) -> list:
        return list(self.values)

    def suggest(self, trial):
        return trial.suggest_categorical(self.name, self.values)


class Boolean(HyperParameter):
    """`True` or `False`."""

    kind = "Boolean"

    def __init__(self, name, default=False, conditions=()):
        if not isinstance(default, bool):
            raise ValueError(
                f"Boolean '{name}': `default` must be a bool. Received: default={default!r}"
            )
        super().__init__(name, default, conditions)

    def grid_values(self) -> list:
        return [False, True]

    def suggest(self, trial) -> bool:
        return trial.suggest_categorical(self.name, [False, True])


class Fixed(HyperParameter):
    """A value that is not tuned (recorded with the trial's hyperparameters)."""

    kind = "Fixed"

    def __init__(self, name, value, conditions=()):
        if value is not None and not isinstance(value, (bool, numbers.Real, str)):
            raise ValueError(
                f"Fixed '{name}': `value` must be an int, float, str or bool. "
                f"Received: value={value!r}"
            )
        super().__init__(name, value, conditions)
        self.value = value

    def get_config(self) -> dict:
        return {**super().get_config(), "value": self.value}

    def grid_values(self) -> list:
        return [self.value]

    def suggest(self, trial):
        return self.value


class HyperParameters:
    """The search space of a model and the values of one trial.

    Inside `build_model(hp)`, each `hp.Int(...)`, `hp.Float(...)`,
    `hp.Choice(...)`, `hp.Boolean(...)` or `hp.Fixed(...)` call registers a
    hyperparameter and returns its value for the current trial (its default
    outside a search). Asking again for the same name returns the same value.

    Example:

    ```python
    def build_model(hp):
        model = keras.Sequential([
            keras.Input((8,)),
            keras.layers.Dense(hp.Int("units", 16, 128, step=16), activation="relu"),
            keras.layers.Dense(1),
        ])
        lr = hp.Float("lr", 1e-4, 1e-2, sampling="log")
        model.compile(keras.optimizers.Adam(lr), loss="mse")
        return model

    hp = keras.tuners.HyperParameters()
    build_model(hp)            # registers "units" and "lr", returns the defaults
    hp.values                  # {"units": 16, "lr": 0.0001}
    ```
    """

    def __init__(self):
        self._space: dict[str, HyperParameter] = {}
        self.values: dict = {}
        self._conditions: list[tuple[str, tuple]] = []
        self._trial = None  # an optuna Trial while sampling
        self._forced: dict = {}  # values to return instead of sampling

    # --- the space ---------------------------------------------------------------------

    @property
    def space(self) -> list[HyperParameter]:
        """The registered hyperparameters, in order of definition."""
        return list(self._space.values())

    @contextlib.contextmanager
    def conditional_scope(self, parent_name: str, parent_values):
        """Hyperparameters defined inside are active only when `parent_name` is in `parent_values`.

        Inactive hyperparameters return `None` and are left out of `values`.

        Args:
            parent_name: the name of a hyperparameter defined before.
            parent_values: a value or a list of values of the parent.
        """
        if parent_name not in self._space:
            raise ValueError(
                f"`conditional_scope` needs a parent hyperparameter defined first. "
                f"Received: parent_name={parent_name!r}; defined: {list(self._space)}"
            )
        if not isinstance(parent_values, (list, tuple)):
            parent_values = [parent_values]
        self._conditions.append((parent_name, tuple(parent_values)))
        try:
            yield
        finally:
            self._conditions.pop()

    def _conditions_active(self, conditions) -> bool:
        return all(
            self.is_active(parent) and self.values.get(parent) in values
            for parent, values in conditions
        )

    def is_active(self, name) -> bool:
        """Whether the hyperparameter (or name) is active under its conditions."""
        name = name.name if isinstance(name, HyperParameter) else name
        hp = self._space.get(name)
        return hp is not None and self._conditions_active(hp.conditions)

    def _register(self, hp: HyperParameter):
        existing = self._space.get(hp.name)
        if existing is None:
            self._space[hp.name] = hp
        elif type(existing) is not type(hp) or existing._definition() != hp._definition():
            raise ValueError(
                f"Hyperparameter '{hp.name}' is defined twice with different settings: "
                f"{existing.kind}({existing._definition()}) and "
                f"{hp.kind}({hp._definition()}). Give each one its own name."
            )
        else:
            hp = existing
        if not self._conditions_active(hp.conditions):
            return None
        if hp.name not in self.values:
            if hp.name in self._forced:
                value = self._forced[hp.name]
            elif self._trial is not None and not isinstance(hp, Fixed):
                value = hp.suggest(self._trial)
            else:
                value = hp.default
            self.values[hp.name] = value
        return self.values[hp.name]

    # --- the KerasTuner surface ---------------------------------------------------------

    def Int(self, name: str, min_value: int, max_value: int, step: int | None = None,
            sampling: str = "linear", default: int | None = None) -> int | None:
        """An integer in `[min_value, max_value]`.

        Args:
            name: unique name.
            min_value: the lowest value (included).
            max_value: the highest value (included when on the step grid).
            step: distance between two values (`sampling="linear"`), or the
                multiplier between two values (`sampling="log"`). Defaults to
                `None` (every integer).
            sampling: `"linear"` or `"log"`. Defaults to `"linear"`.
            default: the value outside a search. Defaults to `None` (`min_value`).
        """
        return self._register(Int(name, min_value, max_value, step, sampling, default,
                                  self._conditions))

    def Float(self, name: str, min_value: float, max_value: float,
              step: float | None = None, sampling: str = "linear",
              default: float | None = None) -> float | None:
        """A float in `[min_value, max_value]`.

        Args:
            name: unique name.
            min_value: the lowest value.
            max_value: the highest value.
            step: distance (or, with `sampling="log"`, multiplier) between two
                values. Defaults to `None` (continuous).
            sampling: `"linear"` or `"log"`. Defaults to `"linear"`.
            default: the value outside a search. Defaults to `None` (`min_value`).
        """
        return self._register(Float(name, min_value, max_value, step, sampling, default,
                                    self._conditions))

    def Choice(self, name: str, values: list, ordered: bool | None = None, default=None):
        """One of `values`.

        Args:
            name: unique name.
            values: the possible values, all of one type.
            ordered: whether the values are ordered. Defaults to `None`
                (`True` for numbers).
            default: the value outside a search. Defaults to `None` (the first value).
        """
        return self._register(Choice(name, values, ordered, default, self._conditions))

    def Boolean(self, name: str, default: bool = False) -> bool | None:
        """`True` or `False`. `default` defaults to `False`."""
        return self._register(Boolean(name, default, self._conditions))

    def Fixed(self, name: str, value):
        """A value that is recorded with the trial but not tuned."""
        return self._register(Fixed(name, value, self._conditions))

    def get(self, name: str):
        """The current value of hyperparameter `name`."""
        if name in self.values:
            return self.values[name]
        if name in self._space:
            if not self.is_active(name):
                raise ValueError(f"Hyperparameter '{name}' is not active in this trial.")
            return self._space[name].default
        raise KeyError(
            f"Unknown hyperparameter: {name!r}. Defined: {list(self._space)}"
        )

    def __getitem__(self, name: str):
        return self.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self._space

    def copy(self) -> HyperParameters:
        """A copy with the same space and values."""
        new = HyperParameters()
        new._space = dict(self._space)
        new.values = dict(self.values)
        return new

    def _for_trial(self, trial=None, values: dict | None = None) -> HyperParameters:
        """An empty-valued copy that samples with `trial` or returns `values`."""
        new = HyperParameters()
        new._space = dict(self._space)
        new._trial = trial
        new._forced = dict(values or {})
        return new

    def get_config(self) -> dict:
        return {
            "space": [{"class_name": hp.kind, "name": hp.name, "config": hp.get_config()}
                      for hp in self._space.values()],
            "values": dict(self.values),
        }

    def __repr__(self) -> str:
        return f"HyperParameters(values={self.values})"
