"""Transcript: a timed Script -> WebVTT and SubRip transcripts, and JSON chapters.

    Script (with timings) -> episode.vtt, episode.srt, episode.chapters.json

Steps:

1. Cut each spoken segment at its sentence ends (and a sentence too long for
   a cue at its clause marks).  The segment's own start and end come from the
   audio; the times inside it are shared out by letters spoken, less the
   sentence pauses the stitch stage put between its clips.
2. Pack the pieces into cues: consecutive pieces of one paragraph read by one
   person, for at most ``max_seconds`` and ``max_chars``.
3. Format: WebVTT names the reader of every cue in a voice span (``<v Zoë>``);
   SubRip puts ``Zoë:`` before the first cue of each change of speaker; the
   Podcasting 2.0 chapters JSON lists the script's chapters (or the whole
   episode as one chapter).

Every cue carries a name, the narrator's included: players read a voice span
as lasting until the next one (the Podcasting 2.0 transcript notes), so an
unnamed narration cue after a quote would be put in the quoted person's
mouth.  Quotes whose speaker is unknown are the narrator's: the text keeps
the quote marks, so they read as they do in the article.

:func:`write_sidecars` writes the three files next to the MP3, atomically;
:func:`sidecars` makes them for a caller that writes them with the episode.
"""
from __future__ import annotations

import json
import logging
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .atomic import write_text
from .models import QUOTE, Script, ScriptSegment
from .stitch import DEFAULT_PAUSES
from .synthesize import long_spans, sentence_spans, speakable

log = logging.getLogger(__name__)

#: the name of the voice that reads everything but attributed quotes
NARRATOR = "Narrator"
#: a cue longer than this is cut at a sentence end (a single sentence may exceed it)
MAX_CUE_SECONDS = 7.0
#: WebVTT: at most this many characters a line (the Podcasting 2.0 advice), two lines a cue
VTT_LINE = 65
#: SubRip: at most 32 characters a line and two lines a card (the Podcasting 2.0 advice)
SRT_LINE = 32
CHAPTERS_VERSION = "1.2.0"
#: file name endings of the sidecars, after the MP3's stem
SUFFIXES = (".vtt", ".srt", ".chapters.json")


@dataclass(frozen=True)
class Cue:
    """A stretch of the transcript shown at once, read by one person."""

    start: float
    """Seconds from the start of the audio."""
    end: float
    """Seconds from the start of the audio."""
    text: str
    """The article's words, quote marks included, whitespace collapsed."""
    speaker: str
    """Who reads it: the quote's speaker, or the narrator."""


@dataclass(frozen=True)
class _Piece:
    start: float
    end: float
    text: str  # with its surrounding whitespace, so pieces join back exactly
    speaker: str
    paragraph: int


def cues(
    script: Script,
    *,
    max_seconds: float = MAX_CUE_SECONDS,
    max_chars: int = 2 * VTT_LINE,
    narrator: str = NARRATOR,
) -> list[Cue]:
    """The cues of a timed script, in order.  Raises ValueError if it has no timings."""
    out: list[Cue] = []
    group: list[_Piece] = []
    for piece in _pieces(script, max_chars, narrator):
        if group and (
            piece.paragraph != group[0].paragraph
            or piece.speaker != group[0].speaker
            or piece.end - group[0].start > max_seconds
            or len(_collapse(_join(group) + piece.text)) > max_chars
        ):
            out.append(_cue(group))
            group = []
        group.append(piece)
    if group:
        out.append(_cue(group))
    return out


def to_webvtt(script: Script, *, narrator: str = NARRATOR) -> str:
    """The transcript as WebVTT, each cue opened by a voice span naming its reader."""
    blocks = ["WEBVTT"]
    for cue in cues(script, narrator=narrator):
        lines = textwrap.wrap(_escape(cue.text), VTT_LINE, break_long_words=False, break_on_hyphens=False)
        # wrapping after escaping keeps "&amp;" whole; the voice span opens the first line
        lines[0] = f"<v {_escape(cue.speaker)}>{lines[0]}"
        blocks.append(f"{_clock(cue.start, '.')} --> {_clock(_after(cue), '.')}\n" + "\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def to_srt(script: Script, *, narrator: str = NARRATOR) -> str:
    """The transcript as SubRip: numbered cards of two 32-character lines at most,
    the first card of each change of speaker opened by ``Name:``."""
    blocks = []
    previous = None
    for number, cue in enumerate(cues(script, max_chars=2 * SRT_LINE, narrator=narrator), 1):
        text = cue.text if cue.speaker == previous else f"{cue.speaker}: {cue.text}"
        previous = cue.speaker
        lines = textwrap.wrap(text, SRT_LINE, break_long_words=False, break_on_hyphens=False)
        blocks.append(f"{number}\n{_clock(cue.start, ',')} --> {_clock(_after(cue), ',')}\n" + "\n".join(lines))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def to_chapters_json(script: Script) -> str:
    """Podcasting 2.0 JSON chapters; a script without chapters is one, named after the episode."""
    if any(ch.start is None for ch in script.chapters):
        raise ValueError("the script's chapters have no times; give it timings with Script.with_timings")
    chapters = [
        {"startTime": _seconds(ch.start or 0.0), "endTime": _seconds(ch.end), "title": ch.title}
        for ch in script.chapters
    ]
    if not chapters:
        ends = [seg.end for seg in script.segments if seg.end is not None]
        chapters = [{"startTime": 0, "endTime": _seconds(max(ends)) if ends else None, "title": script.title}]
    data = {
        "version": CHAPTERS_VERSION,
        "title": script.title,
        "author": script.author,
        "chapters": [{k: v for k, v in ch.items() if v is not None} for ch in chapters],
    }
    return json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False, indent=2) + "\n"


