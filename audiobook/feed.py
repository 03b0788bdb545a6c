"""Feed: a folder of episodes -> its podcast RSS feed, ``feed.xml``.

    folder/<slug>.mp3 (+ .json, .vtt, .srt, .chapters.json, .jpg/.png) -> folder/feed.xml

Steps:

1. Check the inputs (folder, base URL, title, author, language, image) before
   reading any episode, so a typo fails at once with a hint.
2. Read the previous ``feed.xml``, if any: the GUID of each enclosure file and
   the show cover it named.  A podcast app identifies an episode by its GUID;
   a changed GUID makes every subscriber download the episode again.
3. Find the episodes: every visible ``*.mp3`` directly in the folder (the
   pipeline's hidden ``.partial`` files are skipped), each read into an
   :class:`Episode` from its tags, its script JSON, its audio and the sidecar
   files beside it.
4. Pick the show cover: the ``image`` given (copied into the folder so the
   server can serve it), else the one the previous feed named, else
   ``cover.jpg``/``cover.png`` in the folder, else a generated default cover.
5. Build the RSS 2.0 tree (itunes, podcast and atom namespaces) with
   ElementTree, newest episode first, and write it atomically: a temporary
   file renamed over ``feed.xml``, so a server never sends half a feed.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import shutil
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote, unquote, urlsplit

from . import __version__
from .atomic import replacing
from .errors import InputError, TagError
from .models import Script

log = logging.getLogger(__name__)

FEED_NAME = "feed.xml"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
for _prefix, _uri in (("itunes", ITUNES), ("podcast", PODCAST), ("atom", ATOM)):
    ET.register_namespace(_prefix, _uri)

#: the namespace the Podcasting 2.0 spec fixes for the channel's podcast:guid
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
#: sidecar suffix -> the MIME type podcast:transcript names (Podcasting 2.0 list)
TRANSCRIPT_TYPES = {".vtt": "text/vtt", ".srt": "application/x-subrip"}
CHAPTERS_SUFFIX = ".chapters.json"
CHAPTERS_TYPE = "application/json+chapters"
COVER_SUFFIXES = (".jpg", ".jpeg", ".png")
#: names a show cover may have in the folder when none is given
SHOW_COVER_NAMES = ("cover.jpg", "cover.jpeg", "cover.png")
#: an episode description longer than this is cut at a word
SUMMARY_CHARS = 600

_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
# characters XML 1.0 forbids; scraped articles do contain stray control codes
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BUILD_HINT = "build episodes into it first, e.g. audiobook build article.txt -o {folder}"


@dataclass(frozen=True)
class Episode:
    """One MP3 of the folder, with what the feed says about it."""

    mp3: Path
    """The audio file; its name is the enclosure's."""
    title: str
    """From the script JSON, else the title tag, else the file name."""
    description: str
    """A summary: the article's first paragraph (and chapters, source)."""
    author: str | None
    """The byline (artist tag)."""
    published: dt.datetime
    """When it was published (timezone-aware), from its date, else the file time."""
    duration: float
    """Seconds of audio."""
    size: int
    """Bytes, for the enclosure's length."""
    cover: Path | None = None
    """``<slug>.jpg`` or ``.png`` when the episode has its own art."""
    transcripts: tuple[tuple[Path, str], ...] = ()
    """(file, MIME type) of the ``.vtt`` and ``.srt`` beside it."""
    chapters: Path | None = None
    """``<slug>.chapters.json`` (Podcasting 2.0 chapters) when present."""
    link: str | None = None
    """The article's web address (the item's <link>), when the episode came from a page that has one."""


