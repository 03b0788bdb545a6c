"""Writing files so that readers only ever see complete ones.

Every output (MP3, JSON, transcripts, cover, feed) is written to a hidden
temporary file in the same folder and renamed over the final name: a rename
within one file system is atomic, so an interrupted build or a full disk
never leaves a truncated file, and a good file is replaced only by a good one.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError


def temp_beside(final: Path) -> Path:
    """A new hidden temporary file next to ``final``, with the mode a plain new file would get."""
    final = Path(final)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=f".partial{final.suffix}", dir=final.parent)
    except OSError as exc:
        raise OutputError(f"cannot write in {final.parent}: {exc.strerror or exc}", "check that the folder exists and is writable") from exc
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)  # mkstemp makes 0600; episodes and feeds are meant to be shared
    return Path(name)


@contextmanager
def replacing(final: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``final``, on error it is removed."""
    tmp = temp_beside(final)
    try:
        yield tmp
        os.replace(tmp, final)
    except OSError as exc:
        raise OutputError(f"cannot write {final}: {exc.strerror or exc}", "check free space and permissions of the output folder") from exc
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with replacing(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, \\n line ends) to ``path`` atomically."""
    with replacing(path) as tmp:
        with tmp.open("w", encoding="utf-8", newline="\n") as f:
            f.write(text)
