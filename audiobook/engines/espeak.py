"""The "espeak" engine: libespeak-ng in synchronous mode, WAV via ``wave``.

    text + VoiceSettings -> PCM from espeak's callback -> <path>.wav

Steps per utterance: select the voice (checking espeak's return code, because
a failed SetVoiceByName silently keeps the previous voice), set rate / pitch /
volume, ``espeak_Synth`` (which blocks in synchronous mode while our callback
collects the samples), write them as mono 16-bit WAV.

We go through pyttsx3's ctypes bindings but not its event loop: the loop
swallows errors, returns early and hangs now and then, while the synchronous
API gives every sample back before ``Synth`` returns.
"""
from __future__ import annotations

import ctypes
import logging
import sys
import wave
from pathlib import Path

from ..errors import ProfileError, SynthesisError
from ..models import VoiceSettings
from . import runtime
from .base import EngineVoice, normalise_gender

log = logging.getLogger(__name__)

#: espeak_Initialize may run once per process; its sample rate is kept here.
_sample_rate: int | None = None

EE_OK = 0
#: espeak's own default for the PITCH parameter, i.e. "the voice's pitch"
DEFAULT_PITCH = 50


def _bindings():
    runtime.load_espeak()
    from pyttsx3.drivers import _espeak

    return _espeak


def _initialise(E) -> int:
    global _sample_rate
    if _sample_rate is None:
        pyttsx3_driver = sys.modules.get("pyttsx3.drivers.espeak")
        if pyttsx3_driver is not None and pyttsx3_driver.EspeakDriver._moduleInitialized:
            # Both would own the library's single global callback and output mode.
            raise SynthesisError(
                "the espeak engine cannot share a process with pyttsx3's espeak driver",
                hint="use one engine per process",
            )
        rate = E.Initialize(E.AUDIO_OUTPUT_SYNCHRONOUS, 0)
        if rate <= 0:
            raise SynthesisError(
                "libespeak-ng failed to initialise",
                hint="check that ESPEAK_DATA_PATH points to an espeak-ng-data directory",
            )
        _sample_rate = rate
    return _sample_rate


class EspeakEngine:
    """libespeak-ng driven directly; the Linux default."""

    name = "espeak"

    def __init__(self) -> None:
        lib = runtime.load_espeak()
        self._E = _bindings()
        self.sample_rate = _initialise(self._E)
        self.version = f"espeak-ng {lib.version} ({lib.source})"
        self._chunks: list[bytes] = []
        self._current_voice: str | None = None
        self._variants: set[str] | None = None
        # Keep a reference: pyttsx3's wrapper holds the ctypes thunk, but the
        # bound method must outlive it too.
        self._callback = self._on_audio
        self._E.SetSynthCallback(self._callback)

    def _on_audio(self, wav, numsamples, events) -> int:
        # Runs inside espeak_Synth; must not raise (ctypes would only print).
        if numsamples > 0 and wav:
            self._chunks.append(ctypes.string_at(wav, numsamples * 2))
        return 0

    def voices(self) -> list[EngineVoice]:
        out = []
        for v in self._E.ListVoices(None):
            lang = (v.languages or b"")[1:].decode("utf-8", "replace")
            out.append(
                EngineVoice(
                    id=v.identifier.decode("utf-8").lower(),
                    name=v.name.decode("utf-8", "replace"),
                    languages=(lang,) if lang else (),
                    gender=normalise_gender({1: "male", 2: "female"}.get(v.gender)),
                )
            )
        return out

    def variants(self) -> list[str]:
        return runtime.variants()

    def _select_voice(self, voice: VoiceSettings) -> None:
        wanted = voice.engine_voice
        if wanted == self._current_voice:
            return
        if voice.variant:
            if self._variants is None:
                self._variants = set(self.variants())
            # espeak accepts "+nonsense" and quietly speaks the plain voice.
            if voice.variant not in self._variants:
                raise ProfileError(
                    f"eSpeak NG has no variant {voice.variant!r} (voice {voice.name!r})",
                    hint="pick one of: " + ", ".join(sorted(self._variants)[:12]) + ", ...",
                )
        status = self._E.SetVoiceByName(wanted.encode("utf-8"))
        if status != EE_OK:
            # On failure espeak keeps the previous voice, so carrying on would
            # read this text in someone else's voice.
            self._current_voice = None
            raise ProfileError(
                f"eSpeak NG has no voice {voice.voice_id!r} (voice {voice.name!r}, code {status})",
                hint="use an id from the engine's voice list, e.g. gmw/en-us or gmw/en",
            )
        self._current_voice = wanted

    def synthesize(self, text: str, voice: VoiceSettings, path: Path) -> Path:
        E = self._E
        self._select_voice(voice)
        E.SetParameter(E.RATE, int(voice.rate), 0)
        E.SetParameter(E.PITCH, DEFAULT_PITCH if voice.pitch is None else int(voice.pitch), 0)
        # VoiceSettings volume 0..1 maps to espeak's 0..200 with 100 = normal.
        E.SetParameter(E.VOLUME, round(max(0.0, min(1.0, voice.volume)) * 100), 0)
        self._chunks = []
        status = E.Synth(text.encode("utf-8"), flags=E.CHARS_UTF8)
        if status != EE_OK:
            raise SynthesisError(f"espeak_Synth failed with code {status}", hint="retry; report if it persists")
        E.Synchronize()
        audio = b"".join(self._chunks)
        self._chunks = []
        if not audio:
            raise SynthesisError("eSpeak NG produced no audio", hint="check the text has words in it")
        out = path.with_suffix(".wav")
        with wave.open(str(out), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(self.sample_rate)
            w.writeframes(audio)
        return out

    def close(self) -> None:
        # espeak_Terminate is unsafe to call while Python holds the library
        # (pyttsx3 avoids it too); dropping the callback is enough.
        self._E.SetSynthCallback(0)
        self._current_voice = None
