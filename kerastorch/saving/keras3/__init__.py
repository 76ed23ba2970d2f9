"""Keras 3 files: open `.keras` archives and `.weights.h5` files written by Keras, write ones Keras opens.

`kerastorch.saving.load_model` and `Model.load_weights` use this package when
they meet a Keras 3 file; `model.save(path, format="keras3")` and
`model.save_weights("x.weights.h5")` write one. Needs `h5py` (the `keras-io`
extra: `pip install "kerastorch[keras-io]"`).
"""

from kerastorch.saving.keras3.archive import is_keras3_archive
from kerastorch.saving.keras3.archive import load_model
from kerastorch.saving.keras3.archive import load_weights
from kerastorch.saving.keras3.archive import save_model
from kerastorch.saving.keras3.archive import save_weights
from kerastorch.saving.keras3.h5_format import require_h5py

__all__ = [
    "is_keras3_archive", "load_model", "load_weights", "require_h5py", "save_model", "save_weights",
]
