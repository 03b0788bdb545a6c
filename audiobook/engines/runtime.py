"""Make libespeak-ng loadable before pyttsx3 is imported.

    (nothing) -> EspeakLibrary (which copy of libespeak-ng this process uses)

Steps, once per process (later calls return the first answer):

1. Try the system's library by its usual name (``libespeak-ng.so.1`` and the
   paths pyttsx3 itself tries on macOS and Windows).
2. Else load the copy shipped by the ``espeakng-loader`` wheel and point
   ``ESPEAK_DATA_PATH`` at its data.  Both are loaded ``RTLD_GLOBAL`` so that
   when pyttsx3 later asks for ``libespeak-ng.so.1`` by soname, glibc hands it
   the copy already in memory instead of failing.
3. Neither -> DependencyError with an install hint.

Only ctypes is used here: loading a shared library costs milliseconds, so the
parent process can call this to choose an engine without importing pyttsx3.
"""
from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import DependencyError

log = logging.getLogger(__name__)

INSTALL_HINT = "install it with `pip install espeakng-loader` or `apt-get install espeak-ng`"


@dataclass(frozen=True)
class EspeakLibrary:
    """The libespeak-ng this process loaded."""

    path: str
    """What was handed to the dynamic loader (a soname or a file path)."""
    source: str
    """"system" or "espeakng-loader" (the library version tells copies apart)."""
    version: str
    """The library's own version string ("1.52.0")."""
    data_dir: str | None
    """The espeak-ng-data directory when we chose it; None means the library's default."""


_library: EspeakLibrary | None = None
_failure: DependencyError | None = None


def _system_candidates() -> tuple[str, ...]:
    # The same places pyttsx3's _espeak module looks, so a library we find
    # here is one it will find too.
    if sys.platform == "darwin":
        return (
            "/opt/homebrew/lib/libespeak-ng.1.dylib",
            "/usr/local/lib/libespeak-ng.1.dylib",
        )
    if sys.platform == "win32":
        return (
            r"C:\Program Files\eSpeak NG\libespeak-ng.dll",
            r"C:\Program Files (x86)\eSpeak NG\libespeak-ng.dll",
        )
    return ("libespeak-ng.so.1", "/usr/local/lib/libespeak-ng.so.1")


def _version_of(lib) -> str:
    import ctypes

    try:
        lib.espeak_Info.restype = ctypes.c_char_p
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        return (lib.espeak_Info(None) or b"unknown").decode("ascii", "replace")
    except (AttributeError, OSError):
        return "unknown"


def _load() -> EspeakLibrary:
    import ctypes

    mode = getattr(ctypes, "RTLD_GLOBAL", 0)
    for name in _system_candidates():
        try:
            lib = ctypes.CDLL(name, mode=mode)
        except OSError:
            continue
        log.debug("using the system's libespeak-ng (%s)", name)
        return EspeakLibrary(name, "system", _version_of(lib), None)

    # The wheel's copy only helps where pyttsx3 looks the library up by
    # soname (Linux); on macOS and Windows pyttsx3 tries fixed paths only.
    if not sys.platform.startswith("linux"):
        raise DependencyError(
            "libespeak-ng is not installed", hint="install eSpeak NG from https://github.com/espeak-ng"
        )
    try:
        import espeakng_loader
    except ImportError as exc:
        raise DependencyError("libespeak-ng is not installed", hint=INSTALL_HINT) from exc
    path = espeakng_loader.get_library_path()
    try:
        lib = ctypes.CDLL(path, mode=mode)
        data_dir = espeakng_loader.get_data_path()
    except (OSError, RuntimeError) as exc:
        raise DependencyError(
            f"the espeakng-loader copy of libespeak-ng does not load: {exc}", hint=INSTALL_HINT
        ) from exc
    # A user's own ESPEAK_DATA_PATH wins; otherwise the library would look in
    # its compiled-in /usr/share path, which holds nothing here.
    os.environ.setdefault("ESPEAK_DATA_PATH", data_dir)
    log.debug("using libespeak-ng from espeakng-loader (%s)", path)
    return EspeakLibrary(path, "espeakng-loader", _version_of(lib), data_dir)


def load_espeak() -> EspeakLibrary:
    """Load libespeak-ng into this process (idempotent); DependencyError when absent."""
    global _library, _failure
    if _library is not None:
        return _library
    if _failure is not None:
        # Remember the failure: probing the loader again costs time and
        # cannot succeed within the same process.
        raise DependencyError(_failure.message, hint=_failure.hint)
    try:
        _library = _load()
    except DependencyError as exc:
        _failure = exc
        raise
    return _library


def espeak_available() -> bool:
    """Whether libespeak-ng can be loaded (loads it as a side effect)."""
    try:
        load_espeak()
    except DependencyError:
        return False
    return True


def data_dir() -> Path | None:
    """The espeak-ng-data directory in use, once the library is initialised or chosen."""
    lib = load_espeak()
    if lib.data_dir:
        return Path(lib.data_dir)
    if os.environ.get("ESPEAK_DATA_PATH"):
        return Path(os.environ["ESPEAK_DATA_PATH"])
    # The system library only reports its path after espeak_Initialize; ask
    # it through pyttsx3's bindings, which share the loaded copy.
    import ctypes

    from pyttsx3.drivers import _espeak

    where = ctypes.c_char_p()
    _espeak.Info(ctypes.cast(ctypes.byref(where), ctypes.c_void_p))
    if where.value:
        return Path(where.value.decode())
    for guess in ("/usr/lib/x86_64-linux-gnu/espeak-ng-data", "/usr/share/espeak-ng-data"):
        if Path(guess).is_dir():
            return Path(guess)
    return None


def variants() -> list[str]:
    """eSpeak NG voice variants: the file names under ``<data>/voices/!v``."""
    where = data_dir()
    if where is None or not (where / "voices" / "!v").is_dir():
        return []
    return sorted(p.name for p in (where / "voices" / "!v").iterdir() if p.is_file())


def distribution_version(package: str) -> str:
    """An installed package's version, read from its dist-info folder name.

    importlib.metadata costs ~20 ms of imports; the engine version is asked for
    on every run, so look for ``<package>-<version>.dist-info`` beside it.
    """
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is not None and spec.origin:
        site = Path(spec.origin).parent.parent
        for info in site.glob(f"{package}-*.dist-info"):
            return info.name[len(package) + 1 : -len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"
