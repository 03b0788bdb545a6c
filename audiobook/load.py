"""Load: a file path (or "-" for stdin) -> Article with raw paragraphs.

Steps:
1. read the bytes and decode them: UTF-8 (with or without BOM), UTF-16/32 with
   a BOM, UTF-8 with a few stray legacy bytes, else the encoding
   charset-normalizer finds (Windows-1252 preferred when it fits as well as
   the guess); refuse binary files;
2. drop control characters (terminal escapes, NULs, bells...) and turn the
   ones that separate words or lines into spaces or line breaks;
3. pick a reader by extension or content: plain text, Markdown or HTML;
4. split into paragraphs: blocks separated by blank lines; a text with no blank
   line at all has one paragraph per line (how many scrapers save articles).

Paragraphs keep their inner line breaks here: cleaning works line by line and
joins what is left.  Metadata (headline, byline, date) is found by ``clean``,
which knows what boilerplate looks like.
"""
from __future__ import annotations

import codecs
import logging
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from .errors import LoadError
from .models import Article

log = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
#: how much of the file the NUL-byte test for binary files looks at
SNIFF_BYTES = 8192
#: a file with more NUL bytes than this share of its start (and more than a
#: few) is binary; a stray NUL or two in an article (a bad export) is dropped
#: like any control character
MAX_NUL_SHARE = 0.01


def load(source: str | Path) -> Article:
    """Read an article from a file, or from stdin when ``source`` is "-"."""
    name = str(source)
    data = _read_bytes(name)
    text = plain_text(_decode(data, name))
    suffix = Path(name).suffix.lower() if name != "-" else ""
    headings: tuple[str, ...] = ()
    if suffix in HTML_SUFFIXES or (suffix not in MARKDOWN_SUFFIXES and _looks_like_html(text)):
        # a page saved as .txt is still a page: its scripts must not be read out
        title, paragraphs, headings = _html_paragraphs(text)
    else:
        title = None
        if suffix in MARKDOWN_SUFFIXES:
            title, headings = _markdown_headings(text)
            text = _markdown_to_text(text)
        paragraphs = split_paragraphs(text)
    if not any(p.strip() for p in paragraphs):
        raise LoadError(
            f"{name}: the article is empty",
            "give a file that contains the article's text",
        )
    return Article(source=name, paragraphs=tuple(paragraphs), title=title, headings=headings)


