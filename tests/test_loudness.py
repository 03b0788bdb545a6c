"""Loudness: the BS.1770 meter against ffmpeg's ebur128, the true-peak limiter,
and whole episodes of real eSpeak NG speech stitched to -16 LUFS / -1 dBTP."""
from __future__ import annotations

import re
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from audiobook import loudness as L
from audiobook.engines import runtime
from audiobook.models import NARRATION, Clip, Script, ScriptSegment, Utterance, VoiceSettings
from audiobook.stitch import find_ffmpeg, stitch

from .audio_tools import loudness

RATE = 22050
rng = np.random.default_rng(1770)

needs_espeak = pytest.mark.skipif(not runtime.espeak_available(), reason="libespeak-ng is not loadable")


@pytest.fixture(autouse=True)
def _no_ffmpeg_override(monkeypatch):
    monkeypatch.delenv("AUDIOBOOK_FFMPEG", raising=False)


def ebur128_pcm(samples: np.ndarray, rate: int = RATE) -> tuple[float, float]:
    """ffmpeg's (integrated LUFS, true peak dBTP) of float samples sent as s16le."""
    pcm = np.clip(np.rint(samples * 32768), -32768, 32767).astype("<i2").tobytes()
    err = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-nostats", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
         "-af", "ebur128=peak=true", "-f", "null", "-"],
        input=pcm, capture_output=True, check=True,
    ).stderr.decode()
    summary = err[err.rindex("Summary:"):]
    lufs = float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1))
    peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return lufs, peak


def quantised(x: np.ndarray) -> np.ndarray:
    """As the 16-bit PCM ffmpeg will see."""
    return (np.rint(x * 32768) / 32768).astype(np.float32)


def tone(freq: float, seconds: float, amp: float, rate: int = RATE) -> np.ndarray:
    return quantised(amp * np.sin(2 * np.pi * freq * np.arange(round(seconds * rate)) / rate))


def bursts(rate: int = RATE) -> np.ndarray:
    """Noise bursts of rising level and length, with silences between (the gates matter)."""
    x = np.zeros(12 * rate)
    for i in range(6):
        a, n = int(rate * (0.37 + 1.9 * i)), int(rate * (0.2 + 0.25 * i))
        x[a : a + n] = 0.02 * (i + 1) * rng.standard_normal(n)
    return quantised(x)


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.clip(np.rint(samples * 32768), -32768, 32767).astype("<i2").tobytes())
    return path


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768


# --- the meter against ffmpeg --------------------------------------------------


@pytest.mark.parametrize(
    "name, signal",
    [
        ("997 Hz", lambda rate: tone(997, 5, 0.5, rate)),
        ("60 Hz, where the high-pass bites", lambda rate: tone(60, 5, 0.5, rate)),
        ("6 kHz, on the shelf", lambda rate: tone(6000, 5, 0.2, rate)),
        ("white noise", lambda rate: quantised(0.1 * rng.standard_normal(5 * rate))),
        ("noise bursts with silences", bursts),
    ],
)
@pytest.mark.parametrize("rate", [RATE, 16000, 48000])
def test_integrated_loudness_agrees_with_ffmpeg(name, signal, rate):
    x = signal(rate)
    ours = L.integrated_loudness(x, rate)
    theirs, _ = ebur128_pcm(x, rate)
    assert ours == pytest.approx(theirs, abs=0.5), name
    # and closer than the tolerance asks, for the record
    assert abs(ours - theirs) < 0.2, name


def test_a_full_scale_997_hz_sine_reads_minus_3_lufs():
    assert L.integrated_loudness(tone(997, 3, 1.0), RATE) == pytest.approx(-3.01, abs=0.05)


@pytest.mark.parametrize("freq", [997, 3000, 7000])
def test_true_peak_agrees_with_ffmpeg(freq):
    # an odd phase and frequency, so the sample peak is below the true one
    x = quantised(0.5 * np.sin(2 * np.pi * freq * np.arange(3 * RATE) / RATE + 0.3))
    _, theirs = ebur128_pcm(x)
    assert L.db(L.true_peak(x)) == pytest.approx(theirs, abs=0.5)


def test_clips_placed_on_a_timeline_measure_as_the_joined_audio():
    """The meter only sees the clips and where they start; the silence between counts."""
    clips = [quantised(0.05 * (k + 1) * rng.standard_normal(int(RATE * (0.3 + 0.2 * k)))) for k in range(5)]
    starts, pos = [], int(0.3 * RATE)
    for c, gap in zip(clips, [0.2, 0.0, 0.75, 1.0, 0.35]):
        starts.append(pos)
        pos += len(c) + int(gap * RATE)
    joined = np.zeros(pos, np.float32)
    meter = L.Meter(RATE)
    for c, s in zip(clips, starts):
        joined[s : s + len(c)] = c
        meter.add(c, s)
    assert meter.integrated(pos) == pytest.approx(L.integrated_loudness(joined, RATE), abs=0.05)
    assert meter.integrated(pos) == pytest.approx(ebur128_pcm(joined)[0], abs=0.5)


