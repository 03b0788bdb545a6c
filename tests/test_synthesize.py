"""Unit tests of synthesize.py: planning, clip checks, cache and the worker pool.

The pool runs a fake engine in real spawn-started workers; the engine is named
by "module:Class", so it must stay a top-level class of this module.  It reads
its instructions from the text ("HANG-ONCE", "ALWAYS-FAIL", ...) and logs each
call to $FAKE_ENGINE_DIR so tests can count engine calls across processes.
"""
from __future__ import annotations

import hashlib
import math
import os
import subprocess
import time
import wave
from array import array
from pathlib import Path

import pytest

from audiobook import synthesize as synth
from audiobook.engines import EngineVoice, engine_info
from audiobook.errors import ProfileError, SynthesisError
from audiobook.models import Script, ScriptSegment, Utterance, VoiceSettings
from audiobook.stitch import find_ffmpeg
from audiobook.synthesize import BadClip, finish_clip, plan, split_long, split_sentences, synthesize

RATE = 16000
FAKE = f"{__name__}:FakeEngine"
VOICE = VoiceSettings("narrator", "fake/en", rate=180)


def _write_wav(path: Path, samples, rate: int = RATE, channels: int = 1, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        if width == 2:
            w.writeframes(array("h", samples).tobytes())
        else:
            w.writeframes(bytes(samples))
    return path


def _speech_like(seconds: float, pad: float = 0.3, rate: int = RATE) -> list[int]:
    """A 220 Hz tone of ``seconds`` with ``pad`` seconds of silence each side."""
    silence = [0] * int(pad * rate)
    tone = [int(8000 * math.sin(2 * math.pi * 220 * i / rate)) for i in range(int(seconds * rate))]
    return silence + tone + silence


class FakeEngine:
    """Writes a tone as long as the words need; misbehaves on request."""

    name = "fake"
    version = "fake 1"
    sample_rate = RATE

    def __init__(self) -> None:
        self.state = Path(os.environ.get("FAKE_ENGINE_DIR", "/nonexistent"))

    def voices(self):
        return [EngineVoice("fake/en", "Fake English", ("en",), None)]

    def variants(self):
        return []

    def _once(self, flag: str, text: str) -> bool:
        # hash() differs between processes; a digest does not.
        marker = self.state / f"{flag}-{hashlib.sha1(text.encode()).hexdigest()}"
        if marker.exists():
            return False
        marker.touch()
        return True

    def synthesize(self, text, voice, path):
        with open(self.state / "calls.log", "a", encoding="utf-8") as log:
            log.write(text + "\n")
        with open(self.state / "pids.log", "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\n")
        if voice.voice_id != "fake/en":
            raise ProfileError(f"no voice {voice.voice_id!r}", hint="use fake/en")
        out = path.with_suffix(".wav")
        if "NOISE" in text:
            print("noise from the engine")
            os.write(1, b"more noise on fd 1\n")
        if "HANG-ONCE" in text and self._once("hang", text):
            time.sleep(120)
        if "CRASH-ONCE" in text and self._once("crash", text):
            os._exit(3)
        if "ALWAYS-FAIL" in text:
            raise RuntimeError("the fake engine fails on purpose")
        if "EMPTY" in text:
            out.write_bytes(b"")
            return out
        if "SILENT" in text:
            return _write_wav(out, [0] * RATE)
        if "SHORT" in text:
            return _write_wav(out, _speech_like(0.02, pad=0.0))
        seconds = len(text.split()) * 60 / voice.rate
        return _write_wav(out, _speech_like(seconds))

    def close(self):
        pass


@pytest.fixture
def fake_dir(tmp_path, monkeypatch):
    state = tmp_path / "fake-state"
    state.mkdir()
    # Workers are spawned after this, so they inherit the variable.
    monkeypatch.setenv("FAKE_ENGINE_DIR", str(state))
    return state


def _calls(state: Path) -> list[str]:
    log = state / "calls.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


# --- sentences ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        ("Mr. Smith met Dr. Jones on St. Mark's Road.", ["Mr. Smith met Dr. Jones on St. Mark's Road."]),
        ("Mrs. Patel, e.g. here, i.e. there. Next.", ["Mrs. Patel, e.g. here, i.e. there.", "Next."]),
        ("It rose 2.5 per cent. Then fell.", ["It rose 2.5 per cent.", "Then fell."]),
        ("J. K. Rowling wrote it. She did.", ["J. K. Rowling wrote it.", "She did."]),
        ("Ask for No. 10 today. Please.", ["Ask for No. 10 today.", "Please."]),
        ("The U.S. economy grew. Good.", ["The U.S. economy grew.", "Good."]),
        # dotted initials before a capital: a name or a noun goes on, a sentence opener or a quote ends
        ("Dr J.K. Wong said so. Then he left.", ["Dr J.K. Wong said so.", "Then he left."]),
        ("The U.S. Army moved. It was late.", ["The U.S. Army moved.", "It was late."]),
        ("Prices rose in the U.K. The Bank acted.", ["Prices rose in the U.K.", "The Bank acted."]),
        ('They flew to the U.S. "We are ready," he said.', ["They flew to the U.S.", '"We are ready," he said.']),
        ("It began in the U.S. In May it spread.", ["It began in the U.S.", "In May it spread."]),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
        ("Wait... what happened? Nothing.", ["Wait... what happened?", "Nothing."]),
        ("  spaced \n out   text.  ", ["spaced out text."]),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_long_sentence_split_at_weak_breaks_and_under_limit():
    clause = "the committee heard evidence from residents of the old harbour district"
    sentence = "; ".join([clause] * 12) + "."
    pieces = split_long(sentence)
    assert len(pieces) > 1
    assert all(len(p) <= synth.MAX_CHARS for p in pieces)
    assert all(p.endswith(";") for p in pieces[:-1])  # cut at the clause marks
    assert " ".join(pieces).split() == sentence.split()  # nothing lost


def test_long_sentence_without_punctuation_splits_at_spaces_and_hard_cuts():
    words = " ".join(["word"] * 300)
    assert all(len(p) <= 400 for p in split_long(words))
    blob = "x" * 1000
    assert [len(p) for p in split_long(blob)] == [400, 400, 200]


def _script(*texts: str, voice: str = "narrator") -> Script:
    """One segment a paragraph, all read by ``voice``."""
    segs = tuple(ScriptSegment("narration", t, paragraph=i, voice=voice) for i, t in enumerate(texts))
    return Script("T", segs, voices={"narrator": VOICE})


def test_plan_skips_unspeakable_segments_and_numbers_parts():
    script = _script("First. Second.", " ", "“”", "Third one.")
    got = plan(script)
    assert [(u.segment, u.part, u.text, u.spans) for u in got] == [
        (0, 0, "First.", ()), (0, 1, "Second.", ()), (3, 0, "Third one.", ()),
    ]
    assert all(u.voice == VOICE for u in got)


def test_plan_speaks_a_partial_quote_with_its_sentence_in_one_utterance():
    # narration, a partial quote the narrator reads, narration: one sentence, one voice
    segs = (
        ScriptSegment("narration", "Critics called the plan ", 0, "narrator"),
        ScriptSegment("narration", "reckless", 0, "narrator", open="“", close="”"),
        ScriptSegment("narration", ". It was dropped. Then ", 0, "narrator"),
        ScriptSegment("quote", "No.", 0, "q", open="“", close="”"),
    )
    voices = {"narrator": VOICE, "q": VoiceSettings("q", "gmw/en-us", variant="f3")}
    got = plan(Script("T", segs, voices=voices))
    assert [(u.segment, u.part, u.text) for u in got] == [
        (0, 0, "Critics called the plan reckless."), (2, 0, "It was dropped."), (2, 1, "Then"), (3, 0, "No."),
    ]
    first = got[0].spans
    assert [i for i, _ in first] == [0, 1]  # segment 2 adds only the full stop
    assert first[0][1] == pytest.approx(len("Critics called the plan ") / len("Critics called the plan reckless."))
    assert first[-1][1] == 1.0
    assert got[1].spans == () and got[3].spans == ()


def test_plan_applies_the_spoken_hook():
    got = plan(_script("Dr. Who arrived."), spoken=lambda s: s.replace("Dr.", "Doctor"))
    assert [u.text for u in got] == ["Doctor Who arrived."]


def test_plan_rejects_unknown_voice():
    with pytest.raises(ProfileError):
        plan(_script("Hello.", voice="ghost"))


# --- clip checks ------------------------------------------------------------------------


def test_finish_clip_trims_silence_keeping_a_margin(tmp_path):
    raw = _write_wav(tmp_path / "raw.wav", _speech_like(1.0, pad=0.5))
    frames = finish_clip(raw, tmp_path / "out.wav", text="one two three", wpm=180, rate=RATE)
    margin = 2 * synth.MARGIN
    assert 1.0 <= frames / RATE <= 1.0 + margin + 0.011  # one 10 ms window of slack
    with wave.open(str(tmp_path / "out.wav")) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, RATE, frames)