def write_feed(
    folder: Path,
    *,
    base_url: str,
    title: str,
    author: str,
    description: str | None,
    language: str = "en",
    image: Path | None = None,
    category: str = "News",
    explicit: bool = False,
    owner_email: str | None = None,
) -> Path:
    """Write ``folder/feed.xml`` listing every episode of ``folder``; return its path.

    ``base_url`` is where the folder is served (``audiobook serve`` prints it):
    every URL in the feed is that plus a file name.  ``category`` is an Apple
    Podcasts category, with a subcategory after a slash ("News/Daily News").
    ``owner_email`` adds itunes:owner, which directories use to verify you.
    Re-running keeps the GUID of every episode already in the feed.
    """
    folder = _check_folder(folder)
    base_url = _check_base_url(base_url)
    title, author = _required("--title", title), _required("--author", author)
    if not _LANGUAGE.fullmatch(language):
        raise InputError(f"language {language!r} is not a language code", hint="use a code like en, en-GB or de")
    if image is not None:
        image = _check_image(Path(image))

    feed_path = folder / FEED_NAME
    previous = _previous_feed(feed_path)
    episodes = find_episodes(folder)
    if not episodes:
        raise InputError(f"no episodes (*.mp3) in {folder}", hint=_BUILD_HINT.format(folder=folder))
    cover = _show_cover(folder, image, previous.cover, title)

    # the spec's podcast:guid is made once, from the first feed URL, and kept
    channel_guid = previous.channel_guid or str(uuid.uuid5(PODCAST_GUID_NAMESPACE, _strip_scheme(base_url + FEED_NAME)))
    rss = _channel(
        base_url=base_url, title=title, author=author, description=description or title,
        language=language, cover=_url(base_url, cover), category=category,
        explicit=explicit, owner_email=owner_email, guid=channel_guid,
        published=episodes[0].published,
    )
    channel = rss[0]
    for ep in episodes:
        guid = previous.guids.get(ep.mp3.name) or str(uuid.uuid5(uuid.NAMESPACE_URL, base_url + ep.mp3.name))
        channel.append(_item(ep, guid=guid, base_url=base_url))
    _write_atomically(rss, feed_path)
    log.info("wrote %s: %d episodes", feed_path, len(episodes))
    return feed_path


def find_episodes(folder: Path) -> list[Episode]:
    """The folder's episodes, newest first; an unreadable MP3 is skipped with a warning."""
    episodes = []
    for mp3 in sorted(Path(folder).glob("*.mp3")):
        if mp3.name.startswith(".") or not mp3.is_file():
            continue  # hidden: a build's temporary file
        try:
            episodes.append(read_episode(mp3))
        except TagError as exc:
            log.warning("%s is left out of the feed: %s", mp3.name, exc.one_line())
    # the file time breaks ties between episodes of the same day
    episodes.sort(key=lambda e: (e.published, e.mp3.stat().st_mtime, e.mp3.name), reverse=True)
    return episodes


def read_episode(mp3: Path) -> Episode:
    """What the feed says about one MP3: tags, script JSON, audio, sidecars."""
    from mutagen import MutagenError
    from mutagen.mp3 import MP3

    from .tag import normalise_date, read_tags

    tags = read_tags(mp3)
    try:
        duration = MP3(mp3).info.length
    except (MutagenError, OSError) as exc:
        raise TagError(f"cannot read {mp3} as an MP3: {exc}", hint="rebuild the episode") from exc
    script = _read_script(mp3.with_suffix(".json"))
    stat = mp3.stat()
    date = tags.get("date") or (normalise_date(script.date) if script and script.date else None)

    def beside(suffix: str) -> Path | None:
        # names are built, not swapped: "a.b.mp3" has the sidecar "a.b.vtt", not "a.vtt"
        path = mp3.with_name(mp3.stem + suffix)
        return path if path.is_file() else None

    link = _web_address((script.url or script.source) if script else tags.get("url"))
    return Episode(
        mp3=mp3,
        title=(script.title if script else None) or tags.get("title") or mp3.stem,
        description=_describe(script, tags, mp3.stem, link),
        author=(script.author if script else None) or tags.get("artist"),
        published=_published(date, stat.st_mtime),
        duration=duration,
        size=stat.st_size,
        cover=next(filter(None, map(beside, COVER_SUFFIXES)), None),
        transcripts=tuple((p, kind) for s, kind in TRANSCRIPT_TYPES.items() if (p := beside(s))),
        chapters=beside(CHAPTERS_SUFFIX),
        link=link,
    )


def _web_address(value: str | None) -> str | None:
    return value if value and urlsplit(value).scheme in ("http", "https") else None


def feed_link(folder: Path) -> str | None:
    """The base URL the folder's ``feed.xml`` was written for (its channel link), or None."""
    try:
        link = ET.parse(Path(folder) / FEED_NAME).getroot().findtext("channel/link")
    except (OSError, ET.ParseError):
        return None
    return link.strip() if link else None


# --- checks ------------------------------------------------------------------


def _check_folder(folder: Path) -> Path:
    folder = Path(folder)
    if not folder.exists():
        raise InputError(f"no such folder: {folder}", hint=_BUILD_HINT.format(folder=folder))
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder", hint="give the folder the episodes were built into")
    return folder


def _check_base_url(base_url: str) -> str:
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(
            f"base URL {base_url!r} is not an http(s) URL",
            hint="give the address the folder is served at, e.g. --base-url http://192.168.1.20:8000/ "
            "(audiobook serve prints it)",
        )
    if parts.query or parts.fragment:
        raise InputError(f"base URL {base_url!r} has a query or fragment", hint="give the folder's URL only")
    return parts.geturl().rstrip("/") + "/"


