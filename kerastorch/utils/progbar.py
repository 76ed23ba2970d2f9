"""Progbar: Keras's live progress line, redrawn at most a few times a second."""

from __future__ import annotations

import os
import sys
import time


def _format_value(v) -> str:
    v = float(v)
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.4e}"
    return f"{v:.4f}"


def _format_time(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s" if seconds >= 1 else f"{seconds * 1000:.0f}ms"


def _format_step_time(per_step: float) -> str:
    if per_step >= 1:
        return f"{per_step:.0f}s/step"
    if per_step >= 1e-3:
        return f"{per_step * 1e3:.0f}ms/step"
    return f"{per_step * 1e6:.0f}us/step"


class Progbar:
    """A progress bar for `target` steps (`None` when unknown).

    Args:
        target: total number of steps, or `None`.
        width: bar width in characters. Defaults to 20.
        verbose: 1 = live bar, 2 = one line at the end, 0 = silent.
        interval: minimum seconds between redraws. Defaults to 0.1.
        unit_name: Defaults to `"step"`.
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.1,
        stateful_metrics=None,
        unit_name: str = "step",
    ):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self._start = time.monotonic()
        self._last_update = 0.0
        self._seen = 0
        self._dynamic = (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "posix" in os.name and os.environ.get("TERM") == "xterm-kitty"
        )
        self._last_len = 0

    def update(self, current: int, values=None, finalize: bool | None = None) -> None:
        """Record that `current` steps are done; `values` is a logs mapping or pairs.

        `values` is only read when the line is redrawn, so it may be lazy.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._seen = current
        if self.verbose == 0:
            return
        now = time.monotonic()
        if not finalize and now - self._last_update < self.interval:
            return
        if self.verbose == 2 and not finalize:
            return
        self._last_update = now
        elapsed = now - self._start
        items = list(values.items()) if hasattr(values, "items") else list(values or [])
        metrics = "".join(f" - {k}: {_format_value(v)}" for k, v in items)
        per_step = elapsed / current if current else 0.0
        if self.verbose == 1:
            if self.target is not None:
                filled = int(self.width * current / self.target) if self.target else self.width
                if self._dynamic:  # green done part, plain rest
                    bar = "\x1b[32m" + "━" * filled + "\x1b[0m" + "━" * (self.width - filled)
                else:
                    bar = ("━" * filled).ljust(self.width)
                digits = len(str(self.target))
                line = f"{current:>{digits}}/{self.target} {bar}"
            else:
                line = f"{current:>7}/Unknown"
            if finalize:
                line += f" {_format_time(elapsed)} {_format_step_time(per_step)}"
            else:
                eta = per_step * (self.target - current) if self.target else 0
                line += f" {_format_time(eta)} {_format_step_time(per_step)}" if self.target else f" {_format_time(elapsed)}"
            line += metrics
            if self._dynamic:
                sys.stdout.write("\r" + line.ljust(self._last_len))
                self._last_len = len(line)
                if finalize:
                    sys.stdout.write("\n")
            elif finalize:
                sys.stdout.write(line + "\n")
            sys.stdout.flush()
        else:
            target = self.target if self.target is not None else current
            sys.stdout.write(
                f"{current}/{target} - {_format_time(elapsed)} - "
                f"{_format_step_time(per_step)}{metrics}\n"
            )
            sys.stdout.flush()

    def add(self, n: int, values=None) -> None:
        self.update(self._seen + n, values)
