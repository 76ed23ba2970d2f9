"""kerastorch: the Keras API, running natively on PyTorch.

    import kerastorch as keras

Submodules are imported on first use, so `import kerastorch` stays cheap.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "activations",
    "applications",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "distribution",
    "dtype_policies",
    "export",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "optimizers",
    "random",
    "regularizers",
    "saving",
    "trainers",
    "tuners",
    "utils",
}

_ATTRIBUTES = {
    "Sequential": "kerastorch.models.sequential",
    "Model": "kerastorch.models.model",
    "Input": "kerastorch.layers.core.input_layer",
    "InputSpec": "kerastorch.layers.input_spec",
    "Layer": "kerastorch.layers.layer",
    "Variable": "kerastorch.variables",
    "KerasTensor": "kerastorch.backend.keras_tensor",
    "DTypePolicy": "kerastorch.dtype_policies",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"kerastorch.{name}")
        globals()[name] = module
        return module
    if name in _ATTRIBUTES:
        value = getattr(importlib.import_module(_ATTRIBUTES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kerastorch' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_ATTRIBUTES))


__all__ = sorted(_SUBMODULES | set(_ATTRIBUTES))
