"""Compiled regular expressions, kept from one run to the next.

    pattern text + flags -> re.Pattern (compiled once per Python build, then loaded)

Quote attribution matches with large patterns: the speech verbs and the name
and noun-phrase patterns are embedded in several others, one of them 11,000
characters long.  Python's ``re`` compiles in pure Python, and compiling them
all took ~0.15 s of every build, before the first word was spoken.

``compile`` is ``re.compile`` with a memory: the program ``re`` makes for the
regular expression engine (what ``re._compiler.compile`` hands to
``_sre.compile``) is kept in a file in the user cache directory, one file per
Python build, and later runs build the pattern object straight from it.
The engine checks every program it is given.  Anything unexpected (another
Python whose internals differ, an unreadable or damaged file) falls back to
``re.compile``: the cache can make a pattern quicker to get, never different.

``save`` writes what was compiled anew; the program calls it on its way out,
other callers need not (the next run compiles again).
"""
from __future__ import annotations

import marshal
import os
import re
import sys
import threading
from pathlib import Path

#: AUDIOBOOK_CACHE_DIR moves the clip cache (the bench gives each build an
#: empty one); this cache belongs with the program, like its bytecode
_FILE = f"regex-{sys.implementation.cache_tag}-{sys.hexversion:x}.marshal"

#: more programs than this in the file (edited lexicons and profiles each add
#: one), and it is written with only those this run used
_MAX_PROGRAMS = 400

_lock = threading.Lock()
_objects: dict[tuple[str, int], re.Pattern] = {}  # this process's patterns
_programs: dict[tuple[str, int], tuple] | None = None  # from the file, and new ones
_new = False


def compile(pattern: str, flags: int = 0) -> re.Pattern:  # noqa: A001 - re.compile's name, on purpose
    """``re.compile(pattern, flags)``, loading the compiled program when a
    run before compiled it."""
    flags = int(flags)
    key = (pattern, flags)
    found = _objects.get(key)
    if found is not None:
        return found
    with _lock:
        programs = _load()
        program = programs.get(key)
        compiled = _from_program(pattern, program) if program is not None else None
        if compiled is None:
            program = _program(pattern, flags)
            compiled = _from_program(pattern, program) if program is not None else None
            if compiled is None:
                compiled = re.compile(pattern, flags)
            else:
                global _new
                programs[key], _new = program, True
        _objects[key] = compiled
        return compiled


class LazyPattern:
    """A regular expression compiled (by :func:`compile`) when first used, not
    at import: start-up time counts, and many patterns serve one kind of input."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern | None = None

    def __getattr__(self, name: str):
        if self._compiled is None:
            self._compiled = compile(*self._args)
        return getattr(self._compiled, name)


def save() -> None:
    """Write the programs compiled anew in this run (quietly does nothing if it cannot)."""
    global _new
    with _lock:
        if not _new or _programs is None:
            return
        path = _path()
        programs = _programs
        if len(programs) > _MAX_PROGRAMS:
            programs = {key: program for key, program in programs.items() if key in _objects}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            partial.write_bytes(marshal.dumps(programs))
            os.replace(partial, path)
            _new = False
        except (OSError, ValueError):
            pass


def _path() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("audiobook", appauthor=False)) / _FILE


def _load() -> dict[tuple[str, int], tuple]:
    global _programs
    if _programs is None:
        try:
            loaded = marshal.loads(_path().read_bytes())
            _programs = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError, EOFError, TypeError):
            _programs = {}
    return _programs


def _program(pattern: str, flags: int) -> tuple | None:
    """What ``re`` would compile ``pattern`` to, as plain values; None if this
    Python's ``re`` is not built the way this expects."""
    try:
        from re import _compiler, _parser

        parsed = _parser.parse(pattern, flags)
        code = [int(op) for op in _compiler._code(parsed, flags)]
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        return (int(flags | parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup))
    except re.error:
        raise
    except Exception:  # noqa: BLE001 - internals of another Python: compile the usual way
        return None


def _from_program(pattern: str, program: tuple) -> re.Pattern | None:
    try:
        import _sre

        compiled = _sre.compile(pattern, *program)
    except Exception:  # noqa: BLE001 - a program this engine does not take: compile the usual way
        return None
    return compiled if isinstance(compiled, re.Pattern) and compiled.pattern == pattern else None
