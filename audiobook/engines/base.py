"""What every speech engine offers: the Engine protocol and EngineVoice.

    text + VoiceSettings -> Engine.synthesize -> an audio file on disk

An engine is owned by one worker process and used from one thread.  It writes
whatever its platform produces (WAV, or AIFF on macOS); ``synthesize.py``
checks and converts the file, so engines stay thin.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..models import VoiceSettings


@dataclass(frozen=True)
class EngineVoice:
    """One voice an engine offers."""

    id: str
    """The id to put in ``VoiceSettings.voice_id`` ("gmw/en-us", a SAPI5 token)."""
    name: str
    """Human name ("English (America)")."""
    languages: tuple[str, ...] = ()
    """Language tags the voice speaks ("en-us",)."""
    gender: str | None = None
    """"male", "female" or None when the engine does not say."""


@runtime_checkable
class Engine(Protocol):
    """A text-to-speech engine behind one small interface."""

    name: str
    """Registry name ("espeak", "pyttsx3") or a "module:attr" spec."""
    version: str
    """Changes whenever the audio could change; part of the clip cache key."""
    sample_rate: int
    """Hz of the clips once normalised (the engine's native rate when it has one)."""

    def voices(self) -> list[EngineVoice]:
        """The voices installed for this engine."""
        ...

    def variants(self) -> list[str]:
        """eSpeak NG variants ("f3", "m7", "klatt"); empty for other engines."""
        ...

    def synthesize(self, text: str, voice: VoiceSettings, path: Path) -> Path:
        """Speak ``text`` into an audio file near ``path``; return the file written.

        The engine may change the extension (".aiff" on macOS).  Raises
        ProfileError for a voice or variant it does not have, SynthesisError
        when it produced nothing.
        """
        ...

    def close(self) -> None:
        """Release the engine; the object is not used afterwards."""
        ...


def normalise_gender(value: object) -> str | None:
    """Engines spell gender "Male", "male", 1...; keep "male"/"female"/None."""
    text = str(value or "").strip().lower()
    return text if text in ("male", "female") else None
