"""Load: a file path, a URL, or "-" for stdin -> Article with raw paragraphs.

Steps:
1. read the bytes: a file, stdin, or a web page (``fetch``: a URL is fetched
   when the machine is online; a one-line error says why when it cannot be);
2. decode them: UTF-8 (with or without BOM), UTF-16/32 with a BOM, the
   charset a page declares (its HTTP header or <meta>) when the bytes are not
   UTF-8, UTF-8 with a few stray legacy bytes, else the encoding
   charset-normalizer finds (Windows-1252 preferred when it fits as well as
   the guess); refuse binary files;
3. drop control characters (terminal escapes, NULs, bells...) and turn the
   ones that separate words or lines into spaces or line breaks;
4. pick a reader by extension, content type or content: plain text, Markdown
   or HTML.  HTML goes through trafilatura, which finds the article's main
   text and its title, byline, date, canonical URL and site name (the stdlib
   reader below takes over when it finds no text); Markdown keeps its words
   and drops its markup, its headings becoming sections;
5. split into paragraphs: blocks separated by blank lines; a text with no blank
   line at all has one paragraph per line (how many scrapers save articles).

Paragraphs keep their inner line breaks here: cleaning works line by line and
joins what is left.  Metadata the page or the Markdown front matter states is
set here; what only the text shows (a "By ..." line, a headline) is found by
``clean``, which knows what boilerplate looks like.
"""
from __future__ import annotations

import codecs
import logging
import re
import sys
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

from . import patterns
from .patterns import LazyPattern
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

HTML, MARKDOWN, TEXT = "html", "markdown", "text"
_URL = patterns.compile(r"^https?://", re.I)


def is_url(source: str) -> bool:
    """True for an http:// or https:// address (what ``load`` fetches)."""
    return bool(_URL.match(str(source)))


def load(source: str | Path, *, keep_page: bool = False) -> Article:
    """Read an article from a file, a URL (http/https), or stdin when ``source`` is "-".

    A URL's page is fetched once per process (see ``fetch``); ``keep_page``
    leaves it cached for a later load."""
    name = str(source)
    if is_url(name):
        return _load_url(name, keep_page)
    data = _read_bytes(name)
    text = plain_text(_decode(data, name, _meta_charset(data)))
    suffix = Path(name).suffix.lower() if name != "-" else ""
    if suffix in HTML_SUFFIXES or (suffix not in MARKDOWN_SUFFIXES and _looks_like_html(text)):
        kind = HTML  # a page saved as .txt is still a page: its scripts must not be read out
    elif suffix in MARKDOWN_SUFFIXES or (name == "-" and _looks_like_markdown(text)):
        kind = MARKDOWN  # stdin has no name to tell: its "# headings" and front matter do
    else:
        kind = TEXT
    return _article(name, text, kind)


def _load_url(url: str, keep_page: bool = False) -> Article:
    from .fetch import fetch

    page = fetch(url, keep=keep_page)
    text = plain_text(_decode(page.data, url, page.charset or _meta_charset(page.data)))
    kind = TEXT
    path = page.url.split("?", 1)[0].split("#", 1)[0].lower()
    if page.content_type in ("text/html", "application/xhtml+xml") or _looks_like_html(text):
        kind = HTML
    elif page.content_type == "text/markdown" or path.endswith(tuple(MARKDOWN_SUFFIXES)):
        kind = MARKDOWN
    article = _article(url, text, kind, page_url=page.url)
    return article if article.url is not None else replace(article, url=page.url)


def _article(name: str, text: str, kind: str, page_url: str | None = None) -> Article:
    """The Article of decoded ``text``, read as ``kind`` (HTML, MARKDOWN or TEXT)."""
    fields: dict = {}
    if kind == HTML:
        fields = _html_article(text, name, page_url)
        paragraphs = fields.pop("paragraphs")
    elif kind == MARKDOWN:
        fields = markdown_article(text)
        paragraphs = split_paragraphs(fields.pop("text"))
    else:
        paragraphs = split_paragraphs(text)
    if not any(p.strip() for p in paragraphs):
        raise LoadError(
            f"{name}: the article is empty",
            "give the page of an article, or save its text and give the file" if is_url(name) else "give a file that contains the article's text",
        )
    return Article(source=name, paragraphs=tuple(paragraphs), **fields)


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


