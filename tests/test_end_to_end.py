"""End to end: the real CLI, the real speech engine, the real ffmpeg, the real MP3."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mutagen.mp3 import MP3

from audiobook.clean import clean
from audiobook.load import load
from audiobook.tag import read_tags

from .audio_tools import decode, loudness, median_pitch, rms_dbfs, semitones, span

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ferry-returns.txt"
TAIL = 0.7  # silence stitch adds after the last clip

SHORT = """Lighthouse keeper retires after forty years

By Tom Baxter

The keeper of the Gull Point light climbed its stairs for the last time on Friday.

“I have loved every single night up there,” said Peter Nolan, who is 71. “The sea was my only boss.”

He will move inland to live with his daughter.
"""


def run(*args: str, env: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "audiobook", *args], capture_output=True, text=True, env=env, input=stdin, timeout=600
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return {**os.environ, "AUDIOBOOK_CACHE_DIR": str(cache)}


@pytest.fixture(scope="module")
def example(tmp_path_factory, env):
    """The bundled example article built once, as the README's Quick start does."""
    out = tmp_path_factory.mktemp("out")
    res = run("build", str(EXAMPLE), "-o", str(out), "--show", "Kelby Evening", env=env)
    assert res.returncode == 0, res.stderr
    mp3, js = out / "ferry-returns.mp3", out / "ferry-returns.json"
    return {"out": out, "mp3": mp3, "script": json.loads(js.read_text(encoding="utf-8")), "stdout": res.stdout}


EPISODE_FILES = [".chapters.json", ".jpg", ".json", ".mp3", ".srt", ".vtt"]


def test_build_writes_the_episode_files_and_nothing_else(example):
    assert sorted(p.name for p in example["out"].iterdir()) == sorted(f"ferry-returns{s}" for s in EPISODE_FILES)
    assert "ferry-returns.mp3" in example["stdout"]


def test_mp3_format_and_duration_match_the_script(example):
    info = MP3(example["mp3"]).info
    assert (info.sample_rate, info.channels) == (44100, 1)
    assert abs(info.bitrate - 96000) <= 8000
    segments = example["script"]["segments"]
    last_end = max(s["end"] for s in segments)
    # mutagen counts the encoder's padding (about 30 ms); the decoded audio is exact
    decoded = len(decode(example["mp3"])) / 22050
    assert abs(decoded - (last_end + TAIL)) < 0.1
    assert abs(info.length - decoded) < 0.1
    assert 60 < decoded < 400  # about 430 words at 170 words a minute, plus pauses


def test_script_json_follows_the_contract(example):
    script = example["script"]
    assert script["title"] == "Night ferry to return to Kelby harbour after a decade away"
    segs = script["segments"]
    for s in segs:
        assert {"kind", "text", "speaker", "voice", "paragraph", "start", "end"} <= set(s)
        assert s["kind"] in ("narration", "quote")
        assert s["voice"] in script["voices"]
        assert s["start"] <= s["end"]
    starts = [s["start"] for s in segs]
    assert starts == sorted(starts)
    # joining the segments gives back the cleaned article
    paragraphs: dict[int, str] = {}
    for s in segs:
        paragraphs[s["paragraph"]] = paragraphs.get(s["paragraph"], "") + s.get("open", "") + s["text"] + s.get("close", "")
    assert tuple(paragraphs[i] for i in sorted(paragraphs)) == clean(load(str(EXAMPLE))).paragraphs
    # no ad marker, byline or share button reached the script
    text = " ".join(paragraphs.values())
    for junk in ("[ad_", "Share this", "Advertisement", "Follow us", "By Martha"):
        assert junk not in text
    quotes = [s for s in segs if s["kind"] == "quote"]
    assert any(s["text"].startswith("My father worked") and s["close"] == "" for s in quotes)
    assert any("‘a conservative estimate’" in s["text"] for s in quotes)  # nested quote stays inside
    assert not any(s["text"].startswith("90s") for s in quotes)  # ’90s is an apostrophe


def test_tags_read_back(example):
    tags = read_tags(example["mp3"])
    assert tags["id3_version"] == "2.3"
    assert tags["title"] == "Night ferry to return to Kelby harbour after a decade away"
    assert tags["artist"] == "Martha Okafor"
    assert tags["album"] == "Kelby Evening"
    assert tags["genre"] == "Podcast"
    assert tags["date"].startswith("2026")
    assert "ferry-returns.txt" in tags["comment"]
    assert tags["transcript"].startswith("Night ferry to return")
    assert "“Bringing it back won’t fix everything, but it’s a start.”" in tags["transcript"]


def _voice_pitches(audio, segs) -> dict[str, float]:
    """Median pitch of each voice over its segments longer than 1.5 s."""
    import numpy as np

    out = {}
    for voice in {s["voice"] for s in segs}:
        chunks = [span(audio, s["start"], s["end"]) for s in segs if s["voice"] == voice and s["end"] - s["start"] > 1.5]
        if chunks:
            out[voice] = median_pitch(np.concatenate(chunks))
    return out