@pytest.mark.parametrize(
    ("samples", "why"),
    [(None, "empty"), ([0] * RATE, "silent"), (_speech_like(0.05, pad=0.1), "too short")],
)
def test_finish_clip_rejects_bad_clips(tmp_path, samples, why):
    raw = tmp_path / "raw.wav"
    if samples is None:
        raw.write_bytes(b"")
    else:
        _write_wav(raw, samples)
    with pytest.raises(BadClip, match=why):
        finish_clip(raw, tmp_path / "out.wav", text="five words are said here", wpm=180, rate=RATE)
    assert not (tmp_path / "out.wav").exists()


def test_finish_clip_converts_other_formats(tmp_path):
    # 8-bit stereo at 44.1 kHz, as some SAPI5 voices write: goes through ffmpeg.
    mono = _speech_like(0.8, rate=44100)
    stereo = bytes(b for s in mono for b in ((s >> 8) + 128, (s >> 8) + 128))
    raw = _write_wav(tmp_path / "raw.wav", stereo, rate=44100, channels=2, width=1)
    frames = finish_clip(raw, tmp_path / "out.wav", text="two words", wpm=180, rate=RATE)
    with wave.open(str(tmp_path / "out.wav")) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
    assert abs(frames / RATE - 0.8) < 0.1