def _read_bytes(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    path = Path(name)
    if not path.exists():
        raise LoadError(f"{name}: no such file", "check the path, or use - to read stdin")
    if path.is_dir():
        raise LoadError(f"{name}: is a folder, not an article", "name the article files inside it")
    try:
        if path.stat().st_size > MAX_BYTES:
            raise LoadError(
                f"{name}: {path.stat().st_size // 2**20} MB is too large for one article",
                f"split it; articles up to {MAX_BYTES // 2**20} MB are accepted",
            )
        return path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{name}: cannot read ({exc.strerror})", "check the file's permissions") from exc


_BOMS = (  # UTF-32 first: its little-endian BOM begins with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: a legacy guess may lose to Windows-1252 by this much disorder (0-1) and still
#: give way to it: charset-normalizer often ranks look-alike code pages
#: (cp1250, cp775) first for French, German or Spanish text, misreading è, ß, ñ
PREFER_CP1252_WITHIN = 0.02


def _binary(name: str) -> LoadError:
    return LoadError(f"{name}: looks like a binary file, not text", "give a text, Markdown or HTML article")


def _decode(data: bytes, name: str) -> str:
    """The text of ``data``; LoadError when it is not text in any encoding."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise LoadError(
                    f"{name}: starts like {encoding.upper()} text but is not (bad bytes at offset {exc.start})",
                    "re-save the article as UTF-8",
                ) from exc
            return _checked(text.lstrip("\ufeff"), name)
    sample = data[:SNIFF_BYTES]
    if sample.count(0) > max(4, MAX_NUL_SHARE * len(sample)):
        raise _binary(name)
    try:
        return _checked(data.decode("utf-8"), name)
    except UnicodeDecodeError:
        pass
    if 0 in sample:
        raise _binary(name)  # NULs in a file that is not UTF-8: no legacy encoding has them in text
    text = _mostly_utf8(data)
    if text is not None:
        log.warning("%s: not all UTF-8; its stray bytes read as cp1252 (re-save it as UTF-8 if words come out wrong)", name)
    else:
        text, encoding = _legacy(data, name)
        log.warning("%s: not UTF-8; read as %s (re-save it as UTF-8 if words come out wrong)", name, encoding)
    return _checked(text, name)


def _stray_as_cp1252(exc: UnicodeDecodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 read as Windows-1252."""
    return exc.object[exc.start : exc.end].decode("cp1252", "replace"), exc.end


codecs.register_error("audiobook-stray-cp1252", _stray_as_cp1252)


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few stray legacy bytes (an article pasted together
    from two sources): the text, those bytes read as Windows-1252; None when
    the bytes are not mostly UTF-8."""
    rough = data.decode("utf-8", "replace")
    bad = rough.count("\ufffd") - data.count("\ufffd".encode())
    good = len(rough) - len(rough.encode("ascii", "ignore")) - rough.count("\ufffd")
    if good == 0 or bad > good:
        return None
    return data.decode("utf-8", "audiobook-stray-cp1252")


def _legacy(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding) of a file in a legacy encoding, by charset-normalizer."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise LoadError(
            f"{name}: looks like a binary file, not text (no text encoding fits its bytes)",
            "give a text, Markdown or HTML article; if it is text, re-save it as UTF-8",
        )
    best = matches[0]
    for match in matches:
        if match.chaos <= best.chaos + PREFER_CP1252_WITHIN and "cp1252" in match.could_be_from_charset:
            try:
                return data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:  # one of its five unassigned bytes
                break
    return str(best), best.encoding


# Characters that are not words.  Escape sequences (colour codes pasted from a
# terminal) go whole; separators that may stand between two words become a
# space; line and paragraph separators become line breaks; the other C0 and
# C1 controls, DEL, soft hyphens, bidirectional marks and noncharacters go.
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-_])")
_WORD_SEPARATORS = re.compile(r"[\x0b\x0c\x1c-\x1f]")
_LINE_BREAKS = re.compile(r"\r\n?|[\x85\u2028]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd\ufffe\uffff]")
#: more of these than this share of the characters: a binary file, not text
MAX_CONTROL_SHARE = 0.05
_ANY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _checked(text: str, name: str) -> str:
    """``text``, unless so much of it is control characters that it is not text."""
    controls = len(_ANY_CONTROL.findall(text[: SNIFF_BYTES * 8]))
    if controls > 2 and controls > MAX_CONTROL_SHARE * min(len(text), SNIFF_BYTES * 8):
        raise _binary(name)
    return text


def plain_text(text: str) -> str:
    """``text`` with \\n line ends and no control characters, words kept apart."""
    text = _ESCAPES.sub("", text)
    text = _LINE_BREAKS.sub("\n", text).replace("\u2029", "\n\n")
    text = _WORD_SEPARATORS.sub(" ", text)
    return _CONTROLS.sub("", text)


def split_paragraphs(text: str) -> list[str]:
    """Blocks separated by blank lines; one per line when there is no blank line."""
    if re.search(r"\n[ \t\u00a0]*\n", text):
        blocks = re.split(r"\n[ \t\u00a0]*\n", text)
    else:
        blocks = text.split("\n")
    return [b.strip("\n") for b in blocks if b.strip()]


# --- Markdown: keep the words, drop the markup -------------------------------

_MD_RULES = [
    (re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.M), r"\1"),  # headings
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links keep their text
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?!\w)"), r"\1"),  # italics
    (re.compile(r"`([^`]*)`"), r"\1"),  # inline code
    (re.compile(r"^\s{0,3}>\s?", re.M), ""),  # block quotes
    (re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$", re.M), ""),  # rules
    (re.compile(r"^\s*[-*+]\s+", re.M), ""),  # list bullets
]


_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", re.M)


def _markdown_headings(text: str) -> tuple[str | None, tuple[str, ...]]:
    """The first level-1 heading (the title) and the other headings (sections)."""
    title, sections = None, []
    for m in _MD_HEADING.finditer(text):
        words = " ".join(_markdown_to_text(m.group(2)).split())
        if m.group(1) == "#" and title is None:
            title = words
        elif words:
            sections.append(words)
    return title, tuple(sections)


def _markdown_to_text(text: str) -> str:
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    return text


# --- HTML: a plain reader for saved pages ------------------------------------


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:500].lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


class _HTMLText(HTMLParser):
    """Collects the text of headings, paragraphs and list items; skips page furniture."""

    BLOCKS = {"p", "h1", "h2", "h3", "h4", "li", "blockquote"}
    # (never a void element such as <embed>: it has no end tag to close the skip)
    SKIP = {
        "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "figure", "form", "svg",
        "iframe", "object", "canvas", "select", "button", "audio", "video", "dialog",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.title: str | None = None
        self.h1: str | None = None
        self.headings: list[str] = []
        self._skip = 0
        self._stack: list[str] = []
        self._buf: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in self.BLOCKS:
            self._flush()
            self._stack.append(tag)
        elif tag == "br":
            self._buf.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in self.BLOCKS and tag in self._stack:
            text = self._flush()
            if tag == "h1" and text and self.h1 is None:
                self.h1 = text
            elif tag in ("h2", "h3", "h4") and text:
                self.headings.append(text)
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data):
        if self._in_title:
            self.title = (self.title or "") + data
        elif not self._skip and self._stack:
            self._buf.append(data)

    def _flush(self) -> str:
        text = " ".join("".join(self._buf).split())
        self._buf = []
        if text:
            self.paragraphs.append(text)
        return text


def _html_paragraphs(html: str) -> tuple[str | None, list[str], tuple[str, ...]]:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    parser._flush()
    # the <h1> stays in the body: the episode opens by reading the headline
    title = parser.h1 or (" ".join(parser.title.split()) if parser.title else None)
    # a character reference (&#0;) can still make a control character
    paragraphs = [p for p in (plain_text(p).strip() for p in parser.paragraphs) if p]
    return (plain_text(title).strip() or None) if title else None, paragraphs, tuple(parser.headings)