def _decode(data: bytes, name: str, declared: str | None = None) -> str:
    """The text of ``data``; LoadError when it is not text in any encoding.

    ``declared`` is the charset the document states (a page's HTTP header or
    <meta>): trusted when the bytes are not UTF-8 yet decode in it."""
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
    text = _in_declared(data, declared)
    if text is not None:
        return _checked(text, name)
    text = _mostly_utf8(data)
    if text is not None:
        log.warning("%s: not all UTF-8; its stray bytes read as cp1252 (re-save it as UTF-8 if words come out wrong)", name)
    else:
        text, encoding = _legacy(data, name)
        log.warning("%s: not UTF-8; read as %s (re-save it as UTF-8 if words come out wrong)", name, encoding)
    return _checked(text, name)


#: labels that browsers read as Windows-1252 (the WHATWG Encoding Standard):
#: pages that say Latin-1 mean it, curly quotes included
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "windows-1252", "cp1252", "x-cp1252"}
_META_CHARSET = LazyPattern(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


def _meta_charset(data: bytes) -> str | None:
    """The charset a page's <meta> declares in its first bytes, if any."""
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


def _in_declared(data: bytes, declared: str | None) -> str | None:
    """``data`` decoded in the declared charset; None when none is declared or it does not fit."""
    if not declared:
        return None
    label = declared.strip().lower()
    encoding = "cp1252" if label in _AS_CP1252 else label
    try:
        if codecs.lookup(encoding).name in ("utf-8", "utf-16", "utf-32"):
            return None  # not UTF-8 after all: the bytes are what counts
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        log.debug("declared charset %r does not fit; guessing", declared)
        return None
    log.info("read as %s, the charset the page declares", encoding)
    return text


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
_ESCAPES = patterns.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-_])")
_WORD_SEPARATORS = patterns.compile(r"[\x0b\x0c\x1c-\x1f]")
_LINE_BREAKS = patterns.compile(r"\r\n?|[\x85\u2028]")
_CONTROLS = patterns.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd\ufffe\uffff]")
#: more of these than this share of the characters: a binary file, not text
MAX_CONTROL_SHARE = 0.05
_ANY_CONTROL = patterns.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


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
#
# Line by line: front matter, HTML comments, fenced code, link definitions,
# tables' rule rows and a picture's caption line go; headings (ATX "#" and
# setext underlines) become paragraphs of their own and sections; list items
# become paragraphs; inline markup (emphasis, links, images, code, HTML tags,
# footnote marks, escapes) leaves its words behind.

