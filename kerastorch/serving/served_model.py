"""One model behind the server: loaded, in eval mode, with its signature and batcher.

This is the part of the server that knows about torch; `server.py` only
speaks HTTP. Requests arrive as checked numpy arrays (`signature.py`), go
through the `Batcher`, and leave as JSON text.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import torch

from kerastorch.backend.dtypes import to_torch_dtype
from kerastorch.serving.batcher import Batcher
from kerastorch.serving.signature import Signature
from kerastorch.utils import tree


def _read_archive_metadata(path: str) -> dict:
    try:
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read("metadata.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return {}


class ServedModel:
    """A model ready to answer requests.

    Args:
        model: a `kerastorch.Model`, or the path of a `.keras` file (loaded
            with `load_model(path, compile=False)`).
        name: the name in the URL (`/v1/models/<name>`). Defaults to the file
            stem, or the model's name.
        max_batch_size: see `Batcher`. Defaults to `32`.
        batch_timeout_ms: see `Batcher`. Defaults to `5.0`.
        device: where the model runs (`"cpu"`, `"cuda"`, ...). Defaults to
            `None`: where its weights already are.
    """

    def __init__(
        self,
        model,
        name: str | None = None,
        max_batch_size: int = 32,
        batch_timeout_ms: float = 5.0,
        device: str | None = None,
    ):
        self.metadata: dict = {}
        if isinstance(model, (str, os.PathLike)):
            from kerastorch.saving.saving_api import load_model

            path = os.fspath(model)
            name = name or Path(path).stem
            model = load_model(path, compile=False)
            self.metadata = _read_archive_metadata(path)
        if not isinstance(model, torch.nn.Module) or not hasattr(model, "layers"):
            raise TypeError(
                "`model` must be a `kerastorch.Model` or the path of a `.keras` "
                f"file. Received: model={model!r}"
            )
        name = name or model.name
        if not isinstance(name, str) or not name or "/" in name or ":" in name:
            raise ValueError(
                f"`name` must be a non-empty string without '/' or ':'. Received: name={name!r}"
            )
        self.name = name
        self.signature = Signature(model)
        if device is not None:
            model.to(device)
        model.eval()
        self.model = model
        first = next(iter(model.parameters()), None)
        self.device = (
            first.device if first is not None else torch.device(device or "cpu")
        )
        self.batcher = Batcher(self._forward, max_batch_size, batch_timeout_ms)

    def _forward(self, arrays: dict[str, np.ndarray]) -> list[np.ndarray]:
        """One forward on a whole batch; runs in the batcher's thread."""
        feed = {}
        for spec in self.signature.inputs:
            array = arrays[spec.name]
            if spec.dtype == "string":
                feed[spec.name] = array  # preprocessing layers read numpy strings
            else:
                tensor = torch.from_numpy(array)  # (batch, *inner)
                feed[spec.name] = tensor.to(self.device, to_torch_dtype(spec.dtype))
        x = feed if self.signature.keyed_inputs else feed[self.signature.inputs[0].name]
        with torch.inference_mode():
            outputs = self.model(x, training=False)
        return [_to_numpy(o) for o in tree.flatten(outputs)]

    def render(self, outputs: list[np.ndarray], form: str) -> bytes:
        """The JSON answer: TF-Serving's `predictions` (row form) or `outputs` (columnar)."""
        names = [spec.name for spec in self.signature.outputs]
        if len(outputs) == 1:
            body = outputs[0].tolist()
        elif form == "instances":
            columns = [o.tolist() for o in outputs]
            body = [dict(zip(names, row)) for row in zip(*columns)]
        else:
            body = {n: o.tolist() for n, o in zip(names, outputs)}
        key = "predictions" if form == "instances" else "outputs"
        # NaN/Infinity are written as bare tokens, as TF-Serving does.
        return json.dumps({key: body}).encode()

    def status(self) -> dict:
        return {
            "name": self.name,
            "model_version_status": [
                {
                    "version": "1",
                    "state": "AVAILABLE",
                    "status": {"error_code": "OK", "error_message": ""},
                }
            ],
            "signature": self.signature.to_json(),
            "stats": self.batcher.stats(),
        }

    def metadata_json(self) -> dict:
        return {
            "model_spec": {
                "name": self.name,
                "version": "1",
                "signature_name": "serving_default",
            },
            "metadata": {
                "signature_def": {"serving_default": self.signature.to_json()},
                "saved": self.metadata,
                "device": str(self.device),
            },
        }

    def close(self) -> None:
        self.batcher.close()


def _to_numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        if value.dtype == torch.bfloat16:
            value = value.float()  # numpy has no bfloat16
        return value.detach().cpu().numpy()
    return np.asarray(value)