def _required(option: str, value: str) -> str:
    value = _xml_text(value or "").strip()
    if not value:
        raise InputError(f"{option} is empty", hint=f"give the show's {option.lstrip('-')}")
    return value


def _check_image(image: Path) -> Path:
    from .cover import check_cover

    check_cover(image)  # InputError, with a hint, unless directories would take it
    return image


# --- reading -----------------------------------------------------------------


class _Previous(NamedTuple):
    """What an earlier feed.xml of the folder said that must not change."""

    guids: dict[str, str]
    """Item GUIDs by enclosure file name."""
    cover: str | None = None
    """File name of the show cover."""
    channel_guid: str | None = None
    """The show's podcast:guid."""


def _previous_feed(feed_path: Path) -> _Previous:
    if not feed_path.exists():
        return _Previous({})
    try:
        channel = ET.parse(feed_path).getroot().find("channel")
    except (OSError, ET.ParseError) as exc:
        # GUIDs are derived from the base URL and the file name, so a rebuilt
        # feed with the same base URL still gives every episode the same one
        log.warning("cannot read the previous %s (%s); writing a new one", feed_path, exc)
        return _Previous({})
    if channel is None:
        return _Previous({})
    guids = {}
    for item in channel.iter("item"):
        enclosure, guid = item.find("enclosure"), item.findtext("guid")
        if enclosure is not None and guid and guid.strip():
            guids[_file_name(enclosure.get("url", ""))] = guid.strip()
    image, link = channel.find(f"{{{ITUNES}}}image"), (channel.findtext("link") or "").strip()
    href = image.get("href", "") if image is not None else ""
    return _Previous(
        guids=guids,
        # a cover in a subfolder is named by its path under the old base URL
        cover=unquote(href[len(link):]) if link and href.startswith(link) else _file_name(href) or None,
        channel_guid=(channel.findtext(f"{{{PODCAST}}}guid") or "").strip() or None,
    )


