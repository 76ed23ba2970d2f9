"""The HTTP side of the model server: FastAPI routes in TF-Serving's REST shape.

Routes (`<name>` is the served model's name):

- `POST /v1/models/<name>:predict`: `{"instances": [...]}` gives
  `{"predictions": [...]}`; `{"inputs": ...}` (columnar) gives `{"outputs": ...}`.
- `GET /v1/models/<name>`: `{"name", "model_version_status", "signature": {"inputs":
  [{"name", "shape", "dtype"}, ...], "outputs": [...]}, "stats": {"requests",
  "rows", "batches_run", "largest_batch", ...}}`.
- `GET /v1/models/<name>/metadata`: TF-Serving's `{"model_spec", "metadata":
  {"signature_def": ...}}`, plus the archive's `metadata.json`.
- `GET /healthz`: `{"status": "ok", "models": [...]}`.

Every error is JSON `{"error": "..."}`: 400 for a request that does not fit
the model, 404 for an unknown model or route, 413 for a body over the limit
(checked while reading, before parsing), 500 (no traceback) when the model
itself fails.
"""

import asyncio
import difflib
import importlib
import ipaddress
import logging
from contextlib import asynccontextmanager
from typing import Any

from kerastorch.serving.batcher import ModelError
from kerastorch.serving.served_model import ServedModel
from kerastorch.serving.signature import RequestError

logger = logging.getLogger("kerastorch.serving")

DEFAULT_MAX_BODY_BYTES = 10 * 2**20
_REQUEST_FIELDS = ("instances", "inputs", "signature_name")


def _require(module: str):
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f"The model server needs `{module}`, which could not be imported "
            f'({e}). Install it with: pip install "kerastorch[serve]"'
        ) from e


class HTTPError(Exception):
    """An error answer: `{"error": message}` with this status code."""

    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def host_warning(host: str) -> str | None:
    """A warning for a host that is reachable from other machines, else `None`."""
    if host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass  # a host name: it may resolve to anything
    return (
        f"The model server is binding {host!r}, which other machines can reach. "
        "It has no authentication: anyone who can connect can run the model. "
        "Use --host 127.0.0.1 (the default) unless a proxy or firewall guards it."
    )


def create_app(
    model,
    name: str | None = None,
    max_batch_size: int = 32,
    batch_timeout_ms: float = 5.0,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    device: str | None = None,
):
    """Build the FastAPI app that serves one model (run it with any ASGI server).

    Args:
        model: a `kerastorch.Model` with known inputs, or the path of a
            `.keras` file.
        name: the model's name in the URLs. Defaults to the file stem, or
            `model.name`.
        max_batch_size: the most rows the batcher puts in one forward.
            Defaults to `32`.
        batch_timeout_ms: how long a request waits for others to join its
            batch. Defaults to `5.0`.
        max_body_bytes: the largest request body accepted; larger ones get
            413. Defaults to 10 MiB.
        device: where to run the model. Defaults to `None` (where it is).

    Returns:
        A `fastapi.FastAPI` app. The batcher thread stops at the app's shutdown.

    Example:

    ```python
    app = kerastorch.serving.create_app("model.keras")
    uvicorn.run(app, host="127.0.0.1", port=8000)
    ```
    """
    fastapi = _require("fastapi")
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from fastapi.responses import Response
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException as StarletteHTTPException

    if not isinstance(max_body_bytes, int) or max_body_bytes < 1:
        raise ValueError(
            f"`max_body_bytes` must be a positive integer. Received: max_body_bytes={max_body_bytes}"
        )
    served = ServedModel(model, name, max_batch_size, batch_timeout_ms, device)
    request_model = _request_model()

    @asynccontextmanager
    async def lifespan(app):
        yield
        served.close()

    app = fastapi.FastAPI(
        title=f"kerastorch model server: {served.name}", lifespan=lifespan
    )
    app.state.served = served

    def error(status_code: int, message: str):
        return JSONResponse({"error": message}, status_code=status_code)

    @app.exception_handler(HTTPError)
    async def _http_error(request, exc: HTTPError):
        return error(exc.status_code, exc.message)

    @app.exception_handler(RequestError)
    async def _request_error(request, exc: RequestError):
        return error(400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _starlette_error(request, exc):
        message = exc.detail
        if exc.status_code == 404:
            message = f"Not found: {request.method} {request.url.path}. See GET /docs for the routes."
        return error(exc.status_code, str(message))

    @app.exception_handler(Exception)
    async def _unexpected(request, exc: Exception):
        return error(500, "Internal server error; see the server log.")

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request, exc: RequestValidationError):
        return error(
            400, f"Invalid request: {exc.errors()[0].get('msg', 'bad value')}."
        )

    def lookup(model_name: str) -> ServedModel:
        if model_name.endswith(":predict"):
            raise HTTPError(405, "Predict takes POST, with a JSON body.")
        if model_name != served.name:
            raise HTTPError(
                404,
                f"Model '{model_name}' is not served here. Served models: ['{served.name}'].",
            )
        return served

    @app.get("/healthz")
    async def health() -> dict:
        """Liveness and readiness: the model is loaded and the batcher is running."""
        return {"status": "ok", "models": [served.name]}

    @app.get("/v1/models/{model_name}")
    async def model_status(model_name: str) -> dict:
        """Version status (TF-Serving's shape), the signature and batching counters."""
        return lookup(model_name).status()

    @app.get("/v1/models/{model_name}/metadata")
    async def model_metadata(model_name: str) -> dict:
        """TF-Serving's metadata: the `serving_default` signature and the archive's metadata."""
        return lookup(model_name).metadata_json()

    @app.post(
        "/v1/models/{model_name}:predict",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": request_model.model_json_schema()}
                },
            }
        },
    )
    async def predict(model_name: str, request: fastapi.Request):
        """Predict: `{"instances": [...]}` or `{"inputs": ...}` in, predictions out."""
        target = lookup(model_name)
        _check_content_type(request.headers.get("content-type"))
        body = await _read_body(request, max_body_bytes)
        payload = _parse_envelope(request_model, body)
        arrays, form = await run_in_threadpool(target.signature.parse, payload)
        try:
            outputs = await asyncio.wrap_future(target.batcher.submit(arrays))
        except ModelError as e:
            raise HTTPError(500, f"The model failed on this request: {e}") from None
        content = await run_in_threadpool(target.render, outputs, form)
        return Response(content, media_type="application/json")

    return app