def test_finish_clip_converts_aiff(tmp_path):
    wav = _write_wav(tmp_path / "src.wav", _speech_like(0.6, rate=22050), rate=22050)
    aiff = tmp_path / "raw.aiff"
    subprocess.run([find_ffmpeg(), "-v", "error", "-i", str(wav), str(aiff)], check=True)
    frames = finish_clip(aiff, tmp_path / "out.wav", text="hi", wpm=180, rate=RATE)
    assert abs(frames / RATE - 0.6) < 0.1


# --- cache and pool --------------------------------------------------------------------


def _utts(*texts: str, voice: VoiceSettings = VOICE) -> list[Utterance]:
    return [Utterance(i, 0, t, voice) for i, t in enumerate(texts)]


def test_cache_miss_then_hit_without_workers(tmp_path, fake_dir, monkeypatch):
    utts = _utts("The first sentence here.", "A second one follows it.", "The first sentence here.")
    seen = []
    clips = synthesize(utts, engine=FAKE, jobs=2, cache_dir=tmp_path, progress=lambda d, t: seen.append((d, t)))
    assert [(c.segment, c.part, c.rate) for c in clips] == [(0, 0, RATE), (1, 0, RATE), (2, 0, RATE)]
    assert clips[0].path == clips[2].path  # same words, same voice: one clip
    assert sorted(_calls(fake_dir)) == sorted(["The first sentence here.", "A second one follows it."])
    assert seen[-1] == (3, 3)
    for c in clips:
        assert c.path.parent.parent == tmp_path / "clips" and c.path.name.startswith(c.path.parent.name)
        assert 0.5 < c.duration < 2.0

    def no_workers(*a, **k):
        raise AssertionError("a worker was started although everything is cached")

    monkeypatch.setattr(synth, "_Worker", no_workers)
    again = synthesize(utts, engine=FAKE, cache_dir=tmp_path)
    assert again == clips
    assert len(_calls(fake_dir)) == 2


def test_workers_for_counts_one_per_share_of_words_within_jobs():
    per = synth.WORDS_PER_WORKER
    assert synth.workers_for(0, 4) == 1
    assert synth.workers_for(per, 4) == 1
    assert synth.workers_for(per + 1, 4) == 2
    assert synth.workers_for(100 * per, 4) == 4
    assert synth.workers_for(100 * per, 1) == 1


def _workers_used(state: Path) -> int:
    return len(set((state / "pids.log").read_text().split()))


def test_short_work_takes_one_worker_and_long_work_takes_jobs(tmp_path, fake_dir):
    # a second worker costs more than it saves on a few sentences...
    synthesize(_utts(*(f"Short sentence number {i} is here." for i in range(12))), engine=FAKE, jobs=2, cache_dir=tmp_path)
    assert _workers_used(fake_dir) == 1
    (fake_dir / "pids.log").unlink()
    # ...and is worth it on enough words, even with none started ahead
    words = " ".join(["word"] * 100)
    synthesize(_utts(*(f"Long sentence {i}: {words}." for i in range(12))), engine=FAKE, jobs=2, cache_dir=tmp_path)
    assert _workers_used(fake_dir) == 2


def test_cache_key_covers_voice_text_and_engine():
    base = synth.clip_key("espeak", "1", VOICE, "Hello.")
    assert base != synth.clip_key("espeak", "2", VOICE, "Hello.")
    assert base != synth.clip_key("pyttsx3", "1", VOICE, "Hello.")
    assert base != synth.clip_key("espeak", "1", VOICE, "Hello!")
    for change in ({"variant": "f3"}, {"rate": 171}, {"pitch": 40}, {"volume": 0.9}, {"voice_id": "gmw/en"}):
        assert base != synth.clip_key("espeak", "1", VoiceSettings(**{**VOICE.to_dict(), **change}), "Hello.")
    # The profile's name for a voice does not shape the audio.
    assert base == synth.clip_key("espeak", "1", VoiceSettings(**{**VOICE.to_dict(), "name": "x"}), "Hello.")


