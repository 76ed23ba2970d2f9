"""`kerastorch.serving`: serve a model over HTTP in TF-Serving's REST shape.

`python -m kerastorch serve model.keras` (or `serve(...)`) starts a FastAPI
app on uvicorn that answers `POST /v1/models/<name>:predict` with
`{"instances": [...]}` bodies, batching concurrent requests into one
forward pass. Needs the `serve` extra: `pip install "kerastorch[serve]"`.
"""

from kerastorch.serving.batcher import Batcher
from kerastorch.serving.server import create_app
from kerastorch.serving.server import host_warning
from kerastorch.serving.server import serve
from kerastorch.serving.signature import RequestError
from kerastorch.serving.signature import Signature
