"""Parallel MP3 encoding: the episode's timeline -> one MP3, from several encoders at once.

    timeline (clips + pauses, as stitch._walk lays it out) -> episode.mp3, or
    None when one encoder is the better choice

LAME is most of the cost of a build, and one LAME uses one core.  A long
episode is cut in pauses into as many pieces as there are encoders; each
piece goes through its own ffmpeg, and the MP3 frames are joined into one
file.  stitch.py calls :func:`_encode_parallel` and falls back to its single
encoder whenever this returns None.

Steps:

1. Lay the timeline out piece by piece (:func:`_layout`, from the clips'
   frame counts) and choose the joins (:func:`_plan_joins`): in pauses, on
   whole MP3 frames, at most one piece per encoder.
2. Start one ffmpeg per piece and feed each from its own thread
   (:func:`_feed`): silence for pauses, each clip read and levelled whole.
3. Check each piece's Info tag against the plan, append the other pieces'
   audio frames to the first, and rewrite the first piece's Info/LAME tag for
   the whole file (:func:`_join_mp3`): frame count, bytes, seek table,
   padding, music CRC and tag CRC.

What makes the joins exact and silent:

* MP3 frames do not depend on earlier ones once the bit reservoir is empty,
  and a fresh encoder starts with it empty, so a piece's frames decode the
  same after another piece's as on their own.
* Each piece decodes to more samples than it was given: LAME's 576 samples
  of delay before it, padding to whole frames (and at least 576 more) after
  it.  Only the file's first delay and last padding are removed by decoders
  (the Info tag says how much), so the extra in between would shift
  everything after the join.  Joins are therefore put on a whole number of
  output frames, and each piece but the last is fed its stretch minus 1.5
  frames of its closing pause: LAME then makes exactly as many frames as
  the stretch spans, and the piece's delay and padding fill the 1.5 frames
  back in with silence.  Every sample after a join sits where it would in a
  single encode.
* Joins are at least _JOIN_MARGIN from any clip, so the resampler and the
  MDCT around a join see only silence.
* Every piece is encoded with an Info tag, which tells us its frame count
  (checked against the plan; any surprise falls back to one encoder) and
  its audio CRC.  The first piece's tag becomes the file's: frame count,
  bytes, seek table, the last piece's padding, the music CRC (combined from
  the pieces' CRCs) and the tag CRC, written as ffmpeg writes them.  The
  other pieces' tags are dropped.
* Loudness is planned once over the whole episode; levelling works clip by
  clip, so a clip is levelled the same in whichever piece it falls.
"""
from __future__ import annotations

import functools
import itertools
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, NamedTuple, cast

from .errors import DependencyError, StitchError
from .models import Clip, Script

# stitch.py imports this module lazily, only when it encodes in parallel, so
# importing the stage's own helpers here makes no import cycle at load time
from .stitch import (
    _FFMPEG_HINT,
    _FINISH_TIMEOUT,
    _SAMPLE_WIDTH,
    Bumpers,
    Pauses,
    _copy_clip,
    _ffmpeg_command,
    _ffmpeg_failed,
    _walk,
    _write_silence,
    result_of,
)

if TYPE_CHECKING:
    from .loudness import Leveller

log = logging.getLogger(__name__)

#: episodes shorter than this go through one encoder: starting more costs more than it saves
_PARALLEL_MIN_SECONDS = 60.0
#: and no piece is shorter than this
_MIN_PIECE_SECONDS = 20.0
#: silence between a join and the nearest clip on either side, seconds
_JOIN_MARGIN = 0.03
#: what LAME spends on a second of silence, next to a second of speech
#: (measured: 0.13 s against 0.30 s of a core for a minute of each)
_SILENCE_COST = 0.45
#: MPEG-1 Layer III: 1152 samples a frame (the lower rates are MPEG-2, 576)
_MPEG1_RATES = (32000, 44100, 48000)
_FRAME = 1152
_LAME_DELAY = 576
#: where the Info tag starts in a mono MPEG-1 frame (4 bytes of header, 17 of
#: side info), and its length with the LAME extension, as ffmpeg writes it
_TAG_AT = 4 + 17
_TAG_SIZE = 156
_TOC_SIZE = 100
#: the pipe buffer asked for per encoder: a few seconds of PCM, so that a
#: feeder levelling its next clip does not leave its ffmpeg idle
_PIPE_BYTES = 1 << 20
_MPEG1_L3_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


