"""Tag: an MP3 and its Script -> the same MP3 with ID3 tags.

    episode.mp3 + Script -> episode.mp3 (ID3v2.3 by default, or v2.4)

Steps:

1. Read the MP3's stream info (this also checks it is an MP3) for TLEN.
2. Build a fresh tag from the script: one small function per kind of frame
   (text frames, comment, transcript, chapters, cover).
3. Save it over whatever tag the file had, as v2.3 unless asked for v2.4.
   v2.3 is the default because it is what most podcast players and car
   stereos read reliably.  For v2.3 the tag goes through mutagen's
   ``update_to_v23()`` first, which turns the date (TDRC) into TYER (year)
   and TDAT (DDMM): ``save(v2_version=3)`` alone would write TDRC as is.

The article's web address (``Script.url``) is a WOAS frame ("official audio
source webpage": where what is heard comes from); URL frames are Latin-1, so
an address with other characters is percent-encoded first.

Chapters are one CHAP frame per chapter (element ids "ch0", "ch1", ...,
times in ms, a TIT2 with the title) plus one CTOC frame flagged top-level and
ordered that lists them: podcast apps show chapters only when such a CTOC
exists.  The cover is an APIC frame of type 3 (front cover).

:func:`read_tags` reads the fields back as plain strings, :func:`read_chapters`
the chapters and :func:`read_cover` the cover image.
"""
from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import DISK_FULL_HINT, OutputError, TagError
from .models import Chapter, Script

if TYPE_CHECKING:  # mutagen is imported lazily: start-up time counts
    from mutagen.id3 import ID3

log = logging.getLogger(__name__)

#: TENC (encoded by) is the tool; TSSE (encoder settings) also names its version
SOFTWARE = "audiobook"
GENRE = "Podcast"
#: ISO 639-2 language of the comment and the transcript frames
LANGUAGE = "eng"
#: element id of the table of contents; chapters are CHAPTER_ID + index
TOC_ID = "toc"
CHAPTER_ID = "ch"
#: APIC picture type 3, "Cover (front)": the one players show
_FRONT_COVER = 3

_HINT = "check that the file is an MP3 this user can write, and that the disk is not full"


def tag(
    mp3_path: Path,
    script: Script,
    *,
    show: str | None = None,
    comment: str | None = None,
    id3_version: int = 3,
    transcript: str | None = None,
    cover: Path | bytes | None = None,
    name: Path | None = None,
) -> None:
    """Write ID3 tags for ``script`` into ``mp3_path``, replacing any it has.

    ``show`` becomes the album; ``comment`` defaults to the script's source and
    ``transcript`` to the cleaned article (paragraphs separated by blank lines).
    The script's chapters are written when they are timed (see
    :meth:`Script.with_timings`).  ``cover`` is an image file, checked with
    :func:`audiobook.cover.check_cover` (an ``InputError`` if unfit), or the
    bytes of a JPEG or PNG already checked.  ``name`` is what errors call
    the file (the episode's own name when ``mp3_path`` is its temporary file).
    """
    if id3_version not in (3, 4):
        raise TagError(
            f"ID3 version must be 3 or 4, not {id3_version!r}", hint="use 3 (v2.3) or 4 (v2.4)"
        )
    mp3_path = Path(mp3_path)
    picture = _cover_image(cover)  # before the MP3: a bad cover is the user's to fix
    length = _length_ms(mp3_path, name)
    if comment is None:
        comment = script.source if script.source not in (None, "-") else None
    if transcript is None:
        transcript = "\n\n".join(script.paragraphs)

    tags = _chapters_in_time_order()()
    encoding = _encoding(id3_version)
    for frame in [
        *_text_frames(script, show=show, length_ms=length, encoding=encoding),
        *_url_frames(script.url),
        *_comment_frames(comment, encoding=encoding),
        *_transcript_frames(transcript, encoding=encoding),
        *_chapter_frames(script, encoding=encoding),
        *_cover_frames(picture),
    ]:
        tags.add(frame)
    _save(tags, mp3_path, id3_version, name)
    log.info("tagged %s (ID3v2.%d, %d frames)", mp3_path, id3_version, len(tags))


