"""Tagging: write-then-read round trips on MP3s made by the real stitch stage."""
from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import replace

import numpy as np
import pytest
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3

from audiobook import __version__
from audiobook.errors import InputError, TagError
from audiobook.models import NARRATION, QUOTE, Chapter, Clip, Script, ScriptSegment
from audiobook.stitch import find_ffmpeg, stitch
from audiobook.tag import normalise_date, read_chapters, read_cover, read_tags, tag

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


@pytest.mark.parametrize("version", [3, 4])
def test_the_articles_address_is_a_woas_frame(mp3, version):
    tag(mp3, replace(SCRIPT, url="https://example.org/news/café-owners?id=7"), id3_version=version)
    (frame,) = ID3(mp3, translate=False).getall("WOAS")
    assert frame.url == "https://example.org/news/caf%C3%A9-owners?id=7"  # URL frames are Latin-1: percent-encoded
    assert read_tags(mp3)["url"] == frame.url
    tag(mp3, SCRIPT)  # no address, no frame
    assert "url" not in read_tags(mp3)


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
    tag(mp3, replace(SCRIPT, date="June 2024"))
    raw = ID3(mp3, translate=False)
    assert str(raw["TYER"]) == "2024" and "TDAT" not in raw  # v2.3 has no month-only field
    assert read_tags(mp3)["date"] == "2024"


# --- chapters ----------------------------------------------------------------

# the 2.0 s MP3 of the fixture: 0.3 s lead-in, 1.0 s of tone, 0.7 s tail.
# The titles get shorter: mutagen would write their frames smallest first.
CHAPTERED = replace(
    SCRIPT, chapters=(Chapter("Café headline", 0), Chapter("Zoë’s view", 1), Chapter("Last word", 3))
).with_timings([(0.3, 0.7), (0.7, 1.0), (1.0, 1.1), (1.1, 1.3)], 2.0)
EXPECTED_CHAPTERS = [
    {"id": "ch0", "title": "Café headline", "start": 0.0, "end": 0.7},
    {"id": "ch1", "title": "Zoë’s view", "start": 0.7, "end": 1.1},
    {"id": "ch2", "title": "Last word", "start": 1.1, "end": 2.0},
]


def ffmetadata_chapters(mp3) -> list[dict[str, str]]:
    """The chapters as ffmpeg decodes them: its ffmetadata output, [CHAPTER] by [CHAPTER]."""
    text = subprocess.run(
        [find_ffmpeg(), "-v", "error", "-i", str(mp3), "-f", "ffmetadata", "-"],
        check=True, capture_output=True, text=True, encoding="utf-8",
    ).stdout
    chapters = []
    for block in text.split("[CHAPTER]")[1:]:
        chapters.append(dict(line.split("=", 1) for line in block.strip().splitlines() if "=" in line))
    return chapters


@pytest.mark.parametrize("version", [3, 4])
def test_chapters_round_trip(mp3, version):
    tag(mp3, CHAPTERED, id3_version=version)
    raw = ID3(mp3, translate=False)
    assert raw.version[:2] == (2, version)

    tocs = raw.getall("CTOC")
    assert len(tocs) == 1  # ONE table of contents, top-level and ordered: what apps look for
    toc = tocs[0]
    assert toc.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    assert toc.child_element_ids == ["ch0", "ch1", "ch2"]
    assert str(toc.sub_frames["TIT2"]) == CHAPTERED.title

    chaps = {f.element_id: f for f in raw.getall("CHAP")}
    assert [(chaps[c["id"]].start_time, chaps[c["id"]].end_time) for c in EXPECTED_CHAPTERS] == [
        (0, 700), (700, 1100), (1100, 2000)
    ]
    if version == 3:  # no UTF-8 in v2.3, in sub-frames either
        assert all(f.sub_frames["TIT2"].encoding in (0, 1) for f in [*chaps.values(), toc])

    assert read_chapters(mp3) == EXPECTED_CHAPTERS
    assert read_tags(mp3)["title"] == SCRIPT.title  # the other frames are still there


