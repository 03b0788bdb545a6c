"""Pipeline: the stage calls in order, and the safe writing of what they make.

    load -> clean -> segment -> attribute -> cast -> synthesize -> stitch -> tag

``make_script`` runs the text stages for one article, ``make_digest_script``
for several in one episode (an opening, each article announced, a chapter per
article); ``render`` adds the audio stages and writes ``<slug>.mp3``, its
cover, transcripts and ``<slug>.json`` under temporary names, renaming them
into place only when all are complete (the JSON last), so an interrupted or
failed build never leaves a partial file nor replaces a good episode.
``build_key`` is the hash of what shapes an episode, recorded in its JSON.
Many articles at once, skipping unchanged ones, is ``batch``'s business.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path

from .errors import DISK_FULL_HINT, AudiobookError, InputError, OutputError
from .models import NARRATION, Article, Chapter, Script, Segment

Progress = Callable[[int, int], None]

#: the show name drawn on a default cover when no --show is given
DEFAULT_SHOW = "Audio edition"


@dataclass(frozen=True)
class Options:
    """Everything a build can be asked for; the CLI fills it from its flags."""

    title: str | None = None
    """Episode title; default: the article's headline, else its file name (or URL)."""
    author: str | None = None
    """Artist tag; default: the article's byline."""
    date: str | None = None
    """Publication date (YYYY-MM-DD); default: the article's date."""
    show: str | None = None
    """Album tag: the show's name."""
    profile: str = "default"
    """Voice profile name or path."""
    engine: str = "auto"
    """Speech engine: "auto", "espeak" or "pyttsx3"."""
    jobs: int | None = None
    """Synthesis worker processes; None = one per core."""
    bitrate: str = "96k"
    """MP3 bitrate."""
    sample_rate: int = 44100
    """MP3 sample rate in Hz."""
    id3_version: int = 3
    """ID3v2 minor version: 3 (most widely read) or 4."""
    cache_dir: str | None = None
    """Clip cache folder; None = the user cache directory."""
    cache_max: int | None = None
    """Clip cache cap in bytes; None = $AUDIOBOOK_CACHE_MAX, else 2 GiB."""
    stable_voices: bool = False
    """Give a speaker the same voice in every episode (a hash of the name picks it)."""
    cover: str | None = None
    """Cover image (square JPEG/PNG, 1400-3000 px); None draws one from show and title."""
    timeout: float | None = None
    """Seconds one utterance may take the engine before its worker is replaced; None = 10 s + 0.2 s a word."""
    intro: str | None = None
    """Audio file played before the first words (a jingle)."""
    outro: str | None = None
    """Audio file played after the last words."""


@dataclass(frozen=True)
class Episode:
    """What a build wrote."""

    mp3: Path
    """The tagged MP3."""
    script_json: Path
    """The script with timings, beside it."""
    script: Script
    """The script, with timings."""
    duration: float
    """Seconds of audio."""
    seconds: float
    """Wall time the build took."""


def slugify(text: str) -> str:
    """A file-name-safe slug: lower case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].rstrip("-") or "episode"


def _title_from_name(source: str) -> str:
    from .load import is_url

    if is_url(source):
        stem = url_slug(source) or _host(source) or "Article"
    else:
        stem = Path(source).stem if source != "-" else "Article"
    words = re.sub(r"[_-]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else "Article"


#: last parts of a URL's path that say nothing of the article
_GENERIC_PATH_PARTS = {"index", "default", "home", "article", "story", "news", "amp", "print", "view", "page", "content", "post", "item", "detail", "details", "main", "full", "live"}
_PAGE_SUFFIX = r"\.(?:s?html?|xhtml|php\d?|aspx?|jspx?|cfm|cms|ece|md|txt)$"


def url_slug(url: str) -> str | None:
    """The file-name slug a URL's path gives ("https://x.example/news/ferry-back.html"
    -> "ferry-back"); None when the path names nothing ("/", "/story/12345",
    "/?id=7"), and the page's title names the episode instead."""
    from urllib.parse import unquote, urlsplit

    parts = [re.sub(_PAGE_SUFFIX, "", unquote(p), flags=re.I) for p in urlsplit(url).path.split("/") if p]
    if len(parts) > 1 and parts[-1].lower() in _GENERIC_PATH_PARTS:
        parts.pop()  # ".../ferry-back/amp", ".../ferry-back/index.html"
    if not parts or parts[-1].lower() in _GENERIC_PATH_PARTS or not re.search(r"[^\W\d_]", parts[-1]):
        return None
    slug = slugify(parts[-1])
    return None if slug == "episode" else slug


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "").removeprefix("www.")


def display_name(source: str) -> str:
    """How messages name an article: a file's name, a URL as given, stdin as "stdin"."""
    from .load import is_url

    if source == "-":
        return "stdin"
    return source if is_url(source) else Path(source).name