class _Piece(NamedTuple):
    """A stretch of the episode's timeline: a clip, or a pause (``clip`` None)."""

    start: int
    frames: int
    clip: Clip | None


class _JoinError(Exception):
    """The pieces did not come out of the encoders as planned."""


def _layout(
    script: Script, clips: Sequence[Clip], frame_counts: Sequence[int], rate: int, pauses: Pauses, bumpers: Bumpers
) -> tuple[list[_Piece], list[tuple[float, float]], int]:
    """The timeline, piece by piece, with the timings and total frames (from the clips' frame counts)."""
    pieces: list[_Piece] = []
    counts = iter(frame_counts)

    def clip_at(clip: Clip, start: int) -> int:
        pieces.append(_Piece(start, next(counts), clip))
        return pieces[-1].frames

    def silence(frames: int) -> None:
        start = pieces[-1].start + pieces[-1].frames if pieces else 0
        pieces.append(_Piece(start, frames, None))

    timings, total = _walk(script, clips, rate, pauses, clip_at, silence, bumpers=bumpers)
    return pieces, timings, total


def _join_step(rate: int, sample_rate: int) -> int:
    """The fewest input frames that make a whole number of MP3 frames at ``sample_rate``."""
    import math

    g = math.gcd(rate, sample_rate)
    return rate // g * (_FRAME // math.gcd(_FRAME, sample_rate // g))


def _trim(rate: int, sample_rate: int) -> int:
    """Input frames left off the end of each piece but the last (1.5 MP3 frames: see the module docstring)."""
    return round(1.5 * _FRAME * rate / sample_rate)