_MD_FRONT_MATTER = LazyPattern(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_MD_FRONT_KEYS = {"title": "title", "author": "author", "authors": "author", "byline": "author",
                  "date": "date", "url": "url", "canonical_url": "url", "canonical": "url", "link": "url"}
_MD_COMMENT = LazyPattern(r"<!--.*?(?:-->|\Z)", re.S)
_MD_FENCE = LazyPattern(r"^\s{0,3}(`{3,}|~{3,})")
_MD_ATX = LazyPattern(r"^\s{0,3}(#{1,6})(?:\s+(.*?))?\s*$")
_MD_SETEXT = LazyPattern(r"^\s{0,3}(={2,}|-{2,})\s*$")
_MD_RULE = LazyPattern(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_MD_LINK_DEFINITION = LazyPattern(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$")
_MD_TABLE_RULE = LazyPattern(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MD_LIST_ITEM = LazyPattern(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?")
_MD_QUOTE = LazyPattern(r"^\s{0,3}>\s?")
_MD_IMAGE_LINE = LazyPattern(r"^\s*(?:\[\s*)?!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])(?:\s*\]\([^)]*\))?\s*$")
_MD_CAPTION = LazyPattern(r"^\s*(\*|_)(?!\1)\S.*\S?\1\s*$")
_MD_INLINE = [
    (LazyPattern(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])"), ""),  # images (alt text is not the article)
    (LazyPattern(r"\[\^[^\]]*\]"), ""),  # footnote marks
    (LazyPattern(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links keep their text
    (LazyPattern(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference links too
    (LazyPattern(r"<(?:https?|mailto|ftp):[^>\s]*>", re.I), ""),  # autolinks: an address is not read out
    (LazyPattern(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>"), ""),  # inline HTML tags
    (LazyPattern(r"(`+)(.+?)\1"), r"\2"),  # inline code
    (LazyPattern(r"(\*\*\*|___)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold italics
    (LazyPattern(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # bold
    (LazyPattern(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),  # italics
    (LazyPattern(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),  # italics
    (LazyPattern(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),  # strikethrough
    (LazyPattern(r"\\$"), ""),  # a hard line break
]


def _looks_like_markdown(text: str) -> bool:
    return bool(_MD_FRONT_MATTER.match(text) or re.search(r"^#{1,6}[ \t]+\S", text[:20000], re.M))


_MD_ESCAPE = LazyPattern(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")
_MD_ESCAPED = LazyPattern("[\ue000-\ue07f]")


def markdown_inline(text: str) -> str:
    """One line of Markdown without its inline markup."""
    # an escaped mark is hidden from the rules as a private-use character, then put back
    text = _MD_ESCAPE.sub(lambda m: chr(0xE000 + ord(m.group(1))), text)
    for pattern, repl in _MD_INLINE:
        text = pattern.sub(repl, text)
    return _MD_ESCAPED.sub(lambda m: chr(ord(m.group()) - 0xE000), text)


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """The metadata of a leading ``---`` block of ``key: value`` lines, and the rest."""
    m = _MD_FRONT_MATTER.match(text)
    if not m or not all(":" in line or not line.strip() or line.startswith((" ", "\t", "-", "#")) for line in m.group(1).split("\n")):
        return {}, text
    found: dict[str, str] = {}
    for line in m.group(1).split("\n"):
        key, _, value = line.partition(":")
        field = _MD_FRONT_KEYS.get(key.strip().lower())
        value = value.strip().strip("\"'").strip()
        if field and value and field not in found:
            found[field] = value
    return found, text[m.end():]


def markdown_article(text: str) -> dict:
    """Markdown -> {"text": its words, paragraphs separated by blank lines,
    "title": the first level-1 heading, "headings": the other headings
    (each also a paragraph of the text), and what front matter says of
    "author", "date" and "url"}.  No markup is left to be read out."""
    meta, text = _front_matter(text)
    text = _MD_COMMENT.sub("", text)
    lines = text.split("\n")
    out: list[str] = []
    title: str | None = meta.get("title")
    headings: list[str] = []
    fence: str | None = None
    after_image = False
    in_item = False  # the last block was a list item: indented lines continue it

    def block(words: str) -> None:
        out.extend(["", words, ""])

    def heading(level: int, raw: str) -> None:
        nonlocal title
        words = " ".join(markdown_inline(raw).split())
        if not words:
            return
        if level == 1 and title is None:
            title = words
        elif level > 1 or words != title:
            headings.append(words)
        block(words)

    for i, line in enumerate(lines):
        if fence is not None:  # code is not read out
            if line.strip().startswith(fence):
                fence = None
            continue
        m = _MD_FENCE.match(line)
        if m:
            fence = m.group(1)[0] * 3
            continue
        if after_image and _MD_CAPTION.match(line):  # *The caption under a picture*
            after_image = False
            continue
        after_image = bool(_MD_IMAGE_LINE.match(line)) or (after_image and not line.strip())
        if in_item and line[:1] in (" ", "\t") and line.strip() and not _MD_LIST_ITEM.match(line):
            out[-2] += " " + markdown_inline(line.strip())
            continue
        in_item = False
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and not _MD_LIST_ITEM.match(line) and _MD_SETEXT.match(nxt) and not _MD_RULE.match(line) and not _MD_TABLE_RULE.match(line):
            heading(1 if nxt.strip().startswith("=") else 2, line)
            lines[i + 1] = ""  # the underline
            continue
        m = _MD_ATX.match(line)
        if m:
            heading(len(m.group(1)), re.sub(r"\s#+\s*$", "", m.group(2) or ""))
            continue
        if _MD_RULE.match(line) or _MD_LINK_DEFINITION.match(line) or _MD_TABLE_RULE.match(line) or _MD_IMAGE_LINE.match(line):
            out.append("")
            continue
        line = _MD_QUOTE.sub("", line)
        item = _MD_LIST_ITEM.match(line)
        if item:
            block(markdown_inline(line[item.end():]))
            in_item = True
            continue
        if line.lstrip().startswith("|"):  # a table row: its cells, in order
            cells = [markdown_inline(c).strip() for c in line.strip().strip("|").split("|")]
            block(", ".join(c for c in cells if c))
            continue
        out.append(markdown_inline(line))
    found = {k: v for k, v in meta.items() if k != "title"}
    return {"text": "\n".join(out), "title": title, "headings": tuple(headings), **found}


# --- HTML: trafilatura finds the article in the page ---------------------------

#: elements no reader should hear, pruned before trafilatura looks (it keeps <template>'s text)
_PRUNE = "//template|//dialog|//noscript|//figcaption|//select|//button"
_LIBRARY_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext", "readability")
_trafilatura_config = None


def _trafilatura():
    """trafilatura and its settings, imported on the first page (it costs ~150 ms)."""
    global _trafilatura_config
    import trafilatura
    from trafilatura.settings import use_config

    if _trafilatura_config is None:
        config = use_config()
        # a short article is still an article: keep what the main extractor
        # found, rather than a dump of the whole page (menus included)
        config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
        # a date is the page's own (meta tags, <time>, the URL), never one guessed from the text
        config.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")
        _trafilatura_config = config
        if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
            for name in _LIBRARY_LOGGERS:  # their warnings are about pages, not for the user
                logging.getLogger(name).setLevel(logging.ERROR)
    return trafilatura, _trafilatura_config


def _html_article(html: str, name: str, page_url: str | None = None) -> dict:
    """The article of a page: {"paragraphs", "title", "headings", "author",
    "date" (ISO), "url" (canonical), "site"}.  trafilatura finds the main text
    and the metadata; when it finds no text, the plain reader below reads
    every paragraph outside page furniture."""
    trafilatura, config = _trafilatura()
    try:
        doc = trafilatura.bare_extraction(
            html, url=page_url, with_metadata=True, include_comments=False, include_tables=False,
            include_images=False, include_links=False, prune_xpath=_PRUNE, config=config,
        )
    except Exception as exc:  # its parser failing on a page is no reason to give up on it
        log.warning("%s: trafilatura failed (%s); reading the page's paragraphs as they are", name, exc)
        doc = None
    title, paragraphs, headings = (None, [], ())
    if doc is not None and doc.body is not None:
        title, paragraphs, headings = _from_body(doc.body, _clean_text(doc.title))
    if not paragraphs:
        log.info("%s: trafilatura found no article text; reading the page's paragraphs", name)
        title, paragraphs, headings = _html_paragraphs(html)
        if doc is not None and doc.title:
            title = title or _clean_text(doc.title)
    meta = {
        "author": _authors(doc.author) if doc is not None else None,
        "date": (doc.date or None) if doc is not None else None,
        "url": _clean_text(doc.url) if doc is not None and doc.url and is_url(doc.url) else None,
        "site": _clean_text(doc.sitename) if doc is not None else None,
    }
    if meta["site"] and _HOST.fullmatch(meta["site"]):
        meta["site"] = None  # a host name is not a publication's name
    return {"paragraphs": paragraphs, "title": title, "headings": headings, **meta}


def _clean_text(text: str | None) -> str | None:
    if not text:
        return None
    return " ".join(plain_text(text).split()) or None


def _authors(text: str | None) -> str | None:
    """trafilatura's "A; B" as "A, B"."""
    text = _clean_text(text)
    return ", ".join(a.strip() for a in text.split(";") if a.strip()) if text else None


_HEADING_REND = LazyPattern(r"^h([1-6])$")
_HOST = LazyPattern(r"(?:[\w-]+\.)+[a-z]{2,}", re.I)


def _from_body(body, title: str | None) -> tuple[str | None, list[str], tuple[str, ...]]:
    """(title, paragraphs, headings) from trafilatura's body element: a
    paragraph per <p>, <quote>, list item and heading; headings other than the
    headline are sections.  The episode opens with the headline: when the body
    does not, the title is put first."""
    paragraphs: list[str] = []
    headings: list[str] = []
    first = True
    for element in body:
        tag = element.tag
        if tag == "list":
            paragraphs.extend(_list_items(element))
        elif tag in ("p", "quote", "head", "div", "del"):
            text = _lines(element)
            if not text:
                continue
            level = _HEADING_REND.match(element.get("rend") or "")
            if tag == "head":
                flat = " ".join(text.split())
                if first and level and level.group(1) == "1":
                    title = flat  # the page's own headline wins over its <title>
                elif flat != title:
                    headings.append(flat)
                paragraphs.append(flat)
            else:
                paragraphs.append(text)
        # code, tables, graphics: nothing to read out
        first = first and not paragraphs
    if title and (not paragraphs or " ".join(paragraphs[0].split()) != title):
        paragraphs.insert(0, title)
    return title, paragraphs, tuple(headings)


def _list_items(element) -> list[str]:
    out = []
    for item in element:
        if item.tag != "item":
            continue
        text = _lines(item, skip=("list",))
        if text:
            out.append(text)
        for inner in item:
            if inner.tag == "list":
                out.extend(_list_items(inner))
    return out


def _lines(element, skip: tuple[str, ...] = ()) -> str:
    """The text of an element, its <lb/> as line breaks, each line's spaces collapsed."""
    parts: list[str] = []

    def walk(el) -> None:
        if el.text:
            parts.append(el.text)
        for child in el:
            if child.tag == "lb":
                parts.append("\n")
            elif child.tag not in skip and child.tag != "graphic":
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(element)
    lines = (" ".join(line.split()) for line in plain_text("".join(parts)).split("\n"))
    return "\n".join(line for line in lines if line)


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
