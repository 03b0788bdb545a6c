"""Voiced segments -> checked clips, in worker processes, through a clip cache.

    Script -plan-> [Utterance] -synthesize-> [Clip] (mono 16-bit WAV files)

``plan`` steps: join adjacent segments of one paragraph read by one voice (a
partial quote inside narration), so the sentence keeps its intonation; split
into sentences (not after "Mr.", initials, "e.g." or inside "2.5"); split
sentences over MAX_CHARS at ; : dashes , or spaces; pass each through
``spoken`` (the speech normalisation hook); skip what has nothing speakable.

``synthesize`` steps: key every utterance by engine, voice and text; take
cache hits as they are (touching their mtime: cache.py evicts the least
recently used); send the rest to spawn-started workers that each own
one engine; every clip is checked (exists, decodes, converted to mono 16-bit at
the engine's rate, trimmed of silence, not silent, long enough for its words)
before it is renamed into the cache.  A worker that fails, hangs past the
task's timeout or dies is killed and replaced and the utterance retried; after
``attempts`` failures the run stops with SynthesisError.

Workers are spawned, never forked: a forked copy of an initialised speech
library hangs.  Their stdout goes to /dev/null because pyttsx3 prints there.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections import deque
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .errors import AudiobookError, DependencyError, InputError, ProfileError, SynthesisError
from .models import Clip, Script, Utterance, VoiceSettings

log = logging.getLogger(__name__)

#: no utterance is longer than this many characters; eSpeak slows down
#: quadratically on long inputs and pyttsx3 crashes on very long ones
MAX_CHARS = 400
#: bump when the way clips are made or stored changes: old cache entries then miss
CLIP_FORMAT = "clip-1 mono s16 wav, trimmed at -45 dBFS with 30 ms margin"
#: below this level (peak of a 10 ms window) audio counts as silence
SILENCE_DBFS = -45.0
#: silence kept before and after the speech, in seconds
MARGIN = 0.030
#: a clip shorter than this share of the time its words need at the voice's rate is broken
MIN_LENGTH_SHARE = 0.25
#: seconds a freshly spawned worker may take to build its engine
STARTUP_TIMEOUT = 60.0
#: words of speech that make one more worker worth starting.  Starting and
#: stopping a worker costs ~0.1 s of a core and it is ready ~0.15 s later;
#: eSpeak says ~4,000 words a second.  A 500-word article is done sooner by
#: one worker, with the core the second would take left to the encoder.
WORDS_PER_WORKER = 800

Progress = Callable[[int, int], None]

# --- plan: segments -> utterances --------------------------------------------------

# (small patterns, compiled the usual way: the speech workers import this
# module, and need neither the pattern cache nor platformdirs to find it)
_SPEAKABLE = re.compile(r"[^\W_]")
_WORD = re.compile(r"[^\W_]+(?:['’.,][^\W_]+)*")
# Sentence-final punctuation, then closing quotes/brackets, then space or the end.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s|$)")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st prof sr jr rev gen sen rep gov lt col capt sgt mt ft vs e.g i.e cf approx".split()
)
# Abbreviations that are only abbreviations before a number ("No. 5", "Jan. 12").
_BEFORE_NUMBER = frozenset("no nos vol p pp fig jan feb mar apr jun jul aug sep sept oct nov dec".split())
_INITIALS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")  # "J", "U.S" (the final dot is outside)
# Words that open sentences but rarely follow initials inside a name: after
# "U.S." or "J.K." one of these starts a new sentence ("in the U.S. Then it"),
# anything else capitalised goes on ("Dr J.K. Wong", "the U.S. Army").
_SENTENCE_OPENERS = frozenset(
    "a an the this that these those there then thus so but and or yet still now later meanwhile however"
    " i he she it we they you his her its our their my your one some many most all both each few"
    " in on at by for from with after before when while if as since although though once despite"
    " what who why how where which no not nor".split()
)


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    after = text[match.end() :].lstrip()
    if not after:
        return True
    if after[0].islower():
        # A lower-case continuation means the dot was not a full stop.
        return False
    if match.group() != ".":
        return True
    word = text[: match.start()].rsplit(None, 1)[-1] if text[: match.start()].strip() else ""
    word = word.lstrip("\"'“‘«([")
    low = word.lower()
    if low in _ABBREVIATIONS:
        return False
    if low in _BEFORE_NUMBER and after[0].isdigit():
        return False
    if _INITIALS.fullmatch(word):
        if len(word) == 1:
            return False  # "J. K. Rowling"
        first = _first_word(after)
        if not first[:1].isupper():
            return False  # "the U.S. economy"
        if after[0].isalpha() and first.lower() not in _SENTENCE_OPENERS:
            return False  # "Dr J.K. Wong", "the U.S. Army" (but "in the U.S. The" ends, as does a quote)
    return True


def _first_word(text: str) -> str:
    match = _WORD.match(text.lstrip("\"'“‘«(["))
    return match.group() if match else ""


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text``, surrounding space excluded."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if _is_boundary(text, match):
            out.append(_strip(text, start, match.end()))
            start = match.end()
    out.append(_strip(text, start, len(text)))
    return [(a, b) for a, b in out if a < b]


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``, whitespace collapsed; abbreviations and decimals kept whole."""
    return [" ".join(text[a:b].split()) for a, b in sentence_spans(text)]


