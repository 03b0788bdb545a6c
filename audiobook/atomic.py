"""Writing files so that readers only ever see complete ones.

Every output (MP3, JSON, transcripts, cover, feed) is written to a hidden
temporary file in the same folder and renamed over the final name: a rename
within one file system is atomic, so an interrupted build or a full disk
never leaves a truncated file, and a good file is replaced only by a good one.

:class:`Staging` does this for a group of files that belong together (an
episode and its sidecars): each is written under its temporary name, and
only once all of them are complete are they renamed into place, in the order
they were staged.  Whatever way the work ends before that (an error, Ctrl-C,
SIGTERM turned into an exception by the CLI), the temporary files are removed.
"""
from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError

#: what every temporary name made here ends with, before the final suffix
TEMP_MARK = ".partial"

#: the temporary files of an episode, by the names given them here
#: (".news.k3x9_q2a.partial.mp3") and by the encoders (".news.mp3.4242.part",
#: ".news.mp3.4242.1.part"): what a build killed outright leaves behind
_LEFTOVER = re.compile(r"\..+\.(?:[a-z0-9_]{8}\.partial\.[A-Za-z0-9]+|\d+(?:\.\d+)?\.part)")
#: a temporary file untouched for this long belongs to no running build: they
#: are written without pause and renamed within seconds of their last write
#: (the age, not the process id, decides: builds on other machines may share
#: the folder)
STALE_AFTER = 3600.0


def sweep_leftovers(folder: Path, *, older_than: float = STALE_AFTER) -> int:
    """Remove from ``folder`` the temporary files of builds that were killed
    outright (SIGKILL, a power cut), which had no chance to clean up; returns
    how many.  Only hidden files named as this program names them, and not
    written to for ``older_than`` seconds, are touched."""
    removed, now = 0, time.time()
    try:
        entries = os.scandir(folder)
    except OSError:
        return 0
    with entries:
        for entry in entries:
            if not (entry.name.startswith(".") and _LEFTOVER.fullmatch(entry.name)):
                continue
            try:
                if entry.is_file(follow_symlinks=False) and now - entry.stat(follow_symlinks=False).st_mtime > older_than:
                    os.unlink(entry.path)
                    removed += 1
            except OSError:
                pass  # gone already, or not ours to remove
    return removed


def temp_beside(final: Path) -> Path:
    """A new hidden temporary file next to ``final``, with the mode a plain new file would get."""
    final = Path(final)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=f"{TEMP_MARK}{final.suffix}", dir=final.parent)
    except OSError as exc:
        raise OutputError(f"cannot write in {final.parent}: {exc.strerror or exc}", "check that the folder exists and is writable") from exc
    try:
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(name, 0o666 & ~umask)  # mkstemp makes 0600; episodes and feeds are meant to be shared
    except BaseException:  # an interrupt in between must not leave the empty file
        Path(name).unlink(missing_ok=True)
        raise
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
        _write_text(tmp, text)


def _write_text(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)


class Staging:
    """Files that go into place together: staged under temporary names, then
    committed (renamed into place in the order they were staged).

    Used as a context manager, it removes on the way out every temporary file
    not committed, whatever ended the block.  OSError passes through as it is,
    for the caller to word.
    """

    def __init__(self) -> None:
        self._files: list[tuple[Path, Path]] = []  # (temporary, final)

    def add(self, final: Path) -> Path:
        """A temporary file to write, which :meth:`commit` renames to ``final``."""
        tmp = temp_beside(final)
        self._files.append((tmp, Path(final)))
        return tmp

    def write_bytes(self, final: Path, data: bytes) -> None:
        self.add(final).write_bytes(data)

    def write_text(self, final: Path, text: str) -> None:
        """Stage ``text`` as UTF-8 with \\n line ends."""
        _write_text(self.add(final), text)

    def commit(self) -> None:
        """Rename every staged file into place, in the order they were staged."""
        while self._files:
            tmp, final = self._files[0]
            os.replace(tmp, final)
            self._files.pop(0)

    def discard(self) -> None:
        """Remove the temporary files not yet renamed into place."""
        while self._files:
            tmp, _ = self._files.pop()
            tmp.unlink(missing_ok=True)

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, *exc) -> None:
        self.discard()
