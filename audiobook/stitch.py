"""Stitch: a Script and its clips -> one MP3 on disk, plus per-segment timings.

    Script + [Clip] (mono 16-bit WAV, one rate) -> episode.mp3, [(start, end)]

Steps:

1. Check every clip before starting the encoder: reading order, one sample
   rate, mono 16-bit PCM.  Finding a bad clip after ten minutes of encoding
   would waste the ten minutes.
2. Loudness (on by default: -16 LUFS, true peak -1 dBTP): read the clips
   where the pauses will put them and measure the episode's integrated
   loudness (BS.1770, see loudness.py; the pauses are silence and need no
   reading); plan the gain to the target; if that gain needs limiting,
   read them once more to learn how much loudness the limiter takes at a
   few gains, and pick the gain that lands on the target.  One to two
   seconds per hour of audio, next to ~17 s of encoding.
3. Start one ffmpeg process that reads raw s16le mono PCM from stdin and
   writes an MP3 (libmp3lame, Xing/LAME header so players know the exact
   duration and encoder delay, no ID3: tagging is its own stage).  An
   episode of a minute or more is instead cut in pauses and encoded in
   pieces by several ffmpegs at once, their frames joined (mp3join.py).
4. Stream: lead-in silence, then each clip's frames read from disk, with a
   pause before each clip chosen by :func:`pause_between` from the text just
   spoken.  Without loudness, a chunk at a time; with it, a clip at a time
   (gain, then the true-peak limiter, which looks ahead).  Memory never holds
   more than one clip, whatever the length.
5. Count every frame written; timings are frame counts divided by the rate,
   so they are exact in the PCM we send (the MP3 decoder removes the encoder
   delay and padding using the LAME header, so they stay exact in the file).

The MP3 is written to a hidden temporary file next to ``out_path`` and renamed
into place only when ffmpeg succeeded, so a failed or interrupted run never
leaves a truncated episode behind.
"""
from __future__ import annotations

import functools
import itertools
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, NamedTuple, TypeVar, cast

from .errors import DISK_FULL_HINT, DependencyError, InputError, OutputError, StitchError
from .models import QUOTE, Clip, Script, ScriptSegment

# loudness.py's constants are plain numbers, but importing it is cheap only
# because it imports numpy lazily; keep it that way
from .loudness import TARGET_LUFS, TRUE_PEAK_DBTP

if TYPE_CHECKING:
    from concurrent.futures import Future

    import numpy as np

    from .loudness import Leveller

log = logging.getLogger(__name__)
T = TypeVar("T")

#: environment variable naming the ffmpeg to use; beats PATH and imageio-ffmpeg
FFMPEG_ENV = "AUDIOBOOK_FFMPEG"

_FFMPEG_HINT = (
    "install ffmpeg (pip install imageio-ffmpeg, or apt-get install ffmpeg), "
    f"or set {FFMPEG_ENV} to the path of an ffmpeg executable"
)

#: frames read from a clip and written to ffmpeg at a time (~3 s at 22 kHz)
_CHUNK_FRAMES = 1 << 16
_SAMPLE_WIDTH = 2  # bytes: 16-bit PCM in, s16le to ffmpeg
#: seconds to wait for ffmpeg to finish after the last frame; it encodes as we
#: write, so only the last buffered second or so is left by then
_FINISH_TIMEOUT = 120.0

#: LAME's MP3s decode this much quieter than the PCM they were made from
#: (0.3-0.5 dB at 64-192 kbit/s, for speech and for tones alike, with ffmpeg's
#: float and fixed-point decoders both), so the loudness aims this much higher
_MP3_LOSS_DB = 0.4
#: and yet the encoder's quantisation noise lifts the true peak of eSpeak NG
#: speech by up to 0.8 dB over that of the PCM at 96 kbit/s (resampling to
#: 44.1 kHz adds nothing measurable), so the limiter keeps this much below the
#: true-peak target (see bench/loudness.py)
_MP3_PEAK_MARGIN_DB = 1.5

# Punctuation that decides the pause after a stretch of text.  Closing quotes
# and brackets are skipped first: in `...ended.)` the full stop is what counts.
_SENTENCE_END = ".!?…"
_CLAUSE_END = ",;:—–-"
_CLOSERS = "\"'”’»›)]}"