def _request_model():
    from pydantic import BaseModel
    from pydantic import ConfigDict

    class PredictRequest(BaseModel):
        """TF-Serving's predict body: exactly one of `instances` and `inputs`."""

        model_config = ConfigDict(extra="forbid")
        instances: list | None = None
        inputs: Any = None
        signature_name: str | None = None

    return PredictRequest


def _check_content_type(content_type: str | None) -> None:
    # A missing header is allowed (some TF-Serving clients send none).
    if content_type is None:
        return
    mime = content_type.split(";")[0].strip().lower()
    if mime != "application/json" and not mime.endswith("+json"):
        raise HTTPError(
            400,
            f"Unsupported Content-Type {content_type!r}: send the body as JSON with "
            "`Content-Type: application/json`.",
        )


async def _read_body(request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is over `limit` bytes."""
    too_large = HTTPError(413, f"The request body is over the limit of {limit} bytes.")
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_envelope(request_model, body: bytes) -> dict:
    """Decode the JSON body and check its top-level keys; return them as a dict."""
    from pydantic import ValidationError

    try:
        parsed = request_model.model_validate_json(body)
    except ValidationError as e:
        raise RequestError(_envelope_message(e.errors(include_url=False))) from None
    given = parsed.model_fields_set
    if "instances" in given and "inputs" in given:
        raise RequestError(
            "Send either `instances` (row form) or `inputs` (columnar form), not both."
        )
    field = (
        "instances" if "instances" in given else "inputs" if "inputs" in given else None
    )
    if field is None or getattr(parsed, field) is None:
        raise RequestError(
            'The body needs `instances` (a list of examples), e.g. {"instances": [[1.0, 2.0]]}, '
            "or `inputs` (TF-Serving's columnar form)."
        )
    if parsed.signature_name not in (None, "serving_default"):
        raise RequestError(
            f"Unknown signature_name {parsed.signature_name!r}: the only signature is 'serving_default'."
        )
    return {field: getattr(parsed, field)}


def _envelope_message(errors: list[dict]) -> str:
    first = errors[0]
    kind, loc = first["type"], first["loc"]
    if kind == "json_invalid":
        return f"The body is not valid JSON: {first['ctx']['error']}."
    if kind == "model_type":
        return 'The body must be a JSON object such as {"instances": [...]}.'
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(str(loc[0]), _REQUEST_FIELDS)
        did_you_mean = f" Did you mean: '{hint[0]}'?" if hint else ""
        return (
            f"Unknown field '{loc[0]}' in the body; expected `instances` or `inputs`."
            + did_you_mean
        )
    if loc == ("instances",):
        return "`instances` must be a list of examples."
    where = ".".join(str(part) for part in loc)
    return f"`{where}`: {first['msg']}."


def run_app(
    app, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info"
) -> None:
    """Serve `app` with uvicorn until SIGINT/SIGTERM (blocks)."""
    uvicorn = _require("uvicorn")
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def serve(
    model,
    name: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    max_batch_size: int = 32,
    batch_timeout_ms: float = 5.0,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    device: str | None = None,
    log_level: str = "info",
) -> None:
    """Serve a model over HTTP (TF-Serving's REST API) until interrupted.

    Args:
        model: a `kerastorch.Model` or the path of a `.keras` file.
        name: the model's name in the URLs. Defaults to the file stem, or
            `model.name`.
        host: the address to bind. Defaults to `"127.0.0.1"` (this machine only).
        port: the TCP port. Defaults to `8000`.
        max_batch_size: the most rows in one forward. Defaults to `32`.
        batch_timeout_ms: how long a request waits for others to join its
            batch. Defaults to `5.0`.
        max_body_bytes: the largest request body. Defaults to 10 MiB.
        device: where to run the model. Defaults to `None` (where it is).
        log_level: uvicorn's log level. Defaults to `"info"`.

    Example:

    ```python
    kerastorch.serving.serve("model.keras", port=8000)
    ```
    """
    import warnings

    from kerastorch.utils.warnings import KerasTorchWarning

    message = host_warning(host)
    if message:
        warnings.warn(message, KerasTorchWarning, stacklevel=2)
    app = create_app(
        model, name, max_batch_size, batch_timeout_ms, max_body_bytes, device
    )
    run_app(app, host, port, log_level)