def test_silence_and_tiny_input_measure_minus_infinity():
    assert L.integrated_loudness(np.zeros(RATE, np.float32), RATE) == -np.inf
    assert L.integrated_loudness(tone(997, 0.2, 0.5), RATE) == -np.inf  # no whole 400 ms block


# --- the limiter -----------------------------------------------------------------


def test_limiter_keeps_true_peaks_under_the_ceiling():
    x = quantised(0.05 * rng.standard_normal(3 * RATE))  # peaks near -13 dBFS
    x[RATE : RATE + 200] *= 20  # a burst far over
    lim = L.Limiter(RATE, -3.0)
    y = lim.apply(x)
    assert L.db(L.true_peak(y)) <= -3.0 + 0.05
    # quiet stretches far from a peak come through untouched
    assert np.array_equal(y[: RATE // 4], x[: RATE // 4])


def test_hop_gains_at_several_scales_are_those_of_scaled_peaks():
    x = quantised(0.05 * rng.standard_normal(2 * RATE))
    x[RATE // 2 : RATE // 2 + 300] *= 15
    lim = L.Limiter(RATE, -3.0)
    peaks = lim.hop_peaks(x, lim.ceiling / 4)
    scales = (0.1, 1.0, 2.5, 6.0)
    shared = lim.hop_gains_at(peaks, scales)
    for scale, gains in zip(scales, shared):
        alone = lim.hop_gains(peaks * scale)
        if alone is None:
            assert gains is None
        else:
            assert gains is not None and np.allclose(gains, alone, atol=1e-6)
    assert shared[0] is None and shared[-1] is not None and shared[-1].min() < shared[1].min()


def test_limiter_leaves_quiet_audio_alone():
    x = tone(440, 1, 0.3)
    assert L.Limiter(RATE, -1.0).apply(x) is x


def test_limiter_catches_a_peak_hidden_between_samples():
    # samples +a, -a, -a, +a ... around a sign flip: the wave between the two
    # negative samples dips far below both
    x = quantised(0.9 * np.sin(2 * np.pi * (RATE / 4) * (np.arange(RATE) + 0.5) / RATE))
    assert L.true_peak(x) > 1.3 * np.abs(x).max()
    y = L.Limiter(RATE, -6.0).apply(x)
    assert L.db(L.true_peak(y)) <= -6.0 + 0.05


# --- episodes of real speech ----------------------------------------------------

TEXTS = [
    "The night ferry to Kelby will return next spring after a decade away.",
    "Harbour officials said the crossing would run four nights a week.",
    "We have waited a long time for this, said the mayor, smiling.",
    "Tickets go on sale in March, and islanders get a discount.",
    "The old terminal building will be repaired before the first sailing.",
    "Critics say the timetable is too thin to help commuters.",
]
VOICES = [
    VoiceSettings("narrator", "gmw/en-gb-x-rp", None, rate=170, pitch=40),
    VoiceSettings("quote-1", "gmw/en-us", "f3", rate=170, pitch=55),
    VoiceSettings("quote-2", "gmw/en-us", "m7", rate=170, pitch=75),
]


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    """(script, clips) of real eSpeak NG clips from the synthesis stage, about 25 s."""
    if not runtime.espeak_available():
        pytest.skip("libespeak-ng is not loadable")
    from audiobook.synthesize import synthesize

    segments = tuple(ScriptSegment(NARRATION, t, i // 2, VOICES[i % 3].name) for i, t in enumerate(TEXTS))
    utts = [Utterance(i, 0, t, VOICES[i % 3]) for i, t in enumerate(TEXTS)]
    clips = synthesize(utts, engine="espeak", jobs=2, cache_dir=tmp_path_factory.mktemp("clips"))
    return Script("Ferry", segments), clips


def scaled_copy(clips: list[Clip], folder: Path, decibels: float) -> list[Clip]:
    """The clips made louder or quieter; louder ones clip at full scale, as a hot recording would."""
    out = []
    for c in clips:
        x = np.clip(read_wav(c.path) * L.gain_of(decibels), -1.0, 32767 / 32768)
        out.append(Clip(c.segment, c.part, write_wav(folder / c.path.name, x), c.rate, c.frames, text=c.text))
    return out


@needs_espeak
def test_meter_agrees_with_ffmpeg_on_real_speech(speech):
    script, clips = speech
    for clip in clips[:3]:
        x = read_wav(clip.path)
        assert L.integrated_loudness(x, RATE) == pytest.approx(ebur128_pcm(x)[0], abs=0.5)
    joined = np.concatenate([np.concatenate([read_wav(c.path), np.zeros(RATE // 3, np.float32)]) for c in clips])
    assert L.integrated_loudness(joined, RATE) == pytest.approx(ebur128_pcm(joined)[0], abs=0.5)


@needs_espeak
@pytest.mark.parametrize("change", [0.0, -10.0, +8.0], ids=["as spoken", "quiet", "loud and clipped"])
def test_episode_lands_at_minus_16_lufs_under_minus_1_dbtp(speech, tmp_path, change):
    script, clips = speech
    if change:
        clips = scaled_copy(clips, tmp_path, change)
    out = tmp_path / "episode.mp3"
    stitch(script, clips, out)
    lufs, peak = loudness(out)
    assert lufs == pytest.approx(-16.0, abs=1.0)
    assert peak <= -1.0


@needs_espeak
def test_quiet_input_really_is_quiet_before(speech, tmp_path):
    """The 'quiet' case above starts near -30 LUFS, as the brief asks."""
    script, clips = speech
    out = tmp_path / "raw.mp3"
    stitch(script, scaled_copy(clips, tmp_path, -10.0), out, loudness=None)
    assert loudness(out)[0] == pytest.approx(-31, abs=2.0)


@needs_espeak
def test_other_targets(speech, tmp_path):
    script, clips = speech
    out = tmp_path / "episode.mp3"
    stitch(script, clips, out, loudness=-19.0, true_peak=-2.0)
    lufs, peak = loudness(out)
    assert lufs == pytest.approx(-19.0, abs=1.0)
    assert peak <= -2.0


@needs_espeak
def test_no_loudness_leaves_the_level_alone(speech, tmp_path):
    script, clips = speech
    out = tmp_path / "episode.mp3"
    stitch(script, clips, out, loudness=None)
    joined = np.concatenate([read_wav(c.path) for c in clips])
    # the MP3 encoder costs ~0.4 dB; nothing else changes the level
    assert loudness(out)[0] == pytest.approx(L.integrated_loudness(joined, RATE) - 0.4, abs=0.5)


def test_silent_episode_does_not_blow_up(tmp_path):
    path = write_wav(tmp_path / "s.wav", np.zeros(RATE, np.float32))
    script = Script("t", (ScriptSegment(NARRATION, "Hush.", 0, "narrator"),))
    out = tmp_path / "x.mp3"
    stitch(script, [Clip(0, 0, path, RATE, RATE)], out)
    audio = subprocess.run(
        [find_ffmpeg(), "-v", "error", "-i", str(out), "-f", "s16le", "-ac", "1", "pipe:1"], capture_output=True
    ).stdout
    assert not np.frombuffer(audio, "<i2").any()


@pytest.mark.parametrize("seconds", [0.05, 0.5])
def test_very_short_and_very_quiet_episodes_are_raised_at_most_20_db(tmp_path, seconds):
    # -50 dBFS: reaching -16 LUFS would need ~+40 dB of gain, and noise with it
    path = write_wav(tmp_path / "q.wav", tone(440, seconds, 0.003))
    script = Script("t", (ScriptSegment(NARRATION, "Hm.", 0, "narrator"),))
    out = tmp_path / "x.mp3"
    stitch(script, [Clip(0, 0, path, RATE, round(seconds * RATE))], out)
    before = L.integrated_loudness(np.concatenate([np.zeros(int(0.3 * RATE), np.float32), read_wav(path),
                                                   np.zeros(int(0.7 * RATE), np.float32)]), RATE)
    after, _ = loudness(out)
    assert -70 < before < -40
    assert after == pytest.approx(before + 20.0, abs=1.0)


@pytest.mark.parametrize("kwargs", [{"loudness": 0.0}, {"loudness": -80.0}, {"true_peak": 1.0}])
def test_out_of_range_targets_are_refused(tmp_path, kwargs):
    path = write_wav(tmp_path / "a.wav", tone(440, 0.5, 0.3))
    script = Script("t", (ScriptSegment(NARRATION, "A.", 0, "narrator"),))
    with pytest.raises(ValueError):
        stitch(script, [Clip(0, 0, path, RATE, RATE // 2)], tmp_path / "x.mp3", **kwargs)


def test_importing_stitch_does_not_import_numpy():
    code = "import sys, audiobook.stitch, audiobook.loudness; print('numpy' in sys.modules)"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "False"