def load_voice_profile(options: Options):
    from .profile import load_profile

    return load_profile(options.profile)  # first: a bad profile fails before any work


def read_article(source: str, profile=None, options: Options | None = None) -> tuple[Article, list[Segment]]:
    """Load, clean, segment and attribute one article.

    ``profile`` gives the cleaners (its [clean] table) and, with ``options``
    (a one-article episode), the spoken opening.  With ``options`` its
    title, author and date override what the article says.
    """
    from .attribute import attribute
    from .clean import CLEANERS, clean
    from .errors import LoadError
    from .load import load
    from .segment import segment

    article = clean(load(source), profile.cleaners() if profile is not None else CLEANERS)
    if not article.paragraphs:
        raise LoadError(f"{source}: nothing is left to read once ads and boilerplate are removed", "check that the file holds the article's text")
    if options is not None:
        headline = article.title
        article = replace(article, title=options.title or article.title, author=options.author or article.author, date=options.date or article.date)
        if profile is not None:
            article = _with_opening(article, headline, profile.article_opening_text(
                title=article.title or _title_from_name(source), author=article.author, date=article.date, site=article.site, show=options.show,
            ))
    return article, attribute(article.paragraphs, segment(article.paragraphs))


def _with_opening(article: Article, headline: str | None, opening: str | None) -> Article:
    """``article`` with ``opening`` as a paragraph of its own: after the
    headline when the article opens with it, else first."""
    if not opening:
        return article
    at = 1 if headline and article.paragraphs[0] == headline else 0
    return replace(article, paragraphs=article.paragraphs[:at] + (opening,) + article.paragraphs[at:])


def resolve_voices(profile, options: Options) -> dict:
    from .engines import get_engine
    from .profile import resolve

    engine = get_engine(options.engine)
    try:
        return resolve(profile, engine.voices(), engine.variants())
    finally:
        engine.close()


def _sections(article: Article, segments: Sequence[Segment], first: int = 0, prefix: str = "") -> list[Chapter]:
    """A chapter for each section heading of the article, at the heading's first segment."""
    out: list[Chapter] = []
    wanted = list(article.headings)
    for index, seg in enumerate(segments):
        if wanted and seg.text.strip() and article.paragraphs[seg.paragraph] == wanted[0] and (index == 0 or segments[index - 1].paragraph != seg.paragraph):
            out.append(Chapter(prefix + wanted.pop(0), first + index))
    return out


def make_script(source: str, options: Options = Options()) -> Script:
    """Load, clean, segment, attribute and cast one article: the script, without audio."""
    profile = load_voice_profile(options)
    article, segments = read_article(source, profile, options)
    return cast_article(source, article, segments, resolve_voices(profile, options), options)


def cast_article(source: str, article: Article, segments: list[Segment], voices: dict, options: Options) -> Script:
    from .cast import cast

    title = episode_title(source, article, options)
    script = cast(article, segments, voices, title=title, stable=options.stable_voices)
    chapters = _sections(article, segments)
    if chapters and chapters[0].first_segment > 0:  # the part before the first heading
        chapters.insert(0, Chapter(title, 0))
    return replace(script, author=options.author or script.author, chapters=tuple(chapters))


def make_digest_script(sources: Sequence[str], options: Options = Options(), *, title: str, day: date) -> Script:
    """One script from several articles: an opening, then each article announced by
    its title, with a chapter per article (and per section of an article)."""
    from .cast import cast

    profile = load_voice_profile(options)
    segments: list[Segment] = []
    chapters: list[Chapter] = []
    paragraph = 0
    opening = profile.opening_text(options.show, title, day)
    if opening:
        segments.append(Segment(NARRATION, opening, 0))
        chapters.append(Chapter(options.show or title, 0))
        paragraph = 1
    authors = []
    for source in sources:
        article, segs = read_article(source, profile)
        heading = article.title or _title_from_name(source)
        first = len(segments)
        chapters.append(Chapter(heading, first))
        if article.title is None or article.paragraphs[0] != article.title:
            # the article does not open with its headline: announce it
            segments.append(Segment(NARRATION, heading, paragraph))
            paragraph += 1
        sections = _sections(article, segs, first=len(segments), prefix=f"{heading}: ")
        chapters.extend(ch for ch in sections if ch.first_segment > first)
        segments.extend(replace(seg, paragraph=seg.paragraph + paragraph) for seg in segs)
        paragraph += len(article.paragraphs)
        if article.author and article.author not in authors:
            authors.append(article.author)
    combined = Article(source=", ".join(sources), paragraphs=(), title=title, author=", ".join(authors) or None, date=day.isoformat())
    script = cast(combined, segments, resolve_voices(profile, options), title=title, stable=options.stable_voices)
    return replace(script, author=options.author or script.author, chapters=tuple(chapters))


