"""Speech engines behind one protocol, chosen by name.

    "auto" | "espeak" | "pyttsx3" | "module:attr" -> Engine

"auto" picks "espeak" when libespeak-ng loads (Linux with eSpeak NG or the
espeakng-loader wheel), else "pyttsx3" with its platform driver.  A
"module:attr" spec names any importable factory returning an Engine; worker
processes rebuild their engine from the spec, which is why engines are
named by strings rather than passed as objects.

Importing this package is cheap: pyttsx3 is only imported when an engine is
built.
"""
from __future__ import annotations

import importlib
from typing import Callable

from ..errors import InputError
from .base import Engine, EngineVoice

__all__ = ["Engine", "EngineVoice", "ENGINES", "get_engine", "engine_info", "resolve"]

#: the built-in engines, by the name users type
ENGINES = ("espeak", "pyttsx3")


def resolve(name: str = "auto") -> str:
    """The engine "auto" stands for on this machine; other names come back unchanged."""
    if name != "auto":
        return name
    from .runtime import espeak_available

    return "espeak" if espeak_available() else "pyttsx3"


def _factory(spec: str) -> Callable[[], Engine]:
    if spec == "espeak":
        from .espeak import EspeakEngine

        return EspeakEngine
    if spec == "pyttsx3":
        from .pyttsx3_engine import Pyttsx3Engine

        return Pyttsx3Engine
    module, sep, attr = spec.partition(":")
    if not sep or not module or not attr:
        raise InputError(
            f"unknown speech engine {spec!r}", hint="choose auto, " + ", ".join(ENGINES) + " or module:Factory"
        )
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise InputError(f"cannot import speech engine {spec!r}: {exc}", hint="check the module:attr spelling") from exc


def get_engine(name: str = "auto") -> Engine:
    """Build the named engine in this process (loads the speech library)."""
    return _factory(resolve(name))()


def engine_info(name: str = "auto") -> tuple[str, str]:
    """(resolved name, version) without building the engine: cheap enough for the parent.

    The version changes whenever the audio could, so it belongs in cache keys.
    """
    resolved = resolve(name)
    if resolved == "espeak":
        from .runtime import load_espeak

        lib = load_espeak()
        return resolved, f"espeak-ng {lib.version} ({lib.source})"
    if resolved == "pyttsx3":
        from .pyttsx3_engine import default_driver, driver_version

        return resolved, driver_version(default_driver())
    factory = _factory(resolved)
    # A custom factory may carry its version as a class attribute; building
    # it is the fallback.
    version = getattr(factory, "version", None)
    if not isinstance(version, str):
        engine = factory()
        try:
            version = engine.version
        finally:
            engine.close()
    return resolved, version
