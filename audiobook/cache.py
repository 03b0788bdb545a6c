"""The clip cache on disk: its size cap, least-recently-used eviction, info and clearing.

    cache folder -> CacheInfo | evicted clips

synthesize.py owns the content-addressed layout (``clips/<2 hex>/<sha256>.wav``)
and touches a clip's mtime on every cache hit, so mtime means "last used".
After each synthesis run ``evict`` removes the clips with the oldest mtime
until the cache is under its cap, never one the current build uses.  The cap
is ``--cache-max``, else $AUDIOBOOK_CACHE_MAX, else 2 GiB; sizes are bytes
or a number with K, M, G or T (powers of 1024; "500M", "2G", "1.5GiB").
"""
from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

log = logging.getLogger(__name__)

#: the cap when neither --cache-max nor $AUDIOBOOK_CACHE_MAX says otherwise
DEFAULT_MAX = 2 * 1024**3
ENV_MAX = "AUDIOBOOK_CACHE_MAX"

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str | int) -> int:
    """Bytes from "2G", "500M", "1.5GiB", "100k" or a plain number of bytes."""
    if isinstance(text, int):
        return text
    match = _SIZE.fullmatch(str(text))
    if not match:
        raise InputError(f"not a size: {text!r}", "give bytes or a number with K, M, G or T, e.g. 500M or 2G")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def format_size(size: int) -> str:
    """A size for people: "512 B", "3.4 MiB", "2.0 GiB"."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"  # pragma: no cover - the loop returns at GiB


def cache_max(value: str | int | None = None) -> int:
    """The cap in bytes: ``value``, else $AUDIOBOOK_CACHE_MAX, else DEFAULT_MAX."""
    if value is None or value == "":
        value = os.environ.get(ENV_MAX) or DEFAULT_MAX
    return parse_size(value)


def touch(path: Path) -> None:
    """Mark a clip as just used (its mtime orders eviction)."""
    try:
        os.utime(path)
    except OSError:  # a read-only or shared cache still serves hits
        pass


def _clips(root: Path) -> list[tuple[float, int, Path]]:
    """(mtime, size, path) of every clip in the cache."""
    out = []
    folder = root / "clips"
    if not folder.is_dir():
        return out
    for sub in folder.iterdir():
        if not sub.is_dir():
            continue
        for entry in os.scandir(sub):
            if entry.name.endswith(".wav") and entry.is_file():
                try:
                    st = entry.stat()
                except OSError:  # removed meanwhile by another build
                    continue
                out.append((st.st_mtime, st.st_size, Path(entry.path)))
    return out


@dataclass(frozen=True)
class CacheInfo:
    """What the clip cache holds."""

    path: Path
    """The cache folder."""
    clips: int
    """Number of cached clips."""
    size: int
    """Their total size in bytes."""
    cap: int
    """The size cap in bytes."""


def info(root: Path, cap: int | None = None) -> CacheInfo:
    """Count and size the clips under ``root``."""
    clips = _clips(root)
    return CacheInfo(root, len(clips), sum(size for _, size, _ in clips), cache_max() if cap is None else cap)


def clear(root: Path) -> tuple[int, int]:
    """Remove every clip; returns (clips removed, bytes freed)."""
    removed = freed = 0
    for _, size, path in _clips(root):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed, freed = removed + 1, freed + size
    for sub in (root / "clips").glob("*"):
        try:
            sub.rmdir()  # only the emptied ones go
        except OSError:
            pass
    return removed, freed


def evict(root: Path, cap: int, keep: Iterable[Path] = ()) -> tuple[int, int]:
    """Remove least-recently-used clips until the cache is at most ``cap`` bytes.

    Clips in ``keep`` (the current build's) are never removed, even when they
    alone exceed the cap.  Returns (clips removed, bytes freed).
    """
    clips = _clips(root)
    total = sum(size for _, size, _ in clips)
    if total <= cap:
        return 0, 0
    kept = {Path(p).name for p in keep}  # content-addressed: the name is the key
    removed = freed = 0
    for _, size, path in sorted(clips, key=lambda c: c[0]):
        if total <= cap:
            break
        if path.name in kept:
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("cannot evict %s: %s", path, exc.strerror)
            continue
        total -= size
        removed, freed = removed + 1, freed + size
    if removed:
        log.info("clip cache over %s: evicted %d least recently used clips (%s)", format_size(cap), removed, format_size(freed))
    if total > cap:
        log.info("clip cache holds %s, over its cap of %s, all of it used by this build", format_size(total), format_size(cap))
    return removed, freed
