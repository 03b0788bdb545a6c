#!/usr/bin/env python3
"""`audiobook build` next to the floor: one short article, one long, a batch, a rebuild.

The floor for an article is one eSpeak NG call plus one MP3 encode of the same
cleaned text, on one core:

    espeak-ng -f TEXT -w x.wav && ffmpeg -i x.wav -ac 1 -ar 44100 -b:a 96k x.mp3

and for a batch the sum of its articles' floors.  Builds start from an empty
clip cache; "rebuild" runs the same build again (cache and output in place).
Wall time and peak memory are of the whole process tree (the RSS of every
process in it, summed, sampled every 20 ms with psutil).  The texts are the
repository's own test articles, cleaned: the short one is the article nearest
500 words, the long one all of them concatenated (repeated) to 25,000 words,
the batch the first 20.  Cases under 5,000 words run --repeat times (floor
and build alternating) and show medians, with the spread of the ratios;
those runs are timed without the memory sampler (it costs the 2-core build
~0.03 s and the 1-core floor nothing), and one more run, sampled, gives
their memory.

Then the long build once more in this process, with each stage timed.

The package is byte-compiled first, as installing it does.  Where the
environment sets PYTHONDONTWRITEBYTECODE (this sandbox does), a source
checkout would otherwise recompile every module in every process of every
run, which no installed copy does; --no-bytecode measures that case.

Usage:
    ESPEAK_NG=/path/to/espeak-ng python bench/batch.py [--words 25000] [--batch 20] [--skip-long] [--articles DIR]
"""
from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audiobook.clean import clean  # noqa: E402
from audiobook.load import load  # noqa: E402
from audiobook.stitch import find_ffmpeg  # noqa: E402

ARTICLES = ROOT / "tests" / "data" / "quotes"


def cleaned(path: Path) -> str:
    return "\n\n".join(clean(load(str(path))).paragraphs)


