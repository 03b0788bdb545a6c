"""Transcripts and chapters: a timed Script -> WebVTT, SubRip and JSON chapters."""
from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace

import pytest

from audiobook.errors import OutputError
from audiobook.models import NARRATION, QUOTE, Chapter, Script, ScriptSegment
from audiobook.stitch import find_ffmpeg
from audiobook.transcript import cues, to_chapters_json, to_srt, to_webvtt, write_sidecars

LONG = (
    "The council met on Tuesday. It discussed the plans for an hour. Nothing was decided. "
    "Residents say they will be back next week. The harbour trust agreed."
)
SCRIPT = Script(
    title="Café owners say “enough” to rent rises",
    segments=(
        ScriptSegment(NARRATION, "Café owners say “enough” to rent rises", 0, "narrator"),
        ScriptSegment(NARRATION, "The owner of Zoë’s ", 1, "narrator"),
        ScriptSegment(NARRATION, "said it plainly: ", 1, "narrator"),
        ScriptSegment(QUOTE, "We can’t go on. Rents & rates <doubled>.", 1, "quote-1", speaker="Zoë", open="“", close="”"),
        ScriptSegment(NARRATION, " ", 1, "narrator"),  # nothing to say: no cue
        ScriptSegment(NARRATION, LONG, 2, "narrator"),
        ScriptSegment(NARRATION, "A spokesperson said ", 3, "narrator"),
        ScriptSegment(QUOTE, "we are looking into it.", 3, "quote-2", open="“", close="”"),
    ),
    author="Renée Müller",
    chapters=(Chapter("Headline", 0), Chapter("The council", 5)),
)
TIMINGS = [(0.3, 3.0), (3.75, 4.9), (4.9, 6.0), (6.1, 9.0), (9.0, 9.0), (9.75, 24.75), (25.5, 27.0), (27.0, 28.5)]
TIMED = SCRIPT.with_timings(TIMINGS, 29.2)

CLOCK = r"(\d{2}):(\d{2}):(\d{2})[.,](\d{3})"


def seconds(match: tuple[str, ...]) -> float:
    h, m, s, ms = map(int, match)
    return h * 3600 + m * 60 + s + ms / 1000


def parse(text: str, decimal: str) -> list[tuple[float, float, list[str]]]:
    """(start, end, text lines) of each cue; fails on a malformed one."""
    out = []
    timing = re.compile(CLOCK.replace("[.,]", re.escape(decimal)) + " --> " + CLOCK.replace("[.,]", re.escape(decimal)) + "$")
    for block in text.strip("\n").split("\n\n"):
        lines = block.split("\n")
        if decimal == ",":
            assert lines.pop(0).isdigit()
        found = timing.match(lines[0])
        assert found, lines[0]
        assert lines[1:] and all(line.strip() for line in lines[1:])
        out.append((seconds(found.groups()[:4]), seconds(found.groups()[4:]), lines[1:]))
    return out


def vtt_cues(text: str):
    assert text.startswith("WEBVTT\n\n")
    return parse(text[len("WEBVTT\n\n"):], ".")


def test_webvtt_cues_are_timed_and_in_order():
    parsed = vtt_cues(to_webvtt(TIMED))
    assert all(start < end for start, end, _ in parsed)
    assert all(a[1] <= b[0] for a, b in zip(parsed, parsed[1:]))  # in order, never overlapping
    # segment edges are the audio's, to the millisecond
    assert parsed[0][0] == 0.3 and parsed[-1][1] == 28.5
    starts = {start for start, _, _ in parsed}
    assert {0.3, 3.75, 6.1, 9.75, 25.5} <= starts


def test_webvtt_names_every_reader():
    text = to_webvtt(TIMED)
    first_lines = [lines[0] for _, _, lines in vtt_cues(text)]
    assert all(re.match(r"<v [^>]+>", line) for line in first_lines)
    assert "<v Zoë>“We can’t go on." in text
    # a quote whose speaker is unknown stays with the narration that introduces it
    assert "<v Narrator>A spokesperson said “we are looking into it.”" in text
    assert to_webvtt(TIMED, narrator="Morning Brief").count("<v Morning Brief>") == text.count("<v Narrator>")


def test_webvtt_escapes_markup():
    text = to_webvtt(TIMED)
    assert "Rents &amp; rates &lt;doubled&gt;." in text
    without_voices = re.sub(r"<v [^>]+>", "", text)
    assert "<" not in without_voices and ">" not in without_voices.replace("-->", "")


def test_every_word_is_in_the_cues_once_in_order():
    spoken = [s.open + s.text + s.close for s in SCRIPT.segments]
    assert " ".join(c.text for c in cues(TIMED)).split() == " ".join(spoken).split()


def test_long_segments_are_cut_at_sentences():
    long_cues = [c for c in cues(TIMED) if 9.75 <= c.start < 24.75]
    assert len(long_cues) >= 3
    assert all(c.end - c.start <= 7.0 for c in long_cues)
    assert all(re.search(r"[.!?]$", c.text) for c in long_cues)
    assert long_cues[0].start == 9.75 and long_cues[-1].end == 24.75
    # the cut between them: shared by letters; the first cue holds the first sentences
    first = long_cues[0]
    share = len(re.sub(r"\W", "", first.text)) / len(re.sub(r"\W", "", LONG))
    assert first.end - 9.75 == pytest.approx(15.0 * share, abs=0.6)


