"""Load: a file path (or "-" for stdin) -> Article with raw paragraphs.

Steps:
1. read the bytes and decode them (UTF-8, with or without BOM); refuse binary;
2. pick a reader by extension or content: plain text, Markdown or HTML;
3. split into paragraphs: blocks separated by blank lines; a text with no blank
   line at all has one paragraph per line (how many scrapers save articles).

Paragraphs keep their inner line breaks here: cleaning works line by line and
joins what is left.  Metadata (headline, byline, date) is found by ``clean``,
which knows what boilerplate looks like.
"""
from __future__ import annotations

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


def load(source: str | Path) -> Article:
    """Read an article from a file, or from stdin when ``source`` is "-"."""
    name = str(source)
    data = _read_bytes(name)
    text = _decode(data, name)
    suffix = Path(name).suffix.lower() if name != "-" else ""
    headings: tuple[str, ...] = ()
    if suffix in HTML_SUFFIXES or (not suffix and _looks_like_html(text)):
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


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise LoadError(f"{name}: looks like a binary file, not text", "give a text, Markdown or HTML article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"{name}: is not UTF-8 text (bad byte at offset {exc.start})",
            "re-save the article as UTF-8",
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


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
    SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "figure", "form", "svg"}

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
    return title, parser.paragraphs, tuple(parser.headings)
