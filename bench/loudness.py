#!/usr/bin/env python3
"""Time loudness normalisation against a plain encode and ffmpeg's loudnorm.

    real eSpeak NG speech (~10 and ~60 min) -> three MP3s each -> times, LUFS, dBTP

For each length the same clips are stitched three ways:

* ``plain``    stitch(..., loudness=None): the encode alone;
* ``ours``     stitch(...) with its defaults (-16 LUFS, -1 dBTP): measure the
               clips with numpy, then gain and a true-peak limiter per clip,
               in the same ffmpeg encode;
* ``loudnorm`` the plain stitch's PCM re-encoded through ffmpeg's one-pass
               ``loudnorm=I=-16:TP=-1.5:LRA=11`` (``-ar 44100``, else it
               outputs 192 kHz); the time shown is that of one ffmpeg run
               doing the whole encode with loudnorm in it.

Each result is then measured with ffmpeg's ``ebur128=peak=true``.  The clips
come from the real synthesis stage (spawned workers, the clip cache in
``--cache``), so the first run also prints how long synthesis took: the cost
to compare against.

Usage:
    python bench/loudness.py [--minutes 10 60] [--cache DIR] [--jobs N]
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audiobook.models import NARRATION, QUOTE, Clip, Script, ScriptSegment, Utterance, VoiceSettings  # noqa: E402
from audiobook.stitch import find_ffmpeg, stitch  # noqa: E402
from audiobook.synthesize import split_sentences, synthesize  # noqa: E402

# The voices of voices/default.toml as eSpeak NG resolves them: a narrator
# and the quote voices, so the corpus has the spread of levels a real
# episode has.
VOICES = [
    VoiceSettings("narrator", "gmw/en-gb-x-rp", None, rate=170, pitch=40),
    VoiceSettings("quote-1", "gmw/en-us", "f3", rate=170, pitch=55),
    VoiceSettings("quote-2", "gmw/en-us", "m7", rate=170, pitch=75),
    VoiceSettings("quote-3", "gmw/en", "f2", rate=170, pitch=45),
    VoiceSettings("quote-4", "gmw/en-gb-scotland", "m3", rate=170, pitch=80),
    VoiceSettings("quote-5", "gmw/en-us", "f4", rate=170, pitch=70),
    VoiceSettings("quote-6", "gmw/en-us", "klatt", rate=170, pitch=85),
]
WORDS_PER_MINUTE = 170


def articles() -> list[list[str]]:
    """Paragraphs of every article in the repository."""
    files = sorted((ROOT / "tests" / "data" / "quotes").glob("*.txt")) + sorted((ROOT / "examples").glob("*.txt"))
    return [[p for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()] for f in files]


def corpus(minutes: float) -> tuple[Script, list[Utterance]]:
    """About ``minutes`` of speech: the articles' sentences, again and again.

    Each repetition shifts which voice reads which paragraph, so no utterance
    repeats (the clip cache would otherwise make synthesis look free) and
    every voice reads a fair share.  Every third paragraph is a quote voice.
    """
    words_wanted = minutes * WORDS_PER_MINUTE
    segments: list[ScriptSegment] = []
    utterances: list[Utterance] = []
    words = 0
    paragraph = 0
    round_ = 0
    while words < words_wanted:
        for article in articles():
            for para in article:
                quote = paragraph % 3 == 2
                if quote:
                    voice = VOICES[1 + (paragraph + round_) % (len(VOICES) - 1)]
                else:
                    # repeated text in another pitch: new audio, not a cache hit
                    voice = replace(VOICES[0], pitch=VOICES[0].pitch + 3 * round_)
                for sentence in split_sentences(para):
                    index = len(segments)
                    segments.append(ScriptSegment(QUOTE if quote else NARRATION, sentence, paragraph, voice.name))
                    utterances.append(Utterance(index, 0, sentence, voice))
                    words += len(sentence.split())
                paragraph += 1
                if words >= words_wanted:
                    break
            if words >= words_wanted:
                break
        round_ += 1
    return Script(f"Loudness bench, {minutes:g} minutes", tuple(segments)), utterances


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) by ffmpeg's ebur128 filter."""
    err = subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr
    summary = err[err.rindex("Summary:"):]
    lufs = float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1))
    peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return lufs, peak


def loudnorm_encode(script: Script, clips: list[Clip], out: Path) -> None:
    """stitch's own stream and encoder command, with ffmpeg's one-pass loudnorm in the chain."""
    from audiobook import stitch as st

    rate, frames = st._check_clips(script, clips)
    cmd = st._ffmpeg_command(find_ffmpeg(), rate, out, "96k", 44100)
    at = cmd.index("-c:a")
    cmd[at:at] = ["-af", "loudnorm=I=-16:TP=-1.5:LRA=11"]  # -ar 44100 follows: else 192 kHz
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    st._stream(script, clips, frames, rate, proc.stdin, st.DEFAULT_PAUSES)
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit(f"bench: ffmpeg with loudnorm failed (exit {proc.returncode})")


def timed(fn, runs: int) -> float:
    """Best wall time of ``runs`` calls: the machine's other load only ever adds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, nargs="+", default=[10, 60])
    ap.add_argument("--cache", help="clip cache to use (default: a new one, so synthesis is timed cold)")
    ap.add_argument("--jobs", type=int, default=None, help="synthesis workers (default: one per CPU)")
    ap.add_argument("--runs", type=int, default=3, help="encodes of each kind; the best time counts")
    args = ap.parse_args()

    from audiobook import stitch as st

    print(f"{'speech':>8} {'kind':<9} {'time s':>7} {'+ s':>6} {'LUFS':>6} {'dBTP':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for minutes in args.minutes:
            script, utterances = corpus(minutes)
            cache = args.cache or work / f"cache-{minutes:g}"
            start = time.perf_counter()
            clips = synthesize(utterances, engine="espeak", jobs=args.jobs, cache_dir=cache)
            synth = time.perf_counter() - start
            audio = sum(c.duration for c in clips) / 60
            label = f"{audio:.0f} min"
            print(f"{label:>8} {'synth':<9} {synth:>7.2f}")
            rate, frames = st._check_clips(script, clips)
            plan = timed(
                lambda: st._plan_levels(script, clips, frames, rate, st.DEFAULT_PAUSES, -16.0, -1.0), args.runs
            )
            runs = {
                "plain": lambda out: stitch(script, clips, out, loudness=None),
                "ours": lambda out: stitch(script, clips, out),
                "loudnorm": lambda out: loudnorm_encode(script, clips, out),
            }
            base = None
            for kind, run in runs.items():
                out = work / f"{kind}-{minutes:g}.mp3"
                # loudnorm is slow enough that one run says it all
                seconds = timed(lambda: run(out), 1 if kind == "loudnorm" else args.runs)
                base = seconds if base is None else base
                lufs, peak = ebur128(out)
                extra = f"{seconds - base:+6.2f}" if kind != "plain" else ""
                print(f"{label:>8} {kind:<9} {seconds:>7.2f} {extra:>6} {lufs:>6.1f} {peak:>6.1f}")
            print(f"{label:>8} {'(plan)':<9} {plan:>7.2f}   measuring + predicting, before ffmpeg starts")


if __name__ == "__main__":
    main()
