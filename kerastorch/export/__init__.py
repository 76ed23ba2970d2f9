"""Export models for inference outside Python Keras: `torch.export` (`.pt2`) and ONNX.

`model.export(path, format=...)` calls `export_model`. Reload a `.pt2` with
`torch.export.load(path).module()`; run an `.onnx` with onnxruntime.
"""

from kerastorch.export.export_lib import export_model

__all__ = ["export_model"]