def output_path(source: str, out: Path, title: str | None = None) -> Path | None:
    """Where the MP3 of ``source`` goes: ``out`` is a folder, or an .mp3 path.

    Named after the file, or the last part of a URL's path; stdin's episode,
    and a URL's whose path names nothing, after its ``title`` (known once
    read: without it, None).
    """
    from .load import is_url

    if out.suffix.lower() == ".mp3":
        return out
    if source == "-" or is_url(source):
        stem = (url_slug(source) if source != "-" else None) or title
        if stem is None:
            return None
    else:
        stem = Path(source).stem
    return out / f"{slugify(stem)}.mp3"


def episode_title(source: str, article: Article, options: Options) -> str:
    """The title an article's episode gets: --title, its headline, else its name."""
    return options.title or article.title or _title_from_name(source)


def output_paths(source: str, script: Script, out: Path) -> tuple[Path, Path]:
    """Where the MP3 and JSON of ``source`` go: ``out`` is a folder, or an .mp3 path."""
    mp3 = output_path(source, out, script.title)
    return mp3, mp3.with_suffix(".json")


def _prepare_dir(folder: Path) -> None:
    blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise OutputError(f"cannot create output folder {folder}: {blocker} is a file", "choose another folder with -o, or move that file away")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {folder}: {exc.strerror}", "choose another folder with -o") from exc
    if not os.access(folder, os.W_OK):
        raise OutputError(f"output folder {folder} is not writable", "choose another folder with -o, or fix its permissions")


def preflight(options: Options) -> bytes | None:
    """What should fail before minutes of synthesis: no encoder, a missing
    jingle, a bad cover.  Returns the cover's bytes when one was given."""
    from .speech import lexicon
    from .stitch import find_ffmpeg

    find_ffmpeg()
    lexicon()  # a malformed lexicon fails here, not after the text stages
    for name, path in (("--intro", options.intro), ("--outro", options.outro)):
        if path and not Path(path).is_file():
            raise InputError(f"{name}: no such audio file: {path}", "give the path of an audio file ffmpeg can read")
    if options.cover:
        from .cover import check_cover

        return check_cover(Path(options.cover))[0]
    return None


def check_target(mp3: Path) -> None:
    if mp3.is_dir():
        raise OutputError(f"output path {mp3} is a folder", "give a file name ending in .mp3, or a folder with -o")
    _prepare_dir(mp3.parent)


def evict_cache(clips: Sequence, options: Options) -> None:
    """Keep the clip cache under its cap, sparing the clips this build uses."""
    from .cache import cache_max, evict
    from .synthesize import cache_root

    evict(cache_root(options.cache_dir), cache_max(options.cache_max), keep=[c.path for c in clips])


def render(script: Script, mp3: Path, options: Options, progress: Progress | None = None, *, comment: str, key: str | None = None) -> Episode:
    """The audio stages for a script, and the safe writing of the episode's files.

    Writes the MP3 and its sidecars as :func:`encode_episode` does: all or nothing.
    ``key`` is the build key recorded in the JSON (see ``build_key``).
    """
    from .speech import spoken
    from .synthesize import plan, synthesize

    started = time.perf_counter()
    check_target(mp3)
    cover = preflight(options)
    utterances = plan(script, spoken)
    clips = synthesize(
        utterances, engine=options.engine, jobs=options.jobs, cache_dir=options.cache_dir, timeout=options.timeout, progress=progress
    )
    evict_cache(clips, options)
    episode = encode_episode(script, clips, mp3, options, cover=cover, comment=comment, key=key)
    return replace(episode, seconds=time.perf_counter() - started)