@pytest.mark.parametrize("version", [3, 4])
def test_ffmpeg_decodes_the_chapters(mp3, version):
    tag(mp3, CHAPTERED, id3_version=version)
    got = ffmetadata_chapters(mp3)
    # ffmpeg ignores the CTOC and keeps the frames' order: they must be in time order
    assert [c["title"] for c in got] == [c["title"] for c in EXPECTED_CHAPTERS]
    assert all(c["TIMEBASE"] == "1/1000" for c in got)
    # ffmpeg counts from the first MP3 frame, before the decoder drops the
    # encoder delay, so its times are that delay (~50 ms at 22 kHz) earlier
    for mine, theirs in zip(EXPECTED_CHAPTERS, got):
        assert int(theirs["START"]) == pytest.approx(mine["start"] * 1000, abs=60)
        assert int(theirs["END"]) == pytest.approx(mine["end"] * 1000, abs=60)


def test_no_chapters_no_toc(mp3):
    tag(mp3, SCRIPT)
    raw = ID3(mp3)
    assert not raw.getall("CHAP") and not raw.getall("CTOC")
    assert read_chapters(mp3) == []


def test_untimed_chapters_are_left_out(mp3, caplog):
    untimed = replace(SCRIPT, chapters=(Chapter("One", 0), Chapter("Two", 1)))
    tag(mp3, untimed)
    assert read_chapters(mp3) == []
    assert "no times" in caplog.text


def test_retagging_replaces_the_chapters(mp3):
    tag(mp3, CHAPTERED)
    one = replace(SCRIPT, chapters=(Chapter("Only", 0),)).with_timings([(0.3, 1.3)] * 4, 2.0)
    tag(mp3, one)
    assert read_chapters(mp3) == [{"id": "ch0", "title": "Only", "start": 0.0, "end": 2.0}]
    assert ID3(mp3).getall("CTOC")[0].child_element_ids == ["ch0"]


def test_read_chapters_follows_the_toc_order(mp3):
    from mutagen.id3 import CHAP, CTOC, TIT2

    tags = ID3()
    tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL, child_element_ids=["b", "a"]))
    tags.add(CHAP(element_id="a", start_time=0, end_time=500, sub_frames=[TIT2(encoding=3, text=["A"])]))
    tags.add(CHAP(element_id="b", start_time=500, end_time=900, sub_frames=[TIT2(encoding=3, text=["B"])]))
    tags.add(CHAP(element_id="c", start_time=100, end_time=200))  # not in the table: last, untitled
    tags.save(mp3)
    assert [(c["id"], c["title"]) for c in read_chapters(mp3)] == [("b", "B"), ("a", "A"), ("c", "")]


# --- cover -------------------------------------------------------------------


def make_image(path, fmt: str, size: int = 1400):
    from PIL import Image

    Image.new("RGB", (size, size), (200, 60, 30)).save(path, format=fmt)
    return path


@pytest.mark.parametrize("version", [3, 4])
def test_cover_round_trip(mp3, tmp_path, version):
    png = make_image(tmp_path / "art.png", "PNG")
    tag(mp3, SCRIPT, cover=png, id3_version=version)
    raw = ID3(mp3, translate=False)
    (apic,) = raw.getall("APIC")
    assert (apic.type, apic.mime, apic.desc) == (3, "image/png", "")
    assert apic.data == png.read_bytes()
    assert read_cover(mp3) == (png.read_bytes(), "image/png")
    # ffmpeg sees it as the attached picture, so players will too
    probe = subprocess.run([find_ffmpeg(), "-hide_banner", "-i", str(mp3)], capture_output=True, text=True).stderr
    assert "attached pic" in probe and "png" in probe


def test_cover_from_bytes(mp3, tmp_path):
    data = make_image(tmp_path / "art.jpg", "JPEG").read_bytes()
    tag(mp3, SCRIPT, cover=data)
    assert read_cover(mp3) == (data, "image/jpeg")
    tag(mp3, SCRIPT)  # tagging again without one drops it
    assert read_cover(mp3) is None


def test_unfit_cover_fails_before_tagging(mp3, tmp_path):
    small = make_image(tmp_path / "small.png", "PNG", size=600)
    with pytest.raises(InputError, match="600×600"):
        tag(mp3, SCRIPT, cover=small)
    assert read_tags(mp3) == {}  # nothing written
    with pytest.raises(TagError, match="JPEG or PNG"):
        tag(mp3, SCRIPT, cover=b"GIF89a not really")