def test_cache_dir_from_environment(tmp_path, fake_dir, monkeypatch):
    monkeypatch.setenv("AUDIOBOOK_CACHE_DIR", str(tmp_path / "envcache"))
    (clip,) = synthesize(_utts("Cached through the environment."), engine=FAKE, jobs=1)
    assert clip.path.is_relative_to(tmp_path / "envcache")


def test_hanging_worker_is_replaced_and_retried(tmp_path, fake_dir, caplog):
    started = time.monotonic()
    with caplog.at_level("INFO", logger="audiobook.synthesize"):
        clips = synthesize(_utts("This HANG-ONCE sentence hangs.", "This one is fine."),
                           engine=FAKE, jobs=2, cache_dir=tmp_path, timeout=3)
    assert len(clips) == 2 and all(c.frames > 0 for c in clips)
    assert _calls(fake_dir).count("This HANG-ONCE sentence hangs.") == 2
    assert time.monotonic() - started < 60
    assert "1 needed a retry" in caplog.text


def test_dead_worker_is_replaced_and_retried(tmp_path, fake_dir):
    (clip,) = synthesize(_utts("The CRASH-ONCE worker dies."), engine=FAKE, jobs=1, cache_dir=tmp_path)
    assert clip.frames > 0
    assert len(_calls(fake_dir)) == 2


def test_tasks_waiting_behind_a_crash_are_done_once_and_not_counted_as_failures(tmp_path, fake_dir, caplog):
    # one worker holds the next sentence in its pipe while it speaks: the crash
    # on the first must hand that one back untried, not lose it or blame it
    texts = ["The CRASH-ONCE worker dies.", "The second sentence waits.", "A third one follows."]
    with caplog.at_level("INFO", logger="audiobook.synthesize"):
        clips = synthesize(_utts(*texts), engine=FAKE, jobs=1, cache_dir=tmp_path)
    assert [c.segment for c in clips] == [0, 1, 2] and all(c.frames > 0 for c in clips)
    calls = _calls(fake_dir)
    assert calls.count(texts[0]) == 2 and calls.count(texts[1]) == 1 and calls.count(texts[2]) == 1
    assert "1 needed a retry" in caplog.text


def test_repeated_failure_raises_synthesis_error_naming_the_text(tmp_path, fake_dir):
    with pytest.raises(SynthesisError) as info:
        synthesize(_utts("This ALWAYS-FAIL sentence never works."), engine=FAKE, jobs=1,
                   cache_dir=tmp_path, attempts=2)
    assert "ALWAYS-FAIL sentence" in info.value.message and "2 attempts" in info.value.message
    assert info.value.hint
    assert len(_calls(fake_dir)) == 2


def test_empty_clip_counts_as_failure(tmp_path, fake_dir):
    with pytest.raises(SynthesisError, match="empty file"):
        synthesize(_utts("An EMPTY clip comes back."), engine=FAKE, jobs=1, cache_dir=tmp_path, attempts=2)
    assert not list(tmp_path.rglob("*.wav"))  # nothing bad reaches the cache


def test_unknown_voice_is_not_retried(tmp_path, fake_dir):
    voice = VoiceSettings("narrator", "nope", rate=180)
    with pytest.raises(ProfileError, match="nope"):
        synthesize(_utts("Hello there.", voice=voice), engine=FAKE, jobs=1, cache_dir=tmp_path)
    assert len(_calls(fake_dir)) == 1


def test_worker_output_stays_off_stdout(tmp_path, fake_dir, capfd):
    synthesize(_utts("Some NOISE while speaking."), engine=FAKE, jobs=1, cache_dir=tmp_path)
    out, _ = capfd.readouterr()
    assert "noise" not in out


def test_engine_info_for_a_module_spec_does_not_build_the_engine():
    assert engine_info(FAKE) == (FAKE, "fake 1")


def test_empty_utterance_is_refused_before_any_work(tmp_path):
    with pytest.raises(SynthesisError):
        synthesize(_utts("   "), engine=FAKE, cache_dir=tmp_path)


def test_a_prestarted_worker_joins_the_pool_of_its_engine(fake_dir):
    synth.prestart(FAKE)
    early = synth._prestarted
    assert early is not None and len(early.workers) == 1
    process = early.workers[0].proc
    pool = synth.start_workers(FAKE, jobs=1)
    try:
        assert pool is early and synth._prestarted is None
        assert [w.proc for w in pool.workers] == [process]  # adopted, not started again
    finally:
        pool.close()
    assert not process.is_alive()


def test_a_prestarted_worker_no_build_takes_is_stopped(fake_dir):
    synth.prestart(FAKE)
    process = synth._prestarted.workers[0].proc
    synth.close_prestarted()
    assert synth._prestarted is None and not process.is_alive()
