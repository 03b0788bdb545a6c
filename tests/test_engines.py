"""The real engines on this machine: libespeak-ng direct, and pyttsx3.

libespeak-ng keeps one global callback and output mode per process, so the
"espeak" engine and pyttsx3's espeak driver cannot share one.  Every check
therefore runs in a fresh spawn-started process (``_fresh``), as in production.
"""
from __future__ import annotations

import multiprocessing
import wave
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from audiobook.engines import engine_info, get_engine, runtime
from audiobook.errors import ProfileError
from audiobook.models import Utterance, VoiceSettings
from audiobook.synthesize import synthesize

pytestmark = pytest.mark.skipif(not runtime.espeak_available(), reason="libespeak-ng is not loadable")

ENGINES = ["espeak", "pyttsx3"]
TEXT = "The ferry returns to the island on Monday morning."


def _fresh(fn, *args):
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result(timeout=120)


def _params(path: Path) -> tuple[int, int, int, int]:
    with wave.open(str(path)) as w:
        return w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()


def _speak(name: str, voices: list[tuple[str, str | None]], folder: str) -> list[tuple[str, tuple, bytes]]:
    Path(folder).mkdir(parents=True, exist_ok=True)
    engine = get_engine(name)
    try:
        out = []
        for i, (voice_id, variant) in enumerate(voices):
            path = engine.synthesize(TEXT, VoiceSettings("v", voice_id, variant, rate=170), Path(folder) / f"c{i}")
            out.append((path.suffix, _params(path), path.read_bytes()))
        return out
    finally:
        engine.close()


def _error(name: str, voice_id: str, variant: str | None, folder: str) -> tuple[str, str, str | None]:
    engine = get_engine(name)
    try:
        # A good voice first: espeak keeps it when the next selection fails,
        # which must not pass silently.
        engine.synthesize("Fine.", VoiceSettings("ok", "gmw/en-us"), Path(folder) / "ok")
        try:
            engine.synthesize(TEXT, VoiceSettings("bad", voice_id, variant), Path(folder) / "bad")
        except ProfileError as exc:
            return type(exc).__name__, exc.message, exc.hint
        return "no error", "", None
    finally:
        engine.close()


def _listing(name: str):
    engine = get_engine(name)
    try:
        return engine.name, engine.version, engine.sample_rate, engine.voices(), engine.variants()
    finally:
        engine.close()


@pytest.mark.parametrize("name", ENGINES)
def test_engine_speaks_with_voice_and_variant(name, tmp_path):
    (suffix, params, data), (_, _, other) = _fresh(
        _speak, name, [("gmw/en-us", "f3"), ("gmw/en-us", "m7")], str(tmp_path)
    )
    channels, width, rate, frames = params
    assert (suffix, channels, width, rate) == (".wav", 1, 2, 22050)
    assert 1.0 < frames / rate < 10.0
    assert data != other  # the variant really changed the voice


def test_both_engines_produce_the_same_format(tmp_path):
    results = [_fresh(_speak, name, [("gmw/en", None)], str(tmp_path / name))[0] for name in ENGINES]
    assert results[0][1][:3] == results[1][1][:3] == (1, 2, 22050)


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize(("voice_id", "variant", "word"), [("en-gb", "f3", "en-gb"), ("gmw/en-us", "zz", "zz")])
def test_unknown_voice_or_variant_raises(name, voice_id, variant, word, tmp_path):
    kind, message, hint = _fresh(_error, name, voice_id, variant, str(tmp_path))
    assert kind == "ProfileError"
    assert word in message and hint


@pytest.mark.parametrize("name", ENGINES)
def test_voices_and_variants_are_listed(name):
    engine_name, version, rate, voices, variants = _fresh(_listing, name)
    assert engine_name == name and "espeak-ng" in version and rate == 22050
    by_id = {v.id: v for v in voices}
    assert by_id["gmw/en-us"].languages == ("en-us",)
    assert by_id["gmw/en-us"].name
    assert {"f3", "m7", "klatt"} <= set(variants)


def test_engine_info_is_cheap_and_names_the_library():
    assert engine_info("auto")[0] == "espeak"
    name, version = engine_info("pyttsx3")
    assert name == "pyttsx3" and "pyttsx3" in version and "espeak-ng" in version


@pytest.mark.parametrize("name", ENGINES)
def test_synthesize_through_workers_keeps_stdout_clean(name, tmp_path, capfd):
    voice = VoiceSettings("n", "gmw/en-us", "f3", rate=175, pitch=55)
    utts = [Utterance(i, 0, f"This is sentence number {i} of the test.", voice) for i in range(6)]
    clips = synthesize(utts, engine=name, jobs=2, cache_dir=tmp_path)
    assert [c.segment for c in clips] == list(range(6))
    for clip in clips:
        assert _params(clip.path)[:3] == (1, 2, 22050) and clip.duration > 1.0
    out, _ = capfd.readouterr()
    assert "Audio saved" not in out and out == ""
