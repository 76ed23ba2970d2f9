"""Crash-safe file writes, and the few path checks every loader shares.

`atomic_write(path)` writes into a temporary file in the target folder and
`os.replace`s it into place only once everything is written and synced, so
a crash or a kill mid-save leaves the previous file (if any) untouched under
the real name. Only the main process of a distributed run writes.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

_UMASK: list[int] = []


@contextlib.contextmanager
def atomic_path(filepath: str, keep_extension: bool = False) -> Iterator[str]:
    """Yield a temporary path beside `filepath`; on a clean exit it replaces `filepath`.

    For writers that take a path, not a file (`torch.export.save`, ONNX).
    The parent folder is created if needed; the finished file is synced and
    gets the usual permissions. On any error the temporary file is removed
    and `filepath` is left as it was.

    Args:
        filepath: the file to write.
        keep_extension: end the temporary name with `filepath`'s extension,
            for writers that look at it. Defaults to `False`.
    """
    filepath = os.fspath(filepath)
    if os.path.isdir(filepath):
        raise ValueError(f"Cannot write to '{filepath}': it is a directory.")
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    extension = os.path.splitext(filepath)[1] if keep_extension else ""
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(filepath)}.", suffix=".tmp" + extension
    )
    os.close(fd)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        # mkstemp makes the file private (0600); give it the usual permissions.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


@contextlib.contextmanager
def atomic_write(filepath: str) -> Iterator[BinaryIO]:
    """Yield a binary file; on a clean exit it replaces `filepath` in one step.

    The parent folder is created if needed. On any error the temporary file
    is removed and `filepath` is left as it was.
    """
    with atomic_path(filepath) as tmp:
        with open(tmp, "wb") as f:
            yield f


def write_from_main_process(filepath: str, data: bytes) -> None:
    """Rank 0 writes `data` to `filepath` atomically; every rank then waits for it.

    Called on every rank of a distributed job (saving is collective: the
    bytes may need all ranks, e.g. FSDP's gathered weights), so after it
    returns the file is there for everyone. Single-process: a plain atomic write.
    """
    from kerastorch.distribution import barrier
    from kerastorch.distribution import is_main_process

    if is_main_process():
        with atomic_write(filepath) as f:
            f.write(data)
    barrier()


def _umask() -> int:
    if not _UMASK:
        mask = os.umask(0)
        os.umask(mask)
        _UMASK.append(mask)
    return _UMASK[0]


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); best effort elsewhere."""
    if sys.platform.startswith("win"):
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def check_file_to_load(filepath: str, kind: str) -> str:
    """`filepath` as a string, or a ValueError if it is missing or a directory."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise ValueError(
            f"File not found: filepath={filepath}. Please ensure the file is an "
            f"accessible {kind} file."
        )
    if os.path.isdir(filepath):
        raise ValueError(
            f"Cannot load '{filepath}': it is a directory, not a {kind} file."
        )
    return filepath


def confirm_overwrite(filepath: str) -> bool:
    """With `overwrite=False`: True if `filepath` is free or the user agrees.

    Asks on an interactive terminal, as Keras does; elsewhere an existing
    file is an error rather than a prompt nobody can answer.
    """
    if not os.path.exists(filepath):
        return True
    if not (sys.stdin is not None and sys.stdin.isatty()):
        raise FileExistsError(
            f"'{filepath}' already exists and `overwrite=False`. Pass "
            "`overwrite=True` to replace it, or choose another path."
        )
    while True:
        answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]")
        answer = answer.strip().lower()
        if answer in ("y", "n"):
            return answer == "y"
        print('Enter "y" (overwrite) or "n" (cancel).')
