"""Tag: an MP3 and its Script -> the same MP3 with ID3 tags.

    episode.mp3 + Script -> episode.mp3 (ID3v2.3 by default, or v2.4)

Steps:

1. Read the MP3's stream info (this also checks it is an MP3) for TLEN.
2. Build a fresh tag from the script: one small function per kind of frame
   (text frames, comment, transcript), so chapters (CHAP/CTOC) and a cover
   (APIC) can be added later as two more such functions.
3. Save it over whatever tag the file had, as v2.3 unless asked for v2.4.
   v2.3 is the default because it is what most podcast players and car
   stereos read reliably.  For v2.3 the tag goes through mutagen's
   ``update_to_v23()`` first, which turns the date (TDRC) into TYER (year)
   and TDAT (DDMM): ``save(v2_version=3)`` alone would write TDRC as is.

:func:`read_tags` reads the fields back as plain strings.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .errors import TagError
from .models import Script

if TYPE_CHECKING:  # mutagen is imported lazily: start-up time counts
    from mutagen.id3 import ID3

log = logging.getLogger(__name__)

#: TENC (encoded by) is the tool; TSSE (encoder settings) also names its version
SOFTWARE = "audiobook"
GENRE = "Podcast"
#: ISO 639-2 language of the comment and the transcript frames
LANGUAGE = "eng"

_HINT = "check that the file is an MP3 this user can write, and that the disk is not full"


def tag(
    mp3_path: Path,
    script: Script,
    *,
    show: str | None = None,
    comment: str | None = None,
    id3_version: int = 3,
    transcript: str | None = None,
) -> None:
    """Write ID3 tags for ``script`` into ``mp3_path``, replacing any it has.

    ``show`` becomes the album; ``comment`` defaults to the script's source and
    ``transcript`` to the cleaned article (paragraphs separated by blank lines).
    """
    if id3_version not in (3, 4):
        raise TagError(
            f"ID3 version must be 3 or 4, not {id3_version!r}", hint="use 3 (v2.3) or 4 (v2.4)"
        )
    mp3_path = Path(mp3_path)
    length = _length_ms(mp3_path)
    if comment is None:
        comment = script.source if script.source not in (None, "-") else None
    if transcript is None:
        transcript = "\n\n".join(script.paragraphs)

    from mutagen.id3 import ID3

    tags = ID3()
    encoding = _encoding(id3_version)
    for frame in [
        *_text_frames(script, show=show, length_ms=length, encoding=encoding),
        *_comment_frames(comment, encoding=encoding),
        *_transcript_frames(transcript, encoding=encoding),
    ]:
        tags.add(frame)
    _save(tags, mp3_path, id3_version)
    log.info("tagged %s (ID3v2.%d, %d frames)", mp3_path, id3_version, len(tags))


def read_tags(mp3_path: Path) -> dict[str, str]:
    """The fields :func:`tag` writes, as plain strings; missing ones are left out.

    Keys: title, artist, album, date, genre, comment, transcript, length (ms),
    software, encoded_by, and id3_version ("2.3" or "2.4").  An MP3 without a
    tag gives ``{}``.
    """
    from mutagen import MutagenError
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        # mutagen reads v2.3 as v2.4 by default, merging TYER+TDAT into TDRC
        tags = ID3(Path(mp3_path))
    except ID3NoHeaderError:
        return {}
    except (MutagenError, OSError) as exc:
        raise TagError(f"cannot read tags of {mp3_path}: {exc}", hint=_HINT) from exc

    out = {"id3_version": f"2.{tags.version[1]}"}
    for key, frame_id in _TEXT_KEYS.items():
        if frame_id in tags:
            out[key] = str(tags[frame_id])
    for key, frame_id in (("comment", "COMM"), ("transcript", "USLT")):
        frames = tags.getall(frame_id)
        if frames:
            out[key] = frames[0].text if frame_id == "USLT" else str(frames[0])
    return out


# --- frames ------------------------------------------------------------------

_TEXT_KEYS = {
    "title": "TIT2",
    "artist": "TPE1",
    "album": "TALB",
    "date": "TDRC",
    "genre": "TCON",
    "length": "TLEN",
    "software": "TSSE",
    "encoded_by": "TENC",
}


def _encoding(id3_version: int) -> int:
    from mutagen.id3 import Encoding

    # v2.3 has no UTF-8; UTF-16 carries curly quotes and accents there
    return Encoding.UTF16 if id3_version == 3 else Encoding.UTF8


def _text_frames(script: Script, *, show: str | None, length_ms: int | None, encoding: int) -> list:
    from mutagen import id3

    values = {
        id3.TIT2: script.title,
        id3.TPE1: script.author,
        id3.TALB: show,
        id3.TDRC: normalise_date(script.date) if script.date else None,
        id3.TCON: GENRE,
        id3.TLEN: str(length_ms) if length_ms else None,
        id3.TSSE: f"{SOFTWARE} {__version__}",
        id3.TENC: SOFTWARE,
    }
    return [kind(encoding=encoding, text=[value]) for kind, value in values.items() if value]


def _comment_frames(comment: str | None, *, encoding: int) -> list:
    from mutagen.id3 import COMM

    return [COMM(encoding=encoding, lang=LANGUAGE, desc="", text=[comment])] if comment else []


def _transcript_frames(transcript: str | None, *, encoding: int) -> list:
    from mutagen.id3 import USLT

    # USLT ("unsynchronised lyrics") is where players look for a transcript
    return [USLT(encoding=encoding, lang=LANGUAGE, desc="", text=transcript)] if transcript else []


# --- helpers -----------------------------------------------------------------


def _length_ms(mp3_path: Path) -> int | None:
    """Duration from the Xing header, in ms; also proves the file is an MP3.

    mutagen does not read the encoder delay from ffmpeg's LAME header, so this
    is ~30 ms longer than the audio; TLEN is only a hint for players.
    """
    from mutagen import MutagenError
    from mutagen.mp3 import MP3

    try:
        info = MP3(mp3_path).info
    except (MutagenError, OSError) as exc:
        raise TagError(f"cannot read {mp3_path} as an MP3: {exc}", hint=_HINT) from exc
    return round(info.length * 1000) if info.length > 0 else None


def _save(tags: ID3, mp3_path: Path, id3_version: int) -> None:
    from mutagen import MutagenError
    from mutagen.id3 import ID3v1SaveOptions

    if id3_version == 3:
        # save(v2_version=3) alone writes v2.4 frames as they are (TDRC would
        # land in a v2.3 tag, unread by v2.3 players); this turns the date
        # into TYER + TDAT and drops other v2.4-only frames
        tags.update_to_v23()
    try:
        # ID3v1 is dropped: it is Latin-1 only and would go stale next to v2
        tags.save(mp3_path, v2_version=id3_version, v1=ID3v1SaveOptions.REMOVE)
    except (MutagenError, OSError) as exc:
        raise TagError(f"cannot write tags to {mp3_path}: {exc}", hint=_HINT) from exc


_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        ["jan january", "feb february", "mar march", "apr april", "may", "jun june",
         "jul july", "aug august", "sep sept september", "oct october", "nov november",
         "dec december"]
    )
    for m in names.split()
}
_ISO = re.compile(r"\b(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?!\d)")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\.?\s+([a-z]+)\.?,?\s+(\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_MONTH_YEAR = re.compile(r"\b([a-z]+)\.?,?\s+(\d{4})\b")
_YEAR = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")


def normalise_date(text: str) -> str | None:
    """``text`` as YYYY-MM-DD (or YYYY-MM, or YYYY, as precise as it is), or None.

    Handles ISO dates and datetimes, "5 March 2024", "March 5th, 2024",
    "Tue, 5 Mar 2024 10:00:00 GMT", "March 2024" and a bare year.  All-number
    dates like 03/05/2024 are ambiguous (US or European order), so only their
    year is kept.
    """
    lowered = text.strip().lower()
    found = _ISO.search(lowered)
    if found:
        return _format(int(found[1]), int(found[2]), int(found[3]) if found[3] else None)
    found = _DAY_MONTH_YEAR.search(lowered)
    if found and found[2] in _MONTHS:
        return _format(int(found[3]), _MONTHS[found[2]], int(found[1]))
    found = _MONTH_DAY_YEAR.search(lowered)
    if found and found[1] in _MONTHS:
        return _format(int(found[3]), _MONTHS[found[1]], int(found[2]))
    found = _MONTH_YEAR.search(lowered)
    if found and found[1] in _MONTHS:
        return _format(int(found[2]), _MONTHS[found[1]], None)
    found = _YEAR.search(lowered)
    if found:
        return found[1]
    log.warning("cannot understand the date %r; the episode gets none", text)
    return None


def _format(year: int, month: int, day: int | None) -> str | None:
    import datetime

    try:
        datetime.date(year, month, day or 1)  # rejects 2024-13-01, 31 Feb, ...
    except ValueError:
        return str(year)
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")
