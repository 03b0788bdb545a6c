"""Stitching: pause rules, and real ffmpeg encodes checked by decoding them again."""
from __future__ import annotations

import stat
import subprocess
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from audiobook import mp3join
from audiobook import stitch as stitch_mod
from audiobook.errors import DependencyError, OutputError, StitchError
from audiobook.models import NARRATION, QUOTE, Clip, Script, ScriptSegment
from audiobook.stitch import Pauses, find_ffmpeg, is_headline, pause_between, stitch

from .audio_tools import decode

RATE = 22050
P = Pauses()


def seg(text: str, paragraph: int = 0, kind: str = NARRATION) -> ScriptSegment:
    if kind == QUOTE:
        return ScriptSegment(QUOTE, text, paragraph, "quote-1", open="“", close="”")
    return ScriptSegment(NARRATION, text, paragraph, "narrator")


def write_clip(
    path: Path, seconds: float, *, segment: int, part: int = 0, rate: int = RATE,
    freq: float = 440.0, channels: int = 1,
) -> Clip:
    """A WAV of a steady tone: easy to find again in the decoded MP3."""
    n = round(seconds * rate)
    t = np.arange(n) / rate
    samples = (0.5 * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2")
    if channels == 2:
        samples = np.repeat(samples, 2)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return Clip(segment=segment, part=part, path=path, rate=rate, frames=n)


def bursts(audio: np.ndarray, rate: int = RATE) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch of sound, by RMS over 5 ms windows."""
    win = rate // 200
    n = len(audio) // win
    rms = np.sqrt((audio[: n * win].reshape(n, win) ** 2).mean(axis=1))
    loud = rms > 0.1 * 0.5 * 32767
    edges = np.flatnonzero(np.diff(np.concatenate([[0], loud.astype(int), [0]])))
    return [(a * win / rate, b * win / rate) for a, b in zip(edges[::2], edges[1::2])]


@pytest.fixture(autouse=True)
def _no_ffmpeg_override(monkeypatch):
    monkeypatch.delenv("AUDIOBOOK_FFMPEG", raising=False)


# --- pause_between -----------------------------------------------------------


def test_lead_in_and_tail():
    assert pause_between(None, seg("Hello.")) == P.lead_in == 0.3
    assert pause_between(seg("Hello."), None) == P.tail == 0.7


def test_parts_of_one_segment_are_sentences():
    s = seg("One. Two,")
    assert pause_between(s, s, same_segment=True) == P.sentence == 0.35


@pytest.mark.parametrize(
    "text, expected",
    [
        ("It rained.", P.sentence),
        ("Did it rain?", P.sentence),
        ("It rained!", P.sentence),
        ("It rained…", P.sentence),
        ("It rained (briefly.)", P.sentence),
        ("It rained,", P.clause),
        ("It rained;", P.clause),
        ("It rained: ", P.clause),
        ("It rained —", P.clause),
        ("It rained –", P.clause),
        ("He called it ", 0.0),
        ("", 0.0),
    ],
)
def test_same_paragraph_follows_punctuation(text, expected):
    assert pause_between(seg(text), seg("next")) == pytest.approx(expected)


def test_entering_and_leaving_a_quote_adds_a_beat():
    # “We are,” he said, “ready.” -> comma + quote beat on both sides
    we_are, he_said, ready = seg("We are,", kind=QUOTE), seg(" he said, "), seg("ready.", kind=QUOTE)
    assert pause_between(we_are, he_said) == pytest.approx(P.clause + P.quote)
    assert pause_between(he_said, ready) == pytest.approx(P.clause + P.quote)
    # He called it “a disgrace” and left. -> no punctuation, only the beat
    assert pause_between(seg("He called it "), seg("a disgrace", kind=QUOTE)) == pytest.approx(P.quote)
    # two quotes in a row: no change of voice kind, no beat
    assert pause_between(seg("Yes.", kind=QUOTE), seg("No.", kind=QUOTE)) == pytest.approx(P.sentence)


def test_paragraphs_and_headline():
    a, b = seg("End of one,", 0, QUOTE), seg("Start", 1)
    assert pause_between(a, b) == P.paragraph == 0.75
    assert pause_between(a, b, after_headline=True) == P.headline == 1.0


def test_negative_pause_is_refused():
    with pytest.raises(ValueError, match="tail"):
        Pauses(tail=-1)


def test_custom_pauses():
    fast = Pauses(sentence=0.1, quote=0.0)
    assert pause_between(seg("A."), seg("b", kind=QUOTE), pauses=fast) == pytest.approx(0.1)


def test_is_headline():
    segs = (seg("Storm  hits\ncoast"), seg("It rained.", 1))
    assert is_headline(Script("Storm hits coast", segs))
    assert not is_headline(Script("Something else", segs))


# --- find_ffmpeg -------------------------------------------------------------


def test_override_pointing_nowhere_is_a_dependency_error(monkeypatch, tmp_path):
    monkeypatch.setenv("AUDIOBOOK_FFMPEG", str(tmp_path / "no-such-ffmpeg"))
    with pytest.raises(DependencyError) as info:
        find_ffmpeg()
    assert "AUDIOBOOK_FFMPEG" in info.value.hint


def test_missing_ffmpeg_everywhere(monkeypatch):
    import imageio_ffmpeg

    def nothing(*args, **kwargs):
        raise RuntimeError("no ffmpeg")

    stitch_mod._search_ffmpeg.cache_clear()
    monkeypatch.setattr(stitch_mod.shutil, "which", lambda name: None)
    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", nothing)
    monkeypatch.setattr(stitch_mod, "_bundled_ffmpeg", lambda package: None)
    try:
        with pytest.raises(DependencyError) as info:
            find_ffmpeg()
        assert "pip install imageio-ffmpeg" in info.value.hint
    finally:
        stitch_mod._search_ffmpeg.cache_clear()


def test_bundled_ffmpeg_is_found_without_running_it(tmp_path, monkeypatch):
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE", raising=False)
    (tmp_path / "binaries").mkdir()
    assert stitch_mod._bundled_ffmpeg(tmp_path) is None  # none there
    binary = tmp_path / "binaries" / "ffmpeg-linux-x86_64-v9"
    binary.write_text("#!/bin/sh\nexit 1\n")  # never run: finding it costs no process
    assert stitch_mod._bundled_ffmpeg(tmp_path) is None  # not executable
    binary.chmod(0o755)
    (tmp_path / "binaries" / "README.md").write_text("x")
    assert stitch_mod._bundled_ffmpeg(tmp_path) == str(binary)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/opt/ffmpeg")  # imageio-ffmpeg's own override decides
    assert stitch_mod._bundled_ffmpeg(tmp_path) is None
    assert stitch_mod._bundled_ffmpeg(tmp_path / "missing") is None


def test_ffmpeg_is_found_and_cached():
    stitch_mod._search_ffmpeg.cache_clear()
    first = find_ffmpeg()
    assert Path(first).is_file()
    assert find_ffmpeg() == first
    assert stitch_mod._search_ffmpeg.cache_info().hits >= 1


# --- stitch, through the real ffmpeg ----------------------------------------


@pytest.fixture
def episode(tmp_path):
    """A headline, a paragraph with a quote split around 'he said', a blank
    segment, and a last paragraph; returns (script, clips, expected timings)."""
    segments = (
        seg("Storm hits coast", 0),                      # 0 headline
        seg("We are,", 1, QUOTE),                        # 1
        seg(" he said, ", 1),                            # 2
        seg("ready. Truly ready.", 1, QUOTE),            # 3: two parts
        seg("—", 2),                                     # 4: nothing speakable
        seg("The end.", 3),                              # 5
    )
    script = Script("Storm hits coast", segments)
    lengths = [(0, 0, 1.0), (1, 0, 0.5), (2, 0, 0.6), (3, 0, 0.4), (3, 1, 0.7), (5, 0, 0.8)]
    clips = [
        write_clip(tmp_path / f"c{i}.wav", secs, segment=s, part=p, freq=300 + 100 * i)
        for i, (s, p, secs) in enumerate(lengths)
    ]
    # Worked out by hand from the pause rules, not with pause_between.
    t0 = 0.3
    expected = [(t0, t0 + 1.0)]
    t = t0 + 1.0 + 1.0                                  # headline pause
    expected.append((t, t + 0.5)); t += 0.5 + 0.2 + 0.1  # "We are," -> comma + quote
    expected.append((t, t + 0.6)); t += 0.6 + 0.2 + 0.1  # " he said, " -> comma + quote
    expected.append((t, t + 0.4 + 0.35 + 0.7)); t += 0.4 + 0.35 + 0.7
    expected.append((t, t))                             # silent segment
    t += 0.75                                           # new paragraph
    expected.append((t, t + 0.8)); t += 0.8
    return script, clips, expected, t + 0.7


def test_stitch_timings_and_duration(episode, tmp_path):
    script, clips, expected, total = episode
    out = tmp_path / "episode.mp3"
    timings = stitch(script, clips, out)

    assert len(timings) == len(script.segments)
    for got, want in zip(timings, expected):
        assert got == pytest.approx(want, abs=1e-4)
    starts = [a for a, _ in timings]
    assert starts == sorted(starts) and all(a <= b for a, b in timings)

    # The decoded MP3 is as long as the frames we sent: ffmpeg's decoder
    # removes the encoder delay/padding using the LAME header (-write_xing 1).
    audio = decode(out)
    assert len(audio) / RATE == pytest.approx(total, abs=0.05)

    # mutagen ignores ffmpeg's "Lavc" LAME header, so it counts the ~30 ms of
    # delay and padding too; still within 50 ms.
    from mutagen.mp3 import MP3

    mp3 = MP3(out)
    assert mp3.info.length == pytest.approx(total, abs=0.05)
    assert (mp3.info.sample_rate, mp3.info.channels, mp3.info.bitrate) == (44100, 1, 96000)
    assert mp3.tags is None  # no ID3 from ffmpeg; tagging is its own stage
    assert not out.read_bytes()[-128:].startswith(b"TAG")

    # The tones are where the timings say (segment 3 is two bursts).
    found = bursts(audio)
    spoken = [timings[i] for i in (0, 1, 2)] + [
        (timings[3][0], timings[3][0] + 0.4), (timings[3][1] - 0.7, timings[3][1]), timings[5],
    ]
    assert len(found) == len(spoken)
    for (a, b), (want_a, want_b) in zip(found, spoken):
        assert a == pytest.approx(want_a, abs=0.02)
        assert b == pytest.approx(want_b, abs=0.02)

    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []


def test_stitch_bitrate_and_rate_options(episode, tmp_path):
    script, clips, _, total = episode
    out = tmp_path / "low.mp3"
    stitch(script, clips, out, bitrate="64k", sample_rate=22050, pauses=Pauses(tail=0.0))
    from mutagen.mp3 import MP3

    info = MP3(out).info
    assert info.sample_rate == 22050
    assert info.bitrate == pytest.approx(64000, rel=0.01)  # mutagen estimates it
    assert len(decode(out)) / RATE == pytest.approx(total - 0.7, abs=0.05)


def test_stitch_overwrites_existing_file(episode, tmp_path):
    script, clips, _, _ = episode
    out = tmp_path / "episode.mp3"
    out.write_bytes(b"old")
    stitch(script, clips, out)
    assert out.stat().st_size > 1000


def test_mixed_sample_rates_are_refused(tmp_path):
    script = Script("t", (seg("One."), seg("Two.")))
    clips = [
        write_clip(tmp_path / "a.wav", 0.2, segment=0),
        write_clip(tmp_path / "b.wav", 0.2, segment=1, rate=24000),
    ]
    with pytest.raises(StitchError, match="different sample rates"):
        stitch(script, clips, tmp_path / "x.mp3")
    assert not (tmp_path / "x.mp3").exists()


def test_header_rate_must_match_clip(tmp_path):
    clip = replace(write_clip(tmp_path / "a.wav", 0.2, segment=0, rate=16000), rate=RATE)
    with pytest.raises(StitchError, match="16000 Hz"):
        stitch(Script("t", (seg("One."),)), [clip], tmp_path / "x.mp3")


def test_stereo_clip_is_refused(tmp_path):
    clip = write_clip(tmp_path / "a.wav", 0.2, segment=0, channels=2)
    with pytest.raises(StitchError, match="2 channel"):
        stitch(Script("t", (seg("One."),)), [clip], tmp_path / "x.mp3")


def test_missing_or_broken_clip(tmp_path):
    script = Script("t", (seg("One."),))
    with pytest.raises(StitchError, match="cannot read clip"):
        stitch(script, [Clip(0, 0, tmp_path / "gone.wav", RATE, 10)], tmp_path / "x.mp3")
    (tmp_path / "junk.wav").write_bytes(b"not a wav at all")
    with pytest.raises(StitchError, match="cannot read clip"):
        stitch(script, [Clip(0, 0, tmp_path / "junk.wav", RATE, 10)], tmp_path / "x.mp3")


def test_clips_out_of_order_or_unknown_segment(tmp_path):
    script = Script("t", (seg("One."), seg("Two.")))
    a = write_clip(tmp_path / "a.wav", 0.1, segment=1)
    b = write_clip(tmp_path / "b.wav", 0.1, segment=0)
    with pytest.raises(StitchError, match="reading order"):
        stitch(script, [a, b], tmp_path / "x.mp3")
    with pytest.raises(StitchError, match="reading order"):
        stitch(script, [replace(a, segment=7)], tmp_path / "x.mp3")


def test_no_clips(tmp_path):
    with pytest.raises(StitchError, match="no clips"):
        stitch(Script("t", (seg("—"),)), [], tmp_path / "x.mp3")


def test_missing_output_folder(episode, tmp_path):
    script, clips, _, _ = episode
    with pytest.raises(OutputError):
        stitch(script, clips, tmp_path / "nope" / "x.mp3")


def test_ffmpeg_failure_is_a_stitch_error(episode, tmp_path, monkeypatch):
    """A fake ffmpeg that reads a little, complains and dies mid-stream."""
    script, clips, _, _ = episode
    fake = tmp_path / "fake-ffmpeg"
    fake.write_text(
        "#!/bin/sh\nhead -c 1000 >/dev/null\necho 'some noise' >&2\n"
        "echo 'Encoder exploded' >&2\nexit 3\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("AUDIOBOOK_FFMPEG", str(fake))
    out = tmp_path / "x.mp3"
    with pytest.raises(StitchError) as info:
        stitch(script, clips, out)
    assert "Encoder exploded" in info.value.message
    assert "exit 3" in info.value.message
    assert info.value.hint
    assert not out.exists()
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_bad_encoder_option_is_a_stitch_error(episode, tmp_path):
    script, clips, _, _ = episode
    out = tmp_path / "x.mp3"
    with pytest.raises(StitchError, match="ffmpeg failed"):
        stitch(script, clips, out, bitrate="lots")
    assert not out.exists()
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_interrupt_kills_ffmpeg_and_cleans_up(episode, tmp_path, monkeypatch):
    script, clips, _, _ = episode
    procs = []
    real_popen = subprocess.Popen

    def recording_popen(*args, **kwargs):
        procs.append(real_popen(*args, **kwargs))
        return procs[-1]

    calls = []
    real_copy = stitch_mod._copy_clip

    def copy_then_interrupt(path, sink):
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_copy(path, sink)

    monkeypatch.setattr(stitch_mod.subprocess, "Popen", recording_popen)
    monkeypatch.setattr(stitch_mod, "_copy_clip", copy_then_interrupt)
    out = tmp_path / "x.mp3"
    with pytest.raises(KeyboardInterrupt):
        stitch(script, clips, out)
    assert len(procs) == 1 and procs[0].returncode is not None
    assert not out.exists()
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_clip_vanishing_mid_stream(episode, tmp_path, monkeypatch):
    """A clip deleted after the checks but before its turn: StitchError, no debris."""
    script, clips, _, _ = episode
    real_check = stitch_mod._check_clips

    def check_then_delete(script, clips):
        result = real_check(script, clips)
        clips[-1].path.unlink()
        return result

    monkeypatch.setattr(stitch_mod, "_check_clips", check_then_delete)
    out = tmp_path / "x.mp3"
    with pytest.raises(StitchError, match="cannot read clip"):
        stitch(script, clips, out)
    assert not out.exists()
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_truncated_clip_timings_follow_the_audio(tmp_path):
    """A WAV whose header promises more frames than it holds."""
    clip = write_clip(tmp_path / "a.wav", 1.0, segment=0)
    data = clip.path.read_bytes()
    clip.path.write_bytes(data[: len(data) - RATE])  # drop 0.5 s of samples
    timings = stitch(Script("t", (seg("One."),)), [clip], tmp_path / "x.mp3")
    assert timings == [pytest.approx((0.3, 0.8), abs=1e-3)]
    assert len(decode(tmp_path / "x.mp3")) / RATE == pytest.approx(1.5, abs=0.05)


def test_a_clip_over_several_segments_shares_its_length_by_their_words(tmp_path):
    # "Critics called the plan " + “reckless” + "." read as one utterance
    script = Script(
        "T",
        (
            ScriptSegment(NARRATION, "Critics called the plan ", 0, "narrator"),
            ScriptSegment(NARRATION, "reckless", 0, "narrator", open="“", close="”"),
            ScriptSegment(NARRATION, ". Then", 0, "narrator"),
        ),
    )
    clip = replace(write_clip(tmp_path / "a.wav", 2.0, segment=0), spans=((0, 0.75), (1, 1.0)))
    clip = replace(clip, text="Critics called the plan reckless.")
    later = replace(write_clip(tmp_path / "b.wav", 0.5, segment=2), text="Then")
    timings = stitch(script, [clip, later], tmp_path / "x.mp3")
    lead = P.lead_in
    assert timings[0] == pytest.approx((lead, lead + 1.5), abs=0.001)
    assert timings[1] == pytest.approx((lead + 1.5, lead + 2.0), abs=0.001)
    # the pause after the shared clip follows what it said: a full stop
    assert timings[2][0] == pytest.approx(lead + 2.0 + P.sentence, abs=0.001)


def test_the_pause_follows_what_the_previous_clip_actually_said():
    narr = seg("Critics called the plan reckless. It was ")
    assert pause_between(narr, narr, prev_text="Critics called the plan reckless.") == P.sentence
    assert pause_between(narr, narr, prev_text="Last of all,") == P.clause
    assert pause_between(narr, narr, same_segment=True) == P.sentence


def test_a_new_chapter_gets_the_chapter_pause_and_a_chapter_title_the_headline_pause():
    from audiobook.models import Chapter
    from audiobook.stitch import headline_paragraphs

    segs = (seg("Opening line.", 0), seg("Ferry returns", 1), seg("Body one.", 2), seg("Budget agreed", 3), seg("Body two.", 4))
    script = Script("Digest", segs, chapters=(Chapter("Show", 0), Chapter("Ferry returns", 1), Chapter("Budget agreed", 3)))
    assert headline_paragraphs(script) == {1, 3}
    assert pause_between(segs[0], segs[1], new_chapter=True) == P.chapter
    assert pause_between(segs[1], segs[2], after_headline=True) == P.headline


def test_intro_and_outro_play_around_the_words_and_shift_the_timings(tmp_path):
    script = Script("T", (seg("Hello there."),))
    clip = write_clip(tmp_path / "a.wav", 1.0, segment=0)
    intro = write_clip(tmp_path / "intro.wav", 2.0, segment=0, rate=44100, freq=220.0)  # another rate: decoded
    outro = write_clip(tmp_path / "outro.wav", 1.5, segment=0, freq=330.0)
    out = tmp_path / "x.mp3"
    timings = stitch(script, [clip], out, intro=intro.path, outro=outro.path, loudness=None)
    assert timings[0] == pytest.approx((2.0 + P.lead_in, 3.0 + P.lead_in), abs=0.002)
    audio = decode(out)
    assert len(audio) / RATE == pytest.approx(2.0 + P.lead_in + 1.0 + P.tail + 1.5, abs=0.05)
    assert [round(a, 1) for a, _ in bursts(audio)][:1] == [0.0]  # the intro starts at once


def test_an_unreadable_intro_is_an_input_error(tmp_path):
    from audiobook.errors import InputError

    script = Script("T", (seg("Hello there."),))
    clip = write_clip(tmp_path / "a.wav", 1.0, segment=0)
    junk = tmp_path / "intro.mp3"
    junk.write_bytes(b"not audio at all")
    with pytest.raises(InputError, match="cannot read audio file"):
        stitch(script, [clip], tmp_path / "x.mp3", intro=junk)
    with pytest.raises(InputError, match="no such"):
        stitch(script, [clip], tmp_path / "x.mp3", outro=tmp_path / "missing.wav")


# --- parallel encoding ---------------------------------------------------------


@pytest.fixture
def long_episode(tmp_path):
    """Forty tones in ten paragraphs, about 70 s: long enough to cut in pieces."""
    segments, clips = [], []
    for i in range(40):
        segments.append(seg(f"Sentence {i}." if i % 3 else f"Clause {i},", paragraph=i // 4))
        clips.append(write_clip(tmp_path / f"t{i}.wav", 1.0 + (i % 5) * 0.2, segment=i, freq=200 + 9 * i))
    return Script("Long", tuple(segments)), clips


def test_parallel_encode_matches_one_encoder(long_episode, tmp_path, monkeypatch):
    script, clips = long_episode
    monkeypatch.setattr(mp3join, "_MIN_PIECE_SECONDS", 10.0)
    one, three = tmp_path / "one.mp3", tmp_path / "three.mp3"
    t1 = stitch(script, clips, one, encode_jobs=1)
    t3 = stitch(script, clips, three, encode_jobs=3)
    assert t3 == t1  # exact: both come from the same frame counts

    a1, a3 = decode(one, 44100), decode(three, 44100)
    assert len(a3) == len(a1)
    # same audio, sample for sample, up to the encoder's own noise
    assert np.sqrt(np.mean((a3 - a1) ** 2)) < 1e-3 * np.sqrt(np.mean(a1**2))
    # the joins are in pauses and stay silent
    pieces, _, total = mp3join._layout(script, clips, [c.frames for c in clips], RATE, P, stitch_mod.Bumpers(None, None))
    joins = mp3join._plan_joins(pieces, total, RATE, 44100, 3)
    assert len(joins) == 2
    for j in joins:
        assert np.abs(a3[2 * j - 2646 : 2 * j + 1323]).max() <= 2  # 60 ms before to 30 ms after

    from mutagen.mp3 import MP3

    assert MP3(three).info.length == pytest.approx(len(a3) / 44100, abs=0.05)
    assert MP3(three).tags is None
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_joined_info_tag_is_what_ffmpeg_would_write(long_episode, tmp_path, monkeypatch):
    script, clips = long_episode
    monkeypatch.setattr(mp3join, "_MIN_PIECE_SECONDS", 10.0)
    one, two = tmp_path / "one.mp3", tmp_path / "two.mp3"
    stitch(script, clips, one, encode_jobs=1)
    stitch(script, clips, two, encode_jobs=2)
    data = two.read_bytes()
    tag = mp3join._read_tag(data[:2048], 44100)
    single = mp3join._read_tag(one.read_bytes()[:2048], 44100)
    at, size = mp3join._TAG_AT, mp3join._TAG_SIZE
    assert (tag.frames, tag.delay, tag.padding) == (single.frames, single.delay, single.padding)
    assert int.from_bytes(data[at + 12 : at + 16], "big") == len(data)
    assert tag.crc == mp3join._crc16(data[tag.tag_frame :])
    head = bytearray(data[:190])
    head[at + size - 2 : at + size] = b"\0\0"
    assert int.from_bytes(data[at + size - 2 : at + size], "big") == mp3join._crc16(bytes(head))
    toc = data[at + 16 : at + 116]
    assert toc[0] == 0 and list(toc) == sorted(toc)
    assert list(toc) == pytest.approx(list(one.read_bytes()[at + 16 : at + 116]), abs=1)


def test_crc16_of_a_join_is_the_crc16_of_the_whole():
    a, b = bytes(range(256)) * 3, b"joined frames" * 50
    assert mp3join._crc16_shift(mp3join._crc16(a), len(b)) ^ mp3join._crc16(b) == mp3join._crc16(a + b)


def test_parallel_encode_keeps_the_loudness_plan(long_episode, tmp_path, monkeypatch):
    script, clips = long_episode
    monkeypatch.setattr(mp3join, "_MIN_PIECE_SECONDS", 10.0)
    from audiobook.loudness import integrated_loudness

    out = tmp_path / "two.mp3"
    stitch(script, clips, out, encode_jobs=2)
    audio = decode(out, 44100) / 32768.0
    assert integrated_loudness(audio, 44100) == pytest.approx(-16.0, abs=0.5)


def test_short_episodes_and_odd_rates_use_one_encoder(long_episode, episode, tmp_path, monkeypatch):
    procs = []
    real_popen = subprocess.Popen

    def recording_popen(*args, **kwargs):
        procs.append(real_popen(*args, **kwargs))
        return procs[-1]

    monkeypatch.setattr(stitch_mod.subprocess, "Popen", recording_popen)
    script, clips, _, _ = episode
    stitch(script, clips, tmp_path / "short.mp3", encode_jobs=4)
    assert len(procs) == 1
    script, clips = long_episode
    stitch(script, clips, tmp_path / "mpeg2.mp3", encode_jobs=4, sample_rate=22050)
    assert len(procs) == 2
    stitch(script, clips, tmp_path / "long.mp3", encode_jobs=4)
    assert len(procs) == 2 + 3  # 70 s in pieces of at least 20 s


def test_a_bad_clip_in_one_piece_stops_every_encoder(long_episode, tmp_path, monkeypatch):
    script, clips = long_episode
    monkeypatch.setattr(mp3join, "_MIN_PIECE_SECONDS", 10.0)
    procs = []
    real_popen = subprocess.Popen

    def recording_popen(*args, **kwargs):
        procs.append(real_popen(*args, **kwargs))
        return procs[-1]

    real_check = stitch_mod._check_clips

    def check_then_delete(script, clips):
        result = real_check(script, clips)
        clips[-1].path.unlink()
        return result

    monkeypatch.setattr(stitch_mod.subprocess, "Popen", recording_popen)
    monkeypatch.setattr(stitch_mod, "_check_clips", check_then_delete)
    out = tmp_path / "x.mp3"
    with pytest.raises(StitchError, match="cannot read clip"):
        stitch(script, clips, out, encode_jobs=3, loudness=None)
    assert len(procs) == 3 and all(p.returncode is not None for p in procs)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_a_surprise_from_the_encoder_falls_back_to_one(long_episode, tmp_path, monkeypatch):
    script, clips = long_episode
    monkeypatch.setattr(mp3join, "_MIN_PIECE_SECONDS", 10.0)
    monkeypatch.setattr(mp3join, "_trim", lambda rate, sample_rate: 10)  # too little: an extra frame per piece
    out = tmp_path / "x.mp3"
    timings = stitch(script, clips, out, encode_jobs=2)
    single = stitch(script, clips, tmp_path / "one.mp3", encode_jobs=1)
    assert timings == single
    assert len(decode(out, 44100)) == len(decode(tmp_path / "one.mp3", 44100))
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_loudness_measured_during_synthesis_is_what_the_encoder_would_measure(episode, tmp_path):
    """Clips handed to a Measured out of order, from another thread, as workers
    finish them, give the same plan as the measuring pass of stitch itself,
    and stitch then skips that pass."""
    import random
    import threading

    script, clips, _, _ = episode
    measured = stitch_mod.Measured(script, len(clips))
    walker = threading.Thread(target=measured.run)
    walker.start()
    order = list(range(len(clips)))
    random.Random(7).shuffle(order)
    for i in order:
        measured.put(i, clips[i])
    walker.join(10)
    assert not walker.is_alive()
    rate, counts = stitch_mod._check_clips(script, clips)
    args = (script, clips, counts, rate, stitch_mod.DEFAULT_PAUSES, -16.0, -1.0)
    again = stitch_mod._plan_levels(*args)
    early = stitch_mod._plan_levels(*args, measured=measured)
    assert early.measured == again.measured and early.gain_db == again.gain_db
    assert early.meter.energy is measured.result(again, rate)[0].meter.energy  # its own pass, not a new one

    def reads(**kw) -> int:
        seen = []
        real = stitch_mod._read_samples
        stitch_mod._read_samples = lambda path: seen.append(path) or real(path)
        try:
            stitch_mod._plan_levels(*args, **kw)
        finally:
            stitch_mod._read_samples = real
        return len(seen)

    # the measuring pass, one read a clip, is the one left out
    assert reads() - reads(measured=measured) == len(clips)


def test_an_abandoned_measurement_is_not_used(episode):
    import threading

    script, clips, _, _ = episode
    measured = stitch_mod.Measured(script, len(clips))
    walker = threading.Thread(target=measured.run)
    walker.start()
    measured.put(0, clips[0])
    measured.close()  # synthesis failed: the rest never come
    walker.join(10)
    assert not walker.is_alive()
    rate, counts = stitch_mod._check_clips(script, clips)
    plain = stitch_mod._plan_levels(script, clips, counts, rate, stitch_mod.DEFAULT_PAUSES, -16.0, -1.0)
    assert measured.result(plain, rate) is None


def _peaky_clip(path: Path, seconds: float, *, segment: int, level: float, seed: int) -> Clip:
    """Quiet noise with loud clicks: a gain to -16 LUFS drives the clicks into the limiter."""
    rng = np.random.default_rng(seed)
    n = round(seconds * RATE)
    x = level * rng.standard_normal(n)
    x[:: RATE // 20] = 0.9  # a click every 50 ms
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    return Clip(segment=segment, part=0, path=path, rate=RATE, frames=n)


def _measured_during_synthesis(script, clips):
    import threading

    measured = stitch_mod.Measured(script, len(clips))
    walker = threading.Thread(target=measured.run)
    walker.start()
    for i, clip in enumerate(clips):
        measured.put(i, clip)
    walker.join(20)
    assert not walker.is_alive()
    return measured


def _plan_counting_reads(args, **kw):
    seen = []
    real = stitch_mod._read_samples
    stitch_mod._read_samples = lambda path: seen.append(path) or real(path)
    try:
        leveller = stitch_mod._plan_levels(*args, **kw)
    finally:
        stitch_mod._read_samples = real
    return leveller, len(seen)


@pytest.mark.parametrize("first_level", [0.05, 0.16], ids=["like the rest", "10 dB louder"])
def test_limiting_predicted_during_synthesis_spares_the_second_pass(tmp_path, first_level):
    """The walk during synthesis also predicts what limiting takes, at gains
    guessed from the first clip: when they bracket the plan, the encoder
    starts without another read of the clips, at (nearly) the gain the two
    passes find; when the first clip misled the guess, the second pass runs."""
    segments = tuple(ScriptSegment(NARRATION, f"Sentence {i}.", i, "narrator") for i in range(6))
    script = Script("Clicks", segments)
    clips = [_peaky_clip(tmp_path / f"c{i}.wav", 2.0, segment=i, level=first_level if i == 0 else 0.05, seed=i)
             for i in range(6)]
    rate, counts = stitch_mod._check_clips(script, clips)
    args = (script, clips, counts, rate, stitch_mod.DEFAULT_PAUSES, -16.0, -1.0)

    two_passes, reads = _plan_counting_reads(args)
    assert two_passes.limits and reads == 2 * len(clips)  # measure, then predict: the limiter is in play
    early, reads = _plan_counting_reads(args, measured=_measured_during_synthesis(script, clips))
    assert early.measured == two_passes.measured
    if first_level == 0.05:
        assert reads == 0
        assert early.gain_db == pytest.approx(two_passes.gain_db, abs=0.15)
        assert early.loudness == pytest.approx(two_passes.loudness, abs=0.15)
    else:  # the guess from a loud first clip is too low for this episode: predicted again
        assert reads == len(clips)
        assert early.gain_db == two_passes.gain_db


def test_pieces_are_cut_for_equal_work_not_equal_length():
    """LAME spends about half as long on a second of silence as on one of
    speech: a join halves the work, so it moves into the speech side."""
    clip = Clip(segment=0, part=0, path=Path("x.wav"), rate=RATE, frames=100)
    pieces = [mp3join._Piece(0, 200, None), mp3join._Piece(200, 100, clip)]
    work = 200 * mp3join._SILENCE_COST + 100
    assert mp3join._share_done_at(pieces, 300, 0.5) == 200 + round(work / 2 - 200 * mp3join._SILENCE_COST)
    even = [mp3join._Piece(0, 100, clip), mp3join._Piece(100, 100, None), mp3join._Piece(200, 100, clip)]
    assert mp3join._share_done_at(even, 300, 0.5) == 150
    assert mp3join._share_done_at([mp3join._Piece(0, 300, None)], 300, 0.5) == 150
