"""The "pyttsx3" engine: the portable path through ``pyttsx3.init()``.

    text + VoiceSettings -> save_to_file + runAndWait -> <path>.wav / .aiff

Works with whatever driver pyttsx3 picks: espeak on Linux, SAPI5 on Windows,
NSSpeechSynthesizer on macOS (which writes AIFF, so the file keeps an .aiff
name and ``synthesize.py`` converts it).  Steps per utterance: queue voice,
rate, volume (and pitch where the driver has it) explicitly, because drivers
keep state between calls; queue one ``save_to_file``; ``runAndWait``; then
look at the errors the driver loop swallowed and at the file it wrote.
"""
from __future__ import annotations

import contextlib
import io
import logging
import sys
from pathlib import Path

from ..errors import ProfileError, SynthesisError
from ..models import VoiceSettings
from . import runtime
from .base import EngineVoice, normalise_gender

log = logging.getLogger(__name__)

#: the rate clips are normalised to; pyttsx3's espeak driver always writes this
DEFAULT_RATE = 22050


def default_driver() -> str:
    """The driver pyttsx3 would pick on this platform (without importing it)."""
    return {"darwin": "nsss", "win32": "sapi5"}.get(sys.platform, "espeak")


def driver_version(driver: str) -> str:
    """pyttsx3's version, the driver, and libespeak-ng's version when it is used."""
    text = f"pyttsx3 {runtime.distribution_version('pyttsx3')} {driver}"
    if driver == "espeak":
        lib = runtime.load_espeak()
        text += f" espeak-ng {lib.version} ({lib.source})"
    return text


class Pyttsx3Engine:
    """pyttsx3 with its platform driver; one ``save_to_file`` per ``runAndWait``."""

    name = "pyttsx3"

    def __init__(self, driver: str | None = None) -> None:
        self.driver = driver or default_driver()
        if self.driver == "espeak":
            # pyttsx3 finds libespeak-ng by soname; make sure one is loaded.
            runtime.load_espeak()
            ours = sys.modules.get("audiobook.engines.espeak")
            if ours is not None and ours._sample_rate is not None:
                raise SynthesisError(
                    "pyttsx3's espeak driver cannot share a process with the espeak engine",
                    hint="use one engine per process",
                )
        self.version = driver_version(self.driver)
        self.sample_rate = DEFAULT_RATE
        try:
            import pyttsx3

            with contextlib.redirect_stdout(io.StringIO()):
                self._tts = pyttsx3.init(self.driver)
        except Exception as exc:  # drivers raise anything from ImportError to OSError
            raise SynthesisError(
                f"pyttsx3 could not start its {self.driver} driver: {exc}",
                hint="check the platform speech engine is installed",
            ) from exc
        self._errors: list[BaseException] = []
        self._tts.connect("error", self._on_error)
        self._voice_ids: set[str] | None = None

    def _on_error(self, name=None, exception=None, **_) -> None:
        # Only record: an exception raised in a pyttsx3 callback hangs its loop.
        self._errors.append(exception or RuntimeError("unknown pyttsx3 error"))

    def voices(self) -> list[EngineVoice]:
        return [
            EngineVoice(
                id=str(v.id),
                name=str(v.name or v.id),
                languages=tuple(
                    lang.decode("utf-8", "replace") if isinstance(lang, bytes) else str(lang)
                    for lang in (v.languages or ())
                ),
                gender=normalise_gender(v.gender),
            )
            for v in self._tts.getProperty("voices")
        ]

    def variants(self) -> list[str]:
        return runtime.variants() if self.driver == "espeak" else []

    def _queue_voice(self, voice: VoiceSettings) -> None:
        tts = self._tts
        if self.driver == "espeak":
            if voice.variant and voice.variant not in self.variants():
                raise ProfileError(
                    f"eSpeak NG has no variant {voice.variant!r} (voice {voice.name!r})",
                    hint="pick a variant from the engine's variant list, e.g. f3 or m7",
                )
            tts.setProperty("voice", voice.engine_voice)
        else:
            if self._voice_ids is None:
                self._voice_ids = {v.id for v in self.voices()}
            if voice.voice_id not in self._voice_ids:
                raise ProfileError(
                    f"the {self.driver} driver has no voice {voice.voice_id!r} (voice {voice.name!r})",
                    hint="use an id from the engine's voice list",
                )
            if voice.variant:
                log.debug("variant %r ignored: %s has no variants", voice.variant, self.driver)
            tts.setProperty("voice", voice.voice_id)
        tts.setProperty("rate", int(voice.rate))
        tts.setProperty("volume", max(0.0, min(1.0, float(voice.volume))))
        if self.driver == "espeak":
            # Reset to the voice default too, or the last pitch would linger.
            tts.setProperty("pitch", 50 if voice.pitch is None else int(voice.pitch))
        elif voice.pitch is not None:
            log.debug("pitch %s ignored: the %s driver cannot set pitch", voice.pitch, self.driver)

    def _run(self, text: str, voice: VoiceSettings, out: Path) -> None:
        self._errors.clear()
        self._queue_voice(voice)
        self._tts.save_to_file(text, str(out))
        # The espeak driver prints "Audio saved to ..." on stdout.
        with contextlib.redirect_stdout(io.StringIO()):
            self._tts.runAndWait()
        for exc in self._errors:
            if "voice" in str(exc).lower():
                raise ProfileError(
                    f"{self.driver} rejected voice {voice.engine_voice!r}: {exc}",
                    hint="use an id from the engine's voice list, e.g. gmw/en-us",
                ) from exc
        if self._errors:
            raise SynthesisError(
                f"pyttsx3 ({self.driver}) failed: {self._errors[0]}", hint="retry; report if it persists"
            ) from self._errors[0]

    def synthesize(self, text: str, voice: VoiceSettings, path: Path) -> Path:
        out = path.with_suffix(".aiff" if self.driver == "nsss" else ".wav")
        out.unlink(missing_ok=True)
        self._run(text, voice, out)
        if not out.exists() or out.stat().st_size <= 44:
            # runAndWait sometimes returns before the driver ran the queue
            # (notably the first call); one more round usually delivers.
            log.debug("pyttsx3 wrote nothing for %r; running once more", text[:40])
            self._run(text, voice, out)
        if not out.exists():
            raise SynthesisError(f"pyttsx3 ({self.driver}) wrote no file", hint="retry; report if it persists")
        return out

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._tts.stop()
        self._tts = None