@dataclass(frozen=True)
class Pauses:
    """Silences, in seconds, inserted between clips (see :func:`pause_between`)."""

    lead_in: float = 0.3
    """Before the first clip, so players that fade in do not clip the first word."""
    tail: float = 0.7
    """After the last clip, so the episode does not end abruptly."""
    clause: float = 0.2
    """After text ending in a comma, semicolon, colon or dash (a beat mid-sentence)."""
    sentence: float = 0.35
    """After text ending a sentence (. ! ? …), and between parts of one segment."""
    paragraph: float = 0.75
    """Between paragraphs."""
    headline: float = 1.0
    """After a headline: paragraph 0 when it is the title, or a chapter's title read out."""
    chapter: float = 1.5
    """Before each chapter after the first (the next article of a digest)."""
    quote: float = 0.1
    """Extra beat added inside a paragraph when the voice enters or leaves a quote."""

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not value >= 0:  # also catches NaN
                raise ValueError(f"pause {name} must be >= 0 seconds, not {value!r}")


DEFAULT_PAUSES = Pauses()


def pause_between(
    prev: ScriptSegment | None,
    next: ScriptSegment | None,
    *,
    prev_text: str | None = None,
    same_segment: bool = False,
    after_headline: bool = False,
    new_chapter: bool = False,
    pauses: Pauses = DEFAULT_PAUSES,
) -> float:
    """Seconds of silence between what was just spoken and what comes next.

    ``prev`` is the segment whose words ended the clip just spoken (None at
    the very start), ``next`` the segment the next clip starts in (None at the
    very end), ``prev_text`` what that clip said, when known.  In order:

    * a new chapter begins (``new_chapter``): ``chapter``;
    * new paragraph: ``headline`` if ``after_headline``, else ``paragraph``;
    * same paragraph: by the last punctuation of ``prev_text`` (else of
      ``prev.text``; closing quotes and brackets skipped): ``sentence`` after
      . ! ? …, ``clause`` after , ; : or a dash, nothing when the text runs
      on (``He called it`` -> ``“a disgrace”``); plus ``quote`` when one of
      the two is a quote and the other is not, since the change of voice
      needs a breath.  Without ``prev_text``, two clips of one segment
      (``same_segment``) were split at a sentence end: a ``sentence`` pause.
    """
    if prev is None:
        return pauses.lead_in
    if next is None:
        return pauses.tail
    if new_chapter:
        return pauses.chapter
    if next.paragraph != prev.paragraph:
        return pauses.headline if after_headline else pauses.paragraph
    if prev_text is None and same_segment:
        return pauses.sentence
    gap = _punctuation_pause(prev.text if prev_text is None else prev_text, pauses)
    if (prev.kind == QUOTE) != (next.kind == QUOTE):
        gap += pauses.quote
    return gap


def _punctuation_pause(text: str, pauses: Pauses) -> float:
    """The pause the last punctuation mark of ``text`` asks for."""
    tail = text.rstrip().rstrip(_CLOSERS + " ")
    if not tail:
        return 0.0
    if tail[-1] in _SENTENCE_END:
        return pauses.sentence
    if tail[-1] in _CLAUSE_END:
        return pauses.clause
    return 0.0


def is_headline(script: Script) -> bool:
    """True when paragraph 0 is the title read aloud (whitespace ignored)."""
    return 0 in headline_paragraphs(script)


def headline_paragraphs(script: Script) -> set[int]:
    """Paragraphs that are a title read aloud: the episode's, or a chapter's."""
    def same(a: str, b: str | None) -> bool:
        return b is not None and " ".join(a.split()) == " ".join(b.split())

    paragraphs = script.paragraphs
    out = {0} if paragraphs and same(paragraphs[0], script.title) else set()
    for chapter in script.chapters:
        if chapter.first_segment < len(script.segments):
            index = script.segments[chapter.first_segment].paragraph
            if index < len(paragraphs) and same(paragraphs[index], chapter.title):
                out.add(index)
    return out


# --- ffmpeg ------------------------------------------------------------------


def find_ffmpeg() -> str:
    """Path of the ffmpeg to run.

    ``$AUDIOBOOK_FFMPEG`` first (a path, or a name looked up on PATH), then
    ``ffmpeg`` on PATH, then the binary shipped by imageio-ffmpeg.  The
    search is cached; the override is re-read on each call since it is cheap
    and tests change it.
    """
    override = os.environ.get(FFMPEG_ENV)
    if override:
        found = shutil.which(override)
        if not found:
            raise DependencyError(
                f"{FFMPEG_ENV}={override!r} is not an executable ffmpeg",
                hint=f"point {FFMPEG_ENV} at an ffmpeg binary, or unset it",
            )
        return found
    return _search_ffmpeg()