def test_a_long_sentence_stays_one_cue_when_it_cannot_be_cut():
    one = Script("t", (ScriptSegment(NARRATION, "Everyone waited.", 0, "narrator"),)).with_timings([(0.3, 12.0)])
    assert [(c.start, c.end) for c in cues(one)] == [(0.3, 12.0)]


def test_untimed_script_is_refused():
    with pytest.raises(ValueError, match="no times"):
        to_webvtt(SCRIPT)
    with pytest.raises(ValueError, match="no times"):
        to_chapters_json(SCRIPT)


def test_srt_format():
    text = to_srt(TIMED)
    parsed = parse(text, ",")
    numbers = [int(block.split("\n")[0]) for block in text.strip().split("\n\n")]
    assert numbers == list(range(1, len(numbers) + 1))
    assert all(a[1] <= b[0] for a, b in zip(parsed, parsed[1:]))
    assert parsed[0][0] == 0.3 and parsed[-1][1] == 28.5
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d{3}", text)  # a comma before the milliseconds
    # Podcasting 2.0 captions: 32 characters a line (a word longer than that aside)
    assert all(len(line) <= 32 for _, _, lines in parsed for line in lines)
    # the name opens the first card of each change of speaker, and only that one
    joined = [" ".join(lines) for _, _, lines in parsed]
    assert joined[0].startswith("Narrator: Café owners")
    assert any(t.startswith("Zoë: “We can’t go on.") for t in joined)
    assert sum(t.startswith("Narrator:") for t in joined) == 2
    assert "Rents & rates <doubled>." in " ".join(joined)  # SubRip has no escapes


@pytest.mark.parametrize("kind, render", [("vtt", to_webvtt), ("srt", to_srt)])
def test_ffmpeg_reads_the_transcripts(tmp_path, kind, render):
    path = tmp_path / f"episode.{kind}"
    path.write_text(render(TIMED), encoding="utf-8")
    out = subprocess.run(
        [find_ffmpeg(), "-v", "error", "-i", str(path), "-f", "webvtt", "-"],
        check=True, capture_output=True, text=True, encoding="utf-8",
    ).stdout
    assert vtt_clock_pairs(out) == vtt_clock_pairs(render(TIMED))
    assert "We can’t go on." in out


def vtt_clock_pairs(text: str) -> list[float]:
    """Every timestamp in ``text``, in seconds; ffmpeg writes MM:SS.mmm under an hour."""
    return [
        round(int(h or 0) * 3600 + int(m) * 60 + float(s), 3)
        for h, m, s in re.findall(r"(?:(\d{2}):)?(\d{2}):(\d{2}\.\d{3})", text.replace(",", "."))
    ]


def test_chapters_json():
    data = json.loads(to_chapters_json(TIMED))
    assert data["version"] == "1.2.0" and data["title"] == TIMED.title and data["author"] == "Renée Müller"
    assert data["chapters"] == [
        {"startTime": 0.0, "endTime": 9.75, "title": "Headline"},
        {"startTime": 9.75, "endTime": 29.2, "title": "The council"},
    ]


def test_chapters_json_without_chapters():
    plain = replace(TIMED, chapters=(), author=None)
    data = json.loads(to_chapters_json(plain))
    assert data == {"version": "1.2.0", "title": plain.title,
                    "chapters": [{"startTime": 0, "endTime": 28.5, "title": plain.title}]}
    untimed = json.loads(to_chapters_json(replace(SCRIPT, chapters=())))
    assert untimed["chapters"] == [{"startTime": 0, "title": SCRIPT.title}]


def test_write_sidecars(tmp_path):
    mp3 = tmp_path / "morning-brief.mp3"
    paths = write_sidecars(TIMED, mp3)
    assert [p.name for p in paths] == ["morning-brief.vtt", "morning-brief.srt", "morning-brief.chapters.json"]
    assert paths[0].read_text(encoding="utf-8") == to_webvtt(TIMED)
    assert paths[1].read_text(encoding="utf-8") == to_srt(TIMED)
    assert json.loads(paths[2].read_text(encoding="utf-8"))["version"] == "1.2.0"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)  # no temp files
    assert b"\r\n" not in paths[0].read_bytes()


def test_write_sidecars_fails_cleanly(tmp_path):
    with pytest.raises(OutputError) as info:
        write_sidecars(TIMED, tmp_path / "missing" / "episode.mp3")
    assert info.value.hint
    with pytest.raises(ValueError):
        write_sidecars(SCRIPT, tmp_path / "episode.mp3")  # untimed: nothing written
    assert list(tmp_path.iterdir()) == []


def test_hours_in_timestamps():
    late = Script("t", (ScriptSegment(NARRATION, "Late.", 0, "narrator"),)).with_timings([(3725.5, 3727.25)])
    assert "01:02:05.500 --> 01:02:07.250" in to_webvtt(late)
    assert "01:02:05,500 --> 01:02:07,250" in to_srt(late)