def long_spans(text: str, start: int, end: int, limit: int = MAX_CHARS) -> list[tuple[int, int]]:
    """``text[start:end]`` cut into pieces of at most ``limit`` characters at the weakest break."""
    pieces = []
    while end - start > limit:
        window = text[start : start + limit + 1]
        cut = 0
        # Prefer clause marks, then commas, then any space; a cut in the first
        # quarter would leave a stub, so those only count as a last resort.
        for marks in ((";", ":", "—", "–"), (",",), (" ",)):
            best = max(window.rfind(m, 0, limit) for m in marks)
            if best > limit // 4:
                cut = best + (0 if marks == (" ",) else 1)
                break
        if cut <= 0:
            cut = max(window.rfind(" ", 1, limit), 0) or limit
        pieces.append(_strip(text, start, start + cut))
        start, end = _strip(text, start + cut, end)
    if start < end:
        pieces.append((start, end))
    return [(a, b) for a, b in pieces if a < b]


def split_long(sentence: str, limit: int = MAX_CHARS) -> list[str]:
    """``sentence`` cut into pieces of at most ``limit`` characters at the weakest break."""
    start, end = _strip(sentence, 0, len(sentence))
    return [sentence[a:b] for a, b in long_spans(sentence, start, end, limit)]


def speakable(text: str) -> bool:
    """Whether ``text`` has a letter or digit for the engine to say."""
    return bool(_SPEAKABLE.search(text))


def _runs(script: Script) -> list[list[int]]:
    """Indices of adjacent segments in one paragraph read by one voice, grouped.

    A partial quote the narrator reads sits between two narration segments;
    speaking the three as one text keeps the sentence's intonation whole.
    """
    runs: list[list[int]] = []
    for index, seg in enumerate(script.segments):
        prev = script.segments[runs[-1][-1]] if runs else None
        if prev is not None and prev.paragraph == seg.paragraph and prev.voice == seg.voice:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def plan(script: Script, spoken: Callable[[str], str] = lambda s: s) -> list[Utterance]:
    """Utterances for the script: one per sentence (or piece of a long one) of each run
    of adjacent same-voice segments, the text rewritten by ``spoken`` for the engine."""
    out: list[Utterance] = []
    starts: dict[int, int] = {}  # segment -> utterances starting in it so far
    for run in _runs(script):
        seg = script.segments[run[0]]
        voice = script.voices.get(seg.voice)
        if voice is None:
            raise ProfileError(
                f"segment {run[0]} is read by voice {seg.voice!r}, which the script does not define",
                hint="re-cast the article, or add the voice to the script's voices",
            )
        text = "".join(script.segments[i].text for i in run)
        bounds, pos = [], 0  # (segment, start, end) offsets of each segment in ``text``
        for i in run:
            bounds.append((i, pos, pos + len(script.segments[i].text)))
            pos += len(script.segments[i].text)
        for start, end in (p for a, b in sentence_spans(text) for p in long_spans(text, a, b)):
            said = spoken(text[start:end])
            if not speakable(said):
                continue
            covered = [(i, a, b) for i, a, b in bounds if a < end and b > start and speakable(text[max(a, start) : min(b, end)])]
            if not covered:
                continue
            first = covered[0][0]
            spans: tuple[tuple[int, float], ...] = ()
            if len(covered) > 1:
                ends = [(i, (min(b, end) - start) / (end - start)) for i, _, b in covered]
                spans = tuple(ends[:-1]) + ((ends[-1][0], 1.0),)  # the clip ends with its last segment
            out.append(Utterance(segment=first, part=starts.get(first, 0), text=said, voice=voice, spans=spans))
            starts[first] = starts.get(first, 0) + 1
    return out