def _plan_joins(pieces: Sequence[_Piece], total: int, rate: int, sample_rate: int, jobs: int) -> list[int]:
    """Frames at which to cut the timeline into at most ``jobs`` pieces of about equal work; [] for none."""
    if sample_rate not in _MPEG1_RATES or total < _PARALLEL_MIN_SECONDS * rate:
        return []
    count = min(jobs, int(total / (_MIN_PIECE_SECONDS * rate)))
    step, trim, margin = _join_step(rate, sample_rate), _trim(rate, sample_rate), round(_JOIN_MARGIN * rate)
    # where a join may go in each pause: aligned, with the trim and margins inside the pause
    spans = []
    for p in pieces:
        if p.clip is None:
            lo = -(-(p.start + trim + margin) // step) * step
            hi = (p.start + p.frames - margin) // step * step
            if lo <= hi:
                spans.append((lo, hi))
    joins: list[int] = []
    for k in range(1, count):
        target = _share_done_at(pieces, total, k / count)
        best = min((min(max(target // step * step, lo), hi) for lo, hi in spans), key=lambda b: abs(b - target), default=None)
        least = (joins[-1] if joins else 0) + _MIN_PIECE_SECONDS * rate / 2
        if best is not None and least <= best <= total - _MIN_PIECE_SECONDS * rate / 2:
            joins.append(best)
    return joins


def _share_done_at(pieces: Sequence[_Piece], total: int, share: float) -> int:
    """The frame by which ``share`` of the encoding work is done: pauses cost
    LAME less than speech, so pieces of equal work are not of equal length."""
    costs = [p.frames * (1.0 if p.clip is not None else _SILENCE_COST) for p in pieces]
    goal, done = share * sum(costs), 0.0
    for piece, cost in zip(pieces, costs):
        if cost and done + cost >= goal:
            return piece.start + round((goal - done) / cost * piece.frames)
        done += cost
    return round(share * total)


def _encode_parallel(
    script: Script,
    clips: Sequence[Clip],
    frame_counts: Sequence[int],
    rate: int,
    out_path: Path,
    ffmpeg: str,
    bitrate: str,
    sample_rate: int,
    pauses: Pauses,
    leveller: Leveller | None,
    bumpers: Bumpers,
    jobs: int,
    stop: threading.Event | None = None,
) -> tuple[list[tuple[float, float]], int] | None:
    """Encode the episode in pieces, several ffmpegs at once; None when it is better left to one.

    Returns the timings and total frames, like :func:`.stitch._stream`.  The timings
    come from the clips' frame counts; a clip that turns out shorter or
    longer is padded or cut to its count, so they stay exact.  ``stop`` set
    from another thread ends it with KeyboardInterrupt, as in :func:`.stitch.stitch`.
    """
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    pieces, timings, total = _layout(script, clips, frame_counts, rate, pauses, bumpers)
    joins = _plan_joins(pieces, total, rate, sample_rate, jobs)
    if not joins:
        return None
    bounds = [0, *joins, total]
    trim = _trim(rate, sample_rate)
    stretches = [(a, b - trim if i < len(joins) else b) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]
    # frames each piece but the last must come to: the output samples its whole stretch spans
    spans = [(b - a) * sample_rate for a, b in zip(bounds, bounds[1:-1])]
    if any(n % (rate * _FRAME) for n in spans):  # a bug in _plan_joins: say so, and stay correct
        log.warning("joins %s are not on whole MP3 frames; encoding with one ffmpeg", joins)
        return None
    expected = [n // (rate * _FRAME) for n in spans]
    log.debug("encoding %d pieces at once, joined at %s s", len(stretches), ", ".join(f"{j / rate:.2f}" for j in joins))

    partial = out_path.with_name(f".{out_path.name}.{os.getpid()}.part")
    parts = [partial] + [out_path.with_name(f".{out_path.name}.{os.getpid()}.{i}.part") for i in range(1, len(stretches))]
    procs: list[subprocess.Popen] = []
    errlogs: list[IO[bytes]] = []
    failed = False  # set on the way out after an error: feeders start no more clips

    def stopped() -> bool:
        return failed or (stop is not None and stop.is_set())

    with tempfile.TemporaryDirectory(prefix="audiobook-encode-") as logs:
        try:
            for i, part in enumerate(parts):
                # stderr to files, not pipes: an unread pipe that fills up blocks ffmpeg
                errlogs.append(open(Path(logs) / f"{i}.log", "w+b"))
                cmd = _ffmpeg_command(ffmpeg, rate, part, bitrate, sample_rate)
                try:
                    procs.append(subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errlogs[-1]))
                except OSError as exc:
                    raise DependencyError(f"cannot run {ffmpeg}: {exc}", hint=_FFMPEG_HINT) from exc
                _widen_pipe(cast(BinaryIO, procs[-1].stdin))
            log.debug("running %d x %s", len(procs), " ".join(_ffmpeg_command(ffmpeg, rate, partial, bitrate, sample_rate)))

            def feed(index: int) -> bool:
                """Stream one piece to its ffmpeg; False if ffmpeg stopped reading."""
                stdin = cast(BinaryIO, procs[index].stdin)
                try:
                    _feed(pieces, *stretches[index], stdin, leveller, stopped)
                    if stopped():  # cut short: this piece must not be finished as if whole
                        raise KeyboardInterrupt
                    stdin.close()
                except BrokenPipeError:
                    return False
                return True

            with ThreadPoolExecutor(len(parts), thread_name_prefix="encode") as pool:
                feeding = [pool.submit(feed, i) for i in range(len(parts))]
                try:
                    fed = [result_of(job) for job in feeding]
                except BaseException:
                    # a bad clip in one piece, or an interrupt: stop every
                    # feeder (those blocked on a pipe see it break) before
                    # the pool waits for them
                    failed = True
                    for proc in procs:
                        proc.kill()
                    raise
            for proc, ok, errlog in zip(procs, fed, errlogs):
                returncode = proc.wait(timeout=_FINISH_TIMEOUT)
                if returncode != 0 or not ok:
                    raise _ffmpeg_failed(returncode, errlog, out_path)
            try:
                _join_mp3(parts, expected, sample_rate)
            except _JoinError as exc:
                log.warning("joining the pieces failed (%s); encoding with one ffmpeg", exc)
                return None
            os.replace(partial, out_path)
        except subprocess.TimeoutExpired as exc:
            raise StitchError(
                f"ffmpeg did not finish within {_FINISH_TIMEOUT:.0f} s",
                hint="check the machine is not out of memory or disk space",
            ) from exc
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                if proc.stdin and not proc.stdin.closed:
                    try:
                        proc.stdin.close()
                    except BrokenPipeError:
                        pass
            for errlog in errlogs:
                errlog.close()
            for part in parts:
                part.unlink(missing_ok=True)
    return timings, total


def _widen_pipe(pipe: BinaryIO) -> None:
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_BYTES)
    except (ImportError, OSError):
        pass  # not Linux, or over the user's pipe limit: the default buffer works too


def _feed(
    pieces: Sequence[_Piece], start: int, end: int, sink: BinaryIO, leveller: Leveller | None, stopped: Callable[[], bool]
) -> None:
    """Write the timeline's frames ``start``..``end`` to ``sink`` (joins fall in pauses: clips come whole)."""
    import bisect

    first = max(0, bisect.bisect_right([p.start for p in pieces], start) - 1)
    for piece in itertools.islice(pieces, first, None):
        a, b = max(piece.start, start), min(piece.start + piece.frames, end)
        if a >= end or stopped():
            break
        if a >= b:
            continue
        if piece.clip is None:
            _write_silence(sink, b - a)
        else:
            sink.write(_clip_pcm(piece.clip, piece.frames, leveller))


def _clip_pcm(clip: Clip, frames: int, leveller: Leveller | None) -> bytes:
    """The clip's PCM, levelled, as exactly ``frames`` frames (cut, or padded with silence)."""
    import io

    buffer = io.BytesIO()
    written = _copy_clip(clip.path, buffer)
    if leveller is None:
        pcm = buffer.getvalue()
    else:
        from .loudness import to_float, to_pcm

        pcm = to_pcm(leveller.level(to_float(buffer.getbuffer())))
    if written != frames:
        log.warning("clip %s gave %d frames, not %d; padding or cutting it to keep the timings", clip.path, written, frames)
        pcm = pcm[: frames * _SAMPLE_WIDTH].ljust(frames * _SAMPLE_WIDTH, b"\0")
    return pcm


class _Tag(NamedTuple):
    """What the join needs from one piece's Info tag."""

    tag_frame: int  # bytes of the frame holding the tag
    frames: int  # audio frames after it
    delay: int
    padding: int
    crc: int  # CRC-16 of the audio frames


def _read_tag(head: bytes, sample_rate: int) -> _Tag:
    if len(head) < _TAG_AT + _TAG_SIZE or head[0] != 0xFF or head[1] & 0xFE != 0xFA:
        raise _JoinError("a piece does not start with an MPEG-1 Layer III frame")
    kbps = _MPEG1_L3_KBPS[head[2] >> 4]
    tag_frame = 144 * 1000 * kbps // sample_rate + (head[2] >> 1 & 1)
    if head[_TAG_AT : _TAG_AT + 4] not in (b"Info", b"Xing") or len(head) < tag_frame:
        raise _JoinError("a piece has no Info tag where ffmpeg puts it")
    field = functools.partial(int.from_bytes, byteorder="big")
    frames = field(head[_TAG_AT + 8 : _TAG_AT + 12])
    delay_padding = field(head[_TAG_AT + 141 : _TAG_AT + 144])
    crc = field(head[_TAG_AT + _TAG_SIZE - 4 : _TAG_AT + _TAG_SIZE - 2])
    return _Tag(tag_frame, frames, delay_padding >> 12, delay_padding & 0xFFF, crc)


def _join_mp3(parts: Sequence[Path], expected: Sequence[int], sample_rate: int) -> None:
    """Append the other pieces' audio frames to the first piece and rewrite its Info tag for the whole."""
    tags = []
    for part in parts:
        with open(part, "rb") as f:
            tags.append(_read_tag(f.read(2048), sample_rate))
    for tag, want in zip(tags, expected):
        if tag.frames != want or tag.delay != _LAME_DELAY:
            raise _JoinError(f"a piece came to {tag.frames} frames with {tag.delay} samples of delay, not {want} with {_LAME_DELAY}")
    if tags[-1].delay != _LAME_DELAY:
        raise _JoinError(f"the last piece has {tags[-1].delay} samples of delay, not {_LAME_DELAY}")
    sizes = [part.stat().st_size - tag.tag_frame for part, tag in zip(parts, tags)]  # audio bytes per piece
    crc = tags[0].crc
    with open(parts[0], "r+b") as out:
        out.seek(0, os.SEEK_END)
        for part, tag, size in zip(parts[1:], tags[1:], sizes[1:]):
            with open(part, "rb") as f:
                f.seek(tag.tag_frame)
                shutil.copyfileobj(f, out, 1 << 20)
            crc = _crc16_shift(crc, size) ^ tag.crc
        total_bytes = out.tell()
        out.seek(0)
        head = bytearray(out.read(tags[0].tag_frame))
        frames = sum(t.frames for t in tags)
        at = _TAG_AT
        head[at + 8 : at + 12] = frames.to_bytes(4, "big")
        head[at + 12 : at + 16] = total_bytes.to_bytes(4, "big")
        head[at + 16 : at + 16 + _TOC_SIZE] = _toc(tags[0].tag_frame, sizes, [t.frames for t in tags], total_bytes)
        head[at + 141 : at + 144] = (_LAME_DELAY << 12 | tags[-1].padding).to_bytes(3, "big")
        head[at + _TAG_SIZE - 8 : at + _TAG_SIZE - 4] = total_bytes.to_bytes(4, "big")
        head[at + _TAG_SIZE - 4 : at + _TAG_SIZE - 2] = crc.to_bytes(2, "big")
        # ffmpeg's tag CRC: over the frame's first 190 bytes, this field zeroed
        head[at + _TAG_SIZE - 2 : at + _TAG_SIZE] = b"\0\0"
        head[at + _TAG_SIZE - 2 : at + _TAG_SIZE] = _crc16(bytes(head[:190])).to_bytes(2, "big")
        out.seek(0)
        out.write(head)


def _toc(first: int, sizes: Sequence[int], frames: Sequence[int], total_bytes: int) -> bytes:
    """The Xing seek table: where each percent of the frames starts, in 256ths of the file.

    Constant bit rate: within a piece the frames are (to a byte) the same size.
    """
    toc = bytearray(_TOC_SIZE)
    starts = list(itertools.accumulate(frames, initial=0))
    offsets = list(itertools.accumulate(sizes, initial=first))
    piece = 0
    for i in range(1, _TOC_SIZE):
        frame = i * starts[-1] / _TOC_SIZE
        while piece < len(frames) - 1 and frame >= starts[piece + 1]:
            piece += 1
        pos = offsets[piece] + (frame - starts[piece]) * sizes[piece] / max(frames[piece], 1)
        toc[i] = min(255, int(256 * pos / total_bytes))
    return bytes(toc)


@functools.lru_cache(maxsize=1)
def _crc16_table() -> tuple[int, ...]:
    """CRC-16/ARC (ffmpeg's AV_CRC_16_ANSI_LE: reflected 0x8005, no init, no final xor)."""
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = crc >> 1 ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


def _crc16(data: bytes, crc: int = 0) -> int:
    table = _crc16_table()
    for byte in data:
        crc = crc >> 8 ^ table[(crc ^ byte) & 0xFF]
    return crc


def _crc16_shift(crc: int, n: int) -> int:
    """``crc`` carried over ``n`` zero bytes, so that crc(A + B) = shift(crc(A), len(B)) ^ crc(B).

    A zero byte changes the register linearly; the change for ``n`` of them
    is found by squaring, as a table of what becomes of each of its 16 bits.
    """
    table = _crc16_table()

    def apply(images: Sequence[int], x: int) -> int:
        out = 0
        for bit, image in enumerate(images):
            if x >> bit & 1:
                out ^= image
        return out

    images = [(1 << bit) >> 8 ^ table[(1 << bit) & 0xFF] for bit in range(16)]  # one zero byte
    while n:
        if n & 1:
            crc = apply(images, crc)
        images = [apply(images, image) for image in images]
        n >>= 1
    return crc
