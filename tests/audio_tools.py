"""Measuring real audio in tests: decode an MP3, find its pitch and level."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

from audiobook.stitch import find_ffmpeg

RATE = 22050


def decode(mp3: Path, rate: int = RATE) -> np.ndarray:
    """The MP3 decoded by ffmpeg to mono float samples at ``rate`` (there is no ffprobe)."""
    out = subprocess.run(
        [find_ffmpeg(), "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-ar", str(rate), "pipe:1"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(out, dtype="<i2").astype(np.float64)


def span(audio: np.ndarray, start: float, end: float, rate: int = RATE) -> np.ndarray:
    return audio[int(start * rate) : int(end * rate)]


def rms_dbfs(x: np.ndarray) -> float:
    """Level of a stretch of audio in dB relative to full scale (-inf for digital silence)."""
    if len(x) == 0:
        return float("-inf")
    rms = np.sqrt(np.mean((x / 32768.0) ** 2))
    return 20 * np.log10(rms) if rms > 0 else float("-inf")


def median_pitch(x: np.ndarray, rate: int = RATE) -> float:
    """Median fundamental frequency (Hz) of the voiced frames, by autocorrelation.

    40 ms frames every 10 ms; a frame counts as voiced when it is loud enough
    and its autocorrelation peak within 60-400 Hz is strong.
    """
    frame, hop = int(0.04 * rate), int(0.01 * rate)
    lo, hi = rate // 400, rate // 60
    level = np.sqrt(np.mean(x**2)) if len(x) else 0.0
    found = []
    for i in range(0, len(x) - frame, hop):
        f = x[i : i + frame] - x[i : i + frame].mean()
        if np.sqrt(np.mean(f**2)) < 0.3 * level:
            continue
        ac = np.correlate(f, f, "full")[frame - 1 :]
        k = lo + int(np.argmax(ac[lo:hi]))
        if ac[k] > 0.5 * ac[0]:
            found.append(rate / k)
    return float(np.median(found)) if found else 0.0


def semitones(a: float, b: float) -> float:
    return 12 * abs(np.log2(a / b))


def loudness(mp3: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) measured by ffmpeg's ebur128 filter."""
    res = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-nostats", "-i", str(mp3), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = res.stderr[res.stderr.rindex("Summary:") :]
    lufs = float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1))
    # the true-peak section, not a sample-peak one ("peak=sample+true" prints both)
    peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return lufs, peak
