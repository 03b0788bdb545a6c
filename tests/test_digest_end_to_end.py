"""A three-article digest through the real engine and ffmpeg, checked as a podcast app would."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from audiobook.stitch import find_ffmpeg
from audiobook.tag import read_chapters, read_cover, read_tags

from .audio_tools import decode, loudness, rms_dbfs, span

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = [
    ROOT / "examples" / "ferry-returns.txt",
    ROOT / "tests" / "data" / "articles" / "bakery-award.txt",
    ROOT / "tests" / "data" / "articles" / "library-hours.md",
]


def run(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "audiobook", *args], capture_output=True, text=True, env=env, timeout=600)


def jingle(path: Path, seconds: float = 2.0, rate: int = 44100) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 523.25 * t) * np.minimum(1, (seconds - t) * 4)).astype(np.float64)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((tone * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture(scope="module")
def digest(tmp_path_factory):
    out = tmp_path_factory.mktemp("digest")
    env = {**os.environ, "AUDIOBOOK_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    intro = jingle(tmp_path_factory.mktemp("audio") / "jingle.wav")
    res = run(
        "build", *map(str, ARTICLES), "--episode", "evening.mp3", "-o", str(out),
        "--show", "Kelby Evening", "--date", "2026-11-27", "--intro", str(intro), env=env,
    )
    assert res.returncode == 0, res.stderr
    mp3 = out / "evening.mp3"
    script = json.loads((out / "evening.json").read_text(encoding="utf-8"))
    return {"out": out, "mp3": mp3, "script": script, "env": env, "intro": 2.0}


def test_digest_is_at_podcast_loudness(digest):
    lufs, true_peak = loudness(digest["mp3"])
    assert abs(lufs - -16.0) <= 1.0 and true_peak <= -1.0, (lufs, true_peak)


def test_digest_opens_with_the_jingle_then_the_show_line(digest):
    segs = digest["script"]["segments"]
    assert segs[0]["text"] == "This is Kelby Evening for Friday 27 November 2026."
    assert segs[0]["start"] == pytest.approx(digest["intro"] + 0.3, abs=0.01)
    audio = decode(digest["mp3"])
    assert rms_dbfs(span(audio, 0.2, 1.5)) > -30  # the jingle is heard


def test_chapters_one_per_article_and_section_read_back_by_mutagen_and_ffmpeg(digest):
    expected = [c["title"] for c in digest["script"]["chapters"]]
    assert expected == [
        "Kelby Evening",
        "Night ferry to return to Kelby harbour after a decade away",
        "Corner bakery wins regional bread prize",
        "Library to open on Sundays from spring",
        "Library to open on Sundays from spring: What changes",
        "Library to open on Sundays from spring: Who pays",
    ]
    tagged = read_chapters(digest["mp3"])
    assert [c["title"] for c in tagged] == expected
    for got, want in zip(tagged, digest["script"]["chapters"]):
        assert got["start"] == pytest.approx(want["start"], abs=0.002)
    # ffmpeg (what ffprobe would report; this machine has no ffprobe) sees them in order too
    meta = subprocess.run([find_ffmpeg(), "-v", "error", "-i", str(digest["mp3"]), "-f", "ffmetadata", "-"], capture_output=True, text=True, check=True).stdout
    assert re.findall(r"^title=(.*)$", meta, re.M)[-len(expected):] == expected
    starts = [int(x) / 1000 for x in re.findall(r"^START=(\d+)$", meta, re.M)]
    assert starts == pytest.approx([c["start"] for c in digest["script"]["chapters"]], abs=0.1)


def test_articles_are_separated_by_a_silent_chapter_pause(digest):
    audio = decode(digest["mp3"])
    segs = digest["script"]["segments"]
    for chapter in digest["script"]["chapters"][1:4]:
        first = segs[chapter["first_segment"]]
        before = max(s["end"] for s in segs[: chapter["first_segment"]] if s["end"] <= first["start"])
        assert first["start"] - before >= 1.45
        assert rms_dbfs(span(audio, before + 0.1, first["start"] - 0.1)) < -50


def test_cover_is_embedded_and_square(digest):
    from PIL import Image

    data, mime = read_cover(digest["mp3"])
    assert mime == "image/jpeg"
    image = Image.open(io.BytesIO(data))
    assert image.size == (1400, 1400)
    assert read_tags(digest["mp3"])["album"] == "Kelby Evening"


def _vtt_cues(text: str) -> list[tuple[float, float, str]]:
    def secs(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    out = []
    for block in text.split("\n\n")[1:]:
        lines = block.strip().splitlines()
        if lines and "-->" in lines[0]:
            a, b = lines[0].split(" --> ")
            out.append((secs(a), secs(b.split()[0]), " ".join(lines[1:])))
    return out


def test_vtt_cues_follow_the_script_timings(digest):
    vtt = (digest["out"] / "evening.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT")
    cues = _vtt_cues(vtt)
    segs = [s for s in digest["script"]["segments"] if any(c.isalnum() for c in s["text"])]
    assert cues[0][0] == pytest.approx(segs[0]["start"], abs=0.1)
    assert cues[-1][1] == pytest.approx(segs[-1]["end"], abs=0.1)
    starts = [s["start"] for s in segs]
    for a, b, _ in cues:
        assert a < b
        # every cue starts where a segment starts, or inside one (a sentence of a long segment)
        assert any(abs(a - x) < 0.1 for x in starts) or any(s["start"] < a < s["end"] for s in segs)
    assert [c[0] for c in cues] == sorted(c[0] for c in cues)
    assert any("<v Tomasz Nowak>" in c[2] for c in cues)
    chapters = json.loads((digest["out"] / "evening.chapters.json").read_text(encoding="utf-8"))
    assert [c["title"] for c in chapters["chapters"]] == [c["title"] for c in digest["script"]["chapters"]]


def test_feed_lists_the_digest_with_its_chapters_and_transcript(digest):
    import feedparser

    res = run("feed", str(digest["out"]), "--base-url", "http://127.0.0.1:8000", "--title", "Kelby Evening", "--author", "Kelby Newsroom", env=digest["env"])
    assert res.returncode == 0, res.stderr
    xml = (digest["out"] / "feed.xml").read_text(encoding="utf-8")
    feed = feedparser.parse(xml)
    assert feed.feed.title == "Kelby Evening"
    item = feed.entries[0]
    assert item.enclosures[0].href == "http://127.0.0.1:8000/evening.mp3"
    assert int(item.enclosures[0].length) == digest["mp3"].stat().st_size
    assert "evening.chapters.json" in xml and "evening.vtt" in xml