@functools.lru_cache(maxsize=1)
def _search_ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if found:
        log.debug("using ffmpeg on PATH: %s", found)
        return found
    try:
        # imported here: it is optional, and importing it costs start-up time
        import imageio_ffmpeg

        found = _bundled_ffmpeg(Path(imageio_ffmpeg.__file__).parent) or imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError, OSError) as exc:
        raise DependencyError("ffmpeg was not found", hint=_FFMPEG_HINT) from exc
    log.debug("using ffmpeg from imageio-ffmpeg: %s", found)
    return found


def _bundled_ffmpeg(package: Path) -> str | None:
    """The ffmpeg an imageio-ffmpeg wheel ships in its ``binaries`` folder, found
    without running it; None when that is not a plain single binary (or the
    user points imageio-ffmpeg elsewhere), and ``get_ffmpeg_exe`` decides.

    ``get_ffmpeg_exe`` runs ``ffmpeg -version`` to check the binary on every
    call: ~40 ms of every build, while the speech workers start.  A binary
    that does not run fails the encode with a clear error all the same.
    """
    if os.environ.get("IMAGEIO_FFMPEG_EXE"):
        return None
    try:
        found = [p for p in (package / "binaries").iterdir() if p.name.startswith("ffmpeg") and p.is_file() and os.access(p, os.X_OK)]
    except OSError:
        return None
    return str(found[0]) if len(found) == 1 else None


def _ffmpeg_command(
    ffmpeg: str, in_rate: int, out_path: Path, bitrate: str, sample_rate: int
) -> list[str]:
    return [
        ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error",
        "-f", "s16le", "-ar", str(in_rate), "-ac", "1", "-i", "pipe:0",
        "-c:a", "libmp3lame", "-b:a", bitrate, "-ar", str(sample_rate), "-ac", "1",
        # the Xing/LAME header carries the frame count and encoder delay, which
        # is what makes the decoded duration match the frames we sent
        "-write_xing", "1",
        # no tags from ffmpeg (not even "encoder=Lavf"): tag.py owns them
        "-id3v2_version", "0", "-write_id3v1", "0", "-map_metadata", "-1",
        "-f", "mp3", "-y", str(out_path),
    ]


# --- clips -------------------------------------------------------------------


def _check_clips(script: Script, clips: Sequence[Clip]) -> tuple[int, list[int]]:
    """The common sample rate and the real frame count of each clip.

    Raises StitchError for clips out of order, at mixed rates, or not mono
    16-bit PCM, before any encoding starts.
    """
    import wave  # lazy: only stitching needs it

    if not clips:
        raise StitchError(
            "there are no clips to stitch", hint="the script has nothing speakable"
        )
    rates = sorted({c.rate for c in clips})
    if len(rates) > 1:
        raise StitchError(
            f"clips have different sample rates: {', '.join(map(str, rates))} Hz",
            hint="synthesise all clips with one engine, or clear the clip cache",
        )
    rate = rates[0]
    frames: list[int] = []
    prev_key = (-1, -1)
    for clip in clips:
        key = (clip.segment, clip.part)
        if not 0 <= clip.segment < len(script.segments) or key <= prev_key:
            raise StitchError(
                f"clip {clip.path} (segment {clip.segment}, part {clip.part}) "
                "is out of reading order or names no segment of the script",
                hint="re-run synthesis for this script",
            )
        prev_key = key
        try:
            with wave.open(str(clip.path), "rb") as w:
                shape = (w.getnchannels(), w.getsampwidth(), w.getframerate())
                nframes = w.getnframes()
        except (OSError, EOFError, wave.Error) as exc:
            raise StitchError(
                f"cannot read clip {clip.path}: {exc}",
                hint="re-run synthesis, or clear the clip cache",
            ) from exc
        if shape != (1, _SAMPLE_WIDTH, rate):
            raise StitchError(
                f"clip {clip.path} is {shape[0]} channel(s), {8 * shape[1]}-bit, "
                f"{shape[2]} Hz; expected mono 16-bit at {rate} Hz",
                hint="re-run synthesis, or clear the clip cache",
            )
        if nframes != clip.frames:
            log.warning(
                "clip %s has %d frames, not the %d recorded; using the file",
                clip.path, nframes, clip.frames,
            )
        frames.append(nframes)
    return rate, frames