def encode_episode(
    script: Script,
    clips: Sequence,
    mp3: Path,
    options: Options,
    *,
    cover: bytes | None,
    comment: str,
    key: str | None,
    drawn: bool = False,
    stop: threading.Event | None = None,
    measured=None,
) -> Episode:
    """Stitch, encode and tag one episode from its clips; write it and its sidecars.

    ``cover`` is the image to embed; None draws one.  A drawn cover (None, or
    ``drawn``: see :func:`draw_default_cover`) is also written beside the MP3
    as ``<stem>.jpg``, for the feed.

    Every file is written under a temporary name first; only when all are
    complete are they renamed into place: the MP3, the cover, the transcripts,
    and the JSON last, since its build key tells the next run that the episode
    is done (a run cut short between two renames is then rebuilt, never
    wrongly skipped).  On any error or interrupt the temporary files are
    removed and the episode already there is left as it was.  ``stop`` set
    (from another thread) abandons the encoding with KeyboardInterrupt.
    ``measured`` is the clips' loudness taken during synthesis (stitch.Measured).
    """
    from . import __version__
    from .atomic import Staging
    from .stitch import stitch
    from .tag import tag
    from .transcript import sidecars

    started = time.perf_counter()
    try:
        with Staging() as files:
            tmp_mp3 = files.add(mp3)
            timings = stitch(
                script,
                clips,
                tmp_mp3,
                bitrate=options.bitrate,
                sample_rate=options.sample_rate,
                intro=Path(options.intro) if options.intro else None,
                outro=Path(options.outro) if options.outro else None,
                stop=stop,
                measured=measured,
            )
            from mutagen.mp3 import MP3

            duration = MP3(tmp_mp3).info.length
            script = script.with_timings(timings, duration)
            if cover is None:
                cover, drawn = draw_default_cover(script, options), True
            tag(tmp_mp3, script, show=options.show, comment=comment, id3_version=options.id3_version, cover=cover, name=mp3)
            if drawn:
                files.write_bytes(mp3.with_suffix(".jpg"), cover)
            for path, text in sidecars(script, mp3):
                files.write_text(path, text)
            data = script.to_dict()
            if key is not None:
                data["build"] = {"key": key, "version": __version__, "duration": round(duration, 3)}
            files.write_text(mp3.with_suffix(".json"), json.dumps(data, ensure_ascii=False, indent=1) + "\n")
            if stop is not None and stop.is_set():
                raise KeyboardInterrupt  # interrupted while the last files were written: keep the old episode
            files.commit()
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise OutputError(f"cannot write {mp3}: the disk is full", DISK_FULL_HINT) from exc
        raise OutputError(f"cannot write {mp3}: {exc.strerror or exc}", "check free space and permissions of the output folder") from exc
    return Episode(mp3=mp3, script_json=mp3.with_suffix(".json"), script=script, duration=duration, seconds=time.perf_counter() - started)


def draw_default_cover(script: Script, options: Options) -> bytes:
    """The episode's cover, drawn from the show's name and its title (JPEG bytes)."""
    from .cover import draw_cover

    return draw_cover(options.show or DEFAULT_SHOW, script.title)


def build_episode(source: str, out: Path, options: Options = Options(), progress: Progress | None = None) -> Episode:
    """Make one episode from one article; returns what was written."""
    started = time.perf_counter()
    key = build_key(source, options)
    script = make_script(source, options)
    mp3, _ = output_paths(source, script, out)
    episode = render(script, mp3, options, progress, comment=source_comment(source), key=key)
    return replace(episode, seconds=time.perf_counter() - started)


def build_digest(sources: Sequence[str], mp3: Path, options: Options = Options(), progress: Progress | None = None, *, day: date | None = None) -> Episode:
    """Make one episode from several articles, a chapter each."""
    started = time.perf_counter()
    day = day or date.today()
    title = options.title or (f"{options.show}, {day:%A} {day.day} {day:%B %Y}" if options.show else _title_from_name(str(mp3)))
    script = make_digest_script(sources, options, title=title, day=day)
    names = ", ".join(display_name(s) for s in sources)
    episode = render(script, mp3, options, progress, comment=f"Sources: {names}")
    return replace(episode, seconds=time.perf_counter() - started)


def source_comment(source: str) -> str:
    return f"Source: {display_name(source)}"


# --- build keys: what an episode was made from -------------------------------------

#: Options fields that do not change the episode, so not part of its build key
#: (cover, intro, outro and profile enter the key by their files' bytes)
_NOT_IN_KEY = frozenset({"jobs", "cache_dir", "cache_max", "timeout", "engine", "profile", "cover", "intro", "outro"})


def build_key(source: str, options: Options) -> str | None:
    """sha256 of everything that shapes an article's episode; None when it cannot
    be known cheaply (stdin, an unreadable file: those are always built).

    A URL's page is fetched for it (and kept for the load that follows), so
    its episode is rebuilt when the page changed.
    """
    from . import __version__
    from .engines import engine_info
    from .fetch import fetch
    from .load import is_url
    from .profile import find_profile

    if source == "-":
        return None
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode() + data)

    try:
        add("article", fetch(source).data if is_url(source) else Path(source).read_bytes())
        add("profile", find_profile(options.profile).read_bytes())
        from .speech import lexicon_paths

        for path in lexicon_paths():  # a lexicon edit changes what is said
            add("lexicon", path.read_bytes())
        for name in ("cover", "intro", "outro"):
            path = getattr(options, name)
            add(name, Path(path).read_bytes() if path else b"")
        spec, version = engine_info(options.engine)
    except (OSError, AudiobookError):
        return None
    settings = {f.name: getattr(options, f.name) for f in fields(Options) if f.name not in _NOT_IN_KEY}
    settings.update(engine=spec, engine_version=version, tool=__version__, name=display_name(source))  # the name is in the tags
    add("settings", json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()
