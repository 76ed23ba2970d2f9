"""`kerastorch.utils`: dataset utilities, seeding, progress bar, summaries.

Names resolve on first use: low-level modules import `kerastorch.utils.tree`,
and this package must not pull the trainer in while they load.
"""

from __future__ import annotations

import importlib

_ATTRIBUTES = {
    "pack_x_y_sample_weight": "kerastorch.trainers.step",
    "unpack_x_y_sample_weight": "kerastorch.trainers.step",
    "Progbar": "kerastorch.utils.progbar",
    "PyDataset": "kerastorch.utils.py_dataset",
    "set_random_seed": "kerastorch.utils.random_utils",
    "custom_object_scope": "kerastorch.saving.object_registration",
    "get_custom_objects": "kerastorch.saving.object_registration",
    "get_registered_name": "kerastorch.saving.object_registration",
    "get_registered_object": "kerastorch.saving.object_registration",
    "register_keras_serializable": "kerastorch.saving.object_registration",
    "image_dataset_from_directory": "kerastorch.utils.image_dataset_utils",
    "text_dataset_from_directory": "kerastorch.utils.text_dataset_utils",
    "timeseries_dataset_from_array": "kerastorch.utils.timeseries_dataset_utils",
    "split_dataset": "kerastorch.utils.dataset_utils",
    "to_categorical": "kerastorch.utils.numerical_utils",
    "normalize": "kerastorch.utils.numerical_utils",
    "pad_sequences": "kerastorch.utils.sequence_utils",
    "plot_model": "kerastorch.utils.model_visualization",
    "model_to_dot": "kerastorch.utils.model_visualization",
    "serialize_keras_object": "kerastorch.saving.serialization_lib",
    "deserialize_keras_object": "kerastorch.saving.serialization_lib",
}
_ALIASES = {"Sequence": "PyDataset"}


def __getattr__(name: str):
    target = _ALIASES.get(name, name)
    if target in _ATTRIBUTES:
        value = getattr(importlib.import_module(_ATTRIBUTES[target]), target)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kerastorch.utils' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_ATTRIBUTES) | set(_ALIASES))
