"""End to end, segment by segment: every voiced segment is heard, for about as long as its words need.

test_end_to_end.py checks the bundled example's segments for a minimum length
(0.1 s) and level (-40 dBFS).  This builds an article of its own through the
pyttsx3 bindings to eSpeak and the real ffmpeg, with the cases the segmenter
finds hardest (a quote split around its attribution, a partial quote the
narrator reads inside his sentence, a straight-quoted quote, a quote never
closed, apostrophes), and holds every voiced segment's stretch of the decoded
MP3 to its word count: loud enough, and between 0.3x and 3x the time its words
take at its voice's rate.
"""
from __future__ import annotations

import json
import os

import pytest

from audiobook.models import NARRATION, QUOTE
from audiobook.synthesize import MIN_LENGTH_SHARE, speakable, word_count

from .audio_tools import RATE, decode, rms_dbfs, span
from .test_end_to_end import TAIL, run

ARTICLE = """Harrowfield library opens its doors again

By Ines Marlow

The library on Quay Street reopened on Saturday after three years of repairs to its roof and cellar.

“We waited a very long time for this morning,” said the head librarian, Ruth Caldwell. “Every shelf is full again.”

The council called the repairs “a modest gamble that paid off” in its yearly report.

"Children come in after school and stay until we close," said Omar Haddad, a volunteer who's 68.

Caldwell added: “From next month we will open on Sundays, and the café will follow in the spring.

The building's repairs cost four million pounds.
"""

#: share of the expected time a segment may take, at least (finish_clip rejects clips under MIN_LENGTH_SHARE)
SHORTEST = 0.3
#: and at most: pauses between a segment's sentences lengthen it, but not threefold
LONGEST = 3.0
#: a voiced segment's level; pauses measure below -50 dBFS, speech near -20
LOUD_DBFS = -35.0
#: loudest 50 ms window, so that a span that is mostly pause still holds real speech
PEAK_WINDOW_DBFS = -25.0


@pytest.fixture(scope="module")
def episode(tmp_path_factory):
    out = tmp_path_factory.mktemp("library")
    article = out / "library.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    env = {**os.environ, "AUDIOBOOK_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    res = run("build", str(article), "-o", str(out), "--engine", "pyttsx3", env=env)
    assert res.returncode == 0, res.stderr
    script = json.loads((out / "library.json").read_text(encoding="utf-8"))
    return script, decode(out / "library.mp3")


def voiced(script):
    return [s for s in script["segments"] if speakable(s["text"])]


def measure(script, audio):
    """Per voiced segment: (segment, RMS dBFS, loudest 50 ms window dBFS, duration / expected)."""
    window = int(0.05 * RATE)
    rows = []
    for s in voiced(script):
        x = span(audio, s["start"], s["end"])
        peak = max((rms_dbfs(x[i:i + window]) for i in range(0, max(1, len(x) - window + 1), window // 2)),
                   default=float("-inf"))
        expected = word_count(s["text"]) * 60.0 / script["voices"][s["voice"]]["rate"]
        rows.append((s, rms_dbfs(x), peak, (s["end"] - s["start"]) / expected))
    return rows


def test_the_article_has_the_hard_cases(episode):
    script, _ = episode
    segs = script["segments"]
    quotes = [s for s in segs if s["kind"] == QUOTE]
    # a quote split around its attribution, both halves in a quote voice
    assert [s["text"] for s in quotes[:2]] == ["We waited a very long time for this morning,", "Every shelf is full again."]
    # the partial quote is read by the narrator, in his sentence
    partial = next(s for s in segs if s["text"] == "a modest gamble that paid off")
    assert (partial["kind"], partial["voice"], partial["open"], partial["close"]) == (NARRATION, "narrator", "“", "”")
    # straight marks, and an apostrophe that closes nothing
    assert any(s["text"].endswith("until we close,") and s["open"] == '"' for s in quotes)
    # the unclosed quote runs to the end of its paragraph and no further
    unclosed = next(s for s in quotes if s["text"].startswith("From next month"))
    assert unclosed["close"] == "" and unclosed["text"].endswith("in the spring.")
    assert segs[-1]["kind"] == NARRATION and segs[-1]["text"] == "The building's repairs cost four million pounds."
    assert {s["voice"] for s in quotes} - {"narrator"}, "no quote voice was used"


def test_voiced_segments_follow_each_other_in_the_audio(episode):
    script, audio = episode
    segs = voiced(script)
    assert len(segs) >= 9
    for a, b in zip(segs, segs[1:]):
        assert a["start"] < a["end"] <= b["start"] + 1e-3, (a, b)
    assert abs(len(audio) / RATE - (segs[-1]["end"] + TAIL)) < 0.1


def test_every_voiced_segment_is_heard(episode):
    rows = measure(*episode)
    for s, level, peak, _ in rows:
        assert level > LOUD_DBFS, (s, level)
        assert peak > PEAK_WINDOW_DBFS, (s, peak)
    levels = [level for _, level, _, _ in rows]
    print(f"segment RMS {min(levels):.1f} to {max(levels):.1f} dBFS")


def test_every_voiced_segment_lasts_about_as_long_as_its_words(episode):
    assert SHORTEST >= MIN_LENGTH_SHARE  # never laxer than the check on each clip
    rows = measure(*episode)
    for s, _, _, ratio in rows:
        assert SHORTEST <= ratio <= LONGEST, (s, ratio)
    ratios = [ratio for _, _, _, ratio in rows]
    print(f"duration / expected {min(ratios):.2f} to {max(ratios):.2f}")


def test_the_pauses_between_segments_are_silent(episode):
    script, audio = episode
    segs = voiced(script)
    gaps = [span(audio, a["end"] + 0.04, b["start"] - 0.04) for a, b in zip(segs, segs[1:])]
    gaps = [g for g in gaps if len(g) > 0.05 * RATE]
    assert gaps
    assert max(rms_dbfs(g) for g in gaps) < -50