def _copy_clip(path: Path, sink: BinaryIO) -> int:
    """Write the clip's frames to ``sink`` in chunks; return how many were written.

    The count, not the header, feeds the timings: a file cut short on disk
    then still gives timings that match the audio.
    """
    return _read_into(path, sink)


# The measuring passes read clips with _read_into directly: _copy_clip stays
# the one reader of the encoding stream.
def _read_into(path: Path, sink: BinaryIO) -> int:
    import wave

    written = 0
    try:
        with wave.open(str(path), "rb") as w:
            while chunk := w.readframes(_CHUNK_FRAMES):
                # errors writing to ffmpeg (BrokenPipeError) pass through: the
                # caller reports them with ffmpeg's own message
                sink.write(chunk)
                written += len(chunk) // _SAMPLE_WIDTH
    except (EOFError, wave.Error, FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        raise StitchError(
            f"cannot read clip {path}: {exc}", hint="re-run synthesis, or clear the clip cache"
        ) from exc
    return written


def _read_samples(path: Path) -> np.ndarray:
    """The whole clip as float samples, for measuring (errors as in :func:`_copy_clip`)."""
    import io

    from .loudness import to_float

    buffer = io.BytesIO()
    _read_into(path, buffer)
    return to_float(buffer.getbuffer())


def _write_silence(sink: BinaryIO, frames: int) -> None:
    zeros = bytes(_SAMPLE_WIDTH * min(frames, _CHUNK_FRAMES))
    while frames > 0:
        n = min(frames, _CHUNK_FRAMES)
        sink.write(zeros[: n * _SAMPLE_WIDTH])
        frames -= n


# --- the stage ---------------------------------------------------------------


def stitch(
    script: Script,
    clips: Sequence[Clip],
    out_path: Path,
    *,
    bitrate: str = "96k",
    sample_rate: int = 44100,
    pauses: Pauses | None = None,
    loudness: float | None = TARGET_LUFS,
    true_peak: float = TRUE_PEAK_DBTP,
    intro: Path | None = None,
    outro: Path | None = None,
    encode_jobs: int | None = None,
    stop: threading.Event | None = None,
    measured: Measured | None = None,
) -> list[tuple[float, float]]:
    """Encode the clips, with pauses, into one MP3 at ``out_path``.

    ``clips`` are in reading order; a segment may have several (``part``) or
    none.  Returns one ``(start, end)`` in seconds per script segment; a
    segment without clips gets a zero-length timing where the audio of the
    segments before it ends.

    ``loudness`` is the integrated loudness (LUFS, EBU R128 / BS.1770) the
    episode is brought to, with no true peak above ``true_peak`` dBTP; None
    leaves the clips' level as it is.  Raises ValueError for a loudness
    outside -40..-5 LUFS or a true peak outside -12..0 dBTP.

    ``intro`` and ``outro`` are audio files (any format ffmpeg reads) played
    before the first and after the last words; they are levelled with the
    speech, and the timings count from the start of the intro.

    ``encode_jobs`` is how many ffmpeg encoders may run at once (default: one
    per CPU); episodes of a minute or more are cut in pauses and encoded in
    that many pieces whose MP3 frames are joined (see mp3join.py).
    1 keeps the single encoder.

    ``stop``, set from another thread, ends the encoding early with
    KeyboardInterrupt (ffmpeg killed, nothing written at ``out_path``): how a
    batch interrupted in its main thread stops the encodes of its pool.

    ``measured`` is a :class:`Measured` that took the clips' loudness while
    they were being synthesised, which saves reading them all once more
    before the encoding can start (ignored with an intro or outro, or if it
    did not finish).
    """
    pauses = pauses or DEFAULT_PAUSES
    if encode_jobs is not None and encode_jobs < 1:
        raise ValueError(f"encode_jobs must be 1 or more, not {encode_jobs!r}")
    if loudness is not None and not -40.0 <= loudness <= -5.0:
        raise ValueError(f"loudness must be -40 to -5 LUFS, not {loudness!r}")
    if not -12.0 <= true_peak <= 0.0:
        raise ValueError(f"true peak must be -12 to 0 dBTP, not {true_peak!r}")
    out_path = Path(out_path)
    if not out_path.parent.is_dir():
        raise OutputError(
            f"cannot write {out_path}: folder {out_path.parent} does not exist",
            hint="create the folder or choose another output path",
        )
    rate, frame_counts = _check_clips(script, clips)
    ffmpeg = find_ffmpeg()
    import tempfile  # lazy, like the rest of the encoding machinery

    with tempfile.TemporaryDirectory(prefix="audiobook-bumpers-") as scratch:
        bumpers = Bumpers(
            _bumper(intro, rate, Path(scratch) / "intro.wav") if intro else None,
            _bumper(outro, rate, Path(scratch) / "outro.wav") if outro else None,
        )
        return _encode(
            script, clips, frame_counts, rate, out_path, ffmpeg, bitrate, sample_rate, pauses, loudness, true_peak, bumpers,
            jobs=encode_jobs or os.cpu_count() or 1, stop=stop, measured=measured,
        )


class Measured:
    """The loudness of a script's clips, measured while they are being made.

    Synthesis hands each clip over with :meth:`put` (in any order, as workers
    finish them); :meth:`run`, in another thread, walks the episode's layout
    in reading order, waiting for each clip in turn, and measures it where the
    pauses put it: the same measuring pass :func:`stitch` would make, done
    while the main thread waits on the speech workers.  :meth:`close` ends a
    walk that will get no more clips (a failed synthesis).
    """

    def __init__(self, script: Script, count: int, *, loudness: float = TARGET_LUFS, true_peak: float = TRUE_PEAK_DBTP,
                 pauses: Pauses | None = None) -> None:
        self.script = script
        self.loudness = loudness
        self.true_peak = true_peak
        self.pauses = pauses or DEFAULT_PAUSES
        self._clips: list[Clip | None] = [None] * count
        self._ready = threading.Condition()
        self._closed = False
        self._done: tuple[Leveller, int] | None = None

    def put(self, index: int, clip: Clip) -> None:
        with self._ready:
            self._clips[index] = clip
            self._ready.notify_all()

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    def _in_order(self) -> Iterator[Clip]:
        for index in range(len(self._clips)):
            with self._ready:
                self._ready.wait_for(lambda: self._clips[index] is not None or self._closed)
                clip = self._clips[index]
            if clip is None:
                raise _Abandoned
            yield clip

    def run(self) -> None:
        """Measure every clip as it comes (returns early, measuring nothing, if closed first)."""
        if not self._clips:
            return
        clips = self._in_order()
        try:
            first = next(clips)  # the leveller and the layout's pauses need the clips' rate
        except _Abandoned:
            return
        leveller = _leveller(first.rate, self.loudness, self.true_peak)
        trials: tuple[float, ...] = ()

        def measure(clip: Clip, start: int) -> int:
            nonlocal trials
            samples = _read_samples(clip.path)
            leveller.measure(samples, start)
            if clip is first:
                # what limiting will take is learnt in this pass too, at gains
                # guessed from the first clip, so the encoder need not wait
                # for a second one (see Leveller.predicted_for)
                trials = leveller.early_trials(len(samples))
            if trials:
                leveller.predict(samples, start, trials)
            return len(samples)

        try:
            _, total = _walk(self.script, itertools.chain([first], clips), first.rate, self.pauses, measure)
        except _Abandoned:
            return
        self._done = (leveller, total)

    def result(self, like: Leveller, rate: int) -> tuple[Leveller, int] | None:
        """The measured leveller and total frames, if the walk finished with the
        settings of ``like`` at ``rate``; else None (measure again)."""
        if self._done is None:
            return None
        leveller, total = self._done
        same = (leveller.rate, leveller.target, leveller.limiter.ceiling) == (rate, like.target, like.limiter.ceiling)
        return (leveller, total) if same else None


class _Abandoned(Exception):
    """A Measured walk was closed before all its clips came."""


class Bumpers(NamedTuple):
    """Audio played before the first and after the last words (None for none)."""

    intro: Clip | None
    outro: Clip | None

    def around(self, clips: Sequence[Clip]) -> list[Clip]:
        """All clips in the order they are played."""
        return [c for c in (self.intro, *clips, self.outro) if c is not None]


def _bumper(source: Path, rate: int, dest: Path) -> Clip:
    """``source`` decoded by ffmpeg into a mono 16-bit WAV at ``rate``, as a clip of no segment."""
    import wave

    source = Path(source)
    if not source.is_file():
        raise InputError(f"no such intro/outro audio file: {source}", hint="give the path of an audio file ffmpeg can read")
    cmd = [find_ffmpeg(), "-nostdin", "-v", "error", "-y", "-i", str(source), "-ac", "1", "-ar", str(rate), "-c:a", "pcm_s16le", str(dest)]
    done = subprocess.run(cmd, capture_output=True)
    if done.returncode != 0:
        message = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["unreadable"])[-1]
        raise InputError(f"cannot read audio file {source}: {message}", hint="give an audio file ffmpeg can decode (MP3, WAV, FLAC, ...)")
    with wave.open(str(dest), "rb") as w:
        frames = w.getnframes()
    return Clip(segment=-1, part=0, path=dest, rate=rate, frames=frames)