def read_tags(mp3_path: Path) -> dict[str, str]:
    """The fields :func:`tag` writes, as plain strings; missing ones are left out.

    Keys: title, artist, album, date, genre, url, comment, transcript, length
    (ms), software, encoded_by, and id3_version ("2.3" or "2.4").  An MP3
    without a tag gives ``{}``.
    """
    tags = _read(mp3_path)
    if tags is None:
        return {}
    out = {"id3_version": f"2.{tags.version[1]}"}
    for key, frame_id in _TEXT_KEYS.items():
        if frame_id in tags:
            out[key] = str(tags[frame_id])
    if tags.getall("WOAS"):
        out["url"] = tags.getall("WOAS")[0].url
    for key, frame_id in (("comment", "COMM"), ("transcript", "USLT")):
        frames = tags.getall(frame_id)
        if frames:
            out[key] = frames[0].text if frame_id == "USLT" else str(frames[0])
    return out


def read_chapters(mp3_path: Path) -> list[dict[str, Any]]:
    """The chapters of ``mp3_path``: ``[{"id", "title", "start", "end"}, ...]``.

    Times are in seconds.  The order is that of the top-level table of contents
    (CTOC) when the tag has one, else by start time; chapters it does not list
    follow, by start time.  An MP3 without chapters (or a tag) gives ``[]``.
    """
    from mutagen.id3 import CTOCFlags

    tags = _read(mp3_path)
    if tags is None:
        return []
    chapters = {f.element_id: f for f in tags.getall("CHAP")}
    listed = [
        child
        for toc in tags.getall("CTOC")
        if toc.flags & CTOCFlags.TOP_LEVEL
        for child in toc.child_element_ids
        if child in chapters
    ]
    listed = list(dict.fromkeys(listed))  # each once, first place kept
    unlisted = sorted(set(chapters) - set(listed), key=lambda key: chapters[key].start_time)
    out = []
    for key in listed + unlisted:
        frame = chapters[key]
        title = frame.sub_frames.get("TIT2")
        out.append({
            "id": key,
            "title": str(title) if title else "",
            "start": frame.start_time / 1000,
            "end": frame.end_time / 1000,
        })
    return out


def read_cover(mp3_path: Path) -> tuple[bytes, str] | None:
    """The front cover embedded in ``mp3_path`` as (image bytes, MIME type), or None.

    Falls back to the first picture of any type when there is no front cover.
    """
    tags = _read(mp3_path)
    pictures = tags.getall("APIC") if tags is not None else []
    if not pictures:
        return None
    front = next((p for p in pictures if p.type == _FRONT_COVER), pictures[0])
    return front.data, front.mime


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


def _url_frames(url: str | None) -> list:
    from urllib.parse import quote

    from mutagen.id3 import WOAS

    if not url:
        return []
    # Latin-1 only: what is not ASCII is percent-encoded, what is already stays
    return [WOAS(url=quote(url, safe=":/?#[]@!$&'()*+,;=%~"))]


def _comment_frames(comment: str | None, *, encoding: int) -> list:
    from mutagen.id3 import COMM

    return [COMM(encoding=encoding, lang=LANGUAGE, desc="", text=[comment])] if comment else []


def _transcript_frames(transcript: str | None, *, encoding: int) -> list:
    from mutagen.id3 import USLT

    # USLT ("unsynchronised lyrics") is where players look for a transcript
    return [USLT(encoding=encoding, lang=LANGUAGE, desc="", text=transcript)] if transcript else []


def _chapter_frames(script: Script, *, encoding: int) -> list:
    """A CHAP frame per chapter and one top-level, ordered CTOC listing them."""
    from mutagen.id3 import CHAP, CTOC, TIT2, CTOCFlags

    if not script.chapters:
        return []
    if any(ch.start is None or ch.end is None for ch in script.chapters):
        log.warning("the script's chapters have no times (no audio yet?); none are tagged")
        return []
    ids = [f"{CHAPTER_ID}{i}" for i in range(len(script.chapters))]
    frames: list = [
        CTOC(
            element_id=TOC_ID,
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=encoding, text=[script.title])],
        )
    ]
    for element_id, ch in zip(ids, script.chapters):
        start, end = _chapter_ms(ch)
        frames.append(
            CHAP(
                element_id=element_id,
                start_time=start,
                end_time=end,
                # byte offsets "unused" (0xFFFFFFFF, mutagen's default): players use the times
                sub_frames=[TIT2(encoding=encoding, text=[ch.title])],
            )
        )
    return frames