def run(cmd: list[str], env: dict | None = None, sample: bool = True) -> tuple[float, int]:
    """Wall seconds and peak RSS bytes of ``cmd`` and all its descendants
    (0 bytes unless ``sample``: the sampler takes a few percent of a core)."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, done = 0, threading.Event()

    def watch() -> None:
        nonlocal peak
        try:
            root = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not done.is_set():
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.NoSuchProcess:
                        pass
            except psutil.NoSuchProcess:
                break
            peak = max(peak, total)
            done.wait(0.02)

    sampler = threading.Thread(target=watch, daemon=True)
    if sample:
        sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    if sample:
        sampler.join()
    if proc.returncode:
        sys.exit(f"bench: {' '.join(cmd[:4])} ... failed:\n{err.decode(errors='replace')[-2000:]}")
    return wall, peak


def floor(text_file: Path, work: Path, espeak: str, ffmpeg: str, sample: bool = True) -> tuple[float, int]:
    wav, mp3 = work / "floor.wav", work / "floor.mp3"
    t1, m1 = run([espeak, "-f", str(text_file), "-w", str(wav)], sample=sample)
    t2, m2 = run([ffmpeg, "-y", "-v", "error", "-i", str(wav), "-ac", "1", "-ar", "44100", "-b:a", "96k", str(mp3)], sample=sample)
    wav.unlink(missing_ok=True)
    return t1 + t2, max(m1, m2)


def build(files: list[Path], out: Path, cache: Path, jobs: list[str], sample: bool = True) -> tuple[float, int]:
    env = {**os.environ, "AUDIOBOOK_CACHE_DIR": str(cache)}
    return run([sys.executable, "-m", "audiobook", "build", *map(str, files), "-o", str(out), *jobs], env, sample)


def profile(text_file: Path, out: Path, encode_jobs: int | None) -> None:
    """Build once in this process, printing where the time goes."""
    from audiobook import mp3join, pipeline, stitch, synthesize, tag, transcript

    spent: dict[str, float] = {}

    def timed(module, name: str, label: str) -> None:
        real = getattr(module, name)

        @functools.wraps(real)
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

        setattr(module, name, wrapper)

    if encode_jobs:
        real_stitch = stitch.stitch
        stitch.stitch = functools.partial(real_stitch, encode_jobs=encode_jobs)
    timed(pipeline, "make_script", "text stages (load, clean, segment, attribute, cast)")
    timed(synthesize, "synthesize", "synthesis (fresh cache)")
    timed(stitch, "_check_clips", "stitch: check clips")
    timed(stitch, "_plan_levels", "stitch: loudness plan")
    timed(mp3join, "_encode_parallel", "stitch: level + encode (parallel)")
    timed(stitch, "_stream", "stitch: level + encode (one ffmpeg)")
    timed(tag, "tag", "tag (ID3, cover, transcript)")
    timed(transcript, "sidecars", "sidecars (transcripts)")
    start = time.perf_counter()
    pipeline.build_episode(str(text_file), out)
    total = time.perf_counter() - start
    for label, seconds in spent.items():
        print(f"  {label:<55} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")
    print(f"  {'total':<55} {total:7.2f} s")


def bytecode(compile_it: bool) -> str:
    """Byte-compile the package, as pip does when it installs one; says what was done."""
    import compileall

    if not compile_it:
        for cached in (ROOT / "audiobook").rglob("__pycache__"):
            shutil.rmtree(cached, ignore_errors=True)  # what an earlier run compiled would be used
        return "bytecode: removed, not compiled ahead (--no-bytecode)" + (
            "; PYTHONDONTWRITEBYTECODE is set, so every run compiles every module" if sys.dont_write_bytecode else "")
    if not compileall.compile_dir(str(ROOT / "audiobook"), quiet=1):
        sys.exit("bench: byte-compiling the package failed")
    return "bytecode: the package is byte-compiled, as an installed copy is"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--words", type=int, default=25000)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=None, help="-j for audiobook build")
    ap.add_argument("--skip-long", action="store_true")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each case under 5,000 words (medians are shown)")
    ap.add_argument("--articles", default=str(ARTICLES), help="folder of *.txt articles (default: the test articles)")
    ap.add_argument("--no-bytecode", action="store_true", help="do not byte-compile the package first")
    ap.add_argument("--profile", metavar="TEXT", help=argparse.SUPPRESS)
    ap.add_argument("--encode-jobs", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["AUDIOBOOK_CACHE_DIR"] = str(Path(tmp) / "cache")
            profile(Path(args.profile), Path(tmp) / "out", args.encode_jobs)
        return
    espeak = os.environ.get("ESPEAK_NG") or shutil.which("espeak-ng")
    if not espeak:
        sys.exit("bench: the espeak-ng program is needed for the floor (set ESPEAK_NG)")
    ffmpeg = find_ffmpeg()
    jobs = ["-j", str(args.jobs)] if args.jobs else []
    articles = sorted(Path(args.articles).glob("*.txt"))
    if not articles:
        sys.exit(f"bench: no *.txt articles in {args.articles}")
    texts = {p: cleaned(p) for p in articles}
    with tempfile.TemporaryDirectory(prefix="audiobook-bench-") as tmp:
        work = Path(tmp)
        short = min(texts, key=lambda p: abs(len(texts[p].split()) - 500))
        long_text, words = [], 0
        while words < args.words:
            for text in texts.values():
                long_text.append(text)
                words += len(text.split())
                if words >= args.words:
                    break
        cases: list[tuple[str, list[Path]]] = []

        def write(name: str, text: str) -> Path:
            path = work / "texts" / name
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return path

        cases.append((f"short ({short.stem})", [write("short.txt", texts[short])]))
        if not args.skip_long:
            cases.append(("long (all articles)", [write("long.txt", "\n\n".join(long_text))]))
        if args.batch:
            cases.append((f"batch of {args.batch}", [write(f"b{i:02d}.txt", texts[p]) for i, p in enumerate(articles[: args.batch])]))

        print(f"{os.cpu_count()} CPUs; espeak-ng {espeak}; ffmpeg {ffmpeg}")
        print(bytecode(not args.no_bytecode))
        head = f"{'case':<26} {'words':>6} {'floor s':>8} {'build s':>8} {'ratio':>6} {'peak MB':>8} {'floor MB':>8} {'rebuild s':>9}"
        print(head)
        print("-" * len(head))
        for name, files in cases:
            words = sum(len(f.read_text(encoding="utf-8").split()) for f in files)
            # a 2-core box shared with others is noisy: short cases take the
            # median of several runs, floor and build alternating
            # (timed without the memory sampler, which takes a few percent of a
            # core from the 2-core build and none from the 1-core floor; one
            # more run, sampled, gives the memory)
            runs = args.repeat if words < 5000 else 1
            floors, builds, rebuilds, f_mem, b_mem = [], [], [], 0, 0
            for i in range(runs + 1 if runs > 1 else 1):
                timed = runs == 1 or i < runs
                sampled = runs == 1 or i == runs
                f_time = 0.0
                for f in files:
                    t, m = floor(f, work, espeak, ffmpeg, sampled)
                    f_time, f_mem = f_time + t, max(f_mem, m)
                out, cache = work / f"out-{len(files)}-{words}", work / f"cache-{len(files)}-{words}"
                b_time, mem = build(files, out, cache, jobs, sampled)
                b_mem = max(b_mem, mem)
                if timed:
                    floors.append(f_time)
                    builds.append(b_time)
                    rebuilds.append(build(files, out, cache, jobs, sampled)[0])
                shutil.rmtree(cache, ignore_errors=True)
                shutil.rmtree(out, ignore_errors=True)
            f_time, b_time, r_time = (statistics.median(x) for x in (floors, builds, rebuilds))
            ratios = sorted(b / f for b, f in zip(builds, floors))
            spread = f" (ratios {ratios[0]:.2f}-{ratios[-1]:.2f} over {runs} runs)" if runs > 1 else ""
            print(f"{name:<26} {words:>6} {f_time:>8.2f} {b_time:>8.2f} {b_time / f_time:>6.2f} {b_mem / 1e6:>8.0f} {f_mem / 1e6:>8.0f} {r_time:>9.2f}{spread}")
        if not args.skip_long:
            long_file = next(files[0] for name, files in cases if name.startswith("long"))
            for encode_jobs in (None, 1):
                print(f"\nwhere the time goes, long article, {'parallel encode' if encode_jobs is None else 'one encoder'}:")
                sys.stdout.flush()
                extra = ["--encode-jobs", str(encode_jobs)] if encode_jobs else []
                subprocess.run([sys.executable, __file__, "--profile", str(long_file), *extra], check=True)


if __name__ == "__main__":
    main()
