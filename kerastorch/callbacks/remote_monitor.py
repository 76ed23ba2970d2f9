"""RemoteMonitor: POST each epoch's logs to an HTTP server."""

from __future__ import annotations

import json
import warnings

import numpy as np

from kerastorch.callbacks.callback import Callback
from kerastorch.distribution.runtime import is_main_process
from kerastorch.utils.warnings import KerasTorchWarning


class RemoteMonitor(Callback):
    """Stream events to a server: one HTTP POST at the end of every epoch.

    The event is the epoch's logs plus `"epoch"`, JSON-encoded, sent to
    `root + path`: as the form field `field` (`application/x-www-form-urlencoded`),
    or as the request body with `send_as_json=True` (`application/json`).
    Uses the standard library (`urllib`); a server that cannot be reached
    gives a warning, not an error.

    Args:
        root: root URL of the server. Defaults to `"http://localhost:9000"`.
        path: path relative to `root` the events are sent to.
            Defaults to `"/publish/epoch/end/"`.
        field: form field holding the JSON data (when not `send_as_json`).
            Defaults to `"data"`.
        headers: extra HTTP headers, a dict. Defaults to `None`.
        send_as_json: send the JSON as the body with content type
            `"application/json"`. Defaults to `False`.
        timeout: seconds to wait for the server. Defaults to `10`.

    Example:

    ```python
    monitor = keras.callbacks.RemoteMonitor(root="http://localhost:9000")
    model.fit(x, y, epochs=3, callbacks=[monitor])
    ```
    """

    def __init__(
        self,
        root: str = "http://localhost:9000",
        path: str = "/publish/epoch/end/",
        field: str = "data",
        headers: dict | None = None,
        send_as_json: bool = False,
        timeout: float = 10,
    ):
        if not isinstance(root, str) or not root.startswith(("http://", "https://")):
            raise ValueError(
                f"`root` must be an http:// or https:// URL. Received: root={root!r}"
            )
        if headers is not None and not isinstance(headers, dict):
            raise TypeError(
                f"`headers` must be a dict or None. Received: headers={headers!r}"
            )
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json
        self.timeout = timeout

    def on_epoch_end(self, epoch, logs=None):
        if not is_main_process():  # one report per job, from rank 0
            return
        # Imported here: urllib.request costs ~30 ms, paid only by its users.
        import urllib.error
        import urllib.parse
        import urllib.request

        send = {"epoch": epoch}
        for k, v in (logs or {}).items():
            # numpy values are not JSON-serializable: unwrap them.
            send[k] = v.tolist() if isinstance(v, (np.ndarray, np.generic)) else v
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            content_type = "application/json"
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode(
                "utf-8"
            )
            content_type = "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type, **(self.headers or {})}
        request = urllib.request.Request(
            self.root + self.path, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            warnings.warn(
                f"RemoteMonitor server at {self.root} answered HTTP {error.code} "
                f"to {self.path!r}.",
                KerasTorchWarning,
                stacklevel=2,
            )
        except (urllib.error.URLError, OSError):
            warnings.warn(
                f"Could not reach RemoteMonitor root server at {self.root}",
                KerasTorchWarning,
                stacklevel=2,
            )