def _encode(
    script: Script,
    clips: Sequence[Clip],
    frame_counts: Sequence[int],
    rate: int,
    out_path: Path,
    ffmpeg: str,
    bitrate: str,
    sample_rate: int,
    pauses: Pauses,
    loudness: float | None,
    true_peak: float,
    bumpers: Bumpers,
    *,
    jobs: int = 1,
    stop: threading.Event | None = None,
    measured: Measured | None = None,
) -> list[tuple[float, float]]:
    """Plan the levels, then stream everything through ffmpeg into ``out_path``.

    With ``jobs`` > 1 and an episode long enough to cut, several ffmpeg
    processes encode pieces of it at once (:func:`.mp3join._encode_parallel`); else one
    encodes it all.
    """
    # the frame counts of everything played, in order: intro, clips, outro
    head = [bumpers.intro.frames] if bumpers.intro else []
    tail = [bumpers.outro.frames] if bumpers.outro else []
    frame_counts = head + list(frame_counts) + tail
    # Measured before ffmpeg starts: the gain must be known for the first clip.
    leveller = None
    if loudness is not None:
        leveller = _plan_levels(script, clips, frame_counts, rate, pauses, loudness, true_peak, bumpers, measured)
    if jobs > 1:
        from .mp3join import _encode_parallel  # lazy: it imports this module

        done = _encode_parallel(script, clips, frame_counts, rate, out_path, ffmpeg, bitrate, sample_rate, pauses, leveller, bumpers, jobs, stop)
        if done is not None:
            _log_done(leveller, loudness, true_peak, len(clips), out_path, done[1] / rate)
            return done[0]
    partial = out_path.with_name(f".{out_path.name}.{os.getpid()}.part")
    cmd = _ffmpeg_command(ffmpeg, rate, partial, bitrate, sample_rate)
    log.debug("running %s", " ".join(cmd))

    import tempfile

    with tempfile.TemporaryFile() as errlog:
        # stderr goes to a file, not a pipe: an unread pipe that fills up
        # would block ffmpeg, and us behind it
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errlog
            )
        except OSError as exc:
            raise DependencyError(f"cannot run {ffmpeg}: {exc}", hint=_FFMPEG_HINT) from exc
        try:
            stdin = cast(BinaryIO, proc.stdin)
            broken = False
            try:
                timings, total = _stream(script, clips, frame_counts, rate, _Stoppable(stdin, stop), pauses, leveller, bumpers)
                stdin.close()
            except BrokenPipeError:
                broken = True  # ffmpeg died: its exit code and stderr say why, below
            returncode = proc.wait(timeout=_FINISH_TIMEOUT)
            if returncode != 0 or broken:
                raise _ffmpeg_failed(returncode, errlog, out_path)
            if not partial.exists() or partial.stat().st_size == 0:
                raise StitchError(
                    "ffmpeg exited normally but wrote no audio",
                    hint="run with --debug to see the ffmpeg command",
                )
            os.replace(partial, out_path)
        except subprocess.TimeoutExpired as exc:
            raise StitchError(
                f"ffmpeg did not finish within {_FINISH_TIMEOUT:.0f} s",
                hint="check the machine is not out of memory or disk space",
            ) from exc
        finally:
            # on any way out (error, KeyboardInterrupt) leave no ffmpeg running
            # and no half-written file behind
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdin and not proc.stdin.closed:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
            partial.unlink(missing_ok=True)

    _log_done(leveller, loudness, true_peak, len(clips), out_path, total / rate)
    return timings


