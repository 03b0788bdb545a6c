"""Tagging: write-then-read round trips on MP3s made by the real stitch stage."""
from __future__ import annotations

import shutil
import wave

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audiobook import __version__
from audiobook.errors import TagError
from audiobook.models import NARRATION, QUOTE, Clip, Script, ScriptSegment
from audiobook.stitch import stitch
from audiobook.tag import normalise_date, read_tags, tag

RATE = 22050

SCRIPT = Script(
    title="Café owners say “enough” to rent rises",
    segments=(
        ScriptSegment(NARRATION, "Café owners say “enough” to rent rises", 0, "narrator"),
        ScriptSegment(NARRATION, "The owner of Zoë’s ", 1, "narrator"),
        ScriptSegment(NARRATION, "said it plainly: ", 1, "narrator"),
        ScriptSegment(QUOTE, "We can’t go on.", 1, "quote-1", speaker="Zoë", open="“", close="”"),
    ),
    author="Renée Müller",
    date="March 5th, 2024",
    source="https://example.org/news/café",
)
TRANSCRIPT = (
    "Café owners say “enough” to rent rises\n\n"
    "The owner of Zoë’s said it plainly: “We can’t go on.”"
)


@pytest.fixture(scope="module")
def made_mp3(tmp_path_factory):
    """One untagged MP3 from the stitch stage, copied for each test."""
    folder = tmp_path_factory.mktemp("mp3")
    wav = folder / "clip.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        t = np.arange(RATE) / RATE
        w.writeframes((8000 * np.sin(2 * np.pi * 330 * t)).astype("<i2").tobytes())
    out = folder / "plain.mp3"
    stitch(Script("t", (SCRIPT.segments[0],)), [Clip(0, 0, wav, RATE, RATE)], out)
    return out


@pytest.fixture
def mp3(made_mp3, tmp_path):
    copy = tmp_path / "episode.mp3"
    shutil.copyfile(made_mp3, copy)
    return copy


def test_v23_round_trip(mp3):
    tag(mp3, SCRIPT, show="Morning Brief")
    raw = ID3(mp3, translate=False)  # the frames as stored, not upgraded to v2.4
    assert raw.version[:2] == (2, 3)
    assert str(raw["TYER"]) == "2024" and str(raw["TDAT"]) == "0503"  # DDMM
    assert "TDRC" not in raw
    assert all(f.encoding in (0, 1) for f in raw.values() if hasattr(f, "encoding"))

    got = read_tags(mp3)
    assert got == {
        "id3_version": "2.3",
        "title": SCRIPT.title,
        "artist": "Renée Müller",
        "album": "Morning Brief",
        "date": "2024-03-05",
        "genre": "Podcast",
        "length": got["length"],
        "software": f"audiobook {__version__}",
        "encoded_by": "audiobook",
        "comment": "https://example.org/news/café",
        "transcript": TRANSCRIPT,
    }
    # TLEN is within 50 ms of the real length (0.3 + 1.0 + 0.7 s)
    assert int(got["length"]) == pytest.approx(2000, abs=50)


def test_v24_option(mp3):
    tag(mp3, SCRIPT, id3_version=4, comment="From the wire", transcript="Short text.")
    raw = ID3(mp3, translate=False)
    assert raw.version[:2] == (2, 4)
    assert str(raw["TDRC"]) == "2024-03-05"
    got = read_tags(mp3)
    assert got["id3_version"] == "2.4"
    assert got["comment"] == "From the wire"
    assert got["transcript"] == "Short text."
    assert "album" not in got


def test_tagging_twice_replaces_the_tag(mp3):
    tag(mp3, SCRIPT, show="First", id3_version=4)
    tag(mp3, SCRIPT)
    tags = ID3(mp3)
    assert tags.version[:2] == (2, 3)
    assert "TALB" not in tags
    assert len(tags.getall("USLT")) == len(tags.getall("COMM")) == 1


def test_audio_is_untouched(mp3):
    before = MP3(mp3).info
    tag(mp3, SCRIPT)
    after = MP3(mp3).info
    assert (after.length, after.sample_rate, after.bitrate) == (
        before.length, before.sample_rate, before.bitrate,
    )


def test_optional_fields_left_out(mp3):
    bare = Script("Just a title", SCRIPT.segments[:1], source="-")
    tag(mp3, bare)
    got = read_tags(mp3)
    assert got["title"] == "Just a title"
    for key in ("artist", "album", "date", "comment"):
        assert key not in got
    assert got["transcript"] == SCRIPT.segments[0].text


def test_read_tags_of_untagged_mp3(mp3):
    assert read_tags(mp3) == {}


def test_errors(tmp_path, mp3):
    not_mp3 = tmp_path / "notes.mp3"
    not_mp3.write_text("hello")
    with pytest.raises(TagError) as info:
        tag(not_mp3, SCRIPT)
    assert info.value.hint
    with pytest.raises(TagError):
        tag(tmp_path / "missing.mp3", SCRIPT)
    with pytest.raises(TagError, match="3 or 4"):
        tag(mp3, SCRIPT, id3_version=2)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-05", "2024-03-05"),
        ("2024-03-05T10:00:00Z", "2024-03-05"),
        ("2024/3/5", "2024-03-05"),
        ("5 March 2024", "2024-03-05"),
        ("5th Mar. 2024", "2024-03-05"),
        ("March 5, 2024", "2024-03-05"),
        ("Sept. 15th, 2023", "2023-09-15"),
        ("Tue, 5 Mar 2024 10:00:00 GMT", "2024-03-05"),
        ("Updated June 2024", "2024-06"),
        ("03/05/2024", "2024"),
        ("2024-02-30", "2024"),
        ("2024", "2024"),
        ("yesterday", None),
    ],
)
def test_normalise_date(text, expected):
    assert normalise_date(text) == expected


def test_month_only_date_in_v23(mp3):
    from dataclasses import replace

    tag(mp3, replace(SCRIPT, date="June 2024"))
    raw = ID3(mp3, translate=False)
    assert str(raw["TYER"]) == "2024" and "TDAT" not in raw  # v2.3 has no month-only field
    assert read_tags(mp3)["date"] == "2024"