def sidecars(script: Script, mp3_path: Path) -> list[tuple[Path, str]]:
    """The paths and texts of ``<stem>.vtt``, ``<stem>.srt`` and ``<stem>.chapters.json``
    beside ``mp3_path``, for a caller that writes them with other files (see atomic.Staging)."""
    mp3_path = Path(mp3_path)
    texts = [to_webvtt(script), to_srt(script), to_chapters_json(script)]
    return [(mp3_path.with_name(mp3_path.stem + suffix), text) for suffix, text in zip(SUFFIXES, texts)]


def write_sidecars(script: Script, mp3_path: Path) -> list[Path]:
    """Write ``<stem>.vtt``, ``<stem>.srt`` and ``<stem>.chapters.json`` beside ``mp3_path``.

    All three are made before any is written, and each is written to a hidden
    temporary file and renamed into place, so a failure never leaves a
    truncated file.  Returns their paths.
    """
    files = sidecars(script, mp3_path)
    for path, text in files:
        write_text(path, text)
    log.info("wrote %s", ", ".join(p.name for p, _ in files))
    return [p for p, _ in files]


# --- cutting and packing -----------------------------------------------------


def _pieces(script: Script, max_chars: int, narrator: str) -> list[_Piece]:
    out: list[_Piece] = []
    for index, seg in enumerate(script.segments):
        text = seg.open + seg.text + seg.close
        if not speakable(text):
            continue
        if seg.start is None or seg.end is None:
            raise ValueError(f"segment {index} has no times; give the script timings with Script.with_timings")
        speaker = seg.speaker if seg.kind == QUOTE and seg.speaker else narrator
        for start, end, piece in _timed_pieces(seg, text, max_chars):
            out.append(_Piece(start, end, piece, speaker, seg.paragraph))
    return out


def _timed_pieces(seg: ScriptSegment, text: str, max_chars: int) -> list[tuple[float, float, str]]:
    """``text`` cut at sentence ends (and clauses of long sentences), each with its times.

    Letters and digits stand for speaking time; a sentence end also stands
    for the pause the stitch stage put there.  Each cut falls in the middle
    of its pause.
    """
    cuts: list[tuple[int, bool]] = []  # (offset where a piece starts, after a sentence end?)
    for a, b in sentence_spans(text):
        cuts.extend((start, i == 0) for i, (start, _) in enumerate(long_spans(text, a, b, max_chars)))
    if not cuts:
        return [(seg.start or 0.0, seg.end or 0.0, text)]
    offsets = [0] + [at for at, _ in cuts[1:]] + [len(text)]
    pieces = [text[x:y] for x, y in zip(offsets, offsets[1:])]
    pauses = [DEFAULT_PAUSES.sentence if sentence else 0.0 for _, sentence in cuts[1:]]

    start, end = seg.start or 0.0, seg.end or 0.0
    weights = [max(1, sum(ch.isalnum() for ch in p)) for p in pieces]
    talk = end - start - sum(pauses)
    if talk < 0.5 * (end - start):  # the pauses must have been shorter: share by letters alone
        pauses, talk = [0.0] * len(pauses), end - start
    out, t, begin = [], start, start
    for i, piece in enumerate(pieces):
        t += talk * weights[i] / sum(weights)  # where this piece's words end
        if i < len(pauses):
            cut = t + pauses[i] / 2
            t += pauses[i]
        else:
            cut = end  # exact, whatever the rounding on the way
        out.append((begin, cut, piece))
        begin = cut
    return out


def _join(pieces: Sequence[_Piece]) -> str:
    return "".join(p.text for p in pieces)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _cue(pieces: Sequence[_Piece]) -> Cue:
    return Cue(pieces[0].start, pieces[-1].end, _collapse(_join(pieces)), pieces[0].speaker)


# --- formatting --------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _after(cue: Cue) -> float:
    """The cue's end, at least 1 ms after its start (players drop empty cues)."""
    return max(cue.end, cue.start + 0.001)


def _clock(seconds: float, decimal: str) -> str:
    """HH:MM:SS.mmm (WebVTT) or HH:MM:SS,mmm (SubRip)."""
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{ms:03d}"


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