class BadClip(SynthesisError):
    """The engine wrote something, but not a usable clip (counts as a failed attempt)."""


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _read_pcm(path: Path, rate: int) -> bytes | None:
    """The frames of ``path`` if it is already mono 16-bit PCM WAV at ``rate``, else None."""
    import wave

    try:
        with wave.open(str(path), "rb") as w:
            if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, rate):
                return None
            return w.readframes(w.getnframes())
    except (wave.Error, EOFError):
        return None


def _convert(path: Path, rate: int) -> bytes:
    # AIFF from macOS, stereo or 8/24-bit WAV from SAPI5 voices, odd rates:
    # ffmpeg reads them all, so one generic path instead of per-format code.
    import subprocess

    from .stitch import find_ffmpeg

    out = path.with_name(path.name + ".converted.wav")
    cmd = [find_ffmpeg(), "-nostdin", "-v", "error", "-y", "-i", str(path), "-ac", "1", "-ar", str(rate),
           "-c:a", "pcm_s16le", str(out)]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired as exc:
        raise BadClip("converting the clip timed out", hint="retry") from exc
    try:
        frames = _read_pcm(out, rate) if done.returncode == 0 else None
    finally:
        out.unlink(missing_ok=True)
    if frames is None:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["unreadable"]
        raise BadClip(f"the clip does not decode: {message[0]}", hint="retry")
    return frames