def _chapter_ms(chapter: Chapter) -> tuple[int, int]:
    start = max(0, round((chapter.start or 0.0) * 1000))
    return start, max(start, round((chapter.end or 0.0) * 1000))


def _cover_frames(picture: tuple[bytes, str] | None) -> list:
    from mutagen.id3 import APIC, Encoding

    if picture is None:
        return []
    data, mime = picture
    # Latin-1 with an empty description: the form the most players (and car
    # stereos) read; UTF-16 descriptions trip some of them
    return [APIC(encoding=Encoding.LATIN1, mime=mime, type=_FRONT_COVER, desc="", data=data)]


def _cover_image(cover: Path | bytes | None) -> tuple[bytes, str] | None:
    """(bytes, MIME type) of the cover to embed; a file is checked, bytes only sniffed."""
    from .cover import check_cover, image_type

    if cover is None:
        return None
    if isinstance(cover, (bytes, bytearray)):
        mime = image_type(bytes(cover))
        if mime is None:
            raise TagError("the cover image is not a JPEG or PNG", hint="embed a JPEG or PNG cover")
        return bytes(cover), mime
    return check_cover(Path(cover))


# --- helpers -----------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _chapters_in_time_order() -> type:
    """A subclass of mutagen's ID3 that writes the CHAP frames last, in time order.

    mutagen orders frames by size, and ffmpeg (so every tool built on it)
    lists chapters in file order, ignoring the CTOC: a short title would jump
    ahead.  This leans on two private names of mutagen (``_write`` and
    ``save_frame``, unchanged since 1.3x); the ffmpeg tests would catch a change.
    """
    from mutagen.id3 import ID3
    from mutagen.id3._tags import save_frame

    class TimeOrderedID3(ID3):
        def _write(self, config):  # type: ignore[no-untyped-def]
            chapters = sorted(self.getall("CHAP"), key=lambda f: (f.start_time, f.end_time))
            self.delall("CHAP")
            try:
                head = super()._write(config)
            finally:
                for frame in chapters:
                    self.add(frame)
            return head + b"".join(save_frame(frame, config=config) for frame in chapters)

    return TimeOrderedID3



def _read(mp3_path: Path) -> ID3 | None:
    """The tag of ``mp3_path`` (v2.3 read as v2.4), or None when it has none."""
    from mutagen import MutagenError
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        # mutagen reads v2.3 as v2.4 by default, merging TYER+TDAT into TDRC
        return ID3(Path(mp3_path))
    except ID3NoHeaderError:
        return None
    except (MutagenError, OSError) as exc:
        raise TagError(f"cannot read tags of {mp3_path}: {exc}", hint=_HINT) from exc


def _length_ms(mp3_path: Path, name: Path | None = None) -> int | None:
    """Duration from the Xing header, in ms; also proves the file is an MP3.

    mutagen does not read the encoder delay from ffmpeg's LAME header, so this
    is ~30 ms longer than the audio; TLEN is only a hint for players.
    """
    from mutagen import MutagenError
    from mutagen.mp3 import MP3

    try:
        info = MP3(mp3_path).info
    except (MutagenError, OSError) as exc:
        raise TagError(f"cannot read {name or mp3_path} as an MP3: {_why(exc)}", hint=_HINT) from exc
    return round(info.length * 1000) if info.length > 0 else None


def _save(tags: ID3, mp3_path: Path, id3_version: int, name: Path | None = None) -> None:
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
        why = _why(exc)
        if why == _DISK_FULL:  # the output folder's problem, as for the episode's other files
            raise OutputError(f"cannot write tags to {name or mp3_path}: {why}", hint=DISK_FULL_HINT) from exc
        raise TagError(f"cannot write tags to {name or mp3_path}: {why}", hint=_HINT) from exc


_DISK_FULL = "the disk is full"


def _why(exc: Exception) -> str:
    """What went wrong, in words; mutagen wraps the OSError of a full disk in its own error."""
    import errno

    cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else exc
    if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
        return _DISK_FULL
    return str(exc)


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