def _file_name(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def _read_script(path: Path) -> Script | None:
    if not path.is_file():
        return None
    try:
        return Script.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("cannot read the script %s (%s); using the MP3's tags", path, exc)
        return None


def _describe(script: Script | None, tags: dict[str, str], stem: str, source: str | None) -> str:
    """The first paragraph of the article (not the headline), cut to a few
    sentences, then the chapters and ``source`` (the article's web address)."""
    title = (script.title if script else tags.get("title")) or stem
    paragraphs = script.paragraphs if script else tags.get("transcript", "").split("\n\n")
    body = [p.strip() for p in paragraphs if p.strip() and p.strip() != title.strip()]
    parts = [_shorten(" ".join(body[0].split())) if body else title]
    if script and len(script.chapters) > 1:
        parts.append("Chapters: " + "; ".join(
            f"{c.title} ({_clock(c.start)})" if c.start is not None else c.title for c in script.chapters
        ))
    if source:
        parts.append(f"Source: {source}")
    return "\n\n".join(parts)


def _shorten(text: str) -> str:
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[:SUMMARY_CHARS]
    sentence = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if sentence > SUMMARY_CHARS // 2:
        return cut[: sentence + 1]
    return cut.rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _published(date: str | None, mtime: float) -> dt.datetime:
    """The episode's time: its date tag, made exact by the file time when that falls within it.

    A date without a time becomes noon UTC, which is the same calendar day
    from UTC-11 to UTC+11; a partial date (2024-03, 2024) means its first day.
    """
    modified = dt.datetime.fromtimestamp(mtime, dt.timezone.utc)
    if not date:
        return modified
    found = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", date)  # a time after it is ignored
    if not found:
        return modified
    year, month, day = int(found[1]), int(found[2] or 1), int(found[3] or 1)
    try:
        start = dt.datetime(year, month, day, tzinfo=dt.timezone.utc)
    except ValueError:
        return modified
    if found[3]:
        end = start + dt.timedelta(days=1)
    elif found[2]:
        end = start.replace(year=year + month // 12, month=month % 12 + 1)
    else:
        end = start.replace(year=year + 1)
    return modified if start <= modified < end else start.replace(hour=12)


# --- the show cover ----------------------------------------------------------


def _show_cover(folder: Path, image: Path | None, previous: str | None, title: str) -> str:
    """The show cover's path inside the folder, relative to it, as a URL path."""
    if image is not None:
        inside, resolved = folder.resolve(), image.resolve()
        if resolved.is_relative_to(inside):  # already served from the folder
            return resolved.relative_to(inside).as_posix()
        target = folder / ("cover.png" if image.suffix.lower() == ".png" else "cover.jpg")
        _copy_atomically(image, target)
        return target.name
    # the previous feed's cover only when it names a file inside the folder
    if previous and (Path(previous).is_absolute() or ".." in Path(previous).parts):
        previous = None
    for name in ([previous] if previous else []) + list(SHOW_COVER_NAMES):
        if (folder / name).is_file() and Path(name).suffix.lower() in COVER_SUFFIXES:
            return name
    from .cover import default_cover

    path = Path(default_cover(title, None, folder / "cover.jpg"))
    log.info("made a default show cover: %s", path)
    return path.name


# --- building ----------------------------------------------------------------


def _channel(
    *, base_url: str, title: str, author: str, description: str, language: str, cover: str,
    category: str, explicit: bool, owner_email: str | None, guid: str, published: dt.datetime,
) -> ET.Element:
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", title)
    _text(channel, "link", base_url)
    _text(channel, "description", description)
    _text(channel, "language", language)
    _text(channel, "generator", f"audiobook {__version__}")
    _text(channel, "lastBuildDate", _rfc2822(dt.datetime.now(dt.timezone.utc)))
    _text(channel, "pubDate", _rfc2822(published))
    ET.SubElement(channel, f"{{{ATOM}}}link", {"href": base_url + FEED_NAME, "rel": "self", "type": "application/rss+xml"})
    image = ET.SubElement(channel, "image")
    _text(image, "url", cover)
    _text(image, "title", title)
    _text(image, "link", base_url)
    _text(channel, f"{{{ITUNES}}}author", author)
    ET.SubElement(channel, f"{{{ITUNES}}}image", {"href": cover})
    parent = channel
    for name in [c.strip() for c in category.split("/") if c.strip()][:2] or ["News"]:
        parent = ET.SubElement(parent, f"{{{ITUNES}}}category", {"text": _xml_text(name)})
    _text(channel, f"{{{ITUNES}}}explicit", "true" if explicit else "false")
    _text(channel, f"{{{ITUNES}}}type", "episodic")
    if owner_email:
        owner = ET.SubElement(channel, f"{{{ITUNES}}}owner")
        _text(owner, f"{{{ITUNES}}}name", author)
        _text(owner, f"{{{ITUNES}}}email", owner_email)
    _text(channel, f"{{{PODCAST}}}guid", guid)
    return rss


def _item(ep: Episode, *, guid: str, base_url: str) -> ET.Element:
    item = ET.Element("item")
    _text(item, "title", ep.title)
    if ep.link:
        _text(item, "link", ep.link)
    _text(item, "description", ep.description)
    ET.SubElement(item, "enclosure", {"url": _url(base_url, ep.mp3.name), "length": str(ep.size), "type": "audio/mpeg"})
    _text(item, "guid", guid).set("isPermaLink", "false")
    _text(item, "pubDate", _rfc2822(ep.published))
    _text(item, f"{{{ITUNES}}}title", ep.title)
    if ep.author:
        _text(item, f"{{{ITUNES}}}author", ep.author)
    _text(item, f"{{{ITUNES}}}duration", str(max(1, round(ep.duration))))
    _text(item, f"{{{ITUNES}}}episodeType", "full")
    if ep.cover:
        ET.SubElement(item, f"{{{ITUNES}}}image", {"href": _url(base_url, ep.cover.name)})
    for path, kind in ep.transcripts:
        # rel="captions": the files carry time codes, so apps can follow along
        ET.SubElement(item, f"{{{PODCAST}}}transcript", {"url": _url(base_url, path.name), "type": kind, "rel": "captions"})
    if ep.chapters:
        ET.SubElement(item, f"{{{PODCAST}}}chapters", {"url": _url(base_url, ep.chapters.name), "type": CHAPTERS_TYPE})
    return item


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = _xml_text(text)
    return element


def _xml_text(text: str) -> str:
    # ElementTree escapes & < > and quotes, but writes control characters
    # as they are, which no XML parser accepts
    return _NOT_XML.sub("", text)


def _url(base_url: str, relative: str) -> str:
    return base_url + quote(relative)


def _strip_scheme(url: str) -> str:
    return re.sub(r"^[a-z][a-z0-9+.-]*://", "", url, flags=re.I).rstrip("/")


def _rfc2822(moment: dt.datetime) -> str:
    return format_datetime(moment.astimezone(dt.timezone.utc), usegmt=True)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# --- writing -----------------------------------------------------------------


def _write_atomically(rss: ET.Element, path: Path) -> None:
    tree = ET.ElementTree(rss)
    ET.indent(tree, space=" ")
    with replacing(path) as tmp, tmp.open("wb") as f:
        tree.write(f, encoding="UTF-8", xml_declaration=True)
        f.write(b"\n")


def _copy_atomically(source: Path, target: Path) -> None:
    with replacing(target) as tmp:
        shutil.copyfile(source, tmp)