def result_of(future: Future[T]) -> T:
    """``future.result()``, waited for in short steps.

    A signal the kernel hands to another thread does not wake a thread blocked
    on a lock, so the main thread waiting on a long job would hear Ctrl-C or
    SIGTERM only when the job ended; between steps Python runs the handler.
    """
    while True:
        try:
            return future.result(timeout=0.2)
        except TimeoutError:
            continue


def _log_done(leveller: Leveller | None, loudness: float | None, true_peak: float, clips: int, out_path: Path, seconds: float) -> None:
    if leveller is not None:
        log.info(
            "loudness: measured %.1f LUFS, gain %+.1f dB with true-peak limiting, for %.1f LUFS / %.1f dBTP",
            leveller.measured, leveller.gain_db, loudness, true_peak,
        )
    log.info("stitched %d clips into %s: %.1f s of audio", clips, out_path, seconds)


def _leveller(rate: int, loudness: float, true_peak: float) -> Leveller:
    """An episode's leveller for ``loudness`` LUFS and ``true_peak`` dBTP in the
    MP3: the encoder's loss of loudness and rise of peaks allowed for."""
    from .loudness import Leveller

    return Leveller(rate, loudness + _MP3_LOSS_DB, true_peak, margin=_MP3_PEAK_MARGIN_DB)


