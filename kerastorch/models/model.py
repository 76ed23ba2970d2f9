"""Model: a Layer that trains. `compile`/`fit`/`evaluate`/`predict` hand off to the trainer.

The math of one step (`train_step`, `test_step`, `predict_step`,
`compute_loss`, `compute_metrics`) lives in `trainers/step.py` and is
overridable here, as in Keras; the loops live in `trainers/trainer.py`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from kerastorch.layers.layer import Layer
from kerastorch.trainers import trainer
from kerastorch.trainers.step import ModelSteps


class Model(ModelSteps, Layer):
    """A model: layers plus training (`compile`, `fit`, `evaluate`, `predict`).

    Subclass it, create layers in `__init__` and compute in `call`:

    ```python
    class MyModel(kerastorch.Model):
        def __init__(self):
            super().__init__()
            self.dense1 = kerastorch.layers.Dense(32, activation="relu")
            self.dense2 = kerastorch.layers.Dense(5)

        def call(self, inputs):
            return self.dense2(self.dense1(inputs))
    ```

    Args:
        name: Defaults to the snake-cased class name made unique.
        trainable: Defaults to `True`.
        dtype: dtype policy. Defaults to the global policy.
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_init(args, kwargs):
            from kerastorch.models.functional import Functional

            # `Model(inputs, outputs)` is a Functional; Python then runs its __init__.
            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        from kerastorch.models.functional import Functional

        if _is_functional_init(args, kwargs) and not isinstance(self, Functional):
            # A subclass calling `super().__init__(inputs, outputs)`: it becomes a
            # functional model (its own `call`, if any, still comes first).
            object.__setattr__(self, "__class__", _functional_subclass(type(self)))
            Functional.__init__(self, *args, **kwargs)
            return
        super().__init__(**{k: v for k, v in kwargs.items() if k in _LAYER_KWARGS})
        unknown = set(kwargs) - _LAYER_KWARGS
        if args or unknown:
            raise TypeError(
                f"Unrecognized arguments for Model {type(self).__name__}: "
                f"args={args}, kwargs={sorted(unknown)}"
            )
        self._init_training_state()

    def __call__(self, *args, **kwargs):
        # Inside a distributed `fit`, training forwards go through the DDP
        # wrapper (which then calls back here), so a user's own `train_step`
        # calling `self(x)` gets its gradients averaged too.
        distributed = self.__dict__.get("_distributed")
        if distributed is not None and torch.is_grad_enabled() and not self.__dict__.get("_in_wrapper"):
            wrapper = distributed.training_module(self)
            if wrapper is not None:
                self.__dict__["_in_wrapper"] = True
                try:
                    return wrapper(*args, **kwargs)
                finally:
                    self.__dict__["_in_wrapper"] = False
        return Layer.__call__(self, *args, **kwargs)

    # The loops live in trainers/trainer.py; these are the same functions.
    fit = trainer.fit
    evaluate = trainer.evaluate
    predict = trainer.predict
    train_on_batch = trainer.train_on_batch
    test_on_batch = trainer.test_on_batch
    predict_on_batch = trainer.predict_on_batch

    # --- structure --------------------------------------------------------------

    @property
    def layers(self) -> list[Layer]:
        """The model's direct sublayers, in the order they were set."""
        return self._tracked_layers()

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """Return a sublayer by `name` or by `index` (not both)."""
        if index is not None and name is not None:
            raise ValueError(
                "Provide only a layer name or a layer index. Received: "
                f"index={index}, name={name}."
            )
        if index is not None:
            layers = self.layers
            if len(layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only "
                    f"has {len(layers)} layers."
                )
            return layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: "
                f"{[layer.name for layer in self.layers]}."
            )
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def build(self, input_shape=None) -> None:
        """Create the weights by running the model once on symbolic inputs of `input_shape`."""
        if self.built:
            return
        if input_shape is None:
            raise ValueError(
                f"Model '{self.name}' cannot be built without an input shape. "
                "Call `build(input_shape)` or call the model on data."
            )
        from kerastorch.backend.keras_tensor import KerasTensor
        from kerastorch.backend.symbolic import compute_output_spec
        from kerastorch.layers.layer import _shape_to_keras_tensor

        spec = _shape_to_keras_tensor(input_shape)
        if not isinstance(spec, (KerasTensor, list, dict)):
            raise ValueError(
                f"Invalid input shape for model '{self.name}': {input_shape!r}"
            )
        self.built = True  # `call` below runs sublayer builds, not this one again
        try:
            compute_output_spec(self.__call__, (spec,), {}, module=self)
        except Exception:
            self.built = False
            raise
        self._build_shapes = input_shape

    def summary(
        self,
        line_length: int | None = None,
        positions: list[float] | None = None,
        print_fn: Callable[..., None] | None = None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range=None,
    ) -> None:
        """Print a table of the layers, their output shapes and parameter counts."""
        from kerastorch.utils.summary_utils import print_summary

        print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )

    # --- saving (kerastorch/saving/saving_api.py) ------------------------------------

    def save(self, filepath, overwrite: bool = True, **kwargs) -> None:
        """Save the architecture, weights and optimizer state to one `.keras` archive."""
        from kerastorch.saving import saving_api

        saving_api.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def compile_from_config(self, config: dict) -> None:
        """`compile(...)` from `get_compile_config()`'s output (what `load_model` restores)."""
        from kerastorch.saving import saving_lib

        saving_lib.compile_from_config(self, config)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Save the weights to a `.weights.safetensors` file."""
        from kerastorch.saving import saving_api

        saving_api.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch: bool = False, **kwargs) -> None:
        """Load weights saved by `save_weights` (or a torch `state_dict` file)."""
        from kerastorch.saving import saving_api

        saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def export(self, filepath, format: str = "torch", verbose: bool = True, input_signature=None, **kwargs):
        """Export the inference graph: a `torch.export` program (`.pt2`) or ONNX.

        See `kerastorch.export.export_model` for the arguments.
        """
        from kerastorch.export import export_model

        return export_model(
            self, filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs
        )

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Recreate a model from `get_config()`: a graph config gives a functional model."""
        import inspect

        from kerastorch.models.functional import Functional
        from kerastorch.models.functional import _rebuild_graph

        is_graph = isinstance(config, dict) and all(
            k in config for k in ("layers", "input_layers", "output_layers")
        )
        spec = inspect.getfullargspec(cls.__init__)
        functional_args = inspect.getfullargspec(Functional.__init__).args[1:]
        revivable = (
            cls in (Model, Functional)
            or spec.args[1:] == functional_args
            or (spec.varargs == "args" and spec.varkw == "kwargs")
        )
        if is_graph and revivable:
            inputs, outputs = _rebuild_graph(config, custom_objects)
            return cls(
                inputs=inputs,
                outputs=outputs,
                name=config.get("name"),
                trainable=config.get("trainable", True),
            )
        return super().from_config(config)

    def to_json(self, **kwargs) -> str:
        """The model's architecture as a JSON string (`model_from_json` reads it back).

        Args:
            **kwargs: passed to `json.dumps` (e.g. `indent=2`).
        """
        import json

        from kerastorch.layers import serialize

        return json.dumps(serialize(self), **kwargs)

    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable}
        if type(self).get_config is Model.get_config:
            config.update(self._constructor_kwargs())
        return config


_LAYER_KWARGS = {"name", "trainable", "dtype", "autocast"}


def _is_functional_init(args, kwargs) -> bool:
    return len(args) >= 2 or ("inputs" in kwargs and "outputs" in kwargs) or (
        len(args) == 1 and "outputs" in kwargs
    )


_FUNCTIONAL_SUBCLASSES: dict[type, type] = {}


def _functional_subclass(cls: type) -> type:
    from kerastorch.models.functional import Functional

    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, Functional), {"__module__": cls.__module__})
    return _FUNCTIONAL_SUBCLASSES[cls]


def model_from_json(json_string: str, custom_objects: dict | None = None) -> Model:
    """A new, unbuilt-weights model from the JSON of `model.to_json()`.

    Args:
        json_string: the JSON string.
        custom_objects: `{name: class}` for custom layers in the model.
    """
    import json

    from kerastorch.layers import deserialize

    if not isinstance(json_string, str):
        raise TypeError(f"`json_string` must be a string. Received: {type(json_string).__name__}")
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as e:
        raise ValueError(f"`json_string` is not valid JSON: {e}") from None
    return deserialize(config, custom_objects=custom_objects)