def test_quotes_are_spoken_in_clearly_different_voices(example):
    audio = decode(example["mp3"])
    segs = example["script"]["segments"]
    pitches = _voice_pitches(audio, segs)
    narrator = pitches.pop("narrator")
    assert 70 < narrator < 160
    assert len(pitches) >= 2, pitches  # at least two quote voices were heard
    for voice, pitch in pitches.items():
        assert semitones(narrator, pitch) >= 5, (voice, narrator, pitch)


def test_every_segment_is_heard_and_pauses_are_silent(example):
    audio = decode(example["mp3"])
    segs = [s for s in example["script"]["segments"] if any(c.isalnum() for c in s["text"])]
    for s in segs:
        assert s["end"] - s["start"] > 0.1, s
        assert rms_dbfs(span(audio, s["start"], s["end"])) > -40, s
    # the pause between paragraphs is longer than within one, and silent
    gaps = [(b["start"] - a["end"], a["paragraph"] != b["paragraph"]) for a, b in zip(segs, segs[1:])]
    between = [g for g, new_para in gaps if new_para]
    within = [g for g, new_para in gaps if not new_para]
    assert min(between) > max(within) - 0.05
    a, b = segs[1], segs[2]
    assert rms_dbfs(span(audio, a["end"] + 0.05, b["start"] - 0.05)) < -50


def test_episode_is_at_podcast_loudness(example):
    lufs, true_peak = loudness(example["mp3"])  # ffmpeg's ebur128=peak=true on the final MP3
    assert abs(lufs - -16.0) <= 1.0, lufs
    assert true_peak <= -1.0, true_peak


def test_rebuild_reuses_the_clip_cache_and_gives_the_same_audio(example, env, tmp_path):
    res = run("build", str(EXAMPLE), "-o", str(tmp_path / "again.mp3"), "--show", "Kelby Evening", env=env)
    assert res.returncode == 0, res.stderr
    assert abs(MP3(tmp_path / "again.mp3").info.length - MP3(example["mp3"]).info.length) < 0.01
    assert (tmp_path / "again.json").exists()


def test_pyttsx3_driver_path_end_to_end(tmp_path, env):
    article = tmp_path / "keeper.txt"
    article.write_text(SHORT, encoding="utf-8")
    res = run("build", str(article), "-o", str(tmp_path), "--engine", "pyttsx3", "-j", "1", env=env)
    assert res.returncode == 0, res.stderr
    mp3 = tmp_path / "keeper.mp3"
    script = json.loads((tmp_path / "keeper.json").read_text(encoding="utf-8"))
    decoded = decode(mp3)
    assert abs(len(decoded) / 22050 - (max(s["end"] for s in script["segments"]) + TAIL)) < 0.1
    assert read_tags(mp3)["artist"] == "Tom Baxter"
    pitches = _voice_pitches(decoded, script["segments"])
    narrator = pitches.pop("narrator")
    assert pitches, "no quote long enough to measure"
    assert all(semitones(narrator, p) >= 5 for p in pitches.values()), (narrator, pitches)


def test_stdin_build(tmp_path, env):
    res = run("build", "-", "-o", str(tmp_path), env=env, stdin=SHORT)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "lighthouse-keeper-retires-after-forty-years.mp3").exists()


def test_batch_goes_on_past_a_bad_article_and_reports_it(tmp_path, env):
    good = tmp_path / "good.txt"
    good.write_text(SHORT, encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00\x00binary")
    out = tmp_path / "out"
    res = run("build", str(bad), str(good), "-o", str(out), env=env)
    assert res.returncode == 1
    assert "bad.txt" in res.stderr and "Traceback" not in res.stderr
    assert (out / "good.mp3").exists() and not (out / "bad.mp3").exists()


def test_a_failed_build_leaves_the_previous_episode_untouched(tmp_path, env):
    article = tmp_path / "keeper.txt"
    article.write_text(SHORT, encoding="utf-8")
    assert run("build", str(article), "-o", str(tmp_path), env=env).returncode == 0
    before = (tmp_path / "keeper.mp3").read_bytes(), (tmp_path / "keeper.json").read_bytes()
    broken = tmp_path / "ffmpeg"
    broken.write_text("#!/bin/sh\necho 'encoder exploded' >&2\nexit 1\n")
    broken.chmod(0o755)
    article.write_text(SHORT.replace("71", "72"), encoding="utf-8")
    res = run("build", str(article), "-o", str(tmp_path), env={**env, "AUDIOBOOK_FFMPEG": str(broken)})
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert ((tmp_path / "keeper.mp3").read_bytes(), (tmp_path / "keeper.json").read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["ffmpeg", "keeper.txt"] + [f"keeper{s}" for s in EPISODE_FILES])