def _plan_levels(
    script: Script,
    clips: Sequence[Clip],
    frame_counts: Sequence[int],
    rate: int,
    pauses: Pauses,
    loudness: float,
    true_peak: float,
    bumpers: Bumpers = Bumpers(None, None),
    measured: Measured | None = None,
) -> Leveller:
    """Measure the episode from its clips, where the pauses will put them, and plan the gain.

    One pass reads every clip to measure the loudness (skipped when
    ``measured`` did it while the clips were being made); a second one, only
    when the gain reaches the limiter, predicts what limiting takes away
    (skipped too when ``measured`` predicted it at gains around the plan).
    """
    leveller = _leveller(rate, loudness, true_peak)

    def measure(clip: Clip, start: int) -> int:
        samples = _read_samples(clip.path)
        leveller.measure(samples, start)
        return len(samples)

    def predict(clip: Clip, start: int) -> int:
        samples = _read_samples(clip.path)
        leveller.predict(samples, start)
        return len(samples)

    premeasured = measured.result(leveller, rate) if measured is not None and not any(bumpers) else None
    if premeasured is not None:
        leveller, total = premeasured
        log.debug("loudness was measured while the clips were made")
    else:
        _, total = _walk(script, clips, rate, pauses, measure, bumpers=bumpers)
    leveller.plan(total)
    if leveller.limits:
        if not leveller.predicted_for(leveller.gain_db):
            leveller.forget_predictions()  # made at gains too far from the plan, if any
            _walk(script, clips, rate, pauses, predict, bumpers=bumpers)
        leveller.correct(total)
    log.debug(
        "loudness %.2f LUFS measured; gain %+.2f dB planned for %.1f LUFS",
        leveller.measured, leveller.gain_db, loudness,
    )
    return leveller


def _stream(
    script: Script,
    clips: Sequence[Clip],
    frame_counts: Sequence[int],
    rate: int,
    sink: BinaryIO,
    pauses: Pauses,
    leveller: Leveller | None = None,
    bumpers: Bumpers = Bumpers(None, None),
) -> tuple[list[tuple[float, float]], int]:
    """Write pauses and clips to ``sink``; return per-segment timings and total frames.

    With a ``leveller``, each clip is read whole and levelled (the limiter
    looks ahead, so it needs the clip; one clip is small), in a thread that
    stays one clip ahead: numpy lets go of the GIL, so levelling the next clip
    overlaps with writing this one, and ffmpeg never waits for it.
    """
    expected = iter(frame_counts)  # clip_at is called once per clip, in order

    def check(clip: Clip, written: int) -> int:
        nframes = next(expected)
        if written != nframes:
            log.warning("clip %s gave %d frames, not %d", clip.path, written, nframes)
        return written

    if leveller is None:
        return _walk(
            script, clips, rate, pauses,
            lambda clip, start: check(clip, _copy_clip(clip.path, sink)),
            lambda frames: _write_silence(sink, frames),
            bumpers=bumpers,
        )

    from concurrent.futures import ThreadPoolExecutor

    def levelled(clip: Clip) -> tuple[int, bytes]:
        import io

        from .loudness import to_float, to_pcm

        buffer = io.BytesIO()
        written = _copy_clip(clip.path, buffer)
        return written, to_pcm(leveller.level(to_float(buffer.getbuffer())))

    with ThreadPoolExecutor(1, thread_name_prefix="level") as pool:
        ahead = iter(bumpers.around(clips))  # in the order _walk plays them
        queue = [pool.submit(levelled, clip) for clip in itertools.islice(ahead, 2)]

        def copy(clip: Clip, start: int) -> int:
            written, pcm = result_of(queue.pop(0))
            queue.extend(pool.submit(levelled, c) for c in itertools.islice(ahead, 1))
            sink.write(pcm)
            return check(clip, written)

        try:
            return _walk(script, clips, rate, pauses, copy, lambda frames: _write_silence(sink, frames), bumpers=bumpers)
        finally:
            for job in queue:  # on the way out after an error: start no more clips
                job.cancel()