def trim(samples: Sequence[int], rate: int) -> tuple[int, int] | None:
    """(start, end) sample indices around the speech, with MARGIN kept; None if silent.

    Only the edges are scanned, window by window from each end to the first
    loud one: a clip is mostly speech, and looking at every sample of it in
    Python cost more than synthesising it.
    """
    window = max(1, rate // 100)
    threshold = 32768 * 10 ** (SILENCE_DBFS / 20)

    def loud(i: int) -> bool:
        chunk = samples[i : i + window]
        return max(chunk) > threshold or -min(chunk) > threshold

    starts = range(0, len(samples), window)
    first = next((i for i in starts if loud(i)), None)
    if first is None:
        return None
    last = next(i for i in reversed(starts) if loud(i))
    margin = round(MARGIN * rate)
    return max(0, first - margin), min(len(samples), last + window + margin)


def finish_clip(raw: Path, dest: Path, *, text: str, wpm: int, rate: int) -> int:
    """Check the engine's file ``raw`` and store it trimmed as ``dest``; return its frames.

    Raises BadClip when the file is missing, empty, undecodable, silent or
    too short for ``text`` at ``wpm`` words a minute.
    """
    import sys
    import wave
    from array import array

    if not raw.exists():
        raise BadClip("the engine wrote no file", hint="retry")
    if raw.stat().st_size == 0:
        raise BadClip("the engine wrote an empty file", hint="retry")
    frames = _read_pcm(raw, rate)
    if frames is None:
        frames = _convert(raw, rate)
    samples = array("h")
    samples.frombytes(frames[: len(frames) // 2 * 2])
    if sys.byteorder == "big":  # WAV is little-endian
        samples.byteswap()
    span = trim(samples, rate)
    if span is None:
        raise BadClip("the clip is silent", hint="retry")
    start, end = span
    expected = word_count(text) * 60.0 / max(wpm, 1)
    if (end - start) / rate < MIN_LENGTH_SHARE * expected:
        raise BadClip(
            f"the clip lasts {(end - start) / rate:.2f} s, too short for {word_count(text)} words",
            hint="retry",
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(frames[start * 2 : end * 2])
        # Readers only ever see complete files: rename is atomic.
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return end - start


# --- cache ------------------------------------------------------------------------------


def cache_root(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """``cache_dir``, else $AUDIOBOOK_CACHE_DIR, else the user's cache folder."""
    if cache_dir:
        return Path(cache_dir)
    if os.environ.get("AUDIOBOOK_CACHE_DIR"):
        return Path(os.environ["AUDIOBOOK_CACHE_DIR"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("audiobook"))


def clip_key(engine: str, version: str, voice: VoiceSettings, text: str) -> str:
    """sha256 of everything that shapes the audio of one utterance."""
    fields = [CLIP_FORMAT, engine, version, voice.engine_voice, voice.rate, voice.pitch, voice.volume, text]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8")).hexdigest()


def clip_path(root: Path, key: str) -> Path:
    return root / "clips" / key[:2] / f"{key}.wav"


def _cached(path: Path) -> tuple[int, int] | None:
    """(rate, frames) of a usable cached clip, None when absent or unreadable."""
    import wave

    try:
        with wave.open(str(path), "rb") as w:
            if w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getnframes() > 0:
                return w.getframerate(), w.getnframes()
    except (OSError, wave.Error, EOFError):
        pass
    return None


# --- workers ----------------------------------------------------------------------------


def _describe(exc: BaseException) -> tuple[str, str, str | None]:
    # Exceptions cross the pipe as plain data: AudiobookError's hint does not
    # survive pickling.
    if isinstance(exc, AudiobookError):
        return type(exc).__name__, exc.message, exc.hint
    return type(exc).__name__, f"{type(exc).__name__}: {exc}", None


def _rebuild(info: tuple[str, str, str | None]) -> AudiobookError:
    from . import errors

    kind, message, hint = info
    cls = getattr(errors, kind, None)
    if not (isinstance(cls, type) and issubclass(cls, AudiobookError)):
        cls = SynthesisError
    return cls(message, hint=hint)


def _worker_main(conn, spec: str, scratch: str, verbose: bool) -> None:
    """A worker process: build the engine, then synthesise tasks until told to stop."""
    import shutil
    import signal

    # Ctrl-C in a terminal reaches the whole process group; the parent decides
    # what becomes of the workers (it kills them), so a worker does not die of
    # it on its own, mid-clip, with a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_WRONLY)
    # pyttsx3 and eSpeak write to the inherited stdout/stderr; only ours may.
    os.dup2(devnull if not verbose else 2, 1)
    if not verbose:
        os.dup2(devnull, 2)
    else:
        logging.basicConfig(level=logging.DEBUG, format=f"worker {os.getpid()}: %(name)s: %(message)s")
    from .engines import get_engine

    # Permanent problems (no library, unknown voice) are not worth a retry.
    permanent = (DependencyError, InputError, ProfileError)
    try:
        engine = get_engine(spec)
    except BaseException as exc:  # anything, including SystemExit, is reported
        conn.send(("fatal" if isinstance(exc, permanent) else "fail", None, _describe(exc)))
        return
    conn.send(("ready", engine.sample_rate, None))
    work = Path(scratch) / f"worker-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    try:
        while True:
            try:
                task = conn.recv()
            except EOFError:
                break
            if task is None:
                break
            key, text, voice, dest = task
            try:
                raw = engine.synthesize(text, voice, work / key[:16])
                frames = finish_clip(raw, Path(dest), text=text, wpm=voice.rate, rate=engine.sample_rate)
                conn.send(("ok", key, frames))
            except permanent as exc:
                conn.send(("fatal", key, _describe(exc)))
            except Exception as exc:
                conn.send(("fail", key, _describe(exc)))
            finally:
                for leftover in work.iterdir():
                    leftover.unlink(missing_ok=True)
    finally:
        engine.close()
        shutil.rmtree(work, ignore_errors=True)


class _Worker:
    """The parent's handle on one worker process."""

    def __init__(self, ctx, spec: str, scratch: str, verbose: bool) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, spec, scratch, verbose), daemon=True)
        self.proc.start()
        child.close()  # the child has its copy; ours would hide the child's death
        self.ready = False
        self.rate = 0
        self.tasks: deque[tuple[str, Path]] = deque()  # (key, where its clip goes) sent, in order
        self.scratch = Path(scratch)
        self.deadline = time.monotonic() + STARTUP_TIMEOUT  # of starting, then of the task at work

    @property
    def task(self) -> str | None:
        """The key of the task at work (the first one sent and not answered)."""
        return self.tasks[0][0] if self.tasks else None

    @property
    def dest(self) -> Path | None:
        """Where the clip of the task at work goes."""
        return self.tasks[0][1] if self.tasks else None

    def kill(self) -> None:
        """End the process now, and remove what it may have left half-written."""
        import shutil

        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()
        pid = self.proc.pid
        if self.dest is not None:  # killed between writing its clip and renaming it (see finish_clip)
            self.dest.with_name(f".{self.dest.name}.{pid}.tmp").unlink(missing_ok=True)
        shutil.rmtree(self.scratch / f"worker-{pid}", ignore_errors=True)

    def ask_to_stop(self) -> bool:
        """Tell the worker to finish; False if it cannot hear it."""
        try:
            self.conn.send(None)
        except OSError:
            return False
        return True

    def stop(self) -> None:
        """Wait (a while) for a worker told to finish, then make sure it has."""
        self.proc.join(5)
        self.kill()


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class WorkerPool:
    """Speech workers of one engine, which may be started ahead of need.

    Spawning a worker and starting its engine takes ~80 ms of a core; a build
    starts them (:func:`start_workers`) before its text stages, so they are
    ready by the time the first utterance is.  Workers never used are stopped
    by :meth:`close`.  One pool serves several :func:`synthesize` calls.
    """

    def __init__(self, spec: str) -> None:
        import multiprocessing
        import tempfile

        self.spec = spec
        self.ctx = multiprocessing.get_context("spawn")
        self.verbose = log.isEnabledFor(logging.DEBUG)
        self.scratch = tempfile.mkdtemp(prefix="audiobook-synth-")
        self.workers: list[_Worker] = []

    def start(self, count: int) -> None:
        """Have ``count`` workers running (starting the missing ones now)."""
        while len(self.workers) < count:
            self.workers.append(_Worker(self.ctx, self.spec, self.scratch, self.verbose))

    def close(self) -> None:
        """Stop every worker (idle ones are asked, and all end at once; busy
        or starting ones are killed), and remove the scratch folder."""
        import shutil

        asked = []
        for w in self.workers:
            if w.task is None and w.ready and w.ask_to_stop():
                asked.append(w)
            else:
                w.kill()
        for w in asked:
            w.stop()
        self.workers.clear()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def workers_for(words: int, jobs: int | None = None) -> int:
    """How many speech workers ``words`` of speech are worth: one per
    WORDS_PER_WORKER, at least one, at most ``jobs`` (default: one per core)."""
    return max(1, min(jobs or os.cpu_count() or 1, -(-words // WORDS_PER_WORKER)))


def start_workers(engine: str = "auto", jobs: int | None = None, words: int | None = None) -> WorkerPool:
    """A pool of speech workers, starting now: ``jobs`` of them (default: one
    per core), or as many as ``words`` of speech are worth (:func:`workers_for`).
    A worker of the same engine started earlier by :func:`prestart` joins it."""
    from .engines import engine_info

    spec = engine_info(engine)[0]
    pool = _take_prestarted(spec) or WorkerPool(spec)
    pool.start(workers_for(words, jobs) if words is not None else max(1, jobs or os.cpu_count() or 1))
    return pool


_prestarted: WorkerPool | None = None


def prestart(engine: str = "auto") -> None:
    """Start one speech worker now, for a build that will ask for workers later.

    The program calls this before it has even read its options: a worker
    takes ~0.15 s to be ready, longer than the text stages of a short article
    now take, so it starts while the rest of the program loads.  The next
    :func:`start_workers` of the same engine adopts it; :func:`close_prestarted`
    stops it if none does (the build was skipped, or failed first).
    """
    global _prestarted
    close_prestarted()
    from .engines import engine_info

    _prestarted = WorkerPool(engine_info(engine)[0])
    _prestarted.start(1)


def close_prestarted() -> None:
    global _prestarted
    pool, _prestarted = _prestarted, None
    if pool is not None:
        pool.close()


def _take_prestarted(spec: str) -> WorkerPool | None:
    global _prestarted
    pool, _prestarted = _prestarted, None
    if pool is not None and pool.spec != spec:
        pool.close()
        return None
    return pool


#: tasks a worker holds at once: the next one is waiting in its pipe when a
#: clip is done, so the worker never waits for this process (whose other
#: threads hold the interpreter now and then) to read the answer and reply
_IN_FLIGHT = 2


def _run_workers(
    tasks: dict[str, tuple[str, VoiceSettings, Path]],
    *,
    spec: str,
    jobs: int,
    timeout: float | None,
    attempts: int,
    on_done: Callable[[str, int, int], None],
    pool: WorkerPool | None = None,
) -> int:
    """Synthesise every task (key -> text, voice, dest); returns how many needed a retry.

    Uses ``pool``'s workers (leaving them running) when given, else a pool of its own.
    """
    from multiprocessing.connection import wait

    own = pool is None or pool.spec != spec
    if own:
        pool = _take_prestarted(spec) or WorkerPool(spec)
    assert pool is not None
    workers = pool.workers
    queue = deque(tasks)
    words = {key: word_count(text) for key, (text, _, _) in tasks.items()}
    left = sum(words.values())  # words not yet spoken: more workers only while they are worth it
    failures: dict[str, int] = {}
    startup_failures = 0

    def limit(key: str) -> float:
        return timeout if timeout is not None else 10.0 + 0.2 * words[key]

    def send(worker: _Worker, now: float) -> None:
        key = queue.popleft()
        text, voice, dest = tasks[key]
        try:
            worker.conn.send((key, text, voice, str(dest)))
        except OSError:  # it died: the task goes back, the death is handled below
            queue.appendleft(key)
            if not worker.tasks:
                worker.deadline = now
            return
        if not worker.tasks:
            worker.deadline = now + limit(key)
        worker.tasks.append((key, dest))

    def failed(worker: _Worker, reason: str, info=None) -> None:
        nonlocal startup_failures
        worker.kill()
        workers.remove(worker)
        key = worker.task
        # the tasks queued behind the one at work were never tried: back first in line
        queue.extendleft(reversed([k for k, _ in list(worker.tasks)[1:]]))
        if key is None:
            startup_failures += 1
            if startup_failures >= attempts:
                what = "failed to start" if not worker.ready else "died before it was given work"
                raise SynthesisError(
                    f"the {spec} speech worker {what} {startup_failures} times: {reason}",
                    hint="run `audiobook voices` to check the engine works",
                )
            return
        failures[key] = failures.get(key, 0) + 1
        log.debug("attempt %d of %r failed: %s", failures[key], _shorten(tasks[key][0]), reason)
        if failures[key] >= attempts:
            raise SynthesisError(
                f"could not synthesise {_shorten(tasks[key][0])!r} after {attempts} attempts: {reason}",
                hint="retry; if it persists, rephrase that sentence or try --engine pyttsx3",
            ) from (_rebuild(info) if info else None)
        queue.appendleft(key)

    try:
        while queue or any(w.tasks for w in workers):
            sent = sum(len(w.tasks) for w in workers)
            pool.start(min(len(queue) + sent, workers_for(left, jobs)))
            now = time.monotonic()
            for depth in range(_IN_FLIGHT):  # a task for every idle worker before a second for any
                for w in workers:
                    if w.ready and len(w.tasks) == depth and queue:
                        send(w, now)
            soonest = min(w.deadline for w in workers)
            # at most a fraction of a second at a time: a signal delivered to
            # another thread does not end the wait, only the next step hears it
            ready = set(wait([w.conn for w in workers] + [w.proc.sentinel for w in workers],
                             timeout=min(0.25, max(0.0, soonest - now))))
            now = time.monotonic()
            for w in list(workers):
                if w.conn in ready:
                    try:
                        kind, key, payload = w.conn.recv()
                    except (EOFError, OSError):
                        failed(w, f"the worker died (exit code {w.proc.exitcode})")
                        continue
                    if kind == "ready":
                        w.ready, w.rate, w.deadline = True, key, float("inf")
                    elif kind == "ok":
                        left -= words[key]
                        w.tasks.popleft()  # its first: a worker answers in the order it was sent
                        w.deadline = now + limit(w.task) if w.tasks else float("inf")
                        on_done(key, w.rate, payload)
                    elif kind == "fatal":
                        raise _rebuild(payload)
                    else:
                        # The engine may be wedged after an error (pyttsx3 hangs
                        # on reuse), so a failure costs the worker too.
                        failed(w, payload[1], payload)
                elif w.proc.sentinel in ready:
                    failed(w, f"the worker died (exit code {w.proc.exitcode})")
                elif now >= w.deadline:
                    what = "starting the engine" if w.task is None else f"after {limit(w.task):.0f} s"
                    failed(w, f"timed out {what}")
    except BaseException:
        if not own:  # a worker stopped mid-task would answer the next run with this one's clip
            for w in [w for w in workers if w.tasks]:
                w.kill()
                workers.remove(w)
        raise
    finally:
        if own:
            pool.close()
    return len(failures)


def synthesize(
    utterances: Iterable[Utterance],
    *,
    engine: str = "auto",
    jobs: int | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    attempts: int = 3,
    progress: Progress | None = None,
    pool: WorkerPool | None = None,
    on_clip: Callable[[int, Clip], None] | None = None,
) -> list[Clip]:
    """A checked clip for every utterance, in the same order.

    ``engine`` is "auto", "espeak", "pyttsx3" or "module:attr"; ``timeout``
    replaces the per-utterance limit of 10 s + 0.2 s a word; ``attempts`` is
    how often one utterance may fail before SynthesisError; ``pool`` is a
    :class:`WorkerPool` started earlier (see :func:`start_workers`), else the
    workers are started here and stopped on return.  ``on_clip(index, clip)``
    hears of each utterance's clip as soon as it is ready (cached ones first),
    so that later stages can start on them.
    """
    from .cache import touch
    from .engines import engine_info

    items = list(utterances)
    for u in items:
        if not speakable(u.text):
            raise SynthesisError(
                f"utterance {u.segment}.{u.part} has nothing to say: {u.text!r}",
                hint="build utterances with plan(), which drops empty text",
            )
    started = time.perf_counter()
    spec, version = engine_info(engine)
    root = cache_root(cache_dir)
    clips: list[Clip | None] = [None] * len(items)
    pending: dict[str, list[int]] = {}
    tasks: dict[str, tuple[str, VoiceSettings, Path]] = {}
    done = 0
    for i, u in enumerate(items):
        key = clip_key(spec, version, u.voice, u.text)
        path = clip_path(root, key)
        hit = None if key in pending else _cached(path)
        if hit:
            touch(path)  # mtime = last use: the cache evicts least recently used clips
            clips[i] = Clip(u.segment, u.part, path, rate=hit[0], frames=hit[1], spans=u.spans, text=u.text)
            if on_clip:
                on_clip(i, clips[i])
            done += 1
        else:
            pending.setdefault(key, []).append(i)
            tasks[key] = (u.text, u.voice, path)
    if progress and done:
        progress(done, len(items))

    def on_done(key: str, rate: int, frames: int) -> None:
        nonlocal done
        for i in pending[key]:
            u = items[i]
            clips[i] = Clip(u.segment, u.part, tasks[key][2], rate=rate, frames=frames, spans=u.spans, text=u.text)
            if on_clip:
                on_clip(i, clips[i])
        done += len(pending[key])
        if progress:
            progress(done, len(items))

    retried = 0
    workers = 0
    if tasks:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
        retried = _run_workers(tasks, spec=spec, jobs=workers, timeout=timeout, attempts=max(1, attempts),
                               on_done=on_done, pool=pool)
    log.info(
        "%d clips (%d cached, %d synthesised, %d needed a retry) with %s in %.1f s, %d workers",
        len(items), len(items) - sum(len(v) for v in pending.values()), len(tasks), retried, spec,
        time.perf_counter() - started, workers,
    )
    return [c for c in clips if c is not None]
