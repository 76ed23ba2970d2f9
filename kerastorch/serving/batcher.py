"""Dynamic batching: many small requests, one forward pass.

One worker thread owns the model. It takes the oldest waiting request, then
gathers more until the batch holds `max_batch_size` rows or
`batch_timeout_ms` has passed since the first one arrived, concatenates
them, runs one forward and hands each request its rows back through a
`concurrent.futures.Future` (which an asyncio handler can await).
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np

logger = logging.getLogger("kerastorch.serving")

_STOP = object()


class ModelError(RuntimeError):
    """The model raised while running a batch (an HTTP 500)."""


class _Request:
    __slots__ = ("arrays", "rows", "key", "future")

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays
        self.rows = len(next(iter(arrays.values())))
        # Requests merge only when every input has the same per-example shape
        # and dtype (inputs with `None` sizes may differ between requests).
        self.key = tuple((a.shape[1:], a.dtype.str) for a in arrays.values())
        self.future: Future = Future()


class Batcher:
    """Runs `forward` on batches merged from concurrent requests, in one thread.

    Args:
        forward: takes `{input name: array}` for a whole batch and returns the
            model's outputs as a list of arrays, each with the batch as its
            first axis.
        max_batch_size: the most rows in one forward. A request with more rows
            runs alone, in slices of this size. Defaults to `32`.
        batch_timeout_ms: how long the first request of a batch waits for
            others to join. Defaults to `5.0`.
    """

    def __init__(
        self,
        forward: Callable[[dict[str, np.ndarray]], list[np.ndarray]],
        max_batch_size: int = 32,
        batch_timeout_ms: float = 5.0,
    ):
        if not isinstance(max_batch_size, int) or max_batch_size < 1:
            raise ValueError(
                f"`max_batch_size` must be a positive integer. Received: max_batch_size={max_batch_size}"
            )
        if not isinstance(batch_timeout_ms, (int, float)) or batch_timeout_ms < 0:
            raise ValueError(
                "`batch_timeout_ms` must be a number >= 0. "
                f"Received: batch_timeout_ms={batch_timeout_ms}"
            )
        self.forward = forward
        self.max_batch_size = max_batch_size
        self.batch_timeout = batch_timeout_ms / 1000.0
        self.requests = 0
        self.rows = 0
        self.batches_run = 0
        self.largest_batch = 0
        self._queue: queue.Queue = queue.Queue()
        self._deferred: collections.deque = collections.deque()
        self._thread = threading.Thread(
            target=self._loop, name="kerastorch-batcher", daemon=True
        )
        self._thread.start()

    def submit(self, arrays: dict[str, np.ndarray]) -> Future:
        """Queue one request; the future resolves to its list of output arrays."""
        request = _Request(arrays)
        self._queue.put(request)
        return request.future

    def stats(self) -> dict:
        return {
            "requests": self.requests,
            "rows": self.rows,
            "batches_run": self.batches_run,
            "largest_batch": self.largest_batch,
            "max_batch_size": self.max_batch_size,
            "batch_timeout_ms": self.batch_timeout * 1000.0,
        }

    def close(self, timeout: float = 10.0) -> None:
        """Finish the queued requests, then stop the worker thread."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    # --- the worker thread ------------------------------------------------------

    def _loop(self) -> None:
        stopping = False
        while True:
            if self._deferred:
                first = self._deferred.popleft()
            elif stopping:
                return
            else:
                first = self._queue.get()
            if first is _STOP:
                stopping = True
                continue
            batch, rows = [first], first.rows
            deadline = time.monotonic() + self.batch_timeout
            # Left over from earlier rounds, oldest first.
            waiting = list(self._deferred)
            self._deferred.clear()
            skipped = []
            while rows < self.max_batch_size:
                if waiting:
                    request = waiting.pop(0)
                elif stopping:
                    break
                else:
                    remaining = deadline - time.monotonic()
                    try:
                        if remaining > 0:
                            request = self._queue.get(timeout=remaining)
                        else:
                            request = self._queue.get_nowait()
                    except queue.Empty:
                        break
                if request is _STOP:
                    stopping = True
                elif (
                    request.key != first.key
                    or rows + request.rows > self.max_batch_size
                ):
                    skipped.append(request)
                else:
                    batch.append(request)
                    rows += request.rows
            self._deferred.extend(skipped + waiting)
            self._run(batch)

    def _run(self, batch: list[_Request]) -> None:
        names = list(batch[0].arrays)
        arrays = {n: np.concatenate([r.arrays[n] for r in batch]) for n in names}
        total = len(arrays[names[0]])
        try:
            outputs = self._forward_in_slices(arrays, total)
        except Exception as e:
            if len(batch) > 1:
                # One bad request must not fail the others: run each alone.
                for request in batch:
                    self._run([request])
                return
            logger.exception("The model failed on a batch of %d row(s).", total)
            first_line = (str(e).strip().splitlines() or [""])[0][:300]
            batch[0].future.set_exception(
                ModelError(f"{type(e).__name__}: {first_line}")
            )
            return
        self.requests += len(batch)
        self.rows += total
        self.largest_batch = max(self.largest_batch, total)
        start = 0
        for request in batch:
            stop = start + request.rows
            request.future.set_result([o[start:stop] for o in outputs])
            start = stop

    def _forward_in_slices(
        self, arrays: dict[str, np.ndarray], total: int
    ) -> list[np.ndarray]:
        parts = []
        for start in range(0, total, self.max_batch_size):
            piece = {
                n: a[start : start + self.max_batch_size] for n, a in arrays.items()
            }
            self.batches_run += 1  # counts forwards run, failed ones too
            parts.append(self.forward(piece))
        if len(parts) == 1:
            return parts[0]
        return [np.concatenate(column) for column in zip(*parts)]