def _walk(
    script: Script,
    clips: Iterable[Clip],
    rate: int,
    pauses: Pauses,
    clip_at: Callable[[Clip, int], int],
    silence: Callable[[int], None] = lambda frames: None,
    *,
    bumpers: Bumpers = Bumpers(None, None),
) -> tuple[list[tuple[float, float]], int]:
    """Lay the episode out: pauses and clips in order, each at its frame offset.

    ``clip_at(clip, start)`` handles the clip starting at frame ``start`` and
    returns how many frames it really had; ``silence(frames)`` handles a
    pause.  Returns per-segment timings and the total frames.  The measuring
    passes and the encoding pass walk the same layout, so the loudness is
    measured exactly where the clips will sit.
    """
    headlines = headline_paragraphs(script)
    chapter_starts = {ch.first_segment for ch in script.chapters[1:]}
    bounds: list[list[int] | None] = [None] * len(script.segments)  # frames, per segment
    pos = 0  # frames laid out so far
    prev: Clip | None = None

    def pause(seconds: float) -> None:
        nonlocal pos
        n = round(seconds * rate)
        silence(n)
        pos += n

    if bumpers.intro is not None:
        pos += clip_at(bumpers.intro, pos)
    for clip in clips:
        seg = script.segments[clip.segment]
        prev_seg = script.segments[prev.last_segment] if prev else None
        pause(
            pause_between(
                prev_seg,
                seg,
                prev_text=prev.text or None if prev else None,
                same_segment=prev is not None and prev.last_segment == clip.segment,
                after_headline=prev_seg is not None and prev_seg.paragraph in headlines,
                # a chapter's first segment may have no clip: any start passed since counts
                new_chapter=prev is not None and any(prev.last_segment < c <= clip.segment for c in chapter_starts),
                pauses=pauses,
            )
        )
        start = pos
        written = clip_at(clip, start)
        pos += written
        # a clip over several segments (a partial quote read with its sentence)
        # shares its length among them by where their words end in its text
        done = 0.0
        for index, share in clip.spans or ((clip.segment, 1.0),):
            a, b = start + round(done * written), start + round(share * written)
            span = bounds[index]
            if span is None:
                bounds[index] = [a, b]
            else:
                span[1] = b
            done = share
        prev = clip
    pause(pause_between(script.segments[prev.last_segment] if prev else None, None, pauses=pauses))
    if bumpers.outro is not None:
        pos += clip_at(bumpers.outro, pos)

    # Segments with nothing to say sit where the audio before them ended.
    timings: list[tuple[float, float]] = []
    last_end = 0
    for span in bounds:
        if span is None:
            span = [last_end, last_end]
        last_end = span[1]
        timings.append((span[0] / rate, span[1] / rate))
    return timings, pos


class _Stoppable:
    """A sink that raises KeyboardInterrupt, instead of writing, once ``stop`` is set."""

    def __init__(self, sink: BinaryIO, stop: threading.Event | None) -> None:
        self.sink, self.stop = sink, stop

    def write(self, data: bytes) -> int:
        if self.stop is not None and self.stop.is_set():
            raise KeyboardInterrupt
        return self.sink.write(data)


def _ffmpeg_failed(returncode: int | None, errlog: IO[bytes], out_path: Path) -> Exception:
    """The error to raise for an ffmpeg that failed: a full disk is said as such."""
    why = _last_line(errlog)
    errlog.seek(0)
    if b"No space left on device" in errlog.read():
        return OutputError(
            f"cannot write the MP3 in {out_path.parent}: the disk is full",
            hint=DISK_FULL_HINT,
        )
    return StitchError(
        f"ffmpeg failed (exit {returncode}): {why}",
        hint="check that the output folder is writable and this ffmpeg can encode MP3 (libmp3lame); --debug shows the command",
    )


def _last_line(errlog: IO[bytes]) -> str:
    errlog.seek(0)
    text = errlog.read().decode("utf-8", "replace")
    if text.strip():
        log.debug("ffmpeg stderr:\n%s", text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no error message"
