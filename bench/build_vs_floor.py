#!/usr/bin/env python3
"""Time `audiobook build` against the floor on the same cleaned text.

The floor is what one eSpeak NG call plus one MP3 encode cost:

    espeak-ng -f TEXT -w x.wav && ffmpeg -i x.wav -ac 1 -ar 44100 -b:a 96k x.mp3

Usage:
    python bench/build_vs_floor.py [ARTICLE ...] [--runs N] [--jobs N]

Needs the espeak-ng program (the Debian package espeak-ng, or ESPEAK_NG=path);
ffmpeg is the one audiobook itself uses. Prints the median wall time of each
over N runs, the build with an empty clip cache and with a warm one, and the
ratio build / floor.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audiobook.clean import clean  # noqa: E402
from audiobook.load import load  # noqa: E402
from audiobook.stitch import find_ffmpeg  # noqa: E402


def timed(cmd: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def floor(text_file: Path, work: Path, espeak: str, ffmpeg: str) -> float:
    wav, mp3 = work / "x.wav", work / "x.mp3"
    return timed([espeak, "-f", str(text_file), "-w", str(wav)]) + timed(
        [ffmpeg, "-y", "-v", "error", "-i", str(wav), "-ac", "1", "-ar", "44100", "-b:a", "96k", str(mp3)]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("articles", nargs="*", default=[str(ROOT / "examples" / "ferry-returns.txt")])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    espeak = os.environ.get("ESPEAK_NG") or shutil.which("espeak-ng")
    if not espeak:
        sys.exit("bench: the espeak-ng program is needed for the floor (apt-get install espeak-ng, or set ESPEAK_NG)")
    ffmpeg = find_ffmpeg()
    audiobook = [sys.executable, "-m", "audiobook"]
    print(f"{'article':<24} {'words':>6} {'floor s':>8} {'cold s':>8} {'warm s':>8} {'cold/floor':>10} {'warm/floor':>10}")
    for article in args.articles:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            text = "\n\n".join(clean(load(article)).paragraphs)
            text_file = work / "text.txt"
            text_file.write_text(text, encoding="utf-8")
            words = len(text.split())
            jobs = ["-j", str(args.jobs)] if args.jobs else []
            floors, colds, warms = [], [], []
            for run in range(args.runs):
                floors.append(floor(text_file, work, espeak, ffmpeg))
                env = {**os.environ, "AUDIOBOOK_CACHE_DIR": str(work / f"cache{run}")}
                # --force: the same text in the same folder would otherwise be skipped as unchanged
                build = [*audiobook, "build", str(text_file), "-o", str(work / "out"), "--force", *jobs]
                colds.append(timed(build, env))
                warms.append(timed(build, env))
            f, c, w = (statistics.median(x) for x in (floors, colds, warms))
            print(f"{Path(article).name[:24]:<24} {words:>6} {f:>8.2f} {c:>8.2f} {w:>8.2f} {c / f:>10.2f} {w / f:>10.2f}")


if __name__ == "__main__":
    main()
